/**
 * The review state model: which actions each state allows, to whom; the
 * audit record of each; the refusals (a rejected or replaced return, a stale
 * page, a site user acting as staff, a missing reason); and what a later
 * upload does to a signed-off quarter.
 */
import { describe, expect, it } from 'vitest';
import {
  type ActionContext,
  type Actor,
  allowedActions,
  decide,
  onUpload,
  type Review,
  type ReviewAction,
  type ReviewedSubmission,
  startReview,
  usableForRelease,
} from '../../functions/src/returns/review.js';

const ana: Actor = { id: 'ana@funder.example', name: 'Ana', role: 'staff' };
const ben: Actor = { id: 'ben@funder.example', name: 'Ben', role: 'staff' };
const site: Actor = { id: 'data@blackpool.example', name: 'Jo', role: 'site', site: 'BLK' };
const otherSite: Actor = { id: 'x@bradford.example', name: 'Sam', role: 'site', site: 'BFD' };
const current: ReviewedSubmission = {
  submissionId: 'BLK-1',
  receivedAt: '2025-10-20T09:00:00Z',
  status: 'accepted',
  unexplainedWarnings: 0,
};

function act(review: Review, action: ReviewAction, overrides: Partial<ActionContext> = {}) {
  return decide(review, action, {
    actor: ana,
    now: '2025-11-03T10:00:00Z',
    expectedVersion: review.version,
    expectedSubmissionId: review.submissionId,
    current: { ...current, submissionId: review.submissionId },
    ...overrides,
  });
}

function ok(decision: ReturnType<typeof decide>) {
  if (!decision.ok) throw new Error(`refused: ${decision.message}`);
  return decision;
}

const fresh = () => startReview('BLK', '2025-26-Q2', 'BLK-1');

describe('the actions each state allows', () => {
  it.each([
    ['awaiting-review', ana, ['sign-off', 'query']],
    ['queried', ana, ['sign-off', 'query']],
    ['signed-off', ana, ['reopen']],
    ['queried', site, ['reply']],
    ['queried', otherSite, []],
    ['awaiting-review', site, []],
    ['signed-off', site, []],
  ] as const)('%s, for %o: %j', (state, actor, actions) => {
    expect(allowedActions({ ...fresh(), state }, actor)).toEqual(actions);
  });

  it('a signed-off quarter with a revision waiting offers only accept or decline', () => {
    const review: Review = {
      ...fresh(),
      state: 'signed-off',
      proposedRevision: { submissionId: 'BLK-2', receivedAt: 'x' },
    };
    expect(allowedActions(review, ana)).toEqual(['accept-revision', 'decline-revision']);
    expect(act(review, { kind: 'reopen', reason: 'a mistake' })).toMatchObject({
      ok: false,
      code: 'not-allowed',
      message: 'A proposed revision is waiting: accept or decline it first.',
    });
  });
});

