/**
 * The local stack's identity provider: a real OpenID Connect provider
 * (oidc-provider, certified) on 127.0.0.1, so the portal signs in locally by
 * the very code flow with PKCE it uses against Cognito. Its "sign in as" page
 * lists demo users (one per site, one member of funder staff) instead of
 * asking for a password, and its access tokens are shaped like Cognito's:
 * JWTs signed RS256 by a key in its JWKS, with `token_use: access`,
 * `cognito:groups`, `client_id`, `username`, `iss` and a short `exp`.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import type ProviderClass from 'oidc-provider';
import { STAFF_GROUP, siteGroup } from '../config/access-groups.js';
import { escapeHtml } from '../portal/html.js';
import type { SiteRegistry } from '../programme/sites.js';
import { type LocalAccount, LocalUserStore } from './local-user-store.js';

/** A demo user is the local store's first kind of account; staff invite the others. */
export type DemoUser = LocalAccount;

export interface LocalSignInOptions {
  readonly sites: SiteRegistry;
  readonly port: number;
  readonly clientId: string;
  readonly redirectUris: readonly string[];
  /** Where the provider may send people after signing them out (the portal's /signed-out). */
  readonly postLogoutRedirectUris?: readonly string[];
  /** Access token lifetime; Cognito's shortest is 5 minutes, tests shorten it to see refresh work. */
  readonly accessTokenSeconds?: number;
  /** Extra accounts for tests (a user with no group, or two sites). */
  readonly extraUsers?: readonly DemoUser[];
  /**
   * The accounts: the demo users and everyone staff invited (local-user-store.ts). Without
   * one, the demo and extra users, in memory.
   */
  readonly store?: LocalUserStore;
}

export interface LocalSignIn {
  readonly issuer: string;
  readonly jwksUri: string;
  /** Everyone who may sign in now: the demo users and those invited (and not removed). */
  readonly users: readonly DemoUser[];
  readonly store: LocalUserStore;
  /** The signing key, for tests that need a token the provider would never issue (expired, wrong client). */
  readonly signingKey: JWK & { kid: string };
  stop(): Promise<void>;
}

/** The resource the portal's access tokens are for; JWT access tokens need one in oidc-provider. */
const RESOURCE = 'urn:monitoring-returns:portal';

export function demoUsers(sites: SiteRegistry): DemoUser[] {
  return [
    ...sites.sites.map((site) => ({
      accountId: `${site.code.toLowerCase()}-demo`,
      email: `${site.shortName.toLowerCase()}@demo.example`,
      name: `${site.shortName} demo user`,
      groups: [siteGroup(site.code)],
      role: `sends ${site.name}'s returns`,
    })),
    {
      accountId: 'staff-demo',
      email: 'staff@demo.example',
      name: 'Funder staff demo user',
      groups: [STAFF_GROUP],
      role: 'funder staff: sees every site',
    },
  ];
}

