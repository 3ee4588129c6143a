/**
 * Send a submission's feedback email, through the outbox: the step the upload
 * and the reconciling sweep share.
 *
 * input: a recorded submission, its report and what it did to the quarter
 * steps: claim the email (one sender at a time) → compose (attach the annotated
 *        copy when small enough) → send → mark sent and settle the outbox entry;
 *        on failure mark it pending and reschedule the entry with backoff
 * output: whether it went
 *
 * A failed send never fails the upload: the submission is recorded and stands,
 * and the sweep retries the outbox entry (for up to a day, then escalates).
 * Retrying by redelivering the whole upload event would give up after a few
 * minutes and leave the grant holder untold.
 */
import { basename } from 'node:path';
import { composeFeedbackEmail, type FeedbackContext } from '../feedback/feedback-email.js';
import { today } from '../programme/periods.js';
import type { Site } from '../programme/sites.js';
import type { ReferenceData } from '../reference/reference-data.js';
import type { Submission } from '../returns/submission.js';
import type { ValidationReport } from '../validation/report.js';
import type { Log, Mailer, Metrics, ReturnFiles, SubmissionStore } from './ports.js';

export interface DeliverFeedbackDeps {
  readonly files: ReturnFiles;
  readonly store: SubmissionStore;
  readonly mailer: Mailer;
  readonly log: Log;
  readonly metrics: Metrics;
  readonly reference: ReferenceData;
  readonly clock: () => Date;
  readonly settings: {
    /** How long the link to the annotated workbook works. */
    readonly feedbackLinkDays: number;
    /** After this long a claimed but unfinished email may be claimed again. */
    readonly emailClaimSeconds: number;
    /** The first retry's delay; each later one doubles, up to an hour. */
    readonly emailRetrySeconds: number;
  };
}

export type Effect = FeedbackContext['effect'];

export async function deliverFeedback(
  deps: DeliverFeedbackDeps,
  submission: Submission,
  site: Site,
  report: ValidationReport,
  effect: Effect,
  annotatedBytes?: Buffer,
): Promise<'sent' | 'not-needed' | 'claimed-elsewhere' | 'failed'> {
  const { store, mailer, files, log, reference, settings } = deps;
  if (
    submission.emailState === 'sent' ||
    submission.emailState === 'not-sent' ||
    submission.emailState === 'escalated'
  ) {
    await store.settleEmail(submission.submissionId);
    return 'not-needed';
  }
  const now = deps.clock();
  if (!(await store.claimEmail(submission.submissionId, now.toISOString(), settings.emailClaimSeconds)))
    return 'claimed-elsewhere';
  if (submission.emailTo.length === 0) {
    await store.finishEmail(submission.submissionId, 'not-sent');
    await store.settleEmail(submission.submissionId);
    return 'not-needed';
  }
  const linkSeconds = settings.feedbackLinkDays * 86_400;
  // The copy travels with the email when it is small enough, so it outlives any link (a presigned
  // link made with a Lambda role's temporary credentials stops working when they expire).
  const annotated = submission.annotatedKey
    ? await annotatedCopy(files, submission.annotatedKey, annotatedBytes)
    : undefined;
  const email = composeFeedbackEmail({
    report,
    site,
    programme: reference.programme,
    recipients: submission.emailTo,
    fileName: basename(submission.s3Key),
    receivedAt: submission.receivedAt,
    ...(submission.annotatedKey
      ? { annotatedLink: await files.linkTo(submission.annotatedKey, linkSeconds) }
      : {}),
    ...(annotated ? { annotated } : {}),
    ...(submission.annotationFailed ? { annotatedUnavailable: true } : {}),
    ...(report.dictionaryVersion
      ? { dictionary: reference.dictionaries.find(report.dictionaryVersion) }
      : {}),
    reference: submission.submissionId,
    effect,
    today: today(now),
  });
  try {
    await mailer.send(email);
  } catch (error) {
    // The submission stands; the outbox entry brings the email back after a delay.
    await store.finishEmail(submission.submissionId, 'pending');
    const owed = (await store.owedEmails()).find((entry) => entry.submissionId === submission.submissionId);
    const attempts = (owed?.attempts ?? 0) + 1;
    const nextAttemptAt = new Date(
      deps.clock().getTime() + retryDelaySeconds(attempts, settings.emailRetrySeconds) * 1000,
    ).toISOString();
    await store.rescheduleEmail({
      submissionId: submission.submissionId,
      since: owed?.since ?? now.toISOString(),
      attempts,
      nextAttemptAt,
      lastError: describe(error).slice(0, 500),
    });
    deps.metrics.count('FeedbackEmailFailed', { site: site.code });
    log.error('feedback email failed; the outbox will retry it', {
      submissionId: submission.submissionId,
      attempts,
      nextAttemptAt,
      error: describe(error),
    });
    return 'failed';
  }
  await store.finishEmail(submission.submissionId, 'sent');
  await store.settleEmail(submission.submissionId);
  log.info('feedback email sent', {
    submissionId: submission.submissionId,
    to: email.to.length,
    subject: email.subject,
  });
  return 'sent';
}

/** Backoff: the base, doubling with each failed attempt, never more than an hour apart. */
export function retryDelaySeconds(attempts: number, baseSeconds: number): number {
  return Math.min(3600, baseSeconds * 2 ** Math.max(0, attempts - 1));
}

/** The annotated copy to attach, if small enough: the bytes in hand, or read back on a resumed attempt. */
async function annotatedCopy(
  files: ReturnFiles,
  key: string,
  inHand: Buffer | undefined,
): Promise<{ fileName: string; content: Buffer } | undefined> {
  const size = inHand?.length ?? (await files.head(key))?.size;
  if (size === undefined || size > MAX_ATTACHMENT_BYTES) return undefined;
  return { fileName: basename(key), content: inHand ?? (await files.read(key)) };
}

/**
 * What a submission means for its quarter now, for an email sent later than
 * its upload (a retry): current, outdone by a later return, or rejected with
 * an earlier return standing.
 */
export async function effectNow(
  store: SubmissionStore,
  submission: Submission,
  report: ValidationReport,
): Promise<Effect> {
  if (report.findings.some((finding) => finding.severity === 'fatal')) return { kind: 'unreadable' };
  const current = submission.period
    ? await store.currentReturn(submission.site, submission.period)
    : undefined;
  if (report.status === 'rejected')
    return {
      kind: 'rejected',
      ...(current && current.submissionId !== submission.submissionId
        ? {
            standingReceivedAt: current.receivedAt,
            standingFileName: await fileNameOf(store, current.submissionId),
          }
        : {}),
    };
  if (current && current.submissionId !== submission.submissionId && submission.period) {
    const review = await store.review(submission.site, submission.period);
    if (review?.proposedRevision?.submissionId === submission.submissionId)
      return {
        kind: 'proposed-revision',
        ...(review.signedOff ? { signedOffAt: review.signedOff.at } : {}),
      };
  }
  if (current && current.submissionId !== submission.submissionId)
    return {
      kind: 'older-than-current',
      currentReceivedAt: current.receivedAt,
      currentFileName: await fileNameOf(store, current.submissionId),
    };
  return { kind: 'now-current' };
}

/** The name a submission's file was uploaded as, so an email can say which file it means. */
export async function fileNameOf(store: SubmissionStore, submissionId: string): Promise<string | undefined> {
  const submission = await store.getSubmission(submissionId);
  return submission ? basename(submission.s3Key) : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** SES accepts messages up to 40 MB once encoded; a workbook this size leaves ample room. */
const MAX_ATTACHMENT_BYTES = 7 * 1024 * 1024;
