/**
 * The aggregate-period handler, before wiring: ReturnAccepted messages from a
 * FIFO queue grouped by quarter. A batch may hold several messages for one
 * quarter; the quarter is recomputed once for them all, and a failure reports
 * every message of that quarter for redelivery.
 */
import middy from '@middy/core';
import eventNormalizer from '@middy/event-normalizer';
import * as z from 'zod';
import { type AggregatePeriodDeps, aggregatePeriod } from '../submissions/aggregate-period.js';
import { recordOutcomes } from './record-outcomes.js';

export const returnAcceptedSchema = z.object({
  type: z.literal('ReturnAccepted'),
  site: z.string().min(1),
  period: z.string().regex(/^\d{4}-\d{2}-Q[1-4]$/),
  submissionId: z.string().min(1),
});

interface QueueEvent {
  Records?: Array<{ eventSource?: string; messageId?: string; body?: unknown }>;
}

export function createAggregatePeriodHandler(deps: AggregatePeriodDeps) {
  return middy<QueueEvent, unknown>()
    .use(eventNormalizer())
    .use(recordOutcomes<QueueEvent>(deps.log))
    .handler(async (event) => {
      const records = event.Records ?? [];
      const periods = new Map<string, Promise<unknown>>();
      const outcomes = records.map((record) => {
        const parsed = returnAcceptedSchema.safeParse(record.body);
        if (!parsed.success) {
          // Not ours to retry: a malformed message would fail forever. Log it and let it go.
          deps.log.error('a message that is not a ReturnAccepted event was ignored', {
            messageId: record.messageId,
          });
          return Promise.resolve(undefined);
        }
        const { period } = parsed.data;
        if (!periods.has(period)) periods.set(period, aggregatePeriod(deps, period));
        return periods.get(period) as Promise<unknown>;
      });
      return Promise.allSettled(outcomes);
    });
}
