/**
 * Review a return: funder staff sign off, query or reopen a site's quarter,
 * accept or decline a proposed revision; the site replies to a query.
 *
 * input: who, which site-quarter and submission, the version their page showed,
 *        and the action (with its message, reason or note)
 * steps: load the submission, the quarter's current return and its review →
 *        finish an accepted revision a worker left half-done → decide (the
 *        pure model, returns/review.ts) → write the review and its audit
 *        record in one conditional write → for an accepted revision, make it
 *        current and ask for the quarter's recompute → for a query, email
 *        the site
 * output: the review as it now stands and its audit record, or a refusal in
 *        plain words (a lost race says who did what, and when)
 *
 * Ports only: the same code runs behind the portal in Lambda and locally.
 */
import { basename } from 'node:path';
import { composeQueryEmail, composeReplyEmail } from '../feedback/query-email.js';
import { ukDateTime, ukTime } from '../feedback/wording.js';
import { parsePeriod } from '../programme/periods.js';
import type { ReferenceData } from '../reference/reference-data.js';
import {
  type Actor,
  type AuditRecord,
  decide,
  MAX_REVIEW_TEXT,
  type Review,
  type ReviewAction,
  type ReviewedSubmission,
  startReview,
} from '../returns/review.js';
import type { CurrentReturn, Submission } from '../returns/submission.js';
import type { Log, Mailer, SubmissionStore } from './ports.js';

export type ReviewStore = Pick<
  SubmissionStore,
  | 'getSubmission'
  | 'currentReturn'
  | 'review'
  | 'reviewTrail'
  | 'yearReviews'
  | 'writeReview'
  | 'offerCurrent'
  | 'setStatus'
  | 'requestAggregate'
>;

export interface ReviewReturnDeps {
  readonly store: ReviewStore;
  readonly mailer: Mailer;
  readonly reference: ReferenceData;
  readonly log: Log;
  readonly clock: () => Date;
  /** The portal's address, for the link in the query email. */
  readonly portalUrl?: string;
}

export interface ReviewRequest {
  readonly actor: Actor;
  readonly site: string;
  readonly period: string;
  /** The submission whose page the person acted from. */
  readonly submissionId: string;
  /** The review version their page showed (0 when nothing had been done yet). */
  readonly expectedVersion: number;
  readonly action: ReviewAction;
}

export type ReviewOutcome =
  | {
      readonly outcome: 'done';
      readonly review: Review;
      readonly audit: AuditRecord;
      /** For a query: whether the email to the site went; for a reply, the email to staff. */
      readonly email?: 'sent' | 'failed' | 'no-recipients';
    }
  | {
      readonly outcome: 'refused';
      /** `conflict`: someone else acted first (the page should be looked at again). */
      readonly code: 'conflict' | 'invalid';
      readonly message: string;
    };

const ATTEMPT: Record<ReviewAction['kind'], string> = {
  'sign-off': 'signing it off',
  query: 'writing your query',
  reply: 'writing your reply',
  reopen: 'reopening it',
  'accept-revision': 'accepting the revision',
  'decline-revision': 'declining the revision',
};

const DONE: Record<AuditRecord['action'], string> = {
  'sign-off': 'signed this return off',
  query: 'sent a query',
  reply: 'replied to the query',
  reopen: 'reopened it',
  'accept-revision': 'accepted the proposed revision',
  'decline-revision': 'declined the proposed revision',
  'upload-current': 'sent a new file, which is now the current return',
  'upload-proposed': 'sent a new file, which waits as a proposed revision',
};

