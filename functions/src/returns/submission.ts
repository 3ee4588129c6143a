/**
 * The records of what sites sent: each submission (one file, never deleted) and
 * the current return of a site for a quarter (its latest accepted upload).
 * Domain types, shared by the use cases, completeness and the adapters.
 */
import type { ReturnValues } from './return-values.js';

/** What validation made of a return: errors block acceptance, warnings do not. */
export const STATUSES = ['accepted', 'accepted-with-warnings', 'rejected'] as const;
export type ReturnStatus = (typeof STATUSES)[number];

export type SubmissionStatus = ReturnStatus | 'superseded';
/**
 * pending: to send (first try, or waiting in the outbox after a failure);
 * escalated: still undelivered after a day of retries, the operations address told.
 */
export type EmailState = 'pending' | 'sending' | 'sent' | 'failed' | 'not-sent' | 'escalated';

export interface FindingCounts {
  readonly fatal: number;
  readonly errors: number;
  readonly warnings: number;
  readonly unexplainedWarnings: number;
}

/** One file a site sent, and what became of it. Never deleted. */
export interface Submission {
  readonly submissionId: string;
  readonly site: string;
  /** The quarter the return says it is for; undefined when the file could not be read. */
  readonly period?: string;
  readonly s3Key: string;
  readonly etag?: string;
  readonly versionId?: string;
  readonly sha256: string;
  readonly bytes: number;
  /** The upload's time, from S3 (ISO); the later upload of a quarter is current. */
  readonly receivedAt: string;
  readonly sequencer: string;
  readonly status: SubmissionStatus;
  readonly counts: FindingCounts;
  readonly dictionaryVersion?: string;
  readonly archiveKey: string;
  readonly reportKey: string;
  readonly annotatedKey?: string;
  readonly emailState: EmailState;
  readonly emailAttempts: number;
  readonly emailTo: readonly string[];
  /** Who uploaded it, when the upload said (the portal's `uploaded-by` object metadata). */
  readonly uploadedBy?: string;
  /** The annotated copy could not be made (an internal fault); the feedback went without it. */
  readonly annotationFailed?: boolean;
  /** The accepted values; only on accepted submissions. */
  readonly values?: ReturnValues;
}

/** The current return of a site for a quarter: the latest accepted upload. */
export interface CurrentReturn {
  readonly site: string;
  readonly period: string;
  readonly submissionId: string;
  readonly receivedAt: string;
  readonly sequencer: string;
  /**
   * Which upload is latest: the upload's time, then its key and S3's sequencer (S3 orders
   * sequencers only within one key, so two keys in the same millisecond tie-break by name).
   */
  readonly order?: string;
  /**
   * Counts every change of the site's current return for the quarter (1 for the first); the
   * store assigns it. Events carry it, so going back to an earlier file is a new event.
   */
  readonly version?: number;
  readonly status: ReturnStatus;
  readonly dictionaryVersion: string;
  readonly counts: FindingCounts;
  readonly values: ReturnValues;
}

/** An upload nobody could attribute to a site: recorded, shown to staff, never emailed. */
export interface UnroutableUpload {
  readonly key: string;
  /** When S3 says it arrived (ISO). */
  readonly receivedAt: string;
  readonly bytes: number;
  readonly reason: 'no-site-folder' | 'not-a-workbook' | 'unknown-site';
  /** The reason in words, for the status list. */
  readonly why: string;
  readonly etag?: string;
  readonly uploadedBy?: string;
}
