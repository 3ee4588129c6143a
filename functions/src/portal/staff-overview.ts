/**
 * Funder staff's completeness page and the non-submitters list.
 *
 * input: the year (or one quarter), today; every read through PortalData
 * steps: the year's submissions and current returns (one query) → each site's
 *        files and its upload folder, less what the pipeline has a receipt or a
 *        submission for (files received and not yet checked) → the grid
 *        (aggregation/completeness.ts) → files no quarter could take and
 *        uploads no site could claim, from the year's start on
 * output: the grid with each quarter's counts, and what needs attention beside it
 */
import {
  type CompletenessGrid,
  completenessGrid,
  GRID_STATE_LABELS,
  type GridCell,
  nonSubmitters,
  type PendingUpload,
  type QuarterTally,
  quarterBeingSent,
} from '../aggregation/completeness.js';
import {
  describePeriod,
  formatYear,
  type Period,
  parsePeriod,
  periodMonths,
  quartersOfYear,
  today as todayOf,
} from '../programme/periods.js';
import type { Site } from '../programme/sites.js';
import type { ReferenceData } from '../reference/reference-data.js';
import type { Submission, UnroutableUpload } from '../returns/submission.js';
import { receiptId } from '../submissions/ports.js';
import { toCsv } from '../summaries/write-csv.js';
import { NotFound } from './authorise.js';
import type { PortalData } from './portal-data.js';
import { submissionOutcome, uploaderOf } from './your-returns.js';

export interface QuarterColumn {
  readonly period: string;
  readonly title: string;
  readonly months: string;
  readonly dueDate: string;
  /** Whether the quarter has begun (before then there is nothing to list or chase). */
  readonly started: boolean;
  readonly tally: QuarterTally;
}

export interface StaffOverview {
  readonly year: string;
  readonly quarters: readonly QuarterColumn[];
  readonly rows: readonly {
    readonly site: string;
    readonly name: string;
    readonly cells: readonly GridCell[];
  }[];
  readonly dueSoonDays: number;
  readonly missingAfterDays: number;
  /** Files received and not yet checked, oldest first, with the quarter each is shown under. */
  readonly pending: readonly (PendingUpload & { readonly siteName: string; readonly shownUnder: string })[];
  /** Files sent since the year began that could not be read as any quarter's return. */
  readonly unreadable: readonly (Submission & { readonly siteName: string })[];
  /** Uploads no site could claim since the year began, newest first. */
  readonly unroutable: readonly UnroutableUpload[];
  readonly now: string;
}

interface Loaded {
  readonly startYear: number;
  readonly periods: readonly Period[];
  readonly grid: CompletenessGrid;
  readonly bySite: ReadonlyMap<string, readonly Submission[]>;
  readonly pending: readonly PendingUpload[];
}

async function pendingUploads(
  data: PortalData,
  site: string,
  submissions: readonly Submission[],
): Promise<PendingUpload[]> {
  const listed = (await data.list(`incoming/${site}/`)).filter((object) => !object.key.endsWith('/'));
  // The same bytes sent again make no new submission (it is recorded under the first key): match ETags too.
  const checked = new Set(submissions.flatMap((entry) => [entry.s3Key, `etag:${entry.etag ?? ''}`]));
  const unmatched = listed.filter(
    (object) => !checked.has(object.key) && !(object.etag && checked.has(`etag:${object.etag}`)),
  );
  const receipts = await data.uploadReceipts(unmatched);
  return unmatched
    .filter((object) => !receipts.has(receiptId(object.key, object.etag)))
    .map((object) => ({ site, key: object.key, receivedAt: object.lastModified, bytes: object.size }));
}

async function load(
  data: PortalData,
  reference: ReferenceData,
  startYear: number,
  now: Date,
): Promise<Loaded> {
  const year = formatYear(startYear);
  const [{ submissions, current }, reviews] = await Promise.all([
    data.yearOverview(year),
    data.yearReviews(year),
  ]);
  const codes = reference.sites.sites.map((site) => site.code);
  const siteFiles = await Promise.all(codes.map((code) => data.siteSubmissions(code)));
  const bySite = new Map(codes.map((code, index) => [code, siteFiles[index] ?? []]));
  const pending = (
    await Promise.all(codes.map((code) => pendingUploads(data, code, bySite.get(code) ?? [])))
  ).flat();
  const periods = quartersOfYear(startYear).filter((period) => reference.programme.includes(period));
  const grid = completenessGrid({
    sites: codes,
    periods,
    programme: reference.programme,
    submissions,
    current,
    reviews,
    pending,
    now,
  });
  return { startYear, periods, grid, bySite, pending };
}

function siteName(reference: ReferenceData, code: string): string {
  return reference.sites.find(code)?.name ?? code;
}

export async function staffOverview(
  data: PortalData,
  reference: ReferenceData,
  startYear: number,
  now: Date,
): Promise<StaffOverview> {
  const loaded = await load(data, reference, startYear, now);
  const yearStart = `${startYear}-04-01`;
  // From the year's start on: a file with no quarter, or no site, may arrive after the year is over.
  const unroutable = (await data.unroutableUploads()).filter((upload) => upload.receivedAt >= yearStart);
  const unreadable = [...loaded.bySite.values()]
    .flat()
    .filter((submission) => !submission.period && submission.receivedAt >= yearStart)
    .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt))
    .map((submission) => ({ ...submission, siteName: siteName(reference, submission.site) }));
  return {
    year: formatYear(startYear),
    quarters: loaded.periods.map((period, index) => ({
      period: loaded.grid.quarters[index]?.period as string,
      title: describePeriod(period),
      months: periodMonths(period),
      dueDate: reference.programme.dueDate(period),
      started: reference.programme.hasStarted(period, todayOf(now)),
      tally: loaded.grid.quarters[index] as QuarterTally,
    })),
    rows: reference.sites.sites.map((site) => ({
      site: site.code,
      name: site.name,
      cells: loaded.grid.cells.filter((cell) => cell.site === site.code),
    })),
    dueSoonDays: reference.programme.completeness.dueSoonDays,
    missingAfterDays: reference.programme.completeness.missingAfterDays,
    pending: [...loaded.pending]
      .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt))
      .map((upload) => ({
        ...upload,
        siteName: siteName(reference, upload.site),
        shownUnder: quarterBeingSent(upload.receivedAt),
      })),
    unreadable,
    unroutable,
    now: now.toISOString(),
  };
}

