/**
 * A burst of uploads from many sites against a local stack in its own process
 * (`returns local`, as `npm start` runs it), for the kill -9 test and the load
 * bench: a copy of templates/ with N sites, a valid return per site and
 * quarter, uploads a fixed number at a time, and the exact counts afterwards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { stringify } from 'yaml';
import { submissionStoreOn } from '../../functions/src/adapters/dynamodb-submission-store.js';
import type { StackDescription } from '../../functions/src/cli/stack-connection.js';
import { uploadKey } from '../../functions/src/config/uploads.js';
import { syntheticReturn } from '../../functions/src/demo/synthetic-return.js';
import { localClients } from '../../functions/src/local/local-stack.js';
import { formatPeriod, type Period } from '../../functions/src/programme/periods.js';
import {
  loadReferenceData,
  type ReferenceData,
  TEMPLATES_DIR,
} from '../../functions/src/reference/reference-data.js';
import type { ReturnValues } from '../../functions/src/returns/return-values.js';
import { fillTemplate } from '../../functions/src/template/fill-template.js';
import { writeTemplate } from '../../functions/src/template/write-template.js';

const RETURNS = new URL('../../bin/returns.js', import.meta.url).pathname;

/** A templates/ folder whose registry holds `count` sites, AAA, AAB, …, each with one contact. */
export function templatesWithSites(count: number): { dir: string; reference: ReferenceData } {
  const dir = mkdtempSync(join(tmpdir(), 'burst-templates-'));
  cpSync(TEMPLATES_DIR, dir, { recursive: true });
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const sites = Array.from({ length: count }, (_, index) => {
    const code = `${letters[Math.floor(index / 676) % 26]}${letters[Math.floor(index / 26) % 26]}${letters[index % 26]}`;
    return {
      code,
      name: `Partnership ${code}`,
      shortName: `Site ${code}`,
      contacts: [`data@${code.toLowerCase()}.example`],
    };
  });
  writeFileSync(join(dir, 'sites.yaml'), stringify({ sites }));
  return { dir, reference: loadReferenceData({ templatesDir: dir }) };
}

export interface BurstUpload {
  readonly key: string;
  readonly site: string;
  readonly period: string;
  readonly bytes: Buffer;
  readonly values: ReturnValues;
}

/** One valid return per site and quarter (each quarter consistent with the one before). */
export async function burstReturns(
  reference: ReferenceData,
  quarters: readonly Period[],
): Promise<BurstUpload[]> {
  const uploads: BurstUpload[] = [];
  for (const site of reference.sites.sites) {
    let previous: ReturnValues | undefined;
    for (const period of quarters) {
      const dictionary = reference.dictionaries.forPeriod(period);
      const values = syntheticReturn(dictionary, site, period, {
        seed: 7,
        ...(previous ? { previous } : {}),
      });
      previous = values;
      const template = await writeTemplate({
        dictionary,
        programme: reference.programme,
        site,
        sites: reference.sites.sites,
        period,
        generatedAt: new Date('2025-10-01T09:00:00Z'),
      });
      uploads.push({
        key: uploadKey(site.code, `${site.shortName} ${formatPeriod(period)}.xlsx`),
        site: site.code,
        period: formatPeriod(period),
        bytes: await fillTemplate(template, values),
        values,
      });
    }
  }
  return uploads;
}

export interface ChildStack {
  readonly child: ChildProcess;
  readonly description: StackDescription;
  readonly s3: S3Client;
  output(): string;
  /** The child's peak resident memory so far (VmHWM), in MB. */
  peakMb(): number;
  close(): void;
}

