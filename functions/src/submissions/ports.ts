/**
 * The ports of the submission use cases: what they need from storage, the
 * table, email and events, said in the domain's words. Adapters (S3,
 * DynamoDB, SES, SQS, or the local stack's in-process bus) implement them; the
 * use cases never import the AWS SDK, so the same code runs in Lambda, on the
 * local stack and in unit tests.
 */
import type { FeedbackEmail } from '../feedback/feedback-email.js';
import type { ReleaseRecord } from '../publication/release.js';
import type { AuditRecord, Review } from '../returns/review.js';
import type {
  CurrentReturn,
  EmailState,
  Submission,
  SubmissionStatus,
  UnroutableUpload,
} from '../returns/submission.js';

export interface StoredObject {
  readonly key: string;
  readonly size: number;
  readonly etag?: string;
  readonly versionId?: string;
  /** The uploader, from the object's `uploaded-by` metadata (the portal sets it). */
  readonly uploadedBy?: string;
}

/** One object of a listing. */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly etag?: string;
  /** ISO. */
  readonly lastModified: string;
}

/** The bucket, as the use cases see it. */
export interface ReturnFiles {
  head(key: string): Promise<StoredObject | undefined>;
  read(key: string): Promise<Buffer>;
  write(key: string, bytes: Buffer | string, contentType: string): Promise<void>;
  /** A link anyone holding it can use to download the object, for `expiresInSeconds`. */
  linkTo(key: string, expiresInSeconds: number): Promise<string>;
  /** One page of the objects under a prefix, in key order, after `startAfter`. */
  list(
    prefix: string,
    options: { readonly startAfter?: string; readonly maxKeys: number },
  ): Promise<{ objects: ListedObject[]; truncated: boolean }>;
}

/** One upload as S3 announced it. Delivery is at least once and in no particular order. */
export interface Upload {
  readonly bucket: string;
  readonly key: string;
  readonly size?: number;
  readonly etag?: string;
  readonly versionId?: string;
  /** When S3 says the object was created (ISO). */
  readonly eventTime: string;
  /** S3's ordering token for events on one key: hex, compared after left-padding. */
  readonly sequencer?: string;
  /** `sweep` when the reconciling sweep found it unhandled (its time is the object's LastModified). */
  readonly origin?: 'notification' | 'sweep';
}

/**
 * What became of one object under incoming/, written once it is fully handled
 * (recorded and its email attempted, or recorded as unroutable, or ignored). An
 * object with no receipt after the grace period was never finished: the sweep
 * processes it again.
 */
export interface UploadReceipt {
  readonly key: string;
  readonly etag?: string;
  readonly outcome: 'recorded' | 'duplicate' | 'unroutable' | 'ignored';
  readonly submissionId?: string;
  readonly at: string;
}

/** A feedback email still owed: the outbox entry the sweep retries with backoff. */
export interface OwedEmail {
  readonly submissionId: string;
  /** When it was first owed (ISO): a day after, it is escalated. */
  readonly since: string;
  readonly attempts: number;
  /** Not retried before this (ISO). */
  readonly nextAttemptAt: string;
  readonly lastError?: string;
}

/** A quarter's recompute, asked for and done: `requested > computed` means one is pending. */
export interface AggregationRequest {
  readonly period: string;
  readonly requested: number;
  readonly computed: number;
  readonly requestedAt: string;
}

/** What offering a return as current did; `version` is the current return's version after it. */
export type CurrentUpdate =
  | { readonly outcome: 'now-current'; readonly replaced?: CurrentReturn; readonly version: number }
  | { readonly outcome: 'already-current'; readonly version: number }
  | { readonly outcome: 'older'; readonly current: CurrentReturn };

