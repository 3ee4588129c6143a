/**
 * Receive one upload: the pipeline's use case, run by the validate-return
 * handler in Lambda and on the local stack alike.
 *
 * input: an Upload (bucket, key, event time, sequencer) from S3's notification
 * steps: check the key → head (size cap before download) → read → validate with
 *        the site's accepted history → archive the bytes → write the report and
 *        the annotated workbook → record the submission → make it current if it
 *        is the latest accepted upload (superseding the one before) → email the
 *        feedback → publish ReturnAccepted
 * output: what happened, for the log and the tests
 *
 * S3 delivers events at least once and in no particular order, and a worker
 * can die at any step, so every step can be repeated: the submission ID is
 * derived from the site and the file's SHA-256, every write is conditional, the
 * email is claimed before it is sent, and a repeated event resumes the steps
 * still to do. Nothing is deleted: superseded and rejected submissions stay.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { KEYS } from '../config/bucket-layout.js';
import { annotateWorkbook } from '../feedback/annotate-workbook.js';
import { composeFeedbackEmail, type FeedbackContext } from '../feedback/feedback-email.js';
import { type Period, parsePeriod, today } from '../programme/periods.js';
import type { Site } from '../programme/sites.js';
import { DEFAULT_PREFLIGHT_LIMITS, type PreflightLimits } from '../reading/preflight.js';
import type { ReferenceData } from '../reference/reference-data.js';
import type { CurrentReturn, Submission } from '../returns/submission.js';
import type { HistoricReturn } from '../validation/check-rules.js';
import { reportSchema, type ValidationReport } from '../validation/report.js';
import { tooLargeReport, validateReturn } from '../validation/validate-return.js';
import { XLSX_MEDIA_TYPE } from '../xlsx/package-names.js';
import type { CurrentUpdate, Events, Log, Mailer, ReturnFiles, SubmissionStore, Upload } from './ports.js';

export interface ReceiveUploadDeps {
  readonly files: ReturnFiles;
  readonly store: SubmissionStore;
  readonly mailer: Mailer;
  readonly events: Events;
  readonly log: Log;
  readonly reference: ReferenceData;
  readonly clock: () => Date;
  readonly settings: {
    readonly maxUploadBytes: number;
    /** How long the link to the annotated workbook works. */
    readonly feedbackLinkDays: number;
    /** After this long a claimed but unfinished email may be claimed again. */
    readonly emailClaimSeconds: number;
  };
}

export type UploadOutcome =
  | { readonly outcome: 'ignored'; readonly reason: string }
  | { readonly outcome: 'unknown-site'; readonly site: string }
  | { readonly outcome: 'duplicate'; readonly submissionId: string }
  | {
      readonly outcome: 'recorded';
      readonly submission: Submission;
      readonly current: CurrentUpdate['outcome'] | 'rejected';
    };

const INCOMING = /^incoming\/([^/]+)\/(.+\.xlsx)$/i;

/** Which uploads are returns: `incoming/{SITE}/….xlsx`, as the bucket notification filters them. */
export function parseIncomingKey(key: string): { site: string; fileName: string } | undefined {
  const match = INCOMING.exec(key);
  return match
    ? { site: (match[1] as string).toUpperCase(), fileName: basename(match[2] as string) }
    : undefined;
}

export async function receiveUpload(deps: ReceiveUploadDeps, upload: Upload): Promise<UploadOutcome> {
  const { files, store, log, reference } = deps;
  const incoming = parseIncomingKey(upload.key);
  if (!incoming) return { outcome: 'ignored', reason: 'not an .xlsx under incoming/{SITE}/' };
  const site = reference.sites.find(incoming.site);
  if (!site) {
    // Nobody outside the registry is ever emailed; the operators see it in the log.
    log.warn('upload for a site that is not in the registry', { key: upload.key, site: incoming.site });
    return { outcome: 'unknown-site', site: incoming.site };
  }

  const head = await files.head(upload.key);
  if (!head) return { outcome: 'ignored', reason: 'the object no longer exists' };
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
  if (existing) return resume(deps, existing, site, upload, sequencer);

  const history = await acceptedHistory(store, site.code);
  const report = bytes
    ? await validateReturn(bytes, {
        dictionaries: reference.dictionaries,
        sites: reference.sites,
        programme: reference.programme,
        expectedSite: site.code,
        history,
        now: deps.clock(),
        fileName: incoming.fileName,
        preflightLimits: limits,
      })
    : tooLargeReport(head.size, limits, incoming.fileName, deps.clock());

  // Keep the bytes and the feedback before recording anything: a submission never points at a missing file.
  const periodKey = report.period ?? 'unreadable';
  const archiveKey = KEYS.archive(site.code, periodKey, submissionId);
  const feedbackPrefix = KEYS.feedback(site.code, periodKey, submissionId);
  const reportKey = `${feedbackPrefix}report.json`;
  if (bytes) await files.write(archiveKey, bytes, XLSX);
  await files.write(reportKey, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
  const annotated = bytes && report.findings.length > 0 ? await annotateWorkbook(bytes, report) : undefined;
  const annotatedKey = annotated ? `${feedbackPrefix}${annotatedName(incoming.fileName)}` : undefined;
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
    emailState: 'pending',
    emailAttempts: 0,
    emailTo: recipientsFor(site, report),
    ...(report.values ? { values: report.values } : {}),
  });
  log.info('submission recorded', {
    submissionId,
    site: site.code,
    period: report.period,
    status: report.status,
  });
  // The copy just written goes out with the email as it is, without reading it back.
  return finishSubmission(deps, recorded.submission, site, report, annotated);
}