describe('a return through its review', () => {
  it('query, reply, corrected upload, sign-off, reopen: each one audit record', () => {
    const queried = ok(
      act(fresh(), { kind: 'query', message: ' Breastfeeding looks low: please check BF.NONE. ' }),
    );
    expect(queried.review).toMatchObject({
      state: 'queried',
      version: 1,
      query: { by: ana.id, message: 'Breastfeeding looks low: please check BF.NONE.' },
    });
    expect(queried.audit).toEqual({
      site: 'BLK',
      period: '2025-26-Q2',
      submissionId: 'BLK-1',
      action: 'query',
      actor: ana,
      at: '2025-11-03T10:00:00Z',
      text: 'Breastfeeding looks low: please check BF.NONE.',
      from: 'awaiting-review',
      to: 'queried',
      version: 1,
    });
    const replied = ok(act(queried.review, { kind: 'reply', message: 'We are checking.' }, { actor: site }));
    expect(replied.review.state).toBe('queried');
    expect(replied.audit).toMatchObject({
      action: 'reply',
      actor: site,
      from: 'queried',
      to: 'queried',
      version: 2,
    });

    const corrected = onUpload(
      replied.review,
      { site: 'BLK', period: '2025-26-Q2', submission: { ...current, submissionId: 'BLK-2' }, later: true },
      { actor: site, now: '2025-11-04T09:00:00Z' },
    );
    expect(corrected.effect).toBe('becomes-current');
    if (corrected.effect !== 'becomes-current') return;
    expect(corrected.review).toEqual({
      site: 'BLK',
      period: '2025-26-Q2',
      submissionId: 'BLK-2',
      state: 'awaiting-review',
      version: 3,
    });
    expect(corrected.audit).toMatchObject({
      action: 'upload-current',
      from: 'queried',
      to: 'awaiting-review',
      text: 'A corrected file answers the query; it needs review.',
    });

    const signed = ok(act(corrected.review, { kind: 'sign-off' }, { actor: ben }));
    expect(signed.review).toMatchObject({
      state: 'signed-off',
      version: 4,
      signedOff: { by: ben.id },
      submissionId: 'BLK-2',
    });
    const reopened = ok(
      act(signed.review, { kind: 'reopen', reason: 'The site found a coding error in Q2.' }),
    );
    expect(reopened.review).toEqual({
      site: 'BLK',
      period: '2025-26-Q2',
      submissionId: 'BLK-2',
      state: 'awaiting-review',
      version: 5,
    });
    expect(reopened.audit.text).toBe('The site found a coding error in Q2.');
  });

  it('a later upload to a signed-off quarter waits as a proposed revision; staff accept or decline it', () => {
    const signed = ok(act(fresh(), { kind: 'sign-off' })).review;
    const upload = (id: string, at: string) =>
      onUpload(
        signed,
        {
          site: 'BLK',
          period: '2025-26-Q2',
          submission: { ...current, submissionId: id, receivedAt: at },
          later: true,
        },
        { actor: site, now: at },
      );
    const proposed = upload('BLK-2', '2025-11-10T09:00:00Z');
    expect(proposed.effect).toBe('proposed-revision');
    if (proposed.effect !== 'proposed-revision') return;
    // Still locked, still the signed-off return, the revision beside it.
    expect(proposed.review).toMatchObject({
      state: 'signed-off',
      submissionId: 'BLK-1',
      proposedRevision: { submissionId: 'BLK-2' },
    });
    expect(proposed.audit).toMatchObject({
      action: 'upload-proposed',
      submissionId: 'BLK-2',
      from: 'signed-off',
      to: 'signed-off',
    });

    const accepted = ok(act(proposed.review, { kind: 'accept-revision' }));
    expect(accepted.review).toEqual({
      site: 'BLK',
      period: '2025-26-Q2',
      submissionId: 'BLK-2',
      state: 'awaiting-review',
      version: 3,
    });
    expect(accepted.audit).toMatchObject({
      action: 'accept-revision',
      submissionId: 'BLK-2',
      from: 'signed-off',
      to: 'awaiting-review',
    });

    expect(act(proposed.review, { kind: 'decline-revision', reason: '' })).toMatchObject({
      ok: false,
      code: 'needs-text',
    });
    const declined = ok(
      act(proposed.review, { kind: 'decline-revision', reason: 'Q2 is published; the change goes in Q3.' }),
    );
    expect(declined.review).toMatchObject({
      state: 'signed-off',
      submissionId: 'BLK-1',
      signedOff: { by: ana.id },
    });
    expect(declined.review.proposedRevision).toBeUndefined();
    expect(declined.audit).toMatchObject({ action: 'decline-revision', submissionId: 'BLK-2' });
  });

  it('a rejected upload, or one older than the current return, changes nothing', () => {
    const signed = ok(act(fresh(), { kind: 'sign-off' })).review;
    const context = { actor: site, now: '2025-11-10T09:00:00Z' };
    expect(
      onUpload(
        signed,
        {
          site: 'BLK',
          period: '2025-26-Q2',
          submission: { ...current, submissionId: 'BLK-3', status: 'rejected' },
          later: true,
        },
        context,
      ),
    ).toEqual({ effect: 'no-effect' });
    expect(
      onUpload(
        signed,
        {
          site: 'BLK',
          period: '2025-26-Q2',
          submission: { ...current, submissionId: 'BLK-0' },
          later: false,
        },
        context,
      ),
    ).toEqual({ effect: 'no-effect' });
  });

  it('releases that ask for signed-off returns use only those', () => {
    expect(usableForRelease(fresh(), false)).toBe(true);
    expect(usableForRelease(fresh(), true)).toBe(false);
    expect(usableForRelease(undefined, true)).toBe(false);
    expect(usableForRelease({ ...fresh(), state: 'signed-off' }, true)).toBe(true);
  });
});

