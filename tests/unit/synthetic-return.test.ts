/**
 * Synthetic returns must be accepted with no errors and no warnings. The rules
 * are checked here from the agreement (shared DOMAIN.md, rules R01–R15), written
 * out plainly, not with the project's validation code: an independent check.
 */
import { describe, expect, it } from 'vitest';
import { syntheticReturn } from '../../functions/src/demo/synthetic-return.js';
import type { Dictionary } from '../../functions/src/dictionary/load-dictionary.js';
import { addDays, formatPeriod, type Period, periodEnd } from '../../functions/src/programme/periods.js';
import type { Site } from '../../functions/src/programme/sites.js';
import type { ReturnValues } from '../../functions/src/returns/return-values.js';
import { period, testReference } from '../support/reference.js';

const reference = testReference();
const dictionary = reference.dictionaries.get('2025-26');
const nextYear = reference.dictionaries.get('2026-27');
const sites = reference.sites.sites;
const QUARTERS = ['2025-26-Q1', '2025-26-Q2', '2025-26-Q3', '2025-26-Q4'];
const NEXT_QUARTERS = ['2026-27-Q1', '2026-27-Q2', '2026-27-Q3', '2026-27-Q4'];

/** A site's year of returns, each made with the one before it. */
function chain(
  site: Site,
  quarters: readonly string[],
  options: { seed?: number; scale?: number; dictionary?: Dictionary; previous?: ReturnValues } = {},
): Array<{ period: Period; values: ReturnValues; previous: ReturnValues | undefined }> {
  const out: Array<{ period: Period; values: ReturnValues; previous: ReturnValues | undefined }> = [];
  let previous = options.previous;
  for (const text of quarters) {
    const p = period(text);
    const values = syntheticReturn(options.dictionary ?? dictionary, site, p, {
      seed: options.seed,
      scale: options.scale,
      previous,
    });
    out.push({ period: p, values, previous });
    previous = values;
  }
  return out;
}

function num(values: ReturnValues, id: string): number {
  const value = values.items[id];
  if (typeof value !== 'number') throw new Error(`${id} should be a number, but is ${JSON.stringify(value)}`);
  return value;
}

function total(values: ReturnValues, ids: readonly string[]): number {
  return ids.reduce((sum, id) => sum + num(values, id), 0);
}

const pence = (pounds: number) => Math.round(pounds * 100);

/**
 * Every rule R01–R15 of the agreement, with `history` the site's earlier returns
 * (most recent last). Returns what fails; an accepted, warning-free return gives [].
 */
