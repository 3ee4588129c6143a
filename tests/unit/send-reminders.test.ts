/**
 * Reminders, chasers and the digest with a fixed clock, day by day across a
 * whole quarter: exactly the expected emails, none twice, none to a site with
 * an accepted return, however often the schedule fires.
 */
import { describe, expect, it } from 'vitest';
import type { FeedbackEmail } from '../../functions/src/feedback/feedback-email.js';
import { addDays } from '../../functions/src/programme/periods.js';
import type { Log, Mailer } from '../../functions/src/submissions/ports.js';
import { dueSiteNotices, sendReminders } from '../../functions/src/submissions/send-reminders.js';
import { MemoryReminderStore } from '../support/memory-store.js';
import { testReference } from '../support/reference.js';
import {
  EXPECTED_DIGEST_DAYS,
  EXPECTED_SITE_NOTICES,
  quarterScenario,
} from '../support/reminder-scenario.js';

const quiet: Log = { info: () => {}, warn: () => {}, error: () => {} };

function harness() {
  let now = new Date('2025-10-01T07:00:00Z');
  const scenario = quarterScenario();
  const store = new MemoryReminderStore(scenario.submissions, scenario.current, () => now);
  const sent: Array<{ day: string; email: FeedbackEmail }> = [];
  let failNext = 0;
  const mailer: Mailer = {
    send: async (email) => {
      if (failNext > 0) {
        failNext--;
        throw new Error('SES is unavailable');
      }
      sent.push({ day: now.toISOString().slice(0, 10), email });
    },
  };
  const deps = { store, mailer, reference: testReference(), log: quiet, clock: () => now };
  return {
    store,
    sent,
    deps,
    failNextSends: (count: number) => {
      failNext = count;
    },
    at: (day: string, time = '07:00:00') => {
      now = new Date(`${day}T${time}Z`);
    },
    run: () => sendReminders(deps),
  };
}

const BFD = 'monitoring@betterstartbradford.example';

