/**
 * The Events port on an SQS FIFO queue. Messages are grouped by quarter, so
 * one quarter is never aggregated twice at once; the deduplication ID makes a
 * repeated publish within five minutes a no-op.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Events, ReturnAccepted } from '../submissions/ports.js';

export class SqsEvents implements Events {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async returnAccepted(event: ReturnAccepted): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(event),
        MessageGroupId: event.period,
        MessageDeduplicationId: `${event.period}.${event.submissionId}`,
      }),
    );
  }
}