function ruleProblems(
  dict: Dictionary,
  values: ReturnValues,
  p: Period,
  history: readonly { period: Period; values: ReturnValues }[],
): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  const v = (id: string) => num(values, id);
  const childQ = v('REACH.CHILD_Q');
  const ytd = v('REACH.CHILD_YTD');

  // R01, R02: the breakdowns add up to the children engaged.
  const ages = ['REACH.CHILD_AGE_0', 'REACH.CHILD_AGE_1', 'REACH.CHILD_AGE_2', 'REACH.CHILD_AGE_3'];
  check(total(values, ages) === childQ, `R01: ages add up to ${total(values, ages)}, not ${childQ}`);
  const ethnic = ['WHITE', 'MIXED', 'ASIAN', 'BLACK', 'OTHER', 'UNKNOWN'].map((g) => `REACH.CHILD_ETH_${g}`);
  check(
    total(values, ethnic) === childQ,
    `R02: ethnic groups add up to ${total(values, ethnic)}, not ${childQ}`,
  );

  // R03: year to date at least the quarter, equal in Q1.
  check(ytd >= childQ, `R03: YTD ${ytd} < quarter ${childQ}`);
  if (p.quarter === 1) check(ytd === childQ, `R03: in Q1, YTD ${ytd} should equal ${childQ}`);

  // R04: never below the previous quarter of the same year.
  const lastThisYear = history.at(-1);
  if (lastThisYear && lastThisYear.period.startYear === p.startYear) {
    const before = num(lastThisYear.values, 'REACH.CHILD_YTD');
    check(ytd >= before, `R04: YTD ${ytd} < previous quarter's ${before}`);
  }

  // R05 (warning): within the eligible population.
  check(ytd <= v('REACH.ELIG_POP'), `R05: YTD ${ytd} > eligible population ${v('REACH.ELIG_POP')}`);

  // R06: "of which" counts within their totals.
  for (const [part, whole] of [
    ['QUAL.CONTACT_14D', 'QUAL.REFERRALS'],
    ['QUAL.SATISFIED', 'QUAL.FEEDBACK_N'],
    ['HV.NBV_14D', 'HV.BIRTHS_30D'],
    ['HV.REV_2Y', 'HV.DUE_2Y'],
    ['LBW.TERM_LT2500', 'LBW.TERM_BIRTHS'],
  ] as const) {
    check(v(part) <= v(whole), `R06: ${part} ${v(part)} > ${whole} ${v(whole)}`);
  }

  // R07, R08: breastfeeding statuses add up; status known for at least 95% (we keep unknown ≤ 3%).
  const bf = total(values, ['BF.TOTAL', 'BF.PARTIAL', 'BF.NONE', 'BF.UNKNOWN']);
  check(bf === v('BF.DUE'), `R07: breastfeeding statuses add up to ${bf}, not ${v('BF.DUE')}`);
  check((v('BF.DUE') - v('BF.UNKNOWN')) / v('BF.DUE') >= 0.95, 'R08: breastfeeding known for under 95%');
  check(v('BF.UNKNOWN') <= 0.03 * v('BF.DUE'), 'R08: breastfeeding unknown above the 3% we aim for');

  // R09, R10: smoking statuses add up; unknown under 5% (we keep it ≤ 3%).
  const satod = total(values, ['SATOD.SMOKER', 'SATOD.NONSMOKER', 'SATOD.UNKNOWN']);
  check(satod === v('SATOD.MAT'), `R09: smoking statuses add up to ${satod}, not ${v('SATOD.MAT')}`);
  check(v('SATOD.UNKNOWN') / v('SATOD.MAT') < 0.05, 'R10: smoking unknown for 5% or more');
  check(v('SATOD.UNKNOWN') <= 0.03 * v('SATOD.MAT'), 'R10: smoking unknown above the 3% we aim for');

  // R11: all five ≤ each area ≤ reviews ≤ 2–2½ year reviews.
  for (const area of ['ASQ.COMM', 'ASQ.GROSS', 'ASQ.FINE', 'ASQ.PROB', 'ASQ.PERSOC']) {
    check(v('ASQ.ALL5') <= v(area), `R11: ASQ.ALL5 ${v('ASQ.ALL5')} > ${area} ${v(area)}`);
    check(v(area) <= v('ASQ.REVIEWS'), `R11: ${area} ${v(area)} > ASQ.REVIEWS ${v('ASQ.REVIEWS')}`);
  }
  check(v('ASQ.REVIEWS') <= v('HV.REV_2Y'), `R11: ASQ.REVIEWS ${v('ASQ.REVIEWS')} > HV.REV_2Y`);

  // R12: spend by domain adds up (the rule allows £1; we expect the penny).
  const domains = ['FIN.SPEND_SED', 'FIN.SPEND_CLD', 'FIN.SPEND_DN', 'FIN.SPEND_SYS'];
  const domainPence = domains.reduce((sum, id) => sum + pence(v(id)), 0);
  check(domainPence === pence(v('FIN.SPEND_Q')), `R12: domains add up to ${domainPence}p, not the spend`);

  // R13: the services table agrees with the totals; names unique; used rows have a name and domain.
  const rows = values.tables.SERVICES ?? [];
  const column = (id: string) => rows.reduce((sum, row) => sum + (row[id] as number), 0);
  check(column('SESSIONS') === v('ACT.SESSIONS'), `R13: sessions ${column('SESSIONS')} ≠ ACT.SESSIONS`);
  check(column('ATTEND') === v('ACT.ATTEND'), `R13: attendances ${column('ATTEND')} ≠ ACT.ATTEND`);
  const names = rows.map((row) =>
    String(row.NAME ?? '')
      .trim()
      .toLowerCase(),
  );
  check(new Set(names).size === names.length, 'R13: a service name appears twice');
  const codes = (dict.codeLists.get('domain') ?? []).map((code) => code.code);
  rows.forEach((row, i) => {
    check(typeof row.NAME === 'string' && row.NAME.trim() !== '', `R13: row ${i + 1} has no name`);
    check(codes.includes(String(row.DOMAIN)), `R13: row ${i + 1} domain ${row.DOMAIN} is not a code`);
  });

  // R14 (warning): items with a tolerance stay within half of it against the previous quarter,
  // and within it against the average of up to four previous quarters (the rule as written).
  const recent = history.slice(-4);
  for (const item of dict.items) {
    if (item.outlierTolerance === undefined || recent.length === 0) continue;
    const value = v(item.id);
    const last = recent.at(-1)?.values.items[item.id];
    if (typeof last === 'number') {
      check(
        Math.abs(value - last) <= (item.outlierTolerance / 2) * last,
        `R14: ${item.id} moved from ${last} to ${value}, more than half its tolerance ${item.outlierTolerance}`,
      );
    }
    const earlier = recent
      .map((entry) => entry.values.items[item.id])
      .filter((x): x is number => typeof x === 'number');
    if (earlier.length > 0) {
      const average = earlier.reduce((a, b) => a + b, 0) / earlier.length;
      check(
        Math.abs(value - average) <= item.outlierTolerance * average,
        `R14: ${item.id} is ${value}, against an average of ${average}`,
      );
    }
  }

  // R15 (warning): sessions have attendances.
  if (v('ACT.SESSIONS') > 0) check(v('ACT.ATTEND') > 0, 'R15: sessions but no attendances');
  return problems;
}

