/**
 * The portal: the web app grant holders (and, in part 2, funder staff) use.
 *
 *   browser ─> HTTP API ($default route) ─> portal function ─┬─> table (read)
 *      │                                                       └─> bucket (read; presign)
 *      ├─> Cognito hosted sign-in (code flow with PKCE) ─> back to /auth/callback
 *      └─> S3: upload forms post straight to the bucket (presigned POST), downloads by signed links
 *
 * The user pool: no self sign-up, MFA required, one group per site in
 * templates/sites.yaml plus funder-staff, an app client for the portal with
 * the authorization code grant, no client secret (a public client: the portal
 * always sends a PKCE challenge, which Cognito then requires at the token
 * endpoint), 5-minute access tokens and 12-hour refresh tokens.
 *
 * The role may presign only what the portal serves: PutObject under each
 * site's incoming/{SITE}/ (the upload forms; S3 checks the form against the
 * signer's permissions), GetObject under incoming/, archive/ and feedback/ (a
 * site's own files, chosen by the app's one authorisation function) and
 * published/ (releases). Never summaries/: the unsuppressed programme workbooks
 * are not for sites, and staff downloads of them are part 2's.
 *
 * Staff invite, list and remove people on /staff/users: the role may call
 * exactly the seven cognito-idp actions that needs (PORTAL_USER_ACTIONS), on
 * this one user pool. The invitation email is Cognito's, in our words.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { HttpApi, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  type CfnUserPoolClient,
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
} from 'aws-cdk-lib/aws-cognito';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { parse } from 'yaml';
import { STAFF_GROUP, siteGroup } from '../../functions/src/config/access-groups.js';
import { portalSettingsSchema } from '../../functions/src/config/portal-settings.js';
import { PORTAL_USER_ACTIONS } from '../../functions/src/config/portal-user-actions.js';
import { TABLE_DESIGN } from '../../functions/src/config/table-design.js';
import { REPOSITORY_ROOT, ReturnsFunction } from '../constructs/returns-function.js';
import type { DeploymentConfig } from '../deployment-config.js';
import { BUNDLED_TEMPLATES_DIR, PREFIXES } from '../layout.js';
import type { StorageStack } from './storage-stack.js';

export const PORTAL_ENTRY = 'functions/src/handlers/portal.ts';
/** Releases, as the releases work publishes them: published/{PERIOD}/release-{n}.xlsx. */
export const PUBLISHED_PREFIX = 'published/';
/** A release's own files before it is published, its drafts and internal records: releases/{PERIOD}/…. */
export const RELEASE_FILES_PREFIX = 'releases/';
/** Staff's filtered downloads, written here because API Gateway cannot stream: exports/{uuid}/…. */
export const EXPORTS_PREFIX = PREFIXES.exports;
/** The partition of the release records in the table (DynamoReleaseStore). */
export const RELEASE_RECORD_KEYS = 'RELEASES#*';

/** The site codes in the registry, read from the file the runtime reads. */
export function registrySiteCodes(): string[] {
  const registry = parse(readFileSync(join(REPOSITORY_ROOT, 'templates', 'sites.yaml'), 'utf8')) as {
    sites: Array<{ code: string }>;
  };
  return registry.sites.map((site) => site.code);
}

export interface PortalStackProps extends StackProps {
  readonly config: DeploymentConfig;
  readonly storage: StorageStack;
}

export class PortalStack extends Stack {
  readonly api: HttpApi;
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly portal: ReturnsFunction<typeof portalSettingsSchema>;
  readonly groups: readonly CfnUserPoolGroup[];

