/**
 * Funder staff's charts: a year's current returns summarised as the
 * programme workbook summarises them (aggregation's summarise, one query of
 * the year's records), drawn by summaries/charts.ts: each indicator for the
 * programme and every site over the quarters, then the headline counts.
 */
import { summarise } from '../aggregation/aggregate.js';
import { formatYear, quartersOfYear, today } from '../programme/periods.js';
import type { ReferenceData } from '../reference/reference-data.js';
import { toAccepted } from '../submissions/aggregate-period.js';
import { type Chart, programmeCharts } from '../summaries/charts.js';
import type { PortalData } from './portal-data.js';

export interface StaffCharts {
  readonly year: string;
  /** Quarters of the year that have started, as drawn. */
  readonly quarters: number;
  readonly returns: number;
  readonly indicators: readonly Chart[];
  readonly counts: readonly Chart[];
}

export async function staffCharts(
  data: PortalData,
  reference: ReferenceData,
  startYear: number,
  now: Date,
): Promise<StaffCharts> {
  const year = formatYear(startYear);
  const quarters = quartersOfYear(startYear).filter(
    (quarter) => reference.programme.includes(quarter) && reference.programme.hasStarted(quarter, today(now)),
  );
  const { current } = await data.yearOverview(year);
  const returns = current.map(toAccepted);
  if (quarters.length === 0 || returns.length === 0) {
    return { year, quarters: quarters.length, returns: 0, indicators: [], counts: [] };
  }
  const summary = summarise({
    startYear,
    quarters,
    sites: reference.sites.sites.map((site) => site.code),
    returns,
    dictionaryFor: (version) => reference.dictionaries.get(version),
    dictionaryForPeriod: (quarter) => reference.dictionaries.forPeriod(quarter),
    benchmarks: reference.benchmarks,
  });
  const charts = programmeCharts({ summary, sites: reference.sites.sites, benchmarks: reference.benchmarks });
  const indicatorIds = new Set(summary.dictionary.indicators.map((indicator) => `chart-${indicator.id}`));
  return {
    year,
    quarters: quarters.length,
    returns: returns.length,
    indicators: charts.filter((chart) => indicatorIds.has(chart.id)),
    counts: charts.filter((chart) => !indicatorIds.has(chart.id)),
  };
}
