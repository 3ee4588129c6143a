/**
 * Honest coverage in the programme workbook, read back by openpyxl and
 * checked cell by cell against a plain recomputation from the returns: sites
 * reporting per quarter, every like-for-like change, the year to date's
 * site-quarters, and rejected returns shown as rejected.
 */
import { describe, expect, it } from 'vitest';
import { completeness } from '../../functions/src/aggregation/completeness.js';
import { yearToDateCoverage } from '../../functions/src/aggregation/coverage.js';
import { wilsonInterval } from '../../functions/src/aggregation/statistics.js';
import { quartersOfYear } from '../../functions/src/programme/periods.js';
import type { CurrentReturn, Submission } from '../../functions/src/returns/submission.js';
import { writeSummaryWorkbook } from '../../functions/src/summaries/write-summary.js';
import { hasOpenpyxl, probeWorkbook } from '../support/outside-programs.js';
import { testReference } from '../support/reference.js';
import { SITES, summaryOf, yearOfReturns } from '../support/releases.js';

const reference = testReference();
// Bradford's Q2 was rejected (no accepted return); Southend has sent nothing for Q3.
const returns = yearOfReturns([1, 2, 3]).filter(
  (entry) =>
    !(entry.site === 'BFD' && entry.period.quarter === 2) &&
    !(entry.site === 'SEN' && entry.period.quarter === 3),
);
const summary = summaryOf(returns, 3);
const dictionary = reference.dictionaries.get('2025-26');

/** The independent computation: plain loops over the returns. */
function itemValue(site: string, quarter: number, item: string): number | undefined {
  const entry = returns.find((candidate) => candidate.site === site && candidate.period.quarter === quarter);
  const value = entry?.values.items[item];
  return typeof value === 'number' ? value : undefined;
}

describe('year-to-date coverage', () => {
  it('names the site-quarters covered and the sites whose point-in-time figures are from an earlier quarter', () => {
    const coverage = yearToDateCoverage(summary);
    expect(coverage.possible).toBe(15);
    expect(coverage.siteQuarters).toHaveLength(13);
    expect(coverage.siteQuarters).not.toContain('BFD 2025-26-Q2');
    expect([...coverage.earlierSnapshot.keys()]).toEqual(['SEN']);
    expect(coverage.sentence).toMatch(/13 of 15 site-quarters.*except SEN \(Q2\)/);
    // The programme's eligible population adds Southend's Q2 to the others' Q3: said, and true.
    const population = SITES.reduce(
      (sum, site) => sum + (itemValue(site, site === 'SEN' ? 2 : 3, 'REACH.ELIG_POP') as number),
      0,
    );
    expect(summary.programmeYearToDate.items.get('REACH.ELIG_POP')?.value).toBe(population);
  });
});