export async function reviewReturn(deps: ReviewReturnDeps, request: ReviewRequest): Promise<ReviewOutcome> {
  const { store } = deps;
  const refuse = (message: string, code: 'conflict' | 'invalid' = 'invalid'): ReviewOutcome => ({
    outcome: 'refused',
    code,
    message,
  });
  const text = textOf(request.action);
  // Checked before anything is read, so an over-long message is refused the same way every time.
  if (text !== undefined && text.trim().length > MAX_REVIEW_TEXT) {
    return refuse(
      `Please keep it to ${MAX_REVIEW_TEXT.toLocaleString('en-GB')} characters (this is ${text.trim().length.toLocaleString('en-GB')}). Nothing was saved; your text is still in the box.`,
    );
  }
  const submission = await store.getSubmission(request.submissionId);
  if (!submission || submission.site !== request.site || submission.period !== request.period) {
    return refuse('That return could not be found for this quarter.');
  }
  if (submission.status === 'rejected') {
    return refuse(
      'This file was not accepted (it has errors to fix), so there is nothing to sign off or query: the site needs to send a corrected file.',
    );
  }
  let current = await store.currentReturn(request.site, request.period);
  const stored = await store.review(request.site, request.period);
  if (current && stored) current = await finishAcceptedRevision(deps, stored, current);
  if (!current) return refuse('This quarter has no accepted return to review yet.');
  const review = stored ?? startReview(request.site, request.period, current.submissionId);

  const reviewed: ReviewedSubmission = {
    submissionId: current.submissionId,
    receivedAt: current.receivedAt,
    status: current.status,
    unexplainedWarnings: current.counts.unexplainedWarnings,
  };
  if (request.expectedVersion !== review.version) {
    return refuse(await conflictMessage(deps, review, request.expectedVersion, request.action), 'conflict');
  }
  // A proposed revision is settled from either file's page: the review itself is about the current one.
  const settlingRevision =
    (request.action.kind === 'accept-revision' || request.action.kind === 'decline-revision') &&
    review.proposedRevision?.submissionId === request.submissionId;
  const decision = decide(review, request.action, {
    actor: request.actor,
    now: deps.clock().toISOString(),
    expectedVersion: request.expectedVersion,
    expectedSubmissionId: settlingRevision ? review.submissionId : request.submissionId,
    current: reviewed,
  });
  if (!decision.ok) {
    // A page showing a superseded file: say which file is current now.
    if (decision.code === 'not-current') {
      return refuse(
        `This file is no longer the current return for the quarter: ${await fileNameOf(deps, current.submissionId)}, received ${ukDateTime(current.receivedAt)}, replaced it. Open the current return and act on that.`,
      );
    }
    return refuse(decision.message, decision.code === 'conflict' ? 'conflict' : 'invalid');
  }

  const written = await store.writeReview(decision.review, decision.audit, review.version);
  if (written.outcome === 'full') {
    return refuse(
      `This quarter's record already holds as many actions as it can, so nothing was saved. Please email ${deps.reference.programme.helpEmail} so the record can be archived.`,
    );
  }
  if (written.outcome === 'conflict') {
    return refuse(describeRace(written.since, request.action, written.review), 'conflict');
  }
  deps.log.info('review recorded', {
    site: request.site,
    period: request.period,
    action: request.action.kind,
    version: decision.review.version,
  });

  if (request.action.kind === 'accept-revision') {
    await makeRevisionCurrent(deps, decision.review, current);
  }
  if (request.action.kind === 'query') {
    const email = await emailQuery(deps, submission, decision.audit);
    return { outcome: 'done', review: decision.review, audit: decision.audit, email };
  }
  if (request.action.kind === 'reply') {
    const email = await emailReply(deps, submission, review, decision.audit);
    return { outcome: 'done', review: decision.review, audit: decision.audit, email };
  }
  return { outcome: 'done', review: decision.review, audit: decision.audit };
}

/**
 * Accepting a revision is two writes (the review, then the current return): a
 * worker that died between them left the review pointing at a revision that is
 * not current yet. The next action on the quarter finishes it.
 */
async function finishAcceptedRevision(
  deps: ReviewReturnDeps,
  review: Review,
  current: CurrentReturn,
): Promise<CurrentReturn> {
  if (review.submissionId === current.submissionId || review.state !== 'awaiting-review') return current;
  const trail = await deps.store.reviewTrail(review.site, review.period);
  const last = trail.at(-1);
  if (last?.action !== 'accept-revision' || last.submissionId !== review.submissionId) return current;
  return (await makeRevisionCurrent(deps, review, current)) ?? current;
}

async function makeRevisionCurrent(
  deps: ReviewReturnDeps,
  review: Review,
  replaced: CurrentReturn,
): Promise<CurrentReturn | undefined> {
  const { store } = deps;
  const revision = await store.getSubmission(review.submissionId);
  if (
    !revision?.period ||
    !revision.values ||
    !revision.dictionaryVersion ||
    (revision.status !== 'accepted' && revision.status !== 'accepted-with-warnings')
  ) {
    deps.log.error(
      'an accepted revision could not be made current: its submission is not an accepted return',
      {
        submissionId: review.submissionId,
      },
    );
    return undefined;
  }
  const candidate: CurrentReturn = {
    site: revision.site,
    period: revision.period,
    submissionId: revision.submissionId,
    receivedAt: revision.receivedAt,
    sequencer: revision.sequencer,
    order: `${revision.receivedAt}#${revision.s3Key}#${revision.sequencer}`,
    status: revision.status,
    dictionaryVersion: revision.dictionaryVersion,
    counts: revision.counts,
    values: revision.values,
  };
  const update = await store.offerCurrent(candidate);
  if (update.outcome === 'older') {
    deps.log.warn('an accepted revision is older than the current return; the current return stands', {
      submissionId: revision.submissionId,
      current: update.current.submissionId,
    });
    return update.current;
  }
  if (replaced.submissionId !== revision.submissionId)
    await store.setStatus(replaced.submissionId, 'superseded');
  // The sweep asks for any recompute not done within its grace period, so the portal needs no queue.
  await store.requestAggregate(revision.period, deps.clock().toISOString());
  return candidate;
}

