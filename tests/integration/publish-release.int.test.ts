/**
 * Publishing releases on the emulators (s3rver, dynalite): a quarter, a
 * revision after a resubmission, the year to date, and every way it must
 * refuse, with nothing half-published.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoReleaseStore } from '../../functions/src/adapters/dynamodb-release-store.js';
import { S3ReturnFiles } from '../../functions/src/adapters/s3-return-files.js';
import type { AcceptedReturn } from '../../functions/src/aggregation/aggregate.js';
import { formatPeriod } from '../../functions/src/programme/periods.js';
import type { InternalRecord } from '../../functions/src/publication/release.js';
import type { CurrentReturn } from '../../functions/src/returns/submission.js';
import {
  listReleases,
  type PublishReleaseDeps,
  publishRelease,
} from '../../functions/src/submissions/publish-release.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { testReference } from '../support/reference.js';
import { corrected, withZeroCase, yearOfReturns } from '../support/releases.js';

let t: TestStack;
let deps: PublishReleaseDeps;
let files: S3ReturnFiles;
const returns = yearOfReturns([1, 2, 3], (site, quarter, values) =>
  site === 'SEN' && quarter === 3 ? withZeroCase(values) : values,
);

beforeAll(async () => {
  t = await startTestStack();
  files = new S3ReturnFiles(t.stack.clients.s3, t.stack.bucket);
  deps = {
    store: t.store,
    files,
    releases: new DynamoReleaseStore(
      DynamoDBDocumentClient.from(t.stack.clients.dynamodb, {
        marshallOptions: { removeUndefinedValues: true },
      }),
      t.stack.table,
    ),
    reference: testReference(),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    clock: () => new Date('2026-02-15T09:00:00Z'),
  };
}, 60_000);
afterAll(async () => {
  await t.stop();
});

async function makeCurrent(entry: AcceptedReturn): Promise<void> {
  const current: CurrentReturn = {
    site: entry.site,
    period: formatPeriod(entry.period),
    submissionId: entry.submissionId,
    receivedAt: entry.receivedAt,
    sequencer: '0001',
    status: 'accepted',
    dictionaryVersion: entry.dictionaryVersion,
    counts: { fatal: 0, errors: 0, warnings: 0, unexplainedWarnings: 0 },
    values: entry.values,
  };
  expect((await t.store.offerCurrent(current)).outcome).toBe('now-current');
}

describe('publishing releases', () => {
  it('refuses a quarter with no accepted returns, and one not yet started, publishing nothing', async () => {
    const empty = await publishRelease(deps, { period: '2025-26-Q3', publishedBy: 'Ann Analyst' });
    expect(empty).toMatchObject({ outcome: 'refused', reason: 'no-returns' });
    expect(empty.message).toMatch(/no accepted returns for .*Nothing was published/);
    const future = await publishRelease(deps, { period: '2026-27-Q2', publishedBy: 'Ann Analyst' });
    expect(future).toMatchObject({ outcome: 'refused', reason: 'not-started' });
    expect(future.message).toMatch(/has not started yet/);
    const nonsense = await publishRelease(deps, { period: '2025-26-Q5', publishedBy: 'Ann Analyst' });
    expect(nonsense).toMatchObject({ outcome: 'refused', reason: 'bad-period' });
    expect(await listReleases(deps, '2025-26-Q3')).toEqual([]);
  });

  it('publishes Q3 as release 1: the workbook and CSV, and an internal record with the audit', async () => {
    for (const entry of returns) await makeCurrent(entry);
    const outcome = await publishRelease(deps, { period: '2025-26-Q3', publishedBy: 'Ann Analyst' });
    expect(outcome.outcome, outcome.message).toBe('published');
    if (outcome.outcome !== 'published') return;
    expect(outcome.release).toMatchObject({ period: '2025-26-Q3', number: 1, publishedBy: 'Ann Analyst' });
    expect(outcome.release.submissions).toHaveLength(5);
    expect((await files.head('published/2025-26-Q3/release-1.xlsx'))?.size).toBeGreaterThan(5000);
    const csv = (await files.read('published/2025-26-Q3/release-1.csv')).toString('utf8');
    expect(csv.split('\r\n')[0]).toBe('release,period,level_code,level,id,label,measure,value');
    expect(csv).toMatch(/^1,2025-26-Q3,SEN,[^,]+,SATOD\.MAT,[^\r]*,figure,c\r$/m);
    // The audit table, with true values, is in the internal record only.
    const internal = JSON.parse(
      (await files.read(outcome.release.files.internal)).toString('utf8'),
    ) as InternalRecord;
    const row = internal.audit.find((entry) => entry.quantity === 'SATOD.MAT|SEN');
    expect(row).toMatchObject({ trueValue: 3, safe: true });
    expect(csv).not.toMatch(/trueValue|possibleValues/);
    expect((await listReleases(deps, '2025-26-Q3')).map((record) => record.number)).toEqual([1]);
  });

  it('refuses a release that would change nothing', async () => {
    const again = await publishRelease(deps, { period: '2025-26-Q3', publishedBy: 'Bo Analyst' });
    expect(again).toMatchObject({ outcome: 'refused', reason: 'unchanged' });
    expect(again.message).toMatch(/Release 1 of .* already uses exactly these returns .* Ann Analyst/);
  });

  it('publishes a revision after a resubmission, saying what changed and why', async () => {
    const blackpool = returns.find(
      (entry) => entry.site === 'BLK' && entry.period.quarter === 3,
    ) as AcceptedReturn;
    await makeCurrent(corrected(blackpool, 'BLK-q3-b'));
    const outcome = await publishRelease(deps, { period: '2025-26-Q3', publishedBy: 'Ann Analyst' });
    expect(outcome.outcome, outcome.message).toBe('published');
    if (outcome.outcome !== 'published') return;
    expect(outcome.release.number).toBe(2);
    expect(outcome.release.changes.join(' ')).toMatch(
      /revises release 1.*Blackpool Better Start \(2025-26-Q3\) sent a corrected return/,
    );
    // Release 1 is frozen: still there, unchanged in size.
    expect((await files.head('published/2025-26-Q3/release-1.xlsx'))?.size).toBeGreaterThan(5000);
    expect((await listReleases(deps, '2025-26-Q3')).map((record) => record.number)).toEqual([1, 2]);
  });

  it('publishes the year to date, audited against both Q3 releases', async () => {
    const outcome = await publishRelease(deps, { year: '2025-26', publishedBy: 'Ann Analyst' });
    expect(outcome.outcome, outcome.message).toBe('published');
    expect(outcome.message).toMatch(/against 2 earlier releases/);
    expect(await files.head('published/2025-26/release-1.xlsx')).toBeDefined();
  });

  it('gives one release and a clear message when two publications run at once', async () => {
    const lambeth = returns.find(
      (entry) => entry.site === 'LAM' && entry.period.quarter === 3,
    ) as AcceptedReturn;
    await makeCurrent({ ...corrected(lambeth, 'LAM-q3-b'), receivedAt: '2026-02-04T10:00:00Z' });
    const [first, second] = await Promise.all([
      publishRelease(deps, { period: '2025-26-Q3', publishedBy: 'Ann Analyst' }),
      publishRelease(deps, { period: '2025-26-Q3', publishedBy: 'Bo Analyst' }),
    ]);
    const outcomes = [first?.outcome, second?.outcome].sort();
    expect(outcomes).toEqual(['conflict', 'published']);
    const loser = [first, second].find((outcome) => outcome?.outcome === 'conflict');
    expect(loser?.message).toMatch(/Someone else published release 3 of .* so this one was not published/);
    const records = await listReleases(deps, '2025-26-Q3');
    expect(records.map((record) => record.number)).toEqual([1, 2, 3]);
    // The published file is the winner's, byte for byte.
    const winner = records[2];
    expect(await files.read('published/2025-26-Q3/release-3.xlsx')).toEqual(
      await files.read(winner?.files.workbook as string),
    );
  });

  it('refuses, naming the count and its interval, when an earlier release already narrowed it', async () => {
    // An earlier release (made by hand, as a careless one could be) showed Southend's Q2 unknown breastfeeding
    // count rounded: 3 shown as 5 says 3 to 7, five values. No suppression now can undo that.
    const southend = returns.find(
      (entry) => entry.site === 'SEN' && entry.period.quarter === 2,
    ) as AcceptedReturn;
    await makeCurrent({
      ...southend,
      submissionId: 'SEN-q2-b',
      receivedAt: '2026-02-05T10:00:00Z',
      values: {
        ...southend.values,
        items: {
          ...southend.values.items,
          'BF.UNKNOWN': 3,
          'BF.NONE':
            (southend.values.items['BF.NONE'] as number) +
            (southend.values.items['BF.UNKNOWN'] as number) -
            3,
        },
      },
    });
    const variable = 'SEN|2025-26-Q2|BF.UNKNOWN|SEN-q2-b';
    const leaked: InternalRecord = {
      version: 1,
      record: {
        period: '2025-26-Q2',
        scope: 'quarter',
        number: 1,
        publishedAt: '2026-02-06T09:00:00Z',
        publishedBy: 'someone careless',
        quarters: ['2025-26-Q2'],
        submissions: [],
        changes: [],
        files: {
          workbook: 'releases/2025-26-Q2/leaked.json',
          csv: 'releases/2025-26-Q2/leaked.json',
          internal: 'releases/2025-26-Q2/leaked.json',
        },
        audit: { quantities: 0, lps: 0, milliseconds: 0, suppressed: 0, secondary: 0 },
      },
      cells: [
        {
          cell: 'BF.UNKNOWN|SEN',
          item: 'BF.UNKNOWN',
          column: 'SEN',
          terms: [{ variable, coefficient: 1 }],
          trueValue: 3,
        },
      ],
      groups: [],
      rules: [],
      values: [[variable, 3]],
      published: [['BF.UNKNOWN|SEN', 5]],
      audit: [],
    };
    await files.write(leaked.record.files.internal, JSON.stringify(leaked), 'application/json');
    expect((await deps.releases.recordRelease(leaked.record)).recorded).toBe(true);
    const before = await listReleases(deps, '2025-26-Q2');
    const outcome = await publishRelease(deps, { period: '2025-26-Q2', publishedBy: 'Ann Analyst' });
    expect(outcome).toMatchObject({ outcome: 'refused', reason: 'audit' });
    expect(outcome.message).toMatch(/Nothing was published/);
    expect(outcome.message).toMatch(
      /BF\.UNKNOWN\|SEN \(2025-26-Q2 release 2, suppressed cell\): could be narrowed to 3 to 7, 5 possible values/,
    );
    expect(await listReleases(deps, '2025-26-Q2')).toEqual(before);
    expect(await files.head('published/2025-26-Q2/release-2.xlsx')).toBeUndefined();
  });
});