/** A file a non-submitter sent for the quarter, in words. */
export interface SentFile {
  readonly submissionId: string;
  readonly receivedAt: string;
  readonly uploadedBy?: string;
  readonly outcome: string;
}

export interface NonSubmitter {
  readonly site: Site;
  readonly cell: GridCell;
  readonly sent: readonly SentFile[];
}

export interface NonSubmitterList {
  readonly period: string;
  readonly title: string;
  readonly dueDate: string;
  readonly sites: readonly NonSubmitter[];
  /** Sites whose return the funder holds, for the sentence above the list. */
  readonly accepted: number;
  readonly expected: number;
}

/** A quarter typed into the address: a clear refusal for a bad one, never a stack trace. */
export type QuarterChoice =
  | { readonly ok: true; readonly period: Period }
  | { readonly ok: false; readonly status: 400 | 404; readonly message: string };

export function chooseQuarter(reference: ReferenceData, asked: string | undefined, now: Date): QuarterChoice {
  const { programme } = reference;
  if (asked === undefined || asked === '') {
    // The quarter sites are sending now, within the programme.
    const parsed = parsePeriod(quarterBeingSent(now.toISOString()));
    if ('period' in parsed && programme.includes(parsed.period)) return { ok: true, period: parsed.period };
    return { ok: true, period: programme.firstPeriod };
  }
  const parsed = parsePeriod(asked.slice(0, 40));
  if ('problem' in parsed) {
    return {
      ok: false,
      status: 400,
      message: `${parsed.problem}. Quarters are written with the financial year, then Q1 to Q4: 2025-26-Q2 is July to September 2025.`,
    };
  }
  if (!programme.includes(parsed.period)) {
    return {
      ok: false,
      status: 404,
      message: `${describePeriod(parsed.period)} is outside the programme, which runs from ${programme.describeRange()}.`,
    };
  }
  if (!programme.hasStarted(parsed.period, now.toISOString().slice(0, 10))) {
    return {
      ok: false,
      status: 404,
      message: `${describePeriod(parsed.period)} has not started yet, so no return is expected for it.`,
    };
  }
  return { ok: true, period: parsed.period };
}

export async function nonSubmitterList(
  data: PortalData,
  reference: ReferenceData,
  period: Period,
  now: Date,
): Promise<NonSubmitterList> {
  const loaded = await load(data, reference, period.startYear, now);
  const tally = loaded.grid.quarters.find((quarter) => quarter.period === periodText(period));
  if (!tally) throw new NotFound();
  return {
    period: tally.period,
    title: describePeriod(period),
    dueDate: tally.dueDate,
    accepted: tally.accepted,
    expected: loaded.grid.cells.filter((cell) => cell.period === tally.period).length,
    sites: nonSubmitters(loaded.grid, tally.period).map((cell) => ({
      site: reference.sites.find(cell.site) as Site,
      cell,
      sent: (loaded.bySite.get(cell.site) ?? [])
        .filter((submission) => submission.period === tally.period)
        .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt))
        .map((submission) => ({
          submissionId: submission.submissionId,
          receivedAt: submission.receivedAt,
          ...(uploaderOf(submission) ? { uploadedBy: uploaderOf(submission) as string } : {}),
          outcome: submissionOutcome(submission).outcome,
        })),
    })),
  };
}

function periodText(period: Period): string {
  return `${formatYear(period.startYear)}-Q${period.quarter}`;
}

export const NON_SUBMITTER_HEADINGS = [
  'Site code',
  'Partnership',
  'Quarter',
  'Status',
  'Due date',
  'Days late',
  'Contacts',
  'Files sent',
  'Last file received (UTC)',
  'Last file sent by',
  'Last file result',
  'Being checked',
] as const;

/**
 * The list as CSV for a spreadsheet: one row a site. Every text cell goes
 * through the shared writer, so a name or uploader that starts with = + - @
 * arrives as text, never as a formula.
 */
export function nonSubmittersCsv(list: NonSubmitterList): string {
  return toCsv(
    NON_SUBMITTER_HEADINGS,
    list.sites.map(({ site, cell, sent }) => {
      const last = sent[0];
      return [
        site.code,
        site.name,
        list.period,
        GRID_STATE_LABELS[cell.status],
        list.dueDate,
        cell.daysLate,
        site.contacts.join('; '),
        sent.length,
        last ? last.receivedAt.replace('T', ' ').slice(0, 16) : '',
        last?.uploadedBy ?? '',
        last?.outcome ?? '',
        cell.pending.length,
      ];
    }),
  );
}

/** The quarters of a year that have begun, for the list's quarter links. */
export function startedQuarters(
  reference: ReferenceData,
  startYear: number,
  now: Date,
): { period: string; title: string }[] {
  return quartersOfYear(startYear)
    .filter(
      (period) =>
        reference.programme.includes(period) && reference.programme.hasStarted(period, todayOf(now)),
    )
    .map((period) => ({ period: periodText(period), title: describePeriod(period) }));
}
