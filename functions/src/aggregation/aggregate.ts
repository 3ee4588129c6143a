/**
 * Aggregation, driven by each item's meaning in the dictionary. A wrong
 * aggregate looks exactly like a right one, so the rules are few and strict:
 *
 * - across sites, every numeric item is summed (a person belongs to one site);
 * - across the quarters of a year, `sum` items are summed, `unique_ytd` and
 *   `snapshot` items take the latest quarter, and `unique_quarter` items are
 *   never summed (the matching year-to-date item answers that question);
 * - `text` items are never aggregated;
 * - indicators are recomputed from summed numerators and denominators at every
 *   level, never averaged, and only over sites that reported both;
 * - a missing return is missing, never zero: every total says how many sites
 *   (and quarters) it covers.
 *
 * Levels: site × quarter, programme × quarter, site year to date, programme
 * year to date. When quarters of one year were made with different dictionary
 * versions, only items present in all of them are combined across quarters.
 *
 * input: current accepted returns, dictionaries, benchmarks → output: a ProgrammeSummary
 */
import { evaluateExpression } from '../dictionary/expression.js';
import type { Dictionary, Indicator, Item } from '../dictionary/load-dictionary.js';
import type { Benchmarks } from '../programme/benchmarks.js';
import { comparePeriods, formatPeriod, type Period, previousPeriod } from '../programme/periods.js';
import type { ReturnValues } from '../returns/return-values.js';
import { changeFromPrevious, compareWithBenchmark, wilsonInterval } from './statistics.js';

export interface AcceptedReturn {
  readonly site: string;
  readonly period: Period;
  readonly dictionaryVersion: string;
  readonly submissionId: string;
  readonly receivedAt: string;
  readonly values: ReturnValues;
}

/** A figure and what it covers. `value` is absent when no site (or quarter) reported it. */
export interface Figure {
  readonly value?: number;
  /** Sites whose figures are in the value. */
  readonly sites: number;
  /** Quarters the value spans, for year-to-date figures. */
  readonly quarters?: number;
  /** Why there is no value, when that is by design rather than missing data. */
  readonly notApplicable?: string;
  /** Sites whose accepted return said they cannot report this item (quarter levels): not reported, never zero. */
  readonly notReportedBy?: readonly string[];
}

export type Comparison = 'better' | 'similar' | 'worse' | 'not compared';

export interface IndicatorFigure {
  readonly indicatorId: string;
  readonly numerator?: number;
  readonly denominator?: number;
  readonly rate?: number;
  readonly lower?: number;
  readonly upper?: number;
  readonly sites: number;
  readonly benchmark?: number;
  readonly comparison: Comparison;
  /** Against the previous quarter, at the same level, in percentage points as a fraction. */
  readonly change?: number;
}

export interface LevelFigures {
  readonly items: ReadonlyMap<string, Figure>;
  readonly indicators: ReadonlyMap<string, IndicatorFigure>;
}

export interface DomainServices {
  readonly domain: string;
  readonly services: number;
  readonly sessions: number;
  readonly attendances: number;
  /** Summed over services: a person using two services counts twice. */
  readonly serviceUsers: number;
  readonly completed: number;
  readonly sites: number;
}

export interface ProgrammeSummary {
  readonly startYear: number;
  /** The quarters summarised, in order; the last is the summary's quarter. */
  readonly quarters: readonly Period[];
  readonly sites: readonly string[];
  readonly dictionaries: readonly Dictionary[];
  /** The dictionary whose items and labels the summary is laid out by (the last quarter's). */
  readonly dictionary: Dictionary;
  /** Items combined across quarters: those every version used this year defines the same way. */
  readonly commonItems: ReadonlySet<string>;
  /** Version → items only that version defines (reported for its own quarters only). */
  readonly versionOnlyItems: ReadonlyMap<string, readonly string[]>;
  readonly returns: readonly AcceptedReturn[];
  /** `${site} ${period}` → that return's figures. */
  readonly siteQuarter: ReadonlyMap<string, LevelFigures>;
  /** period → programme figures for that quarter. */
  readonly programmeQuarter: ReadonlyMap<string, LevelFigures>;
  /** site → year-to-date figures up to the last quarter. */
  readonly siteYearToDate: ReadonlyMap<string, LevelFigures>;
  readonly programmeYearToDate: LevelFigures;
  /** period → services by domain across all sites. */
  readonly servicesByDomain: ReadonlyMap<string, readonly DomainServices[]>;
}

