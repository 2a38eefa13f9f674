import {
  DEFAULT_HOLD_TTL_SECONDS,
  DEFAULT_REVERSAL_WINDOW_SECONDS,
  MAX_HOLD_TTL_SECONDS,
  MAX_REVERSAL_WINDOW_SECONDS,
} from '@atm-ledger/contracts';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Node } from 'constructs';

/** How the transactions stream is billed: per shard-hour, or per stream-hour plus throughput. */
export type KinesisCapacity =
  | { readonly mode: 'on-demand' }
  | { readonly mode: 'provisioned'; readonly shards: number };

/**
 * Where notifiers send (the notifier's NOTIFIER_CHANNEL). `jsonl` appends to
 * a file in the function's /tmp, which is lost with the instance: it lets a
 * stage run end to end, with the notifier's logs as the only record, before
 * SES or SMS is set up for it.
 */
export type NotifierDelivery =
  | { readonly kind: 'jsonl' }
  | { readonly kind: 'ses'; readonly from: string; readonly configurationSet: string | undefined }
  | { readonly kind: 'sms'; readonly senderId: string | undefined };

/**
 * Everything that differs between deployments of the same code. Each field
 * comes from CDK context (`-c name=value` or `cdk.json`) and has a per-stage
 * default, so `cdk synth` works with no flags and no credentials.
 */
export interface DeploymentConfig {
  readonly stage: string;
  /** `undefined` keeps the stacks environment-agnostic in account: deploy resolves it. */
  readonly account: string | undefined;
  readonly region: string;
  /** Applied to every stateful resource and to log groups. */
  readonly removalPolicy: RemovalPolicy;
  readonly kinesis: KinesisCapacity;
  readonly kinesisRetention: Duration;
  readonly archiveRetention: Duration;
  readonly logRetentionDays: number;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Steady-state requests per second and burst for the whole HTTP stage. */
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Optional e-mail address subscribed to the alarm topic. */
  readonly alarmEmail: string | undefined;
  readonly notifierDelivery: NotifierDelivery;
  /** The notifier's static contact directory (NOTIFIER_CONTACTS_JSON), for ses and sms. */
  readonly notifierContactsJson: string | undefined;
  /**
   * LEDGER_REVERSAL_WINDOW_SECONDS: how far back a reversal's original may
   * be, and how long an early reversal waits for it.
   */
  readonly reversalWindowSeconds: number;
  /**
   * LEDGER_HOLD_TTL_SECONDS: how long an approved authorization holds its
   * amount before the timer sweep expires it, for the ledger API (which sets
   * expiresAt), the stream consumer and the sweep alike.
   */
  readonly holdTtlSeconds: number;
}

/**
 * Used only when neither context nor the CDK CLI names a region (an offline
 * `cdk synth` without a profile). `cdk deploy` fills CDK_DEFAULT_REGION from
 * the profile, so a real deployment never falls back to it silently.
 */
export const OFFLINE_REGION = 'eu-west-1';

const STAGE = /^[a-z][a-z0-9-]{1,15}$/;
const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Context = Pick<Node, 'tryGetContext'>;

