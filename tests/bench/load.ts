/**
 * `npm run bench -- load`: a deadline-day burst on the local stack, bounded
 * and on loopback only. 200 sites × 4 quarters of valid returns are uploaded
 * 24 at a time to `returns local` running in its own process; the bench waits
 * until every upload is recorded, emailed and aggregated, then prints
 * returns/minute, the time to the last email, the stack's peak memory and the
 * exact counts. The baseline, measured in the same run on the same stack: one
 * return sent on its own (upload to email), as returns/minute if they came one
 * at a time, and the stack's memory when idle.
 *
 * Memory is what a person running `npm start` sees: the peak resident set
 * (VmHWM) of the one `returns local` process, which holds the pipeline, the
 * portal and all three emulators (s3rver, dynalite with its LevelDB,
 * aws-ses-v2-local with every email it was sent); in AWS the emulators' share
 * does not exist. Flat means it does not grow with the burst: the peak when
 * half the emails are out is printed beside the peak for the whole burst.
 *
 * Options: --sites N --quarters N --concurrency N (defaults 200, 4, 24).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Period } from '../../functions/src/programme/periods.js';
import {
  burstReturns,
  type ChildStack,
  countBurst,
  startChildStack,
  templatesWithSites,
  uploadAll,
  waitFor,
} from '../support/burst.js';

export async function runLoadBench(argv: readonly string[]): Promise<void> {
  // The SDK's Node 20 notice, once per process; the lockfile pins versions that run on 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values } = parseArgs({
    args: [...argv],
    options: {
      sites: { type: 'string', default: '200' },
      quarters: { type: 'string', default: '4' },
      concurrency: { type: 'string', default: '24' },
    },
    allowPositionals: true,
  });
  const sites = Number(values.sites);
  const quarterCount = Math.min(4, Number(values.quarters));
  const concurrency = Number(values.concurrency);
  const quarters: Period[] = [1, 2, 3, 4]
    .slice(0, quarterCount)
    .map((quarter) => ({ startYear: 2025, quarter: quarter as 1 | 2 | 3 | 4 }));

  console.log(
    `Load: ${sites} sites × ${quarterCount} quarters, ${concurrency} uploads at a time, local stack in its own process\n`,
  );
  const generating = performance.now();
  const { dir, reference } = templatesWithSites(sites + 1);
  // The last site is the baseline's: its one return goes first, on an idle stack.
  const all = await burstReturns(reference, quarters);
  const baselineSite = reference.sites.sites.at(-1)?.code;
  const single = all.filter((upload) => upload.site === baselineSite).slice(0, 1);
  const uploads = all.filter((upload) => upload.site !== baselineSite);
  console.log(
    `  made ${uploads.length + 1} filled returns in ${((performance.now() - generating) / 1000).toFixed(0)} s (not counted)`,
  );

  const dataDir = mkdtempSync(join(tmpdir(), 'bench-load-'));
  let stack: ChildStack | undefined;
  try {
    stack = await startChildStack(dataDir, dir, { RETURNS_SWEEP_INTERVAL_MS: '5000' });
    const running = stack;
    const idleMb = running.peakMb();

    const baselineStart = performance.now();
    await uploadAll(running.s3, running.description.bucket, single, 1);
    await waitFor(
      'the baseline email',
      async () => ((await countBurst(running, single)).emailsSent === 1 ? true : undefined),
      120_000,
    );
    const baselineSeconds = (performance.now() - baselineStart) / 1000;

    let peakMb = running.peakMb();
    const sampler = setInterval(() => {
      peakMb = Math.max(peakMb, running.peakMb());
    }, 500);
    const started = performance.now();
    const sent = await uploadAll(running.s3, running.description.bucket, uploads, concurrency);
    const uploadedSeconds = (performance.now() - started) / 1000;
    let lastEmailSeconds = 0;
    let halfwayPeakMb = 0;
    const counts = await waitFor(
      'every upload recorded, emailed and aggregated',
      async () => {
        const now = await countBurst(running, [...single, ...uploads]);
        if (halfwayPeakMb === 0 && now.emailsSent >= (uploads.length + 1) / 2)
          halfwayPeakMb = Math.max(peakMb, running.peakMb());
        if (now.emailsSent === uploads.length + 1 && lastEmailSeconds === 0)
          lastEmailSeconds = (performance.now() - started) / 1000;
        return now.emailsSent === uploads.length + 1 &&
          now.aggregationsPending === 0 &&
          now.totalsWrong.length === 0
          ? now
          : undefined;
      },
      30 * 60_000,
    );
    const settledSeconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peakMb = Math.max(peakMb, running.peakMb());

    const expected = uploads.length + 1;
    const perMinute = (uploads.length / lastEmailSeconds) * 60;
    const baselinePerMinute = 60 / baselineSeconds;
    const row = (label: string, value: string, note = '') =>
      console.log(`  ${label.padEnd(40)}${value.padStart(12)}  ${note}`);
    console.log('');
    row('uploads acknowledged', String(sent.acknowledged.length + 1), `(${sent.failed.length} refused)`);
    row('uploads sent in', `${uploadedSeconds.toFixed(1)} s`);
    row(
      'returns/minute, to the last email',
      perMinute.toFixed(0),
      `${(perMinute / baselinePerMinute).toFixed(1)}× one at a time (${baselinePerMinute.toFixed(0)}/min, ${baselineSeconds.toFixed(1)} s upload to email)`,
    );
    row('time to the last email', `${lastEmailSeconds.toFixed(1)} s`);
    row('time to every quarter aggregated', `${settledSeconds.toFixed(1)} s`);
    row(
      'stack peak memory (returns local, RSS)',
      `${peakMb.toFixed(0)} MB`,
      `${(peakMb / idleMb).toFixed(1)}× idle (${idleMb.toFixed(0)} MB); target < 600 MB`,
    );
    row(
      'the same when half the emails were out',
      `${halfwayPeakMb.toFixed(0)} MB`,
      `the whole burst's peak is ${(peakMb / halfwayPeakMb).toFixed(2)}× this (1.00: flat)`,
    );
    console.log('');
    const exact = (label: string, value: number | string, want: number | string) =>
      row(label, String(value), value === want ? 'exact' : `WRONG: expected ${want}`);
    exact('submissions', counts.submissions, expected);
    exact('archived files', counts.archived, expected);
    exact('feedback emails sent', counts.emailsSent, expected);
    exact('current returns (one per site-quarter)', counts.current, expected);
    exact('quarters with a recompute pending', counts.aggregationsPending, 0);
    exact('quarter totals ≠ an independent sum', counts.totalsWrong.length, 0);
  } finally {
    if (stack) {
      stack.close();
      if (stack.child.exitCode === null && stack.child.signalCode === null) {
        const exited = new Promise((resolve) => stack?.child.once('exit', resolve));
        stack.child.kill('SIGINT');
        await exited;
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}