/** Each item has a value of its type within its constraints; required items are all there. */
function shapeProblems(dict: Dictionary, values: ReturnValues, site: Site, p: Period): string[] {
  const problems: string[] = [];
  for (const item of dict.items) {
    const value = values.items[item.id];
    if (value === undefined) {
      if (item.required) problems.push(`${item.id} is required but missing`);
      continue;
    }
    const bad = (why: string) => problems.push(`${item.id} = ${JSON.stringify(value)}: ${why}`);
    switch (item.type) {
      case 'count':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < (item.min ?? 0))
          bad(`not a whole number ≥ ${item.min ?? 0}`);
        break;
      case 'money':
        if (typeof value !== 'number' || value < 0 || Math.abs(value * 100 - Math.round(value * 100)) > 1e-6)
          bad('not pounds and pence ≥ 0');
        break;
      case 'date':
        if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) bad('not an ISO date');
        break;
      case 'email':
        if (typeof value !== 'string' || !/^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]+$/i.test(value))
          bad('not an email');
        break;
      case 'text':
        if (typeof value !== 'string' || value.trim() === '') bad('not text');
        break;
      case 'code':
        if (!(dict.codeLists.get(item.codeList ?? '') ?? []).some((code) => code.code === value))
          bad('not a code');
        break;
      case 'site':
        if (value !== site.code) bad(`not ${site.code}`);
        break;
      case 'period':
        if (value !== formatPeriod(p)) bad(`not ${formatPeriod(p)}`);
        break;
    }
    if (typeof value === 'string' && item.maxLength !== undefined && value.length > item.maxLength)
      bad(`longer than ${item.maxLength} characters`);
  }
  for (const id of Object.keys(values.items)) {
    if (!dict.item(id)) problems.push(`${id} is not an item of dictionary ${dict.version}`);
  }
  for (const table of dict.tables) {
    if (!values.tables[table.id]) problems.push(`table ${table.id} is missing`);
    for (const row of values.tables[table.id] ?? []) {
      for (const columnId of Object.keys(row)) {
        if (!table.columns.some((c) => c.id === columnId))
          problems.push(`${table.id} has no column ${columnId}`);
      }
    }
  }
  return problems;
}

