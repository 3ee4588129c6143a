/**
 * The Events port on an SQS FIFO queue. Messages are grouped by quarter, so
 * one quarter is never aggregated twice at once; the deduplication ID carries
 * the current return's version and the recompute request, so a retried send of
 * one message within five minutes is a no-op while going back to an earlier
 * file (a new version) is a new message.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type Events, type ReturnAccepted, returnAcceptedDeduplicationId } from '../submissions/ports.js';

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
        MessageDeduplicationId: returnAcceptedDeduplicationId(event),
      }),
    );
  }
}
