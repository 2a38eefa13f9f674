import { type App, type Stack, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type DeploymentConfig, readDeploymentConfig } from './config.js';
import { acknowledgeStatefulFindings, acknowledgeStatelessFindings } from './nag.js';
import { StatefulStack } from './stateful-stack.js';
import { StatelessStack } from './stateless-stack.js';

export interface AtmLedgerStacks {
  readonly config: DeploymentConfig;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

const stackName = (config: DeploymentConfig, kind: 'Stateful' | 'Stateless') =>
  `AtmLedger-${config.stage}-${kind}`;

function tag(stack: Stack, config: DeploymentConfig): void {
  Tags.of(stack).add('project', 'atm-ledger');
  Tags.of(stack).add('stage', config.stage);
}

export function addStatefulStack(app: App, config: DeploymentConfig): StatefulStack {
  const stack = new StatefulStack(app, stackName(config, 'Stateful'), {
    config,
    env: { account: config.account, region: config.region },
    description: `atm-ledger ${config.stage}: stream, tables, bus, topics and queues`,
    terminationProtection: config.stage === 'prod',
  });
  tag(stack, config);
  acknowledgeStatefulFindings(stack);
  return stack;
}

export function addStatelessStack(
  app: App,
  config: DeploymentConfig,
  data: StatefulStack,
): StatelessStack {
  const stack = new StatelessStack(app, stackName(config, 'Stateless'), {
    config,
    data,
    env: { account: config.account, region: config.region },
    description: `atm-ledger ${config.stage}: functions, pipe, API and alarms`,
  });
  stack.addStackDependency(data);
  tag(stack, config);
  acknowledgeStatelessFindings(stack);
  return stack;
}

/** Synthesis fails on any AwsSolutions finding that is not acknowledged with a reason. */
export function enableNag(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

export interface BuildOptions {
  readonly env?: Record<string, string | undefined>;
  /**
   * Fail synthesis on unacknowledged cdk-nag findings (default true). Tests
   * turn it off and run the rule pack themselves, so that a finding fails the
   * nag test alone instead of every test that needs the template.
   */
  readonly nag?: boolean;
}

/**
 * Both stacks of one stage. The stateless stack depends on the stateful one,
 * never the reverse, so `cdk deploy --all` orders them and the code can be
 * destroyed while the data stays.
 */
export function buildAtmLedger(app: App, options: BuildOptions = {}): AtmLedgerStacks {
  const config = readDeploymentConfig(app.node, options.env ?? process.env);
  const stateful = addStatefulStack(app, config);
  const stateless = addStatelessStack(app, config, stateful);
  if (options.nag ?? true) enableNag(app);
  return { config, stateful, stateless };
}
