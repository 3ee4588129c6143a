/**
 * Verifying an access token, the same way against Cognito in AWS and the local
 * OIDC provider: signature by the issuer's JWKS, the issuer, the app client
 * (`client_id`: Cognito access tokens carry no audience), expiry, and
 * `token_use: access` so an ID token (whose audience is also the client) is
 * never taken for one. jose, not aws-jwt-verify: the latter refuses http: JWKS
 * URLs, and the local provider is plain http on 127.0.0.1.
 */
import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';

export interface AccessTokenSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly jwksUri: string;
}

export interface VerifiedAccess {
  readonly username: string;
  readonly groups: readonly string[];
  /** Seconds since the epoch. */
  readonly expiresAt: number;
}

export type Verification =
  | { readonly ok: true; readonly access: VerifiedAccess }
  | { readonly ok: false; readonly reason: 'expired' | 'invalid'; readonly detail: string };

export type AccessTokenVerifier = (token: string) => Promise<Verification>;

export function accessTokenVerifier(
  settings: AccessTokenSettings,
  keys?: JWTVerifyGetKey,
): AccessTokenVerifier {
  const jwks = keys ?? createRemoteJWKSet(new URL(settings.jwksUri), { cooldownDuration: 30_000 });
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: settings.issuer,
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'iat', 'sub'],
        clockTolerance: 5,
      });
      if (payload.token_use !== 'access') {
        return {
          ok: false,
          reason: 'invalid',
          detail: `token_use is ${String(payload.token_use)}, not access`,
        };
      }
      if (payload.client_id !== settings.clientId) {
        return { ok: false, reason: 'invalid', detail: 'issued to another client' };
      }
      const groups = payload['cognito:groups'];
      const username = typeof payload.username === 'string' ? payload.username : payload.sub;
      return {
        ok: true,
        access: {
          username: username as string,
          groups: Array.isArray(groups)
            ? groups.filter((group): group is string => typeof group === 'string')
            : [],
          expiresAt: payload.exp as number,
        },
      };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired', detail: 'expired' };
      return { ok: false, reason: 'invalid', detail: (error as Error).message };
    }
  };
}