export interface SummaryInput {
  readonly startYear: number;
  /** The quarters to summarise (a year's, up to the summary's quarter). */
  readonly quarters: readonly Period[];
  readonly sites: readonly string[];
  readonly returns: readonly AcceptedReturn[];
  readonly dictionaryFor: (version: string) => Dictionary;
  /** The dictionary in force for a quarter with no returns at all. */
  readonly dictionaryForPeriod: (period: Period) => Dictionary;
  readonly benchmarks: Benchmarks;
}

const NUMERIC = new Set<Item['type']>(['count', 'money']);

export function summarise(input: SummaryInput): ProgrammeSummary {
  const quarters = [...input.quarters].sort(comparePeriods);
  const lastQuarter = quarters.at(-1) as Period;
  const returns = input.returns.filter((entry) =>
    quarters.some((quarter) => comparePeriods(quarter, entry.period) === 0),
  );
  const dictionaries = uniqueBy(
    quarters.map((quarter) => {
      const version = returns.find((entry) => comparePeriods(entry.period, quarter) === 0)?.dictionaryVersion;
      return version ? input.dictionaryFor(version) : input.dictionaryForPeriod(quarter);
    }),
    (dictionary) => dictionary.version,
  );
  const dictionary = dictionaryOfQuarter(lastQuarter, returns, input);
  const { commonItems, versionOnlyItems } = compareVersions(dictionaries);

  const siteQuarter = new Map<string, LevelFigures>();
  const programmeQuarter = new Map<string, LevelFigures>();
  const servicesByDomain = new Map<string, DomainServices[]>();

  for (const quarter of quarters) {
    const period = formatPeriod(quarter);
    const quarterDictionary = dictionaryOfQuarter(quarter, returns, input);
    const ofQuarter = returns.filter((entry) => comparePeriods(entry.period, quarter) === 0);
    const items = numericItems(quarterDictionary);
    const benchmarkOf = (indicator: Indicator) =>
      input.benchmarks.for(indicator.id, quarter.startYear)?.value;

    for (const entry of ofQuarter) {
      const figures: Map<string, Figure> = new Map();
      for (const item of items) {
        const value = entry.values.items[item.id];
        figures.set(
          item.id,
          typeof value === 'number' ? { value, sites: 1 } : { sites: 0, ...notReportedBy([entry], item.id) },
        );
      }
      const before = siteQuarter.get(`${entry.site} ${formatPeriod(previousPeriod(quarter))}`);
      siteQuarter.set(
        `${entry.site} ${period}`,
        withIndicators(figures, quarterDictionary, [entry.values], benchmarkOf, before),
      );
    }

    const programmeItems = new Map<string, Figure>();
    for (const item of items) {
      programmeItems.set(item.id, {
        ...sumAcrossSites(ofQuarter.map((entry) => entry.values.items[item.id])),
        ...notReportedBy(ofQuarter, item.id),
      });
    }
    const programme = withIndicators(
      programmeItems,
      quarterDictionary,
      ofQuarter.map((entry) => entry.values),
      benchmarkOf,
      programmeQuarter.get(formatPeriod(previousPeriod(quarter))),
    );
    programmeQuarter.set(period, programme);
    servicesByDomain.set(period, aggregateServices(quarterDictionary, ofQuarter));
  }

  // Year to date: per site over its quarters, then the programme as the sum of sites.
  const benchmarkOf = (indicator: Indicator) => input.benchmarks.for(indicator.id, input.startYear)?.value;
  const siteYearToDate = new Map<string, LevelFigures>();
  const ytdValues = new Map<string, Record<string, number>>();
  for (const site of input.sites) {
    const ofSite = returns
      .filter((entry) => entry.site === site)
      .sort((a, b) => comparePeriods(a.period, b.period));
    if (ofSite.length === 0) continue;
    const figures = new Map<string, Figure>();
    const values: Record<string, number> = {};
    for (const item of numericItems(dictionary)) {
      if (!commonItems.has(item.id)) continue;
      const figure = yearToDate(item, ofSite);
      figures.set(item.id, figure);
      if (figure.value !== undefined) values[item.id] = figure.value;
    }
    ytdValues.set(site, values);
    siteYearToDate.set(
      site,
      withIndicators(figures, dictionary, [{ items: values, tables: {} }], benchmarkOf, undefined),
    );
  }
  const programmeYtdItems = new Map<string, Figure>();
  for (const item of numericItems(dictionary)) {
    if (!commonItems.has(item.id)) continue;
    if (item.aggregation === 'unique_quarter') {
      programmeYtdItems.set(item.id, notSummedOverQuarters(item));
      continue;
    }
    const perSite = [...siteYearToDate.values()].map((level) => level.items.get(item.id));
    const reported = perSite.filter((figure) => figure?.value !== undefined) as Figure[];
    programmeYtdItems.set(
      item.id,
      reported.length === 0
        ? { sites: 0 }
        : {
            value: roundMoney(reported.reduce((sum, figure) => sum + (figure.value as number), 0)),
            sites: reported.length,
          },
    );
  }
  const programmeYearToDate = withIndicators(
    programmeYtdItems,
    dictionary,
    [...ytdValues.values()].map((items) => ({ items, tables: {} })),
    benchmarkOf,
    undefined,
  );

  return {
    startYear: input.startYear,
    quarters,
    sites: input.sites,
    dictionaries,
    dictionary,
    commonItems,
    versionOnlyItems,
    returns,
    siteQuarter,
    programmeQuarter,
    siteYearToDate,
    programmeYearToDate,
    servicesByDomain,
  };
}

