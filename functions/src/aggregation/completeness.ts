/**
 * Completeness: for every site and quarter, whether the funder has what it
 * needs, judged against the quarter's due date. A return counts from its
 * upload time; a missing return is shown as missing, never as zero.
 */
import {
  addDays,
  formatPeriod,
  type Period,
  periodContaining,
  periodEnd,
  previousPeriod,
  today as todayOf,
} from '../programme/periods.js';
import type { Programme } from '../programme/programme.js';
import type { Review } from '../returns/review.js';
import type { CurrentReturn, Submission } from '../returns/submission.js';

export const COMPLETENESS_STATES = [
  'accepted',
  'accepted-with-unexplained-warnings',
  'rejected',
  'missing',
  'not-yet-due',
] as const;
export type CompletenessState = (typeof COMPLETENESS_STATES)[number];

export const COMPLETENESS_LABELS: Record<CompletenessState, string> = {
  accepted: 'accepted',
  'accepted-with-unexplained-warnings': 'accepted, warnings unexplained',
  rejected: 'rejected',
  missing: 'missing',
  'not-yet-due': 'not yet due',
};

export interface CompletenessCell {
  readonly site: string;
  readonly period: string;
  readonly state: CompletenessState;
  /** Accepted after the due date, or still not accepted once it passed. */
  readonly late: boolean;
  readonly dueDate: string;
  /** When the current return arrived, if there is one. */
  readonly receivedAt?: string;
  readonly submissionId?: string;
  /** Every file the site sent for the quarter, accepted or not. */
  readonly submissions: number;
  /**
   * Required items the current return says it cannot report this quarter
   * (shown as not reported in every summary, never as zero). Empty when none.
   */
  readonly notReported: readonly string[];
}

export interface CompletenessInput {
  readonly sites: readonly string[];
  readonly periods: readonly Period[];
  readonly programme: Programme;
  readonly submissions: readonly Submission[];
  readonly current: readonly CurrentReturn[];
  readonly now: Date;
}

export function completeness(input: CompletenessInput): CompletenessCell[] {
  const today = todayOf(input.now);
  const cells: CompletenessCell[] = [];
  for (const site of input.sites) {
    for (const period of input.periods) {
      const periodText = formatPeriod(period);
      const dueDate = input.programme.dueDate(period);
      const sent = input.submissions.filter(
        (submission) => submission.site === site && submission.period === periodText,
      );
      const current = input.current.find((entry) => entry.site === site && entry.period === periodText);
      const pastDue = today > dueDate;
      if (current) {
        cells.push({
          site,
          period: periodText,
          state: current.counts.unexplainedWarnings > 0 ? 'accepted-with-unexplained-warnings' : 'accepted',
          late: current.receivedAt.slice(0, 10) > dueDate,
          dueDate,
          receivedAt: current.receivedAt,
          submissionId: current.submissionId,
          submissions: sent.length,
          notReported: current.values.notReported ?? [],
        });
      } else {
        cells.push({
          site,
          period: periodText,
          state: sent.length > 0 ? 'rejected' : pastDue ? 'missing' : 'not-yet-due',
          late: pastDue,
          dueDate,
          submissions: sent.length,
          notReported: [],
        });
      }
    }
  }
  return cells;
}

/*
 * Funder staff's grid: the judgement above, refined into every state a
 * collection owner follows a quarter through, with the review (sign-off and
 * queries) on top.
 *
 * Late and missing: both mean past the due date with nothing sent at all.
 * A quarter is *late* while it is still being chased, and *missing* once it is
 * more than `missingAfterDays` (programme.yaml) past due: by then the next
 * quarter's return is due too, and the quarter is read without it. A site that
 * sent something that was not accepted is *not accepted* (with its days late),
 * never late or missing: staff can see it tried. The summaries keep the
 * coarser states above ("missing" for anything past due with nothing sent).
 *
 * Received: a file under the site's upload folder with no upload receipt and no
 * submission record is being checked (or is stuck, if it stays). Its quarter
 * is unknown until it is read, so it is shown under the quarter that had most
 * recently ended when it arrived, the one sites are sending; it never hides an
 * accepted return, which only notes that a newer file is being checked.
 */

