/**
 * `returns remind` and `returns export` against a running local stack, as a
 * member of staff types them: the dry run lists the right sites for a date and
 * sends nothing; the real run sends each notice once however often it is run;
 * the export writes a whole file or, for a mistake, one plain line and nothing.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../functions/src/cli/main.js';
import { chartReturns } from '../support/chart-summary.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { quarterScenario } from '../support/reminder-scenario.js';

let t: TestStack;
let dir = '';

beforeAll(async () => {
  t = await startTestStack();
  dir = mkdtempSync(join(tmpdir(), 'staff-cli-'));
  writeFileSync(
    join(dir, 'stack.json'),
    JSON.stringify({
      endpoints: t.stack.endpoints,
      bucket: t.stack.bucket,
      table: t.stack.table,
      emailInbox: t.stack.endpoints.ses,
      startedAt: new Date().toISOString(),
      pid: process.pid,
    }),
  );
  process.env.RETURNS_LOCAL_DIR = dir;
  const scenario = quarterScenario();
  for (const submission of scenario.submissions) await t.store.recordSubmission(submission);
  for (const current of scenario.current) await t.store.offerCurrent(current);
});
afterAll(async () => {
  delete process.env.RETURNS_LOCAL_DIR;
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('returns remind', () => {
  it('--dry-run lists the sites to remind on a date, and why the others are left out, sending nothing', async () => {
    const { code, stdout } = await run('remind', '--dry-run', '--today', '2025-10-20');
    expect(code).toBe(0);
    expect(stdout).toContain('Reminders for 20 October 2025 on the local stack');
    expect(stdout).toContain('a dry run, nothing is sent');
    const wouldSend = stdout.slice(stdout.indexOf('Would send'), stdout.indexOf('Not sent:'));
    for (const site of ['Bradford', 'Lambeth', 'Nottingham', 'Southend']) expect(wouldSend).toContain(site);
    expect(wouldSend).not.toContain('Blackpool');
    expect(stdout).toMatch(
      /Not sent:\n {2}reminder {2}2025-26 Q2 {2}Blackpool +accepted return received 2025-10-15/,
    );
    expect(await t.emails()).toEqual([]);
  });

  it('sends them once: a second run sends nothing and says they were sent', async () => {
    expect((await run('remind', '--today', '2025-10-20')).code).toBe(0);
    expect((await t.emails()).map((email) => email.subject).sort()).toEqual([
      'Monitoring returns, week of 20 October 2025: nothing overdue, 4 more awaited',
      'Reminder: Bradford 2025-26 Q2 return due by 30 October 2025 (10 days to go)',
      'Reminder: Lambeth 2025-26 Q2 return due by 30 October 2025 (10 days to go)',
      'Reminder: Nottingham 2025-26 Q2 return due by 30 October 2025 (10 days to go)',
      'Reminder: Southend 2025-26 Q2 return due by 30 October 2025 (10 days to go)',
    ]);
    const again = await run('remind', '--today', '2025-10-20', '--json');
    const parsed = JSON.parse(again.stdout);
    expect(parsed.sent).toEqual([]);
    expect(
      parsed.skipped.filter((s: { reason: string }) => s.reason.startsWith('already sent')),
    ).toHaveLength(5);
    expect(await t.emails()).toHaveLength(5);
  });

  it('says plainly what is wrong with a date', async () => {
    const { code, stderr } = await run('remind', '--dry-run', '--today', '20/10/2025');
    expect(code).toBe(2);
    expect(stderr).toBe('returns: "20/10/2025" is not a date: write it like 2025-10-20.\n');
  });
});

describe('returns export', () => {
  beforeAll(async () => {
    for (const entry of chartReturns().filter((e) => e.site === 'SEN' || e.site === 'BLK')) {
      await t.store.offerCurrent({
        site: entry.site,
        period: `2025-26-Q${entry.period.quarter}`,
        submissionId: `${entry.submissionId}-full`,
        receivedAt: `2026-01-1${entry.period.quarter}T09:00:00Z`,
        sequencer: '2',
        status: 'accepted',
        dictionaryVersion: '2025-26',
        counts: { fatal: 0, errors: 0, warnings: 0, unexplainedWarnings: 0 },
        values: entry.values,
      });
    }
  });

  it('writes the filtered rows as CSV and says how many', async () => {
    const out = join(dir, 'southend.csv');
    const { code, stdout } = await run(
      'export',
      '--from',
      '2025-26-Q1',
      '--to',
      '2025-26-Q4',
      '--site',
      'SEN',
      '--section',
      'D',
      '--format',
      'csv',
      '--out',
      out,
    );
    expect(code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\r\n');
    expect(stdout).toContain(
      `Wrote ${lines.length - 1} rows from 3 returns (2025-26-Q1 to 2025-26-Q4; sites SEN; sections D)`,
    );
    expect(new Set(lines.slice(1).map((line) => line.split(',')[1]))).toEqual(new Set(['SEN']));
    expect(new Set(lines.slice(1).map((line) => line.split(',')[0]))).toEqual(
      new Set(['2025-26-Q1', '2025-26-Q2', '2025-26-Q4']),
    );
  });

  it.each([
    [
      ['--from', '2025-26-Q1', '--to', '2124-25-Q4'],
      /^returns: 2025-26-Q1 to 2124-25-Q4 is 400 quarters \(100 years\); one download covers at most 40 quarters/,
    ],
    [['--from', '2025-26-Q1', '--to', '2025-26-Q2', '--site', 'ABC'], /^returns: There is no site "ABC"\./],
    [
      ['--from', '2025-26-Q1', '--to', '2025-26-Q2', '--format', 'pdf'],
      /^returns: "pdf" is not a format we write\. Choose --format csv, json or xlsx\.\n$/,
    ],
  ])('refuses %j with one line and writes nothing', async (args, message) => {
    const before = readdirSync(dir).length;
    const format = args.includes('--format') ? [] : ['--format', 'csv'];
    const out = args.includes('pdf') ? join(dir, 'x.pdf') : join(dir, 'refused.csv');
    const { code, stderr } = await run('export', ...args, ...format, '--out', out);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toHaveLength(before);
  });
});
