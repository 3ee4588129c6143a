/**
 * The portal over HTTP, against the local stack as `npm start` runs it: the
 * access matrix (every route × every kind of caller, generated from the route
 * table so a new route cannot be added without its row), and the attacks a
 * grant holder's portal must refuse: another site's records by guessed IDs,
 * another site's key in an upload form, CSRF, bad uploads through the policy
 * check, path traversal, and markup in what a return says.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unseal } from '../../functions/src/portal/session.js';
import { filledReturn, validValues, withItems } from '../support/returns.js';
import { type PortalClient, type PortalHarness, postUpload, startPortalHarness } from './harness.js';

let harness: PortalHarness;
let blk: PortalClient;
let bfd: PortalClient;
let staff: PortalClient;
/** BLK's rejected submission (with an annotated copy), BFD's, and a BLK upload ID. */
let blkSubmission: string;
let bfdSubmission: string;
let blkUploadId: string;
let idToken: string;

async function uploadAs(client: PortalClient, file: Buffer): Promise<{ uploadId: string; page: string }> {
  const form = await client.uploadForm();
  const response = await postUpload(form, file);
  expect(response.status).toBe(303);
  const uploadId = new URL(response.headers.get('location') as string).pathname.split('/').pop() as string;
  return { uploadId, page: await harness.checked(client, uploadId) };
}

