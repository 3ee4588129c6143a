/**
 * The session lives in the browser, in cookies the portal seals (encrypts and
 * authenticates with AES-256-GCM under the portal's session key), so no
 * session table is needed and a Lambda keeps nothing between requests.
 *
 * - the session cookie: the access token (short-lived, verified on every
 *   request), the person's name for the header, and the CSRF token;
 * - the refresh cookie: the refresh token alone (Cognito's is ~1.8 KB, so it
 *   gets a cookie of its own to stay under the 4 KB a cookie may hold);
 * - the sign-in cookie: PKCE verifier, state and nonce while the person is
 *   at the identity provider, for ten minutes.
 *
 * All are HttpOnly and SameSite=Lax (Lax, not Strict: the identity provider's
 * redirect back is a cross-site navigation that must carry the sign-in
 * cookie). They are Secure, with the __Host- prefix, whenever the portal is on
 * https; only on http://127.0.0.1 (the local stack, where no certificate
 * exists) are they sent without Secure, which browsers would otherwise drop.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';

export interface Session {
  readonly accessToken: string;
  readonly displayName: string;
  readonly csrf: string;
}

export interface PendingSignIn {
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
  /** The portal path to go back to, already checked to be ours. */
  readonly next: string;
}

export interface CookieNames {
  readonly session: string;
  readonly refresh: string;
  readonly signIn: string;
}

export function cookieNames(secure: boolean): CookieNames {
  const prefix = secure ? '__Host-' : '';
  return {
    session: `${prefix}portal-session`,
    refresh: `${prefix}portal-refresh`,
    signIn: `${prefix}portal-sign-in`,
  };
}

/** The 32-byte key, from the secret however long it is. */
export function sessionKey(secret: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`portal-session:${secret}`).digest());
}

export async function seal(
  key: Uint8Array,
  purpose: string,
  value: object,
  lifetimeSeconds: number,
): Promise<string> {
  return new EncryptJWT({ ...value, purpose })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt()
    .setExpirationTime(`${lifetimeSeconds}s`)
    .encrypt(key);
}

/** The sealed value, or undefined for anything tampered with, expired or sealed for another purpose. */
export async function unseal<T>(
  key: Uint8Array,
  purpose: string,
  sealed: string | undefined,
): Promise<T | undefined> {
  if (!sealed || sealed.length > 8192) return undefined;
  try {
    const { payload } = await jwtDecrypt(sealed, key, { clockTolerance: 5 });
    if (payload.purpose !== purpose) return undefined;
    return payload as T;
  } catch {
    return undefined;
  }
}

export function newCsrfToken(): string {
  return randomBytes(24).toString('base64url');
}

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Only a path on this portal: never `//elsewhere`, a scheme, or a backslash trick. */
export function safeNextPath(next: string | undefined): string {
  if (
    next === undefined ||
    !next.startsWith('/') ||
    next.startsWith('//') ||
    next.includes('\\') ||
    next.length > 500
  )
    return '/';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  return /[\u0000-\u001f]/.test(next) ? '/' : next;
}
