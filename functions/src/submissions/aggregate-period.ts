/**
 * Aggregate a quarter: the use case behind the aggregate-period handler.
 *
 * input: a quarter and the recompute request it answers (from ReturnAccepted)
 * steps: skip if a finished run already covered the request → note the
 *        quarter's latest request number → read the year's current returns and
 *        submissions (one query) → summarise the year to this quarter → write
 *        summaries/{PERIOD}/programme.xlsx (internal; figures leave the funder only
 *        as a release, see publish-release.ts) → store the
 *        programme figures → mark the quarter computed up to the noted request
 * output: what was used
 *
 * It recomputes the whole quarter from the stored current returns every time,
 * never adding to a running total, so repeating it is harmless. Coalesced: a
 * burst of 200 uploads to one quarter asks for 200 recomputes, but each run
 * answers every request made before it began, so the messages behind it are
 * skipped at the cost of one read, and at most one useful recompute is ever
 * pending per quarter. A request made while a run works has a higher number
 * than the run noted, so its own message recomputes again: the consistency
 * check is per quarter, by construction, and never restarts a run.
 */

import { type AcceptedReturn, summarise } from '../aggregation/aggregate.js';
import { completeness } from '../aggregation/completeness.js';
import { KEYS } from '../config/bucket-layout.js';
import { formatYear, type Period, parsePeriod, quartersOfYear } from '../programme/periods.js';
import type { ReferenceData } from '../reference/reference-data.js';
import type { CurrentReturn } from '../returns/submission.js';
import { writePublishedWorkbook } from '../summaries/write-published.js';
import { writeSummaryWorkbook } from '../summaries/write-summary.js';
import { XLSX_MEDIA_TYPE } from '../xlsx/package-names.js';
import type { Log, ReturnFiles, SubmissionStore } from './ports.js';

export interface AggregatePeriodDeps {
  readonly store: SubmissionStore;
  readonly files: ReturnFiles;
  readonly reference: ReferenceData;
  readonly log: Log;
  readonly clock: () => Date;
}

const XLSX = XLSX_MEDIA_TYPE;

export async function aggregatePeriod(
  deps: AggregatePeriodDeps,
  periodText: string,
  request?: number,
): Promise<{ returns: number; skipped: boolean }> {
  const parsed = parsePeriod(periodText);
  if ('problem' in parsed)
    throw new Error(`aggregate-period was asked for "${periodText}": ${parsed.problem}`);
  const period = parsed.period;
  const year = formatYear(period.startYear);
  const asked = (await deps.store.aggregationRequests()).find((entry) => entry.period === periodText);
  if (request !== undefined && asked && asked.computed >= request) {
    return { returns: 0, skipped: true };
  }
  const covering = asked?.requested ?? 0;
  const overview = await deps.store.yearOverview(year);
  const { programme, figures, returns } = await buildSummaries(deps, period, overview);
  await deps.files.write(`${KEYS.summaries(periodText)}programme.xlsx`, programme, XLSX);
  await deps.store.putAggregate({
    period: periodText,
    computedAt: deps.clock().toISOString(),
    fingerprint: fingerprintOf(overview.current.filter((entry) => entry.period === periodText)),
    returns,
    figures,
  });
  if (covering > 0) await deps.store.markAggregated(periodText, covering);
  deps.log.info('quarter aggregated', { period: periodText, returns, request: covering });
  return { returns, skipped: false };
}

/** Both summary workbooks for a quarter (the year to that quarter), from the store's current returns. */
export async function buildSummaries(
  deps: Pick<AggregatePeriodDeps, 'reference' | 'clock'>,
  period: Period,
  overview: Awaited<ReturnType<SubmissionStore['yearOverview']>>,
  scope: 'quarter' | 'year' = 'quarter',
) {
  const { reference } = deps;
  const quarters = quartersOfYear(period.startYear).filter((quarter) => quarter.quarter <= period.quarter);
  const summary = summarise({
    startYear: period.startYear,
    quarters,
    sites: reference.sites.sites.map((site) => site.code),
    returns: overview.current.map(toAccepted),
    dictionaryFor: (version) => reference.dictionaries.get(version),
    dictionaryForPeriod: (quarter) => reference.dictionaries.forPeriod(quarter),
    benchmarks: reference.benchmarks,
  });
  const generatedAt = deps.clock();
  const cells = completeness({
    sites: summary.sites,
    periods: quartersOfYear(period.startYear),
    programme: reference.programme,
    submissions: overview.submissions,
    current: overview.current,
    now: generatedAt,
  });
  const common = {
    summary,
    sites: reference.sites.sites,
    programme: reference.programme,
    scope,
    generatedAt,
  } as const;
  const programme = await writeSummaryWorkbook({
    ...common,
    completeness: cells,
    benchmarks: reference.benchmarks,
  });
  // A draft of the published workbook, made only when asked for (`returns summary --published`).
  const published = () => writePublishedWorkbook({ ...common, benchmarks: reference.benchmarks });
  const last = summary.programmeQuarter.get(`${formatYear(period.startYear)}-Q${period.quarter}`);
  const figures = {
    quarter: last
      ? { items: Object.fromEntries(last.items), indicators: Object.fromEntries(last.indicators) }
      : undefined,
    yearToDate: {
      items: Object.fromEntries(summary.programmeYearToDate.items),
      indicators: Object.fromEntries(summary.programmeYearToDate.indicators),
    },
    completeness: cells,
  };
  const quarterReturns = summary.returns.filter((entry) => entry.period.quarter === period.quarter).length;
  return { summary, programme, published, figures, returns: summary.returns.length, quarterReturns };
}

export function toAccepted(current: CurrentReturn): AcceptedReturn {
  return {
    site: current.site,
    period: (parsePeriod(current.period) as { period: Period }).period,
    dictionaryVersion: current.dictionaryVersion,
    submissionId: current.submissionId,
    receivedAt: current.receivedAt,
    values: current.values,
  };
}

function fingerprintOf(current: readonly CurrentReturn[]): string {
  return current
    .map((entry) => `${entry.period}:${entry.site}:${entry.submissionId}`)
    .sort()
    .join(',');
}
