/**
 * The portal in the local stack: the composition root for the web app on one
 * machine. Beside the emulators the local stack runs, it starts
 *
 * - the local identity provider (local-sign-in.ts), a real OIDC provider;
 * - the upload check (local-upload-check.ts) in front of s3rver, so a browser
 *   POST is refused locally as AWS S3 would refuse it;
 * - the portal itself, the same Hono app as the Lambda, as a Node server.
 *
 * The browser reaches the bucket through the upload check: forms post there
 * and download links are signed for its address. Only http://127.0.0.1 is
 * used, so the cookies go without Secure (see portal/session.ts).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getRequestListener } from '@hono/node-server';
import { DynamoReleaseStore } from '../adapters/dynamodb-release-store.js';
import { DynamoSubmissionStore } from '../adapters/dynamodb-submission-store.js';
import { S3PortalFiles } from '../adapters/s3-portal-files.js';
import { S3PresignedUploads } from '../adapters/s3-presigned-upload.js';
import { S3ReturnFiles } from '../adapters/s3-return-files.js';
import { SesMailer } from '../adapters/ses-mailer.js';
import { accessTokenVerifier } from '../portal/access-token.js';
import { createPortal, type PortalRoute } from '../portal/app.js';
import { openIdSignIn } from '../portal/sign-in.js';
import type { ReferenceData } from '../reference/reference-data.js';
import type { Log } from '../submissions/ports.js';
import { type DemoUser, demoUsers, type LocalSignIn, startLocalSignIn } from './local-sign-in.js';
import { startUploadCheck } from './local-upload-check.js';
import { LocalUserStore } from './local-user-store.js';

export const LOCAL_PORTAL_PORTS = { portal: 4580, signIn: 4581, uploads: 4582 } as const;
export const LOCAL_PORTAL_CLIENT_ID = 'monitoring-returns-portal';

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const REGION = 'eu-west-2';

export interface LocalPortalOptions {
  readonly reference: ReferenceData;
  readonly log: Log;
  readonly bucket: string;
  readonly table: string;
  readonly endpoints: { readonly s3: string; readonly dynamodb: string; readonly ses: string };
  /** The address query emails come from (the local stack's sender). */
  readonly sender: string;
  readonly ports: { readonly portal: number; readonly signIn: number; readonly uploads: number };
  readonly accessTokenSeconds?: number;
  readonly maxUploadBytes?: number;
  readonly uploadFormSeconds?: number;
  readonly extraUsers?: readonly DemoUser[];
  /** Where the sign-in's accounts are kept (`{data}/portal-users.json`); in memory without it. */
  readonly usersFile?: string;
  readonly clock?: () => Date;
}

export interface LocalPortal {
  readonly url: string;
  readonly signIn: LocalSignIn;
  readonly uploadEndpoint: string;
  readonly users: readonly DemoUser[];
  readonly routes: readonly PortalRoute[];
  readonly sessionKey: Uint8Array;
  stop(): Promise<void>;
}

