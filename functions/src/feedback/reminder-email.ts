/**
 * Reminder, chaser and weekly digest emails: the notices the schedule sends.
 * Written like the feedback email: the point first (the quarter, the due date,
 * how many days are left or how late it is), then what to send and where, then
 * who to ask. A site that sent a file that was not accepted is told so, by
 * name and date, so nobody thinks the reminder ignores what they did. Text and
 * HTML say the same thing; everything that came from a return is escaped.
 *
 * input: the quarter's facts for one site (or every site, for the digest) → output: an email
 */

import type { CompletenessCell } from '../aggregation/completeness.js';
import { CANNOT_REPORT_POLICY } from '../dictionary/reporting-policy.js';
import {
  addDays,
  describePeriod,
  formatYear,
  longDate,
  type Period,
  periodMonths,
} from '../programme/periods.js';
import type { Programme } from '../programme/programme.js';
import type { Site } from '../programme/sites.js';
import { type EmailBlock, emailHtml, emailText } from './email-html.js';
import type { FeedbackEmail } from './feedback-email.js';
import { count, ukTime } from './wording.js';

/** A file the site sent for the quarter that was not accepted: the reason the reminder still goes. */
export interface RejectedFile {
  readonly fileName: string;
  readonly receivedAt: string;
  readonly errors: number;
  /** True when the file could not be read or checked at all. */
  readonly unreadable: boolean;
}

export interface SiteNoticeContext {
  readonly kind: 'reminder' | 'chaser';
  readonly site: Site;
  readonly period: Period;
  readonly dueDate: string;
  readonly today: string;
  readonly programme: Programme;
  readonly recipients: readonly string[];
  /** The latest file sent for the quarter, if one was sent and none was accepted. */
  readonly rejected?: RejectedFile;
}

export function composeSiteNotice(context: SiteNoticeContext): FeedbackEmail {
  const { site, period, dueDate, today, programme } = context;
  const quarter = describePeriod(period);
  const days = daysBetween(today, dueDate);
  const due = `${weekday(dueDate)} ${longDate(dueDate)}`;
  const subject =
    context.kind === 'reminder'
      ? `Reminder: ${site.shortName} ${quarter} return due by ${longDate(dueDate)} (${count(days, 'day')} to go)`
      : `Overdue: ${site.shortName} ${quarter} return was due on ${longDate(dueDate)}`;

  const blocks: EmailBlock[] = [{ kind: 'paragraph', text: `Hello ${site.name} team,` }];
  if (context.kind === 'reminder') {
    blocks.push({
      kind: 'paragraph',
      strong: true,
      text: `Your ${quarter} monitoring return (${periodMonths(period)}) is due by ${due}: ${days === 0 ? 'today' : `${count(days, 'day')} from today`}. We have not yet received an accepted return for this quarter.`,
    });
  } else {
    blocks.push({
      kind: 'paragraph',
      strong: true,
      text: `Your ${quarter} monitoring return (${periodMonths(period)}) was due by ${due}, and we have not received an accepted return: it is now ${count(-days, 'day')} late.`,
    });
  }
  if (context.rejected) blocks.push({ kind: 'paragraph', text: describeRejected(context.rejected) });
  if (context.kind === 'chaser') {
    blocks.push({
      kind: 'paragraph',
      text: `Please send it as soon as you can. If something is stopping you, such as a change of data system or a figure you cannot get, reply to ${programme.helpEmail} and tell us. A return that says in the explanations table which items you cannot report this quarter, and why, is far better than none: those items are shown as not reported, never as zero.`,
    });
  }

  blocks.push({ kind: 'heading', text: 'What to send' });
  blocks.push({
    kind: 'paragraph',
    text: `The ${quarter} return workbook for ${site.name}: your partnership’s template for ${quarter}, filled in. The Instructions sheet says what each figure means. ${CANNOT_REPORT_POLICY} Explain any warning in the explanations table on the Commentary sheet.`,
  });
  blocks.push({ kind: 'heading', text: 'Where to send it' });
  if (programme.portalUrl) {
    blocks.push({
      kind: 'link',
      text: `Upload it on the monitoring portal, where you can also see what you sent before`,
      href: programme.portalUrl,
    });
  } else {
    blocks.push({
      kind: 'paragraph',
      text: `Send it the way you sent your last return. If you are not sure how, reply to ${programme.helpEmail} and we will tell you.`,
    });
  }
  blocks.push({
    kind: 'paragraph',
    text: 'Within a minute of sending it you will get an email saying whether it was accepted, with anything to fix listed by sheet and cell.',
  });
  blocks.push({
    kind: 'paragraph',
    text: `If you sent it in the last few minutes, thank you: this ${context.kind} crossed with it and you can ignore it.`,
  });
  blocks.push({ kind: 'paragraph', text: `Questions? Reply to ${programme.helpEmail}.` });
  blocks.push({ kind: 'paragraph', text: `${programme.funder}, ${programme.name} monitoring` });
  return {
    to: context.recipients,
    subject,
    text: `${emailText(blocks)}\n`,
    html: emailHtml(subject, blocks),
  };
}

