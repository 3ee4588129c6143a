/**
 * Your returns: each quarter of a financial year for one site, its status in
 * plain words, its due date, and who sent what when.
 *
 * input: the site's records (through PortalData), the year, today
 * steps: the site's submissions → completeness (the same judgement as the
 *        funder's grid) → words for a person: not yet due, due in N days, late,
 *        received and checking, accepted, accepted with warnings to explain,
 *        not accepted → files still being checked (uploaded, no submission yet)
 * output: one row a quarter, and the uploads still being checked
 */
import { type CompletenessCell, completeness } from '../aggregation/completeness.js';
import {
  describePeriod,
  formatYear,
  periodEnd,
  periodMonths,
  quartersOfYear,
  today as todayOf,
} from '../programme/periods.js';
import type { ReferenceData } from '../reference/reference-data.js';
import type { Review } from '../returns/review.js';
import type { Submission } from '../returns/submission.js';
import type { PortalData } from './portal-data.js';

export type Tone = 'green' | 'yellow' | 'red' | 'blue' | 'grey' | 'orange';

export interface SentFile {
  readonly submissionId: string;
  readonly period: string;
  readonly receivedAt: string;
  readonly uploadedBy?: string;
  readonly outcome: string;
  readonly tone: Tone;
  readonly current: boolean;
}

export interface QuarterStatus {
  readonly period: string;
  readonly title: string;
  readonly months: string;
  readonly dueDate: string;
  readonly status: string;
  readonly tone: Tone;
  /** A sentence saying what to do next, when there is something to do. */
  readonly next?: string;
  /** The funder's review of the quarter's return, in words, once there is one. */
  readonly review?: string;
  readonly sent: readonly SentFile[];
}

export interface YourReturns {
  readonly site: string;
  readonly year: string;
  readonly quarters: readonly QuarterStatus[];
  /** Files received in the last hour that have no result yet. */
  readonly checking: readonly { readonly uploadId: string; readonly receivedAt: string }[];
}

/** How long after an upload "still being checked" is believed; later, it is a problem for the help desk. */
const CHECKING_WINDOW_MS = 60 * 60 * 1000;

export function uploaderOf(submission: Submission): string | undefined {
  const value = (submission as Submission & { uploadedBy?: unknown }).uploadedBy;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function submissionOutcome(submission: Submission): { outcome: string; tone: Tone } {
  switch (submission.status) {
    case 'accepted':
      return { outcome: 'Accepted', tone: 'green' };
    case 'accepted-with-warnings':
      return submission.counts.unexplainedWarnings > 0
        ? { outcome: 'Accepted with warnings to explain', tone: 'yellow' }
        : { outcome: 'Accepted, warnings explained', tone: 'green' };
    case 'superseded':
      return { outcome: 'Replaced by a later file', tone: 'grey' };
    default:
      return submission.counts.fatal > 0
        ? { outcome: 'Not accepted: could not be checked', tone: 'red' }
        : { outcome: 'Not accepted', tone: 'red' };
  }
}

export async function yourReturns(
  data: PortalData,
  reference: ReferenceData,
  site: string,
  startYear: number,
  now: Date,
): Promise<YourReturns> {
  const submissions = await data.siteSubmissions(site);
  const year = formatYear(startYear);
  const reviews = await data.siteReviews(site, year);
  const reviewOf = (period: string | undefined) => reviews.find((review) => review.period === period);
  const periods = quartersOfYear(startYear).filter((period) => reference.programme.includes(period));
  // Once staff have acted on a quarter, its review names the current return: a later file for a
  // signed-off quarter waits (a proposed revision) or was declined, and is not current.
  const current = submissions.flatMap((submission) => {
    const review = reviewOf(submission.period);
    const accepted = submission.status === 'accepted' || submission.status === 'accepted-with-warnings';
    if (!submission.period || !accepted) return [];
    return !review || review.submissionId === submission.submissionId ? [currentOf(submission)] : [];
  });
  const cells = completeness({
    sites: [site],
    periods,
    programme: reference.programme,
    submissions,
    current: latestPerPeriod(current),
    now,
  });
  const today = todayOf(now);
  const quarters = periods.map((period, index) => {
    const cell = cells[index] as CompletenessCell;
    const sent = submissions
      .filter((submission) => submission.period === cell.period)
      .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt))
      .map((submission) => ({
        submissionId: submission.submissionId,
        period: cell.period,
        receivedAt: submission.receivedAt,
        ...(uploaderOf(submission) ? { uploadedBy: uploaderOf(submission) as string } : {}),
        ...submissionOutcome(submission),
        ...heldBack(submission, reviewOf(cell.period)),
        current: submission.submissionId === cell.submissionId,
      }));
    const review = reviewOf(cell.period);
    return {
      period: cell.period,
      title: describePeriod(period),
      months: periodMonths(period),
      dueDate: cell.dueDate,
      ...statusWords(cell, periodEnd(period), today),
      ...(review && review.submissionId === cell.submissionId ? { review: REVIEW_WORDS[review.state] } : {}),
      sent,
    };
  });

  const uploads = await data.list(`incoming/${site}/`);
  const checked = new Set(submissions.flatMap((submission) => [submission.s3Key, submission.etag ?? '']));
  const checking = uploads
    .filter(
      (upload) =>
        !checked.has(upload.key) &&
        !(upload.etag && checked.has(upload.etag)) &&
        now.getTime() - Date.parse(upload.lastModified) < CHECKING_WINDOW_MS,
    )
    .flatMap((upload) => {
      const match = /^incoming\/[A-Z]{3}\/([0-9a-f-]{36})\.xlsx$/.exec(upload.key);
      return match ? [{ uploadId: match[1] as string, receivedAt: upload.lastModified }] : [];
    });
  return { site, year, quarters, checking };
}

