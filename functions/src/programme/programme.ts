/** The programme and its reporting calendar: which quarters exist and when each return is due. */
import * as z from 'zod';
import { UsageError } from '../errors.js';
import {
  addDays,
  comparePeriods,
  formatPeriod,
  formatYear,
  type Period,
  parsePeriod,
  parseYear,
  periodEnd,
  periodStart,
} from './periods.js';
import { checkWithSchema, readYamlFile } from './reference-file.js';

const programmeSchema = z.strictObject({
  name: z.string().min(1),
  funder: z.string().min(1),
  helpEmail: z.email(),
  firstYear: z
    .string()
    .refine((text) => 'startYear' in parseYear(text), 'should be a financial year like 2025-26'),
  years: z.int().min(1).max(50),
  dueDaysAfterQuarterEnd: z.int().min(0).max(365),
  dueDateOverrides: z
    .record(
      z.string().refine((text) => 'period' in parsePeriod(text), 'should be a quarter like 2025-26-Q3'),
      z.iso.date({ message: 'should be a date like 2026-02-06' }),
    )
    .default({}),
});

export type ReturnTiming = 'not_yet_due' | 'due' | 'overdue';

export class Programme {
  readonly firstPeriod: Period;
  readonly lastPeriod: Period;

  readonly name: string;
  readonly funder: string;
  readonly helpEmail: string;

  constructor(readonly settings: z.infer<typeof programmeSchema>) {
    this.name = settings.name;
    this.funder = settings.funder;
    this.helpEmail = settings.helpEmail;
    const first = parseYear(settings.firstYear) as { startYear: number };
    this.firstPeriod = { startYear: first.startYear, quarter: 1 };
    this.lastPeriod = { startYear: first.startYear + settings.years - 1, quarter: 4 };
  }

  static load(file: string): Programme {
    return new Programme(checkWithSchema(file, programmeSchema, readYamlFile(file)));
  }

  includes(period: Period): boolean {
    return comparePeriods(period, this.firstPeriod) >= 0 && comparePeriods(period, this.lastPeriod) <= 0;
  }

  /** The day a return is due: a fixed number of days after the quarter ends, unless moved by agreement. */
  dueDate(period: Period): string {
    return (
      this.settings.dueDateOverrides[formatPeriod(period)] ??
      addDays(periodEnd(period), this.settings.dueDaysAfterQuarterEnd)
    );
  }

  hasStarted(period: Period, onDate: string): boolean {
    return periodStart(period) <= onDate;
  }

  /** Checks a quarter typed by a person is one the programme collects. */
  requirePeriod(period: Period): Period {
    if (!this.includes(period)) {
      throw new UsageError(
        `${formatPeriod(period)} is outside the programme, which runs from ${formatPeriod(this.firstPeriod)} to ${formatPeriod(this.lastPeriod)}.`,
      );
    }
    return period;
  }

  describeRange(): string {
    return `${formatYear(this.firstPeriod.startYear)} to ${formatYear(this.lastPeriod.startYear)}`;
  }
}