export const GRID_STATES = [
  'not-yet-due',
  'due-soon',
  'late',
  'missing',
  'received',
  'not-accepted',
  'accepted',
  'accepted-with-unexplained-warnings',
  'queried',
  'signed-off',
] as const;
export type GridState = (typeof GRID_STATES)[number];

/** The state in words, for people (never colour alone). */
export const GRID_STATE_LABELS: Record<GridState, string> = {
  'not-yet-due': 'not yet due',
  'due-soon': 'due soon',
  late: 'late',
  missing: 'missing',
  received: 'received, not yet checked',
  'not-accepted': 'not accepted',
  accepted: 'accepted',
  'accepted-with-unexplained-warnings': 'accepted, warnings unexplained',
  queried: 'queried',
  'signed-off': 'signed off',
};

/** States in which the funder holds an accepted return for the quarter. */
export const HOLDS_ACCEPTED_RETURN: ReadonlySet<GridState> = new Set([
  'accepted',
  'accepted-with-unexplained-warnings',
  'queried',
  'signed-off',
]);

/** A file under incoming/{SITE}/ that no receipt or submission accounts for yet. */
export interface PendingUpload {
  readonly site: string;
  readonly key: string;
  /** When the bucket stored it (ISO). */
  readonly receivedAt: string;
  readonly bytes: number;
}

export interface GridCell {
  readonly site: string;
  readonly period: string;
  readonly status: GridState;
  readonly dueDate: string;
  /**
   * Days past the due date: for a quarter with no accepted return, until today; for an
   * accepted one, how late its first accepted file arrived. 0 when on time or not yet due.
   */
  readonly daysLate: number;
  /** Days until the due date, while it is ahead (0 on the day). */
  readonly daysToDue?: number;
  /** Whether an accepted file arrived by the due date (undefined while none has, before it). */
  readonly onTime?: boolean;
  /** The return the cell is about: the current one, else the latest file sent. */
  readonly submissionId?: string;
  /** Every file the site sent for the quarter (a submission record each). */
  readonly submissions: number;
  /** Files received and not yet checked, shown under this quarter. */
  readonly pending: readonly PendingUpload[];
  /** Unexplained warnings on the current return. */
  readonly unexplainedWarnings: number;
  /** Required items the current return cannot report this quarter. */
  readonly notReported: readonly string[];
  /** The review, when staff have signed off or queried the quarter. */
  readonly review?: Review;
}

/** One quarter across every site. */
export interface QuarterTally {
  readonly period: string;
  readonly dueDate: string;
  /** Sites expected to send it: every site, once the quarter has ended; none before. */
  readonly expected: number;
  /** Sites that sent anything for it (checked or not). */
  readonly received: number;
  /** Sites whose return the funder holds, accepted. */
  readonly accepted: number;
  /** Sites with an accepted file by the due date. */
  readonly onTime: number;
  /** onTime / expected, once the due date has passed; undefined before (nothing to rate yet). */
  readonly onTimeRate?: number;
}

export interface CompletenessGrid {
  readonly cells: readonly GridCell[];
  readonly quarters: readonly QuarterTally[];
}

export interface CompletenessGridInput extends CompletenessInput {
  /** The year's reviews (sign-off and queries). */
  readonly reviews: readonly Review[];
  /** Files received and not yet checked, any quarter. */
  readonly pending: readonly PendingUpload[];
}

const ACCEPTED_ONCE = new Set(['accepted', 'accepted-with-warnings', 'superseded']);

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The quarter an unread upload is shown under: the one most recently ended when it arrived. */
export function quarterBeingSent(receivedAt: string): string {
  return formatPeriod(previousPeriod(periodContaining(receivedAt.slice(0, 10))));
}

