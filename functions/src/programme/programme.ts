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

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/** When reminders, chasers and the staff digest go (DOMAIN.md: 10 days before, the day after, weekly). */
const remindersSchema = z.strictObject({
  daysBeforeDue: z.int().min(1).max(60).default(10),
  chaseDaysAfterDue: z.int().min(1).max(60).default(1),
  /** A notice the schedule could not send on its day still goes up to this many days later, never after. */
  catchUpDays: z.int().min(0).max(14).default(6),
  digestDay: z.enum(WEEKDAYS).default('Monday'),
  /** Funder staff who receive the weekly digest. */
  staffEmails: z.array(z.email()).min(1, 'the digest needs at least one address'),
});

export type ReminderSettings = z.infer<typeof remindersSchema>;

/** How releases are made: with `signedOffOnly`, only returns funder staff have signed off are published. */
const releasesSchema = z.strictObject({
  signedOffOnly: z.boolean().default(false),
});

export type ReleaseSettings = z.infer<typeof releasesSchema>;
/**
 * How funder staff's completeness grid reads the calendar. A quarter is "due soon" this many
 * days before its due date; a return still not sent this many days after its due date is
 * "missing" rather than "late" (by then the next quarter's return is due too, and the
 * quarter's figures are being read without it).
 */
const completenessSchema = z.strictObject({
  dueSoonDays: z.int().min(1).max(60).default(10),
  missingAfterDays: z.int().min(1).max(365).default(90),
});

export type CompletenessSettings = z.infer<typeof completenessSchema>;

/**
 * Local parts of addresses that belong to a team, not a person (`info`, `office`,
 * `enquir*`): staff may not invite them, since access is a named person's. `*`
 * stands for any characters; case and a `+tag` are ignored when matching.
 */
const invitationsSchema = z.strictObject({
  genericMailboxes: z
    .array(
      z
        .string()
        .regex(
          /^[a-z0-9._*-]+$/i,
          'should be the part before the @, like info or enquir* (letters, digits, . _ - and *)',
        ),
    )
    .default([]),
});

const programmeSchema = z.strictObject({
  name: z.string().min(1),
  funder: z.string().min(1),
  helpEmail: z.email(),
  /** The portal grant holders upload returns on; absent until it is deployed. */
  portalUrl: z
    .url({ protocol: /^https?$/, message: 'should be a web address like https://returns.example' })
    .optional(),
  reminders: remindersSchema.optional(),
  releases: releasesSchema.optional(),
  completeness: completenessSchema.optional(),
  invitations: invitationsSchema.optional(),
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
  readonly portalUrl: string | undefined;
  /** Reminder timing; without a `reminders` block the digest goes to the help address. */
  readonly reminders: ReminderSettings;
  /** Release settings; without a `releases` block every accepted return is used. */
  readonly releases: ReleaseSettings;
  /** The completeness grid's due-soon and missing thresholds; due soon defaults to the reminder's day. */
  readonly completeness: CompletenessSettings;
  /** The generic mailboxes' patterns (`invitations.genericMailboxes`), none if not configured. */
  readonly genericMailboxes: readonly string[];

  /**
   * The same programme with the portal's address set: the deployed and local stacks know
   * their own portal's address, which wins over the file's.
   */
  withPortalUrl(portalUrl: string | undefined): Programme {
    return portalUrl ? new Programme({ ...this.settings, portalUrl }) : this;
  }

  constructor(readonly settings: z.infer<typeof programmeSchema>) {
    this.name = settings.name;
    this.funder = settings.funder;
    this.helpEmail = settings.helpEmail;
    this.portalUrl = settings.portalUrl;
    this.reminders = settings.reminders ?? remindersSchema.parse({ staffEmails: [settings.helpEmail] });
    this.releases = settings.releases ?? releasesSchema.parse({});
    this.completeness =
      settings.completeness ?? completenessSchema.parse({ dueSoonDays: this.reminders.daysBeforeDue });
    this.genericMailboxes = settings.invitations?.genericMailboxes ?? [];
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

  /** The pattern a shared mailbox's address matches (`info+blk@council.example` matches `info`), if any. */
  genericMailbox(email: string): string | undefined {
    const local = (email.split('@')[0] ?? '').toLowerCase().replace(/\+.*$/, '');
    return this.genericMailboxes.find((pattern) => {
      const source = pattern
        .toLowerCase()
        .split('*')
        .map((part) => part.replace(/[.]/g, '\\.'))
        .join('.*');
      return new RegExp(`^${source}$`).test(local);
    });
  }

  describeRange(): string {
    return `${formatYear(this.firstPeriod.startYear)} to ${formatYear(this.lastPeriod.startYear)}`;
  }
}
