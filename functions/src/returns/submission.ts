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
export type EmailState = 'pending' | 'sending' | 'sent' | 'failed' | 'not-sent';

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
  readonly status: ReturnStatus;
  readonly dictionaryVersion: string;
  readonly counts: FindingCounts;
  readonly values: ReturnValues;
}
