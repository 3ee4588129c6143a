/**
 * Sign-off, queries and reopening on the emulators (s3rver, dynalite,
 * aws-ses-v2-local): the review use case and the pipeline together. Two staff
 * acting at once (one wins, the other is told who did what), a stale page, a
 * query emailed to the site, a corrected upload answering it, a later upload
 * to a signed-off quarter held as a proposed revision (summaries unchanged,
 * one audit record however often its event is delivered), and accepting it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3rverEvent } from 's3rver';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoReleaseStore } from '../../functions/src/adapters/dynamodb-release-store.js';
import { S3ReturnFiles } from '../../functions/src/adapters/s3-return-files.js';
import { SesMailer } from '../../functions/src/adapters/ses-mailer.js';
import { main } from '../../functions/src/cli/main.js';
import { asRealS3Event } from '../../functions/src/local/local-stack.js';
import { Programme } from '../../functions/src/programme/programme.js';
import { type Actor, MAX_REVIEW_TEXT } from '../../functions/src/returns/review.js';
import { publishRelease } from '../../functions/src/submissions/publish-release.js';
import {
  type ReviewRequest,
  type ReviewReturnDeps,
  reviewReturn,
} from '../../functions/src/submissions/review-return.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { testReference } from '../support/reference.js';
import { filledReturn, validValues, withItems } from '../support/returns.js';

const ana: Actor = { id: 'ana@funder.example', name: 'Ana Patel', role: 'staff' };
const ben: Actor = { id: 'ben@funder.example', name: 'Ben Okafor', role: 'staff' };
const PERIOD = '2025-26-Q2';

let t: TestStack;
let deps: ReviewReturnDeps;

function s3Event(key: string, eventTime: string, sequencer: string, size: number): S3rverEvent {
  return asRealS3Event({
    Records: [
      {
        eventVersion: '2.0',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime,
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: 'monitoring-returns' }, object: { key, size, sequencer } },
      },
    ],
  });
}

/** Uploads a file and delivers its event; returns the event, to deliver again. */
async function send(site: string, name: string, bytes: Buffer, eventTime: string, sequencer: string) {
  const key = `incoming/${site}/${name}`;
  await t.upload(key, bytes);
  const event = s3Event(key, eventTime, sequencer, bytes.length);
  await t.stack.deliver(event);
  await t.stack.idle();
  const submission = (await t.store.siteSubmissions(site, PERIOD)).find((entry) => entry.s3Key === key);
  if (!submission) throw new Error(`${key} was not recorded`);
  return { event, submission };
}

function act(
  actor: Actor,
  site: string,
  submissionId: string,
  expectedVersion: number,
  action: ReviewRequest['action'],
) {
  return reviewReturn(deps, { actor, site, period: PERIOD, submissionId, expectedVersion, action });
}

beforeAll(async () => {
  t = await startTestStack({ deliverEvents: false });
  deps = {
    store: t.store,
    mailer: new SesMailer(t.stack.clients.ses, t.stack.sender),
    reference: testReference(),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    clock: () => new Date('2025-11-03T10:42:00Z'),
    portalUrl: 'https://returns.funder.example',
  };
}, 60_000);
afterAll(async () => {
  await t.stop();
});

