import { randomUUID } from 'node:crypto';
import { buildAtmLedger, type StatelessStack } from '@atm-ledger/infra';
import { LOCAL_FUNCTION_ENV, type LocalCloud, startLocalCloud } from '@atm-ledger/local-cloud';
import { sdkClientOptions } from '@atm-ledger/runtime';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/*
 * infra and the local cloud are both built from the contracts topology. This
 * test checks that they still agree, by reading each side as it really is:
 * infra's synthesized templates (dev stage, the defaults of cdk.json) and the
 * running local cloud's objects and emulator resources. It never reads the
 * topology module itself, so a setting hard-coded on one side shows here.
 */

/** Infra names resources `atm-ledger-<stage>-<name>`. */
const INFRA_PREFIX = 'atm-ledger-dev-';
/**
 * Set by infra's ServiceFunction on every function for Powertools and Node;
 * locally the handler options play their part.
 */
const INFRA_PLATFORM_ENV = [
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_METRICS_NAMESPACE',
  'NODE_OPTIONS',
];
/** SQS's defaults, for a queue whose template leaves a setting out. */
const SQS_DEFAULTS = { VisibilityTimeout: 30, MessageRetentionPeriod: 345_600 };

interface Resource {
  readonly Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are untyped JSON.
  readonly Properties: any;
}
interface TemplateJson {
  readonly Resources: Record<string, Resource>;
  readonly Outputs?: Record<
    string,
    { readonly Value: unknown; readonly Export?: { Name: string } }
  >;
}

/** One setting as each side has it. */
interface Row {
  readonly setting: string;
  readonly infra: unknown;
  readonly local: unknown;
}

/** Fails with every setting the two sides disagree on, by name, and never on an empty comparison. */
function expectSame(rows: readonly Row[]): void {
  expect(rows.length, 'settings compared').toBeGreaterThan(0);
  const differing = rows
    .filter((r) => canonical(r.infra) !== canonical(r.local))
    .map((r) => `${r.setting}: infra ${JSON.stringify(r.infra)}, local ${JSON.stringify(r.local)}`);
  expect(differing, 'settings that differ between infra and the local cloud').toEqual([]);
}

/** One row per field of a resource's settings; a resource missing on one side differs in every field. */
function fieldRows(
  resource: string,
  infra: Record<string, unknown>,
  local: Record<string, unknown> | undefined,
): Row[] {
  return Object.keys({ ...infra, ...local }).map((field) => ({
    setting: `${resource} ${field}`,
    infra: infra[field],
    local: local === undefined ? '(missing)' : local[field],
  }));
}

