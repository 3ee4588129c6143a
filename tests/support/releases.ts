/**
 * Releases for tests: a year of synthetic returns for the five sites (some
 * small, so that many counts are 1 to 7), summaries as each release would
 * see them, and internal records as publish-release stores them.
 */
import {
  type AcceptedReturn,
  type ProgrammeSummary,
  summarise,
} from '../../functions/src/aggregation/aggregate.js';
import { syntheticReturn } from '../../functions/src/demo/synthetic-return.js';
import type { Period } from '../../functions/src/programme/periods.js';
import {
  auditTable,
  type InternalRecord,
  type PreparedRelease,
  type ReleaseScope,
  rulesForRecord,
} from '../../functions/src/publication/release.js';
import type { ReturnValues } from '../../functions/src/returns/return-values.js';
import { testReference } from './reference.js';

export const SITES = ['BLK', 'BFD', 'LAM', 'NOT', 'SEN'] as const;
/** Bradford, Nottingham and Southend as small partnerships: many of their counts are 1 to 7. */
const SCALE: Record<string, number> = { BLK: 1, BFD: 0.4, LAM: 1, NOT: 0.6, SEN: 0.3 };

export function yearOfReturns(
  quarters: readonly (1 | 2 | 3 | 4)[],
  change: (site: string, quarter: number, values: ReturnValues) => ReturnValues = (_s, _q, values) => values,
  /** `demo`: the demonstration's own generator settings (seed 2025, every site full size). */
  kind: 'small sites' | 'demo' = 'small sites',
): AcceptedReturn[] {
  const reference = testReference();
  const returns: AcceptedReturn[] = [];
  for (const quarter of quarters) {
    for (const site of reference.sites.sites) {
      const period: Period = { startYear: 2025, quarter };
      const dictionary = reference.dictionaries.forPeriod(period);
      const previous = returns.find(
        (entry) => entry.site === site.code && entry.period.quarter === quarter - 1,
      );
      const values = syntheticReturn(dictionary, site, period, {
        seed: kind === 'demo' ? 2025 : 7,
        scale: kind === 'demo' ? 1 : (SCALE[site.code] ?? 1),
        ...(previous ? { previous: previous.values } : {}),
      });
      returns.push({
        site: site.code,
        period,
        dictionaryVersion: dictionary.version,
        submissionId: `${site.code}-q${quarter}-a`,
        receivedAt: '2026-01-20T10:00:00Z',
        values: change(site.code, quarter, values),
      });
    }
  }
  return returns;
}

export function summaryOf(returns: readonly AcceptedReturn[], lastQuarter: 1 | 2 | 3 | 4): ProgrammeSummary {
  const reference = testReference();
  return summarise({
    startYear: 2025,
    quarters: ([1, 2, 3, 4] as const)
      .filter((quarter) => quarter <= lastQuarter)
      .map((quarter) => ({ startYear: 2025, quarter })),
    sites: [...SITES],
    returns: [...returns],
    dictionaryFor: (version) => reference.dictionaries.get(version),
    dictionaryForPeriod: (quarter) => reference.dictionaries.forPeriod(quarter),
    benchmarks: reference.benchmarks,
  });
}

/** The zero case of issue 11: maternities c, smokers 0, non-smokers 0, unknown c. */
export function withZeroCase(values: ReturnValues): ReturnValues {
  return {
    ...values,
    items: {
      ...values.items,
      'SATOD.MAT': 3,
      'SATOD.SMOKER': 0,
      'SATOD.NONSMOKER': 0,
      'SATOD.UNKNOWN': 3,
    },
  };
}

/** A corrected return: small changes that keep every rule (R07, R09) true. */
export function corrected(entry: AcceptedReturn, submissionId: string): AcceptedReturn {
  const items = entry.values.items as Record<string, number>;
  const shift = (id: string, by: number) => ({ [id]: (items[id] as number) + by });
  return {
    ...entry,
    submissionId,
    receivedAt: '2026-02-03T10:00:00Z',
    values: {
      ...entry.values,
      items: {
        ...entry.values.items,
        ...shift('BF.TOTAL', -3),
        ...shift('BF.PARTIAL', 2),
        ...shift('BF.NONE', 1),
        ...shift('SATOD.SMOKER', 3),
        ...shift('SATOD.NONSMOKER', -2),
        ...shift('SATOD.MAT', 1),
      },
    },
  };
}

/** The internal record publish-release would store for a prepared release. */
export function internalOf(
  prepared: PreparedRelease,
  period: string,
  scope: ReleaseScope,
  number: number,
  publishedAt: string,
): InternalRecord {
  return {
    version: 1,
    record: {
      period,
      scope,
      number,
      publishedAt,
      publishedBy: 'test',
      quarters: [],
      submissions: prepared.submissions,
      changes: prepared.changes,
      files: { workbook: '', csv: '', internal: '' },
      audit: { quantities: 0, lps: 0, milliseconds: 0, suppressed: 0, secondary: prepared.secondary },
    },
    cells: prepared.model.cells,
    groups: prepared.model.groups,
    rules: rulesForRecord(prepared.model.rules),
    values: [...prepared.model.values],
    published: [...prepared.published],
    audit: auditTable(prepared.auditRows),
  };
}