export function completenessGrid(input: CompletenessGridInput): CompletenessGrid {
  const today = todayOf(input.now);
  const { dueSoonDays, missingAfterDays } = input.programme.completeness;
  const base = completeness(input);
  const cells = base.map((cell): GridCell => {
    const sent = input.submissions
      .filter((submission) => submission.site === cell.site && submission.period === cell.period)
      .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
    const pending = input.pending.filter(
      (upload) => upload.site === cell.site && quarterBeingSent(upload.receivedAt) === cell.period,
    );
    const review = input.reviews.find((entry) => entry.site === cell.site && entry.period === cell.period);
    const firstAccepted = sent.find((submission) => ACCEPTED_ONCE.has(submission.status));
    const acceptedOn = (firstAccepted?.receivedAt ?? cell.receivedAt)?.slice(0, 10);
    const current = input.current.find((entry) => entry.site === cell.site && entry.period === cell.period);
    const pastDue = today > cell.dueDate;
    const common = {
      site: cell.site,
      period: cell.period,
      dueDate: cell.dueDate,
      submissions: cell.submissions,
      pending,
      notReported: cell.notReported,
      unexplainedWarnings: current?.counts.unexplainedWarnings ?? 0,
      ...(pastDue ? {} : { daysToDue: daysBetween(today, cell.dueDate) }),
    };
    if (current && acceptedOn) {
      const status: GridState =
        review?.state === 'signed-off'
          ? 'signed-off'
          : review?.state === 'queried'
            ? 'queried'
            : cell.state === 'accepted-with-unexplained-warnings'
              ? 'accepted-with-unexplained-warnings'
              : 'accepted';
      return {
        ...common,
        status,
        daysLate: Math.max(0, daysBetween(cell.dueDate, acceptedOn)),
        onTime: acceptedOn <= cell.dueDate,
        // A signed-off quarter is locked on the return staff signed off.
        submissionId: review?.state === 'signed-off' ? review.submissionId : current.submissionId,
        ...(review ? { review } : {}),
      };
    }
    const daysLate = pastDue ? daysBetween(cell.dueDate, today) : 0;
    const latest = sent[sent.length - 1];
    const status: GridState =
      pending.length > 0
        ? 'received'
        : latest
          ? 'not-accepted'
          : pastDue
            ? daysLate > missingAfterDays
              ? 'missing'
              : 'late'
            : today >= addDays(cell.dueDate, -dueSoonDays)
              ? 'due-soon'
              : 'not-yet-due';
    return {
      ...common,
      status,
      daysLate,
      ...(pastDue ? { onTime: false } : {}),
      ...(latest ? { submissionId: latest.submissionId } : {}),
    };
  });

  const quarters = input.periods.map((period): QuarterTally => {
    const periodText = formatPeriod(period);
    const inQuarter = cells.filter((cell) => cell.period === periodText);
    const dueDate = input.programme.dueDate(period);
    const expected = today > periodEnd(period) ? inQuarter.length : 0;
    const onTime = inQuarter.filter((cell) => cell.onTime === true).length;
    return {
      period: periodText,
      dueDate,
      expected,
      received: inQuarter.filter((cell) => cell.submissions > 0 || cell.pending.length > 0).length,
      accepted: inQuarter.filter((cell) => HOLDS_ACCEPTED_RETURN.has(cell.status)).length,
      onTime,
      ...(today > dueDate && expected > 0 ? { onTimeRate: onTime / expected } : {}),
    };
  });
  return { cells, quarters };
}

/** The sites without an accepted return for a quarter, most overdue first, then in registry order. */
export function nonSubmitters(grid: CompletenessGrid, period: string): GridCell[] {
  return grid.cells
    .filter((cell) => cell.period === period && !HOLDS_ACCEPTED_RETURN.has(cell.status))
    .sort((a, b) => b.daysLate - a.daysLate);
}
