/**
 * The portal under test: a local stack (emulators on free ports, data in a
 * temporary folder), the local identity provider, the upload policy check and
 * the portal itself, all as `npm start` runs them; and a cookie-keeping HTTP
 * client that signs in by the real code flow, for tests that need no browser.
 */
import { importJWK, SignJWT } from 'jose';
import type { LocalPortal, LocalPortalOptions } from '../../functions/src/local/local-portal.js';
import { LOCAL_PORTAL_CLIENT_ID, startLocalPortal } from '../../functions/src/local/local-portal.js';
import type { LocalStackOptions } from '../../functions/src/local/local-stack.js';
import { cookieNames, seal } from '../../functions/src/portal/session.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { testReference } from '../support/reference.js';

export interface PortalHarness {
  readonly stack: TestStack;
  readonly portal: LocalPortal;
  readonly url: string;
  client(): PortalClient;
  /** A session cookie holding any token (forged, expired…), sealed as the portal seals its own. */
  sessionWith(accessToken: string, csrf?: string): Promise<string>;
  /** A token signed by the local provider's own key, with the claims given over Cognito-shaped defaults. */
  mint(
    claims: Record<string, unknown>,
    options?: { expiresIn?: string | number; key?: 'provider' | 'forged' },
  ): Promise<string>;
  /** Waits until the pipeline has checked an upload, and returns the submission page's path. */
  checked(client: PortalClient, uploadId: string): Promise<string>;
  stop(): Promise<void>;
}

export class PortalClient {
  readonly cookies = new Map<string, string>();
  constructor(private readonly base: string) {}

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async fetch(pathOrUrl: string, init: RequestInit = {}): Promise<Response> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.base}${pathOrUrl}`;
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0 && !headers.has('cookie')) headers.set('cookie', this.header());
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      const expired = attributes.some((attribute) => /max-age=0\b/i.test(attribute.trim())) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Follows redirects (303s and 302s) from a first request; returns the last response and its URL. */
  async follow(
    pathOrUrl: string,
    init: RequestInit = {},
    stopAt?: (url: string) => boolean,
  ): Promise<{ response: Response; url: string }> {
    let url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.base}${pathOrUrl}`;
    let response = await this.fetch(url, init);
    for (let hop = 0; hop < 10 && response.status >= 300 && response.status < 400; hop++) {
      url = new URL(response.headers.get('location') as string, url).href;
      if (stopAt?.(url)) break;
      response = await this.fetch(url);
    }
    return { response, url };
  }

  async signInAs(accountId: string): Promise<void> {
    const { response, url } = await this.follow('/sign-in');
    const page = await response.text();
    const action = new RegExp(
      `action="([^"]+)"[^>]*>\\s*<input type="hidden" name="account" value="${accountId}"`,
    ).exec(page)?.[1];
    if (!action) throw new Error(`no sign-in button for ${accountId} at ${url}`);
    const done = await this.follow(new URL(action, url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `account=${encodeURIComponent(accountId)}`,
    });
    if (done.response.status !== 200)
      throw new Error(`sign-in ended with ${done.response.status} at ${done.url}`);
  }

  /** The upload form on a page: its action and hidden fields, as the browser would post them. */
  async uploadForm(path = '/upload'): Promise<{ action: string; fields: Map<string, string> }> {
    const page = await (await this.fetch(path)).text();
    return parseUploadForm(page);
  }
}

export function parseUploadForm(page: string): { action: string; fields: Map<string, string> } {
  const form = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"[\s\S]*?<\/form>/.exec(
    page,
  );
  if (!form) throw new Error('the page has no upload form');
  const fields = new Map<string, string>();
  for (const input of form[0].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.set(unescapeHtml(input[1] as string), unescapeHtml(input[2] as string));
  }
  return { action: unescapeHtml(form[1] as string), fields };
}

function unescapeHtml(text: string): string {
  return text.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_, entity: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[entity] as string,
  );
}

/** Posts a file with a form's fields, as a browser posts a multipart form; `change` edits the fields first. */
export async function postUpload(
  form: { action: string; fields: Map<string, string> },
  file: Buffer,
  change: (fields: Map<string, string>) => void = () => undefined,
): Promise<Response> {
  const fields = new Map(form.fields);
  change(fields);
  const body = new FormData();
  for (const [name, value] of fields) body.append(name, value);
  body.append('file', new Blob([new Uint8Array(file)]), 'return.xlsx');
  return fetch(form.action, { method: 'POST', body, redirect: 'manual' });
}

export async function startPortalHarness(
  options: Partial<LocalPortalOptions> = {},
  stackOptions: Partial<LocalStackOptions> = {},
): Promise<PortalHarness> {
  const stack = await startTestStack(stackOptions);
  const reference = testReference();
  let portal: LocalPortal;
  try {
    portal = await startLocalPortal({
      reference,
      log: {
        info: () => undefined,
        warn: () => undefined,
        error: (message, detail) => console.error(message, detail),
      },
      bucket: stack.stack.bucket,
      table: stack.stack.table,
      endpoints: stack.stack.endpoints,
      sender: stack.stack.sender,
      ports: { portal: 0, signIn: 0, uploads: 0 },
      ...options,
    });
  } catch (error) {
    await stack.stop();
    throw error;
  }
  const forgedKey = (await import('node:crypto')).generateKeyPairSync('rsa', {
    modulusLength: 2048,
  }).privateKey;
  const names = cookieNames(false);
  return {
    stack,
    portal,
    url: portal.url,
    client: () => new PortalClient(portal.url),
    sessionWith: async (accessToken, csrf = 'not-the-token') =>
      `${names.session}=${await seal(portal.sessionKey, 'session', { accessToken, displayName: 'someone', csrf }, 3600)}`,
    mint: async (claims, mintOptions = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const key =
        mintOptions.key === 'forged' ? forgedKey : await importJWK(portal.signIn.signingKey, 'RS256');
      return new SignJWT({
        token_use: 'access',
        client_id: LOCAL_PORTAL_CLIENT_ID,
        username: 'blk-demo',
        'cognito:groups': ['site-BLK'],
        scope: 'openid email',
        ...claims,
      })
        .setProtectedHeader({ alg: 'RS256', kid: portal.signIn.signingKey.kid })
        .setIssuer(typeof claims.iss === 'string' ? claims.iss : portal.signIn.issuer)
        .setSubject('blk-demo')
        .setIssuedAt(now - 60)
        .setExpirationTime(mintOptions.expiresIn ?? now + 300)
        .sign(key);
    },
    checked: async (client, uploadId) => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const response = await client.fetch(`/uploads/${uploadId}`);
        if (response.status === 303) return response.headers.get('location') as string;
        if (response.status !== 200) throw new Error(`/uploads/${uploadId} answered ${response.status}`);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      throw new Error(`upload ${uploadId} was never checked`);
    },
    stop: async () => {
      await portal.stop();
      await stack.stop();
    },
  };
}
