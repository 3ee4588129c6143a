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
import { Charset, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { z } from 'zod';

/** The repository root: where package-lock.json, functions/ and templates/ are. */
export const REPOSITORY_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Runtime flags beside the configuration: none. Stack traces still point at the
 * TypeScript sources, but through bundle/lazy-source-maps.mjs, which reads the
 * map only when a stack is formatted; --enable-source-maps parsed it at every
 * cold start (54 ms and 148 ms of CPU on the aggregator).
 */
export const RUNTIME_ENVIRONMENT = {} as const;

/** What every bundle carries instead of templates/: the reference data, compiled and checked at bundle time. */
export const COMPILED_REFERENCE_FILE = 'reference-data.json';

const BUNDLE_SUPPORT = join(dirname(fileURLToPath(import.meta.url)), 'bundle');

/** Injected into every bundle: source-mapped stack traces, paid for only when a stack is read. */
export const BUNDLE_INJECT = [join(BUNDLE_SUPPORT, 'lazy-source-maps.mjs')];

/** loadRuntimeReferenceData reads the compiled file beside index.mjs; its YAML branch drops out. */
export const BUNDLE_DEFINE = {
  'process.env.RETURNS_COMPILED_REFERENCE': JSON.stringify(COMPILED_REFERENCE_FILE),
} as const;

/**
 * Packages a bundle does without, each replaced by a stub that says why if it
 * is ever used (tests/infra/bundles.checks.ts checks they are gone, and that a
 * bundle built this way still writes both summary workbooks):
 * - `yaml`: the reference data comes compiled;
 * - what exceljs needs only to read workbooks (the functions only write them;
 *   uploads are read by functions/src/reading): unzipper, with bluebird, fstream,
 *   big-integer and duplexer2; saxes; tmp; and fast-csv for its CSV reader;
 * - what archiver, under exceljs's streaming writer, needs only to add files
 *   from disk or write tar: readdir-glob, glob, lazystream, graceful-fs, tar-stream;
 * - the SDK's credential providers other than the environment's, which Lambda uses.
 */
const UNUSED_BY_WRITERS = join(BUNDLE_SUPPORT, 'unused-by-writers.cjs');
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  yaml: join(REPOSITORY_ROOT, 'functions/src/reference/yaml-in-bundles.ts'),
  ...Object.fromEntries(
    [
      'unzipper',
      'saxes',
      'tmp',
      'fast-csv',
      'readdir-glob',
      'glob',
      'lazystream',
      'graceful-fs',
      'tar-stream',
    ].map((name) => [name, UNUSED_BY_WRITERS]),
  ),
  ...Object.fromEntries(
    ['sso', 'ini', 'process', 'web-identity'].map((provider) => [
      `@aws-sdk/credential-provider-${provider}`,
      join(BUNDLE_SUPPORT, 'environment-credentials-only.mjs'),
    ]),
  ),
};

/**
 * Bundled code is ESM; a few dependencies are CommonJS and call require() for
 * Node's own modules, which esbuild's ESM output can only do through a real
 * require. The alias keeps it from clashing with a bundled createRequire.
 */
export const CREATE_REQUIRE_BANNER =
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
        // Our messages are full of ’ and –: written as UTF-8, not as \u escapes.
        charset: Charset.UTF8,
        sourceMap: true,
        // Mappings only: the sources themselves are in the repository, not needed in every bundle.
        sourcesContent: false,
        banner: CREATE_REQUIRE_BANNER,
        inject: BUNDLE_INJECT,
        define: BUNDLE_DEFINE,
        esbuildArgs: {
          '--alias': Object.entries(BUNDLE_ALIASES).map(([name, path]) => `${name}=${path}`),
        },
        // Bundle the AWS SDK too rather than use the runtime's copy: the versions package-lock.json
        // pins (and the tests ran against), not whichever the runtime carries this month.
        externalModules: [],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // The reference files compiled and checked (a broken one fails the synth with its problems
          // listed), in place of templates/: no YAML parsing and no schema checks at cold start.
          afterBundling: (inputDir: string, outputDir: string) => [
            `cd "${inputDir}" && node --import tsx functions/src/reference/write-compiled-reference-data.ts "${outputDir}/${COMPILED_REFERENCE_FILE}" "${inputDir}/templates"`,
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
