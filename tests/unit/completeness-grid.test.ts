/**
 * Funder staff's completeness grid, every state with a fixed clock: 25 January
 * 2026, so 2025-26 Q1 (due 30 July 2025) is 179 days past due, Q2 (due 30
 * October) 87 days, Q3 (due 30 January 2026) is due in 5 days and Q4 (due 30
 * April) is months away. The programme's settings: due soon 10 days before,
 * missing after 90 days late.
 */
import { describe, expect, it } from 'vitest';
import {
  type CompletenessGridInput,
  completenessGrid,
  GRID_STATE_LABELS,
  GRID_STATES,
  type GridState,
  nonSubmitters,
  type PendingUpload,
  quarterBeingSent,
} from '../../functions/src/aggregation/completeness.js';
import { quartersOfYear } from '../../functions/src/programme/periods.js';
import { Programme } from '../../functions/src/programme/programme.js';
import type { Review } from '../../functions/src/returns/review.js';
import type { CurrentReturn, Submission } from '../../functions/src/returns/submission.js';
import { testReference } from '../support/reference.js';

const NOW = new Date('2026-01-25T10:00:00Z');
const programme = testReference().programme;
const noFindings = { fatal: 0, errors: 0, warnings: 0, unexplainedWarnings: 0 };

function submission(
  site: string,
  period: string,
  receivedAt: string,
  status: Submission['status'],
  unexplainedWarnings = 0,
): Submission {
  return {
    submissionId: `${site}-${period}-${receivedAt.slice(0, 10)}`,
    site,
    period,
    s3Key: `incoming/${site}/${period}.xlsx`,
    sha256: '0'.repeat(64),
    bytes: 1000,
    receivedAt,
    sequencer: '1',
    status,
    counts:
      status === 'rejected'
        ? { ...noFindings, errors: 2 }
        : { ...noFindings, warnings: unexplainedWarnings, unexplainedWarnings },
    dictionaryVersion: '2025-26',
    archiveKey: 'archive/x',
    reportKey: 'feedback/x/report.json',
    emailState: 'sent',
    emailAttempts: 1,
    emailTo: [],
  };
}

function currentOf(entry: Submission): CurrentReturn {
  return {
    site: entry.site,
    period: entry.period as string,
    submissionId: entry.submissionId,
    receivedAt: entry.receivedAt,
    sequencer: '1',
    status: entry.counts.warnings > 0 ? 'accepted-with-warnings' : 'accepted',
    dictionaryVersion: '2025-26',
    counts: entry.counts,
    values: { items: {}, tables: {} },
  };
}

function review(site: string, period: string, submissionId: string, state: Review['state']): Review {
  return {
    site,
    period,
    submissionId,
    state,
    version: 1,
    ...(state === 'signed-off' ? { signedOff: { by: 'staff', at: '2025-11-01T09:00:00Z' } } : {}),
    ...(state === 'queried'
      ? { query: { by: 'staff', at: '2025-11-01T09:00:00Z', message: 'Check BF.DUE' } }
      : {}),
  };
}

/** One site per row, each quarter in a known state. */
const sent = {
  onTime: submission('BLK', '2025-26-Q1', '2025-07-20T09:00:00Z', 'accepted'),
  warnings: submission('BLK', '2025-26-Q2', '2025-10-29T09:00:00Z', 'accepted-with-warnings', 2),
  // Accepted on 4 November, five days after the due date; a resubmission on 10 November is current.
  lateFirst: submission('BFD', '2025-26-Q1', '2025-08-04T09:00:00Z', 'superseded'),
  lateCurrent: submission('BFD', '2025-26-Q1', '2025-08-10T09:00:00Z', 'accepted'),
  rejected: submission('BFD', '2025-26-Q2', '2025-10-20T09:00:00Z', 'rejected'),
  queried: submission('LAM', '2025-26-Q1', '2025-07-25T09:00:00Z', 'accepted'),
  signedOff: submission('LAM', '2025-26-Q2', '2025-10-28T09:00:00Z', 'accepted'),
};
const current = [sent.onTime, sent.warnings, sent.lateCurrent, sent.queried, sent.signedOff].map(currentOf);
/** NOT sent a file on 3 November that has not been checked: shown under Q2, the quarter just ended. */
const pending: PendingUpload[] = [
  { site: 'NOT', key: 'incoming/NOT/a.xlsx', receivedAt: '2025-11-03T12:00:00Z', bytes: 12_345 },
];

function grid(overrides: Partial<CompletenessGridInput> = {}) {
  return completenessGrid({
    sites: ['BLK', 'BFD', 'LAM', 'NOT', 'SEN'],
    periods: quartersOfYear(2025),
    programme,
    submissions: Object.values(sent),
    current,
    reviews: [
      review('LAM', '2025-26-Q1', sent.queried.submissionId, 'queried'),
      review('LAM', '2025-26-Q2', sent.signedOff.submissionId, 'signed-off'),
    ],
    pending,
    now: NOW,
    ...overrides,
  });
}

function cell(site: string, quarter: number, from = grid()) {
  const found = from.cells.find((entry) => entry.site === site && entry.period === `2025-26-Q${quarter}`);
  if (!found) throw new Error(`no cell ${site} Q${quarter}`);
  return found;
}