function describeRejected(file: RejectedFile): string {
  const received = `${longDate(file.receivedAt.slice(0, 10))} at ${ukTime(file.receivedAt)}`;
  if (file.unreadable) {
    return `We received ${file.fileName} on ${received}, but could not check it, so it has not been recorded as your return. The feedback email we sent then says why; please send the workbook again.`;
  }
  return `We received ${file.fileName} on ${received}, but it has ${count(file.errors, 'error')} to fix, so it has not been accepted yet. The feedback email we sent then lists ${file.errors === 1 ? 'it' : 'each one'} with its sheet and cell; your corrected file replaces it.`;
}

/** One quarter as the digest shows it. */
export interface DigestQuarter {
  readonly period: Period;
  readonly dueDate: string;
  /** One cell per site, in registry order. */
  readonly cells: readonly CompletenessCell[];
}

export interface DigestContext {
  readonly programme: Programme;
  readonly sites: readonly Site[];
  readonly today: string;
  /** The Monday of the week the digest is for. */
  readonly week: string;
  readonly recipients: readonly string[];
  /** Quarters with something to say: recently due, or still waiting for a return. */
  readonly quarters: readonly DigestQuarter[];
  /** The next quarter whose return falls due, and when. */
  readonly next?: { readonly period: Period; readonly dueDate: string };
  /** Reminders and chasers sent in the seven days before the digest. */
  readonly sentThisWeek: ReadonlyArray<{
    readonly kind: 'reminder' | 'chaser';
    readonly site: string;
    readonly period: Period;
    readonly at: string;
  }>;
}

