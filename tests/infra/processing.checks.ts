/**
 * The processing stack: each function runs the handler it should, configured
 * by exactly the keys its settings schema parses, with only the permissions
 * its adapters use. The IAM checks read every policy in both stacks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '../../functions/src/config/metrics.js';
import {
  aggregatorSettingsSchema,
  sweepSettingsSchema,
  validatorSettingsSchema,
} from '../../functions/src/config/settings.js';
import { TABLE_DESIGN } from '../../functions/src/config/table-design.js';
import { RUNTIME_ENVIRONMENT } from '../../infra/constructs/returns-function.js';
import { BUNDLED_TEMPLATES_DIR, FUNCTION_SIZING, PREFIXES } from '../../infra/layout.js';
import { SWEEP } from '../../infra/stacks/processing-stack.js';
import { type CfnProperties, type CfnTemplate, type Synthesized, synthesized } from './synth.js';

let app: Synthesized;
let storage: CfnTemplate;
let processing: CfnTemplate;

beforeAll(() => {
  app = synthesized();
  storage = app.json(app.storage);
  processing = app.json(app.processing);
});

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Sid?: string;
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : ([value].flat() as T[]));

/** Every policy statement in both templates: identity policies, inline role policies and resource policies. */
function everyStatement(): Array<{ where: string; statement: Statement }> {
  const found: Array<{ where: string; statement: Statement }> = [];
  for (const [stackName, template] of [
    ['storage', storage],
    ['processing', processing],
  ] as const) {
    for (const [id, resource] of Object.entries(template.Resources)) {
      const properties = resource.Properties ?? {};
      const documents = [
        properties.PolicyDocument,
        properties.AssumeRolePolicyDocument,
        ...list(properties.Policies as Array<{ PolicyDocument: unknown }> | undefined).map(
          (p) => p.PolicyDocument,
        ),
      ].filter(Boolean) as Array<{ Statement: Statement[] }>;
      for (const document of documents)
        for (const statement of document.Statement) found.push({ where: `${stackName}/${id}`, statement });
    }
  }
  return found;
}

/** The statements of one function's role. */
function roleStatements(fn: () => Synthesized['processing']['validator']): Statement[] {
  const roleId = app.logicalId(fn().role);
  return Object.values(processing.Resources)
    .filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        list(r.Properties?.Roles as unknown[]).some(
          (role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId }),
        ),
    )
    .flatMap(
      (r) => (r.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? [],
    );
}

function functionProps(fn: () => Synthesized['processing']['validator']): CfnProperties {
  return processing.Resources[app.logicalId(fn().function)]?.Properties ?? {};
}

/** The object ARN of one prefix as the processing stack writes it. */
function objectsUnder(prefix: string) {
  return { 'Fn::Join': ['', [{ 'Fn::ImportValue': app.storage.bucketArnExportName }, `/${prefix}*`]] };
}

const validator = () => app.processing.validator;
const aggregator = () => app.processing.aggregator;
const sweep = () => app.processing.sweep as unknown as ReturnType<typeof validator>;

describe.each([
  ['validate-return', validator, validatorSettingsSchema, FUNCTION_SIZING.validator],
  ['aggregate-period', aggregator, aggregatorSettingsSchema, FUNCTION_SIZING.aggregator],
  ['sweep', sweep, sweepSettingsSchema, SWEEP],
] as const)('the %s function', (_name, fn, schema, sizing) => {
  it('runs Node.js 22 on arm64, traced, logging JSON to a log group kept for a year', () => {
    const properties = functionProps(fn);
    expect(properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: sizing.memoryMb,
      Timeout: sizing.timeout.toSeconds(),
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: app.logicalId(fn().logGroup) } },
    });
    expect(processing.Resources[app.logicalId(fn().logGroup)]?.Properties).toMatchObject({
      RetentionInDays: 365,
    });
  });

  it('is configured by exactly the keys of its settings schema', () => {
    const variables = functionProps(fn).Environment.Variables as Record<string, unknown>;
    const runtimeFlags = Object.keys(RUNTIME_ENVIRONMENT);
    const configuration = Object.keys(variables).filter((key) => !runtimeFlags.includes(key));
    expect(configuration.sort()).toEqual(Object.keys(schema.shape).sort());
    // No runtime flags: source maps are read only when a stack is formatted, not by --enable-source-maps at cold start.
    expect(runtimeFlags).toEqual([]);
    expect(variables.NODE_OPTIONS).toBeUndefined();
    expect(variables.TEMPLATES_DIR).toBe(BUNDLED_TEMPLATES_DIR);
  });

  it('has a role of its own with no managed policies', () => {
    const role = processing.Resources[app.logicalId(fn().role)]?.Properties;
    expect(role?.ManagedPolicyArns).toBeUndefined();
    expect(role?.AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ],
    });
  });

  it('writes logs only to its own log group', () => {
    const logs = roleStatements(fn).filter((s) => list(s.Action).some((a) => a.startsWith('logs:')));
    expect(logs).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [app.logicalId(fn().logGroup), 'Arn'] },
      },
    ]);
  });
});

