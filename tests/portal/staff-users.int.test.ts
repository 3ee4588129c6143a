/**
 * Staff manage who has access, over HTTP against the local stack as `npm
 * start` runs it: an invited person appears on the local sign-in page and
 * signs in with their site's access; bad invitations get the form back with
 * an error summary and lose nothing typed; a removed person cannot sign in
 * again and their session ends at its next refresh; staff cannot remove
 * themselves; each invitation and removal is logged with who did it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PortalClient, type PortalHarness, startPortalHarness } from './harness.js';

let harness: PortalHarness;
let staff: PortalClient;
const logged: Array<{ message: string; detail?: Record<string, unknown> }> = [];

beforeAll(async () => {
  harness = await startPortalHarness({
    log: {
      info: (message, detail) => logged.push({ message, ...(detail ? { detail } : {}) }),
      warn: () => undefined,
      error: (message, detail) => console.error(message, detail),
    },
  });
  staff = harness.client();
  await staff.signInAs('staff-demo');
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

async function csrfOf(client: PortalClient, path: string): Promise<string> {
  const page = await (await client.fetch(path)).text();
  const token = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error(`no form token on ${path}`);
  return token;
}

async function post(
  client: PortalClient,
  path: string,
  fields: Record<string, string>,
  origin = harness.url,
) {
  return client.fetch(path, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

async function invite(fields: Record<string, string>) {
  return post(staff, '/staff/users/invite', { csrf: await csrfOf(staff, '/staff/users/invite'), ...fields });
}

function accountIdOf(signInPage: string, email: string): string | undefined {
  const entry = new RegExp(
    `name="account" value="([^"]+)">\\s*<button[^>]*>[^<]*</button>\\s*<span>${email}`,
  ).exec(signInPage);
  return entry?.[1];
}

async function signInPage(): Promise<string> {
  const { response } = await harness.client().follow('/sign-in');
  return response.text();
}

describe('inviting a person', () => {
  let accountId: string;

  it('invites them to a site: the list says so, and they appear on the sign-in page', async () => {
    const response = await invite({ email: 'Jo.Bloggs@Blackpool.example', name: 'Jo Bloggs', access: 'BLK' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/staff/users');
    const list = await (await staff.fetch('/staff/users')).text();
    expect(list).toContain('Jo Bloggs has been invited (Blackpool Better Start)');
    const blackpool = list.slice(list.indexOf('id="group-blk"'), list.indexOf('id="group-bfd"'));
    expect(blackpool).toContain('jo.bloggs@blackpool.example');
    expect(blackpool).toContain('Invited');
    // The notice is shown once.
    expect(await (await staff.fetch('/staff/users')).text()).not.toContain('has been invited');
    expect(logged.at(-1)).toMatchObject({
      message: 'portal access: a person was invited',
      detail: { by: 'staff-demo', email: 'jo.bloggs@blackpool.example', access: 'BLK' },
    });

    accountId = accountIdOf(await signInPage(), 'jo.bloggs@blackpool.example') as string;
    expect(accountId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lets them sign in with their site’s access and nothing more; they are then active', async () => {
    const jo = harness.client();
    await jo.signInAs(accountId);
    expect((await jo.fetch('/returns')).status).toBe(200);
    expect((await jo.fetch('/staff')).status).toBe(404);
    expect((await jo.fetch('/staff/users')).status).toBe(404);
    const list = await (await staff.fetch('/staff/users')).text();
    const row = list.slice(list.indexOf('jo.bloggs@blackpool.example'));
    expect(row.slice(0, 400)).toContain('Active');
  });

  it.each([
    [
      { email: 'info@blackpool.example', name: 'Info', access: 'BLK' },
      'No shared mailboxes: invite a named person',
    ],
    [
      { email: 'not an address', name: 'Someone', access: 'BLK' },
      'Enter an email address in the correct format',
    ],
    [
      { email: 'sam@bradford.example', name: 'Sam', access: 'XYZ' },
      'There is no partnership with the code XYZ',
    ],
    [
      { email: 'jo.bloggs@blackpool.example', name: 'Jo', access: 'BFD' },
      'jo.bloggs@blackpool.example has already been invited: Blackpool Better Start',
    ],
    [{ email: '', name: '', access: '' }, 'Enter the person&#39;s email address'],
  ])('gives the form back for %o, saying "%s", with what was typed', async (fields, message) => {
    const response = await invite(fields);
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain('govuk-error-summary');
    expect(page).toContain(message);
    expect(page).toContain(`value="${fields.email}"`);
    expect(page).toMatch(/<title>Error: Invite a person/);
  });

  it('shows markup typed into the form as text', async () => {
    const page = await (
      await invite({ email: '<img src=x onerror=alert(1)>', name: '<script>x</script>', access: 'BLK' })
    ).text();
    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('<script>x');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('refuses an invitation posted from another origin or without the form’s token, inviting nobody', async () => {
    const before = (await harness.portal.signIn.store.list()).length;
    const fields = { email: 'eve@evil.example', name: 'Eve', access: 'staff' };
    expect(
      (
        await post(
          staff,
          '/staff/users/invite',
          { csrf: await csrfOf(staff, '/staff/users/invite'), ...fields },
          'https://evil.example',
        )
      ).status,
    ).toBe(403);
    expect((await post(staff, '/staff/users/invite', { csrf: 'guessed', ...fields })).status).toBe(403);
    expect((await harness.portal.signIn.store.list()).length).toBe(before);
  });
});

describe('sending an invitation again', () => {
  it('sends it again to someone who has not signed in, and refuses for someone who has', async () => {
    await invite({ email: 'lee@southend.example', name: 'Lee Park', access: 'SEN' });
    const leeId = accountIdOf(await signInPage(), 'lee@southend.example') as string;
    const list = await (await staff.fetch('/staff/users')).text();
    expect(list).toContain(`action="/staff/users/${leeId}/invitation"`);
    // Only invited people are offered it.
    expect(list).not.toContain('action="/staff/users/bfd-demo/invitation"');
    const csrf = await csrfOf(staff, '/staff/users/invite');
    const again = await post(staff, `/staff/users/${leeId}/invitation`, { csrf });
    expect(again.status).toBe(303);
    expect(await (await staff.fetch('/staff/users')).text()).toContain(
      'The invitation has gone to lee@southend.example again',
    );
    expect(logged.at(-1)).toMatchObject({
      message: 'portal access: an invitation was sent again',
      detail: { by: 'staff-demo', email: 'lee@southend.example' },
    });
    const used = await post(staff, '/staff/users/bfd-demo/invitation', { csrf });
    expect(used.status).toBe(400);
    expect(await used.text()).toContain('bradford@demo.example has already signed in');
  });
});

describe('removing a person', () => {
  it('asks first, then removes them: they cannot sign in again and their session ends at its next refresh', async () => {
    await invite({ email: 'kim@bradford.example', name: 'Kim Lee', access: 'BFD' });
    const kimId = accountIdOf(await signInPage(), 'kim@bradford.example') as string;
    const kim = harness.client();
    await kim.signInAs(kimId);
    expect((await kim.fetch('/returns')).status).toBe(200);
    // Kim's session as it is once the access token has expired (5 minutes in AWS): the portal refreshes it,
    // and keeps the rotated refresh token (the local provider rotates them; an old one would fail anyway).
    let refreshToken = kim.cookies.get('portal-refresh');
    const expiredSession = async () => {
      const response = await fetch(`${harness.url}/returns`, {
        headers: {
          cookie: `${await harness.sessionWith(
            await harness.mint(
              { username: kimId, 'cognito:groups': ['site-BFD'] },
              { expiresIn: Math.floor(Date.now() / 1000) - 120 },
            ),
          )}; portal-refresh=${refreshToken}`,
        },
        redirect: 'manual',
      });
      const rotated = response.headers
        .getSetCookie()
        .find((cookie) => cookie.startsWith('portal-refresh=') && !/max-age=0/i.test(cookie));
      if (rotated) refreshToken = rotated.split(';')[0]?.slice('portal-refresh='.length);
      return response;
    };
    expect((await expiredSession()).status).toBe(200);
    expect((await expiredSession()).status).toBe(200);

    const confirm = await (await staff.fetch(`/staff/users/${kimId}/remove`)).text();
    expect(confirm).toContain("Remove Kim Lee's access?");
    expect(confirm).toContain('Better Start Bradford');
    const response = await post(staff, `/staff/users/${kimId}/remove`, {
      csrf: await csrfOf(staff, `/staff/users/${kimId}/remove`),
    });
    expect(response.status).toBe(303);
    const list = await (await staff.fetch('/staff/users')).text();
    expect(list).toContain('kim@bradford.example no longer has access');
    expect(list.split('no longer has access')[1]).not.toContain('kim@bradford.example');
    expect(logged.at(-1)).toMatchObject({
      message: 'portal access: a person was removed',
      detail: { by: 'staff-demo', email: 'kim@bradford.example', access: ['BFD'] },
    });

    // The refresh is refused now, so they are signed out.
    const after = await expiredSession();
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/sign-in/);
    expect(accountIdOf(await signInPage(), 'kim@bradford.example')).toBeUndefined();
    // Removing them again (an old tab) is "not found", not a failure.
    expect((await staff.fetch(`/staff/users/${kimId}/remove`)).status).toBe(404);
  }, 30_000);

  it('will not let staff remove themselves, and says why', async () => {
    const page = await (await staff.fetch('/staff/users/staff-demo/remove')).text();
    expect(page).toContain('You cannot remove your own access');
    const response = await post(staff, '/staff/users/staff-demo/remove', {
      csrf: await csrfOf(staff, '/staff/users/invite'),
    });
    expect(response.status).toBe(400);
    expect(await harness.portal.signIn.store.find('staff-demo')).toBeDefined();
    // The list offers no remove link for yourself.
    const list = await (await staff.fetch('/staff/users')).text();
    expect(list).not.toContain('/staff/users/staff-demo/remove');
    expect(list).toContain('This is you');
  });

  it('answers a made-up or malformed ID with not found', async () => {
    for (const id of ['no-such-person', '..%2F..%2Fetc', '%3Cscript%3E'])
      expect((await staff.fetch(`/staff/users/${id}/remove`)).status).toBe(404);
  });
});