describe.runIf(hasOpenpyxl)('the Trends sheet and section sheets, cell by cell', () => {
  it('shows sites reporting, every like-for-like change over the same sites, and rejected as rejected', async () => {
    const current = returns.map(
      (entry): CurrentReturn => ({
        site: entry.site,
        period: `2025-26-Q${entry.period.quarter}`,
        submissionId: entry.submissionId,
        receivedAt: entry.receivedAt,
        sequencer: '1',
        status: 'accepted',
        dictionaryVersion: '2025-26',
        counts: { fatal: 0, errors: 0, warnings: 0, unexplainedWarnings: 0 },
        values: entry.values,
      }),
    );
    const rejected = {
      submissionId: 'BFD-q3-rejected',
      site: 'BFD',
      period: '2025-26-Q3',
      status: 'rejected',
    } as Submission;
    // Bradford's Q3 is rejected too, for the section sheets (which show the last quarter).
    const withoutBradfordQ3 = returns.filter(
      (entry) => !(entry.site === 'BFD' && entry.period.quarter === 3),
    );
    const quarterSummary = summaryOf(withoutBradfordQ3, 3);
    const cells = completeness({
      sites: [...SITES],
      periods: quartersOfYear(2025),
      programme: reference.programme,
      submissions: [rejected],
      current: current.filter((entry) => !(entry.site === 'BFD' && entry.period === '2025-26-Q3')),
      now: new Date('2026-02-15T00:00:00Z'),
    });
    const bytes = await writeSummaryWorkbook({
      summary: quarterSummary,
      completeness: cells,
      sites: reference.sites.sites,
      programme: reference.programme,
      benchmarks: reference.benchmarks,
      scope: 'quarter',
      generatedAt: new Date('2026-02-15T09:00:00Z'),
    });
    const probe = probeWorkbook(bytes, { cells: ['Trends', 'Like for like', 'How much', 'Indicators'] });
    const trends = probe.cells.Trends ?? {};
    const at = (ref: string) => trends[ref];
    expect([at('C5'), at('D5'), at('E5')]).toEqual(['5 of 5', '4 of 5', '3 of 5']);

    // Every like-for-like row, against the plain computation over the same sites.
    const rows = new Map<string, Record<string, unknown>>();
    for (const [ref, value] of Object.entries(probe.cells['Like for like'] ?? {})) {
      const [, column, row] = /^([A-Z]+)(\d+)$/.exec(ref) as RegExpExecArray;
      const line = rows.get(row as string) ?? {};
      line[column as string] = value;
      rows.set(row as string, line);
    }
    const likeForLike = [...rows.values()].filter((line) => line.C === 'Q1' || line.C === 'Q2');
    let checked = 0;
    for (const line of likeForLike) {
      const before = Number((line.C as string).slice(1));
      const after = Number((line.D as string).slice(1));
      const id = line.A as string;
      const indicator = dictionary.indicators.find((entry) => entry.id === id);
      const quarterReturns = (q: number) => withoutBradfordQ3.filter((entry) => entry.period.quarter === q);
      if (indicator) {
        const parts = (site: string, q: number) => {
          const entry = quarterReturns(q).find((candidate) => candidate.site === site);
          if (!entry) return undefined;
          const value = (expression: typeof indicator.numeratorExpression) => {
            let total = 0;
            for (const term of expression.terms) {
              const v = entry.values.items[term.itemId];
              if (typeof v !== 'number') return undefined;
              total += term.sign * v;
            }
            return total;
          };
          const top = value(indicator.numeratorExpression);
          const bottom = value(indicator.denominatorExpression);
          return top === undefined || bottom === undefined ? undefined : [top, bottom];
        };
        const both = SITES.filter((site) => parts(site, before) && parts(site, after));
        expect(line.E, `${id} Q${before}→Q${after}`).toBe(both.join(', '));
        const rate = (q: number) => {
          const sums = both.map((site) => parts(site, q) as number[]);
          return (
            sums.reduce((a, b) => a + (b[0] as number), 0) / sums.reduce((a, b) => a + (b[1] as number), 0)
          );
        };
        expect(line.H as number, `${id} change`).toBeCloseTo((rate(after) - rate(before)) * 100, 9);
      } else {
        const both = SITES.filter(
          (site) =>
            quarterReturns(before).some(
              (entry) => entry.site === site && typeof entry.values.items[id] === 'number',
            ) &&
            quarterReturns(after).some(
              (entry) => entry.site === site && typeof entry.values.items[id] === 'number',
            ),
        );
        expect(line.E, `${id} Q${before}→Q${after}`).toBe(both.join(', '));
        const sum = (q: number) =>
          both.reduce(
            (total, site) =>
              total + (quarterReturns(q).find((entry) => entry.site === site)?.values.items[id] as number),
            0,
          );
        expect(line.F as number, `${id} from`).toBeCloseTo(sum(before), 6);
        expect(line.G as number, `${id} to`).toBeCloseTo(sum(after), 6);
        expect(line.H as number, `${id} change`).toBeCloseTo(sum(after) - sum(before), 6);
      }
      checked++;
    }
    const measures = dictionary.items.filter((item) => item.type === 'count' || item.type === 'money').length;
    expect(checked).toBe(2 * (measures + dictionary.indicators.length));

    // The year to date's breastfeeding rate, with its interval and England comparison, recomputed plainly.
    const indicatorRows = [...Object.entries(probe.cells.Indicators ?? {})].reduce((lines, [ref, value]) => {
      const [, column, row] = /^([A-Z]+)(\d+)$/.exec(ref) as RegExpExecArray;
      const line = lines.get(row as string) ?? {};
      line[column as string] = value;
      lines.set(row as string, line);
      return lines;
    }, new Map<string, Record<string, unknown>>());
    const ytd = [...indicatorRows.values()].find(
      (line) =>
        line.B === 'IND.BF_68W' && line.C === 'Programme' && String(line.D).startsWith('Year to date'),
    ) as Record<string, unknown>;
    expect(ytd.D).toBe('Year to date (12 of 15 site-quarters)');
    const total = (id: string) =>
      withoutBradfordQ3.reduce((sum, entry) => sum + (entry.values.items[id] as number), 0);
    const numerator = total('BF.TOTAL') + total('BF.PARTIAL');
    const denominator = total('BF.DUE');
    const interval = wilsonInterval(numerator, denominator) as { lower: number; upper: number };
    expect([ytd.E, ytd.F]).toEqual([numerator, denominator]);
    expect(ytd.G as number).toBeCloseTo(numerator / denominator, 12);
    expect(ytd.H as number).toBeCloseTo(interval.lower, 12);
    expect(ytd.I as number).toBeCloseTo(interval.upper, 12);
    const england = reference.benchmarks.for('IND.BF_68W', 2025)?.value as number;
    expect(ytd.K).toBe(interval.lower > england ? 'better' : interval.upper < england ? 'worse' : 'similar');

    // The section sheet for Q3: Bradford's column says rejected, Southend's missing.
    const section = probe.cells['How much'] ?? {};
    const header = Object.entries(section).filter(([ref]) => /^[A-Z]+4$/.test(ref));
    const columnOf = (name: string) =>
      String(header.find(([, value]) => value === name)?.[0]).replace('4', '');
    const bradford = reference.sites.get('BFD').shortName;
    const southend = reference.sites.get('SEN').shortName;
    expect(section[`${columnOf(bradford)}5`]).toBe('rejected');
    expect(section[`${columnOf(southend)}5`]).toBe('missing');
  });
});
