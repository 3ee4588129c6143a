/**
 * What figures cover, said honestly: which site-quarters a year-to-date
 * figure adds up, which quarter each site's point-in-time figure comes from,
 * how many sites reported each quarter, and changes between quarters over the
 * same sites (like for like), so that a missing or rejected return never
 * looks like a fall.
 *
 * Pure: no I/O.
 */
import { evaluateExpression } from '../dictionary/expression.js';
import type { Indicator, Item } from '../dictionary/load-dictionary.js';
import { comparePeriods, formatPeriod, type Period } from '../programme/periods.js';
import type { AcceptedReturn, ProgrammeSummary } from './aggregate.js';

export interface YearToDateCoverage {
  /** `BLK 2025-26-Q1` for every site-quarter with an accepted return, in order. */
  readonly siteQuarters: readonly string[];
  /** Sites × quarters summarised. */
  readonly possible: number;
  /** Site → the quarter its point-in-time (snapshot, unique-YTD) figures come from, when it is not the last. */
  readonly earlierSnapshot: ReadonlyMap<string, Period>;
  /** One sentence for people. */
  readonly sentence: string;
}

export function yearToDateCoverage(summary: ProgrammeSummary): YearToDateCoverage {
  const last = summary.quarters.at(-1) as Period;
  const siteQuarters: string[] = [];
  const earlierSnapshot = new Map<string, Period>();
  for (const site of summary.sites) {
    const ofSite = returnsOf(summary, site);
    for (const entry of ofSite) siteQuarters.push(`${site} ${formatPeriod(entry.period)}`);
    const latest = ofSite.at(-1);
    if (latest && comparePeriods(latest.period, last) !== 0) earlierSnapshot.set(site, latest.period);
  }
  const possible = summary.sites.length * summary.quarters.length;
  const earlier = [...earlierSnapshot].map(([site, period]) => `${site} (Q${period.quarter})`);
  const sentence =
    `The year to date covers ${siteQuarters.length} of ${possible} site-quarters. ` +
    (earlier.length === 0
      ? `Figures at a point in time (eligible population, children reached this year, budget) are from Q${last.quarter} for every site that reported.`
      : `Figures at a point in time (eligible population, children reached this year, budget) are from Q${last.quarter}, except ${earlier.join(', ')}: their latest accepted return, so those sites are counted at an earlier quarter.`);
  return { siteQuarters, possible, earlierSnapshot, sentence };
}

/** Sites with an accepted return for a quarter. */
export function sitesReporting(summary: ProgrammeSummary, quarter: Period): string[] {
  return summary.returns
    .filter((entry) => comparePeriods(entry.period, quarter) === 0)
    .map((entry) => entry.site)
    .sort();
}

export interface LikeForLike {
  /** The sites with an accepted return, reporting the figure, in both quarters. */
  readonly sites: readonly string[];
  readonly before?: number;
  readonly after?: number;
  /** after − before: a count, or for a rate a fraction (0.03 is 3 percentage points). */
  readonly change?: number;
}

/** An item's change between two quarters over the sites that reported it in both. */
export function likeForLikeItem(
  summary: ProgrammeSummary,
  item: Item,
  before: Period,
  after: Period,
): LikeForLike {
  if (item.aggregation === 'text') return { sites: [] };
  const itemValue = (site: string, quarter: Period) => {
    const value = returnAt(summary, site, quarter)?.values.items[item.id];
    return typeof value === 'number' ? value : undefined;
  };
  const sites = summary.sites.filter(
    (site) => itemValue(site, before) !== undefined && itemValue(site, after) !== undefined,
  );
  if (sites.length === 0) return { sites };
  const sum = (quarter: Period) =>
    Math.round(sites.reduce((total, site) => total + (itemValue(site, quarter) as number), 0) * 100) / 100;
  const from = sum(before);
  const to = sum(after);
  return { sites, before: from, after: to, change: Math.round((to - from) * 100) / 100 };
}

/** An indicator's change between two quarters, recomputed over the sites that can give it in both. */
export function likeForLikeIndicator(
  summary: ProgrammeSummary,
  indicator: Indicator,
  before: Period,
  after: Period,
): LikeForLike {
  const partsOf = (site: string, quarter: Period) => {
    const entry = returnAt(summary, site, quarter);
    if (!entry) return undefined;
    const numberOf = (id: string) => {
      const value = entry.values.items[id];
      return typeof value === 'number' ? value : undefined;
    };
    const numerator = evaluateExpression(indicator.numeratorExpression, numberOf);
    const denominator = evaluateExpression(indicator.denominatorExpression, numberOf);
    return numerator === undefined || denominator === undefined ? undefined : { numerator, denominator };
  };
  const sites = summary.sites.filter(
    (site) => partsOf(site, before) !== undefined && partsOf(site, after) !== undefined,
  );
  const rate = (quarter: Period) => {
    let numerator = 0;
    let denominator = 0;
    for (const site of sites) {
      const parts = partsOf(site, quarter) as { numerator: number; denominator: number };
      numerator += parts.numerator;
      denominator += parts.denominator;
    }
    return denominator > 0 ? numerator / denominator : undefined;
  };
  if (sites.length === 0) return { sites };
  const from = rate(before);
  const to = rate(after);
  return {
    sites,
    ...(from === undefined ? {} : { before: from }),
    ...(to === undefined ? {} : { after: to }),
    ...(from === undefined || to === undefined ? {} : { change: to - from }),
  };
}

function returnsOf(summary: ProgrammeSummary, site: string): AcceptedReturn[] {
  return summary.returns
    .filter((entry) => entry.site === site)
    .sort((a, b) => comparePeriods(a.period, b.period));
}

function returnAt(summary: ProgrammeSummary, site: string, quarter: Period): AcceptedReturn | undefined {
  return summary.returns.find((entry) => entry.site === site && comparePeriods(entry.period, quarter) === 0);
}
