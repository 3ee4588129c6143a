/**
 * A kill -9 of the local stack in the middle of a burst, and a restart on the
 * same data folder: every upload S3 acknowledged ends recorded, archived,
 * current and answered, and the quarters' figures equal an independent sum.
 * The stack runs in its own process (`returns local`), as `npm start` runs it,
 * so the kill is real: in-memory queues, retries and timers die with it, and
 * the restart's sweep must find what they left unfinished.
 *
 * "Recorded within a minute of the restart", without timing it (a wall-clock
 * bound flakes on a loaded machine): the restarted stack is given a sweep
 * grace period of an hour, so its timer's passes retry emails but never take
 * an upload or a recompute request younger than that. An upload acknowledged
 * before the kill can then be recorded after the restart only by the start-up
 * pass, which runs as the stack starts, with no grace period, and takes up to
 * 200 uploads in one go (maxUploadsPerRun). The test asserts that this one
 * pass, by the stack's own log, reprocessed every upload that had no record,
 * and that nothing else did: a minute is then the time one pass takes to
 * process them, not a wait.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  burstReturns,
  type ChildStack,
  countBurst,
  startChildStack,
  templatesWithSites,
  uploadAll,
  waitFor,
} from '../support/burst.js';

const SITES = 20;
const dataDir = mkdtempSync(join(tmpdir(), 'kill-restart-'));
// Quick sweeps, and claims on unfinished emails that go stale in seconds, so the test need not wait minutes.
const env = {
  RETURNS_SWEEP_INTERVAL_MS: '2000',
  RETURNS_SWEEP_GRACE_SECONDS: '3',
  RETURNS_EMAIL_CLAIM_SECONDS: '3',
};
// The restart: uploads and recompute requests are the start-up pass's alone; JSON logs to read its outcome.
const restartEnv = { ...env, RETURNS_SWEEP_GRACE_SECONDS: '3600', RETURNS_LOG: 'json' };
let stack: ChildStack | undefined;

afterAll(() => {
  stack?.close();
  if (stack?.child.exitCode === null && stack.child.signalCode === null) stack.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('kill -9 in the middle of a burst', () => {
  it('loses nothing S3 acknowledged: 20 sites × 2 quarters, one kill, one restart', async () => {
    const { dir, reference } = templatesWithSites(SITES);
    const uploads = await burstReturns(reference, [
      { startYear: 2025, quarter: 1 },
      { startYear: 2025, quarter: 2 },
    ]);
    stack = await startChildStack(dataDir, dir, env);
    const first = stack;
    const killAfter = 12;
    const beforeKill = await uploadAll(first.s3, first.description.bucket, uploads, 24, (count) => {
      if (count === killAfter) first.child.kill('SIGKILL');
    });
    await new Promise((resolve) =>
      first.child.exitCode !== null || first.child.signalCode !== null
        ? resolve(undefined)
        : first.child.once('exit', resolve),
    );
    first.close();
    expect(beforeKill.acknowledged.length).toBeGreaterThanOrEqual(killAfter);
    expect(beforeKill.failed.length).toBeGreaterThan(0);

    stack = await startChildStack(dataDir, dir, restartEnv);
    // The grant holders whose uploads were cut off send them again, as anyone would.
    const retried = uploads.filter((upload) => beforeKill.failed.includes(upload.key));
    const afterRestart = await uploadAll(stack.s3, stack.description.bucket, retried, 24);
    expect(afterRestart.failed).toEqual([]);

    const restarted = stack;
    const counts = await waitFor(
      'every upload recorded, answered and aggregated',
      async () => {
        const now = await countBurst(restarted, uploads);
        return now.submissions === uploads.length &&
          now.emailsSent === uploads.length &&
          now.aggregationsPending === 0 &&
          now.totalsWrong.length === 0
          ? now
          : undefined;
      },
      // Only a guard against a hang: what the test asserts is which pass recorded what, below.
      150_000,
    ).catch(async (error) => {
      throw new Error(
        `${(error as Error).message}: ${JSON.stringify(await countBurst(restarted, uploads))}\n${restarted.output().slice(-3000)}`,
      );
    });
    expect(counts).toEqual({
      submissions: uploads.length,
      current: uploads.length,
      emailsSent: uploads.length,
      archived: uploads.length,
      aggregationsPending: 0,
      totalsWrong: [],
    });

    // Every upload processed again after the restart was taken by the one start-up pass.
    const lines = restarted
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const reprocessedKeys = lines
      .filter((line) => line.message === 'an upload had no record; processing it again')
      .map((line) => line.key);
    const startUp = lines.filter(
      (line) => line.message === 'uploads left unfinished by the last run were processed',
    );
    expect(startUp).toHaveLength(1);
    expect(startUp[0]).toMatchObject({ reprocessed: reprocessedKeys.length, failed: 0 });
    expect(reprocessedKeys.length).toBeGreaterThan(0);
    // (An upload the kill cut off after s3rver had stored it, before it answered, is among them too.)
    const keys = uploads.map((upload) => upload.key);
    for (const key of reprocessedKeys) expect(keys).toContain(key);
  }, 300_000);
});
