/**
 * Signing out ends the identity provider's session too, not only the
 * portal's cookies: otherwise "Sign in" would sign the same person straight
 * back in from the provider's own session (Cognito's hosted UI remembers them
 * for its session time; so does the local provider). In AWS the portal sends
 * the browser to Cognito's /logout with client_id and logout_uri; locally to
 * the provider's end_session endpoint; both come back to /signed-out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unseal } from '../../functions/src/portal/session.js';
import { openIdSignIn } from '../../functions/src/portal/sign-in.js';
import { type PortalClient, type PortalHarness, startPortalHarness } from './harness.js';

let harness: PortalHarness;

beforeAll(async () => {
  harness = await startPortalHarness();
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

async function signOut(client: PortalClient): Promise<Response> {
  const session = client.cookies.get('portal-session');
  const csrf = (await unseal<{ csrf: string }>(harness.portal.sessionKey, 'session', session))?.csrf ?? '';
  return client.fetch('/sign-out', {
    method: 'POST',
    headers: { origin: harness.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: `csrf=${encodeURIComponent(csrf)}`,
  });
}

describe('signing out', () => {
  it('without it, the provider would sign the same person straight back in', async () => {
    const blk = harness.client();
    await blk.signInAs('blk-demo');
    blk.cookies.delete('portal-session');
    blk.cookies.delete('portal-refresh');
    const { url } = await blk.follow('/sign-in');
    expect(new URL(url).pathname).toBe('/returns');
  });

  it('ends the provider’s session and comes back to /signed-out; signing in again asks who you are', async () => {
    const blk = harness.client();
    await blk.signInAs('blk-demo');
    const response = await signOut(blk);
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location') as string);
    expect(location.origin).toBe(harness.portal.signIn.issuer);
    expect(location.searchParams.get('post_logout_redirect_uri')).toBe(`${harness.url}/signed-out`);
    expect(blk.cookies.has('portal-session')).toBe(false);

    // The provider's page submits itself; a client without JavaScript presses its one button.
    const logoutPage = await (await blk.fetch(location.href)).text();
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(logoutPage);
    expect(form).not.toBeNull();
    const fields = new URLSearchParams();
    for (const input of (form?.[2] ?? '').matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
      fields.set(input[1] as string, input[2] as string);
    expect(fields.get('logout')).toBe('yes');
    const { url } = await blk.follow(new URL(form?.[1] as string, location).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    });
    expect(url).toBe(`${harness.url}/signed-out`);

    const again = await blk.follow('/sign-in');
    expect(new URL(again.url).pathname).toMatch(/^\/interaction\//);
    expect(await again.response.text()).toContain('Sign in as a demo user');
  });

  it('in AWS, goes to Cognito’s /logout with the client and the way back', async () => {
    const cognito = openIdSignIn({
      issuer: 'https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_abc',
      clientId: 'client123',
      redirectUri: 'https://returns.example/auth/callback',
      scope: 'openid email',
      allowHttp: false,
      logoutUrl: 'https://returns-prod-1.auth.eu-west-2.amazoncognito.com/logout',
    });
    const url = new URL((await cognito.signOutUrl?.('https://returns.example/signed-out')) as string);
    expect(`${url.origin}${url.pathname}`).toBe(
      'https://returns-prod-1.auth.eu-west-2.amazoncognito.com/logout',
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'client123',
      logout_uri: 'https://returns.example/signed-out',
    });
    expect(cognito.signOutOrigin).toBe('https://returns-prod-1.auth.eu-west-2.amazoncognito.com');
  });
});
