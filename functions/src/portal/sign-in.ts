/**
 * OpenID Connect sign-in: authorization code with PKCE (S256), state and
 * nonce, by openid-client (a certified relying-party library; hand-writing the
 * code flow would mean re-implementing its checks of the ID token, issuer and
 * state). The portal is a public client, as Cognito's app client is set up: no
 * client secret to keep, PKCE binds the code to this browser's sign-in.
 * Discovery runs once, on the first sign-in, not at cold start, so a page that
 * needs no sign-in never waits on the identity provider.
 */
import * as oidc from 'openid-client';
import type { PendingSignIn } from './session.js';

export interface SignInSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  /** Only for the local provider on http://127.0.0.1. */
  readonly allowHttp: boolean;
  /**
   * Cognito's hosted-UI logout endpoint (`https://{domain}/logout`), which its discovery
   * document does not name. Without it, the discovered `end_session_endpoint` (the local provider's).
   */
  readonly logoutUrl?: string;
}

export interface SignedIn {
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** From the verified ID token: what to call the person. */
  readonly displayName: string;
}

export interface SignIn {
  start(next: string): Promise<{ url: string; pending: PendingSignIn }>;
  finish(callbackUrl: URL, pending: PendingSignIn): Promise<SignedIn>;
  refresh(refreshToken: string): Promise<{ accessToken: string; refreshToken?: string }>;
  /**
   * Where to send the browser to end the identity provider's own session too, coming back to
   * `returnTo`; undefined if it has no such endpoint. Without it the hosted sign-in page would
   * sign the same person straight back in.
   */
  signOutUrl?(returnTo: string): Promise<string | undefined>;
  /** The origin signOutUrl leads to: the portal's pages allow their sign-out form to be redirected there (CSP form-action). */
  readonly signOutOrigin?: string;
}

export function openIdSignIn(settings: SignInSettings): SignIn {
  let configuration: Promise<oidc.Configuration> | undefined;
  const configured = () => {
    configuration ??= oidc
      .discovery(
        new URL(settings.issuer),
        settings.clientId,
        undefined,
        oidc.None(),
        settings.allowHttp ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((error: unknown) => {
        configuration = undefined; // try discovery again next time
        throw error;
      });
    return configuration;
  };
  return {
    async start(next) {
      const config = await configured();
      const pending: PendingSignIn = {
        verifier: oidc.randomPKCECodeVerifier(),
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        next,
      };
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: settings.scope,
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url: url.href, pending };
    },
    async finish(callbackUrl, pending) {
      const config = await configured();
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      const displayName = String(
        claims?.email ?? claims?.name ?? claims?.['cognito:username'] ?? claims?.sub ?? '',
      );
      return {
        accessToken: tokens.access_token,
        ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
        displayName,
      };
    },
    signOutOrigin: new URL(settings.logoutUrl ?? settings.issuer).origin,
    async signOutUrl(returnTo) {
      if (settings.logoutUrl) {
        // Cognito's own parameters: client_id and logout_uri (one of the app client's sign-out URLs).
        const url = new URL(settings.logoutUrl);
        url.searchParams.set('client_id', settings.clientId);
        url.searchParams.set('logout_uri', returnTo);
        return url.href;
      }
      const config = await configured();
      if (!config.serverMetadata().end_session_endpoint) return undefined;
      return oidc.buildEndSessionUrl(config, {
        client_id: settings.clientId,
        post_logout_redirect_uri: returnTo,
      }).href;
    },
    async refresh(refreshToken) {
      const tokens = await oidc.refreshTokenGrant(await configured(), refreshToken);
      // Cognito returns no new refresh token: the old one stays good until its own expiry.
      return {
        accessToken: tokens.access_token,
        ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
      };
    },
  };
}
