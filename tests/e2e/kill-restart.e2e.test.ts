/**
 * A kill -9 of the local stack in the middle of a burst, and a restart on the
 * same data folder: every upload S3 acknowledged ends recorded, archived,
 * current and answered, and the quarters' figures equal an independent sum.
 * The stack runs in its own process (`returns local`), as `npm start` runs it,
 * so the kill is real: in-memory queues, retries and timers die with it, and
 * the restart's sweep must find what they left unfinished.
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

    stack = await startChildStack(dataDir, dir, env);
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
      90_000,
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
  }, 240_000);
});
