/**
 * Send reminders, chasers and the staff digest: the use case behind the daily
 * schedule (EventBridge in AWS, a timer on the local stack, `returns remind`).
 *
 * input: today (from the clock)
 * steps: find the quarters whose reminder or chaser falls on or shortly before
 *        today → read their current returns and submissions (one query a
 *        year) and the notices already claimed (one query a quarter) → plan
 *        one notice per site without an accepted return, and the digest if
 *        this week's is due → for each: claim it in the table, send it, mark
 *        it sent (or release the claim if sending failed)
 * output: what was sent, skipped (and why) and failed
 *
 * However often the schedule fires, each (site, quarter, kind) and each
 * week's digest is sent once: the claim is a conditional write, so two runs at
 * once cannot both win it, and a run that dies after claiming leaves a claim
 * that goes stale and is taken again. A site with an accepted return is never
 * reminded or chased. A notice the schedule could not send on its day still
 * goes up to `catchUpDays` later, never after (a chaser a month late helps
 * nobody, and a first deployment must not mail every quarter since 2025).
 */
import { type CompletenessCell, completeness } from '../aggregation/completeness.js';
import type { FeedbackEmail } from '../feedback/feedback-email.js';
import {
  composeDigestEmail,
  composeSiteNotice,
  type DigestQuarter,
  daysBetween,
  mondayOf,
  type RejectedFile,
} from '../feedback/reminder-email.js';
import {
  addDays,
  comparePeriods,
  formatPeriod,
  formatYear,
  nextPeriod,
  type Period,
  parsePeriod,
  periodContaining,
  periodEnd,
  previousPeriod,
} from '../programme/periods.js';
import type { ReferenceData } from '../reference/reference-data.js';
import type { CurrentReturn, Submission } from '../returns/submission.js';
import type { Log, Mailer, Notice, NoticeKind, NoticeRecord, SubmissionStore } from './ports.js';

export interface SendRemindersDeps {
  readonly store: Pick<SubmissionStore, 'yearOverview' | 'claimNotice' | 'finishNotice' | 'notices'>;
  readonly mailer: Mailer;
  readonly reference: Pick<ReferenceData, 'programme' | 'sites'>;
  readonly log: Log;
  readonly clock: () => Date;
  /** A claim older than this whose sender never finished is taken to have died. */
  readonly claimStaleSeconds?: number;
}

export interface PlannedNotice extends Notice {
  readonly email: FeedbackEmail;
}

export interface SkippedNotice {
  readonly kind: NoticeKind;
  readonly period: string;
  readonly about: string;
  readonly reason: string;
}

export interface ReminderPlan {
  readonly today: string;
  readonly notices: readonly PlannedNotice[];
  readonly skipped: readonly SkippedNotice[];
}

export interface ReminderOutcome extends ReminderPlan {
  readonly sent: readonly PlannedNotice[];
  /** Claimed by another run in the meantime: sent once, by it. */
  readonly alreadyClaimed: readonly PlannedNotice[];
  readonly failed: ReadonlyArray<{ readonly notice: PlannedNotice; readonly error: string }>;
}

const DEFAULT_CLAIM_STALE_SECONDS = 15 * 60;
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
/** The digest looks back over this many quarters that have ended. */
const DIGEST_QUARTERS = 4;
/** A quarter fully accepted drops out of the digest this many days after its due date. */
const DIGEST_SETTLED_DAYS = 35;

