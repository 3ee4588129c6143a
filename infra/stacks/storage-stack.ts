/**
 * Everything that holds data or an identity, and so outlives any one version
 * of the code: the bucket (and its access logs), the table, the queues with
 * their dead letters (messages in flight), the operations topic (confirmed
 * email subscriptions) and the SES identity (its verification). Deployed
 * rarely, retained on delete, protected from termination.
 *
 * The queues live here rather than beside the functions because the bucket's
 * notification names the upload queue: with the queue in the processing stack,
 * each stack would need the other.
 */
import { ArnFormat, CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { TABLE_DESIGN } from '../../functions/src/config/table-design.js';
import { UPLOADS } from '../../functions/src/config/uploads.js';
import { DeadLetteredQueue } from '../constructs/dead-lettered-queue.js';
import { FeedbackSender } from '../constructs/feedback-sender.js';
import { ReturnsBucket } from '../constructs/returns-bucket.js';
import type { DeploymentConfig } from '../deployment-config.js';
import { FUNCTION_SIZING, visibilityTimeoutFor } from '../layout.js';

export interface StorageStackProps extends StackProps {
  readonly config: DeploymentConfig;
}

export class StorageStack extends Stack {
  readonly returnsBucket: ReturnsBucket;
  readonly table: Table;
  readonly operationsTopic: Topic;
  /** S3 notifications of new uploads, for validate-return. */
  readonly uploads: DeadLetteredQueue;
  /** ReturnAccepted events, grouped by quarter, for aggregate-period. */
  readonly returnAccepted: DeadLetteredQueue;
  readonly sender: FeedbackSender;
  /**
   * The export holding the bucket's ARN. The processing stack builds its
   * prefix-scoped object ARNs on it, so they read (and are acknowledged to
   * cdk-nag) as `Returns-dev-Storage-BucketArn/incoming/*` rather than through
   * a generated export name that changes with a logical ID.
   */
  readonly bucketArnExportName: string;

  constructor(scope: Construct, id: string, props: StorageStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    const { config } = props;

    this.operationsTopic = new Topic(this, 'Operations', {
      displayName: `Monitoring returns (${config.envName}) operations`,
      enforceSSL: true,
    });
    this.operationsTopic.addSubscription(new EmailSubscription(config.opsEmail));
    // The topic has a policy of its own (TLS only, SES events), so CloudWatch alarms must be let in by name.
    this.operationsTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.operationsTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': this.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    this.returnsBucket = new ReturnsBucket(this, 'Bucket', {
      feedbackRetentionDays: config.feedbackRetentionDays,
    });

    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_DESIGN.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_DESIGN.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of [TABLE_DESIGN.bySite, TABLE_DESIGN.byYear]) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
      });
    }

    this.uploads = new DeadLetteredQueue(this, 'Uploads', {
      visibilityTimeout: visibilityTimeoutFor(FUNCTION_SIZING.validator.timeout),
      alarmTopic: this.operationsTopic,
      carries: 'Upload notifications',
    });
    this.returnAccepted = new DeadLetteredQueue(this, 'ReturnAccepted', {
      fifo: true,
      visibilityTimeout: visibilityTimeoutFor(FUNCTION_SIZING.aggregator.timeout),
      alarmTopic: this.operationsTopic,
      carries: 'ReturnAccepted events (quarters to aggregate)',
    });

    // Every object created under incoming/, however it was written (put, post, copy, multipart), whatever
    // its name: the validator decides what is a return and records what it cannot route (config/uploads.ts).
    this.returnsBucket.bucket.addEventNotification(
      EventType.OBJECT_CREATED,
      new SqsDestination(this.uploads.queue),
      { prefix: UPLOADS.prefix },
    );

    this.sender = new FeedbackSender(this, 'Sender', { config, operationsTopic: this.operationsTopic });
    acknowledgeNotificationsHandler(this);

    new CfnOutput(this, 'BucketName', {
      description: 'The returns bucket: RETURNS_BUCKET for the returns CLI.',
      value: this.returnsBucket.bucket.bucketName,
    });
    this.bucketArnExportName = `${this.stackName}-BucketArn`;
    new CfnOutput(this, 'BucketArn', {
      description: 'The returns bucket ARN, imported by the processing stack for its prefix-scoped grants.',
      value: this.returnsBucket.bucket.bucketArn,
      exportName: this.bucketArnExportName,
    });
    new CfnOutput(this, 'TableName', {
      description: 'The submissions table: RETURNS_TABLE for the returns CLI.',
      value: this.table.tableName,
    });
    // What `returns redrive` needs (RETURNS_UPLOADS_QUEUE_URL and the rest).
    for (const [id, queue, what] of [
      ['UploadsQueueUrl', this.uploads.queue, 'RETURNS_UPLOADS_QUEUE_URL'],
      ['UploadsDeadLettersUrl', this.uploads.deadLetters, 'RETURNS_UPLOADS_DLQ_URL'],
      ['ReturnAcceptedQueueUrl', this.returnAccepted.queue, 'RETURNS_AGGREGATION_QUEUE_URL'],
      ['ReturnAcceptedDeadLettersUrl', this.returnAccepted.deadLetters, 'RETURNS_AGGREGATION_DLQ_URL'],
    ] as const) {
      new CfnOutput(this, id, { description: `${what} for returns redrive.`, value: queue.queueUrl });
    }
    new CfnOutput(this, 'OperationsTopicArn', {
      description: 'Alarms and SES bounces and complaints; confirm the email subscription.',
      value: this.operationsTopic.topicArn,
    });
    new CfnOutput(this, 'SenderIdentity', {
      description: 'The SES identity to verify before any email is sent.',
      value: this.sender.identityName,
    });
  }
}

/**
 * The bucket notification is configured by a Lambda-backed custom resource
 * that aws-cdk-lib adds once per stack; its role is not ours to shape.
 */
function acknowledgeNotificationsHandler(stack: Stack): void {
  const handler = stack.node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'));
  if (!handler) throw new Error('expected the bucket notifications handler that aws-cdk-lib adds');
  Validations.of(handler).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      "aws-cdk-lib's BucketNotificationsHandler custom resource: the library gives its role the basic execution policy, to write its own logs while it sets the bucket notification at deploy time (its s3:PutBucketNotification grant is scoped to the bucket).",
  });
}