describe('least privilege', () => {
  it('no statement anywhere allows a wildcard action, such as "*", "s3:*" or "dynamodb:Get*"', () => {
    const wildcards = everyStatement()
      .filter(({ statement }) => statement.Effect === 'Allow')
      .flatMap(({ where, statement }) =>
        list(statement.Action)
          .filter((a) => a.includes('*'))
          .map((a) => `${where}: ${a}`),
      );
    expect(wildcards).toEqual([]);
  });

  it('"*" as a resource only where AWS offers nothing narrower', () => {
    const unscoped = everyStatement()
      .filter(({ statement }) => statement.Effect === 'Allow' && list(statement.Resource).includes('*'))
      .flatMap(({ statement }) => list(statement.Action));
    // X-Ray has no resource-level permissions.
    expect(new Set(unscoped)).toEqual(new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']));
  });

  it('the validator reads incoming/ and feedback/, and writes archive/ and feedback/, nothing else in S3', () => {
    const s3 = roleStatements(validator).filter((s) => list(s.Action).some((a) => a.startsWith('s3:')));
    const grants = s3.flatMap((s) =>
      list(s.Action).flatMap((action) => list(s.Resource).map((r) => [action, r])),
    );
    expect(grants).toEqual(
      expect.arrayContaining([
        ['s3:GetObject', objectsUnder(PREFIXES.incoming)],
        ['s3:PutObject', objectsUnder(PREFIXES.archive)],
        ['s3:PutObject', objectsUnder(PREFIXES.feedback)],
        ['s3:GetObject', objectsUnder(PREFIXES.feedback)],
      ]),
    );
    expect(grants).toHaveLength(4);
  });

  it('the aggregator writes summaries/ and nothing else in S3', () => {
    const s3 = roleStatements(aggregator).filter((s) => list(s.Action).some((a) => a.startsWith('s3:')));
    expect(s3).toEqual([
      expect.objectContaining({ Action: 's3:PutObject', Resource: objectsUnder(PREFIXES.summaries) }),
    ]);
  });

  it('every S3 object grant of the functions is scoped to one of the bucket prefixes', () => {
    const allowed = Object.values(PREFIXES).map((prefix) => JSON.stringify(objectsUnder(prefix)));
    for (const fn of [validator, aggregator, sweep]) {
      // Object grants only: the sweep's s3:ListBucket is on the bucket, conditioned on the prefix.
      for (const statement of roleStatements(fn).filter(
        (s) => list(s.Action).some((a) => a.startsWith('s3:')) && !list(s.Action).includes('s3:ListBucket'),
      )) {
        for (const resource of list(statement.Resource)) expect(allowed).toContain(JSON.stringify(resource));
      }
    }
  });

  it.each([
    [
      'validator',
      validator,
      [
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ],
      TABLE_DESIGN.bySite.indexName,
    ],
    [
      'aggregator',
      aggregator,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      TABLE_DESIGN.byYear.indexName,
    ],
    [
      'sweep',
      sweep,
      [
        'dynamodb:BatchGetItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ],
      TABLE_DESIGN.bySite.indexName,
    ],
  ] as const)(
    'the %s uses the table with only the calls its store makes, and queries one index',
    (_name, fn, tableActions, index) => {
      const tableArn = { 'Fn::ImportValue': expect.stringContaining('Table') };
      const dynamodb = roleStatements(fn).filter((s) =>
        list(s.Action).some((a) => a.startsWith('dynamodb:')),
      );
      expect(dynamodb).toEqual([
        expect.objectContaining({ Action: [...tableActions], Resource: tableArn }),
        expect.objectContaining({
          Action: 'dynamodb:Query',
          Resource: { 'Fn::Join': ['', [tableArn, `/index/${index}`]] },
        }),
      ]);
    },
  );

  it('the validator may send email only from the sender, through its identity and configuration set', () => {
    const ses = roleStatements(validator).filter((s) => list(s.Action).some((a) => a.startsWith('ses:')));
    expect(ses).toHaveLength(1);
    expect(ses[0]).toMatchObject({
      Action: 'ses:SendEmail',
      Condition: { StringEquals: { 'ses:FromAddress': app.context.senderEmail } },
    });
    const resources = JSON.stringify(ses[0]?.Resource);
    expect(resources).toContain(':identity/');
    expect(resources).toContain(':configuration-set/');
    expect(list(ses[0]?.Resource)).toHaveLength(2);
    expect(roleStatements(aggregator).some((s) => list(s.Action).some((a) => a.startsWith('ses:')))).toBe(
      false,
    );
  });

  it('the validator may send to the ReturnAccepted queue and nothing else', () => {
    const sends = roleStatements(validator).filter((s) => list(s.Action).includes('sqs:SendMessage'));
    expect(sends).toEqual([
      expect.objectContaining({
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::ImportValue': expect.stringContaining('ReturnAccepted') },
      }),
    ]);
  });

  it('the aggregator consumes the ReturnAccepted FIFO queue, in batches with partial failures', () => {
    const mapping = Object.values(processing.Resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        JSON.stringify(r.Properties?.FunctionName) ===
          JSON.stringify({ Ref: app.logicalId(aggregator().function) }),
    );
    expect(mapping?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::ImportValue': expect.stringContaining('ReturnAccepted') },
      BatchSize: FUNCTION_SIZING.aggregator.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('the validator has reserved concurrency, and its queue poller no more than that', () => {
    const reserved = functionProps(validator).ReservedConcurrentExecutions as number;
    expect(reserved).toBe(app.context.validatorConcurrency);
    const mapping = Object.values(processing.Resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        JSON.stringify(r.Properties?.FunctionName) ===
          JSON.stringify({ Ref: app.logicalId(validator().function) }),
    );
    // A poller beyond the reserved concurrency would be throttled, and each throttle spends a receive.
    expect(mapping?.Properties?.ScalingConfig?.MaximumConcurrency).toBeLessThanOrEqual(reserved);
  });
});

describe('the reconciling sweep', () => {
  it('may list the bucket only under incoming/, and reads, writes and sends what the validator does', () => {
    const s3 = roleStatements(sweep).filter((s) => list(s.Action).some((a) => a.startsWith('s3:')));
    const listing = s3.filter((s) => list(s.Action).includes('s3:ListBucket'));
    expect(listing).toEqual([
      expect.objectContaining({
        Action: 's3:ListBucket',
        Resource: { 'Fn::ImportValue': app.storage.bucketArnExportName },
        Condition: { StringLike: { 's3:prefix': [PREFIXES.incoming, `${PREFIXES.incoming}*`] } },
      }),
    ]);
    const objectGrants = s3
      .filter((s) => !list(s.Action).includes('s3:ListBucket'))
      .flatMap((s) =>
        list(s.Action).flatMap((action) => list(s.Resource).map((r) => JSON.stringify([action, r]))),
      );
    expect(objectGrants.sort()).toEqual(
      [
        ['s3:GetObject', objectsUnder(PREFIXES.incoming)],
        ['s3:GetObject', objectsUnder(PREFIXES.feedback)],
        ['s3:PutObject', objectsUnder(PREFIXES.archive)],
        ['s3:PutObject', objectsUnder(PREFIXES.feedback)],
      ]
        .map((grant) => JSON.stringify(grant))
        .sort(),
    );
    const ses = roleStatements(sweep).filter((s) => list(s.Action).includes('ses:SendEmail'));
    expect(ses[0]?.Condition).toEqual({ StringEquals: { 'ses:FromAddress': app.context.senderEmail } });
  });

  it('runs on a schedule every five minutes, one run at a time, escalating to the operations address', () => {
    const rule = Object.values(processing.Resources).find((r) => r.Type === 'AWS::Events::Rule');
    expect(rule?.Properties).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [app.logicalId(sweep().function), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        }),
      ],
    });
    expect(functionProps(sweep).ReservedConcurrentExecutions).toBe(1);
    expect((functionProps(sweep).Environment.Variables as Record<string, string>).OPERATIONS_EMAIL).toBe(
      app.context.opsEmail,
    );
  });

  it.each([
    ['UploadUnroutable', () => app.processing.unroutableAlarm],
    ['FeedbackEmailEscalated', () => app.processing.escalatedAlarm],
  ])('alarms the operations topic on the first %s', (metricName, alarm) => {
    expect(processing.Resources[app.logicalId(alarm())]?.Properties).toMatchObject({
      Namespace: METRICS.namespace,
      MetricName: metricName,
      Dimensions: [{ Name: 'service', Value: METRICS.service }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ 'Fn::ImportValue': expect.stringContaining('Operations') }],
    });
  });
});
