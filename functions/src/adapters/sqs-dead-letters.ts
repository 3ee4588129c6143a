/**
 * Moving dead-lettered messages back to the queue they came from, for
 * `returns redrive`. A receive–send–delete loop rather than SQS's
 * StartMessageMoveTask, so FIFO queues (ReturnAccepted) work the same as
 * standard ones: a FIFO message keeps its group and gets a new deduplication
 * ID (the old one may still be inside the five-minute window). A message is
 * deleted from the dead letters only after it is sent, so a failure halfway
 * leaves it in one queue or both, never neither.
 */
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export async function redriveQueue(
  sqs: SQSClient,
  from: string,
  to: string,
  options: { readonly max: number },
): Promise<number> {
  const fifo = to.endsWith('.fifo');
  let moved = 0;
  while (moved < options.max) {
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: from,
        MaxNumberOfMessages: Math.min(10, options.max - moved),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageSystemAttributeNames: ['MessageGroupId'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) break;
    for (const message of messages) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: to,
          MessageBody: message.Body ?? '',
          ...(message.MessageAttributes ? { MessageAttributes: message.MessageAttributes } : {}),
          ...(fifo
            ? {
                MessageGroupId: message.Attributes?.MessageGroupId ?? 'redriven',
                MessageDeduplicationId: `redrive-${message.MessageId}`,
              }
            : {}),
        }),
      );
      await sqs.send(new DeleteMessageCommand({ QueueUrl: from, ReceiptHandle: message.ReceiptHandle }));
      moved++;
    }
  }
  return moved;
}