/** The table, as the use cases see it. Every write is conditional, so repeats are harmless. */
export interface SubmissionStore {
  getSubmission(submissionId: string): Promise<Submission | undefined>;
  /** Records a submission unless it exists; returns the stored one either way. */
  recordSubmission(submission: Submission): Promise<{ created: boolean; submission: Submission }>;
  /** Makes an accepted submission current if it is the latest upload for its site and quarter. */
  offerCurrent(candidate: CurrentReturn): Promise<CurrentUpdate>;
  setStatus(submissionId: string, status: SubmissionStatus): Promise<void>;
  /** Claims the right to send a submission's email; false when another worker has it or it is sent. */
  claimEmail(submissionId: string, now: string, staleAfterSeconds: number): Promise<boolean>;
  finishEmail(submissionId: string, state: Exclude<EmailState, 'sending'>): Promise<void>;
  /** Makes a sent email due again (the same file sent again and current once more); false if it was not sent. */
  reopenEmail(submissionId: string): Promise<boolean>;
  /** One site's current return for a quarter, if any. */
  currentReturn(site: string, period: string): Promise<CurrentReturn | undefined>;
  /** The current returns of every site for a quarter: one query. */
  currentReturns(period: string): Promise<CurrentReturn[]>;
  /** A site's current returns for every quarter, oldest first: its accepted history. */
  siteHistory(site: string): Promise<CurrentReturn[]>;
  /** A site's submissions, optionally for one quarter, oldest first. */
  siteSubmissions(site: string, period?: string): Promise<Submission[]>;
  /** Every submission and current return of a financial year: completeness in one query. */
  yearOverview(year: string): Promise<{ submissions: Submission[]; current: CurrentReturn[] }>;
  /** Stores a quarter's programme aggregates, replacing any earlier computation. */
  putAggregate(aggregate: PeriodAggregate): Promise<void>;
  getAggregate(period: string): Promise<PeriodAggregate | undefined>;
  /**
   * Claims the right to send one notice (a reminder, chaser or digest) once: true for the first
   * caller, or when an earlier claim was released or went stale (its sender died); false otherwise.
   */
  claimNotice(notice: Notice, now: string, staleAfterSeconds: number): Promise<boolean>;
  /** After a claim: 'sent' keeps it forever; 'released' lets the next run try again. */
  finishNotice(notice: NoticeKey, outcome: 'sent' | 'released', now: string): Promise<void>;
  /** Every notice claimed for a quarter (sent, being sent or released): one query. */
  notices(period: string): Promise<NoticeRecord[]>;

  /** Notes an object under incoming/ as handled (a repeat overwrites with the same facts). */
  recordReceipt(receipt: UploadReceipt): Promise<void>;
  /** Which of these objects have a receipt, as `receiptId(key, etag)`. */
  receiptsFor(objects: ReadonlyArray<{ key: string; etag?: string }>): Promise<Set<string>>;
  /** Records an upload nobody could route (a repeat is harmless). */
  recordUnroutable(upload: UnroutableUpload): Promise<void>;
  /** Every unroutable upload, newest first: what `returns status` (and the portal) show staff. */
  unroutableUploads(): Promise<UnroutableUpload[]>;

  /** Puts a feedback email in the outbox unless it is there already (a repeat keeps its history). */
  oweEmail(entry: OwedEmail): Promise<void>;
  /** Replaces an outbox entry after a failed attempt. */
  rescheduleEmail(entry: OwedEmail): Promise<void>;
  /** Outbox entries due by `now`, oldest due first, at most `limit`. */
  dueEmails(now: string, limit: number): Promise<OwedEmail[]>;
  /** Every outbox entry (for status and tests). */
  owedEmails(): Promise<OwedEmail[]>;
  /** Takes an email out of the outbox (sent, not needed, or escalated). */
  settleEmail(submissionId: string): Promise<void>;

  /**
   * Asks for a quarter's recompute; returns the request's number. Many requests before the
   * recompute starts are answered by one run: the run covers every request up to the number
   * it read when it began.
   */
  requestAggregate(period: string, at: string): Promise<number>;
  /** Records that the quarter's figures now cover every request up to `request`. */
  markAggregated(period: string, request: number): Promise<void>;
  aggregationRequests(): Promise<AggregationRequest[]>;

  /** A site-quarter's review; undefined until someone first acts on it (then: awaiting review, version 0). */
  review(site: string, period: string): Promise<Review | undefined>;
  /** Every review of a financial year (`2025-26`), without their trails: one query, for completeness. */
  yearReviews(year: string): Promise<Review[]>;
  /** A site-quarter's audit trail, oldest first. */
  reviewTrail(site: string, period: string): Promise<AuditRecord[]>;
  /**
   * Writes a review and its audit record together, only if the stored review is still at
   * `expectedVersion` (0: none stored yet). A lost race returns what is stored now and the
   * actions recorded since, so the caller can say who did what.
   */
  writeReview(review: Review, audit: AuditRecord, expectedVersion: number): Promise<ReviewWrite>;

  /** Where the sweep's walk through incoming/ continues next run (undefined: from the start). */
  sweepCursor(): Promise<string | undefined>;
  setSweepCursor(afterKey: string | undefined): Promise<void>;
}

