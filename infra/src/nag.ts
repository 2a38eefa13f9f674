import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { StatefulStack } from './stateful-stack.js';
import type { StatelessStack } from './stateless-stack.js';

/**
 * Every cdk-nag AwsSolutions finding we accept, on the narrowest construct
 * that raises it, with the reason. cdk-nag 3 reads these from CDK's own
 * `Validations.acknowledge` metadata; an id without a plugin prefix is the
 * form it matches.
 */
const ack = (scope: IConstruct, id: string, reason: string) =>
  Validations.of(scope).acknowledge({ id, reason });

export function acknowledgeStatefulFindings(stateful: StatefulStack): void {
  const deadLetterDestinations = [
    [stateful.poisonQueue, 'the ledger handler sends unpostable records here'],
    [stateful.streamFailureQueue, 'the Kinesis event source mapping sends discarded batches here'],
    [stateful.pipeDlq, 'the events pipe sends undeliverable stream batches here'],
    [stateful.ruleDlq, 'the bus rule sends undeliverable events here'],
    [stateful.fanoutDlq, 'SNS sends messages it cannot deliver to a notifier queue here'],
  ] as const;
  for (const [queue, sender] of deadLetterDestinations) {
    ack(
      queue,
      'AwsSolutions-SQS3',
      `This queue is itself a dead-letter destination (${sender}), named as such in its sender's ` +
        'configuration rather than in an SQS redrive policy, which is all the rule recognises. ' +
        'Nothing consumes it automatically, so there is no receive count to exhaust; an alarm fires on its first message.',
    );
  }

  ack(
    stateful.transactions,
    'AwsSolutions-KDS3',
    'The customer managed key is required by the SNS topics anyway (CloudWatch and EventBridge must be ' +
      'granted on it), so it adds no monthly cost here. Using it on the stream means reading transactions ' +
      'needs kms:Decrypt on this key in addition to Kinesis permissions.',
  );
}

export function acknowledgeStatelessFindings(stateless: StatelessStack): void {
  const functions = [
    stateless.ingest,
    stateless.ledgerStream,
    stateless.ledgerApi,
    stateless.ledgerPublish,
    stateless.ledgerTimers,
    ...stateless.notifiers.map((n) => n.fn),
  ];
  for (const fn of functions) {
    ack(
      fn.fn,
      'AwsSolutions-L1',
      'The project targets nodejs22.x: the local cloud, CI and the tsconfig target are Node 22-compatible, ' +
        'and moving to a newer runtime is a deliberate change of its own, tested end to end.',
    );
  }

  for (const path of ['GET--v1--health', 'GET--v1--openapi.json']) {
    const route = stateless.api.node.tryFindChild(path);
    if (route === undefined)
      throw new Error(`route ${path} not found; the acknowledgement below would be lost`);
    ack(
      route,
      'AwsSolutions-APIG4',
      'Unauthenticated by design (contracts ROUTES): load balancers and monitors probe health without ' +
        'AWS credentials, and the OpenAPI document describes the public contract. Neither route reads ' +
        'or writes ledger data; both are throttled by the stage.',
    );
  }

  ack(
    stateless.pipeRole,
    'AwsSolutions-IAM5[Resource::*]',
    'dynamodb:ListStreams (from Table.grantStreamRead, required by EventBridge Pipes for a DynamoDB ' +
      'stream source) supports no resource-level permissions. It returns stream ARNs only; reading ' +
      "records is limited to this table's stream.",
  );
  if (stateless.notifierDelivery === 'sms') {
    for (const { fn } of stateless.notifiers) {
      ack(
        fn.role,
        'AwsSolutions-IAM5[Resource::*]',
        'sns:Publish for SMS: a message to a phone number has no resource ARN to scope to. ' +
          'Granted only when notifierDelivery=sms; topics stay closed by their own policies.',
      );
    }
  }
  const timersFn = Stack.of(stateless).getLogicalId(
    stateless.ledgerTimers.fn.node.defaultChild as CfnElement,
  );
  ack(
    stateless.ledgerTimersScheduleRole,
    `AwsSolutions-IAM5[Resource::<${timersFn}.Arn>:*]`,
    "Scheduler's Lambda target grants lambda:InvokeFunction on the sweep function and its versions " +
      '(Function.grantInvoke); the schedule invokes the unqualified function and nothing else.',
  );
  ack(
    stateless.ruleRole,
    'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    'Topic.grantPublish on a KMS-encrypted topic: the wildcard covers GenerateDataKey and ' +
      'GenerateDataKeyWithoutPlaintext, on the one key that encrypts the topic.',
  );
}
