/**
 * The portal stack: the HTTP API reaches the portal function; the user pool
 * admits no self sign-up, requires MFA and has exactly one group per site in
 * the registry plus funder-staff; the app client is a public code-flow
 * client; the function is configured by exactly its settings schema's keys,
 * carries the stylesheet it serves, and may touch only the prefixes it serves.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { STAFF_GROUP, siteGroup } from '../../functions/src/config/access-groups.js';
import { portalSettingsSchema } from '../../functions/src/config/portal-settings.js';
import { PORTAL_USER_ACTIONS } from '../../functions/src/config/portal-user-actions.js';
import { loadReferenceData } from '../../functions/src/reference/reference-data.js';
import { type CfnProperties, type CfnTemplate, type Synthesized, synthesized } from './synth.js';

let app: Synthesized;
let portal: CfnTemplate;

beforeAll(() => {
  app = synthesized();
  portal = app.json(app.portal);
});

const ofType = (type: string): CfnProperties[] =>
  Object.values(portal.Resources)
    .filter((resource) => resource.Type === type)
    .map((resource) => resource.Properties ?? {});
const only = (type: string): CfnProperties => {
  const found = ofType(type);
  expect(found).toHaveLength(1);
  return found[0] as CfnProperties;
};

interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

function portalStatements(): Statement[] {
  const roleId = app.logicalId(app.portal.portal.role);
  return Object.values(portal.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((resource) => JSON.stringify(resource.Properties?.Roles).includes(roleId))
    .flatMap((resource) => resource.Properties?.PolicyDocument.Statement as Statement[]);
}

/** `arn…/incoming/BLK/*` for an Fn::Join of the imported bucket ARN and a suffix: the suffix. */
function keyPatterns(resource: unknown): string[] {
  return [resource].flat().map((entry) => {
    const join = (entry as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return String(join[1].at(-1));
    return typeof entry === 'string' ? entry : JSON.stringify(entry);
  });
}

describe('the portal stack', () => {
  it('routes every path, and the root, of a $default stage with access logs to the portal function', () => {
    const functionId = app.logicalId(app.portal.portal.function);
    const integrations = ofType('AWS::ApiGatewayV2::Integration');
    expect(integrations.length).toBeGreaterThan(0);
    for (const integration of integrations) {
      expect(integration.IntegrationType).toBe('AWS_PROXY');
      expect(integration.PayloadFormatVersion).toBe('2.0');
      expect(JSON.stringify(integration.IntegrationUri)).toContain(functionId);
    }
    expect(
      ofType('AWS::ApiGatewayV2::Route')
        .map((route) => route.RouteKey)
        .sort(),
    ).toEqual(['ANY /', 'ANY /{proxy+}']);
    const stage = only('AWS::ApiGatewayV2::Stage');
    expect(stage.StageName).toBe('$default');
    expect(stage.AccessLogSettings?.DestinationArn).toBeDefined();
    expect(only('AWS::ApiGatewayV2::Api').ProtocolType).toBe('HTTP');
  });

  it('has a user pool with no self sign-up and MFA required', () => {
    const pool = only('AWS::Cognito::UserPool');
    expect(pool.AdminCreateUserConfig.AllowAdminCreateUserOnly).toBe(true);
    expect(pool.MfaConfiguration).toBe('ON');
    expect(pool.Policies.PasswordPolicy.MinimumLength).toBeGreaterThanOrEqual(12);
  });

  it('has one group per site in the registry, and funder-staff, and no other', () => {
    const sites = loadReferenceData().sites.sites.map((site) => siteGroup(site.code));
    expect(
      ofType('AWS::Cognito::UserPoolGroup')
        .map((group) => group.GroupName)
        .sort(),
    ).toEqual([...sites, STAFF_GROUP].sort());
  });

  it('has a public code-flow client whose callback is the portal’s, with short access tokens', () => {
    const client = only('AWS::Cognito::UserPoolClient');
    expect(client.GenerateSecret).toBe(false);
    expect(client.AllowedOAuthFlows).toEqual(['code']);
    expect(client.AllowedOAuthScopes.sort()).toEqual(['email', 'openid']);
    expect(JSON.stringify(client.CallbackURLs)).toContain('/auth/callback');
    expect(client.ExplicitAuthFlows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
    expect(client.AccessTokenValidity).toBe(5);
    expect(client.TokenValidityUnits.AccessToken).toBe('minutes');
  });

  it('configures the function with exactly the keys its settings schema reads', () => {
    const environment = ofType('AWS::Lambda::Function').find((fn) =>
      JSON.stringify(fn).includes('PORTAL_URL'),
    )?.Environment.Variables as Record<string, unknown>;
    const keys = Object.keys(environment).filter((key) => key !== 'NODE_OPTIONS');
    expect(keys.sort()).toEqual(Object.keys(portalSettingsSchema.shape).sort());
  });

  it('grants only what the portal serves: presign uploads per site, read its prefixes, list the bucket, read the table', () => {
    const statements = portalStatements().filter((statement) => statement.Sid);
    const bySid = Object.fromEntries(statements.map((statement) => [statement.Sid, statement]));
    const sites = loadReferenceData().sites.sites.map((site) => site.code);
    expect(Object.keys(bySid).sort()).toEqual([
      'ListReleasesAndUploads',
      'ManagePortalUsers',
      'ReadAndSignDownloads',
      'ReadReleaseFilesAndExports',
      'ReadSubmissions',
      'RecordReleases',
      'RecordReviews',
      'SendQueriesFromTheIdentityOnly',
      'SignUploadFormsPerSite',
      'WriteReleasesAndExports',
    ]);
    expect(bySid.SignUploadFormsPerSite?.Action).toBe('s3:PutObject');
    expect(keyPatterns(bySid.SignUploadFormsPerSite?.Resource).sort()).toEqual(
      sites.map((code) => `/incoming/${code}/*`).sort(),
    );
    expect(bySid.ReadAndSignDownloads?.Action).toBe('s3:GetObject');
    expect(keyPatterns(bySid.ReadAndSignDownloads?.Resource).sort()).toEqual([
      '/archive/*',
      '/feedback/*',
      '/incoming/*',
      '/published/*',
    ]);
    // Unconditioned, so a HEAD of a missing key is 404, not 403 (see the stack).
    expect(bySid.ListReleasesAndUploads?.Condition).toBeUndefined();
    expect(bySid.ReadSubmissions?.Action).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    // Reviews: conditional updates only, on the review's own items, never the indexes or a put/delete.
    expect(bySid.RecordReviews?.Action).toBe('dynamodb:UpdateItem');
    expect(JSON.stringify(bySid.RecordReviews?.Resource)).not.toContain('/index/');
    expect(bySid.RecordReviews?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PERIOD#*', 'SUBMISSION#*', 'AGGREGATION'] },
    });
    expect(bySid.SendQueriesFromTheIdentityOnly?.Action).toBe('ses:SendEmail');
    expect(Object.keys(bySid.SendQueriesFromTheIdentityOnly?.Condition?.StringEquals ?? {})).toEqual([
      'ses:FromAddress',
    ]);
    // Staff publish and download: release files, published releases and exports; release records only.
    expect(bySid.WriteReleasesAndExports?.Action).toBe('s3:PutObject');
    expect(keyPatterns(bySid.WriteReleasesAndExports?.Resource).sort()).toEqual([
      '/exports/*',
      '/published/*',
      '/releases/*',
    ]);
    expect(bySid.ReadReleaseFilesAndExports?.Action).toBe('s3:GetObject');
    expect(keyPatterns(bySid.ReadReleaseFilesAndExports?.Resource).sort()).toEqual([
      '/exports/*',
      '/releases/*',
    ]);
    expect(bySid.RecordReleases?.Action).toBe('dynamodb:PutItem');
    expect(bySid.RecordReleases?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RELEASES#*'] },
    });
  });

  it('lets staff manage users with exactly the cognito-idp actions the directory calls, on the one pool', () => {
    const statement = portalStatements().find((entry) => entry.Sid === 'ManagePortalUsers');
    expect([statement?.Action].flat().sort()).toEqual([...PORTAL_USER_ACTIONS].sort());
    const poolId = app.logicalId(app.portal.userPool);
    expect(statement?.Resource).toEqual({ 'Fn::GetAtt': [poolId, 'Arn'] });
    // No other statement names Cognito at all.
    const others = portalStatements().filter((entry) => entry.Sid !== 'ManagePortalUsers');
    expect(JSON.stringify(others)).not.toContain('cognito-idp');
    const environment = ofType('AWS::Lambda::Function').find((fn) =>
      JSON.stringify(fn).includes('PORTAL_URL'),
    )?.Environment.Variables as Record<string, unknown>;
    expect(environment.USER_POOL_ID).toEqual({ Ref: poolId });
  });

  it('signs out of Cognito’s hosted UI too: the logout endpoint of the pool’s domain, back to /signed-out', () => {
    const environment = ofType('AWS::Lambda::Function').find((fn) =>
      JSON.stringify(fn).includes('PORTAL_URL'),
    )?.Environment.Variables as Record<string, unknown>;
    const logout = JSON.stringify(environment.OIDC_LOGOUT_URL);
    expect(logout).toContain('amazoncognito.com/logout');
    expect(logout).toContain(app.logicalId(app.portal.userPool.node.findChild('SignIn') as never));
    expect(JSON.stringify(only('AWS::Cognito::UserPoolClient').LogoutURLs)).toContain('/signed-out');
  });

  it('invites people in its own words, with the portal’s address, the username and the temporary password', () => {
    const template = only('AWS::Cognito::UserPool').AdminCreateUserConfig.InviteMessageTemplate;
    const body = JSON.stringify(template.EmailMessage);
    expect(body).toContain('{username}');
    expect(body).toContain('{####}');
    expect(body).toContain('Sign in');
    expect(template.EmailSubject).toMatch(/invited/);
  });

  it('never grants the unsuppressed summaries, any write but upload forms, review updates and staff publishing, or a wildcard action', () => {
    const statements = portalStatements();
    const text = JSON.stringify(statements);
    expect(text).not.toContain('summaries/');
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) {
        expect(action).not.toContain('*');
        if (/^(s3|dynamodb):(Put|Delete|Update|BatchWrite)/.test(action))
          expect([
            'SignUploadFormsPerSite',
            'RecordReviews',
            'WriteReleasesAndExports',
            'RecordReleases',
          ]).toContain(statement.Sid);
        expect(action).not.toMatch(/^(s3|dynamodb):(Delete|BatchWrite)/);
        if (/^dynamodb:Update/.test(action)) expect(statement.Sid).toBe('RecordReviews');
      }
    }
  });

  it('bundles the govuk-frontend stylesheet the portal serves, and the audit’s solver', () => {
    expect(
      existsSync(join(app.assetDir(app.portal.portal.function), 'portal-assets', 'govuk-frontend.min.css')),
    ).toBe(true);
    expect(existsSync(join(app.assetDir(app.portal.portal.function), 'highs.wasm'))).toBe(true);
  });

  it('is clean under cdk-nag, acknowledging only these findings, each where it applies and with its reason', () => {
    expect(Annotations.fromStack(app.portal).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(app.portal).findWarning('*', Match.anyValue())).toEqual([]);
    const found = app.portal.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
            where: `${construct.node.path.replace(`${app.portal.node.path}/`, '')} ${id.replace(/^Annotation::/, '')}`,
            reason,
          })),
        ),
    );
    for (const { where, reason } of found) expect(reason.length, `${where}: say why`).toBeGreaterThan(60);
    const bucket = app.storage.bucketArnExportName;
    const sites = loadReferenceData().sites.sites.map((site) => site.code);
    expect(found.map(({ where }) => where).sort()).toEqual(
      [
        'Api AwsSolutions-APIG4',
        'Api AwsSolutions-COG4',
        'SessionKey AwsSolutions-SMG4',
        'Portal/Function AwsSolutions-L1',
        'Portal/Role AwsSolutions-IAM5[Resource::*]',
        ...['incoming', 'archive', 'feedback', 'published', 'releases', 'exports'].map(
          (prefix) => `Portal/Role AwsSolutions-IAM5[Resource::${bucket}/${prefix}/*]`,
        ),
        ...sites.map((code) => `Portal/Role AwsSolutions-IAM5[Resource::${bucket}/incoming/${code}/*]`),
      ].sort(),
    );
  });
});
