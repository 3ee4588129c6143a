/**
 * Reporting periods: UK financial-year quarters, written `2025-26-Q2`.
 * Q1 is April–June, Q2 July–September, Q3 October–December, Q4 January–March.
 * Dates are ISO calendar dates (`YYYY-MM-DD`), compared as strings, with no time
 * zone: a return is due on a day, not at an instant.
 */
import { UsageError } from '../errors.js';

export type Quarter = 1 | 2 | 3 | 4;

export interface Period {
  /** Calendar year in which the financial year starts (2025 for 2025-26). */
  readonly startYear: number;
  readonly quarter: Quarter;
}

const PERIOD_PATTERN = /^(\d{4})-(\d{2})-Q(\d)$/;
const YEAR_PATTERN = /^(\d{4})-(\d{2})$/;
const QUARTER_MONTH_NAMES = ['April to June', 'July to September', 'October to December', 'January to March'];

/** Parses `2025-26-Q2`; returns a plain reason when the text is not a real quarter. */
export function parsePeriod(text: string): { period: Period } | { problem: string } {
  const trimmed = text.trim();
  const match = PERIOD_PATTERN.exec(trimmed);
  if (!match) {
    return { problem: `"${trimmed}" is not a quarter: write it like 2025-26-Q2` };
  }
  const [, start, end, quarter] = match as unknown as [string, string, string, string];
  const startYear = Number(start);
  if ((startYear + 1) % 100 !== Number(end)) {
    return {
      problem: `"${trimmed}" is not a financial year: ${start} is followed by ${String((startYear + 1) % 100).padStart(2, '0')}`,
    };
  }
  const q = Number(quarter);
  if (q < 1 || q > 4) {
    return { problem: `"${trimmed}" has no quarter ${q}: a financial year has quarters Q1 to Q4` };
  }
  return { period: { startYear, quarter: q as Quarter } };
}

/** Like parsePeriod, for input from a person: throws a UsageError they can act on. */
export function periodFromUser(text: string): Period {
  const parsed = parsePeriod(text);
  if ('problem' in parsed) throw new UsageError(`${capitalise(parsed.problem)}.`);
  return parsed.period;
}

export function parseYear(text: string): { startYear: number } | { problem: string } {
  const trimmed = text.trim();
  const match = YEAR_PATTERN.exec(trimmed);
  if (!match) return { problem: `"${trimmed}" is not a financial year: write it like 2025-26` };
  const startYear = Number(match[1]);
  if ((startYear + 1) % 100 !== Number(match[2])) {
    return {
      problem: `"${trimmed}" is not a financial year: ${match[1]} is followed by ${String((startYear + 1) % 100).padStart(2, '0')}`,
    };
  }
  return { startYear };
}

export function formatYear(startYear: number): string {
  return `${startYear}-${String((startYear + 1) % 100).padStart(2, '0')}`;
}

export function formatPeriod(period: Period): string {
  return `${formatYear(period.startYear)}-Q${period.quarter}`;
}

/** `2025-26 Q2`, for people. */
export function describePeriod(period: Period): string {
  return `${formatYear(period.startYear)} Q${period.quarter}`;
}

/** `July to September 2025`. */
export function periodMonths(period: Period): string {
  const year = period.quarter === 4 ? period.startYear + 1 : period.startYear;
  return `${QUARTER_MONTH_NAMES[period.quarter - 1]} ${year}`;
}

export function comparePeriods(a: Period, b: Period): number {
  return a.startYear - b.startYear || a.quarter - b.quarter;
}

export function samePeriod(a: Period, b: Period): boolean {
  return comparePeriods(a, b) === 0;
}

export function previousPeriod(period: Period): Period {
  return period.quarter === 1
    ? { startYear: period.startYear - 1, quarter: 4 }
    : { startYear: period.startYear, quarter: (period.quarter - 1) as Quarter };
}

export function nextPeriod(period: Period): Period {
  return period.quarter === 4
    ? { startYear: period.startYear + 1, quarter: 1 }
    : { startYear: period.startYear, quarter: (period.quarter + 1) as Quarter };
}

/** The quarters of one financial year, Q1 to Q4. */
export function quartersOfYear(startYear: number): Period[] {
  return ([1, 2, 3, 4] as const).map((quarter) => ({ startYear, quarter }));
}

export function periodStart(period: Period): string {
  const month = [4, 7, 10, 1][period.quarter - 1] as number;
  const year = period.quarter === 4 ? period.startYear + 1 : period.startYear;
  return isoDate(Date.UTC(year, month - 1, 1));
}

export function periodEnd(period: Period): string {
  const month = [4, 7, 10, 1][period.quarter - 1] as number;
  const year = period.quarter === 4 ? period.startYear + 1 : period.startYear;
  // Day 0 of the month after the quarter is its last day.
  return isoDate(Date.UTC(year, month - 1 + 3, 0));
}

export function addDays(date: string, days: number): string {
  return isoDate(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000);
}

/** The quarter that contains a date. */
export function periodContaining(date: string): Period {
  const [year, month] = date.split('-').map(Number) as [number, number];
  const quarter = (Math.floor(((month + 8) % 12) / 3) + 1) as Quarter;
  return { startYear: month >= 4 ? year : year - 1, quarter };
}

export function isoDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

export function today(now: Date = new Date()): string {
  return isoDate(now.getTime());
}

/** `30 October 2025`, as a letter would write it. */
export function longDate(date: string): string {
  return new Date(`${date}T00:00:00Z`).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