describe('two staff at once', () => {
  it('one wins; the other is told who did what and when, and nothing of theirs is saved', async () => {
    const { submission } = await send(
      'BFD',
      'q2.xlsx',
      await filledReturn(validValues('BFD', PERIOD, 3), 'BFD', PERIOD),
      '2025-10-20T09:00:00.000Z',
      '1A',
    );
    const [first, second] = await Promise.all([
      act(ana, 'BFD', submission.submissionId, 0, { kind: 'sign-off' }),
      act(ben, 'BFD', submission.submissionId, 0, { kind: 'query', message: 'Is the ASQ figure right?' }),
    ]);
    const outcomes = [first, second].map((outcome) => outcome.outcome).sort();
    expect(outcomes).toEqual(['done', 'refused']);
    const winner = first.outcome === 'done' ? first : second;
    const loser = first.outcome === 'done' ? second : first;
    expect(loser).toMatchObject({ outcome: 'refused', code: 'conflict' });
    const winnerName = winner === first ? 'Ana Patel' : 'Ben Okafor';
    if (loser.outcome !== 'refused') throw new Error('unreachable');
    expect(loser.message).toContain(`${winnerName} `);
    expect(loser.message).toContain('at 10:42 while you were');
    expect(loser.message).toContain('Nothing you did was saved');

    const trail = await t.store.reviewTrail('BFD', PERIOD);
    expect(trail).toHaveLength(1);
    expect((await t.store.review('BFD', PERIOD))?.version).toBe(1);
  });

  it('refuses a page showing an older version, saying what happened since', async () => {
    const [submission] = await t.store.siteSubmissions('BFD', PERIOD);
    const review = await t.store.review('BFD', PERIOD);
    const kind = review?.state === 'signed-off' ? 'reopen' : 'sign-off';
    const stale = await act(
      ana,
      'BFD',
      submission?.submissionId as string,
      0,
      kind === 'reopen' ? { kind, reason: 'Looking again' } : { kind },
    );
    expect(stale).toMatchObject({ outcome: 'refused', code: 'conflict' });
    expect(await t.store.reviewTrail('BFD', PERIOD)).toHaveLength(1);
  });
});