/** The same file again: a repeated event resumes what is unfinished; a new upload of it is a duplicate. */
async function resume(
  deps: ReceiveUploadDeps,
  existing: Submission,
  site: Site,
  upload: Upload,
  sequencer: string,
): Promise<UploadOutcome> {
  const sameEvent = existing.receivedAt === upload.eventTime && existing.sequencer === sequencer;
  if (!sameEvent && existing.emailState === 'sent') {
    return sentAgain(deps, existing, site, upload, sequencer);
  }
  return finishSubmission(deps, existing, site, await storedReport(deps.files, existing));
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
  const update = await store.offerCurrent({
    site: existing.site,
    period: existing.period,
    submissionId: existing.submissionId,
    receivedAt: upload.eventTime,
    sequencer,
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
  await deps.events.returnAccepted({
    type: 'ReturnAccepted',
    site: existing.site,
    period: existing.period,
    submissionId: existing.submissionId,
  });
  log.info('an earlier file was sent again and is current once more', {
    submissionId: existing.submissionId,
    site: site.code,
    period: existing.period,
  });
  if (await store.reopenEmail(existing.submissionId)) {
    await sendFeedback(
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
  annotatedBytes?: Buffer,
): Promise<UploadOutcome> {
  const { store, events } = deps;
  let current: CurrentUpdate['outcome'] | 'rejected' = 'rejected';
  let effect: FeedbackContext['effect'] = {
    kind: report.findings.some((f) => f.severity === 'fatal') ? 'unreadable' : 'rejected',
  };

  if (
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
      effect = {
        kind: 'now-current',
        ...(replaced
          ? {
              replacedReceivedAt: replaced.receivedAt,
              replacedFileName: await fileNameOf(store, replaced.submissionId),
            }
          : {}),
      };
      // Published on every pass: the consumer recomputes the quarter, so a repeat is harmless.
      await events.returnAccepted({
        type: 'ReturnAccepted',
        site: submission.site,
        period: submission.period,
        submissionId: submission.submissionId,
      });
    }
  } else if (submission.period) {
    const standing = (await store.currentReturns(submission.period)).find(
      (entry) => entry.site === submission.site,
    );
    if (standing) {
      effect = {
        kind: 'rejected',
        standingReceivedAt: standing.receivedAt,
        standingFileName: await fileNameOf(store, standing.submissionId),
      };
    }
  }

  await sendFeedback(deps, submission, site, report, effect, annotatedBytes);
  return { outcome: 'recorded', submission, current };
}

async function sendFeedback(
  deps: ReceiveUploadDeps,
  submission: Submission,
  site: Site,
  report: ValidationReport,
  effect: FeedbackContext['effect'],
  annotatedBytes?: Buffer,
): Promise<void> {
  const { store, mailer, files, log, reference, settings } = deps;
  if (submission.emailState === 'sent' || submission.emailState === 'not-sent') return;
  const now = deps.clock();
  if (!(await store.claimEmail(submission.submissionId, now.toISOString(), settings.emailClaimSeconds)))
    return;
  if (submission.emailTo.length === 0) {
    await store.finishEmail(submission.submissionId, 'not-sent');
    return;
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
    // The submission stands; the email is retried with the event (the claim is released).
    await store.finishEmail(submission.submissionId, 'pending');
    log.error('feedback email failed; it will be retried', {
      submissionId: submission.submissionId,
      error: String(error),
    });
    throw error;
  }
  await store.finishEmail(submission.submissionId, 'sent');
  log.info('feedback email sent', {
    submissionId: submission.submissionId,
    to: email.to.length,
    subject: email.subject,
  });
}

/** The name a submission's file was uploaded as, so an email can say which file it means. */
async function fileNameOf(store: SubmissionStore, submissionId: string): Promise<string | undefined> {
  const submission = await store.getSubmission(submissionId);
  return submission ? basename(submission.s3Key) : undefined;
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

/** The validation report stored beside a submission, for steps resumed after a restart. */
async function storedReport(files: ReturnFiles, submission: Submission): Promise<ValidationReport> {
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
/** SES accepts messages up to 40 MB once encoded; a workbook this size leaves ample room. */
const MAX_ATTACHMENT_BYTES = 7 * 1024 * 1024;