beforeAll(async () => {
  harness = await startPortalHarness();
  [blk, bfd, staff] = [harness.client(), harness.client(), harness.client()];
  await blk.signInAs('blk-demo');
  await bfd.signInAs('bfd-demo');
  await staff.signInAs('staff-demo');
  const q2 = validValues('BLK', '2025-26-Q2');
  const broken = withItems(q2, { 'BF.TOTAL': (q2.items['BF.TOTAL'] as number) - 4 });
  const blkUpload = await uploadAs(blk, await filledReturn(broken, 'BLK', '2025-26-Q2'));
  blkUploadId = blkUpload.uploadId;
  blkSubmission = blkUpload.page;
  bfdSubmission = (
    await uploadAs(bfd, await filledReturn(validValues('BFD', '2025-26-Q2'), 'BFD', '2025-26-Q2'))
  ).page;
  await harness.stack.stack.clients.s3.send(
    new PutObjectCommand({
      Bucket: harness.stack.stack.bucket,
      Key: 'published/2025-26-Q2/release-1.xlsx',
      Body: Buffer.from('release'),
    }),
  );
  // An ID token: the same issuer and signature as an access token, meant for the client, not for APIs.
  idToken = await harness.mint({ token_use: 'id', aud: 'monitoring-returns-portal', client_id: undefined });
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

type Caller = 'anonymous' | 'BLK' | 'BFD' | 'staff';
/** `303` alone is a redirect somewhere expected; `sign-in` a redirect to sign in; `s3` a signed link to the bucket. */
type Expected = 200 | 303 | 400 | 403 | 404 | 'sign-in' | 's3';

/**
 * Every route, with an example path (BLK's own records) and what each caller
 * gets. Callers with a bad token (forged, expired, wrong client, wrong issuer,
 * an ID token) must get exactly what anonymous gets.
 */
const MATRIX: Record<string, { path: () => string; expect: Record<Caller, Expected> }> = {
  'GET /': { path: () => '/', expect: { anonymous: 200, BLK: 303, BFD: 303, staff: 303 } },
  'GET /help': { path: () => '/help', expect: { anonymous: 200, BLK: 200, BFD: 200, staff: 200 } },
  'GET /accessibility': {
    path: () => '/accessibility',
    expect: { anonymous: 200, BLK: 200, BFD: 200, staff: 200 },
  },
  'GET /privacy': { path: () => '/privacy', expect: { anonymous: 200, BLK: 200, BFD: 200, staff: 200 } },
  'GET /assets/:file': {
    path: () => '/assets/portal.css',
    expect: { anonymous: 200, BLK: 200, BFD: 200, staff: 200 },
  },
  'GET /sign-in': { path: () => '/sign-in', expect: { anonymous: 303, BLK: 303, BFD: 303, staff: 303 } },
  'GET /auth/callback': {
    path: () => '/auth/callback?code=x&state=y',
    expect: { anonymous: 400, BLK: 400, BFD: 400, staff: 400 },
  },
  'POST /sign-out': { path: () => '/sign-out', expect: { anonymous: 403, BLK: 303, BFD: 303, staff: 303 } },
  'GET /signed-out': {
    path: () => '/signed-out',
    expect: { anonymous: 200, BLK: 200, BFD: 200, staff: 200 },
  },
  'GET /returns': {
    path: () => '/returns',
    expect: { anonymous: 'sign-in', BLK: 200, BFD: 200, staff: 404 },
  },
  'GET /upload': { path: () => '/upload', expect: { anonymous: 'sign-in', BLK: 200, BFD: 200, staff: 404 } },
  'GET /uploads/:uploadId': {
    path: () => `/uploads/${blkUploadId}`,
    expect: { anonymous: 'sign-in', BLK: 303, BFD: 404, staff: 404 },
  },
  'GET /returns/:period/submissions/:submissionId': {
    path: () => blkSubmission,
    expect: { anonymous: 'sign-in', BLK: 200, BFD: 404, staff: 200 },
  },
  'POST /returns/:period/submissions/:submissionId/review': {
    path: () => `${blkSubmission}/review`,
    // Staff reach the action; BLK's file here was rejected, and the form is empty, so it is refused (400).
    expect: { anonymous: 403, BLK: 404, BFD: 404, staff: 400 },
  },
  'POST /returns/:period/submissions/:submissionId/reply': {
    path: () => `${blkSubmission}/reply`,
    expect: { anonymous: 403, BLK: 400, BFD: 404, staff: 404 },
  },
  'GET /returns/:period/submissions/:submissionId/annotated': {
    path: () => `${blkSubmission}/annotated`,
    expect: { anonymous: 'sign-in', BLK: 's3', BFD: 404, staff: 's3' },
  },
  'GET /returns/:period/submissions/:submissionId/original': {
    path: () => `${blkSubmission}/original`,
    expect: { anonymous: 'sign-in', BLK: 's3', BFD: 404, staff: 's3' },
  },
  'GET /templates': {
    path: () => '/templates',
    expect: { anonymous: 'sign-in', BLK: 200, BFD: 200, staff: 404 },
  },
  'GET /templates/:period/blank.xlsx': {
    path: () => '/templates/2025-26-Q2/blank.xlsx',
    expect: { anonymous: 'sign-in', BLK: 200, BFD: 200, staff: 404 },
  },
  'GET /templates/:period/with-last-figures.xlsx': {
    path: () => '/templates/2025-26-Q2/with-last-figures.xlsx',
    expect: { anonymous: 'sign-in', BLK: 200, BFD: 200, staff: 404 },
  },
  'GET /releases': {
    path: () => '/releases',
    expect: { anonymous: 'sign-in', BLK: 200, BFD: 200, staff: 200 },
  },
  'GET /releases/:period/:file': {
    path: () => '/releases/2025-26-Q2/release-1.xlsx',
    expect: { anonymous: 'sign-in', BLK: 's3', BFD: 's3', staff: 's3' },
  },
  'GET /staff': { path: () => '/staff', expect: { anonymous: 'sign-in', BLK: 404, BFD: 404, staff: 200 } },
  'GET /staff/releases': {
    path: () => '/staff/releases',
    expect: { anonymous: 'sign-in', BLK: 404, BFD: 404, staff: 200 },
  },
  'GET /staff/releases/preview': {
    path: () => '/staff/releases/preview?period=2025-26-Q2',
    expect: { anonymous: 'sign-in', BLK: 404, BFD: 404, staff: 200 },
  },
  // The matrix posts only the CSRF token: staff are told to choose a period (nothing is published).
  'POST /staff/releases/publish': {
    path: () => '/staff/releases/publish',
    expect: { anonymous: 403, BLK: 404, BFD: 404, staff: 400 },
  },
  'GET /staff/charts': {
    path: () => '/staff/charts',
    expect: { anonymous: 'sign-in', BLK: 404, BFD: 404, staff: 200 },
  },
  'GET /staff/downloads': {
    path: () => '/staff/downloads',
    expect: { anonymous: 'sign-in', BLK: 404, BFD: 404, staff: 200 },
  },
  'GET /staff/downloads/file': {
    path: () => '/staff/downloads/file?from=2025-26-Q2&to=2025-26-Q2&format=csv',
    expect: { anonymous: 'sign-in', BLK: 404, BFD: 404, staff: 200 },
  },
  'GET /staff/non-submitters': {
    path: () => '/staff/non-submitters?period=2025-26-Q2',
    expect: { anonymous: 'sign-in', BLK: 404, BFD: 404, staff: 200 },
  },
  'GET /staff/non-submitters.csv': {
    path: () => '/staff/non-submitters.csv?period=2025-26-Q2',
    expect: { anonymous: 'sign-in', BLK: 404, BFD: 404, staff: 200 },
  },
  'GET /staff/users': {
    path: () => '/staff/users',
    expect: { anonymous: 'sign-in', BLK: 404, BFD: 404, staff: 200 },
  },
  'GET /staff/users/invite': {
    path: () => '/staff/users/invite',
    expect: { anonymous: 'sign-in', BLK: 404, BFD: 404, staff: 200 },
  },
  // An empty form: staff get the form again with its errors.
  'POST /staff/users/invite': {
    path: () => '/staff/users/invite',
    expect: { anonymous: 403, BLK: 404, BFD: 404, staff: 400 },
  },
  // An active account: staff are told the invitation has been used.
  'POST /staff/users/:userId/invitation': {
    path: () => '/staff/users/bfd-demo/invitation',
    expect: { anonymous: 403, BLK: 404, BFD: 404, staff: 400 },
  },
  'GET /staff/users/:userId/remove': {
    path: () => '/staff/users/bfd-demo/remove',
    expect: { anonymous: 'sign-in', BLK: 404, BFD: 404, staff: 200 },
  },
  // Staff's own account, so the matrix removes nobody: they are told they cannot remove themselves.
  'POST /staff/users/:userId/remove': {
    path: () => '/staff/users/staff-demo/remove',
    expect: { anonymous: 403, BLK: 404, BFD: 404, staff: 400 },
  },
};

/** A POST as the caller's own page would send it: from the portal's origin, with the session's CSRF token. */
async function request(
  client: PortalClient | undefined,
  method: string,
  path: string,
  cookie?: string,
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = cookie;
  if (method === 'GET')
    return client
      ? client.fetch(path, { headers })
      : fetch(`${harness.url}${path}`, { headers, redirect: 'manual' });
  headers.origin = harness.url;
  headers['content-type'] = 'application/x-www-form-urlencoded';
  const session = client ? [...client.cookies].find(([name]) => name === 'portal-session')?.[1] : undefined;
  const csrf = session
    ? (await unseal<{ csrf: string }>(harness.portal.sessionKey, 'session', session))?.csrf
    : 'none';
  // A fresh client copy, so signing out in one row does not sign the caller out for the next.
  const copy = client ? Object.assign(harness.client(), {}) : undefined;
  if (client && copy) for (const [name, value] of client.cookies) copy.cookies.set(name, value);
  const body = `csrf=${encodeURIComponent(csrf ?? '')}`;
  return copy
    ? copy.fetch(path, { method, headers, body })
    : fetch(`${harness.url}${path}`, { method, headers, body, redirect: 'manual' });
}

function outcome(response: Response): Expected {
  const location = response.headers.get('location') ?? '';
  if (response.status === 303 && location.startsWith('/sign-in')) return 'sign-in';
  if (response.status === 303 && location.startsWith(harness.portal.uploadEndpoint)) return 's3';
  return response.status as Expected;
}

describe('the access matrix', () => {
  it('has a row for every route in the route table, and no other', () => {
    const routes = harness.portal.routes.map((route) => `${route.method} ${route.path}`).sort();
    expect(Object.keys(MATRIX).sort()).toEqual(routes);
  });

  const rows = Object.entries(MATRIX).flatMap(([route, row]) =>
    (['anonymous', 'BLK', 'BFD', 'staff'] as const).map((caller) => ({ route, caller, row })),
  );
  it.each(rows)('$route as $caller', async ({ route, caller, row }) => {
    const method = route.split(' ')[0] as string;
    const client = caller === 'BLK' ? blk : caller === 'BFD' ? bfd : caller === 'staff' ? staff : undefined;
    expect(outcome(await request(client, method, row.path()))).toBe(row.expect[caller]);
  });

  const badTokens: Array<[string, () => Promise<string>]> = [
    ['forged (signed by another key)', () => harness.mint({}, { key: 'forged' })],
    ['expired', () => harness.mint({}, { expiresIn: Math.floor(Date.now() / 1000) - 120 })],
    ['issued to another client', () => harness.mint({ client_id: 'someone-else' })],
    [
      'from another issuer',
      () => harness.mint({ iss: 'https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_evil' }),
    ],
    ['an ID token instead of an access token', async () => idToken],
    ['not a token at all', async () => 'not.a.token'],
  ];
  const badRows = Object.entries(MATRIX).flatMap(([route, row]) =>
    badTokens.map(([token, make]) => ({ route, token, make, row })),
  );
  it.each(badRows)('$route with a token $token is treated as signed out', async ({ route, make, row }) => {
    const method = route.split(' ')[0] as string;
    const cookie = await harness.sessionWith(await make());
    expect(outcome(await request(undefined, method, row.path(), cookie))).toBe(row.expect.anonymous);
  });

  it('an expired access token is renewed with the refresh token, without signing in again', async () => {
    const refresh = [...blk.cookies].find(([name]) => name === 'portal-refresh');
    expect(refresh).toBeDefined();
    const expired = await harness.sessionWith(
      await harness.mint({}, { expiresIn: Math.floor(Date.now() / 1000) - 120 }),
    );
    const response = await fetch(`${harness.url}/returns`, {
      headers: { cookie: `${expired}; portal-refresh=${refresh?.[1]}` },
      redirect: 'manual',
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Your returns');
    const renewed = response.headers.getSetCookie().find((cookie) => cookie.startsWith('portal-session='));
    const session = await unseal<{ accessToken: string }>(
      harness.portal.sessionKey,
      'session',
      renewed?.split(';')[0]?.slice('portal-session='.length),
    );
    expect(session?.accessToken).toBeDefined();
    expect(session?.accessToken).not.toBe(expired);
  });

  it('a session cookie sealed with another key counts for nothing', async () => {
    const response = await fetch(`${harness.url}/returns`, {
      headers: { cookie: 'portal-session=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAA.BBBB.CCCC' },
      redirect: 'manual',
    });
    expect(outcome(response)).toBe('sign-in');
  });
});

describe('a site sees only its own', () => {
  const bfdId = () => bfdSubmission.split('/').pop() as string;

  it.each([
    ['BFD’s submission page', () => bfdSubmission],
    ['BFD’s annotated copy', () => `${bfdSubmission}/annotated`],
    ['BFD’s file as sent', () => `${bfdSubmission}/original`],
    ['a guessed BFD submission ID', () => '/returns/2025-26-Q2/submissions/BFD-0123456789abcdef'],
    ['BFD’s submission under another quarter', () => `/returns/2025-26-Q1/submissions/${bfdId()}`],
    ['its own submission under another quarter', () => blkSubmission.replace('2025-26-Q2', '2025-26-Q1')],
    [
      'a traversal in the submission ID',
      () => '/returns/2025-26-Q2/submissions/..%2F..%2Fsummaries%2F2025-26-Q2%2Fprogramme.xlsx',
    ],
    ['a traversal in the period', () => `/returns/..%2Fsummaries/submissions/${bfdId()}`],
    ['a traversal in an upload ID', () => '/uploads/..%2F..%2FBFD%2Fanything'],
    ['BFD’s key as an upload ID', () => '/uploads/incoming%2FBFD%2Fx.xlsx'],
    [
      'the unsuppressed programme workbook as a release',
      () => '/releases/..%2Fsummaries%2F2025-26-Q2/programme.xlsx',
    ],
    ['a summary as a release', () => '/releases/2025-26-Q2/programme.xlsx'],
    ['a release that does not exist', () => '/releases/2025-26-Q1/release-1.xlsx'],
    ['a template for a quarter that does not exist', () => '/templates/2025-26-Q9/blank.xlsx'],
    ['a template for a quarter not yet started', () => '/templates/2034-35-Q4/blank.xlsx'],
    ['a year outside the programme', () => '/returns?year=1999-00'],
  ])('BLK asking for %s gets 404', async (_, path) => {
    const response = await blk.fetch(path());
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('Page not found');
  });

  it('the "your returns" page shows BLK’s submissions and none of BFD’s', async () => {
    const page = await (await blk.fetch('/returns?year=2025-26')).text();
    expect(page).toContain(blkSubmission);
    expect(page).not.toContain('BFD-');
  });

  it('a BFD user is never offered an upload into BLK’s folder', async () => {
    const form = await bfd.uploadForm();
    expect(form.fields.get('key')).toMatch(/^incoming\/BFD\/[0-9a-f-]{36}\.xlsx$/);
  });
});

describe('upload forms, checked as S3 checks them', () => {
  const xlsx = async () => filledReturn(validValues('BLK', '2025-26-Q2', 7), 'BLK', '2025-26-Q2');

  it.each([
    [
      'another site’s key',
      (fields: Map<string, string>) =>
        fields.set('key', (fields.get('key') as string).replace('/BLK/', '/BFD/')),
      403,
      'Policy Condition failed',
    ],
    [
      'a key of its own choosing',
      (fields: Map<string, string>) => fields.set('key', 'incoming/BLK/mine.xlsx'),
      403,
      'Policy Condition failed',
    ],
    [
      'another uploader',
      (fields: Map<string, string>) => fields.set('x-amz-meta-uploaded-by', 'someone@else.example'),
      403,
      'Policy Condition failed',
    ],
    [
      'a redirect elsewhere',
      (fields: Map<string, string>) => fields.set('success_action_redirect', 'https://evil.example/'),
      403,
      'Policy Condition failed',
    ],
    [
      'an extra field',
      (fields: Map<string, string>) => fields.set('x-amz-meta-site', 'BFD'),
      403,
      'Extra input fields',
    ],
    [
      'a tampered signature',
      (fields: Map<string, string>) => fields.set('x-amz-signature', '0'.repeat(64)),
      403,
      'SignatureDoesNotMatch',
    ],
    [
      'a policy of its own',
      (fields: Map<string, string>) =>
        fields.set(
          'policy',
          Buffer.from('{"expiration":"2099-01-01T00:00:00Z","conditions":[]}').toString('base64'),
        ),
      403,
      'SignatureDoesNotMatch',
    ],
  ])('a form post with %s is refused', async (_, change, status, message) => {
    const response = await postUpload(await blk.uploadForm(), await xlsx(), change);
    expect(response.status).toBe(status);
    expect(await response.text()).toContain(message);
  });

  it('a 0-byte file is refused as too small', async () => {
    const response = await postUpload(await blk.uploadForm(), Buffer.alloc(0));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('EntityTooSmall');
  });

  it('a 12 MB file is refused as too large', async () => {
    const response = await postUpload(await blk.uploadForm(), Buffer.alloc(12 * 1024 * 1024, 1));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('EntityTooLarge');
  });

  it('a PDF is stored (S3 cannot tell), then the portal says plainly it is not a workbook', async () => {
    const form = await blk.uploadForm();
    const response = await postUpload(form, Buffer.from('%PDF-1.7\n% a document, not a return\n'));
    expect(response.status).toBe(303);
    const uploadId = new URL(response.headers.get('location') as string).pathname.split('/').pop() as string;
    const page = await (await blk.fetch(await harness.checked(blk, uploadId))).text();
    expect(page).toContain('Not accepted: could not be checked');
    expect(page).toMatch(/PDF/);
    expect(page).not.toContain('Download your file with the problems marked');
  });
});

describe('forms on the portal', () => {
  it('refuses a sign-out posted from another origin', async () => {
    const response = await request(blk, 'POST', '/sign-out').then(() =>
      blk.fetch('/sign-out', {
        method: 'POST',
        headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'csrf=anything',
      }),
    );
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('This form has expired');
  });

  it('refuses a post from the right origin without the session’s token', async () => {
    const response = await blk.fetch('/sign-out', {
      method: 'POST',
      headers: { origin: harness.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf=guessed',
    });
    expect(response.status).toBe(403);
  });

  it('sets its cookies HttpOnly and SameSite=Lax, and pages carry a CSP without inline script', async () => {
    const response = await fetch(`${harness.url}/sign-in`, { redirect: 'manual' });
    const cookie = response.headers.getSetCookie()[0] as string;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const page = await fetch(`${harness.url}/help`);
    const csp = page.headers.get('content-security-policy') as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await page.text()).not.toMatch(/<script(?![^>]*\bsrc=)/);
  });
});

describe('what a return says is shown as text, never as markup', () => {
  it('escapes markup in a service name and a cell value', async () => {
    const values = validValues('BLK', '2025-26-Q3', 3);
    const services = values.tables.SERVICES as Array<Record<string, string | number>>;
    const hostile = '<img src=x onerror=alert(1)>';
    const tables = {
      ...values.tables,
      SERVICES: [{ ...services[0], NAME: hostile }, { ...services[1], NAME: hostile }, ...services.slice(2)],
    };
    const file = await filledReturn(
      withItems({ ...values, tables }, { 'REACH.PARENT_Q': '<script>alert(2)</script>' }),
      'BLK',
      '2025-26-Q3',
    );
    const { page } = await uploadAs(blk, file);
    const html = await (await blk.fetch(page)).text();
    expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<script>alert(2)');
    expect(html).not.toContain('<img src=x');
  });
});

describe('funder staff’s completeness pages', () => {
  it.each([
    ['a quarter 5', '2025-26-Q5', 400, 'has no quarter 5'],
    ['words', 'last%20quarter', 400, 'is not a quarter: write it like 2025-26-Q2'],
    ['markup', '%3Cscript%3Ealert(1)%3C%2Fscript%3E', 400, '&lt;script&gt;'],
    ['a quarter before the programme', '2019-20-Q1', 404, 'outside the programme'],
    ['a quarter not yet started', '2034-35-Q4', 404, 'has not started yet'],
  ])('the non-submitters list for %s is a clear page', async (_, period, status, words) => {
    for (const path of ['/staff/non-submitters', '/staff/non-submitters.csv']) {
      const response = await staff.fetch(`${path}?period=${period}`);
      expect(response.status).toBe(status);
      const page = await response.text();
      expect(page).toContain(words);
      expect(page).not.toMatch(/at \S+\.ts:\d+|<script>alert/);
    }
  });

  it('lists BLK (rejected) and the sites that sent nothing, with contacts, as a page and as CSV', async () => {
    const page = await (await staff.fetch('/staff/non-submitters?period=2025-26-Q2')).text();
    expect(page).toContain('Blackpool Better Start');
    expect(page).toContain('data@blackpool-betterstart.example');
    expect(page).not.toMatch(/id="site-BFD"/);
    const csv = await staff.fetch('/staff/non-submitters.csv?period=2025-26-Q2');
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(
      'attachment; filename="non-submitters-2025-26-Q2.csv"',
    );
    const lines = (await csv.text())
      .replace(/^\ufeff/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toMatch(/^Site code,Partnership,Quarter,Status,/);
    expect(lines.some((line) => line.startsWith('BLK,Blackpool Better Start,2025-26-Q2,not accepted,'))).toBe(
      true,
    );
    expect(lines.some((line) => line.startsWith('BFD,'))).toBe(false);
  });

  it('shows staff the uploads no site could claim and the files no quarter could take', async () => {
    await harness.stack.upload('incoming/stray-return.xlsx', Buffer.from('PK'));
    await harness.stack.upload('incoming/BFD/empty.xlsx', Buffer.alloc(0));
    let page = '';
    for (let attempt = 0; attempt < 100; attempt++) {
      page = await (await staff.fetch('/staff?year=2025-26')).text();
      // Until checked, both are listed as files being checked; then each moves to its own list.
      if (page.includes('id="unroutable"') && page.includes('id="unreadable"')) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(page).toContain('Uploads no partnership could claim');
    // Keys may break after each slash (<wbr>), never mid-name.
    expect(page).toMatch(/incoming\/<wbr>stray-return\.xlsx[\s\S]*Not in a site folder/);
    expect(page).toContain('Files that could not be read as any quarter’s return');
    expect(page).toMatch(/Better Start Bradford[\s\S]*incoming\/<wbr>BFD\/<wbr>empty\.xlsx/);
    const blkPage = await blk.fetch('/staff?year=2025-26');
    expect(blkPage.status).toBe(404);
  });
});
