/**
 * A submission: what became of one file a site sent, and what to fix.
 *
 * input: the period and submission ID from the path (checked, never trusted)
 * steps: the submission (its site must be the principal's, else not found) →
 *        its stored validation report → findings in the order a person fixes
 *        them: what stopped the file being read, then errors, then warnings,
 *        each warning with whether the return explains it
 * output: the submission, counts first, then the findings
 */
import { describePeriod, parsePeriod } from '../programme/periods.js';
import type { ReferenceData } from '../reference/reference-data.js';
import {
  type AuditRecord,
  allowedActions,
  REVIEW_STATE_LABELS,
  type Review,
  type ReviewAction,
  type ReviewState,
  startReview,
} from '../returns/review.js';
import type { Submission } from '../returns/submission.js';
import type { ValidationReport } from '../validation/report.js';
import { NotFound } from './authorise.js';
import type { PortalData } from './portal-data.js';
import { submissionOutcome, type Tone, uploaderOf } from './your-returns.js';

export type ReportFinding = ValidationReport['findings'][number];

/** The path segment of a submission whose quarter could not be read (as the archive keys name it). */
export const UNREADABLE_PERIOD = 'unreadable';

export interface SubmissionView {
  readonly submission: Submission;
  readonly siteName: string;
  readonly periodPath: string;
  readonly periodTitle: string;
  readonly outcome: string;
  readonly tone: Tone;
  readonly uploadedBy?: string;
  readonly counts: ValidationReport['counts'];
  readonly unreadable: readonly ReportFinding[];
  readonly errors: readonly ReportFinding[];
  readonly warnings: readonly ReportFinding[];
  readonly checksNotRun: ValidationReport['checksNotRun'];
  readonly canDownloadAnnotated: boolean;
  readonly canDownloadOriginal: boolean;
  /** The quarter's review, when this file is (or was, or may become) the accepted return. */
  readonly review?: ReviewPanel;
}

/** What the submission page shows of the quarter's review, and what the person may do. */
export interface ReviewPanel {
  readonly state: ReviewState;
  /** In words, for this file: "signed off", "queried", "awaiting review", or why it is not under review. */
  readonly summary: string;
  readonly version: number;
  /** This file is the quarter's current return (the one the review is about). */
  readonly isCurrent: boolean;
  /** This file waits as a proposed revision of a signed-off quarter. */
  readonly isProposed: boolean;
  readonly currentSubmissionId?: string;
  readonly query?: Review['query'];
  readonly signedOff?: Review['signedOff'];
  readonly proposedRevision?: Review['proposedRevision'];
  /** Every action on the quarter, newest first. */
  readonly trail: readonly AuditRecord[];
  /** The forms to offer this person on this page. */
  readonly actions: readonly ReviewAction['kind'][];
  /** Unexplained warnings on the current return: staff must say why they sign it off anyway. */
  readonly unexplainedWarnings: number;
}

export function periodPathOf(submission: Submission): string {
  return submission.period ?? UNREADABLE_PERIOD;
}

export async function findSubmission(
  data: PortalData,
  periodPath: string,
  submissionId: string,
): Promise<Submission> {
  const submission = await data.submission(submissionId);
  // The quarter in the link must be the submission's own: one address per submission.
  if (periodPathOf(submission) !== periodPath) throw new NotFound();
  return submission;
}

