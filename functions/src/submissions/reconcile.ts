/**
 * The reconciling sweep: nothing sent is left unanswered, whatever died when.
 * Run on a schedule in AWS (EventBridge) and on the local stack at start and
 * on a timer; the same code in both.
 *
 * input: the clock, and how far back to look
 * steps: 1. walk incoming/ a page at a time from where the last run stopped;
 *           every object older than the grace period with no receipt was
 *           never finished: process it again through receiveUpload (the same
 *           path an S3 event takes, so nothing is half-done twice)
 *        2. retry the outbox's due feedback emails, with backoff; one owed for
 *           more than a day is escalated to the operations address, and the
 *           submission shows `email escalated`
 *        3. ask again for any quarter's recompute that was requested and not
 *           done within the grace period (its message was lost)
 * output: what it did, counted
 *
 * Idempotent (each step is the conditional, repeatable step the pipeline runs
 * anyway) and bounded (pages per run, uploads per run, emails per run), so a
 * run never outgrows its timeout; what is left waits for the next run.
 */

import { routeKey, UPLOADS } from '../config/uploads.js';
import { composeUndeliveredNotice } from '../feedback/operations-email.js';
import { deliverFeedback, effectNow } from './deliver-feedback.js';
import { receiptId } from './ports.js';
import { type ReceiveUploadDeps, receiveUpload, storedReport } from './receive-upload.js';

export interface ReconcileDeps extends ReceiveUploadDeps {
  readonly sweep: {
    /** The bucket's name, for the uploads the sweep hands to receiveUpload. */
    readonly bucket: string;
    /** An object younger than this may still have its event in flight. */
    readonly graceSeconds: number;
    /** Feedback still undelivered this long after it was first owed is escalated. */
    readonly escalateAfterSeconds: number;
    /** Where escalations go (the operations address). */
    readonly operationsEmail: readonly string[];
    readonly maxPagesPerRun: number;
    readonly maxUploadsPerRun: number;
    readonly maxEmailsPerRun: number;
    /** True for a key whose event this runtime is handling now (the local stack knows; Lambda does not). */
    readonly inFlight?: (key: string) => boolean;
  };
}

export interface ReconcileOutcome {
  readonly listed: number;
  readonly reprocessed: number;
  readonly failed: number;
  readonly emailsTried: number;
  readonly emailsSent: number;
  readonly escalated: number;
  readonly aggregationsAskedAgain: number;
  /** True when the walk reached the end of incoming/ this run. */
  readonly walkedToEnd: boolean;
}

const PAGE = 1000;

export async function reconcile(
  deps: ReconcileDeps,
  options: { readonly cutoff?: Date } = {},
): Promise<ReconcileOutcome> {
  const now = deps.clock();
  const cutoff = options.cutoff ?? new Date(now.getTime() - deps.sweep.graceSeconds * 1000);
  const uploads = await sweepUploads(deps, cutoff);
  const emails = await sweepOutbox(deps);
  const aggregationsAskedAgain = await sweepAggregations(deps, cutoff);
  const outcome = { ...uploads, ...emails, aggregationsAskedAgain };
  const busy =
    outcome.reprocessed + outcome.failed + outcome.emailsTried + outcome.escalated + aggregationsAskedAgain >
    0;
  // A quiet sweep is the usual case and says nothing; one that found work says what.
  if (busy) deps.log.warn('sweep finished', { ...outcome });
  return outcome;
}