/** Reads and validates the deployment parameters; fails with the parameter's name. */
export function readDeploymentConfig(
  node: Context,
  env: Record<string, string | undefined> = process.env,
): DeploymentConfig {
  const stage = text(node, 'stage') ?? 'dev';
  if (!STAGE.test(stage)) {
    throw new ConfigError(`context "stage" must match ${STAGE} (got "${stage}")`);
  }
  const prod = stage === 'prod';

  const removal = text(node, 'removalPolicy') ?? (prod ? 'retain' : 'destroy');
  if (removal !== 'retain' && removal !== 'destroy') {
    throw new ConfigError(
      `context "removalPolicy" must be "retain" or "destroy" (got "${removal}")`,
    );
  }

  const mode = text(node, 'kinesisMode') ?? (prod ? 'on-demand' : 'provisioned');
  let kinesis: KinesisCapacity;
  if (mode === 'on-demand') {
    kinesis = { mode };
  } else if (mode === 'provisioned') {
    kinesis = { mode, shards: integer(node, 'kinesisShards', 1, 1, 500) };
  } else {
    throw new ConfigError(
      `context "kinesisMode" must be "on-demand" or "provisioned" (got "${mode}")`,
    );
  }

  const logLevel = (text(node, 'logLevel') ?? 'INFO').toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(
      `context "logLevel" must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`,
    );
  }

  const alarmEmail = text(node, 'alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+$/.test(alarmEmail)) {
    throw new ConfigError(`context "alarmEmail" is not an e-mail address (got "${alarmEmail}")`);
  }

  const notifierDelivery = readNotifierDelivery(node);
  const notifierContactsJson = text(node, 'notifierContactsJson');
  if (notifierContactsJson !== undefined) {
    try {
      JSON.parse(notifierContactsJson);
    } catch {
      throw new ConfigError('context "notifierContactsJson" is not valid JSON');
    }
  }

  return {
    stage,
    account: text(node, 'account') ?? env.CDK_DEFAULT_ACCOUNT,
    region: text(node, 'region') ?? env.CDK_DEFAULT_REGION ?? OFFLINE_REGION,
    removalPolicy: removal === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    kinesis,
    // Beyond 24 hours Kinesis bills extended retention, so only prod pays for a week of replay.
    kinesisRetention: Duration.hours(
      integer(node, 'kinesisRetentionHours', prod ? 168 : 24, 24, 8760),
    ),
    archiveRetention: Duration.days(integer(node, 'archiveRetentionDays', prod ? 365 : 7, 1, 3650)),
    logRetentionDays: integer(node, 'logRetentionDays', prod ? 90 : 14, 1, 3653),
    logLevel: logLevel as DeploymentConfig['logLevel'],
    apiThrottle: {
      rateLimit: integer(node, 'apiRateLimit', prod ? 500 : 50, 1, 100_000),
      burstLimit: integer(node, 'apiBurstLimit', prod ? 1000 : 100, 1, 100_000),
    },
    alarmEmail,
    notifierDelivery,
    notifierContactsJson,
    reversalWindowSeconds: integer(
      node,
      'reversalWindowSeconds',
      DEFAULT_REVERSAL_WINDOW_SECONDS,
      1,
      MAX_REVERSAL_WINDOW_SECONDS,
    ),
    holdTtlSeconds: integer(
      node,
      'holdTtlSeconds',
      DEFAULT_HOLD_TTL_SECONDS,
      1,
      MAX_HOLD_TTL_SECONDS,
    ),
  };
}

function readNotifierDelivery(node: Context): NotifierDelivery {
  const kind = text(node, 'notifierDelivery') ?? 'jsonl';
  switch (kind) {
    case 'jsonl':
      return { kind };
    case 'ses': {
      const from = text(node, 'sesFrom');
      if (from === undefined || !/^[^@\s]+@[^@\s]+$/.test(from)) {
        throw new ConfigError(
          'context "sesFrom" must be the verified sender address when notifierDelivery=ses',
        );
      }
      return { kind, from, configurationSet: text(node, 'sesConfigurationSet') };
    }
    case 'sms':
      return { kind, senderId: text(node, 'smsSenderId') };
    default:
      throw new ConfigError(`context "notifierDelivery" must be jsonl, ses or sms (got "${kind}")`);
  }
}

function text(node: Context, name: string): string | undefined {
  const value: unknown = node.tryGetContext(name);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new ConfigError(`context "${name}" must be a string or number`);
  }
  return String(value);
}

function integer(node: Context, name: string, fallback: number, min: number, max: number): number {
  const raw = text(node, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `context "${name}" must be an integer from ${min} to ${max} (got "${raw}")`,
    );
  }
  return value;
}
