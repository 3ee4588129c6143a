/**
 * The code and its wiring, safe to replace on every deploy: the two functions,
 * their roles, log groups and queue subscriptions. Holds no data of its own;
 * everything it touches comes from the storage stack.
 *
 *   S3 incoming/* ─> uploads queue ─> validate-return ─┬─> archive/, feedback/, table, SES
 *                                                      └─> ReturnAccepted FIFO (grouped by quarter)
 *                                                            ─> aggregate-period ─> summaries/, table
 *   EventBridge, every 5 minutes ─> sweep ─> unfinished uploads again, the email outbox, lost recomputes
 *   metrics (EMF) ─> alarms on unroutable uploads and escalated emails ─> operations topic
 *
 * Each role gets only the actions and key prefixes its handler uses; see the
 * adapters in functions/src/adapters for the calls behind each action.
 */
import { CfnOutput, Duration, Fn, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import type { z } from 'zod';
import { METRICS } from '../../functions/src/config/metrics.js';
import {
  aggregatorSettingsSchema,
  sweepSettingsSchema,
  validatorSettingsSchema,
} from '../../functions/src/config/settings.js';
import { TABLE_DESIGN } from '../../functions/src/config/table-design.js';
import { ReminderSchedule } from '../constructs/reminder-schedule.js';
import { ReturnsFunction } from '../constructs/returns-function.js';
import type { DeploymentConfig } from '../deployment-config.js';
import { BUNDLED_TEMPLATES_DIR, FUNCTION_SIZING, PREFIXES } from '../layout.js';
import type { StorageStack } from './storage-stack.js';

/** The Lambda entry points: the same handlers the local stack runs, wired for AWS. */
export const HANDLER_ENTRIES = {
  validator: 'functions/src/handlers/validate-return.ts',
  aggregator: 'functions/src/handlers/aggregate-period.ts',
  sweep: 'functions/src/handlers/sweep.ts',
} as const;

/**
 * The sweep validates what it reprocesses, as the validator does, so the same memory; five
 * minutes bounds one run (its caps are set to finish well within it), and it runs every five.
 */
export const SWEEP = { memoryMb: 1536, timeout: Duration.minutes(5), every: Duration.minutes(5) } as const;

/** Upload limit and feedback link lifetime, as the validator's settings take them. */
const VALIDATOR_LIMITS = {
  MAX_UPLOAD_MB: '10',
  FEEDBACK_LINK_DAYS: '7',
  EMAIL_RETRY_SECONDS: '300',
} as const;

export interface ProcessingStackProps extends StackProps {
  readonly config: DeploymentConfig;
  readonly storage: StorageStack;
  /** The portal's address, so templates and emails name it and link to each return's page. */
  readonly portalUrl: string;
}

export class ProcessingStack extends Stack {
  readonly validator: ReturnsFunction<typeof validatorSettingsSchema>;
  readonly aggregator: ReturnsFunction<typeof aggregatorSettingsSchema>;
  readonly reminders: ReminderSchedule;
  readonly sweep: ReturnsFunction<typeof sweepSettingsSchema>;
  readonly unroutableAlarm: Alarm;
  readonly escalatedAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ProcessingStackProps) {
    super(scope, id, props);
    const { config, storage } = props;
    const bucket = storage.returnsBucket.bucket;
    const table = storage.table;
    const indexArn = (name: string) => `${table.tableArn}/index/${name}`;
    const bucketArn = Fn.importValue(storage.bucketArnExportName);
    /**
     * Every object under one key prefix: the only wildcard resources these roles hold, each
     * acknowledged to cdk-nag (once per role and prefix) where it is granted.
     */
    const acknowledged = new Set<string>();
    const objectsUnder = (fn: ReturnsFunction<z.ZodObject>, prefix: string): string => {
      const id = `AwsSolutions-IAM5[Resource::${storage.bucketArnExportName}/${prefix}*]`;
      if (!acknowledged.has(`${fn.node.path} ${id}`)) {
        acknowledged.add(`${fn.node.path} ${id}`);
        Validations.of(fn.role).acknowledge({
          id,
          reason: `Scoped to the ${prefix} key prefix: the function works on objects named per site, quarter and submission under it, and no other.`,
        });
      }
      return `${bucketArn}/${prefix}*`;
    };

    this.validator = new ReturnsFunction(this, 'ValidateReturn', {
      entry: HANDLER_ENTRIES.validator,
      description: 'Checks each uploaded return, archives it, records it and emails feedback.',
      settingsSchema: validatorSettingsSchema,
      settings: {
        BUCKET_NAME: bucket.bucketName,
        TABLE_NAME: table.tableName,
        SENDER_EMAIL: storage.sender.senderEmail,
        SES_CONFIGURATION_SET: storage.sender.configurationSet.configurationSetName,
        RETURN_ACCEPTED_QUEUE_URL: storage.returnAccepted.queue.queueUrl,
        TEMPLATES_DIR: BUNDLED_TEMPLATES_DIR,
        PORTAL_URL: props.portalUrl,
        ...VALIDATOR_LIMITS,
      },
      memoryMb: FUNCTION_SIZING.validator.memoryMb,
      timeout: FUNCTION_SIZING.validator.timeout,
      reservedConcurrentExecutions: config.validatorConcurrency,
    });
    this.validator.allow(
      new PolicyStatement({
        sid: 'ReadUploads',
        actions: ['s3:GetObject'],
        resources: [objectsUnder(this.validator, PREFIXES.incoming)],
      }),
    );
    this.validator.allow(
      new PolicyStatement({
        sid: 'WriteArchiveAndFeedback',
        actions: ['s3:PutObject'],
        resources: [
          objectsUnder(this.validator, PREFIXES.archive),
          objectsUnder(this.validator, PREFIXES.feedback),
        ],
      }),
    );
    // A repeated upload reads its stored report back, and the emailed link to the annotated copy is
    // a presigned GetObject, which works only while the signer may read the object itself.
    this.validator.allow(
      new PolicyStatement({
        sid: 'ReadFeedback',
        actions: ['s3:GetObject'],
        resources: [objectsUnder(this.validator, PREFIXES.feedback)],
      }),
    );
    this.validator.allow(
      new PolicyStatement({
        sid: 'RecordSubmissions',
        // DeleteItem: only the email outbox entry, once the email is sent.
        actions: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:Query',
        ],
        resources: [table.tableArn],
      }),
    );
    this.validator.allow(
      new PolicyStatement({
        sid: 'ReadSiteHistory',
        actions: ['dynamodb:Query'],
        resources: [indexArn(TABLE_DESIGN.bySite.indexName)],
      }),
    );
    this.validator.allow(storage.sender.sendOnly('SendFeedbackFromTheIdentityOnly'));
    this.validator.allow(
      new PolicyStatement({
        sid: 'AnnounceAcceptedReturns',
        actions: ['sqs:SendMessage'],
        resources: [storage.returnAccepted.queue.queueArn],
      }),
    );
    this.validator.function.addEventSource(
      new SqsEventSource(storage.uploads.queue, {
        batchSize: FUNCTION_SIZING.validator.batchSize,
        reportBatchItemFailures: true,
        // No more pollers than the function may run: a throttled batch would count as a receive
        // and could reach the dead-letter queue without ever being tried.
        maxConcurrency: config.validatorConcurrency,
      }),
    );

    this.aggregator = new ReturnsFunction(this, 'AggregatePeriod', {
      entry: HANDLER_ENTRIES.aggregator,
      description: "Recomputes a quarter's programme summaries after a return is accepted.",
      settingsSchema: aggregatorSettingsSchema,
      settings: {
        BUCKET_NAME: bucket.bucketName,
        TABLE_NAME: table.tableName,
        TEMPLATES_DIR: BUNDLED_TEMPLATES_DIR,
      },
      memoryMb: FUNCTION_SIZING.aggregator.memoryMb,
      timeout: FUNCTION_SIZING.aggregator.timeout,
    });
    this.aggregator.allow(
      new PolicyStatement({
        sid: 'WriteSummaries',
        actions: ['s3:PutObject'],
        resources: [objectsUnder(this.aggregator, PREFIXES.summaries)],
      }),
    );
    this.aggregator.allow(
      new PolicyStatement({
        sid: 'ReadReturnsWriteAggregates',
        // UpdateItem: marking a quarter computed up to a request (conditional, never backwards).
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        resources: [table.tableArn],
      }),
    );
    this.aggregator.allow(
      new PolicyStatement({
        sid: 'ReadTheYear',
        actions: ['dynamodb:Query'],
        resources: [indexArn(TABLE_DESIGN.byYear.indexName)],
      }),
    );
    // FIFO: Lambda hands one quarter's messages to one invocation at a time, so a quarter is never
    // aggregated twice at once; the handler recomputes each quarter in a batch once.
    this.aggregator.function.addEventSource(
      new SqsEventSource(storage.returnAccepted.queue, {
        batchSize: FUNCTION_SIZING.aggregator.batchSize,
        reportBatchItemFailures: true,
      }),
    );

    this.reminders = new ReminderSchedule(this, 'Reminders', {
      table,
      sender: storage.sender,
      portalUrl: props.portalUrl,
    });
    this.sweep = new ReturnsFunction(this, 'Sweep', {
      entry: HANDLER_ENTRIES.sweep,
      description:
        'Every few minutes: processes uploads left with no record, retries owed feedback emails, escalates them after a day.',
      settingsSchema: sweepSettingsSchema,
      settings: {
        BUCKET_NAME: bucket.bucketName,
        TABLE_NAME: table.tableName,
        SENDER_EMAIL: storage.sender.senderEmail,
        SES_CONFIGURATION_SET: storage.sender.configurationSet.configurationSetName,
        RETURN_ACCEPTED_QUEUE_URL: storage.returnAccepted.queue.queueUrl,
        TEMPLATES_DIR: BUNDLED_TEMPLATES_DIR,
        PORTAL_URL: props.portalUrl,
        OPERATIONS_EMAIL: config.opsEmail,
        SWEEP_GRACE_SECONDS: '600',
        ESCALATE_AFTER_HOURS: '24',
        ...VALIDATOR_LIMITS,
      },
      memoryMb: SWEEP.memoryMb,
      timeout: SWEEP.timeout,
      // One run at a time: runs are idempotent, but two would only race for the same work.
      reservedConcurrentExecutions: 1,
    });
    this.sweep.allow(
      new PolicyStatement({
        sid: 'ListUploadsOnly',
        actions: ['s3:ListBucket'],
        resources: [bucketArn],
        conditions: { StringLike: { 's3:prefix': [PREFIXES.incoming, `${PREFIXES.incoming}*`] } },
      }),
    );
    this.sweep.allow(
      new PolicyStatement({
        sid: 'ReadUploadsAndFeedback',
        actions: ['s3:GetObject'],
        resources: [objectsUnder(this.sweep, PREFIXES.incoming), objectsUnder(this.sweep, PREFIXES.feedback)],
      }),
    );
    this.sweep.allow(
      new PolicyStatement({
        sid: 'WriteArchiveAndFeedback',
        actions: ['s3:PutObject'],
        resources: [objectsUnder(this.sweep, PREFIXES.archive), objectsUnder(this.sweep, PREFIXES.feedback)],
      }),
    );
    this.sweep.allow(
      new PolicyStatement({
        sid: 'RecordAndReconcile',
        // BatchGetItem: which listed uploads have a receipt, 100 keys a call.
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:Query',
        ],
        resources: [table.tableArn],
      }),
    );
    this.sweep.allow(
      new PolicyStatement({
        sid: 'ReadSiteHistory',
        actions: ['dynamodb:Query'],
        resources: [indexArn(TABLE_DESIGN.bySite.indexName)],
      }),
    );
    this.sweep.allow(storage.sender.sendOnly('SendFeedbackFromTheIdentityOnly'));
    this.sweep.allow(
      new PolicyStatement({
        sid: 'AnnounceAcceptedReturns',
        actions: ['sqs:SendMessage'],
        resources: [storage.returnAccepted.queue.queueArn],
      }),
    );
    new Rule(this, 'SweepSchedule', {
      description: 'Runs the reconciling sweep: nothing uploaded is left without a record or an answer.',
      schedule: Schedule.rate(SWEEP.every),
      // A missed run is not retried: the next one, minutes later, does the same work.
      targets: [new LambdaFunction(this.sweep.function, { retryAttempts: 0 })],
    });

    const alarmOn = (id: string, metricName: string, description: string) => {
      const alarm = new Alarm(this, id, {
        alarmDescription: description,
        metric: new Metric({
          namespace: METRICS.namespace,
          metricName,
          dimensionsMap: { service: METRICS.service },
          statistic: Stats.SUM,
          period: Duration.minutes(5),
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // No datapoints is the healthy case: nothing unroutable, nothing escalated.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(new SnsAction(storage.operationsTopic));
      return alarm;
    };
    this.unroutableAlarm = alarmOn(
      'UnroutableUploadsAlarm',
      'UploadUnroutable',
      'An upload arrived that no site could claim (no site folder, an unknown site, or not an .xlsx). Nobody was emailed: `returns status` lists it; move it to incoming/{SITE}/ or tell the sender.',
    );
    this.escalatedAlarm = alarmOn(
      'EscalatedEmailsAlarm',
      'FeedbackEmailEscalated',
      'A feedback email could not be delivered for a day and was escalated to the operations address. Tell the partnership its result (`returns submissions --site`) and check SES.',
    );

    this.addStackDependency(storage, 'imports the bucket ARN by export name');
    for (const fn of [this.validator, this.aggregator, this.sweep]) {
      Validations.of(fn.function).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x is the runtime the issue specifies and the bundle targets (esbuild target node22); move runtime and target together when the project adopts Node 24.',
      });
      Validations.of(fn.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray tracing (tracing: ACTIVE): xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so AWS requires Resource "*".',
      });
    }

    new CfnOutput(this, 'ValidatorFunctionName', { value: this.validator.function.functionName });
    new CfnOutput(this, 'AggregatorFunctionName', { value: this.aggregator.function.functionName });
    new CfnOutput(this, 'SweepFunctionName', { value: this.sweep.function.functionName });
  }
}