/** Plans and sends today's notices. With `dryRun`, plans only: nothing is claimed or sent. */
export async function sendReminders(
  deps: SendRemindersDeps,
  options: { readonly today?: string; readonly dryRun?: boolean } = {},
): Promise<ReminderOutcome> {
  const today = options.today ?? deps.clock().toISOString().slice(0, 10);
  const plan = await planReminders(deps, today, deps.clock().toISOString());
  const outcome = {
    ...plan,
    sent: [] as PlannedNotice[],
    alreadyClaimed: [] as PlannedNotice[],
    failed: [] as Array<{ notice: PlannedNotice; error: string }>,
  };
  if (options.dryRun) return outcome;
  const stale = deps.claimStaleSeconds ?? DEFAULT_CLAIM_STALE_SECONDS;
  for (const notice of plan.notices) {
    const { email: _email, ...record } = notice;
    if (!(await deps.store.claimNotice(record, deps.clock().toISOString(), stale))) {
      outcome.alreadyClaimed.push(notice);
      continue;
    }
    try {
      await deps.mailer.send(notice.email);
    } catch (error) {
      // Released, so tomorrow's run (or Lambda's retry of this one) tries again.
      await deps.store.finishNotice(record, 'released', deps.clock().toISOString());
      deps.log.error('a notice could not be sent', { ...keyOf(notice), error: String(error) });
      outcome.failed.push({ notice, error: String(error) });
      continue;
    }
    await deps.store.finishNotice(record, 'sent', deps.clock().toISOString());
    deps.log.info('notice sent', { ...keyOf(notice), to: notice.to.length });
    outcome.sent.push(notice);
  }
  return outcome;
}

/** What today's run would send, read from the store: no writes. */
export async function planReminders(
  deps: Pick<SendRemindersDeps, 'store' | 'reference' | 'claimStaleSeconds'>,
  today: string,
  now: string,
): Promise<ReminderPlan> {
  const { programme } = deps.reference;
  const staleBefore = new Date(
    Date.parse(now) - (deps.claimStaleSeconds ?? DEFAULT_CLAIM_STALE_SECONDS) * 1000,
  ).toISOString();
  // A claim still stands unless released, or left 'sending' by a run that died.
  const stands = (record: NoticeRecord | undefined): record is NoticeRecord =>
    record !== undefined &&
    (record.state === 'sent' || (record.state === 'sending' && record.claimedAt >= staleBefore));
  const siteQuarters = dueSiteNotices(deps.reference, today);
  const digest = digestDue(deps.reference, today);
  const digestPeriods = digest ? digestCandidates(deps.reference, today) : [];

  // One query a financial year for returns, one a quarter for notices.
  const periods = uniquePeriods([...siteQuarters.map((entry) => entry.period), ...digestPeriods]);
  const years = [...new Set(periods.map((period) => formatYear(period.startYear)))];
  const overviews = await Promise.all(years.map((year) => deps.store.yearOverview(year)));
  // As of today: a run for an earlier day (a dry run, or a re-run of a missed day) ignores later files.
  const byToday = (entry: { receivedAt: string }) => entry.receivedAt.slice(0, 10) <= today;
  const submissions = overviews.flatMap((overview) => overview.submissions).filter(byToday);
  const current = overviews.flatMap((overview) => overview.current).filter(byToday);
  const noticePeriods = uniquePeriods([...periods, ...(digest ? [digest.period] : [])]).map(formatPeriod);
  const claimed = (await Promise.all(noticePeriods.map((period) => deps.store.notices(period)))).flat();
  const claimOf = (kind: NoticeKind, period: string, about: string) =>
    claimed.find((record) => record.kind === kind && record.period === period && record.about === about);

  const notices: PlannedNotice[] = [];
  const skipped: SkippedNotice[] = [];
  for (const { kind, period } of siteQuarters) {
    const periodText = formatPeriod(period);
    const dueDate = programme.dueDate(period);
    for (const site of deps.reference.sites.sites) {
      const key = { kind, period: periodText, about: site.code };
      const accepted = current.find((entry) => entry.site === site.code && entry.period === periodText);
      if (accepted) {
        skipped.push({ ...key, reason: `accepted return received ${accepted.receivedAt.slice(0, 10)}` });
        continue;
      }
      const earlier = claimOf(kind, periodText, site.code);
      if (stands(earlier)) {
        skipped.push({ ...key, reason: describeClaim(earlier) });
        continue;
      }
      const rejected = latestRejected(submissions, site.code, periodText);
      const recipients = recipientsFor(site.contacts, current, site.code);
      const email = composeSiteNotice({
        kind,
        site,
        period,
        dueDate,
        today,
        programme,
        recipients,
        ...(rejected ? { rejected } : {}),
      });
      notices.push({ ...key, to: recipients, subject: email.subject, email });
    }
  }

  if (digest) {
    const key = { kind: 'digest' as const, period: formatPeriod(digest.period), about: digest.week };
    const earlier = claimOf('digest', key.period, key.about);
    if (stands(earlier)) {
      skipped.push({ ...key, reason: describeClaim(earlier) });
    } else {
      // The digest goes after this run's reminders and chasers, so it lists them as sent too.
      const thisRun: NoticeRecord[] = notices.map(({ email: _email, ...notice }) => ({
        ...notice,
        state: 'sent',
        claimedAt: `${today}T00:00:00.000Z`,
        attempts: 1,
      }));
      const email = digestEmail(deps.reference, today, digest.week, digestPeriods, submissions, current, [
        ...claimed,
        ...thisRun,
      ]);
      notices.push({ ...key, to: email.to, subject: email.subject, email });
    }
  }
  return { today, notices, skipped };
}

