/**
 * Receive one upload: the pipeline's use case, run by the validate-return
 * handler in Lambda and on the local stack alike, and by the reconciling sweep
 * for an upload whose event never finished.
 *
 * input: an Upload (bucket, key, event time, sequencer) from S3's notification
 * steps: route the key (an upload no site can claim is recorded as unroutable)
 *        → head (size cap before download) → read → validate with the site's
 *        accepted history → archive the bytes → write the report and the
 *        annotated workbook (a fault there never blocks the feedback) → record
 *        the submission and owe its email → make it current if it is the latest
 *        accepted upload (superseding the one before) → email the feedback →
 *        ask for the quarter's recompute → note the receipt
 * output: what happened, for the log and the tests
 *
 * S3 delivers events at least once and in no particular order, and a worker
 * can die at any step, so every step can be repeated: the submission ID is
 * derived from the site and the file's SHA-256, every write is conditional, the
 * email is claimed before it is sent and owed in the outbox until it is, and a
 * repeated event (or the sweep, for an object with no receipt) resumes the
 * steps still to do. Nothing is deleted: superseded and rejected submissions
 * stay.
 */
import { createHash } from 'node:crypto';
import { KEYS } from '../config/bucket-layout.js';
import { routeKey, UNROUTABLE_REASONS, type UnroutableReason } from '../config/uploads.js';
import { type Period, parsePeriod } from '../programme/periods.js';
import type { Site } from '../programme/sites.js';
import { DEFAULT_PREFLIGHT_LIMITS, type PreflightLimits } from '../reading/preflight.js';
import {
  type Actor,
  type AuditRecord,
  onUpload,
  type Review,
  type ReviewedSubmission,
} from '../returns/review.js';
import type { CurrentReturn, Submission } from '../returns/submission.js';
import type { HistoricReturn } from '../validation/check-rules.js';
import { reportSchema, type ValidationReport } from '../validation/report.js';
import { tooLargeReport, validateReturn } from '../validation/validate-return.js';
import { XLSX_MEDIA_TYPE } from '../xlsx/package-names.js';
import {
  type DeliverFeedbackDeps,
  deliverFeedback,
  type Effect,
  effectNow,
  fileNameOf,
} from './deliver-feedback.js';
import type { CurrentUpdate, Events, StoredObject, SubmissionStore, Upload } from './ports.js';

export interface ReceiveUploadDeps extends DeliverFeedbackDeps {
  readonly events: Events;
  /**
   * Makes the grant holder's own workbook with the findings marked
   * (feedback/annotate-workbook.ts): a dependency, so a fault in it is
   * contained here and tests can make it fail.
   */
  readonly annotate: (bytes: Buffer, report: ValidationReport) => Promise<Buffer | undefined>;
  readonly settings: DeliverFeedbackDeps['settings'] & { readonly maxUploadBytes: number };
}

export type UploadOutcome =
  | { readonly outcome: 'ignored'; readonly reason: string }
  | { readonly outcome: 'unroutable'; readonly reason: UnroutableReason }
  | { readonly outcome: 'duplicate'; readonly submissionId: string }
  | {
      readonly outcome: 'recorded';
      readonly submission: Submission;
      readonly current: UploadOutcomeCurrent;
    };

/** What a recorded upload did to its quarter; `proposed-revision`: the quarter is signed off, so it waits. */
export type UploadOutcomeCurrent = CurrentUpdate['outcome'] | 'rejected' | 'proposed-revision';

/** Which uploads are returns: `incoming/{SITE}/….xlsx` (see config/uploads.ts). */
export function parseIncomingKey(key: string): { site: string; fileName: string } | undefined {
  const route = routeKey(key);
  return route.route === 'return'
    ? { site: route.siteFolder.toUpperCase(), fileName: route.fileName }
    : undefined;
}

