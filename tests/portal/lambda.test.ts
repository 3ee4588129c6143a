/**
 * The portal as Lambda runs it: Hono's API Gateway adapter fed HTTP API
 * (payload 2.0) events as API Gateway sends them, cookies as an array and
 * bodies base64-encoded, and the answers read back as API Gateway reads them.
 * Storage is in memory here (the ports, not an SDK mock): this is about the
 * event and the response, which no emulator models.
 */
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPortalHandler } from '../../functions/src/handlers/portal-handler.js';
import { LocalUserStore } from '../../functions/src/local/local-user-store.js';
import { accessTokenVerifier } from '../../functions/src/portal/access-token.js';
import { seal } from '../../functions/src/portal/session.js';
import { testReference } from '../support/reference.js';

const PORTAL = 'https://abc123.execute-api.eu-west-2.amazonaws.com';
const ISSUER = 'https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_test';
const key = new Uint8Array(32).fill(7);

let handler: ReturnType<typeof createPortalHandler>;
let session: string;

function event(
  method: string,
  path: string,
  options: { cookies?: string[]; body?: string; query?: string; headers?: Record<string, string> } = {},
) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: options.query ?? '',
    ...(options.cookies ? { cookies: options.cookies } : {}),
    headers: { host: new URL(PORTAL).host, 'x-forwarded-proto': 'https', ...(options.headers ?? {}) },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: new URL(PORTAL).host,
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      requestId: 'request-1',
      routeKey: '$default',
      stage: '$default',
      time: '01/Dec/2026:09:00:00 +0000',
      timeEpoch: Date.now(),
    },
    ...(options.body !== undefined
      ? { body: Buffer.from(options.body).toString('base64'), isBase64Encoded: true }
      : { isBase64Encoded: false }),
  };
}

type Result = {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
};
const call = (e: ReturnType<typeof event>) => handler(e as never, {} as never) as Promise<Result>;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }] });
  handler = createPortalHandler({
    reference: testReference(),
    records: {
      getSubmission: async () => undefined,
      siteSubmissions: async () => [],
      yearOverview: async () => ({ submissions: [], current: [] }),
      currentReturns: async () => [],
      yearReviews: async () => [],
      review: async () => undefined,
      receiptsFor: async () => new Set(),
      unroutableUploads: async () => [],
    },
    files: {
      head: async () => undefined,
      read: async () => Buffer.alloc(0),
      list: async () => [],
      signDownload: async () => 'https://bucket.example/x',
    },
    uploads: {
      create: async () => ({
        url: 'https://bucket.s3.eu-west-2.amazonaws.com/',
        fields: {},
        expiresAt: new Date().toISOString(),
      }),
    },
    staff: {
      releases: { listReleases: async () => [], recordRelease: async () => ({ recorded: true }) },
      files: {
        head: async () => undefined,
        read: async () => Buffer.alloc(0),
        write: async () => undefined,
        linkTo: async () => 'https://bucket.example/x',
        list: async () => ({ objects: [], truncated: false }),
      },
      exportDelivery: 'bucket',
    },
    signIn: {
      start: async (next) => ({
        url: 'https://auth.example/oauth2/authorize?x=1',
        pending: { verifier: 'v', state: 's', nonce: 'n', next },
      }),
      finish: async () => {
        throw new Error('not in this test');
      },
      refresh: async () => {
        throw new Error('not in this test');
      },
    },
    users: new LocalUserStore(undefined, []),
    verifyAccessToken: accessTokenVerifier(
      { issuer: ISSUER, clientId: 'client', jwksUri: `${ISSUER}/.well-known/jwks.json` },
      jwks,
    ),
    sessionKey: key,
    settings: {
      portalUrl: PORTAL,
      maxUploadBytes: 10 * 1024 * 1024,
      uploadFormSeconds: 600,
      downloadLinkSeconds: 60,
    },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    clock: () => new Date(),
  });
  const token = await new SignJWT({
    token_use: 'access',
    client_id: 'client',
    username: 'blk',
    'cognito:groups': ['site-BLK'],
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(ISSUER)
    .setSubject('blk')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);
  session = await seal(
    key,
    'session',
    { accessToken: token, displayName: 'blackpool@example.org', csrf: 'the-token' },
    3600,
  );
});

describe('the portal behind API Gateway (HTTP API, payload 2.0)', () => {
  it('reads the session from the cookies array', async () => {
    const result = await call(
      event('GET', '/returns', {
        cookies: ['other=1', `__Host-portal-session=${session}`],
        query: 'year=2025-26',
      }),
    );
    expect(result.statusCode).toBe(200);
    expect(result.headers['content-type']).toMatch(/text\/html/);
    expect(result.body).toContain('Your returns');
    expect(result.body).toContain('blackpool@example.org');
  });

  it('on https, names its cookies __Host- and sends them Secure, each as its own entry of cookies', async () => {
    const result = await call(event('GET', '/sign-in'));
    expect(result.statusCode).toBe(303);
    expect(result.headers.location).toBe('https://auth.example/oauth2/authorize?x=1');
    expect(result.cookies).toHaveLength(1);
    expect(result.cookies?.[0]).toMatch(
      /^__Host-portal-sign-in=.+; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    expect(result.headers['strict-transport-security']).toMatch(/max-age=/);
  });

  it('decodes a base64 form body and checks its CSRF token and origin', async () => {
    const cookies = [`__Host-portal-session=${session}`];
    const headers = { origin: PORTAL, 'content-type': 'application/x-www-form-urlencoded' };
    const refused = await call(event('POST', '/sign-out', { cookies, headers, body: 'csrf=wrong' }));
    expect(refused.statusCode).toBe(403);
    const foreign = await call(
      event('POST', '/sign-out', {
        cookies,
        headers: { ...headers, origin: 'https://evil.example' },
        body: 'csrf=the-token',
      }),
    );
    expect(foreign.statusCode).toBe(403);
    const signedOut = await call(event('POST', '/sign-out', { cookies, headers, body: 'csrf=the-token' }));
    expect(signedOut.statusCode).toBe(303);
    expect(signedOut.cookies).toHaveLength(2);
    for (const cookie of signedOut.cookies ?? [])
      expect(cookie).toMatch(/^__Host-portal-(session|refresh)=; Max-Age=0;.*Secure/);
  });

  it('returns a workbook base64-encoded, as API Gateway needs binary bodies', async () => {
    const result = await call(
      event('GET', '/templates/2025-26-Q2/blank.xlsx', { cookies: [`__Host-portal-session=${session}`] }),
    );
    expect(result.statusCode).toBe(200);
    expect(result.isBase64Encoded).toBe(true);
    expect(Buffer.from(result.body, 'base64').subarray(0, 2).toString()).toBe('PK');
    expect(result.headers['content-disposition']).toContain('Blackpool 2025-26-Q2 return.xlsx');
  });

  it('never shows a stack trace: an unknown page is a plain 404', async () => {
    const result = await call(event('GET', '/no/such/page'));
    expect(result.statusCode).toBe(404);
    expect(result.body).toContain('Page not found');
    expect(result.body).not.toMatch(/at .*\.ts:\d+/);
  });
});