function dictionaryOfQuarter(
  quarter: Period,
  returns: readonly AcceptedReturn[],
  input: SummaryInput,
): Dictionary {
  const version = returns.find((entry) => comparePeriods(entry.period, quarter) === 0)?.dictionaryVersion;
  return version ? input.dictionaryFor(version) : input.dictionaryForPeriod(quarter);
}

function numericItems(dictionary: Dictionary): Item[] {
  return dictionary.items.filter((item) => NUMERIC.has(item.type));
}

/** Items every version defines with the same type and aggregation can be combined across quarters. */
function compareVersions(dictionaries: readonly Dictionary[]) {
  const commonItems = new Set<string>();
  const first = dictionaries[0];
  for (const item of first?.items ?? []) {
    const same = dictionaries.every((dictionary) => {
      const other = dictionary.item(item.id);
      return other && other.type === item.type && other.aggregation === item.aggregation;
    });
    if (same) commonItems.add(item.id);
  }
  const versionOnlyItems = new Map<string, string[]>();
  if (dictionaries.length > 1) {
    for (const dictionary of dictionaries) {
      const only = dictionary.items.filter((item) => !commonItems.has(item.id)).map((item) => item.id);
      if (only.length > 0) versionOnlyItems.set(dictionary.version, only);
    }
  }
  return { commonItems, versionOnlyItems };
}

function sumAcrossSites(values: readonly unknown[]): Figure {
  const numbers = values.filter((value): value is number => typeof value === 'number');
  if (numbers.length === 0) return { sites: 0 };
  return { value: roundMoney(numbers.reduce((a, b) => a + b, 0)), sites: numbers.length };
}

/** The sites among these returns that said they cannot report the item, when any did. */
function notReportedBy(returns: readonly AcceptedReturn[], itemId: string): Pick<Figure, 'notReportedBy'> {
  const sites = returns
    .filter((entry) => entry.values.notReported?.includes(itemId))
    .map((entry) => entry.site);
  return sites.length > 0 ? { notReportedBy: sites } : {};
}

function notSummedOverQuarters(item: Item): Figure {
  return {
    sites: 0,
    notApplicable: `unique people in a quarter are never added across quarters; see the year-to-date item${item.id.startsWith('REACH.CHILD') ? ' REACH.CHILD_YTD' : ''}`,
  };
}