describe('synthetic returns for 2025-26', () => {
  const years = sites.map((site) => ({ site, returns: chain(site, QUARTERS) }));

  it('pass every rule, R01–R15, for all five sites and four quarters', () => {
    for (const { site, returns } of years) {
      returns.forEach(({ period: p, values }, i) => {
        const label = `${site.code} ${formatPeriod(p)}`;
        expect(shapeProblems(dictionary, values, site, p), label).toEqual([]);
        expect(ruleProblems(dictionary, values, p, returns.slice(0, i)), label).toEqual([]);
      });
    }
  });

  it('pass every rule for many seeds and for small and large partnerships', () => {
    for (const seed of [2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377]) {
      for (const site of sites) {
        const returns = chain(site, QUARTERS, { seed });
        returns.forEach(({ period: p, values }, i) => {
          const label = `${site.code} ${formatPeriod(p)} seed ${seed}`;
          expect(shapeProblems(dictionary, values, site, p), label).toEqual([]);
          expect(ruleProblems(dictionary, values, p, returns.slice(0, i)), label).toEqual([]);
        });
      }
    }
    for (const scale of [0.02, 0.3, 2.5]) {
      for (const site of sites) {
        const returns = chain(site, QUARTERS, { scale, seed: 4 });
        returns.forEach(({ period: p, values }, i) => {
          const label = `${site.code} ${formatPeriod(p)} scale ${scale}`;
          expect(shapeProblems(dictionary, values, site, p), label).toEqual([]);
          expect(ruleProblems(dictionary, values, p, returns.slice(0, i)), label).toEqual([]);
        });
      }
    }
  });

  it('look like an early-years partnership', () => {
    for (const { site, returns } of years) {
      for (const { period: p, values } of returns) {
        const label = `${site.code} ${formatPeriod(p)}`;
        const v = (id: string) => num(values, id);
        expect(v('REACH.ELIG_POP'), label).toBeGreaterThanOrEqual(6_000);
        expect(v('REACH.ELIG_POP'), label).toBeLessThanOrEqual(12_000);
        expect(v('REACH.CHILD_Q'), label).toBeGreaterThanOrEqual(250);
        expect(v('REACH.CHILD_Q'), label).toBeLessThanOrEqual(1_600);
        const bf = (v('BF.TOTAL') + v('BF.PARTIAL')) / v('BF.DUE');
        expect(bf, `${label} breastfeeding`).toBeGreaterThanOrEqual(0.45);
        expect(bf, `${label} breastfeeding`).toBeLessThanOrEqual(0.6);
        const smoking = v('SATOD.SMOKER') / (v('SATOD.MAT') - v('SATOD.UNKNOWN'));
        expect(smoking, `${label} smoking`).toBeGreaterThanOrEqual(0.06);
        expect(smoking, `${label} smoking`).toBeLessThanOrEqual(0.12);
        const asq = v('ASQ.ALL5') / v('ASQ.REVIEWS');
        expect(asq, `${label} ASQ`).toBeGreaterThanOrEqual(0.75);
        expect(asq, `${label} ASQ`).toBeLessThanOrEqual(0.85);
        expect(v('FIN.SPEND_Q'), label).toBeGreaterThanOrEqual(150_000);
        expect(v('FIN.SPEND_Q'), label).toBeLessThanOrEqual(600_000);

        const services = values.tables.SERVICES ?? [];
        expect(services.length, label).toBeGreaterThanOrEqual(20);
        expect(services.length, label).toBeLessThanOrEqual(40);
        for (const row of services) {
          expect(row.ATTEND as number, `${label} ${row.NAME}`).toBeGreaterThanOrEqual(row.SESSIONS as number);
          expect(row.USERS as number, `${label} ${row.NAME}`).toBeLessThanOrEqual(row.ATTEND as number);
          expect(row.COMPLETED as number, `${label} ${row.NAME}`).toBeLessThanOrEqual(row.USERS as number);
        }
        expect(values.tables.EXPLANATIONS).toEqual([]);
      }
    }
    const allNames = years.flatMap(({ returns }) =>
      returns.flatMap(({ values }) => values.tables.SERVICES ?? []),
    );
    expect(allNames.map((row) => row.NAME)).toContain("Let's Talk early language group");
  });

  it('fills in who made the return, at the site, signed off within 30 days of the quarter', () => {
    for (const { site, returns } of years) {
      const domain = site.contacts[0]?.split('@')[1];
      for (const { period: p, values } of returns) {
        expect(values.items['META.SITE']).toBe(site.code);
        expect(values.items['META.PERIOD']).toBe(formatPeriod(p));
        expect(String(values.items['META.CONTACT_EMAIL']).endsWith(`@${domain}`)).toBe(true);
        expect(String(values.items['META.CONTACT_NAME'])).toMatch(/^[A-Z][a-z]+ [A-Z][A-Za-z']+$/);
        expect(values.items['META.SIGNOFF_NAME']).not.toBe(values.items['META.CONTACT_NAME']);
        const signedOff = String(values.items['META.SIGNOFF_DATE']);
        expect(signedOff > periodEnd(p)).toBe(true);
        expect(signedOff <= addDays(periodEnd(p), 30)).toBe(true);
        const highlights = String(values.items['NOTE.HIGHLIGHTS']);
        expect(highlights.length).toBeGreaterThan(40);
        expect(highlights.length).toBeLessThanOrEqual(2_000);
      }
    }
  });

  it('keeps snapshots the same all year, even without the previous quarter', () => {
    for (const { site, returns } of years) {
      for (const id of ['REACH.ELIG_POP', 'FIN.BUDGET_FY']) {
        expect(new Set(returns.map(({ values }) => values.items[id])).size, `${site.code} ${id}`).toBe(1);
      }
      const alone = syntheticReturn(dictionary, site, period('2025-26-Q3'));
      expect(alone.items['REACH.ELIG_POP']).toBe(returns[0]?.values.items['REACH.ELIG_POP']);
      expect(alone.items['FIN.BUDGET_FY']).toBe(returns[0]?.values.items['FIN.BUDGET_FY']);
      // Without history, a later quarter's year to date still exceeds its quarter.
      expect(num(alone, 'REACH.CHILD_YTD')).toBeGreaterThan(num(alone, 'REACH.CHILD_Q'));
    }
  });

  it('is deterministic for a seed, and another seed gives other figures', () => {
    const site = reference.sites.get('BFD');
    const p = period('2025-26-Q2');
    const previous = syntheticReturn(dictionary, site, period('2025-26-Q1'), { seed: 42 });
    const once = syntheticReturn(dictionary, site, p, { seed: 42, previous });
    const twice = syntheticReturn(dictionary, site, p, { seed: 42, previous });
    expect(twice).toEqual(once);
    expect(syntheticReturn(dictionary, site, p, { seed: 42 })).toEqual(
      syntheticReturn(dictionary, site, p, { seed: 42 }),
    );
    expect(syntheticReturn(dictionary, site, p, { seed: 43, previous })).not.toEqual(once);
    // Different sites differ too.
    expect(syntheticReturn(dictionary, reference.sites.get('LAM'), p, { seed: 42 }).items).not.toEqual(
      syntheticReturn(dictionary, site, p, { seed: 42 }).items,
    );
  });

  it('has checks that catch a broken return (so a pass above means something)', () => {
    const [first, second] = chain(reference.sites.get('NOT'), QUARTERS.slice(0, 2));
    if (!first || !second) throw new Error('no returns');
    const broken = (items: Record<string, number | string>): ReturnValues => ({
      items: { ...second.values.items, ...items },
      tables: second.values.tables,
    });
    const problems = (values: ReturnValues) => ruleProblems(dictionary, values, second.period, [first]);
    expect(problems(second.values)).toEqual([]);
    const v = (id: string) => num(second.values, id);
    expect(problems(broken({ 'REACH.CHILD_AGE_0': v('REACH.CHILD_AGE_0') + 1 }))).toEqual([
      expect.stringMatching(/^R01/),
    ]);
    expect(problems(broken({ 'REACH.CHILD_YTD': num(first.values, 'REACH.CHILD_YTD') - 1 }))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^R04/)]),
    );
    expect(problems(broken({ 'FIN.SPEND_DN': v('FIN.SPEND_DN') + 0.01 }))).toEqual([
      expect.stringMatching(/^R12/),
    ]);
    expect(problems(broken({ 'BF.UNKNOWN': v('BF.UNKNOWN') + 50, 'BF.NONE': v('BF.NONE') - 50 }))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^R08/)]),
    );
    expect(problems(broken({ 'QUAL.FEEDBACK_N': v('QUAL.FEEDBACK_N') * 2 }))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^R14: QUAL.FEEDBACK_N/)]),
    );
    expect(problems(broken({ 'ASQ.ALL5': v('ASQ.COMM') + 1 }))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^R11/)]),
    );
    const services = second.values.tables.SERVICES ?? [];
    const duplicated = {
      items: second.values.items,
      tables: {
        ...second.values.tables,
        SERVICES: [...services, { ...services[1], NAME: services[0]?.NAME }],
      },
    } as ReturnValues;
    expect(problems(duplicated)).toEqual(expect.arrayContaining([expect.stringMatching(/^R13: .* twice/)]));
  });

  it('refuses a scale that is not a positive number', () => {
    const site = reference.sites.get('BLK');
    for (const scale of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => syntheticReturn(dictionary, site, period('2025-26-Q1'), { scale })).toThrow(/scale/);
    }
  });
});

describe('synthetic returns for the test-only 2026-27 dictionary', () => {
  it('fill every required item, including ones the generator does not know, and pass every rule', () => {
    for (const site of sites) {
      const lastYear = chain(site, QUARTERS);
      const previous = lastYear.at(-1)?.values;
      const returns = chain(site, NEXT_QUARTERS, { dictionary: nextYear, previous });
      const history: Array<{ period: Period; values: ReturnValues }> = [...lastYear];
      for (const { period: p, values } of returns) {
        const label = `${site.code} ${formatPeriod(p)}`;
        expect(shapeProblems(nextYear, values, site, p), label).toEqual([]);
        expect(ruleProblems(nextYear, values, p, history), label).toEqual([]);
        expect(values.items['REACH.NEWREG_Q'], label).toEqual(expect.any(Number));
        expect(values.items['REACH.CHILD_SEND_Q'], label).toEqual(expect.any(Number));
        expect(values.items['REACH.NEW_Q'], label).toBeUndefined();
        history.push({ period: p, values });
      }
      for (const item of nextYear.items.filter((candidate) => candidate.required)) {
        expect(returns[0]?.values.items[item.id], `${site.code} ${item.id}`).toBeDefined();
      }
    }
  });
});