describe('a quarter from query to signed-off revision', () => {
  it('queries, answers with a corrected file, signs off, holds a later upload, then accepts it', async () => {
    await t.clearEmails();
    const values = validValues('BLK', PERIOD, 5);
    const a = await send(
      'BLK',
      'a.xlsx',
      await filledReturn(values, 'BLK', PERIOD),
      '2025-10-20T09:00:00.000Z',
      '1A',
    );
    const idA = a.submission.submissionId;

    // Refusals first: nothing written by any of them.
    expect(await act(ana, 'BLK', idA, 0, { kind: 'query', message: '   ' })).toMatchObject({
      outcome: 'refused',
      message: expect.stringContaining('what the site should look at'),
    });
    expect(
      await act(ana, 'BLK', idA, 0, { kind: 'query', message: 'x'.repeat(MAX_REVIEW_TEXT + 1) }),
    ).toMatchObject({ outcome: 'refused', message: expect.stringContaining('2,000 characters') });
    expect(await t.store.review('BLK', PERIOD)).toBeUndefined();

    const queried = await act(ana, 'BLK', idA, 0, {
      kind: 'query',
      message: 'Sessions look high against last quarter: can you check <ACT.SESSIONS>?',
    });
    expect(queried).toMatchObject({
      outcome: 'done',
      email: 'sent',
      review: { state: 'queried', version: 1 },
    });
    const [queryEmail] = (await t.emails()).filter((email) => email.subject.startsWith('Question'));
    expect(queryEmail?.subject).toBe('Question about your Blackpool 2025-26 Q2 return');
    expect(queryEmail?.destination.to).toContain('data@blackpool-betterstart.example');
    expect(queryEmail?.body.text).toContain('> Sessions look high against last quarter');
    expect(queryEmail?.body.text).toContain(
      `https://returns.funder.example/returns/${PERIOD}/submissions/${idA}`,
    );
    expect(queryEmail?.body.text).toContain('a.xlsx');
    expect(queryEmail?.body.html).toContain('&lt;ACT.SESSIONS&gt;');

    // The site replies on the page.
    const site: Actor = { id: 'jo@blackpool.example', name: 'Jo', role: 'site', site: 'BLK' };
    expect(
      await act(site, 'BLK', idA, 1, { kind: 'reply', message: 'We ran two extra groups.' }),
    ).toMatchObject({
      outcome: 'done',
      review: { state: 'queried', version: 2 },
    });
    const [replyEmail] = (await t.emails()).filter((email) => email.subject.includes('replied to the query'));
    expect(replyEmail?.subject).toBe('Blackpool replied to the query about their 2025-26 Q2 return');
    expect(replyEmail?.destination.to).toEqual(testReference().programme.reminders.staffEmails);
    expect(replyEmail?.body.text).toContain('> We ran two extra groups.');
    expect(replyEmail?.body.text).toContain('> Sessions look high against last quarter');

    // A corrected file answers the query: it becomes current, and the review starts again on it.
    await t.clearEmails();
    const b = await send(
      'BLK',
      'b.xlsx',
      await filledReturn(withItems(values, { 'NOTE.HIGHLIGHTS': 'Corrected' }), 'BLK', PERIOD),
      '2025-10-21T09:00:00.000Z',
      '1B',
    );
    const idB = b.submission.submissionId;
    await t.stack.deliver(b.event); // at least once: the same event again records nothing more
    await t.stack.idle();
    expect((await t.store.currentReturn('BLK', PERIOD))?.submissionId).toBe(idB);
    expect(await t.store.review('BLK', PERIOD)).toMatchObject({
      submissionId: idB,
      state: 'awaiting-review',
      version: 3,
    });
    expect((await t.emails())[0]?.body.text).toContain('Thank you for answering the funder’s question');

    // Signing off the replaced file is refused; the current one is signed off.
    expect(await act(ben, 'BLK', idA, 3, { kind: 'sign-off' })).toMatchObject({
      outcome: 'refused',
      message: expect.stringContaining('no longer the current return'),
    });
    expect(await act(ben, 'BLK', idB, 3, { kind: 'sign-off' })).toMatchObject({
      outcome: 'done',
      review: { state: 'signed-off', version: 4 },
    });

    // A later upload waits: current unchanged, no recompute asked for, one audit record however often delivered.
    await t.clearEmails();
    const acceptedBefore = t.accepted.length;
    const requestsBefore = (await t.store.aggregationRequests()).find((entry) => entry.period === PERIOD);
    const c = await send(
      'BLK',
      'c.xlsx',
      await filledReturn(withItems(values, { 'NOTE.HIGHLIGHTS': 'Later' }), 'BLK', PERIOD),
      '2025-10-25T09:00:00.000Z',
      '1C',
    );
    const idC = c.submission.submissionId;
    await t.stack.deliver(c.event);
    await t.stack.idle();
    expect((await t.store.currentReturn('BLK', PERIOD))?.submissionId).toBe(idB);
    expect(t.accepted.length).toBe(acceptedBefore);
    expect((await t.store.aggregationRequests()).find((entry) => entry.period === PERIOD)).toEqual(
      requestsBefore,
    );
    const held = await t.store.review('BLK', PERIOD);
    expect(held).toMatchObject({
      state: 'signed-off',
      submissionId: idB,
      proposedRevision: { submissionId: idC },
    });
    const trail = await t.store.reviewTrail('BLK', PERIOD);
    expect(trail.filter((record) => record.action === 'upload-proposed')).toHaveLength(1);
    const emails = await t.emails();
    expect(emails).toHaveLength(1);
    expect(emails[0]?.body.text).toContain('was already signed off by the funder');
    expect(emails[0]?.body.text).toContain('waits as a proposed revision until the funder accepts it');

    // Reopening is refused while a revision waits; accepting makes it current and asks for a recompute.
    expect(
      await act(ana, 'BLK', idB, held?.version as number, { kind: 'reopen', reason: 'x' }),
    ).toMatchObject({
      outcome: 'refused',
    });
    expect(await act(ana, 'BLK', idB, held?.version as number, { kind: 'accept-revision' })).toMatchObject({
      outcome: 'done',
      review: { state: 'awaiting-review', submissionId: idC },
    });
    expect((await t.store.currentReturn('BLK', PERIOD))?.submissionId).toBe(idC);
    expect((await t.store.getSubmission(idB))?.status).toBe('superseded');
    const requestsAfter = (await t.store.aggregationRequests()).find((entry) => entry.period === PERIOD);
    expect(requestsAfter?.requested).toBe((requestsBefore?.requested ?? 0) + 1);

    // The whole story, in order: who, what, why.
    expect(
      (await t.store.reviewTrail('BLK', PERIOD)).map((record) => [record.action, record.actor.name]),
    ).toEqual([
      ['query', 'Ana Patel'],
      ['reply', 'Jo'],
      ['upload-current', 'Blackpool Better Start'],
      ['sign-off', 'Ben Okafor'],
      ['upload-proposed', 'Blackpool Better Start'],
      ['accept-revision', 'Ana Patel'],
    ]);
    expect(
      (await t.store.yearReviews('2025-26')).map((review) => [review.site, review.state]).sort(),
    ).toEqual([
      ['BFD', expect.any(String)],
      ['BLK', 'awaiting-review'],
    ]);
  });

  it('finishes an accepted revision a worker left half-done, at the next action on the quarter', async () => {
    const values = validValues('SEN', PERIOD, 8);
    const a = await send(
      'SEN',
      'a.xlsx',
      await filledReturn(values, 'SEN', PERIOD),
      '2025-10-20T09:00:00.000Z',
      '3A',
    );
    const idA = a.submission.submissionId;
    expect(await act(ana, 'SEN', idA, 0, { kind: 'sign-off' })).toMatchObject({ outcome: 'done' });
    const b = await send(
      'SEN',
      'b.xlsx',
      await filledReturn(withItems(values, { 'NOTE.HIGHLIGHTS': 'Revised' }), 'SEN', PERIOD),
      '2025-10-22T09:00:00.000Z',
      '3B',
    );
    const idB = b.submission.submissionId;
    const held = await t.store.review('SEN', PERIOD);
    expect(held?.proposedRevision?.submissionId).toBe(idB);
    // The review write of "accept" landed; the worker died before making the revision current.
    const { proposedRevision: _revision, signedOff: _signedOff, ...rest } = held as NonNullable<typeof held>;
    const version = (held?.version as number) + 1;
    await t.store.writeReview(
      { ...rest, submissionId: idB, state: 'awaiting-review', version },
      {
        site: 'SEN',
        period: PERIOD,
        submissionId: idB,
        action: 'accept-revision',
        actor: ben,
        at: '2025-11-03T10:00:00Z',
        from: 'signed-off',
        to: 'awaiting-review',
        version,
      },
      held?.version as number,
    );
    expect((await t.store.currentReturn('SEN', PERIOD))?.submissionId).toBe(idA);
    expect(await act(ana, 'SEN', idB, version, { kind: 'query', message: 'Why revised?' })).toMatchObject({
      outcome: 'done',
      review: { submissionId: idB, state: 'queried' },
    });
    expect((await t.store.currentReturn('SEN', PERIOD))?.submissionId).toBe(idB);
    expect((await t.store.getSubmission(idA))?.status).toBe('superseded');
  });

  it('refuses to sign off a rejected return', async () => {
    const broken = withItems(validValues('LAM', PERIOD, 2), { 'BF.TOTAL': 1 });
    const { submission } = await send(
      'LAM',
      'broken.xlsx',
      await filledReturn(broken, 'LAM', PERIOD),
      '2025-10-20T09:00:00.000Z',
      '1L',
    );
    expect(submission.status).toBe('rejected');
    expect(await act(ana, 'LAM', submission.submissionId, 0, { kind: 'sign-off' })).toMatchObject({
      outcome: 'refused',
      message: expect.stringContaining('was not accepted'),
    });
  });
});

