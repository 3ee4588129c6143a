/**
 * The embedded local stack: the composition root for one machine. It starts
 * the emulators, creates the bucket and the table, and routes s3rver's object
 * events to the very handler the Lambda runs, through the same middy chain, the
 * way production delivers them: every object under `incoming/` (the handler
 * decides and records what it cannot route), keys URL-encoded as real S3
 * encodes them, wrapped in an SQS message, and redelivered with backoff when
 * the handler reports the record failed, until a dead-letter limit.
 * ReturnAccepted goes through an emulated FIFO queue (deduplication window,
 * per-quarter order), and the reconciling sweep runs at start and on a timer,
 * so whatever a kill interrupted is finished after a restart.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSRecord } from 'aws-lambda';
import type { S3rverEvent } from 's3rver';
import { type DynamoSubmissionStore, submissionStoreOn } from '../adapters/dynamodb-submission-store.js';
import { createTableIfMissing } from '../adapters/dynamodb-table.js';
import { S3ReturnFiles } from '../adapters/s3-return-files.js';
import { SesMailer } from '../adapters/ses-mailer.js';
import { UPLOADS } from '../config/uploads.js';
import { annotateWorkbook } from '../feedback/annotate-workbook.js';
import { createAggregatePeriodHandler } from '../handlers/aggregate-period-handler.js';
import { createValidateReturnHandler } from '../handlers/validate-return-handler.js';
import type { ReferenceData } from '../reference/reference-data.js';
import {
  type Events,
  type Log,
  type MetricName,
  type Metrics,
  type ReturnAccepted,
  returnAcceptedDeduplicationId,
} from '../submissions/ports.js';
import type { ReceiveUploadDeps } from '../submissions/receive-upload.js';
import { type ReconcileOutcome, reconcile } from '../submissions/reconcile.js';
import { type RunningEmulator, startDynamo, startS3, startSes } from './emulators.js';
import { LocalFifoQueue } from './fifo-queue.js';
import { startLocalReminders } from './local-reminders.js';
import { setAsidePartialObjects } from './s3-store-check.js';

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
  /** Send reminders, chasers and the staff digest on a timer, as the schedule does in AWS. */
  readonly reminders?: boolean;
  /** The stack's clock (tests step it to cross the deduplication window or a day of email retries). */
  readonly clock?: () => Date;
  /** How often the sweep runs (0: only at start and when called), and its grace period. */
  readonly sweepIntervalMs?: number;
  readonly sweepGraceSeconds?: number;
  readonly emailClaimSeconds?: number;
  readonly emailRetrySeconds?: number;
  readonly escalateAfterSeconds?: number;
  readonly operationsEmail?: string;
  /** The annotator (tests inject one that fails). */
  readonly annotate?: ReceiveUploadDeps['annotate'];
  /** Upload events handled at once, as the validator's reserved concurrency bounds it in AWS. */
  readonly concurrency?: number;
}

export interface LocalStack {
  readonly bucket: string;
  readonly table: string;
  readonly sender: string;
  readonly endpoints: { readonly s3: string; readonly dynamodb: string; readonly ses: string };
  readonly clients: { readonly s3: S3Client; readonly dynamodb: DynamoDBClient; readonly ses: SESv2Client };
  readonly tableCreated: boolean;
  readonly store: DynamoSubmissionStore;
  /** Objects found partly written at start and moved aside. */
  readonly setAside: ReadonlyArray<{ key: string; why: string }>;
  /** What the pipeline counted, by metric name. */
  metrics(): Readonly<Record<string, number>>;
  /** ReturnAccepted messages the FIFO emulation dropped as duplicates. */
  deduplicated(): number;
  /** Runs the reconciling sweep once (it also runs at start and on the timer). */
  sweep(): Promise<ReconcileOutcome>;
  /** Delivers an S3 event (in real S3's form) as the queue would, with redelivery on failure. */
  deliver(s3Event: S3rverEvent): Promise<void>;
  /**
   * The next upload to this key is received as at `at` (its S3 event's time): the demonstration's
   * returns arrive on the days a partnership would have sent them, not all at the moment it loads.
   */
  arriveAt(key: string, at: string): void;
  /** Resolves when every delivered event has been handled (or dead-lettered). */
  idle(): Promise<void>;
  /** Stops one emulator for a while and starts it again on the same port and data: for fault tests. */
  interrupt(emulator: 'dynamodb' | 'ses', forMs: number | (() => Promise<void>)): Promise<void>;
  stop(): Promise<void>;
}