export async function viewSubmission(
  data: PortalData,
  reference: ReferenceData,
  periodPath: string,
  submissionId: string,
): Promise<SubmissionView> {
  const submission = await findSubmission(data, periodPath, submissionId);
  const report = await data.report(submission);
  const parsed = submission.period ? parsePeriod(submission.period) : undefined;
  const findings = report.findings;
  const uploadedBy = uploaderOf(submission) ?? (await uploaderFromObject(data, submission));
  const review = await reviewPanel(data, submission);
  return {
    submission,
    siteName: reference.sites.find(submission.site)?.name ?? submission.site,
    periodPath,
    periodTitle: parsed && 'period' in parsed ? describePeriod(parsed.period) : 'quarter not known',
    ...submissionOutcome(submission),
    ...(uploadedBy ? { uploadedBy } : {}),
    counts: report.counts,
    unreadable: findings.filter((finding) => finding.severity === 'fatal'),
    errors: findings.filter((finding) => finding.severity === 'error'),
    warnings: findings.filter((finding) => finding.severity === 'warning'),
    checksNotRun: report.checksNotRun,
    canDownloadAnnotated: submission.annotatedKey !== undefined,
    // A file over the size cap was never kept; every other file was archived as sent.
    canDownloadOriginal: report.file.sha256 !== undefined,
    ...(review ? { review } : {}),
  };
}

async function reviewPanel(data: PortalData, submission: Submission): Promise<ReviewPanel | undefined> {
  if (!submission.period || submission.status === 'rejected') return undefined;
  const found = await data.reviewOf(submission.site, submission.period);
  if (!found?.current) return undefined;
  const { current, trail } = found;
  const review = found.review ?? startReview(submission.site, submission.period, current.submissionId);
  const isCurrent = review.submissionId === submission.submissionId;
  const isProposed = review.proposedRevision?.submissionId === submission.submissionId;
  const actor = data.actor;
  const possible = actor ? allowedActions(review, actor) : [];
  // Settling a revision is offered on either file's page; everything else only on the current return's.
  const actions = possible.filter((kind) =>
    kind === 'accept-revision' || kind === 'decline-revision' ? isCurrent || isProposed : isCurrent,
  );
  const state = REVIEW_STATE_LABELS[review.state];
  const summary = isCurrent
    ? review.state === 'signed-off'
      ? review.proposedRevision
        ? 'Signed off; a later file waits as a proposed revision'
        : 'Signed off'
      : review.state === 'queried'
        ? 'Queried by the funder'
        : 'Accepted, awaiting the funder’s review'
    : isProposed
      ? 'Proposed revision: waiting for the funder to accept it'
      : `Not under review: another file is the current return (${state})`;
  return {
    state: review.state,
    summary,
    version: review.version,
    isCurrent,
    isProposed,
    currentSubmissionId: current.submissionId,
    ...(review.query ? { query: review.query } : {}),
    ...(review.signedOff ? { signedOff: review.signedOff } : {}),
    ...(review.proposedRevision ? { proposedRevision: review.proposedRevision } : {}),
    trail: [...trail].reverse(),
    actions,
    unexplainedWarnings: current.counts.unexplainedWarnings,
  };
}

/**
 * Until the pipeline records the uploader on the submission, it is on the
 * uploaded object's metadata (x-amz-meta-uploaded-by), for uploads the portal
 * issued (keys it chose; files sent by other means have none).
 */
async function uploaderFromObject(data: PortalData, submission: Submission): Promise<string | undefined> {
  if (!/^incoming\/[A-Z]{3}\/[0-9a-f-]{36}\.xlsx$/.test(submission.s3Key)) return undefined;
  const stored = await data.head(submission.s3Key);
  return stored?.metadata['uploaded-by'] || undefined;
}

/** A link to download the annotated copy or the file as sent, signed now for a short time. */
export async function submissionDownload(
  data: PortalData,
  periodPath: string,
  submissionId: string,
  which: 'annotated' | 'original',
  expiresInSeconds: number,
): Promise<string> {
  const submission = await findSubmission(data, periodPath, submissionId);
  const name = `${submission.site} ${submission.period ?? 'return'}`;
  if (which === 'annotated') {
    if (!submission.annotatedKey) throw new NotFound();
    return data.signDownload(submission.annotatedKey, `${name} - with feedback.xlsx`, expiresInSeconds);
  }
  const archived = await data.head(submission.archiveKey);
  if (!archived) throw new NotFound();
  return data.signDownload(submission.archiveKey, `${name} - as sent.xlsx`, expiresInSeconds);
}
