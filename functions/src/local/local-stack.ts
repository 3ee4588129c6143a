/**
 * The embedded local stack: the composition root for one machine. It starts
 * the emulators, creates the bucket and the table, and routes s3rver's object
 * events to the very handler the Lambda runs, through the same middy chain, the
 * way production delivers them: filtered to `incoming/` and `.xlsx` as the
 * bucket notification is, keys URL-encoded as real S3 encodes them, wrapped in
 * an SQS message, and redelivered with backoff when the handler reports the
 * record failed, until a dead-letter limit.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3rverEvent } from 's3rver';
import { DynamoSubmissionStore } from '../adapters/dynamodb-submission-store.js';
import { createTableIfMissing } from '../adapters/dynamodb-table.js';
import { S3ReturnFiles } from '../adapters/s3-return-files.js';
import { SesMailer } from '../adapters/ses-mailer.js';
import { createAggregatePeriodHandler } from '../handlers/aggregate-period-handler.js';
import { createValidateReturnHandler } from '../handlers/validate-return-handler.js';
import type { ReferenceData } from '../reference/reference-data.js';
import type { Events, Log, ReturnAccepted } from '../submissions/ports.js';
import { type RunningEmulator, startDynamo, startS3, startSes } from './emulators.js';

export interface LocalStackOptions {
  readonly reference: ReferenceData;
  readonly log: Log;
  /** Where the S3 objects and the DynamoDB data persist; a temporary folder in tests. */
  readonly dataDir: string;
  readonly ports: { readonly s3: number; readonly dynamodb: number; readonly ses: number };
  readonly bucket?: string;
  readonly table?: string;
  readonly sender?: string;
  /** Called for each ReturnAccepted, as the aggregation queue would be. */
  readonly onReturnAccepted?: (event: ReturnAccepted) => Promise<void>;
  /** Redeliveries before a failing upload event goes to the dead letters (SQS maxReceiveCount). */
  readonly maxReceives?: number;
  readonly retryDelayMs?: number;
  /** False to leave delivery to the caller (tests that reorder events); true by default. */
  readonly deliverEvents?: boolean;
}

export interface LocalStack {
  readonly bucket: string;
  readonly table: string;
  readonly sender: string;
  readonly endpoints: { readonly s3: string; readonly dynamodb: string; readonly ses: string };
  readonly clients: { readonly s3: S3Client; readonly dynamodb: DynamoDBClient; readonly ses: SESv2Client };
  readonly tableCreated: boolean;
  /** Delivers an S3 event (in real S3's form) as the queue would, with redelivery on failure. */
  deliver(s3Event: S3rverEvent): Promise<void>;
  /** Resolves when every delivered event has been handled (or dead-lettered). */
  idle(): Promise<void>;
  /** Stops one emulator for a while and starts it again on the same port and data: for fault tests. */
  interrupt(emulator: 'dynamodb' | 'ses', forMs: number): Promise<void>;
  stop(): Promise<void>;
}

export const LOCAL_DEFAULTS = {
  bucket: 'monitoring-returns',
  table: 'monitoring-returns',
  sender: 'monitoring@funder.example',
  ports: { s3: 4569, dynamodb: 4567, ses: 8005 },
} as const;

/** Credentials the emulators accept (s3rver checks the access key ID is exactly S3RVER). */
const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const REGION = 'eu-west-2';