describe('the completeness grid, 25 January 2026', () => {
  it.each<[string, string, number, GridState, number, boolean | undefined]>([
    ['an accepted return sent on time', 'BLK', 1, 'accepted', 0, true],
    [
      'a return accepted with warnings it did not explain',
      'BLK',
      2,
      'accepted-with-unexplained-warnings',
      0,
      true,
    ],
    ['a return first accepted five days late, then resubmitted', 'BFD', 1, 'accepted', 5, false],
    ['a quarter with only a rejected file, 87 days past due', 'BFD', 2, 'not-accepted', 87, false],
    ['a queried return', 'LAM', 1, 'queried', 0, true],
    ['a signed-off return', 'LAM', 2, 'signed-off', 0, true],
    ['a file received and not yet checked', 'NOT', 2, 'received', 87, false],
    ['nothing at all, 179 days past due (over 90): missing', 'NOT', 1, 'missing', 179, false],
    ['nothing at all, 87 days past due (under 90): late', 'SEN', 2, 'late', 87, false],
    ['due in 5 days (within 10): due soon', 'SEN', 3, 'due-soon', 0, undefined],
    ['due in three months: not yet due', 'SEN', 4, 'not-yet-due', 0, undefined],
  ])('%s (%s Q%i) is %s, %i days late', (_, site, quarter, status, daysLate, onTime) => {
    const found = cell(site, quarter);
    expect(found.status).toBe(status);
    expect(found.daysLate).toBe(daysLate);
    expect(found.onTime).toBe(onTime);
  });

  it('covers every state it can name, each with words', () => {
    const seen = new Set(grid().cells.map((entry) => entry.status));
    expect([...GRID_STATES].filter((state) => !seen.has(state))).toEqual([]);
    for (const state of GRID_STATES) expect(GRID_STATE_LABELS[state]).toMatch(/^[a-z]/);
  });

  it('links each cell to the return it is about, and a signed-off quarter to the return signed off', () => {
    expect(cell('BFD', 1).submissionId).toBe(sent.lateCurrent.submissionId);
    expect(cell('BFD', 2).submissionId).toBe(sent.rejected.submissionId);
    expect(cell('LAM', 2).submissionId).toBe(sent.signedOff.submissionId);
    expect(cell('LAM', 2).review?.signedOff?.by).toBe('staff');
    expect(cell('SEN', 2).submissionId).toBeUndefined();
    expect(cell('BLK', 2).unexplainedWarnings).toBe(2);
    expect(cell('SEN', 3).daysToDue).toBe(5);
    expect(cell('NOT', 2).pending).toEqual(pending);
  });

  it('a file being checked never hides an accepted return, and a newer one beats a rejection', () => {
    const newer: PendingUpload = { ...pending[0], site: 'BLK' } as PendingUpload;
    const rejectedThenSent: PendingUpload = { ...pending[0], site: 'BFD' } as PendingUpload;
    const withMore = grid({ pending: [...pending, newer, rejectedThenSent] });
    expect(cell('BLK', 2, withMore)).toMatchObject({ status: 'accepted-with-unexplained-warnings' });
    expect(cell('BLK', 2, withMore).pending).toHaveLength(1);
    expect(cell('BFD', 2, withMore).status).toBe('received');
  });

  it('shows an unread file under the quarter that had just ended when it came', () => {
    expect(quarterBeingSent('2025-11-03T12:00:00Z')).toBe('2025-26-Q2');
    expect(quarterBeingSent('2025-07-01T00:30:00Z')).toBe('2025-26-Q1');
    expect(quarterBeingSent('2026-04-10T09:00:00Z')).toBe('2025-26-Q4');
  });

  it('counts each quarter: expected once it has ended, received, accepted and the on-time rate', () => {
    const [q1, q2, q3, q4] = grid().quarters;
    // Q1: BLK on time, BFD late, LAM on time (queried still counts as accepted), NOT and SEN nothing.
    expect(q1).toMatchObject({ expected: 5, received: 3, accepted: 3, onTime: 2, onTimeRate: 0.4 });
    // Q2: BLK and LAM on time; BFD rejected and NOT being checked count as received, not accepted.
    expect(q2).toMatchObject({ expected: 5, received: 4, accepted: 2, onTime: 2, onTimeRate: 0.4 });
    // Q3 has ended but is not yet due: expected, no rate yet. Q4 has not ended: nothing expected.
    expect(q3).toMatchObject({ expected: 5, received: 0, accepted: 0, onTime: 0 });
    expect(q3?.onTimeRate).toBeUndefined();
    expect(q4).toMatchObject({ expected: 0, received: 0 });
    expect(q4?.onTimeRate).toBeUndefined();
  });

  it('reads the due-soon and missing thresholds from the programme', () => {
    const settings = { ...programme.settings, completeness: { dueSoonDays: 3, missingAfterDays: 60 } };
    const changed = grid({ programme: new Programme(settings) });
    expect(cell('SEN', 3, changed).status).toBe('not-yet-due');
    expect(cell('SEN', 2, changed).status).toBe('missing');
  });

  it('lists the non-submitters of a quarter, most overdue first', () => {
    expect(nonSubmitters(grid(), '2025-26-Q2').map((entry) => [entry.site, entry.status])).toEqual([
      ['BFD', 'not-accepted'],
      ['NOT', 'received'],
      ['SEN', 'late'],
    ]);
    expect(nonSubmitters(grid(), '2025-26-Q1').map((entry) => entry.site)).toEqual(['NOT', 'SEN']);
  });
});
