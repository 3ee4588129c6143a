/**
 * End to end, as a newcomer runs it: `returns local` (what `npm start` runs)
 * in its own process loads the demonstration, then returns sent with
 * `returns submit` go through the running stack and their feedback emails are
 * read back from the email emulator. Ctrl-C stops it cleanly; data survives.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackDescription } from '../../functions/src/cli/stack-connection.js';
import { localClients } from '../../functions/src/local/local-stack.js';
import { makeHostileCases } from '../fixtures/hostile-workbooks.js';
import { PortalClient } from '../portal/harness.js';
import { filledReturn, validValues } from '../support/returns.js';

const RETURNS = new URL('../../bin/returns.js', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'e2e-local-'));
const env = {
  ...process.env,
  RETURNS_LOCAL_DIR: dataDir,
  LOCAL_S3_PORT: '0',
  LOCAL_DYNAMODB_PORT: '0',
  LOCAL_SES_PORT: '0',
  LOCAL_PORTAL_PORT: '0',
  LOCAL_SIGN_IN_PORT: '0',
  LOCAL_UPLOAD_PORT: '0',
  // The emails here are the demonstration's and the test's own: no reminder timer.
  RETURNS_REMINDERS: 'off',
};

function startLocal(): Promise<{ child: ChildProcess; output: () => string }> {
  // A fixed day, so the demonstration is 2025-26 Q1 and Q2 whenever the test runs.
  const child = spawn(process.execPath, [RETURNS, 'local', '--demo-as-of', '2025-11-15'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after 90 s:\n${output}`)), 90_000);
    child.stdout?.on('data', () => {
      if (output.includes('Ready. Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    });
    child.once('exit', (code) => reject(new Error(`returns local exited with ${code}:\n${output}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RETURNS, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function emails(stack: StackDescription) {
  return (
    (await (await fetch(`${stack.endpoints.ses}/store`)).json()) as {
      emails: Array<{ subject: string; body: { text: string } }>;
    }
  ).emails;
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the local stack, as npm start runs it', () => {
  let local: { child: ChildProcess; output: () => string };
  let stack: StackDescription;
  beforeAll(async () => {
    local = await startLocal();
    stack = JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8'));
  }, 120_000);
  afterAll(async () => {
    if (local?.child.exitCode === null) await stop(local.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loads the demonstration on first start: accepted, rejected and explained returns, with their emails', async () => {
    expect(local.output()).toContain('Loaded 10 returns');
    const subjects = (await emails(stack)).map((email) => email.subject).sort();
    expect(subjects).toHaveLength(10);
    expect(subjects).toContain('Bradford 2025-26 Q2 return: not accepted: 2 errors to fix');
    expect(subjects).toContain('Lambeth 2025-26 Q2 return: accepted, with 1 warning explained');
    const status = await run(['status', '--year', '2025-26']);
    expect(status.code).toBe(0);
    // Each demonstration return arrives a few days before its due date, as a partnership would send it.
    expect(status.stdout).toMatch(/Blackpool\s+accepted\s+accepted\s+missing/);
    expect(status.stdout).toMatch(/Bradford\s+accepted\s+rejected \(late\)\s+missing/);
  });

  it('starts the portal beside the stack and writes its address into stack.json', async () => {
    expect(stack.portal).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const start = await fetch(`${stack.portal}/`);
    expect(start.status).toBe(200);
    expect(await start.text()).toContain('Sign in');
    expect(local.output()).toContain('Funder staff demo user');
  });

  // Through the CLI's bundle, as npm start runs: a minified oidc-provider once refused every code exchange.
  it('signs people in on the portal; staff invite a person, who can sign in at once with their site', async () => {
    const staff = new PortalClient(stack.portal as string);
    await staff.signInAs('staff-demo');
    const form = await (await staff.fetch('/staff/users/invite')).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
    const invited = await staff.fetch('/staff/users/invite', {
      method: 'POST',
      headers: { origin: stack.portal as string, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        csrf,
        email: 'robin@lambeth.example',
        name: 'Robin Day',
        access: 'LAM',
      }).toString(),
    });
    expect(invited.status).toBe(303);
    expect(await signInAsInvited()).toBe(200);
  }, 60_000);

  it('takes returns sent with returns submit, hostile or not, and emails the feedback', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'e2e-files-'));
    const good = join(folder, 'Southend Q3.xlsx');
    // Continue the demonstration's own figures (seed 2025), so Q3 is checked against its Q1 and Q2 without surprises.
    const q1 = validValues('SEN', '2025-26-Q1', 2025);
    const q2 = validValues('SEN', '2025-26-Q2', 2025, q1);
    writeFileSync(good, await filledReturn(validValues('SEN', '2025-26-Q3', 2025, q2), 'SEN', '2025-26-Q3'));
    const locked = join(folder, 'locked.xlsx');
    const hostile = makeHostileCases().find((entry) => entry.name === 'password-protected');
    writeFileSync(locked, await (hostile as NonNullable<typeof hostile>).build(readFileSync(good)));

    for (const file of [good, locked]) {
      const sent = await run(['submit', file, '--site', 'SEN']);
      expect(sent.code, sent.stderr).toBe(0);
    }
    const feedback = await waitFor('two more emails', async () => {
      const all = await emails(stack);
      return all.length >= 12 ? all.slice(10) : undefined;
    });
    const subjects = feedback.map((email) => email.subject).sort();
    expect(subjects).toEqual([
      'Southend 2025-26 Q3 return: accepted',
      'Southend return (locked.xlsx): could not be checked',
    ]);
    expect(feedback.find((email) => email.subject.includes('locked'))?.body.text).toContain(
      'This workbook is password-protected',
    );
    const listed = await run(['submissions', '--site', 'SEN', '--json']);
    expect(JSON.parse(listed.stdout).map((submission: { status: string }) => submission.status)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'rejected',
    ]);
  }, 120_000);

  it('writes programme, published, year and CSV summaries from the running stack, and says when a quarter has none', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'e2e-summaries-'));
    const cases: Array<[string[], RegExp]> = [
      [
        ['--period', '2025-26-Q2', '--out', join(folder, 'q2.xlsx')],
        /from 9 accepted returns \(2025-26 Q1 to Q2\)/,
      ],
      [
        ['--period', '2025-26-Q2', '--published', '--out', join(folder, 'q2 published.xlsx')],
        /published summary/,
      ],
      [['--year', '2025-26', '--out', join(folder, 'year.xlsx')], /2025-26 year to date/],
      [['--period', '2025-26-Q2', '--csv', '--out', join(folder, 'q2.csv')], /data \(CSV\)/],
      [
        ['--period', '2025-26-Q4', '--out', join(folder, 'q4.xlsx')],
        /There are no accepted returns for 2025-26 Q4 itself yet/,
      ],
    ];
    for (const [args, expected] of cases) {
      const result = await run(['summary', ...args]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(expected);
    }
    const csv = readFileSync(join(folder, 'q2.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toBe('Period,Site,Item ID,Item,Value,Status,Submission');
    expect(readFileSync(join(folder, 'q4.xlsx')).subarray(0, 2).toString()).toBe('PK');
    // Five commands in fresh processes, one of them running the disclosure audit for the draft.
  }, 120_000);

  it('shows staff the uploads no site could claim and the files no quarter could take, and redrives nothing when nothing is dead', async () => {
    const clients = localClients(stack.endpoints);
    try {
      for (const key of ['incoming/XYZ/return.xlsx', 'incoming/Southend.xlsx'])
        await clients.s3.send(
          new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: Buffer.from('PK') }),
        );
      await clients.s3.send(
        new PutObjectCommand({ Bucket: stack.bucket, Key: 'incoming/SEN/empty.xlsx', Body: Buffer.alloc(0) }),
      );
    } finally {
      clients.s3.destroy();
      clients.dynamodb.destroy();
      clients.ses.destroy();
    }
    const status = await waitFor(
      'the uploads in status',
      async () => {
        const result = await run(['status', '--year', '2025-26']);
        return result.stdout.includes('empty.xlsx') && result.stdout.includes('incoming/Southend.xlsx')
          ? result.stdout
          : undefined;
      },
      60_000,
    );
    expect(status).toContain('Uploads no site could claim (2)');
    expect(status).toMatch(
      /incoming\/XYZ\/return\.xlsx\s+\(2 bytes\): the folder names no site in the registry/,
    );
    expect(status).toMatch(/incoming\/Southend\.xlsx\s+\(2 bytes\): not in a site folder/);
    expect(status).toMatch(
      /Files that could not be read as any quarter's return \(2\)[\s\S]*SEN {2}locked\.xlsx[\s\S]*SEN {2}empty\.xlsx/,
    );
    // The same lists in --json, beside the grid, for scripts.
    const json = JSON.parse((await run(['status', '--year', '2025-26', '--json'])).stdout) as {
      cells: unknown[];
      unroutableUploads: Array<{ key: string; why: string }>;
      unreadableFiles: Array<{ s3Key: string; site: string }>;
    };
    expect(json.cells).toHaveLength(20);
    expect(json.unroutableUploads.map((upload) => upload.key).sort()).toEqual([
      'incoming/Southend.xlsx',
      'incoming/XYZ/return.xlsx',
    ]);
    expect(json.unreadableFiles.map((file) => `${file.site} ${file.s3Key}`).sort()).toEqual([
      'SEN incoming/SEN/empty.xlsx',
      'SEN incoming/SEN/locked.xlsx',
    ]);
    const redrive = await run(['redrive']);
    expect(redrive.code, redrive.stderr).toBe(0);
    expect(redrive.stdout).toBe('There were no dead-lettered messages: nothing to move.\n');
  }, 90_000);

  it('stops cleanly on Ctrl-C and keeps the data for the next start', async () => {
    expect(await stop(local.child)).toBe(0);
    local = await startLocal();
    expect(local.output()).not.toContain('First start');
    const listed = await run(['submissions', '--site', 'SEN', '--json']);
    expect(JSON.parse(listed.stdout)).toHaveLength(5);
  }, 120_000);

  it('still lets the person staff invited sign in after the restart', async () => {
    expect(local.output()).toContain('Robin Day');
    // Port 0: the restarted portal has a new address.
    stack = JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8'));
    expect(await signInAsInvited()).toBe(200);
  }, 60_000);

  /** Signs in as the person invited above, from the local sign-in page; their own returns page's status. */
  async function signInAsInvited(): Promise<number> {
    const robin = new PortalClient(stack.portal as string);
    const { response } = await robin.follow('/sign-in');
    const account = /name="account" value="([^"]+)">\s*<button[^>]*>Sign in as Robin Day/.exec(
      await response.text(),
    )?.[1];
    if (!account) throw new Error('Robin Day is not on the sign-in page');
    await robin.signInAs(account);
    return (await robin.fetch('/returns')).status;
  }
});
