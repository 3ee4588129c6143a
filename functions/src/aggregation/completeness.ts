/**
 * Completeness: for every site and quarter, whether the funder has what it
 * needs, judged against the quarter's due date. A return counts from its
 * upload time; a missing return is shown as missing, never as zero.
 */
import { formatPeriod, type Period, today as todayOf } from '../programme/periods.js';
import type { Programme } from '../programme/programme.js';
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