/**
 * The quarters whose reminder or chaser window contains today. The reminder
 * window runs from `daysBeforeDue` before the due date for `catchUpDays`,
 * never past the due date itself; the chaser's from `chaseDaysAfterDue` after.
 */
export function dueSiteNotices(
  reference: Pick<ReferenceData, 'programme'>,
  today: string,
): Array<{ kind: 'reminder' | 'chaser'; period: Period }> {
  const { programme } = reference;
  const { daysBeforeDue, chaseDaysAfterDue, catchUpDays } = programme.reminders;
  const found: Array<{ kind: 'reminder' | 'chaser'; period: Period }> = [];
  // Due dates fall at most a few months after a quarter: look at this quarter and the three before.
  let period = periodContaining(today);
  for (let step = 0; step < 4; step++, period = previousPeriod(period)) {
    if (!programme.includes(period)) continue;
    const due = programme.dueDate(period);
    const remindFrom = addDays(due, -daysBeforeDue);
    const remindTo = minDate(addDays(remindFrom, catchUpDays), due);
    if (today >= remindFrom && today <= remindTo) found.push({ kind: 'reminder', period });
    const chaseFrom = addDays(due, chaseDaysAfterDue);
    if (today >= chaseFrom && today <= addDays(chaseFrom, catchUpDays))
      found.push({ kind: 'chaser', period });
  }
  return found.sort((a, b) => comparePeriods(a.period, b.period));
}

/** This week's digest, if today is its day or within the catch-up days after it (in the same week). */
export function digestDue(
  reference: Pick<ReferenceData, 'programme'>,
  today: string,
): { week: string; period: Period } | undefined {
  const { digestDay, catchUpDays } = reference.programme.reminders;
  const week = mondayOf(today);
  const day = addDays(week, WEEKDAYS.indexOf(digestDay));
  const last = minDate(addDays(day, catchUpDays), addDays(week, 6));
  if (today < day || today > last) return undefined;
  return { week, period: periodContaining(week) };
}

/** The quarters the digest may speak of: the last few that have ended, within the programme. */
function digestCandidates(reference: Pick<ReferenceData, 'programme'>, today: string): Period[] {
  const found: Period[] = [];
  let period = previousPeriod(periodContaining(today));
  for (let step = 0; step < DIGEST_QUARTERS; step++, period = previousPeriod(period)) {
    if (reference.programme.includes(period) && periodEnd(period) < today) found.push(period);
  }
  return found.reverse();
}