describe('releases of signed-off returns only', () => {
  it('refuses a quarter with none signed off, then publishes only the signed-off ones, saying so', async () => {
    const reference = testReference();
    const signedOffOnly = {
      ...reference,
      programme: new Programme({ ...reference.programme.settings, releases: { signedOffOnly: true } }),
    };
    const publishDeps = {
      store: t.store,
      files: new S3ReturnFiles(t.stack.clients.s3, t.stack.bucket),
      releases: new DynamoReleaseStore(
        DynamoDBDocumentClient.from(t.stack.clients.dynamodb, {
          marshallOptions: { removeUndefinedValues: true },
        }),
        t.stack.table,
      ),
      reference: signedOffOnly,
      log: deps.log,
      clock: () => new Date('2026-02-15T09:00:00Z'),
    };
    // Whatever the race above left, Bradford is not signed off now.
    const bfd = await t.store.review('BFD', PERIOD);
    if (bfd?.state === 'signed-off')
      await act(ana, 'BFD', bfd.submissionId, bfd.version, { kind: 'reopen', reason: 'For this test' });

    const refused = await publishRelease(publishDeps, { period: PERIOD, publishedBy: 'Ana Patel' });
    expect(refused).toMatchObject({ outcome: 'refused', reason: 'not-signed-off' });
    if (refused.outcome !== 'refused') throw new Error('unreachable');
    expect(refused.message).toContain('none of the 3 accepted returns for 2025-26 Q2 is signed off yet');

    const blk = await t.store.review('BLK', PERIOD);
    expect(
      await act(ben, 'BLK', blk?.submissionId as string, blk?.version as number, { kind: 'sign-off' }),
    ).toMatchObject({ outcome: 'done' });
    const published = await publishRelease(publishDeps, { period: PERIOD, publishedBy: 'Ana Patel' });
    expect(published).toMatchObject({ outcome: 'published' });
    if (published.outcome !== 'published') throw new Error(published.message);
    expect(published.release.submissions).toEqual([
      { site: 'BLK', period: PERIOD, submissionId: blk?.submissionId },
    ]);
    expect(published.message).toContain('from 1 signed-off return.');
  });
});

