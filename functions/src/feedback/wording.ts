/**
 * The shared wording of the feedback: the result of a check in one phrase,
 * plurals, and dates and times as a UK letter writes them. The email, the
 * report text (`returns validate`) and the CLI all say these things, so each is
 * written here once and a change of words reaches them all.
 *
 * The template cannot import this folder (validation reads the template's
 * layout, and feedback reads validation), so the sentences the template shares
 * with the feedback, such as the "cannot report" policy, live in
 * template/template-layout.ts and are re-exported here.
 */
import { longDate } from '../programme/periods.js';
import type { SubmissionStatus } from '../returns/submission.js';
import type { ValidationReport } from '../validation/report.js';

export { CANNOT_REPORT_POLICY } from '../dictionary/reporting-policy.js';
export { howToSend, WHAT_HAPPENS_NEXT } from '../template/template-layout.js';

/** "1 error", "2 errors", "1,234 cells": the number in UK style and the word agreeing with it. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? singular : plural}`;
}

/** "there is 1 error", "there are 3 errors". */
export function thereAre(n: number, singular: string, plural = `${singular}s`): string {
  return `there ${n === 1 ? 'is' : 'are'} ${count(n, singular, plural)}`;
}

/** `30 October 2025` for a date (`2025-10-30`), or the London date of a moment (an ISO date-time). */
export function ukDate(iso: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return longDate(iso);
  return new Date(iso).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'Europe/London',
  });
}

/** `07:49`, the 24-hour clock in London (summer time included). */
export function ukTime(iso: string): string {
  return new Date(iso).toLocaleTimeString('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/London',
  });
}

/**
 * `1 December 2026 at 07:49`. Date and time both in London time: an upload at
 * 23:30 UTC on 30 June arrives on 1 July in Blackpool.
 */
export function ukDateTime(iso: string): string {
  return `${ukDate(iso)} at ${ukTime(iso)}`;
}

type Counts = ValidationReport['counts'];
type Outcome = Pick<ValidationReport, 'status' | 'counts'>;

/** How a check came out, in the few words that head the email's subject and the report. */
export function resultPhrase({ status, counts }: Outcome): string {
  if (counts.fatal > 0) return 'could not be checked';
  if (status === 'rejected') {
    return `not accepted: ${count(counts.errors, 'error')} to fix${warningsTail(counts)}`;
  }
  if (counts.warnings === 0) return 'accepted';
  const unexplained = counts.unexplainedWarnings;
  if (unexplained === 0) {
    return counts.warnings === 1
      ? 'accepted, with 1 warning explained'
      : `accepted, with ${count(counts.warnings, 'warning')}, all explained`;
  }
  if (unexplained === counts.warnings) {
    return `accepted, with ${count(unexplained, 'warning')} to explain`;
  }
  return `accepted, with ${unexplained} of ${count(counts.warnings, 'warning')} still to explain`;
}

/**
 * The result as a headline starting with a capital: "Not accepted: 2 errors to fix". For the
 * annotated copy's Feedback sheet and the portal, so they say what the email says.
 */
export function resultHeadline(outcome: Outcome): string {
  // Alone on a sheet or a page, a bare "Accepted" reads as if something were missing.
  const phrase =
    outcome.counts.fatal === 0 && outcome.status === 'accepted' && outcome.counts.warnings === 0
      ? 'accepted: no problems found'
      : resultPhrase(outcome);
  return `${phrase.charAt(0).toUpperCase()}${phrase.slice(1)}`;
}

function warningsTail(counts: Counts): string {
  return counts.warnings > 0 ? `, and ${count(counts.warnings, 'warning')}` : '';
}

/** "3 errors, 1 warning": a submission's findings in a table cell. */
export function findingsTally(counts: Pick<Counts, 'fatal' | 'errors' | 'warnings'>): string {
  return `${count(counts.fatal + counts.errors, 'error')}, ${count(counts.warnings, 'warning')}`;
}

/** The headings of the findings, by severity, for a return in a given state. */
export function findingsHeading(severity: 'fatal' | 'error' | 'warning', status: Outcome['status']): string {
  switch (severity) {
    case 'fatal':
      return 'Could not be checked';
    case 'error':
      return 'Errors: these must be fixed before the return can be accepted';
    case 'warning':
      // Under a "not accepted" headline a warning must not say the return is accepted.
      return status === 'rejected'
        ? 'Warnings: once the errors are fixed, correct each of these or explain it in the explanations table'
        : 'Warnings: the return is accepted; please correct each of these or explain it in the explanations table';
  }
}

/**
 * The tag before a finding's message: `R07, Better off, C7:C11`. The rule ID is what an
 * explanation row names; internal codes (value.*) stay in the JSON report.
 */
export function findingTag(
  finding: Pick<ValidationReport['findings'][number], 'ruleId' | 'sheet' | 'cell'>,
): string {
  return [finding.ruleId, whereOf(finding)].filter(Boolean).join(', ');
}

/** Where a finding is, as every message names it: `Better off, C7:C11`. */
export function whereOf(finding: Pick<ValidationReport['findings'][number], 'sheet' | 'cell'>): string {
  if (!finding.sheet) return '';
  return `${finding.sheet}${finding.cell ? `, ${finding.cell}` : ''}`;
}

/** A submission's status in words, for lists a person reads; the codes stay in --json. */
export const SUBMISSION_STATUS_WORDS: Record<SubmissionStatus, string> = {
  accepted: 'accepted',
  'accepted-with-warnings': 'accepted, with warnings',
  rejected: 'not accepted',
  superseded: 'replaced by a later file',
};