  constructor(scope: Construct, id: string, props: PortalStackProps) {
    super(scope, id, props);
    const { config, storage } = props;
    const bucket = storage.returnsBucket.bucket;
    const table = storage.table;
    const bucketArn = Fn.importValue(storage.bucketArnExportName);
    const sites = registrySiteCodes();

    this.api = new HttpApi(this, 'Api', {
      description: 'The monitoring returns portal.',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
      // A person clicks; a script hammering the portal is throttled before it reaches the function.
      throttle: { rateLimit: 50, burstLimit: 100 },
    });
    const portalUrl = this.api.apiEndpoint;

    this.userPool = new UserPool(this, 'Users', {
      userPoolName: `monitoring-returns-${config.envName}`,
      // Staff invite people (part 2); nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Sent by AdminCreateUser when staff invite someone on the portal; Cognito requires {username} and {####}.
      userInvitation: {
        emailSubject: 'You have been invited to send monitoring returns',
        emailBody: [
          '<p>Hello,</p>',
          "<p>The funder's staff have invited you to the monitoring returns portal, where you get your partnership's template, send your quarterly return and see straight away whether it is accepted.</p>",
          `<p>Go to <a href="${portalUrl}/">${portalUrl}/</a> and choose Sign in. Your username is {username} and your temporary password is <strong>{####}</strong>. You will choose your own password and set up an authenticator app as a second factor.</p>`,
          '<p>The temporary password works for 7 days. If it has expired, or you were not expecting this email, reply to the person who invited you.</p>',
        ].join(''),
      },
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.groups = [
      ...sites.map((code) => ({
        name: siteGroup(code),
        description: `Sends ${code}'s returns and sees its results.`,
      })),
      {
        name: STAFF_GROUP,
        description: "The funder's team: every site's returns, releases and (part 2) sign-off.",
      },
    ].map(
      (group) =>
        new CfnUserPoolGroup(this, `Group-${group.name}`, {
          userPoolId: this.userPool.userPoolId,
          groupName: group.name,
          description: group.description,
        }),
    );
    const signInDomain = this.userPool.addDomain('SignIn', {
      cognitoDomain: { domainPrefix: Fn.join('-', ['returns', config.envName, this.account]) },
    });
    this.client = this.userPool.addClient('Portal', {
      userPoolClientName: 'portal',
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        callbackUrls: [`${portalUrl}/auth/callback`],
        logoutUrls: [`${portalUrl}/signed-out`],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.minutes(5),
      idTokenValidity: Duration.minutes(5),
      refreshTokenValidity: Duration.hours(12),
      enableTokenRevocation: true,
    });

    // Sign-in only through the hosted pages (with MFA), never by a password sent to the API; refresh only.
    (this.client.node.defaultChild as CfnUserPoolClient).explicitAuthFlows = ['ALLOW_REFRESH_TOKEN_AUTH'];

    const sessionSecret = new Secret(this, 'SessionKey', {
      description: 'Seals the portal session cookies (AES-256-GCM key material).',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(sessionSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The value is a key the portal derives its cookie-sealing key from, not a credential of another service: rotating it signs everyone out. Rotate by replacing the secret value in a deploy window; sessions last at most 12 hours.',
    });

    const issuer = this.userPool.userPoolProviderUrl;
    this.portal = new ReturnsFunction(this, 'Portal', {
      entry: PORTAL_ENTRY,
      description: 'The portal: sign-in, returns, uploads (presigned POST), findings and downloads.',
      settingsSchema: portalSettingsSchema,
      settings: {
        BUCKET_NAME: bucket.bucketName,
        TABLE_NAME: table.tableName,
        PORTAL_URL: portalUrl,
        OIDC_ISSUER: issuer,
        OIDC_CLIENT_ID: this.client.userPoolClientId,
        OIDC_JWKS_URI: `${issuer}/.well-known/jwks.json`,
        USER_POOL_ID: this.userPool.userPoolId,
        // Not in Cognito's discovery document; its logout_uri must be one of the client's logoutUrls (/signed-out).
        OIDC_LOGOUT_URL: `${signInDomain.baseUrl()}/logout`,
        SESSION_SECRET_ARN: sessionSecret.secretArn,
        MAX_UPLOAD_MB: '10',
        SENDER_EMAIL: storage.sender.senderEmail,
        SES_CONFIGURATION_SET: storage.sender.configurationSet.configurationSetName,
        TEMPLATES_DIR: BUNDLED_TEMPLATES_DIR,
      },
      memoryMb: 1024,
      // A release preview runs the disclosure audit in the function (about 1 s for 5 sites' year to
      // date); API Gateway answers at 30 s whatever the function does, so no longer than that.
      timeout: Duration.seconds(29),
      bundledFiles: [
        {
          from: 'node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css',
          to: 'portal-assets/govuk-frontend.min.css',
        },
        // HiGHS loads its WebAssembly from beside the module that imports it: the bundle.
        { from: 'node_modules/highs/build/highs.wasm', to: 'highs.wasm' },
      ],
    });
    this.api.addRoutes({
      path: '/{proxy+}',
      integration: new HttpLambdaIntegration('PortalIntegration', this.portal.function),
    });
    this.api.addRoutes({
      path: '/',
      integration: new HttpLambdaIntegration('PortalRootIntegration', this.portal.function),
    });

    const objects = (prefix: string) => `${bucketArn}/${prefix}*`;
    const acknowledge = (resource: string, reason: string) =>
      Validations.of(this.portal.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason,
      });
    for (const code of sites) {
      acknowledge(
        `${storage.bucketArnExportName}/${PREFIXES.incoming}${code}/*`,
        `Upload forms for ${code} are signed under incoming/${code}/ with a server-chosen key per upload; the key is not known in advance.`,
      );
    }
    for (const prefix of [PREFIXES.incoming, PREFIXES.archive, PREFIXES.feedback, PUBLISHED_PREFIX]) {
      acknowledge(
        `${storage.bucketArnExportName}/${prefix}*`,
        `Read (and sign downloads) under ${prefix} only: objects named per site, quarter and submission, which the app's one authorisation function matches to the signed-in site before any read.`,
      );
    }
    this.portal.allow(
      new PolicyStatement({
        sid: 'SignUploadFormsPerSite',
        actions: ['s3:PutObject'],
        resources: sites.map((code) => objects(`${PREFIXES.incoming}${code}/`)),
      }),
    );
    this.portal.allow(
      new PolicyStatement({
        sid: 'ReadAndSignDownloads',
        actions: ['s3:GetObject'],
        resources: [PREFIXES.incoming, PREFIXES.archive, PREFIXES.feedback, PUBLISHED_PREFIX].map(objects),
      }),
    );
    this.portal.allow(
      new PolicyStatement({
        sid: 'ListReleasesAndUploads',
        // Not narrowed by s3:prefix: S3 answers a HEAD or GET of a missing key with 404 only to a
        // caller holding s3:ListBucket, and a HEAD carries no s3:prefix, so a prefix condition would
        // turn every "not there yet" (a release not yet copied, a draft gone, a crafted link) into 403.
        // Key names are all it reveals; what a person may see is decided in the app (authorise.ts).
        actions: ['s3:ListBucket'],
        resources: [bucketArn],
      }),
    );
    this.portal.allow(
      new PolicyStatement({
        sid: 'ReadSubmissions',
        // BatchGetItem: the staff completeness page asks which uploads have receipts, 100 at a time.
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
        resources: [
          table.tableArn,
          `${table.tableArn}/index/${TABLE_DESIGN.bySite.indexName}`,
          `${table.tableArn}/index/${TABLE_DESIGN.byYear.indexName}`,
        ],
      }),
    );
    // Sign-off and queries: UpdateItem only (every review write is a conditional update), and only
    // on the items a review touches: the quarter's review and current return (PERIOD#…), the replaced
    // submission's status (SUBMISSION#…) and the quarter's recompute request (AGGREGATION).
    this.portal.allow(
      new PolicyStatement({
        sid: 'RecordReviews',
        actions: ['dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PERIOD#*', 'SUBMISSION#*', 'AGGREGATION'] },
        },
      }),
    );
    this.portal.allow(storage.sender.sendOnly('SendQueriesFromTheIdentityOnly'));
    // Funder staff publish releases and make filtered downloads from the portal.
    for (const prefix of [RELEASE_FILES_PREFIX, EXPORTS_PREFIX]) {
      acknowledge(
        `${storage.bucketArnExportName}/${prefix}*`,
        `Staff's publishing writes and reads ${prefix} only, under keys the use case makes per release attempt, draft or download (a UUID each), so they are not known in advance.`,
      );
    }
    this.portal.allow(
      new PolicyStatement({
        sid: 'WriteReleasesAndExports',
        actions: ['s3:PutObject'],
        resources: [RELEASE_FILES_PREFIX, PUBLISHED_PREFIX, EXPORTS_PREFIX].map(objects),
      }),
    );
    this.portal.allow(
      new PolicyStatement({
        sid: 'ReadReleaseFilesAndExports',
        actions: ['s3:GetObject'],
        resources: [RELEASE_FILES_PREFIX, EXPORTS_PREFIX].map(objects),
      }),
    );
    this.portal.allow(
      new PolicyStatement({
        sid: 'RecordReleases',
        actions: ['dynamodb:PutItem'],
        resources: [table.tableArn],
        // Only release records: the submissions and current returns stay the pipeline's to write.
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [RELEASE_RECORD_KEYS] } },
      }),
    );
    sessionSecret.grantRead(this.portal.role);
    this.portal.allow(
      new PolicyStatement({
        sid: 'ManagePortalUsers',
        actions: [...PORTAL_USER_ACTIONS],
        resources: [this.userPool.userPoolArn],
      }),
    );

    Validations.of(this.portal.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is the runtime the project targets (esbuild target node22), as for the pipeline functions.',
    });
    Validations.of(this.portal.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing (tracing: ACTIVE): xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The portal authorises every request itself: its pages are browser navigations carrying a sealed session cookie (an API Gateway JWT authorizer reads only headers), some pages are public (start, help, accessibility, privacy), and every non-public route verifies the Cognito access token (JWKS, issuer, client, expiry, token_use) before one authorisation function decides.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'As for APIG4: the app verifies the Cognito access token from the session cookie on every route that needs one.',
    });

    this.addStackDependency(storage, 'imports the bucket ARN by export name');
    new CfnOutput(this, 'PortalUrl', {
      description: 'The portal: send grant holders here.',
      value: `${portalUrl}/`,
    });
    new CfnOutput(this, 'UserPoolId', {
      description: 'Add users and put each in its site group (site-BLK…) or funder-staff.',
      value: this.userPool.userPoolId,
    });
  }
}
