/**
 * Lambda entry point for the portal: the composition root for AWS.
 * Configuration, clients and the session key are read once, at cold start.
 */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CognitoUserDirectory } from '../adapters/cognito-user-directory.js';
import { DynamoReleaseStore } from '../adapters/dynamodb-release-store.js';
import { DynamoSubmissionStore } from '../adapters/dynamodb-submission-store.js';
import { createLogger, powertoolsLog } from '../adapters/powertools-observability.js';
import { S3PortalFiles } from '../adapters/s3-portal-files.js';
import { S3PresignedUploads } from '../adapters/s3-presigned-upload.js';
import { S3ReturnFiles } from '../adapters/s3-return-files.js';
import { readSecret } from '../adapters/secrets-manager-secret.js';
import { SesMailer } from '../adapters/ses-mailer.js';
import { portalSettingsSchema } from '../config/portal-settings.js';
import { parseSettings } from '../config/settings.js';
import { accessTokenVerifier } from '../portal/access-token.js';
import { sessionKey } from '../portal/session.js';
import { openIdSignIn } from '../portal/sign-in.js';
import { referenceForSettings } from '../reference/runtime-reference-data.js';
import { createPortalHandler } from './portal-handler.js';

const settings = parseSettings(portalSettingsSchema, process.env);
const s3 = new S3Client({
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const secret = await readSecret(new SecretsManagerClient({}), settings.SESSION_SECRET_ARN);
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

const store = new DynamoSubmissionStore(documents, settings.TABLE_NAME);

const reference = referenceForSettings(settings);

export const handler = createPortalHandler({
  reference,
  records: store,
  reviews: {
    store,
    mailer: new SesMailer(new SESv2Client({}), settings.SENDER_EMAIL, settings.SES_CONFIGURATION_SET),
  },
  files: new S3PortalFiles(s3, settings.BUCKET_NAME),
  uploads: new S3PresignedUploads(s3, settings.BUCKET_NAME),
  // API Gateway buffers a Lambda's response (at most 6 MB): downloads go via the bucket and a signed link.
  staff: {
    releases: new DynamoReleaseStore(documents, settings.TABLE_NAME),
    files: new S3ReturnFiles(s3, settings.BUCKET_NAME),
    exportDelivery: 'bucket',
  },
  signIn: openIdSignIn({
    issuer: settings.OIDC_ISSUER,
    clientId: settings.OIDC_CLIENT_ID,
    redirectUri: `${settings.PORTAL_URL}/auth/callback`,
    scope: 'openid email',
    allowHttp: false,
    logoutUrl: settings.OIDC_LOGOUT_URL,
  }),
  users: new CognitoUserDirectory(
    new CognitoIdentityProviderClient({}),
    settings.USER_POOL_ID,
    reference.sites.sites.map((site) => site.code),
  ),
  verifyAccessToken: accessTokenVerifier({
    issuer: settings.OIDC_ISSUER,
    clientId: settings.OIDC_CLIENT_ID,
    jwksUri: settings.OIDC_JWKS_URI,
  }),
  sessionKey: sessionKey(secret),
  settings: {
    portalUrl: settings.PORTAL_URL,
    maxUploadBytes: settings.MAX_UPLOAD_MB * 1024 * 1024,
    uploadFormSeconds: 600,
    downloadLinkSeconds: 60,
  },
  log: powertoolsLog(createLogger()),
  clock: () => new Date(),
});