export async function startLocalPortal(options: LocalPortalOptions): Promise<LocalPortal> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    // The portal's address first: the identity provider must know where to send people back.
    let listener: ReturnType<typeof getRequestListener> | undefined;
    const server: Server = createServer((request, response) => {
      if (listener) listener(request, response);
      else {
        response.writeHead(503);
        response.end('starting');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.ports.portal, '127.0.0.1', () => resolve());
    });
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const clock = options.clock ?? (() => new Date());
    // The demo users, then whoever staff invite: read by the sign-in page and written by the portal.
    const users = new LocalUserStore(
      options.usersFile,
      [...demoUsers(options.reference.sites), ...(options.extraUsers ?? [])],
      clock,
      (code) => options.reference.sites.find(code)?.name ?? code,
    );
    const signIn = await startLocalSignIn({
      store: users,
      sites: options.reference.sites,
      port: options.ports.signIn,
      clientId: LOCAL_PORTAL_CLIENT_ID,
      redirectUris: [`${url}/auth/callback`],
      postLogoutRedirectUris: [`${url}/signed-out`],
      ...(options.accessTokenSeconds ? { accessTokenSeconds: options.accessTokenSeconds } : {}),
      ...(options.extraUsers ? { extraUsers: options.extraUsers } : {}),
    });
    stops.push(() => signIn.stop());

    const s3Options = {
      region: REGION,
      forcePathStyle: true,
      credentials: CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED' as const,
      responseChecksumValidation: 'WHEN_REQUIRED' as const,
    };
    const s3 = new S3Client({ ...s3Options, endpoint: options.endpoints.s3 });
    stops.push(async () => s3.destroy());
    const uploads = await startUploadCheck({
      port: options.ports.uploads,
      s3Endpoint: options.endpoints.s3,
      s3,
      bucket: options.bucket,
      credentials: CREDENTIALS,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    stops.push(() => uploads.stop());
    // Signs for the address the browser uses: the upload check, which passes downloads to s3rver.
    const browserS3 = new S3Client({ ...s3Options, endpoint: uploads.endpoint });
    stops.push(async () => browserS3.destroy());
    const dynamodb = new DynamoDBClient({
      endpoint: options.endpoints.dynamodb,
      region: REGION,
      credentials: CREDENTIALS,
      maxAttempts: 6,
    });
    stops.push(async () => dynamodb.destroy());

    const ses = new SESv2Client({
      endpoint: options.endpoints.ses,
      region: REGION,
      credentials: CREDENTIALS,
    });
    stops.push(async () => ses.destroy());

    const sessionKey = new Uint8Array(randomBytes(32));
    const documents = DynamoDBDocumentClient.from(dynamodb, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const store = new DynamoSubmissionStore(documents, options.table);
    const { app, routes } = createPortal({
      reference: options.reference,
      records: store,
      reviews: { store, mailer: new SesMailer(ses, options.sender) },
      files: new S3PortalFiles(s3, options.bucket, browserS3),
      uploads: new S3PresignedUploads(browserS3, options.bucket, clock),
      // A Node server streams: a filtered download is written into the response as it is made.
      staff: {
        releases: new DynamoReleaseStore(documents, options.table),
        files: new S3ReturnFiles(s3, options.bucket),
        exportDelivery: 'stream',
      },
      signIn: openIdSignIn({
        issuer: signIn.issuer,
        clientId: LOCAL_PORTAL_CLIENT_ID,
        redirectUri: `${url}/auth/callback`,
        scope: 'openid email',
        allowHttp: true,
      }),
      users,
      verifyAccessToken: accessTokenVerifier({
        issuer: signIn.issuer,
        clientId: LOCAL_PORTAL_CLIENT_ID,
        jwksUri: signIn.jwksUri,
      }),
      sessionKey,
      settings: {
        portalUrl: url,
        maxUploadBytes: options.maxUploadBytes ?? 10 * 1024 * 1024,
        uploadFormSeconds: options.uploadFormSeconds ?? 600,
        downloadLinkSeconds: 60,
      },
      log: options.log,
      clock,
    });
    listener = getRequestListener(app.fetch);
    return {
      url,
      signIn,
      uploadEndpoint: uploads.endpoint,
      get users() {
        return signIn.users;
      },
      routes,
      sessionKey,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * What `returns local` calls: the portal beside a running local stack, on the
 * ports LOCAL_PORTAL_PORT, LOCAL_SIGN_IN_PORT and LOCAL_UPLOAD_PORT (or the
 * defaults), with the lines to print about it.
 */
export async function startPortalBesideStack(
  stack: {
    readonly bucket: string;
    readonly table: string;
    readonly endpoints: { readonly s3: string; readonly dynamodb: string; readonly ses: string };
    readonly sender: string;
  },
  reference: ReferenceData,
  log: Log,
  options: { readonly usersFile?: string } = {},
): Promise<LocalPortal & { readonly lines: readonly string[] }> {
  const portal = await startLocalPortal({
    reference,
    log,
    ...(options.usersFile ? { usersFile: options.usersFile } : {}),
    bucket: stack.bucket,
    table: stack.table,
    endpoints: stack.endpoints,
    sender: stack.sender,
    ports: {
      portal: portFrom('LOCAL_PORTAL_PORT', LOCAL_PORTAL_PORTS.portal),
      signIn: portFrom('LOCAL_SIGN_IN_PORT', LOCAL_PORTAL_PORTS.signIn),
      uploads: portFrom('LOCAL_UPLOAD_PORT', LOCAL_PORTAL_PORTS.uploads),
    },
  });
  const width = Math.max(...portal.users.map((user) => user.name.length));
  const lines = [
    `Portal: open ${portal.url}/ and choose "Sign in"; the local sign-in page (${portal.signIn.issuer}) offers these users (funder staff invite more at ${portal.url}/staff/users):`,
    ...portal.users.map((user) => `  ${user.name.padEnd(width)}  ${user.email}  (${user.role})`),
    `Uploads from the browser go to ${portal.uploadEndpoint}, which checks each form's signed policy as S3 does.`,
  ];
  return { ...portal, lines };
}

function portFrom(variable: string, fallback: number): number {
  const text = process.env[variable];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new Error(`${variable} should be a port number from 0 to 65535, not "${text}".`);
  }
  return value;
}
