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
