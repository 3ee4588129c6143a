/**
 * The validate-return handler, before wiring: S3 upload events wrapped in SQS
 * messages; receiveUpload once per upload, each message on its own, failed
 * ones reported as batch item failures (the Powertools batch processor), so
 * only they come back. The Lambda entry point (validate-return.ts) and the
 * local stack build it with their own dependencies, so both run exactly this
 * chain.
 *
 * @middy/event-normalizer parses the SQS bodies and URL-decodes S3 keys (S3
 * sends `my+return.xlsx`). Messages are handled one after another so each log
 * line carries the right correlation ID (the object key).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import eventNormalizer from '@middy/event-normalizer';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Upload } from '../submissions/ports.js';
import { type ReceiveUploadDeps, receiveUpload } from '../submissions/receive-upload.js';

interface S3Record {
  eventSource?: string;
  eventName?: string;
  eventTime?: string;
  s3?: {
    bucket?: { name?: string };
    object?: { key?: string; size?: number; eTag?: string; versionId?: string; sequencer?: string };
  };
}

/** Powertools' Logger and Metrics, in Lambda (the local stack and the tests log through the Log port). */
export interface Observability {
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

export function createValidateReturnHandler(deps: ReceiveUploadDeps, observability: Observability = {}) {
  const processor = new BatchProcessor(EventType.SQS);
  const handler = middy<SQSEvent, unknown, Error, Context>().use(eventNormalizer());
  if (observability.logger) handler.use(injectLambdaContext(observability.logger, { resetKeys: true }));
  if (observability.metrics) handler.use(logMetrics(observability.metrics));
  return handler.handler(async (event, context) =>
    processPartialResponse(
      event,
      async (record: SQSRecord) => {
        // An SQS record holds a whole S3 event (or S3's test message, which has none).
        const body = (typeof record.body === 'object' ? record.body : undefined) as
          | { Records?: S3Record[] }
          | undefined;
        const outcomes = [];
        for (const upload of (body?.Records ?? []).flatMap(toUpload)) {
          observability.logger?.setCorrelationId(upload.key);
          outcomes.push(await receiveUpload(deps, upload));
        }
        return outcomes;
      },
      processor,
      { context, processInParallel: false, throwOnFullBatchFailure: false },
    ),
  );
}

function toUpload(record: S3Record): Upload[] {
  const object = record.s3?.object;
  const bucket = record.s3?.bucket?.name;
  if (
    record.eventSource !== 'aws:s3' ||
    !record.eventName?.startsWith('ObjectCreated:') ||
    !object?.key ||
    !bucket
  )
    return [];
  return [
    {
      bucket,
      key: object.key,
      eventTime: record.eventTime ?? new Date().toISOString(),
      origin: 'notification',
      ...(object.size === undefined ? {} : { size: object.size }),
      ...(object.eTag ? { etag: object.eTag } : {}),
      ...(object.versionId ? { versionId: object.versionId } : {}),
      ...(object.sequencer ? { sequencer: object.sequencer } : {}),
    },
  ];
}
