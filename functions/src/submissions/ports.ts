/**
 * The ports of the submission use cases: what they need from storage, the
 * table, email and events, said in the domain's words. Adapters (S3,
 * DynamoDB, SES, SQS, or the local stack's in-process bus) implement them; the
 * use cases never import the AWS SDK, so the same code runs in Lambda, on the
 * local stack and in unit tests.
 */
import type { FeedbackEmail } from '../feedback/feedback-email.js';
import type { ReleaseRecord } from '../publication/release.js';
import type { CurrentReturn, Submission, SubmissionStatus } from '../returns/submission.js';

export interface StoredObject {
  readonly key: string;
  readonly size: number;
  readonly etag?: string;
  readonly versionId?: string;
}

/** The bucket, as the use cases see it. */
export interface ReturnFiles {
  head(key: string): Promise<StoredObject | undefined>;
  read(key: string): Promise<Buffer>;
  write(key: string, bytes: Buffer | string, contentType: string): Promise<void>;
  /** A link anyone holding it can use to download the object, for `expiresInSeconds`. */
  linkTo(key: string, expiresInSeconds: number): Promise<string>;
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
}

export type CurrentUpdate =
  | { readonly outcome: 'now-current'; readonly replaced?: CurrentReturn }
  | { readonly outcome: 'already-current' }
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
  finishEmail(submissionId: string, state: 'sent' | 'pending' | 'failed' | 'not-sent'): Promise<void>;
  /** Makes a sent email due again (the same file sent again and current once more); false if it was not sent. */
  reopenEmail(submissionId: string): Promise<boolean>;
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
