/**
 * A year of synthetic returns from all five sites, summarised as the
 * aggregation does it, for the chart and export tests. Southend's Q3 return is
 * missing, so the programme's Q3 figure is not like-for-like with Q2's.
 */
import { type AcceptedReturn, summarise } from '../../functions/src/aggregation/aggregate.js';
import { quartersOfYear } from '../../functions/src/programme/periods.js';
import { testReference } from './reference.js';
import { validYear } from './returns.js';

export const CHART_SITES = ['BLK', 'BFD', 'LAM', 'NOT', 'SEN'];

export function chartReturns(): AcceptedReturn[] {
  return CHART_SITES.flatMap((site, index) =>
    validYear(site, 2025, 40 + index)
      .filter(({ period }) => !(site === 'SEN' && period.quarter === 3))
      .map(({ period, values }) => ({
        site,
        period,
        dictionaryVersion: '2025-26',
        submissionId: `${site}-${period.quarter}`,
        receivedAt: '2026-01-10T09:00:00Z',
        values,
      })),
  );
}

export function chartSummary() {
  const reference = testReference();
  return summarise({
    startYear: 2025,
    quarters: quartersOfYear(2025),
    sites: CHART_SITES,
    returns: chartReturns(),
    dictionaryFor: (version) => reference.dictionaries.get(version),
    dictionaryForPeriod: (quarter) => reference.dictionaries.forPeriod(quarter),
    benchmarks: reference.benchmarks,
  });
}