export async function receiveUpload(deps: ReceiveUploadDeps, upload: Upload): Promise<UploadOutcome> {
  const { files, store, log, reference } = deps;
  const route = routeKey(upload.key);
  if (route.route === 'outside') return { outcome: 'ignored', reason: 'not under incoming/' };
  const receipt = async (
    outcome: 'recorded' | 'duplicate' | 'unroutable' | 'ignored',
    head?: StoredObject,
    submissionId?: string,
  ) =>
    store.recordReceipt({
      key: upload.key,
      ...((head?.etag ?? upload.etag) ? { etag: (head?.etag ?? upload.etag) as string } : {}),
      outcome,
      ...(submissionId ? { submissionId } : {}),
      at: deps.clock().toISOString(),
    });
  if (route.route === 'folder') {
    await receipt('ignored');
    return { outcome: 'ignored', reason: 'a folder marker, not a file' };
  }

  const head = await files.head(upload.key);
  if (!head) return { outcome: 'ignored', reason: 'the object no longer exists' };
  const site = route.route === 'return' ? reference.sites.find(route.siteFolder) : undefined;
  if (route.route === 'unroutable' || !site) {
    const reason: UnroutableReason = route.route === 'unroutable' ? route.reason : 'unknown-site';
    // Nobody outside the registry is ever emailed: staff see it in `returns status`, and an alarm fires.
    await store.recordUnroutable({
      key: upload.key,
      receivedAt: upload.eventTime,
      bytes: head.size,
      reason,
      why: UNROUTABLE_REASONS[reason],
      ...(head.etag ? { etag: head.etag } : {}),
      ...(head.uploadedBy ? { uploadedBy: head.uploadedBy } : {}),
    });
    deps.metrics.count('UploadUnroutable', { reason });
    log.warn('an upload could not be routed to a site; recorded for staff', { key: upload.key, reason });
    await receipt('unroutable', head);
    return { outcome: 'unroutable', reason };
  }
  const fileName = (route as { fileName: string }).fileName;

  const limits: PreflightLimits = { ...DEFAULT_PREFLIGHT_LIMITS, maxFileBytes: deps.settings.maxUploadBytes };
  const bytes = head.size > limits.maxFileBytes ? undefined : await files.read(upload.key);
  const sha256 = bytes
    ? createHash('sha256').update(bytes).digest('hex')
    : createHash('sha256')
        .update(`too-large:${upload.key}:${head.etag ?? ''}:${head.size}`)
        .digest('hex');
  const submissionId = `${site.code}-${sha256.slice(0, 16)}`;
  const sequencer = (upload.sequencer ?? '').padStart(20, '0');

  const existing = await store.getSubmission(submissionId);
  if (existing) {
    const outcome = await resume(deps, existing, site, upload, sequencer);
    await receipt(outcome.outcome === 'duplicate' ? 'duplicate' : 'recorded', head, submissionId);
    return outcome;
  }

  const history = await acceptedHistory(store, site.code);
  const report = bytes
    ? await validateReturn(bytes, {
        dictionaries: reference.dictionaries,
        sites: reference.sites,
        programme: reference.programme,
        expectedSite: site.code,
        history,
        now: deps.clock(),
        fileName,
        preflightLimits: limits,
      })
    : tooLargeReport(head.size, limits, fileName, deps.clock());

  // Keep the bytes and the feedback before recording anything: a submission never points at a missing file.
  const periodKey = report.period ?? 'unreadable';
  const archiveKey = KEYS.archive(site.code, periodKey, submissionId);
  const feedbackPrefix = KEYS.feedback(site.code, periodKey, submissionId);
  const reportKey = `${feedbackPrefix}report.json`;
  if (bytes) await files.write(archiveKey, bytes, XLSX);
  await files.write(reportKey, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
  const annotation =
    bytes && report.findings.length > 0 ? await annotateSafely(deps, bytes, report, submissionId) : undefined;
  const annotated = annotation && 'bytes' in annotation ? annotation.bytes : undefined;
  const annotatedKey = annotated ? `${feedbackPrefix}${annotatedName(fileName)}` : undefined;
  if (annotated && annotatedKey) await files.write(annotatedKey, annotated, XLSX);

  const recorded = await store.recordSubmission({
    submissionId,
    site: site.code,
    ...(report.period ? { period: report.period } : {}),
    s3Key: upload.key,
    ...(head.etag ? { etag: head.etag } : {}),
    ...(head.versionId ? { versionId: head.versionId } : {}),
    sha256,
    bytes: head.size,
    receivedAt: upload.eventTime,
    sequencer,
    status: report.status,
    counts: {
      fatal: report.counts.fatal,
      errors: report.counts.errors,
      warnings: report.counts.warnings,
      unexplainedWarnings: report.counts.unexplainedWarnings,
    },
    ...(report.dictionaryVersion ? { dictionaryVersion: report.dictionaryVersion } : {}),
    archiveKey,
    reportKey,
    ...(annotatedKey ? { annotatedKey } : {}),
    ...(annotation && 'failed' in annotation ? { annotationFailed: true } : {}),
    emailState: 'pending',
    emailAttempts: 0,
    emailTo: recipientsFor(site, report),
    ...(head.uploadedBy ? { uploadedBy: head.uploadedBy } : {}),
    ...(report.values ? { values: report.values } : {}),
  });
  // Owed before it is tried: if this worker dies before the email settles, the sweep sends it.
  const now = deps.clock();
  await store.oweEmail({
    submissionId,
    since: now.toISOString(),
    attempts: 0,
    nextAttemptAt: new Date(now.getTime() + deps.settings.emailClaimSeconds * 1000).toISOString(),
  });
  deps.metrics.count(
    report.findings.some((f) => f.severity === 'fatal')
      ? 'UploadRefused'
      : report.status === 'rejected'
        ? 'ReturnRejected'
        : 'ReturnAccepted',
    { site: site.code },
  );
  log.info('submission recorded', {
    submissionId,
    site: site.code,
    period: report.period,
    status: report.status,
  });
  // The copy just written goes out with the email as it is, without reading it back.
  const outcome = await finishSubmission(deps, recorded.submission, site, report, upload, annotated);
  await receipt('recorded', head, submissionId);
  return outcome;
}

/** The annotator's fault is logged and counted, and the feedback goes without the copy. */
async function annotateSafely(
  deps: ReceiveUploadDeps,
  bytes: Buffer,
  report: ValidationReport,
  submissionId: string,
): Promise<{ bytes: Buffer } | { failed: true } | undefined> {
  try {
    // Undefined when there is nothing to annotate (the file could not be read as a workbook).
    const annotated = await deps.annotate(bytes, report);
    return annotated ? { bytes: annotated } : undefined;
  } catch (error) {
    deps.metrics.count('AnnotationFailed');
    deps.log.error('the annotated copy could not be made; the feedback goes without it', {
      submissionId,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
    });
    return { failed: true };
  }
}

/** The same file again: a repeated event resumes what is unfinished; a new upload of it is a duplicate. */
async function resume(
  deps: ReceiveUploadDeps,
  existing: Submission,
  site: Site,
  upload: Upload,
  sequencer: string,
): Promise<UploadOutcome> {
  // The sweep knows an object only by its listing: the same key is the same upload.
  const sameEvent =
    (existing.receivedAt === upload.eventTime && existing.sequencer === sequencer) ||
    (upload.origin === 'sweep' && existing.s3Key === upload.key);
  if (!sameEvent && (existing.emailState === 'sent' || existing.emailState === 'escalated')) {
    return sentAgain(deps, existing, site, upload, sequencer);
  }
  return finishSubmission(deps, existing, site, await storedReport(deps.files, existing), {
    ...upload,
    eventTime: existing.receivedAt,
    key: existing.s3Key,
    sequencer: existing.sequencer,
  });
}

/**
 * A file sent again, byte for byte. If it is already the quarter's current
 * return, nothing changes (one submission, one email). If a different file
 * has been accepted since, the grant holder is going back to this one: by the
 * later upload it becomes current again, the other is superseded, and they
 * hear so.
 */
async function sentAgain(
  deps: ReceiveUploadDeps,
  existing: Submission,
  site: Site,
  upload: Upload,
  sequencer: string,
): Promise<UploadOutcome> {
  const { store, log } = deps;
  const duplicate = (): UploadOutcome => {
    log.info('the same file was uploaded again; nothing changes', {
      submissionId: existing.submissionId,
      key: upload.key,
    });
    return { outcome: 'duplicate', submissionId: existing.submissionId };
  };
  if (existing.status === 'rejected' || !existing.period || !existing.values || !existing.dictionaryVersion)
    return duplicate();
  const report = await storedReport(deps.files, existing);
  if (report.status === 'rejected') return duplicate();
  // Going back to an earlier file is a change like any other: a signed-off quarter holds it for staff.
  const locked = await lockedBySignOff(
    deps,
    { ...existing, status: report.status, receivedAt: upload.eventTime, sequencer },
    upload.key,
  );
  if (locked) {
    log.info('an earlier file was sent again for a signed-off quarter; it waits as a proposed revision', {
      submissionId: existing.submissionId,
    });
    return { outcome: 'recorded', submission: existing, current: 'proposed-revision' };
  }
  const update = await store.offerCurrent({
    site: existing.site,
    period: existing.period,
    submissionId: existing.submissionId,
    receivedAt: upload.eventTime,
    sequencer,
    order: orderOf(upload.eventTime, upload.key, sequencer),
    status: report.status,
    dictionaryVersion: existing.dictionaryVersion,
    counts: existing.counts,
    values: existing.values,
  });
  if (
    update.outcome !== 'now-current' ||
    !update.replaced ||
    update.replaced.submissionId === existing.submissionId
  ) {
    return duplicate();
  }
  await store.setStatus(update.replaced.submissionId, 'superseded');
  await store.setStatus(existing.submissionId, report.status);
  await reviewNewCurrent(deps, { ...existing, status: report.status });
  await announce(deps, existing.site, existing.period, existing.submissionId, update.version);
  log.info('an earlier file was sent again and is current once more', {
    submissionId: existing.submissionId,
    site: site.code,
    period: existing.period,
  });
  if (await store.reopenEmail(existing.submissionId)) {
    const now = deps.clock();
    await store.oweEmail({
      submissionId: existing.submissionId,
      since: now.toISOString(),
      attempts: 0,
      nextAttemptAt: new Date(now.getTime() + deps.settings.emailClaimSeconds * 1000).toISOString(),
    });
    await deliverFeedback(
      deps,
      { ...existing, emailState: 'pending', receivedAt: upload.eventTime, s3Key: upload.key },
      site,
      report,
      {
        kind: 'now-current',
        replacedReceivedAt: update.replaced.receivedAt,
        replacedFileName: await fileNameOf(deps.store, update.replaced.submissionId),
      },
    );
  }
  return { outcome: 'recorded', submission: existing, current: 'now-current' };
}

/** The steps after recording, each safe to repeat. */
async function finishSubmission(
  deps: ReceiveUploadDeps,
  submission: Submission,
  site: Site,
  report: ValidationReport,
  upload: Upload,
  annotatedBytes?: Buffer,
): Promise<UploadOutcome> {
  const { store } = deps;
  let current: UploadOutcomeCurrent = 'rejected';
  let effect: Effect = {
    kind: report.findings.some((f) => f.severity === 'fatal') ? 'unreadable' : 'rejected',
  };

  const locked =
    submission.status !== 'rejected' && submission.period
      ? await lockedBySignOff(deps, { ...submission, status: report.status }, upload.key)
      : undefined;
  if (locked) {
    current = 'proposed-revision';
    effect = { kind: 'proposed-revision', ...(locked.signedOff ? { signedOffAt: locked.signedOff.at } : {}) };
  } else if (
    submission.status !== 'rejected' &&
    submission.period &&
    submission.values &&
    submission.dictionaryVersion
  ) {
    const update = await store.offerCurrent({
      site: submission.site,
      period: submission.period,
      submissionId: submission.submissionId,
      receivedAt: submission.receivedAt,
      sequencer: submission.sequencer,
      order: orderOf(submission.receivedAt, upload.key, submission.sequencer),
      status: report.status,
      dictionaryVersion: submission.dictionaryVersion,
      counts: submission.counts,
      values: submission.values,
    });
    current = update.outcome;
    if (update.outcome === 'older') {
      await store.setStatus(submission.submissionId, 'superseded');
      effect = {
        kind: 'older-than-current',
        currentReceivedAt: update.current.receivedAt,
        currentFileName: await fileNameOf(store, update.current.submissionId),
      };
    } else {
      const replaced = update.outcome === 'now-current' ? update.replaced : undefined;
      if (replaced && replaced.submissionId !== submission.submissionId) {
        await store.setStatus(replaced.submissionId, 'superseded');
      }
      const answersQuery = await reviewNewCurrent(deps, submission);
      effect =
        update.outcome === 'already-current' && submission.emailState !== 'pending'
          ? await effectNow(store, submission, report)
          : {
              kind: 'now-current',
              ...(replaced
                ? {
                    replacedReceivedAt: replaced.receivedAt,
                    replacedFileName: await fileNameOf(store, replaced.submissionId),
                  }
                : {}),
              ...(answersQuery ? { answersQuery } : {}),
            };
      // Published on every pass that finds it current (a repeat resumes a worker that died before
      // publishing); the deduplication ID carries the version, so repeats of one version merge.
      await announce(deps, submission.site, submission.period, submission.submissionId, update.version);
    }
  } else if (submission.period) {
    const standing = await store.currentReturn(submission.site, submission.period);
    if (standing) {
      effect = {
        kind: 'rejected',
        standingReceivedAt: standing.receivedAt,
        standingFileName: await fileNameOf(store, standing.submissionId),
      };
    }
  }

  await deliverFeedback(deps, submission, site, report, effect, annotatedBytes);
  return { outcome: 'recorded', submission, current };
}

/** Who an upload's audit record names: the person the portal signed in, or the site itself. */
function uploader(deps: ReceiveUploadDeps, submission: Submission): Actor {
  const siteName = deps.reference.sites.find(submission.site)?.name ?? submission.site;
  return {
    id: submission.uploadedBy ?? `site:${submission.site}`,
    name: submission.uploadedBy ?? siteName,
    role: 'site',
    site: submission.site,
  };
}

function asReviewed(submission: Submission): ReviewedSubmission {
  return {
    submissionId: submission.submissionId,
    receivedAt: submission.receivedAt,
    status: submission.status,
    unexplainedWarnings: submission.counts.unexplainedWarnings,
  };
}

/**
 * A signed-off quarter is locked: a later accepted upload is recorded as a
 * proposed revision (not current, the summaries unchanged) until staff accept
 * it. Returns the review when the upload was held (now or by an earlier
 * delivery of the same event, which records nothing twice); undefined when the
 * upload goes the usual way.
 */
async function lockedBySignOff(
  deps: ReceiveUploadDeps,
  submission: Submission,
  key: string,
): Promise<Review | undefined> {
  const { store } = deps;
  const period = submission.period as string;
  if (submission.status === 'rejected') return undefined;
  // A lost race with staff reads again: at most a few rounds, each one conditional on the version.
  for (let attempt = 0; attempt < 5; attempt++) {
    const review = await store.review(submission.site, period);
    if (review?.state !== 'signed-off' || review.submissionId === submission.submissionId) return undefined;
    if (review.proposedRevision?.submissionId === submission.submissionId) return review;
    const current = await store.currentReturn(submission.site, period);
    const order = orderOf(submission.receivedAt, key, submission.sequencer);
    const later = !current || (current.order ?? `${current.receivedAt}#${current.sequencer}`) < order;
    const effect = onUpload(
      review,
      { site: submission.site, period, submission: asReviewed(submission), later },
      { actor: uploader(deps, submission), now: deps.clock().toISOString() },
    );
    if (effect.effect !== 'proposed-revision') return undefined;
    const written = await store.writeReview(effect.review, effect.audit, review.version);
    if (written.outcome === 'written') {
      deps.log.info('the quarter is signed off: the upload waits as a proposed revision', {
        submissionId: submission.submissionId,
        site: submission.site,
        period,
      });
      return effect.review;
    }
    if (written.outcome === 'full')
      throw new Error(`the review record of ${submission.site} ${period} is full`);
  }
  throw new Error(`the review of ${submission.site} ${period} kept changing while an upload was recorded`);
}

/**
 * A file that became current moves the quarter's review to it (a corrected
 * file answers a query; it is reviewed afresh), with an audit record. A repeat
 * finds the review already on this file and records nothing. True when the
 * file answered an open query.
 */
async function reviewNewCurrent(deps: ReceiveUploadDeps, submission: Submission): Promise<boolean> {
  const { store } = deps;
  const period = submission.period as string;
  for (let attempt = 0; attempt < 5; attempt++) {
    const review = await store.review(submission.site, period);
    if (!review || review.submissionId === submission.submissionId) return false;
    const now = deps.clock().toISOString();
    const actor = uploader(deps, submission);
    const effect =
      review.state === 'signed-off'
        ? // Signed off between the lock check and this file becoming current: the sign-off was of the
          // file before, so it no longer applies and the new one needs review (said in the record).
          undefined
        : onUpload(
            review,
            { site: submission.site, period, submission: asReviewed(submission), later: true },
            { actor, now },
          );
    const next =
      effect?.effect === 'becomes-current' && effect.audit
        ? { review: effect.review, audit: effect.audit }
        : review.state === 'signed-off'
          ? raceAfterSignOff(review, submission, actor, now)
          : undefined;
    // Nothing the review needs to record (a file the model does not review): say so, write nothing.
    if (!next) {
      deps.log.info('the new current return leaves the review as it is', {
        submissionId: submission.submissionId,
        state: review.state,
      });
      return false;
    }
    const written = await store.writeReview(next.review, next.audit, review.version);
    if (written.outcome === 'written') return review.state === 'queried';
    if (written.outcome === 'full')
      throw new Error(`the review record of ${submission.site} ${period} is full`);
  }
  throw new Error(`the review of ${submission.site} ${period} kept changing while an upload was recorded`);
}

function raceAfterSignOff(
  review: Review,
  submission: Submission,
  actor: Actor,
  now: string,
): { review: Review; audit: AuditRecord } {
  const { query: _query, signedOff: _signedOff, proposedRevision: _proposed, ...base } = review;
  const version = review.version + 1;
  return {
    review: { ...base, submissionId: submission.submissionId, state: 'awaiting-review', version },
    audit: {
      site: review.site,
      period: review.period,
      submissionId: submission.submissionId,
      action: 'upload-current',
      actor,
      at: now,
      text: 'This file arrived while the quarter was being signed off, so it became the current return and the sign-off (of the file before) no longer applies: it needs review.',
      from: review.state,
      to: 'awaiting-review',
      version,
    },
  };
}

/** Asks for the quarter's recompute and tells the aggregator, with the version and request number. */
async function announce(
  deps: ReceiveUploadDeps,
  site: string,
  period: string,
  submissionId: string,
  version: number,
): Promise<void> {
  const request = await deps.store.requestAggregate(period, deps.clock().toISOString());
  await deps.events.returnAccepted({ type: 'ReturnAccepted', site, period, submissionId, version, request });
}

/**
 * The order of uploads for one site and quarter: S3's event time (milliseconds),
 * then the key and S3's sequencer. Sequencers are ordered only within one key,
 * so between two keys in the same millisecond the name decides: arbitrary but
 * the same every time, which is what a tie needs.
 */
function orderOf(receivedAt: string, key: string, sequencer: string): string {
  return `${receivedAt}#${key}#${sequencer}`;
}

/** The validation report stored beside a submission, for steps resumed after a restart. */
export async function storedReport(
  files: ReceiveUploadDeps['files'],
  submission: Submission,
): Promise<ValidationReport> {
  return reportSchema.parse(
    JSON.parse((await files.read(submission.reportKey)).toString('utf8')),
  ) as ValidationReport;
}

/** The site's registered contacts, and the return's own contact when it gave a valid address. */
function recipientsFor(site: Site, report: ValidationReport): string[] {
  const all = [...site.contacts, ...(report.contactEmails ?? [])];
  const seen = new Set<string>();
  return all.filter((address) => {
    const key = address.trim().toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The site's accepted returns, as validation's history (R04, R14). */
async function acceptedHistory(store: SubmissionStore, site: string): Promise<HistoricReturn[]> {
  const current = await store.siteHistory(site);
  return current.flatMap((entry: CurrentReturn) => {
    const parsed = parsePeriod(entry.period);
    return 'period' in parsed ? [{ period: parsed.period as Period, values: entry.values }] : [];
  });
}

function annotatedName(fileName: string): string {
  return `${fileName.replace(/\.xlsx$/i, '')} - with feedback.xlsx`;
}

const XLSX = XLSX_MEDIA_TYPE;