export async function startChildStack(
  dataDir: string,
  templatesDir: string,
  env: Record<string, string> = {},
): Promise<ChildStack> {
  const child = spawn(process.execPath, [RETURNS, 'local', '--no-demo'], {
    env: {
      ...process.env,
      RETURNS_LOCAL_DIR: dataDir,
      RETURNS_TEMPLATES_DIR: templatesDir,
      LOCAL_S3_PORT: '0',
      LOCAL_DYNAMODB_PORT: '0',
      LOCAL_SES_PORT: '0',
      LOCAL_PORTAL_PORT: '0',
      LOCAL_SIGN_IN_PORT: '0',
      LOCAL_UPLOAD_PORT: '0',
      // The burst counts one email per upload: no reminder timer.
      RETURNS_REMINDERS: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += String(chunk);
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after 90 s:\n${output}`)), 90_000);
    const check = () => {
      if (output.includes('Ready. Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`returns local exited with ${code}:\n${output}`));
    });
  });
  const description = JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as StackDescription;
  const clients = localClients(description.endpoints);
  return {
    child,
    description,
    s3: clients.s3,
    output: () => output,
    peakMb: () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      } catch {
        return 0;
      }
    },
    close: () => {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

/** Uploads `concurrency` at a time; returns the keys S3 acknowledged (and those it did not). */
export async function uploadAll(
  s3: S3Client,
  bucket: string,
  uploads: readonly BurstUpload[],
  concurrency: number,
  onAcknowledged?: (count: number) => void,
): Promise<{ acknowledged: string[]; failed: string[] }> {
  const acknowledged: string[] = [];
  const failed: string[] = [];
  let next = 0;
  const worker = async () => {
    for (;;) {
      const upload = uploads[next++];
      if (!upload) return;
      try {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: upload.key, Body: upload.bytes }));
        acknowledged.push(upload.key);
        onAcknowledged?.(acknowledged.length);
      } catch {
        failed.push(upload.key);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { acknowledged, failed };
}

export interface BurstCounts {
  readonly submissions: number;
  readonly current: number;
  readonly emailsSent: number;
  readonly archived: number;
  readonly aggregationsPending: number;
  /** Quarters whose stored figures differ from an independent sum of the uploaded values. */
  readonly totalsWrong: string[];
}

/** The exact counts, read from the stack's table and bucket. */
export async function countBurst(
  stack: ChildStack,
  uploads: readonly BurstUpload[],
  item = 'ACT.SESSIONS',
): Promise<BurstCounts> {
  const clients = localClients(stack.description.endpoints);
  const store = submissionStoreOn(clients.dynamodb, stack.description.table);
  try {
    const sites = [...new Set(uploads.map((upload) => upload.site))];
    const periods = [...new Set(uploads.map((upload) => upload.period))];
    // Twenty sites at a time: enough to be quick, few enough to stay within the client's sockets.
    const submissions = [];
    for (let start = 0; start < sites.length; start += 20)
      submissions.push(
        ...(
          await Promise.all(sites.slice(start, start + 20).map((site) => store.siteSubmissions(site)))
        ).flat(),
      );
    const current = (await Promise.all(periods.map((period) => store.currentReturns(period)))).flat();
    let archived = 0;
    let token: string | undefined;
    do {
      const page = await clients.s3.send(
        new ListObjectsV2Command({
          Bucket: stack.description.bucket,
          Prefix: 'archive/',
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      archived += page.KeyCount ?? 0;
      token = page.NextContinuationToken;
    } while (token);
    const requests = await store.aggregationRequests();
    const totalsWrong: string[] = [];
    for (const period of periods) {
      const expected = uploads
        .filter((upload) => upload.period === period)
        .reduce((sum, upload) => sum + Number(upload.values.items[item] ?? 0), 0);
      const figures = (await store.getAggregate(period))?.figures as
        | { quarter?: { items?: Record<string, { value?: number } | number> } }
        | undefined;
      const stored = figures?.quarter?.items?.[item];
      const value = typeof stored === 'number' ? stored : stored?.value;
      if (value !== expected) totalsWrong.push(`${period}: ${item} ${value} ≠ ${expected}`);
    }
    return {
      submissions: submissions.length,
      current: current.length,
      emailsSent: submissions.filter((submission) => submission.emailState === 'sent').length,
      archived,
      aggregationsPending: requests.filter((request) => request.requested > request.computed).length,
      totalsWrong,
    };
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}

/** Polls until `check` gives a value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
