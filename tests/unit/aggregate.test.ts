/**
 * Aggregation against hand-computed expectations, including the traps: a
 * pooled rate is not the average of site rates, unique counts are never added
 * across quarters, a missing site is missing, and versions combine only where
 * they agree.
 */
import { describe, expect, it } from 'vitest';
import { type AcceptedReturn, summarise } from '../../functions/src/aggregation/aggregate.js';
import type { Period } from '../../functions/src/programme/periods.js';
import type { ReturnValues } from '../../functions/src/returns/return-values.js';
import { period, testReference } from '../support/reference.js';

const reference = testReference();
const SITES = ['BLK', 'BFD', 'LAM'];

function entry(
  site: string,
  periodText: string,
  items: Record<string, number | string>,
  version = '2025-26',
): AcceptedReturn {
  const values: ReturnValues = { items, tables: {} };
  return {
    site,
    period: period(periodText),
    dictionaryVersion: version,
    submissionId: `${site}-${periodText}`,
    receivedAt: '2025-10-01T00:00:00Z',
    values,
  };
}

function summaryOf(returns: AcceptedReturn[], quarters: Period[]) {
  return summarise({
    startYear: (quarters[0] as Period).startYear,
    quarters,
    sites: SITES,
    returns,
    dictionaryFor: (version) => reference.dictionaries.get(version),
    dictionaryForPeriod: (quarter) => reference.dictionaries.forPeriod(quarter),
    benchmarks: reference.benchmarks,
  });
}

describe('across sites in a quarter', () => {
  const returns = [
    entry('BLK', '2025-26-Q1', {
      'ACT.SESSIONS': 120,
      'BF.DUE': 50,
      'BF.TOTAL': 30,
      'BF.PARTIAL': 15,
      'FIN.SPEND_Q': 1000.1,
    }),
    entry('BFD', '2025-26-Q1', {
      'ACT.SESSIONS': 80,
      'BF.DUE': 1000,
      'BF.TOTAL': 60,
      'BF.PARTIAL': 40,
      'FIN.SPEND_Q': 2000.2,
    }),
    // LAM sent nothing for Q1.
  ];
  const summary = summaryOf(returns, [period('2025-26-Q1')]);
  const programme = summary.programmeQuarter.get('2025-26-Q1');

  it('adds a flow over the sites that reported it, and says how many', () => {
    expect(programme?.items.get('ACT.SESSIONS')).toEqual({ value: 200, sites: 2 });
    expect(programme?.items.get('FIN.SPEND_Q')).toEqual({ value: 3000.3, sites: 2 });
    expect(programme?.items.get('REACH.CHILD_Q')).toEqual({ sites: 0 });
  });

  it('pools a rate from summed numerators and denominators, not the average of site rates', () => {
    const pooled = programme?.indicators.get('IND.BF_68W');
    expect(pooled?.numerator).toBe(145);
    expect(pooled?.denominator).toBe(1050);
    expect(pooled?.rate).toBeCloseTo(145 / 1050, 12);
    const averageOfRates = (45 / 50 + 100 / 1000) / 2;
    expect(pooled?.rate).not.toBeCloseTo(averageOfRates, 2);
    expect(pooled?.sites).toBe(2);
    expect(pooled?.lower).toBeLessThan(pooled?.rate as number);
    expect(pooled?.upper).toBeGreaterThan(pooled?.rate as number);
    expect(pooled?.benchmark).toBe(0.527);
    expect(pooled?.comparison).toBe('worse');
  });

  it('leaves a missing site out of site figures entirely', () => {
    expect(summary.siteQuarter.has('LAM 2025-26-Q1')).toBe(false);
    expect(summary.siteQuarter.get('BLK 2025-26-Q1')?.indicators.get('IND.BF_68W')?.rate).toBeCloseTo(
      0.9,
      12,
    );
  });

  it('computes an indicator only over sites that reported both its numerator and its denominator', () => {
    const partial = summaryOf(
      [
        entry('BLK', '2025-26-Q1', { 'QUAL.REFERRALS': 100, 'QUAL.CONTACT_14D': 80 }),
        entry('BFD', '2025-26-Q1', { 'QUAL.REFERRALS': 300 }),
      ],
      [period('2025-26-Q1')],
    );
    const figure = partial.programmeQuarter.get('2025-26-Q1')?.indicators.get('IND.CONTACT_14D');
    expect(figure).toMatchObject({ numerator: 80, denominator: 100, sites: 1 });
  });
});

