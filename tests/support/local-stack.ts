/** A local stack for one test file: emulators on free ports, data in a temporary folder, stopped after. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { DynamoSubmissionStore } from '../../functions/src/adapters/dynamodb-submission-store.js';
import {
  type LocalStack,
  type LocalStackOptions,
  startLocalStack,
} from '../../functions/src/local/local-stack.js';
import type { Log, ReturnAccepted } from '../../functions/src/submissions/ports.js';
import { testReference } from './reference.js';

export interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text: string; html: string };
  attachments?: Array<{ filename: string; contentType: string; content: string; size: number }>;
  at: number;
}

export interface TestStack {
  stack: LocalStack;
  store: DynamoSubmissionStore;
  log: Array<{ level: string; message: string; detail?: Record<string, unknown> }>;
  accepted: ReturnAccepted[];
  upload(key: string, bytes: Buffer): Promise<void>;
  emails(): Promise<StoredEmail[]>;
  clearEmails(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestStack(options: Partial<LocalStackOptions> = {}): Promise<TestStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stack-'));
  const entries: TestStack['log'] = [];
  const accepted: ReturnAccepted[] = [];
  const record = (level: string) => (message: string, detail?: Record<string, unknown>) => {
    entries.push({ level, message, ...(detail ? { detail } : {}) });
  };
  const log: Log = { info: record('info'), warn: record('warn'), error: record('error') };
  const stack = await startLocalStack({
    reference: testReference(),
    log,
    dataDir,
    ports: { s3: 0, dynamodb: 0, ses: 0 },
    retryDelayMs: 100,
    onReturnAccepted: async (event) => {
      accepted.push(event);
    },
    ...options,
  });
  const store = stack.store;
  return {
    stack,
    store,
    log: entries,
    accepted,
    upload: async (key, bytes) => {
      await stack.clients.s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: bytes }));
    },
    emails: async () =>
      ((await (await fetch(`${stack.endpoints.ses}/store`)).json()) as { emails: StoredEmail[] }).emails,
    clearEmails: async () => {
      await fetch(`${stack.endpoints.ses}/clear-store`, { method: 'POST' });
    },
    stop: async () => {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
