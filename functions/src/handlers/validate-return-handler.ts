/**
 * The validate-return handler, before wiring: parse the event, call
 * receiveUpload once per S3 record, map the outcomes. The Lambda entry point
 * (validate-return.ts) and the local stack build it with their own
 * dependencies, so both run exactly this chain.
 *
 * Events arrive straight from S3 or wrapped in SQS; @middy/event-normalizer
 * unwraps SQS bodies and URL-decodes S3 keys (S3 sends `my+return.xlsx`).
 */
import middy from '@middy/core';
import eventNormalizer from '@middy/event-normalizer';
import type { Upload } from '../submissions/ports.js';
import { type ReceiveUploadDeps, receiveUpload } from '../submissions/receive-upload.js';
import { recordOutcomes } from './record-outcomes.js';

interface S3Record {
  eventSource?: string;
  eventName?: string;
  eventTime?: string;
  s3?: {
    bucket?: { name?: string };
    object?: { key?: string; size?: number; eTag?: string; versionId?: string; sequencer?: string };
  };
}

/** As Lambda receives it; after the normaliser an SQS body is the parsed S3 event. */
interface NormalizedEvent {
  Records?: Array<S3Record & { messageId?: string; body?: string | { Records?: S3Record[] } }>;
}

export function createValidateReturnHandler(deps: ReceiveUploadDeps) {
  return middy<NormalizedEvent, unknown>()
    .use(eventNormalizer())
    .use(recordOutcomes<NormalizedEvent>(deps.log))
    .handler(async (event) =>
      Promise.allSettled(
        (event.Records ?? []).map(async (record) => {
          // An SQS record holds a whole S3 event (or S3's test message, which has none).
          const body = typeof record.body === 'object' ? record.body : undefined;
          const uploads = (record.eventSource === 'aws:sqs' ? (body?.Records ?? []) : [record]).flatMap(
            toUpload,
          );
          const outcomes = [];
          for (const upload of uploads) outcomes.push(await receiveUpload(deps, upload));
          return outcomes;
        }),
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
      ...(object.size === undefined ? {} : { size: object.size }),
      ...(object.eTag ? { etag: object.eTag } : {}),
      ...(object.versionId ? { versionId: object.versionId } : {}),
      ...(object.sequencer ? { sequencer: object.sequencer } : {}),
    },
  ];
}