/** What writing a review decision did. */
export type ReviewWrite =
  | { readonly outcome: 'written'; readonly review: Review }
  /** Someone else wrote first: the review as it stands and what was recorded after the version expected. */
  | { readonly outcome: 'conflict'; readonly review?: Review; readonly since: readonly AuditRecord[] }
  /** The quarter's record holds as much as one item can: nothing was written. */
  | { readonly outcome: 'full' };

/** A receipt's identity: the key and the object's content hash (the same key may be uploaded again). */
export function receiptId(key: string, etag?: string): string {
  return `${key}\n${(etag ?? '').replaceAll('"', '')}`;
}

export type NoticeKind = 'reminder' | 'chaser' | 'digest';

/** Which notice: reminders and chasers are per site and quarter; a digest per week (its Monday). */
export interface NoticeKey {
  readonly kind: NoticeKind;
  /** The quarter it is about; a digest is filed under the quarter its week starts in. */
  readonly period: string;
  /** The site, for a reminder or chaser; the week's Monday (ISO date) for a digest. */
  readonly about: string;
}

export interface Notice extends NoticeKey {
  readonly to: readonly string[];
  readonly subject: string;
}

export interface NoticeRecord extends Notice {
  readonly state: 'sending' | 'sent' | 'released';
  readonly claimedAt: string;
  readonly finishedAt?: string;
  readonly attempts: number;
}

/** A quarter's programme figures as last computed, and the current returns they came from. */
export interface PeriodAggregate {
  readonly period: string;
  readonly computedAt: string;
  /** The current returns used, as `site:submissionId`, sorted: equal fingerprints mean equal inputs. */
  readonly fingerprint: string;
  readonly returns: number;
  readonly figures: unknown;
}

export interface Mailer {
  send(email: FeedbackEmail): Promise<void>;
}

/** Published when a quarter's set of current returns changes; the summaries recompute that quarter. */
export interface ReturnAccepted {
  readonly type: 'ReturnAccepted';
  readonly site: string;
  readonly period: string;
  readonly submissionId: string;
  /** The site's current-return version for the quarter: a new one whenever the current return changes. */
  readonly version?: number;
  /** The aggregation request it asks to be answered (requestAggregate). */
  readonly request?: number;
}

/**
 * The FIFO deduplication ID of a ReturnAccepted: one recompute request of one current return
 * (site, quarter, version) is one message within SQS's five-minute window, and A→B→A is three.
 * The request number is part of it: every publish first takes a new number, and a message
 * merged away would leave that number asked for and never answered (a repeated event of the
 * same version did, until the sweep asked again after its grace period). A repeat costs one
 * recompute, or one read when a later one already covered it.
 */
export function returnAcceptedDeduplicationId(event: ReturnAccepted): string {
  const request = event.request === undefined ? '' : `.r${event.request}`;
  return `${event.period}.${event.site}.v${event.version ?? 0}${request}.${event.submissionId}`.slice(0, 128);
}

export interface Events {
  returnAccepted(event: ReturnAccepted): Promise<void>;
}

export interface Log {
  info(message: string, detail?: Record<string, unknown>): void;
  warn(message: string, detail?: Record<string, unknown>): void;
  error(message: string, detail?: Record<string, unknown>): void;
}

/**
 * The release records. A release exists when its record does: the record is
 * written last, with a condition on its number, so two publications at once
 * give one release and a clear answer to the other.
 */
export interface ReleaseStore {
  /** Every release of a quarter (`2025-26-Q3`) or a year to date (`2025-26`), oldest first. */
  listReleases(period: string): Promise<ReleaseRecord[]>;
  /** Records a release unless its number is taken; then says which release holds it. */
  recordRelease(
    record: ReleaseRecord,
  ): Promise<{ readonly recorded: true } | { readonly recorded: false; readonly holder?: ReleaseRecord }>;
}

/** What the pipeline counts (CloudWatch EMF in AWS; the log locally). Names are the alarms' names. */
export type MetricName =
  | 'ReturnAccepted'
  | 'ReturnRejected'
  | 'UploadRefused'
  | 'UploadUnroutable'
  | 'AnnotationFailed'
  | 'FeedbackEmailFailed'
  | 'FeedbackEmailEscalated'
  | 'UploadReprocessed';

export interface Metrics {
  count(name: MetricName, dimensions?: Record<string, string>): void;
}

/** Metrics that go nowhere (unit tests, the CLI). */
export const NO_METRICS: Metrics = { count: () => undefined };
