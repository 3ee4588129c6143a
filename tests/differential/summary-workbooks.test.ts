/**
 * The summary workbooks, read back by an independent reader (openpyxl) and
 * checked against figures computed here independently, in the plainest way.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type AcceptedReturn, summarise } from '../../functions/src/aggregation/aggregate.js';
import { completeness } from '../../functions/src/aggregation/completeness.js';
import { quartersOfYear } from '../../functions/src/programme/periods.js';
import { preflight } from '../../functions/src/reading/preflight.js';
import { DEFAULT_READER_LIMITS, readWorkbook } from '../../functions/src/reading/read-workbook.js';
import { writePublishedWorkbook } from '../../functions/src/summaries/write-published.js';
import { writeSummaryWorkbook } from '../../functions/src/summaries/write-summary.js';
import { hasOpenpyxl, type ProbedWorkbook, probeWorkbook } from '../support/outside-programs.js';
import { period, testReference } from '../support/reference.js';
import { validValues } from '../support/returns.js';

const reference = testReference();
const SITES = ['BLK', 'BFD', 'LAM', 'NOT', 'SEN'];
const Q2 = period('2025-26-Q2');

function build(returns: AcceptedReturn[]) {
  const summary = summarise({
    startYear: 2025,
    quarters: [period('2025-26-Q1'), Q2],
    sites: SITES,
    returns,
    dictionaryFor: (version) => reference.dictionaries.get(version),
    dictionaryForPeriod: (quarter) => reference.dictionaries.forPeriod(quarter),
    benchmarks: reference.benchmarks,
  });
  const cells = completeness({
    sites: SITES,
    periods: quartersOfYear(2025),
    programme: reference.programme,
    submissions: [],
    current: [],
    now: new Date('2026-02-15T00:00:00Z'),
  });
  const common = {
    summary,
    sites: reference.sites.sites,
    programme: reference.programme,
    scope: 'quarter' as const,
    generatedAt: new Date('2026-02-15T09:00:00Z'),
  };
  return { summary, cells, common };
}

function rowsOf(sheet: Record<string, unknown>): Map<number, Map<string, unknown>> {
  const rows = new Map<number, Map<string, unknown>>();
  for (const [ref, value] of Object.entries(sheet)) {
    const [, column, row] = /^([A-Z]+)(\d+)$/.exec(ref) as RegExpExecArray;
    const line = rows.get(Number(row)) ?? new Map<string, unknown>();
    line.set(column as string, value);
    rows.set(Number(row), line);
  }
  return rows;
}

describe.runIf(hasOpenpyxl)('the programme workbook', () => {
  let returns: AcceptedReturn[];
  let probe: ProbedWorkbook;
  let bytes: Buffer;
  beforeAll(async () => {
    returns = SITES.flatMap((site, index) => {
      const q1 = validValues(site, '2025-26-Q1', 100 + index);
      const q2 = validValues(site, '2025-26-Q2', 100 + index, q1);
      // Text that would be a formula if written carelessly, from a partnership.
      const withNote = {
        ...q2,
        items: { ...q2.items, 'NOTE.HIGHLIGHTS': '=HYPERLINK("http://example.invalid","click")' },
      };
      return [
        {
          site,
          period: period('2025-26-Q1'),
          dictionaryVersion: '2025-26',
          submissionId: `${site}-q1`,
          receivedAt: '2025-07-20T10:00:00Z',
          values: q1,
        },
        {
          site,
          period: Q2,
          dictionaryVersion: '2025-26',
          submissionId: `${site}-q2`,
          receivedAt: '2025-10-20T10:00:00Z',
          values: withNote,
        },
      ];
    });
    const { cells, common } = build(returns);
    bytes = await writeSummaryWorkbook({ ...common, completeness: cells, benchmarks: reference.benchmarks });
    probe = probeWorkbook(bytes, {
      cells: ['Overview', 'How much', 'Better off', 'Money', 'Indicators', 'Data', 'About'],
    });
  });

  it('has the sheets funder staff expect', () => {
    expect(probe.sheets.map((sheet) => sheet.title)).toEqual([
      'Overview',
      'How much',
      'How well',
      'Better off',
      'Money',
      'Indicators',
      'Trends',
      'Like for like',
      'Services by domain',
      'Completeness',
      'Warnings and commentary',
      'Data',
      'About',
    ]);
  });

  it('matches independently computed totals, cell by cell, on every section sheet', () => {
    const q2 = returns.filter((entry) => entry.period.quarter === 2);
    for (const sheetName of ['How much', 'Better off', 'Money']) {
      const rows = rowsOf(probe.cells[sheetName] ?? {});
      const header = rows.get(4) as Map<string, unknown>;
      const programmeColumn = [...header].find(([, value]) => value === 'Programme')?.[0] as string;
      let checked = 0;
      for (const [row, line] of rows) {
        if (row <= 4) continue;
        const id = line.get('A') as string;
        const expected = q2.reduce((sum, entry) => sum + (entry.values.items[id] as number), 0);
        expect(line.get(programmeColumn), `${sheetName} ${id}`).toBeCloseTo(expected, 2);
        SITES.forEach((site, index) => {
          const column = String.fromCharCode(68 + index); // D, E, F, G, H
          expect(line.get(column), `${sheetName} ${id} ${site}`).toBe(q2[index]?.values.items[id]);
        });
        checked++;
      }
      expect(checked).toBeGreaterThan(5);
    }
  });

  it('shows pooled rates with their numerators and denominators', () => {
    const rows = [...rowsOf(probe.cells.Indicators ?? {}).values()];
    const q2 = returns.filter((entry) => entry.period.quarter === 2);
    for (const indicator of reference.dictionaries.get('2025-26').indicators) {
      const row = rows.find(
        (line) =>
          line.get('B') === indicator.id && line.get('C') === 'Programme' && line.get('D') === '2025-26 Q2',
      );
      const sum = (expression: typeof indicator.numeratorExpression) =>
        q2.reduce(
          (total, entry) =>
            total +
            expression.terms.reduce(
              (acc, term) => acc + term.sign * (entry.values.items[term.itemId] as number),
              0,
            ),
          0,
        );
      const numerator = sum(indicator.numeratorExpression);
      const denominator = sum(indicator.denominatorExpression);
      expect(row?.get('E'), indicator.id).toBe(numerator);
      expect(row?.get('F'), indicator.id).toBe(denominator);
      expect(row?.get('G') as number, indicator.id).toBeCloseTo(numerator / denominator, 12);
    }
  });

  it('writes text from returns as text, never as a formula', async () => {
    // A formula and a string both read back as "=…"; the cell's own XML says which it is.
    const contents = readWorkbook(await preflight(bytes), { ...DEFAULT_READER_LIMITS, blockRows: 100_000 });
    const cells = [...contents.cellsOf('Data')].filter(
      (cell) =>
        cell.value?.type === 'string' && cell.value.text === '=HYPERLINK("http://example.invalid","click")',
    );
    expect(cells).toHaveLength(SITES.length);
    for (const cell of cells) expect(cell.formula).toBeUndefined();
    const data = rowsOf(probe.cells.Data ?? {});
    expect(data.get(cells[0]?.row as number)?.get('E')).toBe('=HYPERLINK("http://example.invalid","click")');
  });
});

describe.runIf(hasOpenpyxl)('the published workbook', () => {
  it('shows no count from 1 to 7, rounds the rest to 5, and leaves no suppressed count recoverable', async () => {
    // Small numbers on purpose: a small site makes many counts 1–7.
    const returns: AcceptedReturn[] = SITES.map((site, index) => ({
      site,
      period: Q2,
      dictionaryVersion: '2025-26',
      submissionId: `${site}-q2`,
      receivedAt: '2025-10-20T10:00:00Z',
      values: validValues(site, '2025-26-Q2', 300 + index),
    }));
    const small = returns[0] as AcceptedReturn;
    const items = {
      ...small.values.items,
      'BF.DUE': 20,
      'BF.TOTAL': 9,
      'BF.PARTIAL': 6,
      'BF.NONE': 4,
      'BF.UNKNOWN': 1,
    };
    returns[0] = { ...small, values: { ...small.values, items } };
    const { common } = build(returns);
    const probe = probeWorkbook(await writePublishedWorkbook(common), {
      cells: ['Counts', 'Indicators', 'Notes', 'Spend'],
    });
    const counts = rowsOf(probe.cells.Counts ?? {});
    let suppressed = 0;
    for (const [row, line] of counts) {
      if (row <= 3) continue;
      for (const [column, value] of line) {
        if (column < 'C') continue;
        if (typeof value === 'number') {
          expect(value === 0 || value >= 8, `Counts ${column}${row} = ${value}`).toBe(true);
          expect(value % 5, `Counts ${column}${row} = ${value}`).toBe(0);
        } else {
          expect(['c', 'x', 'z']).toContain(value);
          if (value === 'c') suppressed++;
        }
      }
    }
    expect(suppressed).toBeGreaterThan(1);
    // BLK's breastfeeding breakdown: any suppressed status has a partner, so none is recoverable from BF.DUE.
    const blk = (id: string) => [...counts.values()].find((line) => line.get('A') === id)?.get('C');
    const statuses = ['BF.TOTAL', 'BF.PARTIAL', 'BF.NONE', 'BF.UNKNOWN', 'BF.DUE'].map(blk);
    expect(
      statuses.filter((value) => value === 'c').length === 0 ||
        statuses.filter((value) => value === 'c').length >= 2,
    ).toBe(true);
    // No free text from returns anywhere.
    const everything = JSON.stringify(probe.cells);
    expect(everything).not.toContain('@');
    for (const id of ['NOTE.HIGHLIGHTS', 'META.CONTACT_NAME', 'META.CONTACT_EMAIL'])
      expect(everything).not.toContain(id);
  });
});

describe('the CSV export', () => {
  it('leaves out the names and emails in returns unless asked for them', async () => {
    const { tidyRows } = await import('../../functions/src/summaries/write-summary.js');
    const returns: AcceptedReturn[] = SITES.map((site) => ({
      site,
      period: Q2,
      dictionaryVersion: '2025-26',
      submissionId: `${site}-q2`,
      receivedAt: '2025-10-20T10:00:00Z',
      values: validValues(site, '2025-26-Q2', 40),
    }));
    const { summary, cells } = build(returns);
    const ids = (personalData: boolean) =>
      new Set(
        [...tidyRows(summary, reference.sites.sites, cells, { personalData })].map((row) => row.values[2]),
      );
    const personal = ['META.CONTACT_NAME', 'META.CONTACT_EMAIL', 'META.SIGNOFF_NAME'];
    for (const id of personal) expect(ids(false).has(id), id).toBe(false);
    for (const id of personal) expect(ids(true).has(id), id).toBe(true);
    expect(ids(false).has('BF.DUE')).toBe(true);
    expect(ids(false).has('META.SITE')).toBe(true);
  });
});
