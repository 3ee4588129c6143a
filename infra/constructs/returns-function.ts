/**
 * One Lambda function of the pipeline, built the same way for each handler:
 * bundled by esbuild from the handler's TypeScript entry (the very module the
 * local stack wires), Node.js 22 on arm64, X-Ray tracing, JSON logs in a log
 * group it owns, and a role that starts with no permissions at all: not even
 * AWSLambdaBasicExecutionRole, only writing to its own log group. Each stack
 * grants the rest, statement by statement.
 *
 * Its environment is typed by the handler's settings schema: every key the
 * schema declares must be given, and no other, so the function and the code
 * that parses its configuration cannot drift apart.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { z } from 'zod';

/** The repository root: where package-lock.json, functions/ and templates/ are. */
export const REPOSITORY_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Not configuration but a runtime flag: stack traces in the logs point at the
 * TypeScript sources through the bundle's source map instead of at column
 * 40,000 of one minified line.
 */
export const RUNTIME_ENVIRONMENT = { NODE_OPTIONS: '--enable-source-maps' } as const;

/**
 * Bundled code is ESM; a few dependencies are CommonJS and call require() for
 * Node's own modules, which esbuild's ESM output can only do through a real
 * require. The alias keeps it from clashing with a bundled createRequire.
 */
const CREATE_REQUIRE_BANNER =
  "import { createRequire as __returnsCreateRequire } from 'node:module'; const require = __returnsCreateRequire(import.meta.url);";

export interface ReturnsFunctionProps<S extends z.ZodObject> {
  /** The handler module, relative to the repository root: functions/src/handlers/….ts, exporting `handler`. */
  readonly entry: string;
  readonly description: string;
  /** The schema the handler parses its configuration with. */
  readonly settingsSchema: S;
  /** A value for every key of the schema, optional ones included, and nothing else. */
  readonly settings: { readonly [K in keyof S['shape']]-?: string };
  readonly memoryMb: number;
  readonly timeout: Duration;
  readonly reservedConcurrentExecutions?: number;
  /** Further files the handler reads at run time, copied beside the bundle: repository path → bundle path. */
  readonly bundledFiles?: ReadonlyArray<{ readonly from: string; readonly to: string }>;
}

export class ReturnsFunction<S extends z.ZodObject> extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /** The handler module, relative to the repository root. */
  readonly entry: string;

  constructor(scope: Construct, id: string, props: ReturnsFunctionProps<S>) {
    super(scope, id);
    this.entry = props.entry;
    const expected = Object.keys(props.settingsSchema.shape).sort();
    const given = Object.keys(props.settings).sort();
    if (expected.join() !== given.join()) {
      throw new Error(
        `${id}: the environment must set exactly the settings keys ${expected.join(', ')}; got ${given.join(', ')}`,
      );
    }

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_YEAR,
      // The record of what happened to each upload outlives a redeployment or a deleted stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${id}: its own log group and what its stack grants, nothing else.`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(REPOSITORY_ROOT, props.entry),
      handler: 'handler',
      projectRoot: REPOSITORY_ROOT,
      depsLockFilePath: join(REPOSITORY_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: props.timeout,
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      logGroup: this.logGroup,
      role: this.role,
      environment: { ...props.settings, ...RUNTIME_ENVIRONMENT },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        // Prefer the ESM builds of dependencies: smaller after tree-shaking.
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // Mappings only: the sources themselves are in the repository, not needed in every bundle.
        sourcesContent: false,
        banner: CREATE_REQUIRE_BANNER,
        // Bundle the AWS SDK too rather than use the runtime's copy: the versions package-lock.json
        // pins (and the tests ran against), not whichever the runtime carries this month.
        externalModules: [],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // The reference files (dictionaries, sites, programme, benchmarks) the handlers load at start,
          // at TEMPLATES_DIR. Generated workbooks, if any, stay behind.
          afterBundling: (inputDir: string, outputDir: string) => [
            `cp -R "${inputDir}/templates" "${outputDir}/templates"`,
            `rm -rf "${outputDir}/templates/generated"`,
            ...(props.bundledFiles ?? []).flatMap(({ from, to }) => [
              `mkdir -p "$(dirname "${outputDir}/${to}")"`,
              `cp "${inputDir}/${from}" "${outputDir}/${to}"`,
            ]),
          ],
        },
      },
    });
  }

  /** Adds one statement to the function's role. */
  allow(statement: PolicyStatement): void {
    this.role.addToPrincipalPolicy(statement);
  }
}