function digestEmail(
  reference: Pick<ReferenceData, 'programme' | 'sites'>,
  today: string,
  week: string,
  periods: readonly Period[],
  submissions: readonly Submission[],
  current: readonly CurrentReturn[],
  claimed: readonly NoticeRecord[],
): FeedbackEmail {
  const { programme, sites } = reference;
  const cells = completeness({
    sites: sites.sites.map((site) => site.code),
    periods,
    programme,
    submissions,
    current,
    now: new Date(`${today}T12:00:00Z`),
  });
  const quarters: DigestQuarter[] = [];
  for (const period of periods) {
    const periodText = formatPeriod(period);
    const ofQuarter = cells.filter((cell) => cell.period === periodText);
    const dueDate = programme.dueDate(period);
    const settled = ofQuarter.every(isAccepted) && daysBetween(dueDate, today) > DIGEST_SETTLED_DAYS;
    if (!settled) quarters.push({ period, dueDate, cells: ofQuarter });
  }
  const thisQuarter = periodContaining(today);
  const next = [previousPeriod(thisQuarter), thisQuarter, nextPeriod(thisQuarter)].find(
    (period) => programme.dueDate(period) >= today,
  ) as Period;
  const weekAgo = addDays(today, -7);
  const sentThisWeek = claimed
    .filter(
      (record): record is NoticeRecord & { kind: 'reminder' | 'chaser' } =>
        record.kind !== 'digest' &&
        record.state === 'sent' &&
        (record.finishedAt ?? record.claimedAt).slice(0, 10) > weekAgo,
    )
    .map((record) => ({
      kind: record.kind,
      site: record.about,
      period: (parsePeriod(record.period) as { period: Period }).period,
      at: record.finishedAt ?? record.claimedAt,
    }))
    .sort((a, b) => a.at.localeCompare(b.at));
  return composeDigestEmail({
    programme,
    sites: sites.sites,
    today,
    week,
    recipients: programme.reminders.staffEmails,
    quarters,
    ...(programme.includes(next) ? { next: { period: next, dueDate: programme.dueDate(next) } } : {}),
    sentThisWeek,
  });
}

function isAccepted(cell: CompletenessCell): boolean {
  return cell.state === 'accepted' || cell.state === 'accepted-with-unexplained-warnings';
}

/** The site's latest file for the quarter, when none was accepted (superseded files were accepted once). */
function latestRejected(
  submissions: readonly Submission[],
  site: string,
  period: string,
): RejectedFile | undefined {
  const latest = submissions
    .filter((submission) => submission.site === site && submission.period === period)
    .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt))
    .at(-1);
  if (latest?.status !== 'rejected') return undefined;
  return {
    fileName: latest.s3Key.split('/').at(-1) ?? latest.s3Key,
    receivedAt: latest.receivedAt,
    errors: latest.counts.errors,
    unreadable: latest.counts.fatal > 0,
  };
}

/**
 * The registered contacts, and the contact named in the site's latest accepted
 * return (feedback goes there too), once each however they are capitalised.
 */
function recipientsFor(
  contacts: readonly string[],
  current: readonly CurrentReturn[],
  site: string,
): string[] {
  const latest = current
    .filter((entry) => entry.site === site)
    .sort((a, b) => a.period.localeCompare(b.period))
    .at(-1);
  const named = latest?.values.items['META.CONTACT_EMAIL'];
  const all = [
    ...contacts,
    ...(typeof named === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(named) ? [named.trim()] : []),
  ];
  const seen = new Set<string>();
  return all.filter((address) => {
    const key = address.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describeClaim(record: NoticeRecord): string {
  const when = (record.finishedAt ?? record.claimedAt).slice(0, 10);
  return record.state === 'sent'
    ? `already sent on ${when}`
    : `being sent by another run (claimed ${record.claimedAt})`;
}

function keyOf(notice: PlannedNotice) {
  return { kind: notice.kind, period: notice.period, about: notice.about };
}

function uniquePeriods(periods: readonly Period[]): Period[] {
  const seen = new Map<string, Period>();
  for (const period of periods) seen.set(formatPeriod(period), period);
  return [...seen.values()].sort(comparePeriods);
}

function minDate(a: string, b: string): string {
  return a < b ? a : b;
}