export function composeDigestEmail(context: DigestContext): FeedbackEmail {
  const { programme, today } = context;
  const nameOf = (code: string) => context.sites.find((site) => site.code === code)?.shortName ?? code;
  const waiting = context.quarters.flatMap((quarter) => quarter.cells.filter((cell) => !isAccepted(cell)));
  const overdue = waiting.filter((cell) => today > cell.dueDate).length;
  const awaited = waiting.length - overdue;
  const subject = `Monitoring returns, week of ${longDate(context.week)}: ${
    overdue === 0 ? 'nothing overdue' : `${count(overdue, 'return')} overdue`
  }${awaited > 0 ? `, ${awaited} more awaited` : ''}`;
  const blocks: EmailBlock[] = [{ kind: 'paragraph', text: 'Hello,' }];
  const lead =
    overdue === 0
      ? `As of ${longDate(today)}, every return that has fallen due has been accepted.`
      : `As of ${longDate(today)}, ${count(overdue, 'return')} past ${overdue === 1 ? 'its' : 'their'} due date ${overdue === 1 ? 'has' : 'have'} not been accepted.`;
  blocks.push({
    kind: 'paragraph',
    strong: true,
    text: `${lead}${awaited > 0 ? ` ${awaited} more ${awaited === 1 ? 'is' : 'are'} awaited before ${awaited === 1 ? 'its' : 'their'} due date.` : ''}`,
  });
  for (const quarter of context.quarters) {
    const accepted = quarter.cells.filter(isAccepted);
    const onTime = accepted.filter((cell) => !cell.late).length;
    const days = daysBetween(today, quarter.dueDate);
    const when = days > 0 ? `in ${count(days, 'day')}` : days === 0 ? 'today' : `${count(-days, 'day')} ago`;
    blocks.push({
      kind: 'heading',
      text: `${describePeriod(quarter.period)} (${periodMonths(quarter.period)}): due ${longDate(quarter.dueDate)} (${when})`,
    });
    blocks.push({
      kind: 'paragraph',
      text: `${accepted.length} of ${quarter.cells.length} accepted${accepted.length > 0 ? ` (${onTime} on time, ${accepted.length - onTime} late)` : ''}.`,
    });
    blocks.push({
      kind: 'list',
      items: quarter.cells.map((cell) => `${nameOf(cell.site)}: ${describeCell(cell, today)}`),
    });
  }
  if (context.quarters.length === 0) {
    blocks.push({ kind: 'paragraph', text: 'No quarter is waiting for returns this week.' });
  }
  if (context.next) {
    blocks.push({
      kind: 'paragraph',
      text: `Next due: ${describePeriod(context.next.period)} returns, by ${longDate(context.next.dueDate)}.`,
    });
  }
  blocks.push({ kind: 'heading', text: 'Sent to sites in the last seven days' });
  if (context.sentThisWeek.length === 0) {
    blocks.push({ kind: 'paragraph', text: 'No reminders or chasers.' });
  } else {
    blocks.push({
      kind: 'list',
      items: context.sentThisWeek.map(
        (sent) =>
          `${sent.kind === 'reminder' ? 'Reminder' : 'Chaser'} to ${nameOf(sent.site)} for ${describePeriod(sent.period)}, ${longDate(sent.at.slice(0, 10))}`,
      ),
    });
  }
  if (programme.portalUrl) {
    blocks.push({ kind: 'link', text: 'See the completeness grid on the portal', href: programme.portalUrl });
  } else {
    blocks.push({
      kind: 'paragraph',
      text: `The whole grid: returns status --year ${formatYear((context.quarters.at(-1)?.period ?? context.next?.period ?? { startYear: Number(today.slice(0, 4)) }).startYear)}`,
    });
  }
  blocks.push({ kind: 'paragraph', text: `${programme.name} monitoring` });
  return {
    to: context.recipients,
    subject,
    text: `${emailText(blocks)}\n`,
    html: emailHtml(subject, blocks),
  };
}

function isAccepted(cell: CompletenessCell): boolean {
  return cell.state === 'accepted' || cell.state === 'accepted-with-unexplained-warnings';
}

function describeCell(cell: CompletenessCell, today: string): string {
  const daysLate = -daysBetween(today, cell.dueDate);
  switch (cell.state) {
    case 'accepted':
    case 'accepted-with-unexplained-warnings': {
      const received = cell.receivedAt ? longDate(cell.receivedAt.slice(0, 10)) : 'on file';
      const warnings = cell.state === 'accepted' ? '' : ', warnings not yet explained';
      return `accepted, received ${received}${cell.late ? ' (late)' : ''}${warnings}`;
    }
    case 'rejected':
      return `${count(cell.submissions, 'file')} received, none accepted${daysLate > 0 ? `; ${count(daysLate, 'day')} late` : ''}`;
    case 'missing':
      return `nothing received; ${count(daysLate, 'day')} late`;
    case 'not-yet-due':
      return 'nothing received yet (not yet due)';
    default:
      return cell.state satisfies never;
  }
}

/** Whole days from `from` to `to` (ISO dates): positive when `to` is later. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

function weekday(date: string): string {
  return new Date(`${date}T00:00:00Z`).toLocaleDateString('en-GB', { weekday: 'long', timeZone: 'UTC' });
}

/** The Monday of the week a date falls in (weeks run Monday to Sunday, as UK calendars do). */
export function mondayOf(date: string): string {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((day + 6) % 7));
}
