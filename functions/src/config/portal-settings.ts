/**
 * The portal function's configuration, parsed once at cold start (see
 * settings.ts for the rules). The CDK portal stack sets exactly these keys.
 */
import { z } from 'zod';

const name = z.string().trim().min(1);

/** https, or http only on the loopback address (the local stack, which has no certificate). */
const portalUrl = z
  .url()
  .refine((text) => {
    const url = new URL(text);
    return url.protocol === 'https:' || (url.protocol === 'http:' && url.hostname === '127.0.0.1');
  }, 'must be https (http only on 127.0.0.1)')
  .transform((text) => text.replace(/\/+$/, ''));

export const portalSettingsSchema = z.object({
  BUCKET_NAME: name,
  TABLE_NAME: name,
  /** The portal's public address, e.g. the HTTP API's endpoint or a custom domain. */
  PORTAL_URL: portalUrl,
  /** The user pool's issuer: https://cognito-idp.{region}.amazonaws.com/{poolId}. */
  OIDC_ISSUER: z.url(),
  OIDC_CLIENT_ID: name,
  OIDC_JWKS_URI: z.url(),
  /** The hosted UI's logout endpoint, https://{domain}/logout: signing out ends Cognito's session too. */
  OIDC_LOGOUT_URL: z.url(),
  /** The Cognito user pool staff invite people to and remove them from (the same pool as OIDC_ISSUER's). */
  USER_POOL_ID: name,
  /** Secrets Manager secret whose value seals the session cookies. */
  SESSION_SECRET_ARN: name,
  MAX_UPLOAD_MB: z.coerce.number().positive().default(10),
  /** The verified address query emails come from (the same sender as the feedback). */
  SENDER_EMAIL: z.email(),
  SES_CONFIGURATION_SET: name.optional(),
  TEMPLATES_DIR: name.optional(),
});

export type PortalEnvironment = z.infer<typeof portalSettingsSchema>;