describe('refusals, each with words to act on', () => {
  it('two staff at once: the second is told who did what, and nothing of theirs is saved', () => {
    const seen = fresh();
    const first = ok(act(seen, { kind: 'sign-off' }, { actor: ana }));
    const second = act(
      first.review,
      { kind: 'query', message: 'Check BF.DUE' },
      { actor: ben, expectedVersion: seen.version },
    );
    expect(second).toEqual({
      ok: false,
      code: 'conflict',
      message:
        'Someone else acted on this return while you had it open: it was signed off by ana@funder.example at 2025-11-03 10:00. Nothing you did was saved; look again and decide.',
    });
  });

  it('signing off a rejected or superseded return is refused', () => {
    expect(act(fresh(), { kind: 'sign-off' }, { current: { ...current, status: 'rejected' } })).toMatchObject(
      {
        ok: false,
        code: 'not-accepted',
        message: 'Only an accepted return can be reviewed; this one is rejected.',
      },
    );
    expect(
      act(fresh(), { kind: 'sign-off' }, { current: { ...current, submissionId: 'BLK-9' } }),
    ).toMatchObject({ ok: false, code: 'not-current' });
    expect(act(fresh(), { kind: 'sign-off' }, { expectedSubmissionId: 'BLK-0' })).toMatchObject({
      ok: false,
      code: 'not-current',
    });
  });

  it('a site user may only reply, and only for their own site', () => {
    expect(act(fresh(), { kind: 'sign-off' }, { actor: site })).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    const queried = ok(act(fresh(), { kind: 'query', message: 'Please check' })).review;
    expect(act(queried, { kind: 'reply', message: 'hi' }, { actor: otherSite })).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    expect(act(queried, { kind: 'reply', message: 'hi' }, { actor: ana })).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
  });

  it('a query needs a message, of reasonable length; a sign-off over unexplained warnings needs a note', () => {
    expect(act(fresh(), { kind: 'query', message: '   ' })).toMatchObject({
      ok: false,
      code: 'needs-text',
      message: 'Please say what the site should look at: it is recorded and shown with the return.',
    });
    expect(act(fresh(), { kind: 'query', message: 'x'.repeat(2_001) })).toMatchObject({
      ok: false,
      code: 'too-long',
      message: 'Please keep it to 2,000 characters (this is 2,001).',
    });
    const warned = { current: { ...current, unexplainedWarnings: 2 } };
    expect(act(fresh(), { kind: 'sign-off' }, warned)).toMatchObject({
      ok: false,
      code: 'needs-text',
      message:
        'This return has 2 warnings the site did not explain. Say why it can be signed off anyway, or query it instead.',
    });
    expect(
      ok(act(fresh(), { kind: 'sign-off', note: 'Agreed by phone: a new data system.' }, warned)).audit.text,
    ).toBe('Agreed by phone: a new data system.');
  });

  it.each([
    ['sign-off', 'signed-off', 'This return is already signed off.'],
    ['query', 'signed-off', 'A signed-off return is locked: reopen it first if something needs asking.'],
    ['reopen', 'awaiting-review', 'Only a signed-off return can be reopened; this one is awaiting review.'],
    ['accept-revision', 'signed-off', 'There is no proposed revision waiting for this quarter.'],
  ] as const)('%s when %s: "%s"', (kind, state, message) => {
    const action = { kind, message: 'm', reason: 'r' } as unknown as ReviewAction;
    expect(act({ ...fresh(), state }, action)).toMatchObject({ ok: false, code: 'not-allowed', message });
  });
});