/** One site's year-to-date figure for one item, from its quarters (oldest first). */
function yearToDate(item: Item, ofSite: readonly AcceptedReturn[]): Figure {
  const reported = ofSite.filter((entry) => typeof entry.values.items[item.id] === 'number');
  if (item.aggregation === 'unique_quarter') return notSummedOverQuarters(item);
  if (reported.length === 0) return { sites: 0, quarters: 0 };
  if (item.aggregation === 'sum') {
    const total = reported.reduce((sum, entry) => sum + (entry.values.items[item.id] as number), 0);
    return { value: roundMoney(total), sites: 1, quarters: reported.length };
  }
  // unique_ytd and snapshot: the latest quarter's figure stands for the year so far.
  const latest = reported.at(-1) as AcceptedReturn;
  return { value: latest.values.items[item.id] as number, sites: 1, quarters: reported.length };
}

/**
 * Adds the indicators to a level's item figures. Numerator and denominator are
 * summed over the units (sites, or one site) that reported every item both need.
 */
function withIndicators(
  items: Map<string, Figure>,
  dictionary: Dictionary,
  units: readonly ReturnValues[],
  benchmarkOf: (indicator: Indicator) => number | undefined,
  previous: LevelFigures | undefined,
): LevelFigures {
  const indicators = new Map<string, IndicatorFigure>();
  for (const indicator of dictionary.indicators) {
    let numerator = 0;
    let denominator = 0;
    let sites = 0;
    for (const unit of units) {
      const numberOf = (id: string) => {
        const value = unit.items[id];
        return typeof value === 'number' ? value : undefined;
      };
      const top = evaluateExpression(indicator.numeratorExpression, numberOf);
      const bottom = evaluateExpression(indicator.denominatorExpression, numberOf);
      if (top === undefined || bottom === undefined) continue;
      numerator += top;
      denominator += bottom;
      sites++;
    }
    const benchmark = benchmarkOf(indicator);
    if (sites === 0 || denominator <= 0) {
      indicators.set(indicator.id, {
        indicatorId: indicator.id,
        ...(sites > 0 ? { numerator, denominator } : {}),
        sites,
        ...(benchmark === undefined ? {} : { benchmark }),
        comparison: 'not compared',
      });
      continue;
    }
    const interval = wilsonInterval(numerator, denominator);
    const before = previous?.indicators.get(indicator.id);
    const change = changeFromPrevious(
      { numerator, denominator },
      before?.numerator !== undefined && before.denominator !== undefined
        ? { numerator: before.numerator, denominator: before.denominator }
        : undefined,
    );
    indicators.set(indicator.id, {
      indicatorId: indicator.id,
      numerator,
      denominator,
      rate: numerator / denominator,
      ...(interval ? { lower: interval.lower, upper: interval.upper } : {}),
      sites,
      ...(benchmark === undefined ? {} : { benchmark }),
      comparison: compareWithBenchmark(interval, benchmark, indicator.polarity),
      ...(change ? { change: change.rateChange } : {}),
    });
  }
  return { items, indicators };
}

/** The services table by outcome domain, across every site's return for a quarter. */
function aggregateServices(dictionary: Dictionary, returns: readonly AcceptedReturn[]): DomainServices[] {
  // By role, not by ID: the dictionary says which table and columns these are.
  const { table, columns } = dictionary.services;
  const domains = dictionary.codeLists.get(columns.domain.codeList ?? '') ?? [];
  return domains.map((domain) => {
    let services = 0;
    let sessions = 0;
    let attendances = 0;
    let serviceUsers = 0;
    let completed = 0;
    const sites = new Set<string>();
    for (const entry of returns) {
      for (const row of entry.values.tables[table.id] ?? []) {
        if (row[columns.domain.id] !== domain.code) continue;
        services++;
        sites.add(entry.site);
        sessions += numberOr0(row[columns.sessions.id]);
        attendances += numberOr0(row[columns.attendances.id]);
        serviceUsers += numberOr0(row[columns.unique_users.id]);
        completed += numberOr0(row[columns.completed.id]);
      }
    }
    return {
      domain: domain.code,
      services,
      sessions,
      attendances,
      serviceUsers,
      completed,
      sites: sites.size,
    };
  });
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

function roundMoney(value: number): number {
  return Math.round(value * 100) / 100;
}

function uniqueBy<T>(values: readonly T[], key: (value: T) => string): T[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const k = key(value);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