describe('returns review', () => {
  it('prints the state and the trail of a site-quarter, who did what and why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'review-cli-'));
    writeFileSync(
      join(dir, 'stack.json'),
      JSON.stringify({
        endpoints: t.stack.endpoints,
        bucket: t.stack.bucket,
        table: t.stack.table,
        emailInbox: t.stack.endpoints.ses,
        startedAt: new Date().toISOString(),
        pid: process.pid,
      }),
    );
    process.env.RETURNS_LOCAL_DIR = dir;
    let stdout = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    try {
      expect(await main(['review', '--site', 'BLK', '--period', '2025-26-Q2'])).toBe(0);
    } finally {
      out.mockRestore();
      delete process.env.RETURNS_LOCAL_DIR;
      rmSync(dir, { recursive: true, force: true });
    }
    expect(stdout).toMatch(
      /^Blackpool Better Start, 2025-26 Q2: signed off \(current return BLK-[0-9a-f]{16}, review version \d+\)/,
    );
    expect(stdout).toContain('Ana Patel (funder): query (awaiting review → queried)');
    expect(stdout).toContain('    Sessions look high against last quarter');
    expect(stdout).toContain('Jo: reply (queried → queried)');
  });
});

describe('going back to an earlier file', () => {
  it('moves the review to it, answering a query on the file between, with a true record', async () => {
    const values = validValues('NOT', PERIOD, 7);
    const first = await filledReturn(values, 'NOT', PERIOD);
    const a = await send('NOT', 'a.xlsx', first, '2025-10-20T09:00:00.000Z', '3A');
    const b = await send(
      'NOT',
      'b.xlsx',
      await filledReturn(withItems(values, { 'NOTE.HIGHLIGHTS': 'Second thoughts' }), 'NOT', PERIOD),
      '2025-10-21T09:00:00.000Z',
      '3B',
    );
    expect(
      await act(ana, 'NOT', b.submission.submissionId, 0, { kind: 'query', message: 'Why the change?' }),
    ).toMatchObject({ outcome: 'done', review: { state: 'queried' } });

    // The site sends its first file again, under another name: it is the current return once more.
    await t.upload('incoming/NOT/a again.xlsx', first);
    await t.stack.deliver(
      s3Event('incoming/NOT/a again.xlsx', '2025-10-22T09:00:00.000Z', '3C', first.length),
    );
    await t.stack.idle();
    expect((await t.store.currentReturn('NOT', PERIOD))?.submissionId).toBe(a.submission.submissionId);

    const review = await t.store.review('NOT', PERIOD);
    expect(review).toMatchObject({ submissionId: a.submission.submissionId, state: 'awaiting-review' });
    const last = (await t.store.reviewTrail('NOT', PERIOD)).find(
      (record) => record.submissionId === a.submission.submissionId,
    );
    expect(last).toMatchObject({ action: 'upload-current', from: 'queried', to: 'awaiting-review' });
    expect(last?.text ?? '').not.toContain('signed off');
  });
});