describe('reminders across 2025-26 Q3 (1 October to 31 December 2025)', () => {
  it('sends exactly the expected notices, each once, though the schedule fires twice a day', async () => {
    const h = harness();
    for (let day = '2025-10-01'; day <= '2025-12-31'; day = addDays(day, 1)) {
      h.at(day, '07:00:00');
      await h.run();
      h.at(day, '07:05:00');
      const again = await h.run();
      expect(again.sent, `second run on ${day}`).toEqual([]);
    }
    const siteNotices = h.sent
      .filter(({ email }) => !email.subject.startsWith('Monitoring returns'))
      .map(({ day, email }) => {
        const kind = email.subject.startsWith('Reminder') ? 'reminder' : 'chaser';
        const site = testReference().sites.sites.find((s) =>
          email.to.includes(s.contacts[0] as string),
        )?.code;
        return `${day} ${kind} ${site}`;
      })
      .sort();
    expect(siteNotices).toEqual(EXPECTED_SITE_NOTICES);
    const digests = h.sent.filter(({ email }) => email.subject.startsWith('Monitoring returns'));
    expect(digests.map(({ day }) => day)).toEqual(EXPECTED_DIGEST_DAYS);
    for (const { email } of digests) expect(email.to).toEqual(['monitoring@funder.example']);
    // Blackpool accepted before any reminder: never mailed.
    expect(h.sent.some(({ email }) => email.to.includes('data@blackpool-betterstart.example'))).toBe(false);
  });

  it('two runs at the same moment send each notice once', async () => {
    const h = harness();
    h.at('2025-10-20');
    const [first, second] = await Promise.all([h.run(), h.run()]);
    expect(first.sent.length + second.sent.length).toBe(5); // four reminders and the digest
    expect(h.sent).toHaveLength(5);
    expect(new Set(h.sent.map(({ email }) => email.subject)).size).toBe(5);
  });

  it('a reminder says how many days are left, what to send and where; a chaser how late it is', async () => {
    const h = harness();
    h.at('2025-10-20');
    await h.run();
    h.at('2025-10-31');
    await h.run();
    const toBradford = h.sent.filter(({ email }) => email.to.includes(BFD)).map(({ email }) => email);
    expect(toBradford.map((email) => email.subject)).toEqual([
      'Reminder: Bradford 2025-26 Q2 return due by 30 October 2025 (10 days to go)',
      'Overdue: Bradford 2025-26 Q2 return was due on 30 October 2025',
    ]);
    const [reminder, chaser] = toBradford as [FeedbackEmail, FeedbackEmail];
    expect(reminder.text).toContain(
      'Your 2025-26 Q2 monitoring return (July to September 2025) is due by Thursday 30 October 2025: 10 days from today.',
    );
    // Bradford sent a file with errors: the reminder names it rather than ignoring it.
    expect(reminder.text).toContain(
      'We received BFD-2025-26-Q2.xlsx on 18 October 2025 at 15:30, but it has 3 errors to fix, so it has not been accepted yet.',
    );
    expect(reminder.text).toContain('WHAT TO SEND');
    expect(reminder.text).toContain('your partnership’s template for 2025-26 Q2, filled in');
    expect(reminder.text).toContain('WHERE TO SEND IT');
    expect(chaser.text).toContain('it is now 1 day late');
    expect(chaser.text).toContain('which items you cannot report this quarter');
    // The contact named in the latest accepted return hears too.
    expect(reminder.to).toEqual([BFD, 'named.person@bfd.example']);
    expect(reminder.html).toContain('<strong>Your 2025-26 Q2 monitoring return');
  });

  it('with the portal deployed, says to upload it there and links to it', async () => {
    const reference = testReference();
    const programme = Object.assign(
      Object.create(Object.getPrototypeOf(reference.programme)),
      reference.programme,
      {
        portalUrl: 'https://returns.funder.example/',
      },
    );
    const h = harness();
    h.at('2025-10-20');
    const outcome = await sendReminders(
      { ...h.deps, reference: { ...reference, programme } },
      { dryRun: true },
    );
    const reminder = outcome.notices.find((notice) => notice.kind === 'reminder')?.email as FeedbackEmail;
    expect(reminder.text).toContain(
      'Upload it on the monitoring portal, where you can also see what you sent before:\nhttps://returns.funder.example/',
    );
    expect(reminder.html).toContain('<a href="https://returns.funder.example/">');
    expect(reminder.text).not.toContain('the way you sent your last return');
  });

  it('the digest lists who is missing, late or rejected, and what was sent that week', async () => {
    const h = harness();
    h.at('2025-10-31');
    await h.run();
    h.at('2025-11-03', '07:00:00');
    await h.run();
    const digest = h.sent.find(
      ({ day, email }) => day === '2025-11-03' && email.subject.startsWith('Monitoring'),
    );
    expect(digest?.email.subject).toBe('Monitoring returns, week of 3 November 2025: 3 returns overdue');
    const text = digest?.email.text ?? '';
    expect(text).toContain('2025-26 Q2 (JULY TO SEPTEMBER 2025): DUE 30 OCTOBER 2025 (4 DAYS AGO)');
    expect(text).toContain('2 of 5 accepted (2 on time, 0 late).');
    expect(text).toContain('- Bradford: 1 file received, none accepted; 4 days late');
    expect(text).toContain('- Southend: nothing received; 4 days late');
    expect(text).toContain('- Chaser to Southend for 2025-26 Q2, 31 October 2025');
    // Q1 was all accepted months ago: settled, not repeated every week.
    expect(text).not.toContain('2025-26 Q1 (');
    expect(text).toContain('Next due: 2025-26 Q3 returns, by 30 January 2026.');
  });

  it('a failed send is released and goes on the next run; the others are not sent again', async () => {
    const h = harness();
    h.at('2025-10-20');
    h.failNextSends(1);
    const first = await h.run();
    expect(first.failed).toHaveLength(1);
    expect(first.sent).toHaveLength(4);
    h.at('2025-10-21');
    const second = await h.run();
    expect(second.sent.map((notice) => notice.about)).toEqual([first.failed[0]?.notice.about]);
  });

  it('a sender that died after claiming leaves a claim that is taken again once stale', async () => {
    const h = harness();
    h.at('2025-10-20');
    const notice = {
      kind: 'reminder' as const,
      period: '2025-26-Q2',
      about: 'SEN',
      to: ['x@y.example'],
      subject: 's',
    };
    expect(await h.store.claimNotice(notice, '2025-10-20T06:00:00.000Z', 900)).toBe(true);
    const outcome = await h.run();
    expect(outcome.sent.map((n) => n.about)).toContain('SEN');
    expect(h.store.records.get('2025-26-Q2 reminder SEN')?.attempts).toBe(2);
  });

  it('catches up a few days when the schedule did not run, and never mails long-past quarters', async () => {
    expect(dueSiteNotices(testReference(), '2025-10-26').map((n) => n.kind)).toEqual(['reminder']);
    expect(dueSiteNotices(testReference(), '2025-10-27')).toEqual([]);
    expect(dueSiteNotices(testReference(), '2025-10-30')).toEqual([]);
    expect(dueSiteNotices(testReference(), '2025-11-06').map((n) => n.kind)).toEqual(['chaser']);
    expect(dueSiteNotices(testReference(), '2025-11-07')).toEqual([]);
    // Before the programme's first quarter there is nothing to remind anyone of.
    expect(dueSiteNotices(testReference(), '2025-03-01')).toEqual([]);
    const h = harness();
    h.at('2025-10-23'); // a Thursday: three days late for the reminders and the week's digest
    const late = await h.run();
    expect(late.sent.map((n) => `${n.kind} ${n.about}`)).toEqual([
      'reminder BFD',
      'reminder LAM',
      'reminder NOT',
      'reminder SEN',
      'digest 2025-10-20',
    ]);
    expect(late.sent[0]?.email.subject).toContain('(7 days to go)');
  });

  it('a dry run plans without claiming or sending, and says why each site is skipped', async () => {
    const h = harness();
    h.at('2025-10-20');
    const plan = await sendReminders(h.deps, { dryRun: true });
    expect(plan.notices).toHaveLength(5);
    expect(h.sent).toEqual([]);
    expect(h.store.records.size).toBe(0);
    expect(plan.skipped).toEqual([
      { kind: 'reminder', period: '2025-26-Q2', about: 'BLK', reason: 'accepted return received 2025-10-15' },
    ]);
    await h.run();
    const after = await sendReminders(h.deps, { dryRun: true });
    expect(after.notices).toEqual([]);
    expect(after.skipped.filter((s) => s.reason.startsWith('already sent on 2025-10-20'))).toHaveLength(5);
  });
});