/** What the funder's review says of the quarter, beside its status. */
const REVIEW_WORDS: Record<Review['state'], string> = {
  'awaiting-review': 'Awaiting the funder’s review',
  queried: 'The funder has a question: open the return to see it and reply',
  'signed-off': 'Signed off by the funder',
};

/** An accepted file the review holds back: waiting as a proposed revision, or not taken up. */
function heldBack(
  submission: Submission,
  review: Review | undefined,
): { outcome: string; tone: Tone } | Record<string, never> {
  const accepted = submission.status === 'accepted' || submission.status === 'accepted-with-warnings';
  if (!review || !accepted || review.submissionId === submission.submissionId) return {};
  if (review.proposedRevision?.submissionId === submission.submissionId)
    return { outcome: 'Accepted, waiting for the funder to take it as a revision', tone: 'blue' };
  return submission.receivedAt > (review.signedOff?.at ?? '')
    ? { outcome: 'Accepted, not taken up: the signed-off return stands', tone: 'grey' }
    : {};
}

function statusWords(
  cell: CompletenessCell,
  quarterEnd: string,
  today: string,
): { status: string; tone: Tone; next?: string } {
  switch (cell.state) {
    case 'accepted':
      return { status: 'Accepted', tone: 'green' };
    case 'accepted-with-unexplained-warnings':
      return {
        status: 'Accepted with warnings to explain',
        tone: 'yellow',
        next: 'Add an explanation for each warning to the return and upload it again.',
      };
    case 'rejected':
      return {
        status: 'Not accepted',
        tone: 'red',
        next: cell.late
          ? `It was due ${days(daysBetween(cell.dueDate, today))} ago: fix the errors and upload a corrected file.`
          : 'Fix the errors and upload a corrected file.',
      };
    case 'missing':
      return {
        status: 'Late',
        tone: 'red',
        next: `It was due ${days(daysBetween(cell.dueDate, today))} ago. Please send it as soon as you can.`,
      };
    default: {
      if (today <= quarterEnd) return { status: 'Not yet due', tone: 'grey' };
      const left = daysBetween(today, cell.dueDate);
      return { status: left === 0 ? 'Due today' : `Due in ${days(left)}`, tone: 'blue' };
    }
  }
}

function days(count: number): string {
  return `${count} day${count === 1 ? '' : 's'}`;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

function currentOf(submission: Submission) {
  return {
    site: submission.site,
    period: submission.period as string,
    submissionId: submission.submissionId,
    receivedAt: submission.receivedAt,
    sequencer: submission.sequencer,
    status: submission.status as 'accepted' | 'accepted-with-warnings',
    dictionaryVersion: submission.dictionaryVersion ?? '',
    counts: submission.counts,
    values: submission.values ?? { items: {}, tables: {} },
  };
}

/** The latest accepted upload of each quarter stands, as the pipeline's current return. */
function latestPerPeriod<T extends { period: string; receivedAt: string; sequencer: string }>(
  entries: T[],
): T[] {
  const latest = new Map<string, T>();
  for (const entry of entries) {
    const held = latest.get(entry.period);
    if (!held || `${entry.receivedAt}${entry.sequencer}` > `${held.receivedAt}${held.sequencer}`)
      latest.set(entry.period, entry);
  }
  return [...latest.values()];
}
