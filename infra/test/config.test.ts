import { RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ConfigError, OFFLINE_REGION, readDeploymentConfig } from '../src/config.js';

const context = (values: Record<string, unknown>) => ({
  tryGetContext: (name: string) => values[name],
});

describe('readDeploymentConfig', () => {
  it('defaults to a cheap, disposable dev stage in the offline region', () => {
    const config = readDeploymentConfig(context({}), {});
    expect(config).toMatchObject({
      stage: 'dev',
      account: undefined,
      region: OFFLINE_REGION,
      removalPolicy: RemovalPolicy.DESTROY,
      kinesis: { mode: 'provisioned', shards: 1 },
      logRetentionDays: 14,
      logLevel: 'INFO',
      reversalWindowSeconds: 86_400,
      holdTtlSeconds: 604_800,
    });
    expect(config.kinesisRetention.toHours()).toBe(24);
  });

  it('retains data, runs Kinesis on demand and keeps a week of stream in prod', () => {
    const config = readDeploymentConfig(context({ stage: 'prod' }), {});
    expect(config.removalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(config.kinesis).toEqual({ mode: 'on-demand' });
    expect(config.kinesisRetention.toHours()).toBe(168);
  });

  it('lets every default be overridden by context, given as CLI strings', () => {
    const config = readDeploymentConfig(
      context({
        stage: 'qa',
        removalPolicy: 'retain',
        kinesisMode: 'provisioned',
        kinesisShards: '3',
        logLevel: 'debug',
        region: 'eu-central-1',
        account: '123456789012',
        holdTtlSeconds: '900',
      }),
      { CDK_DEFAULT_REGION: 'us-east-1' },
    );
    expect(config).toMatchObject({
      stage: 'qa',
      removalPolicy: RemovalPolicy.RETAIN,
      kinesis: { mode: 'provisioned', shards: 3 },
      logLevel: 'DEBUG',
      region: 'eu-central-1',
      account: '123456789012',
      holdTtlSeconds: 900,
    });
  });

  it('takes account and region from the CDK CLI when context does not name them', () => {
    const config = readDeploymentConfig(context({}), {
      CDK_DEFAULT_ACCOUNT: '210987654321',
      CDK_DEFAULT_REGION: 'ap-southeast-2',
    });
    expect(config).toMatchObject({ account: '210987654321', region: 'ap-southeast-2' });
  });

  it('delivers notifications to a jsonl file unless told otherwise', () => {
    expect(readDeploymentConfig(context({}), {}).notifierDelivery).toEqual({ kind: 'jsonl' });
    expect(
      readDeploymentConfig(context({ notifierDelivery: 'ses', sesFrom: 'noreply@example.com' }), {})
        .notifierDelivery,
    ).toEqual({ kind: 'ses', from: 'noreply@example.com', configurationSet: undefined });
    expect(
      readDeploymentConfig(context({ notifierDelivery: 'sms', smsSenderId: 'AtmLedger' }), {})
        .notifierDelivery,
    ).toEqual({ kind: 'sms', senderId: 'AtmLedger' });
  });

  it.each([
    [{ notifierDelivery: 'ses' }, /sesFrom/],
    [{ notifierDelivery: 'pigeon' }, /notifierDelivery/],
    [{ notifierContactsJson: '{not json' }, /notifierContactsJson/],
    [{ stage: 'Prod!' }, /stage/],
    [{ removalPolicy: 'snapshot' }, /removalPolicy/],
    [{ kinesisMode: 'serverless' }, /kinesisMode/],
    [{ kinesisShards: '0' }, /kinesisShards/],
    [{ logLevel: 'TRACE' }, /logLevel/],
    [{ alarmEmail: 'not-an-address' }, /alarmEmail/],
    [{ holdTtlSeconds: '0' }, /holdTtlSeconds/],
    [{ holdTtlSeconds: '31536001' }, /holdTtlSeconds/],
    [{ holdTtlSeconds: 'a week' }, /holdTtlSeconds/],
  ])('rejects %o, naming the parameter', (values, message) => {
    expect(() => readDeploymentConfig(context(values), {})).toThrow(ConfigError);
    expect(() => readDeploymentConfig(context(values), {})).toThrow(message);
  });
});