export function localClients(endpoints: { s3: string; dynamodb: string; ses: string }) {
  return {
    s3: new S3Client({
      endpoint: endpoints.s3,
      region: REGION,
      forcePathStyle: true,
      credentials: LOCAL_CREDENTIALS,
      // Checksums only when required: streamed bodies otherwise go aws-chunked, which s3rver does not unwrap.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    // More attempts than the default, so a dynalite restart within a few seconds is ridden out.
    dynamodb: new DynamoDBClient({
      endpoint: endpoints.dynamodb,
      region: REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 6,
    }),
    ses: new SESv2Client({ endpoint: endpoints.ses, region: REGION, credentials: LOCAL_CREDENTIALS }),
  };
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const bucket = options.bucket ?? LOCAL_DEFAULTS.bucket;
  const table = options.table ?? LOCAL_DEFAULTS.table;
  const sender = options.sender ?? LOCAL_DEFAULTS.sender;
  const { log } = options;
  mkdirSync(join(options.dataDir, 's3'), { recursive: true });
  mkdirSync(join(options.dataDir, 'dynamodb'), { recursive: true });

  const started: RunningEmulator[] = [];
  try {
    const s3 = await startS3({
      port: options.ports.s3,
      directory: join(options.dataDir, 's3'),
      buckets: [bucket],
    });
    started.push(s3);
    const dynamoDir = join(options.dataDir, 'dynamodb');
    let dynamo = await startDynamo({ port: options.ports.dynamodb, directory: dynamoDir });
    started.push(dynamo);
    let ses = await startSes({ port: options.ports.ses });
    started.push(ses);

    const endpoints = { s3: s3.endpoint, dynamodb: dynamo.endpoint, ses: ses.endpoint };
    const clients = localClients(endpoints);
    const tableCreated = await createTableIfMissing(clients.dynamodb, table);

    const pending = new Set<Promise<void>>();
    let waiters: Array<() => void> = [];
    const track = (work: Promise<void>) => {
      pending.add(work);
      void work.finally(() => {
        pending.delete(work);
        if (pending.size === 0) {
          for (const resolve of waiters) resolve();
          waiters = [];
        }
      });
    };
    const maxReceives = options.maxReceives ?? 5;
    const retryDelayMs = options.retryDelayMs ?? 250;
    let messages = 0;

    const files = new S3ReturnFiles(clients.s3, bucket);
    const store = new DynamoSubmissionStore(
      DynamoDBDocumentClient.from(clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
      table,
    );
    const clock = () => new Date();
    const aggregate = createAggregatePeriodHandler({
      files,
      store,
      reference: options.reference,
      log,
      clock,
    });
    // As the FIFO queue grouped by quarter does: one aggregation of a quarter at a time, in order.
    const aggregationChains = new Map<string, Promise<void>>();
    const events: Events = {
      returnAccepted: async (event) => {
        log.info('return accepted', { ...event });
        await options.onReturnAccepted?.(event);
        const previous = aggregationChains.get(event.period) ?? Promise.resolve();
        const next = previous.then(async () => {
          const message = {
            Records: [
              { eventSource: 'aws:sqs', messageId: `aggregate-${++messages}`, body: JSON.stringify(event) },
            ],
          };
          for (let receive = 1; receive <= maxReceives; receive++) {
            const result = (await aggregate(message, lambdaContext()).catch(() => undefined)) as
              | { batchItemFailures?: unknown[] }
              | undefined;
            if (result && !result.batchItemFailures?.length) return;
            if (receive < maxReceives) await delay(retryDelayMs * 2 ** (receive - 1));
          }
          log.error('aggregating a quarter failed every attempt', { period: event.period });
        });
        aggregationChains.set(event.period, next);
        track(next);
      },
    };
    const handler = createValidateReturnHandler({
      files,
      store,
      mailer: new SesMailer(clients.ses, sender),
      events,
      log,
      reference: options.reference,
      clock,
      settings: { maxUploadBytes: 10 * 1024 * 1024, feedbackLinkDays: 7, emailClaimSeconds: 120 },
    });

    const deliver = async (s3Event: ReturnType<typeof asRealS3Event>) => {
      const messageId = `local-${++messages}`;
      const message = { Records: [{ eventSource: 'aws:sqs', messageId, body: JSON.stringify(s3Event) }] };
      for (let receive = 1; receive <= maxReceives; receive++) {
        try {
          const result = (await handler(structuredClone(message), lambdaContext())) as {
            batchItemFailures?: unknown[];
          };
          if (!result?.batchItemFailures?.length) return;
        } catch (error) {
          log.error('the handler failed', { messageId, error: String(error) });
        }
        if (receive < maxReceives) await delay(retryDelayMs * 2 ** (receive - 1));
      }
      log.error('an upload event failed every delivery and went to the dead letters', { messageId });
      appendFileSync(join(options.dataDir, 'dead-letters.jsonl'), `${JSON.stringify(s3Event)}\n`);
    };

    const deliverEvents = options.deliverEvents ?? true;
    s3.s3rver.on('event', (event: S3rverEvent) => {
      if (!deliverEvents) return;
      // s3rver emits inside the PUT handler, before it answers: never block or throw there.
      const created = event.Records.filter(
        (record) =>
          record.eventName.startsWith('ObjectCreated:') &&
          record.s3.object.key.startsWith('incoming/') &&
          record.s3.object.key.toLowerCase().endsWith('.xlsx'),
      );
      if (created.length > 0) setImmediate(() => track(deliver(asRealS3Event({ Records: created }))));
    });

    return {
      bucket,
      table,
      sender,
      endpoints,
      clients,
      tableCreated,
      deliver: (s3Event) => {
        const work = deliver(s3Event);
        track(work);
        return work;
      },
      interrupt: async (name, forMs) => {
        const current = name === 'dynamodb' ? dynamo : ses;
        await current.stop();
        started.splice(started.indexOf(current), 1);
        await delay(forMs);
        const restarted =
          name === 'dynamodb'
            ? await startDynamo({ port: dynamo.port, directory: dynamoDir })
            : await startSes({ port: ses.port });
        if (name === 'dynamodb') dynamo = restarted;
        else ses = restarted;
        started.push(restarted);
      },
      idle: () => (pending.size === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
      stop: async () => {
        await Promise.allSettled([...pending]);
        for (const client of Object.values(clients)) client.destroy();
        for (const emulator of started.reverse()) await emulator.stop();
      },
    };
  } catch (error) {
    for (const emulator of started.reverse()) await emulator.stop().catch(() => undefined);
    throw error;
  }
}

/**
 * What real S3 would have sent: keys form-URL-encoded (a space as `+`), the
 * stack's region, a proper bucket ARN and an 18-digit sequencer.
 */
export function asRealS3Event(event: S3rverEvent): S3rverEvent {
  return {
    Records: event.Records.map((record) => ({
      ...record,
      eventVersion: '2.1',
      awsRegion: REGION,
      s3: {
        ...record.s3,
        bucket: { ...record.s3.bucket, arn: `arn:aws:s3:::${record.s3.bucket.name}` },
        object: {
          ...record.s3.object,
          key: encodeS3EventKey(record.s3.object.key),
          sequencer: record.s3.object.sequencer.padStart(18, '0'),
        },
      },
    })),
  };
}

export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function lambdaContext() {
  return {
    functionName: 'validate-return (local)',
    awsRequestId: `local-${Date.now()}`,
    getRemainingTimeInMillis: () => 60_000,
  } as never;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
