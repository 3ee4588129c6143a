/**
 * The intruder's audit and the suppression it drives, over the releases of a
 * year: a quarter, its revision after a resubmission, and the year to date.
 * The same intruder, run on the releases today's one-workbook rule makes,
 * finds a count it can pin: the audit can fail.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AcceptedReturn } from '../../functions/src/aggregation/aggregate.js';
import {
  type AuditedRelease,
  auditReleases,
  MINIMUM_POSSIBLE_VALUES,
} from '../../functions/src/publication/audit.js';
import { controlDisclosure, type PublishedValue } from '../../functions/src/publication/disclosure.js';
import {
  auditedFromInternal,
  type InternalRecord,
  type PreparedRelease,
  prepareRelease,
  type ReleaseScope,
  rulesFromRecord,
} from '../../functions/src/publication/release.js';
import { type ReleaseModel, releaseModel } from '../../functions/src/publication/release-cells.js';
import { corrected, internalOf, SITES, summaryOf, withZeroCase, yearOfReturns } from '../support/releases.js';

const term = (variable: string) => [{ variable, coefficient: 1 }];

describe('the audit on hand-made tables', () => {
  it('gives the exact LP interval: a lone hidden part of a rounded breakdown', async () => {
    // due = a + b; due shown 20 (18..22), a shown 15 (13..17), b hidden: b is 1..9 (18 − 17 to 22 − 13).
    const cells = [
      { cell: 'due', item: 'due', column: 'A', terms: term('due'), trueValue: 20 },
      { cell: 'a', item: 'a', column: 'A', terms: term('a'), trueValue: 16 },
      { cell: 'b', item: 'b', column: 'A', terms: term('b'), trueValue: 4 },
    ];
    const result = await auditReleases({
      releases: [
        {
          name: 'r1',
          series: 's',
          cells,
          published: new Map<string, PublishedValue>([
            ['due', 20],
            ['a', 15],
            ['b', 'c'],
          ]),
          groups: [{ total: 'due', parts: ['a', 'b'] }],
        },
      ],
      rules: [
        {
          id: 'sum',
          terms: [{ variable: 'due', coefficient: -1 }, ...term('a'), ...term('b')],
          lower: 0,
          upper: 0,
        },
      ],
      values: new Map([
        ['due', 20],
        ['a', 16],
        ['b', 4],
      ]),
    });
    expect(result.rows).toHaveLength(1);
    expect(result.rows[0]).toMatchObject({ quantity: 'b', trueValue: 4, possibleValues: 9, safe: true });
    expect(result.rows[0]?.lower).toBeCloseTo(1, 6);
    expect(result.rows[0]?.upper).toBeCloseTo(9, 6);
  });

  it('refuses the zero case: maternities c, smokers 0, non-smokers 0, unknown c', async () => {
    const cells = [
      { cell: 'MAT', item: 'MAT', column: 'A', terms: term('mat'), trueValue: 3 },
      { cell: 'SMOKER', item: 'SMOKER', column: 'A', terms: term('smoker'), trueValue: 0 },
      { cell: 'NONSMOKER', item: 'NONSMOKER', column: 'A', terms: term('non'), trueValue: 0 },
      { cell: 'UNKNOWN', item: 'UNKNOWN', column: 'A', terms: term('unknown'), trueValue: 3 },
    ];
    const release = (nonSmoker: PublishedValue): AuditedRelease => ({
      name: 'r1',
      series: 's',
      cells,
      published: new Map<string, PublishedValue>([
        ['MAT', 'c'],
        ['SMOKER', 0],
        ['NONSMOKER', nonSmoker],
        ['UNKNOWN', 'c'],
      ]),
      groups: [{ total: 'MAT', parts: ['SMOKER', 'NONSMOKER', 'UNKNOWN'] }],
    });
    const input = {
      rules: [
        {
          id: 'R09',
          terms: [
            { variable: 'mat', coefficient: -1 },
            ...term('smoker'),
            ...term('non'),
            ...term('unknown'),
          ],
          lower: 0,
          upper: 0,
        },
      ],
      values: new Map([
        ['mat', 3],
        ['smoker', 0],
        ['non', 0],
        ['unknown', 3],
      ]),
    };
    // Each hidden count alone is unbounded, yet the group is given away: maternities − unknown is exactly 0.
    const shown = await auditReleases({ ...input, releases: [release(0)] });
    expect(shown.passed).toBe(false);
    expect(shown.failures.map((row) => [row.kind, row.quantity, row.possibleValues])).toEqual([
      ['rest of group', 'MAT − UNKNOWN', 1],
    ]);
    // Hiding a zero beside them protects the group.
    expect((await auditReleases({ ...input, releases: [release('c')] })).passed).toBe(true);
  });
});

describe('three releases of a year: Q3, its revision, and the year to date', () => {
  // Southend's Q3 is the zero case; Blackpool resubmits Q3 with small corrections.
  const base = yearOfReturns([1, 2, 3], (site, quarter, values) =>
    site === 'SEN' && quarter === 3 ? withZeroCase(values) : values,
  );
  const blackpoolQ3 = base.find(
    (entry) => entry.site === 'BLK' && entry.period.quarter === 3,
  ) as AcceptedReturn;
  const revised = base.map((entry) => (entry === blackpoolQ3 ? corrected(entry, 'BLK-q3-b') : entry));
  const plan: Array<{ period: string; scope: ReleaseScope; returns: AcceptedReturn[] }> = [
    { period: '2025-26-Q3', scope: 'quarter', returns: base },
    { period: '2025-26-Q3', scope: 'quarter', returns: revised },
    { period: '2025-26', scope: 'year', returns: revised },
  ];

  let records: InternalRecord[] = [];
  let prepared: PreparedRelease[] = [];
  beforeAll(async () => {
    records = [];
    prepared = [];
    for (const [index, step] of plan.entries()) {
      const number = records.filter((record) => record.record.period === step.period).length + 1;
      const result = await prepareRelease({
        summary: summaryOf(step.returns, 3),
        scope: step.scope,
        period: step.period,
        number,
        earlier: records,
        siteName: (code) => code,
      });
      if (result.outcome !== 'ready')
        throw new Error(`release ${index + 1} refused: ${result.failures.join('; ')}`);
      prepared.push(result);
      records.push(internalOf(result, step.period, step.scope, number, `2026-02-0${index + 1}T09:00:00Z`));
    }
  }, 60_000);

  it('lets an intruder holding all three pin no protected count to fewer than 8 values', async () => {
    const audit = await auditReleases({
      releases: records.map(auditedFromInternal),
      rules: dedupe(records.flatMap((record) => rulesFromRecord(record.rules))),
      values: new Map(records.flatMap((record) => record.values)),
    });
    expect(audit.failures).toEqual([]);
    const protectedCounts = audit.rows.filter((row) => row.kind === 'suppressed cell');
    expect(protectedCounts.length).toBeGreaterThan(10);
    for (const row of protectedCounts) {
      expect(row.possibleValues, row.quantity).toBeGreaterThanOrEqual(MINIMUM_POSSIBLE_VALUES);
      // The interval always holds the truth: the model is the data's, not a guess.
      expect(row.trueValue).toBeGreaterThanOrEqual((row.lower ?? 0) - 1e-6);
      expect(row.trueValue).toBeLessThanOrEqual(row.upper + 1e-6);
    }
  });

  it('hides a zero beside the zero case, keeps a cell hidden in every release that repeats it, and says what the revision changed', () => {
    const [first, second, year] = prepared as [PreparedRelease, PreparedRelease, PreparedRelease];
    const shown = (release: PreparedRelease, id: string) => release.published.get(id);
    expect([shown(first, 'SATOD.MAT|SEN'), shown(first, 'SATOD.UNKNOWN|SEN')]).toEqual(['c', 'c']);
    expect([shown(first, 'SATOD.SMOKER|SEN'), shown(first, 'SATOD.NONSMOKER|SEN')]).toContain('c');
    // Sites that did not resubmit have the same values in both Q3 releases: what was hidden stays hidden.
    for (const [id, value] of first.published) {
      if (id.endsWith('|BLK') || id.endsWith('|PROGRAMME')) continue;
      if (value === 'c') expect(shown(second, id), id).toBe('c');
    }
    expect(second.changes.join(' ')).toMatch(/revises release 1.*BLK \(2025-26-Q3\) sent a corrected return/);
    expect(year.changes).toEqual([]);
  });

  it('fails on the releases the one-workbook rule makes (publication/disclosure.ts as it was)', async () => {
    const models: ReleaseModel[] = plan.map((step) => releaseModel(summaryOf(step.returns, 3), step.scope));
    const releases: AuditedRelease[] = models.map((model, index) => ({
      name: `old rule ${index + 1}`,
      series: plan[index]?.period as string,
      cells: model.cells,
      published: controlDisclosure({
        counts: new Map(model.cells.map((cell) => [cell.cell, cell.trueValue])),
        relations: model.groups,
      }).published,
      groups: model.groups,
    }));
    const audit = await auditReleases({
      releases,
      rules: dedupe(models.flatMap((model) => model.rules)),
      values: new Map(models.flatMap((model) => [...model.values])),
    });
    expect(audit.passed).toBe(false);
    expect(audit.failures.map((row) => row.quantity)).toContain('SATOD.MAT|SEN − SATOD.UNKNOWN|SEN');
  });
});

describe('rates kept visible', () => {
  it('shows more site-quarter breastfeeding and smoking rates than the one-workbook rule, on the demo data', async () => {
    // The demonstration's returns (local/demo.ts): its generator and seed, Bradford's Q2 rejected (so absent),
    // carried on to Q3 and Q4.
    const returns = yearOfReturns([1, 2, 3, 4], undefined, 'demo').filter(
      (entry) => !(entry.site === 'BFD' && entry.period.quarter === 2),
    );
    let before = 0;
    let after = 0;
    let possible = 0;
    const records: InternalRecord[] = [];
    for (const quarter of [1, 2, 3, 4] as const) {
      const summary = summaryOf(returns, quarter);
      const model = releaseModel(summary, 'quarter');
      const old = controlDisclosure({
        counts: new Map(model.cells.map((cell) => [cell.cell, cell.trueValue])),
        relations: model.groups,
      }).published;
      const period = `2025-26-Q${quarter}`;
      const result = await prepareRelease({
        summary,
        scope: 'quarter',
        period,
        number: 1,
        earlier: records,
        siteName: (code) => code,
      });
      if (result.outcome !== 'ready') throw new Error(result.failures.join('; '));
      records.push(internalOf(result, period, 'quarter', 1, `2026-0${quarter}-01T00:00:00Z`));
      for (const site of SITES) {
        if (!summary.returns.some((entry) => entry.site === site && entry.period.quarter === quarter))
          continue;
        possible += 2;
        before += ratesShown(old, site);
        after += ratesShown(result.published, site);
      }
    }
    console.info(
      `site-quarter breastfeeding and smoking rates shown: ${before} of ${possible} before, ${after} after`,
    );
    expect(after).toBeGreaterThan(before);
  }, 60_000);
});

/** Breastfeeding (total + partial over due) and smoking (smokers over smokers + non-smokers, or maternities − unknown). */
function ratesShown(published: ReadonlyMap<string, PublishedValue>, site: string): number {
  const shown = (item: string) => typeof published.get(`${item}|${site}`) === 'number';
  const breastfeeding = shown('BF.TOTAL') && shown('BF.PARTIAL') && shown('BF.DUE');
  const smoking =
    shown('SATOD.SMOKER') && (shown('SATOD.NONSMOKER') || (shown('SATOD.MAT') && shown('SATOD.UNKNOWN')));
  return Number(breastfeeding) + Number(smoking);
}

function dedupe<T extends { id: string }>(rules: readonly T[]): T[] {
  return [...new Map(rules.map((rule) => [rule.id, rule])).values()];
}

describe('a year to date with a partnership that has sent nothing yet', () => {
  it('models its cells as not available (x), as the summary says, never as not applicable (z)', () => {
    const returns = yearOfReturns([1, 2]).filter((entry) => entry.site !== 'SEN');
    const model = releaseModel(summaryOf(returns, 2), 'year');
    const southend = model.cells.filter((cell) => cell.column === 'SEN');
    expect(southend.length).toBeGreaterThan(0);
    expect(new Set(southend.map((cell) => cell.trueValue))).toEqual(new Set(['x']));
    // Unique people in the quarter are never added over quarters: z for the others and the programme.
    expect(model.cells.find((cell) => cell.cell === 'REACH.PREG_Q|BLK')?.trueValue).toBe('z');
    expect(model.cells.find((cell) => cell.cell === 'REACH.PREG_Q|PROGRAMME')?.trueValue).toBe('z');
  });
});
