/**
 * `returns redrive`: move dead-lettered messages back to their queues, after
 * the cause is fixed, and say what was moved. In AWS (RETURNS_STACK=aws) the
 * SQS dead-letter queues the CDK app outputs; on the local stack the
 * dead-letters file, which the running stack delivers again at its next sweep.
 * An upload left in the dead letters is also found by the sweep (it has no
 * receipt), so nothing waits on this command alone.
 */
import { resolve } from 'node:path';
import { redriveQueue } from '../adapters/sqs-dead-letters.js';
import { UsageError } from '../errors.js';
import { redriveLocalDeadLetters } from '../local/local-stack.js';
import type { Command } from './command.js';
import { awsQueueClient, localDir } from './stack-connection.js';

const MAX = 10_000;

export const redriveCommand: Command = {
  usage:
    'returns redrive   (local stack, or RETURNS_STACK=aws with RETURNS_UPLOADS_QUEUE_URL, RETURNS_UPLOADS_DLQ_URL, RETURNS_AGGREGATION_QUEUE_URL, RETURNS_AGGREGATION_DLQ_URL)',
  options: {},
  async run() {
    if (process.env.RETURNS_STACK === 'aws') {
      const names = [
        'RETURNS_UPLOADS_QUEUE_URL',
        'RETURNS_UPLOADS_DLQ_URL',
        'RETURNS_AGGREGATION_QUEUE_URL',
        'RETURNS_AGGREGATION_DLQ_URL',
      ] as const;
      const missing = names.filter((name) => !process.env[name]);
      if (missing.length > 0)
        throw new UsageError(
          `RETURNS_STACK=aws redrive needs ${missing.join(', ')} (the storage stack outputs them).`,
        );
      const url = (name: (typeof names)[number]) => process.env[name] as string;
      const sqs = awsQueueClient();
      try {
        const uploads = await redriveQueue(
          sqs,
          url('RETURNS_UPLOADS_DLQ_URL'),
          url('RETURNS_UPLOADS_QUEUE_URL'),
          {
            max: MAX,
          },
        );
        const aggregation = await redriveQueue(
          sqs,
          url('RETURNS_AGGREGATION_DLQ_URL'),
          url('RETURNS_AGGREGATION_QUEUE_URL'),
          { max: MAX },
        );
        process.stdout.write(`${describe(uploads, aggregation, 'back to their queues in AWS')}\n`);
      } finally {
        sqs.destroy();
      }
      return 0;
    }
    const moved = redriveLocalDeadLetters(resolve(localDir()), new Date());
    process.stdout.write(
      `${describe(moved.uploads, moved.returnAccepted, 'back for the local stack')}${
        moved.uploads + moved.returnAccepted > 0
          ? '\nThe running stack delivers them again within its sweep interval (about 10 seconds), or at its next start.'
          : ''
      }\n`,
    );
    return 0;
  },
};

function describe(uploads: number, aggregation: number, where: string): string {
  if (uploads + aggregation === 0) return 'There were no dead-lettered messages: nothing to move.';
  const part = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
  return `Moved ${part(uploads, 'upload message')} and ${part(aggregation, 'aggregation message')} ${where}.`;
}
