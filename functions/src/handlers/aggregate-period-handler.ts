/**
 * The aggregate-period handler, before wiring: ReturnAccepted messages from a
 * FIFO queue grouped by quarter. A batch may hold several messages for one
 * quarter; the quarter is recomputed once for them all, answering the latest
 * request among them, and a failure reports that message and every one after
 * it for redelivery (the Powertools FIFO batch processor keeps the order).
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import eventNormalizer from '@middy/event-normalizer';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { type AggregatePeriodDeps, aggregatePeriod } from '../submissions/aggregate-period.js';
import type { Observability } from './validate-return-handler.js';

export const returnAcceptedSchema = z.object({
  type: z.literal('ReturnAccepted'),
  site: z.string().min(1),
  period: z.string().regex(/^\d{4}-\d{2}-Q[1-4]$/),
  submissionId: z.string().min(1),
  version: z.number().int().nonnegative().optional(),
  request: z.number().int().positive().optional(),
});

export function createAggregatePeriodHandler(deps: AggregatePeriodDeps, observability: Observability = {}) {
  const handler = middy<SQSEvent, unknown, Error, Context>().use(eventNormalizer());
  if (observability.logger) handler.use(injectLambdaContext(observability.logger, { resetKeys: true }));
  if (observability.metrics) handler.use(logMetrics(observability.metrics));
  return handler.handler(async (event, context) => {
    // The latest request of each quarter in the batch (a message with no number: recompute regardless).
    const latest = new Map<string, number | undefined>();
    for (const record of event.Records ?? []) {
      const parsed = returnAcceptedSchema.safeParse(record.body);
      if (!parsed.success) continue;
      const { period, request } = parsed.data;
      const seen = latest.has(period) ? latest.get(period) : -1;
      latest.set(period, request === undefined || seen === undefined ? undefined : Math.max(seen, request));
    }
    const runs = new Map<string, Promise<unknown>>();
    return processPartialResponse(
      event,
      async (record: SQSRecord) => {
        const parsed = returnAcceptedSchema.safeParse(record.body);
        if (!parsed.success) {
          // Not ours to retry: a malformed message would fail forever. Log it and let it go.
          deps.log.error('a message that is not a ReturnAccepted event was ignored', {
            messageId: record.messageId,
          });
          return undefined;
        }
        const { period } = parsed.data;
        if (!runs.has(period)) runs.set(period, aggregatePeriod(deps, period, latest.get(period)));
        return runs.get(period);
      },
      new SqsFifoPartialProcessorAsync(),
      { context, throwOnFullBatchFailure: false },
    );
  });
}
