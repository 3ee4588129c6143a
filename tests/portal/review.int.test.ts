/**
 * Sign-off and queries through the portal, on the local stack as `npm start`
 * runs it: staff query a return (the email is caught by the local SES), the
 * site sees the question and replies on the page, a stale page is refused
 * with what happened and the text kept, staff sign off; a site user posting a
 * staff action, and another site replying, get 404 and change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unseal } from '../../functions/src/portal/session.js';
import { filledReturn, validValues, withItems } from '../support/returns.js';
import { type PortalClient, type PortalHarness, postUpload, startPortalHarness } from './harness.js';

let harness: PortalHarness;
let blk: PortalClient;
let bfd: PortalClient;
let staff: PortalClient;
let page: string;

async function post(client: PortalClient, path: string, fields: Record<string, string>): Promise<Response> {
  const session = [...client.cookies].find(([name]) => name === 'portal-session')?.[1];
  const csrf = (await unseal<{ csrf: string }>(harness.portal.sessionKey, 'session', session))?.csrf ?? '';
  return client.fetch(path, {
    method: 'POST',
    headers: { origin: harness.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, ...fields }).toString(),
  });
}

const text = async (client: PortalClient, path: string) => (await client.fetch(path)).text();

beforeAll(async () => {
  harness = await startPortalHarness();
  [blk, bfd, staff] = [harness.client(), harness.client(), harness.client()];
  await blk.signInAs('blk-demo');
  await bfd.signInAs('bfd-demo');
  await staff.signInAs('staff-demo');
  const form = await blk.uploadForm();
  const response = await postUpload(
    form,
    await filledReturn(validValues('BLK', '2025-26-Q2', 9), 'BLK', '2025-26-Q2'),
  );
  const uploadId = new URL(response.headers.get('location') as string).pathname.split('/').pop() as string;
  page = await harness.checked(blk, uploadId);
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

describe('reviewing a return on the portal', () => {
  it('offers staff the review forms and the site none, with the state in words', async () => {
    const asStaff = await text(staff, page);
    expect(asStaff).toContain('Funder review');
    expect(asStaff).toContain('Accepted, awaiting the funder’s review');
    expect(asStaff).toContain('Sign off this return');
    expect(asStaff).toContain('Send query to the site');
    const asSite = await text(blk, page);
    expect(asSite).toContain('Accepted, awaiting the funder’s review');
    expect(asSite).not.toContain('Sign off this return');
    expect(asSite).not.toContain('name="action" value="query"');
  });

  it('gives a site user who posts a staff action 404, and records nothing', async () => {
    const response = await post(blk, `${page}/review`, { action: 'sign-off', version: '0' });
    expect(response.status).toBe(404);
    expect(await harness.stack.store.review('BLK', '2025-26-Q2')).toBeUndefined();
  });

  it('emails a query to the site, shows it on the page, and takes the site’s reply', async () => {
    const queried = await post(staff, `${page}/review`, {
      action: 'query',
      version: '0',
      text: 'Attendances look low for 40 sessions: is <one group> missing?',
    });
    expect(queried.status).toBe(303);
    expect(queried.headers.get('location')).toBe(`${page}?done=query#review`);
    // The upload's own feedback email may land after the page has moved on: only the query is counted.
    const emails = (await harness.stack.emails()).filter((email) => email.subject.startsWith('Question'));
    expect(emails).toHaveLength(1);
    expect(emails[0]?.subject).toBe('Question about your Blackpool 2025-26 Q2 return');
    expect(emails[0]?.body.text).toContain(`${harness.url}${page}`);
    expect(emails[0]?.body.text).toContain('> Attendances look low for 40 sessions: is <one group> missing?');

    const asSite = await text(blk, page);
    expect(asSite).toContain('Question from the funder');
    expect(asSite).toContain('is &lt;one group&gt; missing?');
    expect(asSite).toContain('Your reply to the funder');

    // Another partnership cannot reply to it, even knowing the address.
    expect((await post(bfd, `${page}/reply`, { version: '1', text: 'not ours' })).status).toBe(404);

    const replied = await post(blk, `${page}/reply`, {
      version: '1',
      text: 'Yes: the Tuesday group was left out.',
    });
    expect(replied.status).toBe(303);
    const trail = await text(staff, page);
    expect(trail).toContain('Reply from the site');
    expect(trail).toContain('Yes: the Tuesday group was left out.');
    expect(trail).toContain('Query sent to the site');
  });

  it('refuses a stale page with what happened since, keeping what was typed', async () => {
    const stale = await post(staff, `${page}/review`, {
      action: 'query',
      version: '1',
      text: 'And the spend by domain?',
    });
    expect(stale.status).toBe(409);
    const body = await stale.text();
    expect(body).toContain('replied to the query at');
    expect(body).toContain('while you were writing your query');
    expect(body).toContain('>And the spend by domain?</textarea>');
    expect((await harness.stack.store.review('BLK', '2025-26-Q2'))?.version).toBe(2);
  });

  it('refuses an empty query with the reason beside the box', async () => {
    const empty = await post(staff, `${page}/review`, { action: 'query', version: '2', text: '  ' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Please say what the site should look at');
  });

  it('signs off, and the page then says so and offers reopening', async () => {
    const signed = await post(staff, `${page}/review`, { action: 'sign-off', version: '2' });
    expect(signed.status).toBe(303);
    const asStaff = await text(staff, `${page}?done=sign-off`);
    expect(asStaff).toContain('Signed off. The return is now locked');
    expect(asStaff).toContain('Reopen this return');
    expect(asStaff).not.toContain('Sign off this return');
    expect(await text(blk, page)).toContain('Signed off');
    // The notice is said only to the person who acted: a link cannot make it claim anything.
    expect(await text(blk, `${page}?done=sign-off`)).not.toContain('The return is now locked');
    expect(await text(blk, `${page}?done=reply`)).not.toContain('your reply is recorded');
    expect(await text(staff, `${page}?done=constructor`)).not.toContain('function');
    expect(await harness.stack.store.review('BLK', '2025-26-Q2')).toMatchObject({
      state: 'signed-off',
      version: 3,
    });
  });

  it('holds a later upload as a proposed revision, and the site’s returns page says so', async () => {
    expect(await text(blk, '/returns?year=2025-26')).toContain('Signed off by the funder');
    const form = await blk.uploadForm(page);
    const response = await postUpload(
      form,
      await filledReturn(
        withItems(validValues('BLK', '2025-26-Q2', 9), { 'NOTE.HIGHLIGHTS': 'A late correction' }),
        'BLK',
        '2025-26-Q2',
      ),
    );
    const uploadId = new URL(response.headers.get('location') as string).pathname.split('/').pop() as string;
    const revision = await harness.checked(blk, uploadId);
    expect(revision).not.toBe(page);
    // The page moves on once the submission is recorded; the review notes the revision a moment later.
    for (let attempt = 0; ; attempt++) {
      if ((await harness.stack.store.review('BLK', '2025-26-Q2'))?.proposedRevision) break;
      if (attempt === 300) throw new Error('the proposed revision was never noted on the review');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const returns = await text(blk, '/returns?year=2025-26');
    expect(returns).toContain('Accepted, waiting for the funder to take it as a revision');
    expect(returns).toMatch(/Signed off by the funder[\s\S]*\(this is the return we hold\)/);
    expect(await text(staff, revision)).toContain('Accept the proposed revision');
    expect(await text(staff, page)).toContain('waits as a proposed revision');

    // Accepted from the revision's own page: it becomes the current return, and the page says so.
    const version = String((await harness.stack.store.review('BLK', '2025-26-Q2'))?.version);
    const accepted = await post(staff, `${revision}/review`, { action: 'accept-revision', version });
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('location')).toBe(`${revision}?done=accept-revision#review`);
    const revisionId = revision.split('/').pop() as string;
    expect((await harness.stack.store.currentReturn('BLK', '2025-26-Q2'))?.submissionId).toBe(revisionId);
    expect(await text(staff, revision)).toContain('Accepted, awaiting the funder’s review');
  });
});