async function emailQuery(
  deps: ReviewReturnDeps,
  submission: Submission,
  audit: AuditRecord,
): Promise<'sent' | 'failed' | 'no-recipients'> {
  const site = deps.reference.sites.find(submission.site);
  const parsed = submission.period ? parsePeriod(submission.period) : undefined;
  if (!site || !parsed || !('period' in parsed)) return 'no-recipients';
  const recipients = unique([...site.contacts, ...submission.emailTo]);
  if (recipients.length === 0) return 'no-recipients';
  const email = composeQueryEmail({
    site,
    period: parsed.period,
    programme: deps.reference.programme,
    recipients,
    fileName: basename(submission.s3Key),
    receivedAt: submission.receivedAt,
    submissionId: submission.submissionId,
    message: audit.text ?? '',
    askedBy: audit.actor.name,
    askedAt: audit.at,
    ...(deps.portalUrl ? { portalUrl: deps.portalUrl } : {}),
  });
  try {
    await deps.mailer.send(email);
    return 'sent';
  } catch (error) {
    // The query stands and is on the return's page; the person who sent it is told to follow up.
    deps.log.error('a query email could not be sent', {
      submissionId: submission.submissionId,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    return 'failed';
  }
}

/** Funder staff hear of a site's reply by email too; the reply stands, and is on the page, if it fails. */
async function emailReply(
  deps: ReviewReturnDeps,
  submission: Submission,
  before: Review,
  audit: AuditRecord,
): Promise<'sent' | 'failed' | 'no-recipients'> {
  const site = deps.reference.sites.find(submission.site);
  const parsed = submission.period ? parsePeriod(submission.period) : undefined;
  const recipients = deps.reference.programme.reminders.staffEmails;
  if (!site || !parsed || !('period' in parsed) || recipients.length === 0) return 'no-recipients';
  try {
    await deps.mailer.send(
      composeReplyEmail({
        site,
        period: parsed.period,
        programme: deps.reference.programme,
        recipients,
        fileName: basename(submission.s3Key),
        submissionId: submission.submissionId,
        query: before.query?.message ?? '',
        reply: audit.text ?? '',
        repliedBy: audit.actor.name,
        repliedAt: audit.at,
        ...(deps.portalUrl ? { portalUrl: deps.portalUrl } : {}),
      }),
    );
    return 'sent';
  } catch (error) {
    deps.log.error('a reply email to staff could not be sent', {
      submissionId: submission.submissionId,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    return 'failed';
  }
}

/** The page was out of date before anything was tried: say what changed since the version it showed. */
async function conflictMessage(
  deps: ReviewReturnDeps,
  review: Review,
  expectedVersion: number,
  action: ReviewAction,
): Promise<string> {
  const trail = await deps.store.reviewTrail(review.site, review.period);
  return describeRace(
    trail.filter((record) => record.version > expectedVersion),
    action,
    review,
  );
}

/** "Ana Patel signed this return off at 10:42 while you were writing your query: …" */
export function describeRace(
  since: readonly AuditRecord[],
  attempted: ReviewAction,
  now: Review | undefined,
): string {
  const latest = since.at(-1);
  const what = latest
    ? `${latest.actor.name} ${DONE[latest.action]} at ${ukTime(latest.at)} while you were ${ATTEMPT[attempted.kind]}${latest.text ? `: “${latest.text}”` : ''}.`
    : `This return changed while you were ${ATTEMPT[attempted.kind]}.`;
  const more =
    since.length > 1 ? ` That was the last of ${since.length} changes since you opened the page.` : '';
  const state = now ? ` It is now ${STATE_WORDS[now.state]}.` : '';
  return `${what}${more}${state} Nothing you did was saved: look at the return again and decide.`;
}

const STATE_WORDS: Record<Review['state'], string> = {
  'awaiting-review': 'awaiting review',
  queried: 'queried',
  'signed-off': 'signed off',
};

async function fileNameOf(deps: ReviewReturnDeps, submissionId: string): Promise<string> {
  const submission = await deps.store.getSubmission(submissionId);
  return submission ? basename(submission.s3Key) : 'a later file';
}

function textOf(action: ReviewAction): string | undefined {
  return 'message' in action ? action.message : 'reason' in action ? action.reason : action.note;
}

function unique(addresses: readonly string[]): string[] {
  const seen = new Set<string>();
  return addresses.filter((address) => {
    const key = address.trim().toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
