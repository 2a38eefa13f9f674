import type { FunctionSpec } from '@atm-ledger/contracts';
import { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import {
  LogLevel,
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { DeploymentConfig } from '../config.js';
import { REPO_ROOT, repoPath } from '../paths.js';

export interface ServiceFunctionProps {
  readonly config: DeploymentConfig;
  /**
   * The function as the topology (contracts) describes it: its handler
   * module (the one the local cloud runs), Powertools service name (also the
   * `service` dimension of its metrics), timeout, memory and concurrency.
   */
  readonly spec: FunctionSpec;
  /** The spec's, unless one deployment of it needs its own (a notifier channel). */
  readonly description?: string;
  /** From `functionEnvironment`, so the names are the topology's. */
  readonly environment: Record<string, string>;
}

/**
 * ESM needs a real `require` for the CommonJS dependencies esbuild inlines
 * (parts of the AWS SDK call `require('buffer')` and friends at run time).
 * The alias avoids clashing with a bundled module's own `createRequire`.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __atmLedgerCreateRequire } from 'node:module'; const require = __atmLedgerCreateRequire(import.meta.url);";

/** Where the functions' own metrics (Powertools, EMF) land in CloudWatch. */
export const metricsNamespace = (stage: string) => `AtmLedger/${stage}`;

/**
 * A Lambda function built from one of the services' handler modules, with
 * its own role and log group so that every permission it has is visible as a
 * `grant*` call at its use site.
 */
export class ServiceFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    const { config, spec } = props;
    const description = props.description ?? spec.description;

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: config.logRetentionDays,
      removalPolicy: config.removalPolicy,
    });

    // An explicit role instead of the default one: the default attaches the
    // AWS-managed AWSLambdaBasicExecutionRole (logs:* on every log group).
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${description} (${config.stage})`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry: repoPath(spec.entry),
      handler: 'handler',
      description,
      runtime: Runtime.NODEJS_22_X,
      // Graviton: about 20% cheaper per GB-second than x86, and nothing here is native.
      architecture: Architecture.ARM_64,
      memorySize: spec.memorySizeMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      ...(spec.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: spec.reservedConcurrency }),
      role: this.role,
      logGroup: this.logGroup,
      // Platform lines (START, REPORT, errors) become JSON too, so one query
      // language covers them and the Powertools lines.
      loggingFormat: LoggingFormat.JSON,
      environment: {
        POWERTOOLS_SERVICE_NAME: spec.service,
        POWERTOOLS_LOG_LEVEL: config.logLevel,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(config.stage),
        // Stack traces point into the TypeScript sources instead of the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      projectRoot: REPO_ROOT,
      depsLockFilePath: repoPath('package-lock.json'),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        // File and line are enough for a stack trace; embedding the sources
        // would double the upload for nothing.
        sourcesContent: false,
        tsconfig: repoPath('infra/tsconfig.bundle.json'),
        // The SDK is bundled rather than taken from the runtime, so AWS runs
        // the same client versions as the lock file and the local cloud.
        bundleAwsSDK: true,
        externalModules: [],
        logLevel: LogLevel.WARNING,
        // Never Docker: nobody on the team has it, and local esbuild gives the same output.
        forceDockerBundling: false,
      },
    });
  }
}
