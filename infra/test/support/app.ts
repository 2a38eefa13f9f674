import { readFileSync } from 'node:fs';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * An App with the same context the CDK CLI gives `bin/app.ts` (cdk.json),
 * plus overrides. Bundling is skipped: these tests are about the templates,
 * and `npm run synth` followed by `npm run bundle-sizes` covers the bundles.
 */
export function testApp(context: Record<string, unknown> = {}): App {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
}

/** Offline defaults, as on a machine without an AWS profile. */
export const TEST_ENV = { CDK_DEFAULT_REGION: 'eu-west-1' } as const;

export interface Synthesized {
  readonly template: Template;
  /** cdk-nag AwsSolutions findings (errors and warnings) left unacknowledged. */
  readonly nagFindings: readonly string[];
  /** Warnings and errors CDK itself attached to the stack's constructs. */
  readonly cdkMessages: readonly string[];
}

/**
 * One synthesis per stack, shared by every test in a file through beforeAll.
 * The rule pack runs here rather than as the app's synthesis plugin, so that
 * a finding (error or warning) fails the nag test alone, as a readable list.
 */
export function synthesize(stack: Stack): Synthesized {
  const template = Template.fromStack(stack);
  const report = new AwsSolutionsChecks().validateScope(stack);
  const nagFindings = report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} ${r.constructPath}`),
  );
  const artifact =
    stack.node.root instanceof App
      ? stack.node.root.synth().getStackArtifact(stack.artifactId)
      : undefined;
  const cdkMessages = (artifact?.messages ?? [])
    .filter((m) => m.level !== 'info')
    .map((m) => `${m.level} ${m.id}: ${String(m.entry.data)}`);
  return { template, nagFindings, cdkMessages };
}

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1)
    throw new Error(`expected one ${type} starting with ${prefix}, found [${ids.join(', ')}]`);
  return ids[0] as string;
}