/** JSON with object keys sorted: key order is not a setting. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

const sorted = (values: Iterable<string>) => [...values].sort();
const arnName = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);

describe('topology drift: infra template vs the running local cloud', () => {
  const prefix = `drift-${randomUUID().slice(0, 8)}`;
  const localName = (name: string) => {
    expect(name.startsWith(`${prefix}-`), `${name} is a local name`).toBe(true);
    return name.slice(prefix.length + 1);
  };
  let cloud: LocalCloud;
  let stateless: StatelessStack;
  let stateful: TemplateJson;
  let template: TemplateJson;
  let sqs: SQSClient;
  let sns: SNSClient;
  let eventbridge: EventBridgeClient;

  /** The resource a reference in `from` points at, following exports into the stateful stack. */
  const referenced = (
    value: unknown,
    from: TemplateJson = template,
  ): Resource & { readonly id: string } => {
    const v = value as Record<string, unknown>;
    const inStack = (tpl: TemplateJson, ref: unknown) => {
      const r = ref as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      const id = r.Ref ?? r['Fn::GetAtt']?.[0];
      const resource = id === undefined ? undefined : tpl.Resources[id];
      if (id === undefined || resource === undefined) {
        throw new Error(`not a reference: ${JSON.stringify(ref)}`);
      }
      return { id, ...resource };
    };
    if ('Fn::ImportValue' in v) {
      const output = Object.values(stateful.Outputs ?? {}).find(
        (o) => o.Export?.Name === v['Fn::ImportValue'],
      );
      if (output === undefined) throw new Error(`no export ${String(v['Fn::ImportValue'])}`);
      return inStack(stateful, output.Value);
    }
    return inStack(from, value);
  };
  const infraName = (name: unknown) => {
    expect(typeof name === 'string' && name.startsWith(INFRA_PREFIX), `${name}`).toBe(true);
    return (name as string).slice(INFRA_PREFIX.length);
  };
  const infraQueueName = (ref: unknown, from: TemplateJson = template) =>
    infraName(referenced(ref, from).Properties.QueueName);
  const logicalId = (stack: Stack, element: unknown) =>
    stack.resolve(stack.getLogicalId(element as CfnElement)) as string;
  const resourcesOf = (tpl: TemplateJson, type: string) =>
    Object.entries(tpl.Resources).filter(([, r]) => r.Type === type);

  /** The infra functions, by the local cloud's names for them. */
  const infraFunctions = () => {
    const fns = {
      ingest: stateless.ingest,
      ledgerStream: stateless.ledgerStream,
      ledgerApi: stateless.ledgerApi,
      ledgerPublish: stateless.ledgerPublish,
      ledgerTimers: stateless.ledgerTimers,
      ...Object.fromEntries(stateless.notifiers.map((n) => [`notifier-${n.channel}`, n.fn])),
    };
    return Object.entries(fns).map(([name, fn]) => {
      const id = logicalId(stateless, fn.fn.node.defaultChild);
      return { name, id, resource: template.Resources[id] as Resource };
    });
  };
  const mappingOf = (functionLogicalId: string) => {
    const found = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').filter(
      ([, r]) => r.Properties.FunctionName?.Ref === functionLogicalId,
    );
    expect(found, `one event source mapping of ${functionLogicalId}`).toHaveLength(1);
    return (found[0] as [string, Resource])[1].Properties;
  };

  beforeAll(async () => {
    // Bundling is skipped: only the templates are compared.
    const app = new App({ context: { stage: 'dev', 'aws:cdk:bundling-stacks': [] } });
    const stacks = buildAtmLedger(app, { env: { CDK_DEFAULT_REGION: 'eu-west-1' }, nag: false });
    stateless = stacks.stateless;
    template = Template.fromStack(stacks.stateless).toJSON() as TemplateJson;
    stateful = Template.fromStack(stacks.stateful).toJSON() as TemplateJson;

    const awsEndpoint = inject('awsEndpoint');
    cloud = await startLocalCloud({ port: 0, awsEndpoint, prefix, token: 'drift' });
    const options = sdkClientOptions({ endpoint: awsEndpoint, region: 'us-east-1' });
    sqs = new SQSClient(options);
    sns = new SNSClient(options);
    eventbridge = new EventBridgeClient(options);
  });
  afterAll(async () => {
    await cloud?.stop();
    for (const client of [sqs, sns, eventbridge]) client?.destroy();
  });

  it('the ledger Kinesis event source mapping', () => {
    // Prepare
    const fn = infraFunctions().find((f) => f.name === 'ledgerStream');
    if (fn === undefined) throw new Error('infra has no ledgerStream function');
    const infra = mappingOf(fn.id);
    const local = cloud.ledgerConsumer.config;
    // Act, Assess
    expectSame([
      {
        setting: 'ledger mapping StartingPosition',
        infra: infra.StartingPosition,
        local: local.startingPosition,
      },
      { setting: 'ledger mapping BatchSize', infra: infra.BatchSize, local: local.batchSize },
      {
        setting: 'ledger mapping MaximumBatchingWindowInSeconds',
        infra: infra.MaximumBatchingWindowInSeconds,
        local: local.maximumBatchingWindowInSeconds,
      },
      {
        setting: 'ledger mapping ParallelizationFactor',
        infra: infra.ParallelizationFactor,
        local: local.parallelizationFactor,
      },
      {
        setting: 'ledger mapping BisectBatchOnFunctionError',
        infra: infra.BisectBatchOnFunctionError,
        local: local.bisectBatchOnFunctionError,
      },
      {
        setting: 'ledger mapping MaximumRetryAttempts',
        infra: infra.MaximumRetryAttempts,
        local: local.maximumRetryAttempts,
      },
      {
        setting: 'ledger mapping MaximumRecordAgeInSeconds',
        infra: infra.MaximumRecordAgeInSeconds,
        local: local.maximumRecordAgeInSeconds,
      },
      {
        setting: 'ledger mapping FunctionResponseTypes',
        infra: infra.FunctionResponseTypes ?? [],
        local: local.functionResponseTypes,
      },
      {
        setting: 'ledger mapping on-failure destination',
        infra: infraQueueName(infra.DestinationConfig.OnFailure.Destination),
        local: localName(arnName(local.destinationConfig.onFailure?.destination ?? '')),
      },
      // The local runtime has no tumbling windows: infra must not set one either.
      {
        setting: 'ledger mapping TumblingWindowInSeconds',
        infra: infra.TumblingWindowInSeconds,
        local: undefined,
      },
      {
        setting: 'ledger function Timeout',
        infra: fn.resource.Properties.Timeout,
        local: local.functionTimeoutSeconds,
      },
      {
        setting: 'ledger function MemorySize',
        infra: fn.resource.Properties.MemorySize,
        local: local.memorySizeMB,
      },
    ]);
  });

  it('the notifiers’ SQS event source mappings', () => {
    const rows = infraFunctions()
      .filter((f) => f.name.startsWith('notifier-'))
      .flatMap((fn) => {
        const channel = fn.name.slice('notifier-'.length) as keyof LocalCloud['notifiers'];
        const infra = mappingOf(fn.id);
        const local = cloud.notifiers[channel]?.config;
        const at = `${fn.name} mapping`;
        return [
          {
            setting: `${at} source queue`,
            infra: infraQueueName(infra.EventSourceArn),
            local: local && localName(arnName(local.eventSourceArn)),
          },
          { setting: `${at} BatchSize`, infra: infra.BatchSize, local: local?.batchSize },
          {
            setting: `${at} MaximumBatchingWindowInSeconds`,
            infra: infra.MaximumBatchingWindowInSeconds,
            local: local?.maximumBatchingWindowInSeconds,
          },
          {
            setting: `${at} FunctionResponseTypes`,
            infra: infra.FunctionResponseTypes ?? [],
            local: local?.functionResponseTypes,
          },
          {
            setting: `${fn.name} function Timeout`,
            infra: fn.resource.Properties.Timeout,
            local: local?.functionTimeoutSeconds,
          },
          {
            setting: `${fn.name} function MemorySize`,
            infra: fn.resource.Properties.MemorySize,
            local: local?.memorySizeMB,
          },
        ];
      });
    expect(rows.length).toBe(6 * Object.keys(cloud.notifiers).length);
    expectSame(rows);
  });

  it('the events pipe', () => {
    const pipes = resourcesOf(template, 'AWS::Pipes::Pipe');
    expect(pipes).toHaveLength(1);
    const infra = (pipes[0] as [string, Resource])[1].Properties;
    const source = infra.SourceParameters.DynamoDBStreamParameters;
    const local = cloud.ledgerEventsPipe.config;
    const localSource = local.sourceParameters.dynamoDbStreamParameters;
    const at = 'pipe';
    expectSame([
      { setting: `${at} Name`, infra: infraName(infra.Name), local: localName(local.name) },
      {
        setting: `${at} filter patterns`,
        infra: infra.SourceParameters.FilterCriteria.Filters.map((f: { Pattern: string }) =>
          JSON.parse(f.Pattern),
        ),
        local: local.sourceParameters.filterCriteria?.filters.map((f) => JSON.parse(f.pattern)),
      },
      {
        setting: `${at} StartingPosition`,
        infra: source.StartingPosition,
        local: localSource.startingPosition,
      },
      { setting: `${at} BatchSize`, infra: source.BatchSize, local: localSource.batchSize },
      {
        setting: `${at} MaximumBatchingWindowInSeconds`,
        infra: source.MaximumBatchingWindowInSeconds,
        local: localSource.maximumBatchingWindowInSeconds,
      },
      {
        setting: `${at} ParallelizationFactor`,
        infra: source.ParallelizationFactor,
        local: localSource.parallelizationFactor,
      },
      {
        setting: `${at} OnPartialBatchItemFailure`,
        infra: source.OnPartialBatchItemFailure,
        local: localSource.onPartialBatchItemFailure,
      },
      {
        setting: `${at} MaximumRetryAttempts`,
        infra: source.MaximumRetryAttempts,
        local: localSource.maximumRetryAttempts,
      },
      {
        setting: `${at} MaximumRecordAgeInSeconds`,
        infra: source.MaximumRecordAgeInSeconds,
        local: localSource.maximumRecordAgeInSeconds,
      },
      {
        setting: `${at} dead-letter queue`,
        infra: infraQueueName(source.DeadLetterConfig.Arn),
        local: localName(arnName(localSource.deadLetterConfig?.arn ?? '')),
      },
      {
        setting: `${at} target bus`,
        infra: infraName(referenced(infra.Target).Properties.Name),
        local: localName(arnName(local.target).replace(/^event-bus\//, '')),
      },
      {
        setting: `${at} target Source`,
        infra: infra.TargetParameters.EventBridgeEventBusParameters.Source,
        local: local.targetParameters.eventBridgeEventBusParameters.source,
      },
      {
        setting: `${at} target DetailType`,
        infra: infra.TargetParameters.EventBridgeEventBusParameters.DetailType,
        local: local.targetParameters.eventBridgeEventBusParameters.detailType,
      },
    ]);
  });

  it('the bus rules and their targets', async () => {
    const busName = cloud.resources.eventBusName;
    const localRules =
      (await eventbridge.send(new ListRulesCommand({ EventBusName: busName }))).Rules ?? [];
    const rows = await Promise.all(
      resourcesOf(template, 'AWS::Events::Rule').map(async ([, rule]) => {
        const name = infraName(rule.Properties.Name);
        const described = await eventbridge.send(
          new DescribeRuleCommand({ Name: `${prefix}-${name}`, EventBusName: busName }),
        );
        const targets =
          (
            await eventbridge.send(
              new ListTargetsByRuleCommand({ Rule: `${prefix}-${name}`, EventBusName: busName }),
            )
          ).Targets ?? [];
        const infraTargets = rule.Properties.Targets as Array<
          Record<string, Record<string, unknown>>
        >;
        const at = `rule ${name}`;
        return [
          {
            setting: `${at} bus`,
            infra: infraName(referenced(rule.Properties.EventBusName).Properties.Name),
            local: localName(described.EventBusName ?? ''),
          },
          {
            setting: `${at} EventPattern`,
            infra: rule.Properties.EventPattern,
            local: JSON.parse(described.EventPattern ?? 'null'),
          },
          {
            setting: `${at} targets`,
            infra: infraTargets.map((t) => ({
              target: infraName(referenced(t.Arn).Properties.TopicName),
              retryPolicy: t.RetryPolicy,
              deadLetterQueue: infraQueueName(t.DeadLetterConfig?.Arn),
            })),
            local: targets.map((t) => ({
              target: localName(arnName(t.Arn ?? '')),
              retryPolicy: t.RetryPolicy,
              deadLetterQueue: localName(arnName(t.DeadLetterConfig?.Arn ?? '')),
            })),
          },
        ];
      }),
    );
    // Besides infra's rules, the local bus has only the stand-ins for `$or` branches (below).
    const standIns = localRules.filter((r) => /-notifier-.+-route-\d+$/.test(r.Name ?? ''));
    expectSame([
      ...rows.flat(),
      {
        setting: 'rules on the bus',
        infra: sorted(
          resourcesOf(template, 'AWS::Events::Rule').map(([, r]) => infraName(r.Properties.Name)),
        ),
        local: sorted(
          localRules.filter((r) => !standIns.includes(r)).map((r) => localName(r.Name ?? '')),
        ),
      },
    ]);
  });

  it('the subscriptions to the fan-out topic: queues, filter policies, delivery', async () => {
    // Prepare: the local side as it filters, its subscription policy joined with the bus rules
    // that stand in for further `$or` branches (moto refuses `$or` body policies).
    const busName = cloud.resources.eventBusName;
    const localRules =
      (await eventbridge.send(new ListRulesCommand({ EventBusName: busName }))).Rules ?? [];
    const branchRules = async (queueArn: string) => {
      const out: Record<string, unknown>[] = [];
      for (const rule of localRules.filter((r) => /-route-\d+$/.test(r.Name ?? ''))) {
        const targets =
          (
            await eventbridge.send(
              new ListTargetsByRuleCommand({ Rule: rule.Name, EventBusName: busName }),
            )
          ).Targets ?? [];
        if (targets.some((t) => t.Arn === queueArn)) {
          out.push({
            detail: (JSON.parse(rule.EventPattern ?? '{}') as { detail: unknown }).detail,
          });
        }
      }
      return out;
    };
    const subscriptions =
      (
        await sns.send(
          new ListSubscriptionsByTopicCommand({ TopicArn: cloud.resources.ledgerEventsTopicArn }),
        )
      ).Subscriptions ?? [];
    const local = new Map<string, Record<string, unknown>>();
    for (const s of subscriptions) {
      const a =
        (
          await sns.send(
            new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn }),
          )
        ).Attributes ?? {};
      const branches = [
        JSON.parse(a.FilterPolicy ?? 'null'),
        ...(await branchRules(s.Endpoint ?? '')),
      ];
      local.set(localName(arnName(s.Endpoint ?? '')), {
        protocol: s.Protocol,
        filterPolicy: branches.length === 1 ? branches[0] : { $or: branches },
        filterPolicyScope: a.FilterPolicyScope,
        rawMessageDelivery: a.RawMessageDelivery === 'true',
        deadLetterQueue: localName(
          arnName(JSON.parse(a.RedrivePolicy ?? '{}').deadLetterTargetArn ?? ''),
        ),
      });
    }
    // Act
    const infra = new Map<string, Record<string, unknown>>();
    for (const [, s] of resourcesOf(stateful, 'AWS::SNS::Subscription')) {
      if (s.Properties.Protocol !== 'sqs') continue;
      infra.set(infraQueueName(s.Properties.Endpoint, stateful), {
        protocol: s.Properties.Protocol,
        filterPolicy: s.Properties.FilterPolicy,
        filterPolicyScope: s.Properties.FilterPolicyScope,
        rawMessageDelivery: s.Properties.RawMessageDelivery,
        deadLetterQueue: infraQueueName(s.Properties.RedrivePolicy.deadLetterTargetArn, stateful),
      });
    }
    // Assess
    expectSame([
      {
        setting: 'queues subscribed to the topic',
        infra: sorted(infra.keys()),
        local: sorted(local.keys()),
      },
      ...[...infra].flatMap(([queue, settings]) =>
        fieldRows(`subscription of ${queue}`, settings, local.get(queue)),
      ),
    ]);
  });

  it('the queues: visibility timeout, retention, redrive', async () => {
    const infra = new Map(
      resourcesOf(stateful, 'AWS::SQS::Queue').map(([, q]) => [
        infraName(q.Properties.QueueName),
        {
          VisibilityTimeout: q.Properties.VisibilityTimeout ?? SQS_DEFAULTS.VisibilityTimeout,
          MessageRetentionPeriod:
            q.Properties.MessageRetentionPeriod ?? SQS_DEFAULTS.MessageRetentionPeriod,
          RedrivePolicy:
            q.Properties.RedrivePolicy === undefined
              ? undefined
              : {
                  deadLetterQueue: infraQueueName(
                    q.Properties.RedrivePolicy.deadLetterTargetArn,
                    stateful,
                  ),
                  maxReceiveCount: q.Properties.RedrivePolicy.maxReceiveCount,
                },
        },
      ]),
    );
    const urls =
      (await sqs.send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-` }))).QueueUrls ?? [];
    const local = new Map<string, Record<string, unknown>>();
    for (const url of urls) {
      const a =
        (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })))
          .Attributes ?? {};
      const redrive = a.RedrivePolicy === undefined ? undefined : JSON.parse(a.RedrivePolicy);
      local.set(localName(url.slice(url.lastIndexOf('/') + 1)), {
        VisibilityTimeout: Number(a.VisibilityTimeout),
        MessageRetentionPeriod: Number(a.MessageRetentionPeriod),
        RedrivePolicy:
          redrive === undefined
            ? undefined
            : {
                deadLetterQueue: localName(arnName(redrive.deadLetterTargetArn)),
                maxReceiveCount: Number(redrive.maxReceiveCount),
              },
      });
    }
    expectSame([
      { setting: 'queues', infra: sorted(infra.keys()), local: sorted(local.keys()) },
      ...[...infra].flatMap(([name, settings]) =>
        fieldRows(`queue ${name}`, settings, local.get(name)),
      ),
    ]);
  });

  it('each function’s environment variable names', () => {
    const localOnly: readonly string[] = LOCAL_FUNCTION_ENV;
    const functionEnv: Record<string, Record<string, string> | undefined> = cloud.functionEnv;
    const rows = infraFunctions().map((fn) => ({
      setting: `${fn.name} environment names`,
      infra: sorted(Object.keys(fn.resource.Properties.Environment?.Variables ?? {})).filter(
        (n) => !INFRA_PLATFORM_ENV.includes(n),
      ),
      local:
        functionEnv[fn.name] &&
        sorted(Object.keys(functionEnv[fn.name] ?? {})).filter((n) => !localOnly.includes(n)),
    }));
    expectSame([
      {
        setting: 'functions',
        infra: sorted(rows.map((r) => r.setting)),
        local: sorted(Object.keys(functionEnv).map((n) => `${n} environment names`)),
      },
      ...rows,
    ]);
  });
});
