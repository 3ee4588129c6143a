/**
 * A queue that cannot lose a message silently: after MAX_RECEIVE_COUNT failed
 * receives a message moves to a dead-letter queue, kept 14 days (SQS's
 * longest), and an alarm tells the operations topic as soon as one arrives.
 * Both queues are encrypted (SSE-SQS, which S3 notifications can write to,
 * unlike the AWS-managed KMS key) and refuse requests without TLS.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_RECEIVE_COUNT } from '../layout.js';

export interface DeadLetteredQueueProps {
  /** FIFO: ordered and one at a time per message group (both queues are then FIFO). */
  readonly fifo?: boolean;
  /** At least six times the consuming function's timeout. */
  readonly visibilityTimeout: Duration;
  /** Where the dead-letter alarm goes. */
  readonly alarmTopic: ITopic;
  /** What the queue carries, for the alarm's description. */
  readonly carries: string;
}

export class DeadLetteredQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: DeadLetteredQueueProps) {
    super(scope, id);
    const fifo = props.fifo === true ? { fifo: true } : {};
    const common = {
      ...fifo,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    };

    this.deadLetters = new Queue(this, 'DeadLetters', common);
    this.queue = new Queue(this, 'Queue', {
      ...common,
      // The validator sets MessageDeduplicationId itself (the submission), so equal bodies are not merged by content.
      ...(props.fifo === true ? { contentBasedDeduplication: false } : {}),
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    this.deadLetterAlarm = new Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: `${props.carries} failed ${MAX_RECEIVE_COUNT} times and wait in a dead-letter queue. Find the cause in the consuming function's logs, fix it, then move the messages back with "returns redrive" (RETURNS_STACK=aws). Uploads are also picked up by the reconciling sweep, which finds objects with no record.`,
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: Stats.MAXIMUM,
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // An empty queue reports no datapoints at all; that is the healthy case.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm.addAlarmAction(new SnsAction(props.alarmTopic));
    this.deadLetterAlarm.addOkAction(new SnsAction(props.alarmTopic));
  }
}
