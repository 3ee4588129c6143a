/**
 * The CLI's composition root: the one place a `returns` command gets AWS
 * clients and the adapters over them (the local stack's own clients come from
 * local/). Which stack a CLI command talks to: the local one (by default, found through
 * the .local/stack.json that `returns local` writes), or the deployed one in
 * AWS when RETURNS_STACK=aws, with RETURNS_BUCKET and RETURNS_TABLE naming its
 * bucket and table and the usual AWS credentials and region in the environment.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoReleaseStore } from '../adapters/dynamodb-release-store.js';
import { type DynamoSubmissionStore, submissionStoreOn } from '../adapters/dynamodb-submission-store.js';
import { S3ReturnFiles } from '../adapters/s3-return-files.js';
import { SesMailer } from '../adapters/ses-mailer.js';
import { UsageError } from '../errors.js';
import { LOCAL_DEFAULTS, localClients } from '../local/local-stack.js';
import type { Mailer } from '../submissions/ports.js';

/** The documented home of the local stack's data, in the checkout. */
const DEFAULT_LOCAL_DIR = '.local';

/** Where the local stack keeps its data: .local/ in the checkout, unless RETURNS_LOCAL_DIR names another folder. */
export function localDir(): string {
  const configured = process.env.RETURNS_LOCAL_DIR;
  return configured ? configured : DEFAULT_LOCAL_DIR;
}

export interface StackDescription {
  readonly endpoints: { readonly s3: string; readonly dynamodb: string; readonly ses: string };
  readonly bucket: string;
  readonly table: string;
  readonly emailInbox: string;
  /** The portal's address (returns local starts it beside the stack). */
  readonly portal?: string;
  readonly startedAt: string;
  readonly pid: number;
}

export interface StackConnection {
  readonly where: string;
  readonly bucket: string;
  readonly files: S3ReturnFiles;
  readonly store: DynamoSubmissionStore;
  readonly releases: DynamoReleaseStore;
  close(): void;
}

export function connectToStack(): StackConnection {
  if (process.env.RETURNS_STACK === 'aws') {
    const bucket = process.env.RETURNS_BUCKET;
    const table = process.env.RETURNS_TABLE;
    if (!bucket || !table) {
      throw new UsageError(
        'RETURNS_STACK=aws needs RETURNS_BUCKET and RETURNS_TABLE (the deployed stack prints both).',
      );
    }
    const s3 = new S3Client({
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const dynamodb = new DynamoDBClient({});
    return connection(`AWS (${bucket})`, bucket, table, s3, dynamodb);
  }
  let description: StackDescription;
  try {
    description = JSON.parse(readFileSync(join(localDir(), 'stack.json'), 'utf8')) as StackDescription;
  } catch {
    throw new UsageError(
      'The local stack is not running. Start it with "npm start" in another terminal, then try again.',
    );
  }
  if (!isRunning(description.pid)) {
    throw new UsageError(
      'The local stack is not running (it was stopped). Start it with "npm start", then try again.',
    );
  }
  const clients = localClients(description.endpoints);
  return connection(
    `the local stack (${description.endpoints.s3})`,
    description.bucket,
    description.table,
    clients.s3,
    clients.dynamodb,
  );
}

function connection(
  where: string,
  bucket: string,
  table: string,
  s3: S3Client,
  dynamodb: DynamoDBClient,
): StackConnection {
  return {
    where,
    bucket,
    files: new S3ReturnFiles(s3, bucket),
    store: submissionStoreOn(dynamodb, table),
    releases: new DynamoReleaseStore(
      DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
      table,
    ),
    close: () => {
      s3.destroy();
      dynamodb.destroy();
    },
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SES on the stack the other commands talk to: the local emulator, or AWS with RETURNS_SENDER. */
export function stackMailer(onAws: boolean): { mailer: Mailer; close(): void } {
  if (onAws) {
    const sender = process.env.RETURNS_SENDER;
    if (!sender) {
      throw new UsageError(
        'Sending on the deployed stack needs RETURNS_SENDER, the verified address feedback is sent from.',
      );
    }
    const ses = new SESv2Client({});
    return { mailer: new SesMailer(ses, sender), close: () => ses.destroy() };
  }
  const description = JSON.parse(readFileSync(join(localDir(), 'stack.json'), 'utf8')) as StackDescription;
  const { ses } = localClients(description.endpoints);
  return { mailer: new SesMailer(ses, LOCAL_DEFAULTS.sender), close: () => ses.destroy() };
}

/** The SQS client `returns redrive` uses in AWS: built here, with the CLI's other clients. */
export function awsQueueClient(): SQSClient {
  return new SQSClient({});
}
