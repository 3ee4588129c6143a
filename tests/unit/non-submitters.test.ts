/**
 * The non-submitters list as CSV, and the quarter in its address: text that
 * would be a formula in a spreadsheet arrives inert, and a bad quarter gets a
 * clear answer, never a stack trace; and the staff-only reads beside the
 * grid refused to a site user before the store is asked.
 */
import { describe, expect, it } from 'vitest';
import type { GridCell } from '../../functions/src/aggregation/completeness.js';
import { NotFound } from '../../functions/src/portal/authorise.js';
import { PortalData } from '../../functions/src/portal/portal-data.js';
import type { Principal } from '../../functions/src/portal/principal.js';
import {
  chooseQuarter,
  type NonSubmitterList,
  nonSubmittersCsv,
} from '../../functions/src/portal/staff-overview.js';
import type { ReleaseStore, ReturnFiles } from '../../functions/src/submissions/ports.js';
import { testReference } from '../support/reference.js';

const reference = testReference();
const NOW = new Date('2026-01-25T10:00:00Z');

function cell(site: string, overrides: Partial<GridCell> = {}): GridCell {
  return {
    site,
    period: '2025-26-Q2',
    status: 'late',
    dueDate: '2025-10-30',
    daysLate: 87,
    submissions: 0,
    pending: [],
    unexplainedWarnings: 0,
    notReported: [],
    ...overrides,
  };
}

describe('the non-submitters CSV', () => {
  it.each([['=HYPERLINK("https://evil.example","Click")'], ['+44 1234'], ['-1+2'], ['@SUM(A1:A2)']])(
    'a name or uploader starting %j comes out as text, never a formula',
    (hostile) => {
      const list: NonSubmitterList = {
        period: '2025-26-Q2',
        title: '2025-26 Q2',
        dueDate: '2025-10-30',
        accepted: 3,
        expected: 5,
        sites: [
          {
            site: {
              code: 'BLK',
              name: hostile,
              shortName: hostile,
              contacts: ['a@example.org', 'b@example.org'],
            },
            cell: cell('BLK', {
              status: 'not-accepted',
              submissions: 1,
              submissionId: 'BLK-0123456789abcdef',
            }),
            sent: [
              {
                submissionId: 'BLK-0123456789abcdef',
                receivedAt: '2025-10-20T09:00:00.000Z',
                uploadedBy: hostile,
                outcome: 'Not accepted',
              },
            ],
          },
        ],
      };
      const [headings, row, ...rest] = nonSubmittersCsv(list).trimEnd().split('\r\n');
      expect(rest).toEqual([]);
      expect(headings).toBe(
        'Site code,Partnership,Quarter,Status,Due date,Days late,Contacts,Files sent,Last file received (UTC),Last file sent by,Last file result,Being checked',
      );
      const quoted = (text: string) =>
        /[",]/.test(text) ? `"${`'${text}`.replaceAll('"', '""')}"` : `'${text}`;
      expect(row).toBe(
        `BLK,${quoted(hostile)},2025-26-Q2,not accepted,2025-10-30,87,a@example.org; b@example.org,1,2025-10-20 09:00,${quoted(hostile)},Not accepted,0`,
      );
      // No cell of the row begins with a formula character once the quotes are read.
      expect(
        row?.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((field) => field.replace(/^"/, '')),
      ).not.toContainEqual(expect.stringMatching(/^[=+\-@]/));
    },
  );
});

describe('the quarter in the address', () => {
  it.each([
    ['2025-26-Q5', 400, /has no quarter 5.*2025-26-Q2 is July to September 2025/],
    ['Q2', 400, /"Q2" is not a quarter: write it like 2025-26-Q2/],
    ['2019-20-Q1', 404, /outside the programme, which runs from 2025-26 to 2034-35/],
    ['2026-27-Q1', 404, /has not started yet/],
  ])('%j is refused with %i and says why', (asked, status, message) => {
    const choice = chooseQuarter(reference, asked, NOW);
    expect(choice).toMatchObject({ ok: false, status });
    expect(choice.ok ? '' : choice.message).toMatch(message);
  });

  it('takes a good quarter, and without one the quarter sites are sending now', () => {
    expect(chooseQuarter(reference, '2025-26-Q3', NOW)).toEqual({
      ok: true,
      period: { startYear: 2025, quarter: 3 },
    });
    expect(chooseQuarter(reference, undefined, NOW)).toEqual({
      ok: true,
      period: { startYear: 2025, quarter: 3 },
    });
  });
});

describe('what only staff may read', () => {
  const touched: string[] = [];
  const records = {
    getSubmission: async () => undefined,
    siteSubmissions: async () => [],
    yearOverview: async () => ({ submissions: [], current: [] }),
    currentReturns: async () => [],
    review: async () => undefined,
    yearReviews: async () => [],
    receiptsFor: async () => {
      touched.push('receipts');
      return new Set<string>();
    },
    unroutableUploads: async () => {
      touched.push('unroutable');
      return [];
    },
  };
  const files = {
    head: async () => undefined,
    read: async () => Buffer.alloc(0),
    list: async () => [],
    signDownload: async () => '',
  };
  const uploads = { create: async () => ({ url: '', fields: {}, expiresAt: '' }) };
  // Staff's publishing stores are never reached by these reads.
  const staff = { releases: {} as ReleaseStore, files: {} as ReturnFiles, exportDelivery: 'stream' as const };
  const as = (principal: Principal) => new PortalData(principal, records, files, uploads, staff);

  it('a site user is refused the unclaimed uploads and the receipts before the store is asked', async () => {
    const blk = as({ kind: 'site', site: 'BLK', username: 'blk', displayName: 'blk' });
    await expect(blk.unroutableUploads()).rejects.toBeInstanceOf(NotFound);
    await expect(blk.uploadReceipts([{ key: 'incoming/BLK/a.xlsx' }])).rejects.toBeInstanceOf(NotFound);
    expect(touched).toEqual([]);
    const staff = as({ kind: 'staff', username: 'staff', displayName: 'staff' });
    await expect(staff.unroutableUploads()).resolves.toEqual([]);
    await expect(staff.uploadReceipts([{ key: 'incoming/BLK/a.xlsx' }])).resolves.toEqual(new Set());
    expect(touched).toEqual(['unroutable', 'receipts']);
  });
});