export const LOCAL_DEFAULTS = {
  bucket: 'monitoring-returns',
  table: 'monitoring-returns',
  sender: 'monitoring@funder.example',
  operationsEmail: 'operations@funder.example',
  /** Local timings: an unfinished upload is picked up within about 30 s of a restart. */
  sweepIntervalMs: 10_000,
  sweepGraceSeconds: 20,
  emailClaimSeconds: 60,
  emailRetrySeconds: 30,
  escalateAfterSeconds: 86_400,
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
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock();
  const s3Dir = join(options.dataDir, 's3');
  mkdirSync(s3Dir, { recursive: true });
  mkdirSync(join(options.dataDir, 'dynamodb'), { recursive: true });
  const setAside = setAsidePartialObjects(s3Dir, join(options.dataDir, 's3-set-aside', stamp(startedAt)));
  for (const object of setAside)
    log.warn('an object the S3 emulator had only partly written was moved aside', {
      key: object.key,
      why: object.why,
      folder: join(options.dataDir, 's3-set-aside'),
    });

  const started: RunningEmulator[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const s3 = await startS3({ port: options.ports.s3, directory: s3Dir, buckets: [bucket] });
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
    const track = (work: Promise<void>) => {
      pending.add(work);
      void work.finally(() => pending.delete(work));
    };
    const maxReceives = options.maxReceives ?? 5;
    const retryDelayMs = options.retryDelayMs ?? 250;
    let messages = 0;
    const deadLetters = join(options.dataDir, 'dead-letters.jsonl');

    const files = new S3ReturnFiles(clients.s3, bucket);
    const store = submissionStoreOn(clients.dynamodb, table);
    const counted: Record<string, number> = {};
    const metrics: Metrics = {
      count: (name: MetricName, dimensions?: Record<string, string>) => {
        counted[name] = (counted[name] ?? 0) + 1;
        if (name === 'UploadUnroutable' || name === 'FeedbackEmailEscalated' || name === 'AnnotationFailed')
          log.warn('metric', { metric: name, ...dimensions });
      },
    };
    const aggregate = createAggregatePeriodHandler({
      files,
      store,
      reference: options.reference,
      log,
      clock,
    });
    // As the FIFO queue grouped by quarter does: deduplicated, one batch of a quarter at a time, in order.
    const returnAccepted = new LocalFifoQueue<ReturnAccepted>({
      clock,
      batchSize: 10,
      maxConcurrentGroups: 1,
      maxReceives,
      retryDelayMs,
      consume: async (batch) => {
        const message = {
          Records: batch.map((entry) =>
            sqsRecord(entry.messageId, JSON.stringify(entry.body), entry.groupId),
          ),
        };
        const result = (await aggregate(message, lambdaContext())) as { batchItemFailures?: unknown[] };
        if (result?.batchItemFailures?.length) throw new Error('aggregation failed; received again');
      },
      onDeadLetter: (batch) => {
        log.error('aggregating a quarter failed every attempt; the sweep asks again', {
          period: batch[0]?.groupId,
        });
        for (const entry of batch)
          appendFileSync(deadLetters, `${JSON.stringify({ queue: 'return-accepted', body: entry.body })}\n`);
      },
    });
    const events: Events = {
      returnAccepted: async (event) => {
        log.info('return accepted', { ...event });
        await options.onReturnAccepted?.(event);
        returnAccepted.send(event, event.period, returnAcceptedDeduplicationId(event));
      },
    };
    const settings = {
      maxUploadBytes: 10 * 1024 * 1024,
      feedbackLinkDays: 7,
      emailClaimSeconds: options.emailClaimSeconds ?? LOCAL_DEFAULTS.emailClaimSeconds,
      emailRetrySeconds: options.emailRetrySeconds ?? LOCAL_DEFAULTS.emailRetrySeconds,
    };
    const receiveDeps: ReceiveUploadDeps = {
      files,
      store,
      mailer: new SesMailer(clients.ses, sender),
      events,
      log,
      metrics,
      reference: options.reference,
      clock,
      annotate: options.annotate ?? annotateWorkbook,
      settings,
    };
    const handler = createValidateReturnHandler(receiveDeps);
    // The daily reminder run, on a timer (npm start); tests that count emails leave it off.
    const reminders = options.reminders
      ? startLocalReminders({ store, mailer: receiveDeps.mailer, reference: options.reference, log, clock })
      : undefined;
    const sweepDeps = {
      ...receiveDeps,
      sweep: {
        bucket,
        graceSeconds: options.sweepGraceSeconds ?? LOCAL_DEFAULTS.sweepGraceSeconds,
        escalateAfterSeconds: options.escalateAfterSeconds ?? LOCAL_DEFAULTS.escalateAfterSeconds,
        operationsEmail: [options.operationsEmail ?? LOCAL_DEFAULTS.operationsEmail],
        maxPagesPerRun: 10,
        maxUploadsPerRun: 200,
        maxEmailsPerRun: 100,
        inFlight: (key: string) => inFlight.has(key),
      },
    };

    // A bounded pool, as Lambda's reserved concurrency is: a burst of 800 uploads queues, it does
    // not validate 800 workbooks at once.
    const slots = { free: options.concurrency ?? 4, waiting: [] as Array<() => void> };
    const acquire = async () => {
      if (slots.free > 0) slots.free--;
      else await new Promise<void>((resolve) => slots.waiting.push(resolve));
    };
    const release = () => {
      const next = slots.waiting.shift();
      if (next) next();
      else slots.free++;
    };
    /** Keys whose events this process is handling: the sweep leaves them to it. */
    const inFlight = new Map<string, number>();
    const deliver = async (s3Event: ReturnType<typeof asRealS3Event>) => {
      const keys = s3Event.Records.map((record) => decodeS3EventKey(record.s3.object.key));
      for (const key of keys) inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      await acquire();
      try {
        await deliverNow(s3Event);
      } finally {
        release();
        for (const key of keys) {
          const count = (inFlight.get(key) ?? 1) - 1;
          if (count > 0) inFlight.set(key, count);
          else inFlight.delete(key);
        }
      }
    };
    const deliverNow = async (s3Event: ReturnType<typeof asRealS3Event>) => {
      const messageId = `local-${++messages}`;
      const message = { Records: [sqsRecord(messageId, JSON.stringify(s3Event))] };
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
      appendFileSync(deadLetters, `${JSON.stringify({ queue: 'uploads', body: s3Event })}\n`);
    };

    /** Messages `returns redrive` moved back: delivered again, then the file goes. */
    const redrive = async () => {
      for (const name of readdirSync(options.dataDir).filter((entry) => /^redrive-.*\.jsonl$/.test(entry))) {
        const path = join(options.dataDir, name);
        const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
        rmSync(path);
        for (const line of lines) {
          const entry = JSON.parse(line) as { queue: string; body: unknown };
          if (entry.queue === 'uploads') track(deliver(entry.body as S3rverEvent));
          else await events.returnAccepted(entry.body as ReturnAccepted);
        }
        log.info('redriven messages delivered again', { file: name, messages: lines.length });
      }
    };

    let sweeping: Promise<ReconcileOutcome> | undefined;
    const sweepOnce = (cutoff?: Date): Promise<ReconcileOutcome> => {
      // One sweep at a time: a slow one is not overtaken by the timer's next.
      sweeping ??= (async () => {
        try {
          await redrive();
          return await reconcile(sweepDeps, cutoff ? { cutoff } : {});
        } finally {
          sweeping = undefined;
        }
      })();
      return sweeping;
    };

    const deliverEvents = options.deliverEvents ?? true;
    const arrivals = new Map<string, string>();
    s3.s3rver.on('event', (event: S3rverEvent) => {
      if (!deliverEvents) return;
      // s3rver emits inside the PUT handler, before it answers: never block or throw there.
      const created = event.Records.filter(
        (record) =>
          record.eventName.startsWith('ObjectCreated:') && record.s3.object.key.startsWith(UPLOADS.prefix),
      ).map((record) => {
        // s3rver's events carry the key as stored (asRealS3Event encodes it as S3 would).
        const at = arrivals.get(record.s3.object.key);
        if (at === undefined) return record;
        arrivals.delete(record.s3.object.key);
        return { ...record, eventTime: at };
      });
      if (created.length > 0) setImmediate(() => track(deliver(asRealS3Event({ Records: created }))));
    });

    // At start nothing is in flight in this process: whatever was uploaded before it started and has
    // no receipt was interrupted (a kill, a crash), so the first sweep takes it without a grace period.
    if (deliverEvents) {
      track(
        sweepOnce(startedAt).then(
          (outcome) => {
            if (outcome.reprocessed > 0)
              log.warn('uploads left unfinished by the last run were processed', { ...outcome });
          },
          (error) => log.error('the start-up sweep failed; the timer tries again', { error: String(error) }),
        ),
      );
      const interval = options.sweepIntervalMs ?? LOCAL_DEFAULTS.sweepIntervalMs;
      if (interval > 0) {
        timer = setInterval(() => {
          sweepOnce().catch((error) => log.error('the sweep failed', { error: String(error) }));
        }, interval);
        timer.unref();
      }
    }

    const idle = async () => {
      // Uploads lead to ReturnAccepted messages, and a sweep to uploads: wait until all are quiet.
      for (;;) {
        if (pending.size > 0) await Promise.allSettled([...pending]);
        await returnAccepted.idle();
        if (pending.size === 0) return;
      }
    };

    return {
      bucket,
      table,
      sender,
      endpoints,
      clients,
      tableCreated,
      store,
      setAside,
      metrics: () => ({ ...counted }),
      deduplicated: () => returnAccepted.deduplicated,
      sweep: () => sweepOnce(),
      deliver: (s3Event) => {
        const work = deliver(s3Event);
        track(work);
        return work;
      },
      arriveAt: (key, at) => {
        arrivals.set(key, at);
      },
      interrupt: async (name, forMs) => {
        const current = name === 'dynamodb' ? dynamo : ses;
        await current.stop();
        started.splice(started.indexOf(current), 1);
        await (typeof forMs === 'number' ? delay(forMs) : forMs());
        const restarted =
          name === 'dynamodb'
            ? await startDynamo({ port: dynamo.port, directory: dynamoDir })
            : await startSes({ port: ses.port });
        if (name === 'dynamodb') dynamo = restarted;
        else ses = restarted;
        started.push(restarted);
      },
      idle,
      stop: async () => {
        if (timer) clearInterval(timer);
        await reminders?.stop();
        await idle().catch(() => undefined);
        await sweeping?.catch(() => undefined);
        for (const client of Object.values(clients)) client.destroy();
        for (const emulator of started.reverse()) await emulator.stop();
      },
    };
  } catch (error) {
    if (timer) clearInterval(timer);
    for (const emulator of started.reverse()) await emulator.stop().catch(() => undefined);
    throw error;
  }
}

