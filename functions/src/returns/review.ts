/**
 * Review of an accepted return by funder staff: sign off, query, reopen, and
 * what a later upload does to a signed-off quarter. A pure state model: it
 * decides, and says what to record; the store writes the decision with a
 * condition on `version` (optimistic concurrency), so of two staff acting at
 * once one wins and the other is told what happened instead.
 *
 *   awaiting-review ──sign-off──▶ signed-off ──reopen──▶ awaiting-review
 *   (reopen only with no revision waiting: accept or decline it first)
 *         │  ▲                        │
 *       query│ │corrected upload       └─ a later accepted upload waits as a
 *         ▼  │ (becomes current)          proposed revision until staff
 *       queried ──sign-off──▶ signed-off  accept it (current again, back to
 *         │  ▲                            awaiting-review) or decline it
 *       reply (site) / query again
 *
 * Every action, by staff or by the site, makes one audit record: who, when,
 * what, why, and the state before and after.
 */

export const REVIEW_STATES = ['awaiting-review', 'queried', 'signed-off'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

export const REVIEW_STATE_LABELS: Record<ReviewState, string> = {
  'awaiting-review': 'awaiting review',
  queried: 'queried',
  'signed-off': 'signed off',
};

export interface Actor {
  /** The verified identity (the token's subject or email), never a name typed in a form. */
  readonly id: string;
  readonly name: string;
  readonly role: 'staff' | 'site';
  /** For a site user: the site their sign-in belongs to. */
  readonly site?: string;
}

/** The submission a review is about, as the store holds it. */
export interface ReviewedSubmission {
  readonly submissionId: string;
  readonly receivedAt: string;
  readonly status: 'accepted' | 'accepted-with-warnings' | 'rejected' | 'superseded';
  readonly unexplainedWarnings: number;
}

export interface ProposedRevision {
  readonly submissionId: string;
  readonly receivedAt: string;
}

/** The review of one site's quarter. */
export interface Review {
  readonly site: string;
  readonly period: string;
  /** The current return the state refers to. */
  readonly submissionId: string;
  readonly state: ReviewState;
  /** Incremented by every change: the condition the store writes on. */
  readonly version: number;
  readonly signedOff?: { readonly by: string; readonly at: string };
  /** The open query, while queried. */
  readonly query?: { readonly by: string; readonly at: string; readonly message: string };
  /** A later accepted upload for a signed-off quarter, waiting for staff. */
  readonly proposedRevision?: ProposedRevision;
}

export type ReviewAction =
  | { readonly kind: 'sign-off'; readonly note?: string }
  | { readonly kind: 'query'; readonly message: string }
  | { readonly kind: 'reply'; readonly message: string }
  | { readonly kind: 'reopen'; readonly reason: string }
  | { readonly kind: 'accept-revision'; readonly note?: string }
  | { readonly kind: 'decline-revision'; readonly reason: string };

export type ReviewActionKind = ReviewAction['kind'] | 'upload-current' | 'upload-proposed';

export interface AuditRecord {
  readonly site: string;
  readonly period: string;
  readonly submissionId: string;
  readonly action: ReviewActionKind;
  readonly actor: Actor;
  readonly at: string;
  /** The message, reason or note given with the action; the site sees queries and replies. */
  readonly text?: string;
  readonly from: ReviewState;
  readonly to: ReviewState;
  /** The review's version after the action. */
  readonly version: number;
}

export type Decision =
  | { readonly ok: true; readonly review: Review; readonly audit: AuditRecord }
  | {
      readonly ok: false;
      readonly code:
        | 'conflict'
        | 'not-allowed'
        | 'not-current'
        | 'not-accepted'
        | 'needs-text'
        | 'too-long'
        | 'forbidden';
      /** Plain words for the person who tried. */
      readonly message: string;
    };

export interface ActionContext {
  readonly actor: Actor;
  readonly now: string;
  /** The version the person saw when they chose the action. */
  readonly expectedVersion: number;
  /** The submission they were looking at: acting on a return that has since been replaced is refused. */
  readonly expectedSubmissionId: string;
  /** The current submission as stored now. */
  readonly current: ReviewedSubmission;
}

/** Queries and replies are emailed and shown on the page: long enough for a paragraph, not a report. */
export const MAX_REVIEW_TEXT = 2_000;

/** A newly current accepted return starts its review. */
export function startReview(site: string, period: string, submissionId: string): Review {
  return { site, period, submissionId, state: 'awaiting-review', version: 0 };
}

/** Which actions a person may take now: what the page offers (the decision checks again). */
export function allowedActions(review: Review, actor: Actor): ReviewAction['kind'][] {
  if (actor.role === 'site') return actor.site === review.site && review.state === 'queried' ? ['reply'] : [];
  switch (review.state) {
    case 'awaiting-review':
      return ['sign-off', 'query'];
    case 'queried':
      return ['sign-off', 'query'];
    case 'signed-off':
      // A waiting revision is settled first: reopening under it would leave two candidates for current.
      return review.proposedRevision ? ['accept-revision', 'decline-revision'] : ['reopen'];
    default:
      return review.state satisfies never;
  }
}

export function decide(review: Review, action: ReviewAction, context: ActionContext): Decision {
  const { actor, now } = context;
  if (actor.role === 'site' && (action.kind !== 'reply' || actor.site !== review.site)) {
    return { ok: false, code: 'forbidden', message: 'Only funder staff can do that.' };
  }
  if (actor.role === 'staff' && action.kind === 'reply') {
    return {
      ok: false,
      code: 'forbidden',
      message: 'Replies to a query come from the site; staff send a query.',
    };
  }
  if (context.expectedVersion !== review.version) {
    return { ok: false, code: 'conflict', message: describeConflict(review) };
  }
  if (
    context.expectedSubmissionId !== review.submissionId ||
    context.current.submissionId !== review.submissionId
  ) {
    return {
      ok: false,
      code: 'not-current',
      message:
        'This is no longer the current return for the quarter: a later file replaced it. Open the current return and act on that.',
    };
  }
  if (context.current.status !== 'accepted' && context.current.status !== 'accepted-with-warnings') {
    return {
      ok: false,
      code: 'not-accepted',
      message: `Only an accepted return can be reviewed; this one is ${context.current.status}.`,
    };
  }
  if (!allowedActions(review, actor).includes(action.kind)) {
    return { ok: false, code: 'not-allowed', message: notAllowed(review, action.kind) };
  }
  const text = textOf(action);
  const required =
    action.kind === 'query' ||
    action.kind === 'reply' ||
    action.kind === 'reopen' ||
    action.kind === 'decline-revision';
  const warningsNeedNote = action.kind === 'sign-off' && context.current.unexplainedWarnings > 0;
  if ((required || warningsNeedNote) && !text) {
    return {
      ok: false,
      code: 'needs-text',
      message: warningsNeedNote
        ? `This return has ${context.current.unexplainedWarnings === 1 ? 'a warning' : `${context.current.unexplainedWarnings} warnings`} the site did not explain. Say why it can be signed off anyway, or query it instead.`
        : `Please say ${action.kind === 'query' ? 'what the site should look at' : action.kind === 'reply' ? 'what you want to tell the funder' : 'why'}: it is recorded and shown with the return.`,
    };
  }
  if (text && text.length > MAX_REVIEW_TEXT) {
    return {
      ok: false,
      code: 'too-long',
      message: `Please keep it to ${MAX_REVIEW_TEXT.toLocaleString('en-GB')} characters (this is ${text.length.toLocaleString('en-GB')}).`,
    };
  }

  const version = review.version + 1;
  const { query: _query, signedOff: _signedOff, proposedRevision: _proposed, ...base } = review;
  let next: Review;
  let submissionId = review.submissionId;
  switch (action.kind) {
    case 'sign-off':
      next = {
        ...base,
        state: 'signed-off',
        version,
        signedOff: { by: actor.id, at: now },
      };
      break;
    case 'query':
      next = {
        ...base,
        state: 'queried',
        version,
        query: { by: actor.id, at: now, message: text as string },
      };
      break;
    case 'reply':
      next = { ...review, version };
      break;
    case 'reopen':
      next = { ...base, state: 'awaiting-review', version };
      break;
    case 'accept-revision': {
      const revision = review.proposedRevision as ProposedRevision;
      submissionId = revision.submissionId;
      // The revision becomes the current return, and needs a review of its own.
      next = { ...base, submissionId: revision.submissionId, state: 'awaiting-review', version };
      break;
    }
    case 'decline-revision':
      next = {
        ...base,
        state: 'signed-off',
        version,
        ...(review.signedOff ? { signedOff: review.signedOff } : {}),
      };
      submissionId = (review.proposedRevision as ProposedRevision).submissionId;
      break;
    default:
      return action satisfies never;
  }
  return {
    ok: true,
    review: next,
    audit: {
      site: review.site,
      period: review.period,
      submissionId,
      action: action.kind,
      actor,
      at: now,
      ...(text ? { text } : {}),
      from: review.state,
      to: next.state,
      version,
    },
  };
}

export type UploadEffect =
  /** Not signed off: the upload is the current return (as the pipeline decides) and is reviewed afresh. */
  | { readonly effect: 'becomes-current'; readonly review: Review; readonly audit?: AuditRecord }
  /** Signed off: the quarter stays locked and the upload waits for staff. */
  | { readonly effect: 'proposed-revision'; readonly review: Review; readonly audit: AuditRecord }
  /** Rejected, or older than the current return: nothing changes. */
  | { readonly effect: 'no-effect' };

/**
 * What an upload for the quarter does to its review. `later` says whether the
 * pipeline found it later than the current return (only a later accepted
 * upload can replace one).
 */
export function onUpload(
  review: Review | undefined,
  upload: {
    readonly site: string;
    readonly period: string;
    readonly submission: ReviewedSubmission;
    readonly later: boolean;
  },
  context: { readonly actor: Actor; readonly now: string },
): UploadEffect {
  const accepted =
    upload.submission.status === 'accepted' || upload.submission.status === 'accepted-with-warnings';
  if (!accepted || !upload.later) return { effect: 'no-effect' };
  if (!review) {
    return {
      effect: 'becomes-current',
      review: startReview(upload.site, upload.period, upload.submission.submissionId),
    };
  }
  const version = review.version + 1;
  const audit = (action: ReviewActionKind, to: ReviewState, text?: string): AuditRecord => ({
    site: review.site,
    period: review.period,
    submissionId: upload.submission.submissionId,
    action,
    actor: context.actor,
    at: context.now,
    ...(text ? { text } : {}),
    from: review.state,
    to,
    version,
  });
  if (review.state === 'signed-off') {
    const replaced = review.proposedRevision
      ? ` It replaces the revision sent on ${review.proposedRevision.receivedAt.slice(0, 10)}.`
      : '';
    return {
      effect: 'proposed-revision',
      review: {
        ...review,
        version,
        proposedRevision: {
          submissionId: upload.submission.submissionId,
          receivedAt: upload.submission.receivedAt,
        },
      },
      audit: audit(
        'upload-proposed',
        'signed-off',
        `The quarter was signed off, so this file waits as a proposed revision until staff accept it.${replaced}`,
      ),
    };
  }
  const { query: _query, ...rest } = review;
  return {
    effect: 'becomes-current',
    review: { ...rest, submissionId: upload.submission.submissionId, state: 'awaiting-review', version },
    audit: audit(
      'upload-current',
      'awaiting-review',
      review.state === 'queried' ? 'A corrected file answers the query; it needs review.' : undefined,
    ),
  };
}

/** Whether a release may use the quarter's current return, when the programme asks for signed-off returns only. */
export function usableForRelease(review: Review | undefined, signedOffOnly: boolean): boolean {
  return !signedOffOnly || review?.state === 'signed-off';
}

function textOf(action: ReviewAction): string | undefined {
  const text = 'message' in action ? action.message : 'reason' in action ? action.reason : action.note;
  const trimmed = text?.trim();
  return trimmed ? trimmed : undefined;
}

function describeConflict(review: Review): string {
  const what =
    review.state === 'signed-off' && review.signedOff
      ? `it was signed off by ${review.signedOff.by} at ${review.signedOff.at.slice(0, 16).replace('T', ' ')}`
      : review.state === 'queried' && review.query
        ? `it was queried by ${review.query.by} at ${review.query.at.slice(0, 16).replace('T', ' ')}`
        : `it is now ${REVIEW_STATE_LABELS[review.state]}`;
  return `Someone else acted on this return while you had it open: ${what}. Nothing you did was saved; look again and decide.`;
}

function notAllowed(review: Review, kind: ReviewAction['kind']): string {
  const state = REVIEW_STATE_LABELS[review.state];
  switch (kind) {
    case 'sign-off':
      return `This return is already ${state}.`;
    case 'query':
      return 'A signed-off return is locked: reopen it first if something needs asking.';
    case 'reply':
      return 'There is no open query to reply to.';
    case 'reopen':
      return review.proposedRevision
        ? 'A proposed revision is waiting: accept or decline it first.'
        : `Only a signed-off return can be reopened; this one is ${state}.`;
    case 'accept-revision':
    case 'decline-revision':
      return 'There is no proposed revision waiting for this quarter.';
    default:
      return kind satisfies never;
  }
}
