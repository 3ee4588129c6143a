/** Filled returns for tests: synthetic values written into a real template, and validated. */
import { syntheticReturn } from '../../functions/src/demo/synthetic-return.js';
import { formatPeriod, type Period } from '../../functions/src/programme/periods.js';
import type { ItemValue, ReturnValues } from '../../functions/src/returns/return-values.js';
import { fillTemplate } from '../../functions/src/template/fill-template.js';
import type { HistoricReturn } from '../../functions/src/validation/check-rules.js';
import type { ValidationReport } from '../../functions/src/validation/report.js';
import { type ValidationContext, validateReturn } from '../../functions/src/validation/validate-return.js';
import { blankTemplate, period as parse, testReference } from './reference.js';

/** A day after every 2025-26 Q1–Q3 return was due, so sign-off dates are in the past. */
export const CHECKED_ON = new Date('2026-02-15T10:00:00Z');

export function validValues(
  site = 'BLK',
  periodText = '2025-26-Q2',
  seed = 1,
  previous?: ReturnValues,
): ReturnValues {
  const reference = testReference();
  const period = parse(periodText);
  return syntheticReturn(reference.dictionaries.forPeriod(period), reference.sites.get(site), period, {
    seed,
    ...(previous ? { previous } : {}),
  });
}

/** A year of one site's valid returns, Q1 first, each consistent with the one before. */
export function validYear(
  site = 'BLK',
  startYear = 2025,
  seed = 1,
): Array<{ period: Period; values: ReturnValues }> {
  const year: Array<{ period: Period; values: ReturnValues }> = [];
  for (const quarter of [1, 2, 3, 4] as const) {
    const period: Period = { startYear, quarter };
    year.push({ period, values: validValues(site, formatPeriod(period), seed, year.at(-1)?.values) });
  }
  return year;
}

/** Values with some items changed (undefined removes an item: left blank). */
export function withItems(
  values: ReturnValues,
  changes: Record<string, ItemValue | undefined>,
): ReturnValues {
  const items: Record<string, ItemValue> = { ...values.items };
  for (const [id, value] of Object.entries(changes)) {
    if (value === undefined) delete items[id];
    else items[id] = value;
  }
  return { items, tables: values.tables };
}

export async function filledReturn(
  values: ReturnValues,
  site = 'BLK',
  periodText = '2025-26-Q2',
): Promise<Buffer> {
  return fillTemplate(await blankTemplate(site, periodText), values);
}

export async function validate(
  bytes: Buffer,
  options: Partial<ValidationContext> & { history?: readonly HistoricReturn[] } = {},
): Promise<ValidationReport> {
  const { dictionaries, sites, programme } = testReference();
  return validateReturn(bytes, {
    dictionaries,
    sites,
    programme,
    expectedSite: 'BLK',
    now: CHECKED_ON,
    ...options,
  });
}