describe('across the quarters of a year', () => {
  const returns = [
    entry('BLK', '2025-26-Q1', {
      'REACH.CHILD_Q': 400,
      'REACH.CHILD_YTD': 400,
      'REACH.ELIG_POP': 8000,
      'ACT.SESSIONS': 100,
    }),
    entry('BLK', '2025-26-Q2', {
      'REACH.CHILD_Q': 450,
      'REACH.CHILD_YTD': 600,
      'REACH.ELIG_POP': 8100,
      'ACT.SESSIONS': 110,
    }),
    entry('BFD', '2025-26-Q1', {
      'REACH.CHILD_Q': 300,
      'REACH.CHILD_YTD': 300,
      'REACH.ELIG_POP': 6000,
      'ACT.SESSIONS': 90,
    }),
    // BFD's Q2 is missing: its year to date stands at Q1.
  ];
  const summary = summaryOf(returns, [period('2025-26-Q1'), period('2025-26-Q2')]);

  it('sums flows, takes the latest year-to-date and snapshot figures, and never sums unique counts', () => {
    const blk = summary.siteYearToDate.get('BLK');
    expect(blk?.items.get('ACT.SESSIONS')).toEqual({ value: 210, sites: 1, quarters: 2 });
    expect(blk?.items.get('REACH.CHILD_YTD')).toEqual({ value: 600, sites: 1, quarters: 2 });
    expect(blk?.items.get('REACH.ELIG_POP')).toEqual({ value: 8100, sites: 1, quarters: 2 });
    expect(blk?.items.get('REACH.CHILD_Q')?.value).toBeUndefined();
    expect(blk?.items.get('REACH.CHILD_Q')?.notApplicable).toMatch(/never added across quarters/);
  });

  it('adds sites for the programme year to date', () => {
    const programme = summary.programmeYearToDate;
    expect(programme.items.get('ACT.SESSIONS')).toEqual({ value: 300, sites: 2 });
    expect(programme.items.get('REACH.CHILD_YTD')).toEqual({ value: 900, sites: 2 });
    expect(programme.items.get('REACH.CHILD_Q')?.notApplicable).toBeDefined();
    // Reach: latest year to date over latest eligible population, pooled.
    expect(programme.indicators.get('IND.REACH')).toMatchObject({ numerator: 900, denominator: 14_100 });
  });

  it('reports the change in a rate against the previous quarter', () => {
    const q2 = summary.programmeQuarter.get('2025-26-Q2')?.indicators.get('IND.REACH');
    expect(q2?.change).toBeCloseTo(600 / 8100 - 700 / 14_000, 12);
  });
});

describe('a dictionary version change within a year', () => {
  it('combines only the items both versions define, and names the others', () => {
    const summary = summaryOf(
      [
        entry('BLK', '2026-27-Q1', { 'REACH.NEW_Q': 10, 'ACT.SESSIONS': 5 }, '2025-26'),
        entry(
          'BLK',
          '2026-27-Q2',
          { 'REACH.NEWREG_Q': 12, 'REACH.CHILD_SEND_Q': 3, 'ACT.SESSIONS': 7 },
          '2026-27',
        ),
      ],
      [period('2026-27-Q1'), period('2026-27-Q2')],
    );
    expect(summary.dictionaries.map((dictionary) => dictionary.version)).toEqual(['2025-26', '2026-27']);
    expect(summary.commonItems.has('ACT.SESSIONS')).toBe(true);
    expect(summary.commonItems.has('REACH.NEW_Q')).toBe(false);
    expect(summary.versionOnlyItems.get('2025-26')).toEqual(['REACH.NEW_Q']);
    expect(summary.versionOnlyItems.get('2026-27')).toEqual(
      expect.arrayContaining(['REACH.NEWREG_Q', 'REACH.CHILD_SEND_Q']),
    );
    expect(summary.programmeYearToDate.items.get('ACT.SESSIONS')?.value).toBe(12);
    expect(summary.programmeYearToDate.items.has('REACH.NEWREG_Q')).toBe(false);
    expect(summary.programmeQuarter.get('2026-27-Q2')?.items.get('REACH.NEWREG_Q')?.value).toBe(12);
  });
});

describe('a period with no returns', () => {
  it('is summarised, with nothing reported and every site missing', () => {
    const summary = summaryOf([], [period('2025-26-Q3')]);
    expect(summary.returns).toEqual([]);
    expect(summary.programmeQuarter.get('2025-26-Q3')?.items.get('ACT.SESSIONS')).toEqual({ sites: 0 });
    expect(summary.programmeQuarter.get('2025-26-Q3')?.indicators.get('IND.BF_68W')).toMatchObject({
      sites: 0,
      comparison: 'not compared',
    });
  });
});
