/**
 * `returns remind`: the daily reminder run by hand. With --dry-run it lists
 * what today's run (or --today's) would send and why each other site is left
 * out, claiming and sending nothing; without it, it sends through the stack,
 * exactly as the schedule does, so nothing already sent goes again.
 */
import { UsageError } from '../errors.js';
import { describePeriod, longDate, type Period, parsePeriod } from '../programme/periods.js';
import type { Mailer } from '../submissions/ports.js';
import { type ReminderOutcome, sendReminders } from '../submissions/send-reminders.js';
import type { Command } from './command.js';
import { cliReferenceData } from './reference.js';
import { connectToStack, stackMailer } from './stack-connection.js';

export const remindCommand: Command = {
  usage: 'returns remind [--dry-run] [--today 2025-10-20] [--json]',
  options: {
    'dry-run': { type: 'boolean', default: false },
    today: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new UsageError(`Usage: ${this.usage}`);
    const dryRun = values['dry-run'] === true;
    const today =
      values.today === undefined
        ? new Date().toISOString().slice(0, 10)
        : dateFromUser(values.today as string);
    const onAws = process.env.RETURNS_STACK === 'aws';
    if (!dryRun && onAws && values.today !== undefined && today !== new Date().toISOString().slice(0, 10)) {
      throw new UsageError(
        'On the deployed stack, --today is for --dry-run only: a reminder sent as of another day would tell sites the wrong number of days.',
      );
    }
    const reference = cliReferenceData();
    const stack = connectToStack();
    const mailer = dryRun ? refusingMailer() : stackMailer(onAws);
    try {
      const outcome = await sendReminders(
        {
          store: stack.store,
          mailer: mailer.mailer,
          reference,
          // The summary below says what was sent; only problems go to stderr, as JSON lines.
          // Problems to stderr in plain lines; what was sent is the command's own output.
          log: {
            info: () => {},
            warn: (message, detail) => process.stderr.write(`${message} ${JSON.stringify(detail ?? {})}\n`),
            error: (message, detail) => process.stderr.write(`${message} ${JSON.stringify(detail ?? {})}\n`),
          },
          clock: () => new Date(),
        },
        { today, dryRun },
      );
      if (values.json) {
        process.stdout.write(`${JSON.stringify(asJson(outcome, dryRun), null, 2)}\n`);
      } else {
        process.stdout.write(describeOutcome(outcome, dryRun, stack.where, reference.sites.sites));
      }
      return outcome.failed.length > 0 ? 1 : 0;
    } finally {
      mailer.close();
      stack.close();
    }
  },
};

function dateFromUser(text: string): string {
  const trimmed = text.trim();
  const valid =
    /^\d{4}-\d{2}-\d{2}$/.test(trimmed) &&
    !Number.isNaN(Date.parse(`${trimmed}T00:00:00Z`)) &&
    new Date(`${trimmed}T00:00:00Z`).toISOString().slice(0, 10) === trimmed;
  if (!valid) throw new UsageError(`"${trimmed}" is not a date: write it like 2025-10-20.`);
  return trimmed;
}

function refusingMailer(): { mailer: Mailer; close(): void } {
  return {
    mailer: {
      send: async () => {
        throw new Error('a dry run sends nothing');
      },
    },
    close: () => {},
  };
}

type SiteLike = { code: string; shortName: string };

function describeOutcome(
  outcome: ReminderOutcome,
  dryRun: boolean,
  where: string,
  sites: readonly SiteLike[],
): string {
  const nameOf = (about: string) =>
    sites.find((site) => site.code === about)?.shortName ?? `week of ${longDate(about)}`;
  const quarter = (period: string) => describePeriod((parsePeriod(period) as { period: Period }).period);
  // A digest covers several quarters: its filing quarter means nothing to a reader.
  const what = (notice: { kind: string; period: string }) =>
    notice.kind === 'digest' ? '' : quarter(notice.period);
  const lines = [
    `Reminders for ${longDate(outcome.today)} on ${where}${dryRun ? ': a dry run, nothing is sent' : ''}.`,
    '',
  ];
  const planned = dryRun ? outcome.notices : outcome.sent;
  if (outcome.notices.length === 0 && outcome.skipped.length === 0) {
    lines.push(
      `Nothing is due on ${longDate(outcome.today)}: reminders go before each due date, chasers after it, and the staff digest once a week (templates/programme.yaml, reminders).`,
    );
    return `${lines.join('\n')}\n`;
  }
  lines.push(dryRun ? `Would send ${planned.length}:` : `Sent ${planned.length}:`);
  for (const notice of planned) {
    lines.push(
      `  ${notice.kind.padEnd(9)} ${what(notice).padEnd(11)} ${nameOf(notice.about).padEnd(24)} to ${notice.to.join(', ')}`,
      `  ${''.padEnd(9)} "${notice.subject}"`,
    );
  }
  if (planned.length === 0) lines.push('  none');
  if (outcome.alreadyClaimed.length > 0) {
    lines.push('', `Sent by another run at the same time (${outcome.alreadyClaimed.length}):`);
    for (const notice of outcome.alreadyClaimed)
      lines.push(`  ${notice.kind.padEnd(9)} ${what(notice).padEnd(11)} ${nameOf(notice.about)}`);
  }
  if (outcome.failed.length > 0) {
    lines.push('', `Could not send (${outcome.failed.length}); the next run tries again:`);
    for (const { notice, error } of outcome.failed)
      lines.push(`  ${notice.kind.padEnd(9)} ${what(notice).padEnd(11)} ${nameOf(notice.about)}: ${error}`);
  }
  if (outcome.skipped.length > 0) {
    lines.push('', 'Not sent:');
    for (const skipped of outcome.skipped)
      lines.push(
        `  ${skipped.kind.padEnd(9)} ${what(skipped).padEnd(11)} ${nameOf(skipped.about).padEnd(24)} ${skipped.reason}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

function asJson(outcome: ReminderOutcome, dryRun: boolean) {
  const strip = ({ email: _email, ...notice }: ReminderOutcome['notices'][number]) => notice;
  return {
    today: outcome.today,
    dryRun,
    ...(dryRun ? { wouldSend: outcome.notices.map(strip) } : { sent: outcome.sent.map(strip) }),
    alreadyClaimed: outcome.alreadyClaimed.map(strip),
    failed: outcome.failed.map(({ notice, error }) => ({ ...strip(notice), error })),
    skipped: outcome.skipped,
  };
}
