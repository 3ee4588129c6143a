/**
 * Reminders, chasers and the staff digest, once a day: an EventBridge
 * Scheduler schedule (07:00 UK time, so "today" is the same date in London and
 * in UTC) invokes the send-reminders function, which reads the table, claims
 * each notice in it and sends through the feedback identity.
 *
 * Scheduler invokes Lambda asynchronously: a failed run is retried twice by
 * Lambda, and whatever still fails goes on the next day's run (the use case
 * catches up for a few days), so no dead-letter queue is needed. The function
 * is idempotent per notice, so a retry never sends anything twice.
 *
 * The scheduler gets a role of its own that may invoke this one function and
 * nothing else; the function's role may query the table and its by-year
 * index, update only items in quarter partitions (notice claims), and send
 * only from the sender address.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { reminderSettingsSchema } from '../../functions/src/config/settings.js';
import { TABLE_DESIGN } from '../../functions/src/config/table-design.js';
import { BUNDLED_TEMPLATES_DIR } from '../layout.js';
import type { FeedbackSender } from './feedback-sender.js';
import { ReturnsFunction } from './returns-function.js';

export const REMINDER_ENTRY = 'functions/src/handlers/send-reminders.ts';

/** Daily at 07:00 in London: before the working day, and the same calendar date as UTC all year. */
export const REMINDER_CRON = { expression: 'cron(0 7 * * ? *)', timeZone: 'Europe/London' } as const;

/** One quarter's returns per year of history and a few dozen emails: small and quick. */
export const REMINDER_SIZING = { memoryMb: 512, timeout: Duration.minutes(2) } as const;

export interface ReminderScheduleProps {
  readonly table: Pick<ITableV2, 'tableArn' | 'tableName'>;
  readonly sender: FeedbackSender;
  /** The portal's address, for the reminders' "where to send it". */
  readonly portalUrl: string;
}

export class ReminderSchedule extends Construct {
  readonly sender: ReturnsFunction<typeof reminderSettingsSchema>;
  readonly schedulerRole: Role;
  readonly schedule: CfnSchedule;

  constructor(scope: Construct, id: string, props: ReminderScheduleProps) {
    super(scope, id);
    const { table, sender } = props;

    this.sender = new ReturnsFunction(this, 'SendReminders', {
      entry: REMINDER_ENTRY,
      description: 'Sends the day’s reminders and chasers to sites, and the weekly digest to funder staff.',
      settingsSchema: reminderSettingsSchema,
      settings: {
        TABLE_NAME: table.tableName,
        SENDER_EMAIL: sender.senderEmail,
        SES_CONFIGURATION_SET: sender.configurationSet.configurationSetName,
        TEMPLATES_DIR: BUNDLED_TEMPLATES_DIR,
        PORTAL_URL: props.portalUrl,
      },
      memoryMb: REMINDER_SIZING.memoryMb,
      timeout: REMINDER_SIZING.timeout,
    });
    this.sender.allow(
      new PolicyStatement({
        sid: 'ReadQuartersClaimNotices',
        actions: ['dynamodb:Query'],
        resources: [table.tableArn, `${table.tableArn}/index/${TABLE_DESIGN.byYear.indexName}`],
      }),
    );
    // Notice claims live in quarter partitions (PERIOD#…); submissions (SUBMISSION#…) are out of reach.
    this.sender.allow(
      new PolicyStatement({
        sid: 'ClaimNoticesInQuarterPartitions',
        actions: ['dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PERIOD#*'] } },
      }),
    );
    this.sender.allow(sender.sendOnly('SendNoticesFromTheIdentityOnly'));
    Validations.of(this.sender.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is the runtime the issue specifies and the bundle targets (esbuild target node22); move runtime and target together when the project adopts Node 24.',
    });
    Validations.of(this.sender.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing (tracing: ACTIVE): xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so AWS requires Resource "*".',
    });

    const account = Stack.of(this).account;
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      // Only schedules of this account may assume it (the confused-deputy guard AWS documents).
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description: 'EventBridge Scheduler: invokes the send-reminders function, nothing else.',
    });
    // The function's own ARN, not `arn:*` as grantInvoke would add: no version or alias is invoked.
    this.schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'InvokeSendReminders',
        actions: ['lambda:InvokeFunction'],
        resources: [this.sender.function.functionArn],
      }),
    );

    this.schedule = new CfnSchedule(this, 'Daily', {
      description: 'Reminders, chasers and the weekly digest (monitoring returns).',
      scheduleExpression: REMINDER_CRON.expression,
      scheduleExpressionTimezone: REMINDER_CRON.timeZone,
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: this.sender.function.functionArn,
        roleArn: this.schedulerRole.roleArn,
        input: '{}',
        // Delivery to Lambda only: failures inside the function are Lambda's async retries.
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      },
    });
  }
}