/** An SQS record as Lambda hands it over (the batch processors read these fields). */
function sqsRecord(messageId: string, body: string, groupId?: string): SQSRecord {
  return {
    messageId,
    receiptHandle: messageId,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      ...(groupId ? { MessageGroupId: groupId } : {}),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-2:000000000000:local',
    awsRegion: REGION,
  };
}

function stamp(at: Date): string {
  return at.toISOString().replace(/[:.]/g, '-');
}

export function deadLettersFile(dataDir: string): string {
  return join(dataDir, 'dead-letters.jsonl');
}

/** `returns redrive` locally: the dead letters move to a file the running stack delivers again. */
export function redriveLocalDeadLetters(
  dataDir: string,
  at: Date,
): { uploads: number; returnAccepted: number } {
  const path = deadLettersFile(dataDir);
  if (!existsSync(path)) return { uploads: 0, returnAccepted: 0 };
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  const counts = { uploads: 0, returnAccepted: 0 };
  for (const line of lines) {
    if ((JSON.parse(line) as { queue: string }).queue === 'uploads') counts.uploads++;
    else counts.returnAccepted++;
  }
  const target = join(dataDir, `redrive-${stamp(at)}.jsonl`);
  // A rename: a message is in one file or the other, never both or neither.
  renameSync(path, target);
  return counts;
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

function decodeS3EventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
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