export async function startLocalSignIn(options: LocalSignInOptions): Promise<LocalSignIn> {
  const store =
    options.store ??
    new LocalUserStore(undefined, [...demoUsers(options.sites), ...(options.extraUsers ?? [])]);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = {
    ...(privateKey.export({ format: 'jwk' }) as JWK),
    kid: `local-${randomBytes(4).toString('hex')}`,
    alg: 'RS256',
    use: 'sig',
  };

  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accessTokenSeconds = options.accessTokenSeconds ?? 300;

  const Provider = await quietly(async () => (await import('oidc-provider')).default);
  const provider: ProviderClass = await quietly(
    async () =>
      new Provider(issuer, {
        clients: [
          {
            client_id: options.clientId,
            token_endpoint_auth_method: 'none',
            redirect_uris: [...options.redirectUris],
            post_logout_redirect_uris: [...(options.postLogoutRedirectUris ?? [])],
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
          },
        ],
        jwks: { keys: [signingKey] },
        cookies: { keys: [randomBytes(32).toString('hex')] },
        scopes: ['openid', 'email'],
        claims: { openid: ['sub'], email: ['email', 'email_verified', 'name'] },
        // Cognito puts the email in the ID token; so does this.
        conformIdTokenClaims: false,
        // Read at every sign-in, refresh and token: a removed account fails at its next refresh.
        findAccount: async (_ctx: unknown, id: string) => {
          const user = store.account(id);
          if (!user) return undefined;
          return {
            accountId: id,
            claims: async () => ({ sub: id, email: user.email, email_verified: true, name: user.name }),
          };
        },
        features: {
          devInteractions: { enabled: false },
          // The portal's sign-out ends this session too, as Cognito's /logout does: without a question
          // (the form submits itself; without JavaScript it is one button).
          rpInitiatedLogout: {
            enabled: true,
            logoutSource: async (ctx: { body: string }, form: string) => {
              ctx.body = page(
                'Signing out',
                `<h1>Signing you out</h1>${form.replace('</form>', '<input type="hidden" name="logout" value="yes"><button type="submit">Sign out of the local sign-in service</button></form>')}<script>document.getElementById('op.logoutForm').submit();</script>`,
              );
            },
          },
          resourceIndicators: {
            enabled: true,
            defaultResource: async () => RESOURCE,
            useGrantedResource: async () => true,
            getResourceServerInfo: async () => ({
              scope: 'openid email',
              accessTokenTTL: accessTokenSeconds,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'RS256' } },
            }),
          },
        },
        // As Cognito does for the code flow: a refresh token always, without asking for offline_access.
        issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
          client.grantTypeAllowed('refresh_token'),
        extraTokenClaims: async (_ctx: unknown, token: { kind: string; accountId: string }) => {
          if (token.kind !== 'AccessToken') return undefined;
          const user = store.account(token.accountId);
          return {
            token_use: 'access',
            username: token.accountId,
            'cognito:groups': [...(user?.groups ?? [])],
          };
        },
        ttl: {
          AccessToken: accessTokenSeconds,
          IdToken: accessTokenSeconds,
          RefreshToken: 8 * 3600,
          Session: 8 * 3600,
          Grant: 8 * 3600,
          Interaction: 600,
        },
        interactions: {
          url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
        },
        renderError: async (ctx: { type: string; body: string }, out: Record<string, string>) => {
          ctx.type = 'html';
          ctx.body = page(
            'Sign-in problem',
            `<h1>Sign-in problem</h1><p>${escapeHtml(out.error_description ?? out.error ?? 'Something went wrong')}.</p>`,
          );
        },
      }),
  );
  const providerCallback = provider.callback();

  const interactions = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const url = new URL(request.url ?? '/', issuer);
    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(url.pathname);
    if (!match) return false;
    const details = await provider.interactionDetails(request, response);
    if (request.method === 'GET' && !match[2]) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(signInAsPage(details.uid, store.users()));
      return true;
    }
    if (request.method === 'POST' && match[2]) {
      const body = new URLSearchParams(await readBody(request));
      const user = store.account(body.get('account') ?? '');
      if (!user) {
        response.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
        response.end(
          page(
            'Sign-in problem',
            '<h1>There is no such user</h1><p>They may have been removed. Go back to the portal and sign in again.</p>',
          ),
        );
        return true;
      }
      store.signedIn(user.accountId);
      const grant = new provider.Grant({
        accountId: user.accountId,
        clientId: String(details.params.client_id),
      });
      grant.addOIDCScope('openid email');
      grant.addResourceScope(RESOURCE, 'openid email');
      const grantId = await grant.save();
      await provider.interactionFinished(
        request,
        response,
        { login: { accountId: user.accountId }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
      return true;
    }
    return false;
  };

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    interactions(request, response)
      .then((handled) => {
        if (!handled) providerCallback(request, response);
      })
      .catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
        response.end(
          page(
            'Sign-in problem',
            `<h1>Sign-in problem</h1><p>${escapeHtml(String((error as Error).message ?? error))}</p><p>Go back to the portal and sign in again.</p>`,
          ),
        );
      });
  });

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    get users() {
      return store.users();
    },
    store,
    signingKey,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * oidc-provider warns, on import, that Node 20 is not its supported runtime
 * (it runs correctly on it, as the tests show) and that its in-memory store
 * is for development: both true and expected here, and noise in npm start.
 */
async function quietly<T>(load: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('oidc-provider WARNING')) warn(...args);
  };
  try {
    return await load();
  } finally {
    console.warn = warn;
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > 10_000) request.destroy(new Error('form too large'));
    });
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

function signInAsPage(uid: string, users: readonly DemoUser[]): string {
  const rows = users
    .map(
      (user) => `<li class="user"><form method="post" action="/interaction/${escapeHtml(uid)}/login">
  <input type="hidden" name="account" value="${escapeHtml(user.accountId)}">
  <button type="submit">Sign in as ${escapeHtml(user.name)}</button>
  <span>${escapeHtml(user.email)}: ${escapeHtml(user.role)}${user.status === 'invited' ? ' (invited by staff, not signed in yet)' : ''}</span></form></li>`,
    )
    .join('\n');
  return page(
    'Sign in as a demo user',
    `<h1>Sign in as a demo user</h1>
<p>This is the local stack's sign-in service. In AWS this step is the Cognito sign-in page, with a password and a second factor. People funder staff invite on the portal appear here too, until they are removed.</p>
<ul>${rows}</ul>`,
  );
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} – local sign-in</title>
<style>body{font-family:arial,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#0b0c0c}ul{list-style:none;padding:0}li{margin:0 0 1rem}button{font:inherit;font-weight:bold;padding:.4rem .8rem;margin-right:.6rem;background:#00703c;color:#fff;border:0;box-shadow:0 2px 0 #002d18;cursor:pointer}button:focus{outline:3px solid #fd0;outline-offset:0;background:#fd0;color:#0b0c0c}</style>
</head><body><main>${body}</main></body></html>`;
}
