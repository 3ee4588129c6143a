/**
 * Middy middleware for handlers that take records from S3 directly or through
 * SQS. The handler returns one settled result per top-level record. For SQS,
 * failed records are reported as batch item failures, so only they come back
 * (ReportBatchItemFailures); for a direct S3 invocation any failure is thrown,
 * so Lambda retries the event. Failures are logged, never shown to a user.
 */
import type { MiddlewareObj } from '@middy/core';
import type { Log } from '../submissions/ports.js';

interface RecordsEvent {
  Records?: Array<{ eventSource?: string; messageId?: string }>;
}

export function recordOutcomes<E extends RecordsEvent>(log: Log): MiddlewareObj<E, unknown> {
  return {
    after: async (request) => {
      const results = request.response as PromiseSettledResult<unknown>[];
      const records = request.event.Records ?? [];
      const failed = records.flatMap((record, index) => {
        const result = results[index];
        if (result?.status !== 'rejected') return [];
        log.error('record failed; it will be retried', {
          messageId: record.messageId,
          error: describe(result.reason),
        });
        return [{ record, reason: result.reason as unknown }];
      });
      if (records[0]?.eventSource === 'aws:sqs') {
        request.response = {
          batchItemFailures: failed.map(({ record }) => ({ itemIdentifier: record.messageId as string })),
        };
        return;
      }
      if (failed.length > 0)
        throw new AggregateError(
          failed.map(({ reason }) => reason),
          `${failed.length} of ${records.length} records failed`,
        );
      request.response = { processed: records.length };
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