async function sweepUploads(deps: ReconcileDeps, cutoff: Date) {
  const { store, files, log, sweep } = deps;
  let cursor = await store.sweepCursor();
  let listed = 0;
  let reprocessed = 0;
  let failed = 0;
  let walkedToEnd = false;
  pages: for (let page = 0; page < sweep.maxPagesPerRun; page++) {
    const { objects, truncated } = await files.list(UPLOADS.prefix, {
      maxKeys: PAGE,
      ...(cursor ? { startAfter: cursor } : {}),
    });
    listed += objects.length;
    const candidates = objects.filter(
      (object) =>
        object.lastModified < cutoff.toISOString() &&
        routeKey(object.key).route !== 'outside' &&
        !sweep.inFlight?.(object.key),
    );
    const handled = await store.receiptsFor(candidates);
    for (const object of objects) {
      if (candidates.includes(object) && !handled.has(receiptId(object.key, object.etag))) {
        if (reprocessed + failed >= sweep.maxUploadsPerRun) break pages;
        try {
          deps.metrics.count('UploadReprocessed');
          log.warn('an upload had no record; processing it again', { key: object.key });
          await receiveUpload(deps, {
            bucket: sweep.bucket,
            key: object.key,
            size: object.size,
            ...(object.etag ? { etag: object.etag } : {}),
            eventTime: object.lastModified,
            origin: 'sweep',
          });
          reprocessed++;
        } catch (error) {
          // Left without a receipt, so the next run tries again; the rest of the page goes on.
          failed++;
          log.error('processing an upload again failed; the next sweep tries again', {
            key: object.key,
            error: String(error),
          });
        }
      }
      cursor = object.key;
    }
    if (!truncated) {
      walkedToEnd = true;
      cursor = undefined;
      break;
    }
  }
  await store.setSweepCursor(cursor);
  return { listed, reprocessed, failed, walkedToEnd };
}

async function sweepOutbox(deps: ReconcileDeps) {
  const { store, log, reference, sweep } = deps;
  const now = deps.clock();
  let emailsTried = 0;
  let emailsSent = 0;
  let escalated = 0;
  for (const owed of await store.dueEmails(now.toISOString(), sweep.maxEmailsPerRun)) {
    const submission = await store.getSubmission(owed.submissionId);
    if (!submission || ['sent', 'not-sent', 'escalated'].includes(submission.emailState)) {
      await store.settleEmail(owed.submissionId);
      continue;
    }
    const site = reference.sites.find(submission.site);
    const overdue = now.getTime() - Date.parse(owed.since) >= sweep.escalateAfterSeconds * 1000;
    if (!site || overdue) {
      await escalate(deps, submission, site?.name ?? submission.site, owed);
      escalated++;
      continue;
    }
    emailsTried++;
    const report = await storedReport(deps.files, submission);
    const result = await deliverFeedback(
      deps,
      submission,
      site,
      report,
      await effectNow(store, submission, report),
    );
    if (result === 'sent') emailsSent++;
    if (result === 'claimed-elsewhere') {
      // Another worker holds the claim; look again once it would have gone stale.
      await store.rescheduleEmail({
        ...owed,
        nextAttemptAt: new Date(now.getTime() + deps.settings.emailClaimSeconds * 1000).toISOString(),
      });
    }
  }
  if (emailsTried + escalated > 0) log.info('outbox swept', { emailsTried, emailsSent, escalated });
  return { emailsTried, emailsSent, escalated };
}

async function escalate(
  deps: ReconcileDeps,
  submission: Parameters<typeof deliverFeedback>[1],
  siteName: string,
  owed: { since: string; attempts: number; lastError?: string },
): Promise<void> {
  const { store, log, mailer, sweep } = deps;
  deps.metrics.count('FeedbackEmailEscalated', { site: submission.site });
  log.error('feedback undelivered for a day; escalated to the operations address', {
    submissionId: submission.submissionId,
    site: submission.site,
    since: owed.since,
    attempts: owed.attempts,
  });
  try {
    await mailer.send(
      composeUndeliveredNotice({
        operations: sweep.operationsEmail,
        siteName,
        fileName: submission.s3Key.slice(submission.s3Key.lastIndexOf('/') + 1),
        reference: submission.submissionId,
        recipients: submission.emailTo,
        since: owed.since,
        attempts: owed.attempts,
        ...(owed.lastError ? { lastError: owed.lastError } : {}),
      }),
    );
  } catch (error) {
    // The alarm on FeedbackEmailEscalated still reaches the operators through SNS.
    log.error('the escalation email could not be sent either', { error: String(error) });
  }
  await store.finishEmail(submission.submissionId, 'escalated');
  await store.settleEmail(submission.submissionId);
}

async function sweepAggregations(deps: ReconcileDeps, cutoff: Date): Promise<number> {
  let asked = 0;
  for (const request of await deps.store.aggregationRequests()) {
    if (request.requested <= request.computed || request.requestedAt >= cutoff.toISOString()) continue;
    await deps.events.returnAccepted({
      type: 'ReturnAccepted',
      site: 'ALL',
      period: request.period,
      submissionId: `request-${request.requested}`,
      request: request.requested,
    });
    asked++;
  }
  return asked;
}
