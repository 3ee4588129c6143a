/**
 * The reminder schedule: a daily EventBridge Scheduler schedule in London
 * time, invoking the send-reminders function through a role that may invoke
 * that function and nothing else; the function configured by exactly its
 * settings keys, with only the table and SES calls its use case makes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { reminderSettingsSchema } from '../../functions/src/config/settings.js';
import { TABLE_DESIGN } from '../../functions/src/config/table-design.js';
import { REMINDER_CRON, REMINDER_ENTRY } from '../../infra/constructs/reminder-schedule.js';
import { REPOSITORY_ROOT, RUNTIME_ENVIRONMENT } from '../../infra/constructs/returns-function.js';
import { BUNDLED_TEMPLATES_DIR } from '../../infra/layout.js';
import { type CfnTemplate, type Synthesized, synthesized } from './synth.js';

let app: Synthesized;
let processing: CfnTemplate;

beforeAll(() => {
  app = synthesized();
  processing = app.json(app.processing);
});

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Sid?: string;
}
const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : ([value].flat() as T[]));

function statementsOf(roleId: string): Statement[] {
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

const reminders = () => app.processing.reminders;
const functionArn = () => ({ 'Fn::GetAtt': [app.logicalId(reminders().sender.function), 'Arn'] });

describe('the reminder schedule', () => {
  it('runs daily at 07:00 London time, invoking the send-reminders function through its own role', () => {
    const schedules = Object.values(processing.Resources).filter(
      (r) => r.Type === 'AWS::Scheduler::Schedule',
    );
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.Properties).toMatchObject({
      ScheduleExpression: REMINDER_CRON.expression,
      ScheduleExpressionTimezone: 'Europe/London',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: functionArn(),
        RoleArn: { 'Fn::GetAtt': [app.logicalId(reminders().schedulerRole), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 3 },
      },
    });
  });

  it("the scheduler's role is assumed only by Scheduler for this account, and may invoke this one function", () => {
    const role = processing.Resources[app.logicalId(reminders().schedulerRole)]?.Properties;
    expect(role?.ManagedPolicyArns).toBeUndefined();
    expect(role?.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Action: 'sts:AssumeRole',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': expect.anything() } },
      }),
    ]);
    expect(statementsOf(app.logicalId(reminders().schedulerRole))).toEqual([
      {
        Sid: 'InvokeSendReminders',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: functionArn(),
      },
    ]);
  });

  it('the function is configured by exactly the keys of its settings schema', () => {
    const fn = processing.Resources[app.logicalId(reminders().sender.function)]?.Properties;
    const variables = fn?.Environment.Variables as Record<string, unknown>;
    const configuration = Object.keys(variables).filter((key) => !(key in RUNTIME_ENVIRONMENT));
    expect(configuration.sort()).toEqual(Object.keys(reminderSettingsSchema.shape).sort());
    expect(variables.TEMPLATES_DIR).toBe(BUNDLED_TEMPLATES_DIR);
    expect(fn).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
    });
  });

  it('the function queries the table and its by-year index, updates only quarter partitions, and sends only as the sender', () => {
    const statements = statementsOf(app.logicalId(reminders().sender.role)).filter(
      (s) => !list(s.Action).some((a) => a.startsWith('logs:') || a.startsWith('xray:')),
    );
    const tableArn = { 'Fn::ImportValue': expect.stringContaining('Table') };
    expect(statements).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:Query',
        Resource: [tableArn, { 'Fn::Join': ['', [tableArn, `/index/${TABLE_DESIGN.byYear.indexName}`]] }],
      }),
      expect.objectContaining({
        Action: 'dynamodb:UpdateItem',
        Resource: tableArn,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PERIOD#*'] } },
      }),
      expect.objectContaining({
        Action: 'ses:SendEmail',
        Condition: { StringEquals: { 'ses:FromAddress': app.context.senderEmail } },
      }),
    ]);
    expect(statements.some((s) => list(s.Action).some((a) => a.startsWith('s3:')))).toBe(false);
  });

  it('its bundle is built from the handler entry, carries the reference files and loads as an ES module', () => {
    const dir = app.assetDir(reminders().sender.function);
    const map = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as { sources: string[] };
    expect(map.sources.map((source) => resolve(dir, source))).toContain(
      join(REPOSITORY_ROOT, REMINDER_ENTRY),
    );
    const output = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(pathToFileURL(join(dir, 'index.mjs')).href)}); console.log(typeof m.handler);`,
      ],
      {
        env: {
          PATH: process.env.PATH ?? '',
          AWS_REGION: 'eu-west-2',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          TABLE_NAME: 'returns-table',
          SENDER_EMAIL: 'returns@example.org',
          TEMPLATES_DIR: join(dir, 'templates'),
        },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(output.trim()).toBe('function');
    // Reminders write no workbooks: exceljs (and its zip libraries) stay out of this bundle.
    const packages = new Set(
      map.sources.flatMap((source) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1] ?? []),
    );
    expect(
      [...packages].filter((name) => ['exceljs', 'jszip', 'archiver', 'unzipper'].includes(name)),
    ).toEqual([]);
    expect(packages).toContain('@aws-sdk/client-sesv2');
  });
});
