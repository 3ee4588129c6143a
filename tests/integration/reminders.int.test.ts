/**
 * Reminders on the emulators: the local timer's handler chain, the DynamoDB
 * claim (dynalite) and SES (aws-ses-v2-local). The days that matter in the
 * quarter, with the schedule firing twice, sometimes at the same moment:
 * exactly the expected emails arrive, none twice, none to a site with an
 * accepted return; and a claim is one conditional write however many race.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SesMailer } from '../../functions/src/adapters/ses-mailer.js';
import { type LocalReminders, startLocalReminders } from '../../functions/src/local/local-reminders.js';
import type { Log } from '../../functions/src/submissions/ports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { testReference } from '../support/reference.js';
import { EXPECTED_SITE_NOTICES, quarterScenario } from '../support/reminder-scenario.js';

let t: TestStack;
let reminders: LocalReminders;
let now = new Date('2025-10-01T07:00:00Z');
const quiet: Log = { info: () => {}, warn: () => {}, error: () => {} };

beforeAll(async () => {
  t = await startTestStack();
  reminders = startLocalReminders({
    store: t.store,
    mailer: new SesMailer(t.stack.clients.ses, t.stack.sender),
    reference: testReference(),
    log: quiet,
    clock: () => now,
    firstRunAfterMs: 3_600_000,
  });
});
afterAll(async () => {
  await reminders?.stop();
  await t?.stop();
});

/** Puts every fixture return received by `day` into the table, as the pipeline would have. */
async function arriveBy(day: string, done: Set<string>) {
  const scenario = quarterScenario();
  for (const submission of scenario.submissions) {
    if (submission.receivedAt.slice(0, 10) > day || done.has(submission.submissionId)) continue;
    done.add(submission.submissionId);
    await t.store.recordSubmission(submission);
    const current = scenario.current.find((entry) => entry.submissionId === submission.submissionId);
    if (current) await t.store.offerCurrent(current);
  }
}

describe('the reminder schedule on the local stack', () => {
  it('sends each expected notice once across the quarter, though it fires twice (and at once)', async () => {
    const done = new Set<string>();
    const days = [
      '2025-10-01',
      '2025-10-19',
      '2025-10-20',
      '2025-10-21',
      '2025-10-26',
      '2025-10-31',
      '2025-11-03',
    ];
    for (const day of days) {
      await arriveBy(day, done);
      now = new Date(`${day}T07:00:00Z`);
      await Promise.all([reminders.runNow(), reminders.runNow()]);
      now = new Date(`${day}T08:00:00Z`);
      await reminders.runNow();
    }
    const emails = await t.emails();
    const sites = testReference().sites.sites;
    const siteNotices = emails
      .filter((email) => !email.subject.startsWith('Monitoring returns'))
      .map((email) => {
        const site = sites.find((s) => email.destination.to.includes(s.contacts[0] as string))?.code;
        const kind = email.subject.startsWith('Reminder') ? 'reminder' : 'chaser';
        return `${kind} ${site}`;
      })
      .sort();
    expect(siteNotices).toEqual(EXPECTED_SITE_NOTICES.map((line) => line.slice(11)).sort());
    // One digest a week, on the first run on or after its Monday: 1 October (a Wednesday) catches up
    // the week of 29 September, 19 October (a Sunday) the week of 13 October, 31 October (a Friday)
    // the week of 27 October; by 3 November Nottingham's late return is in.
    const digests = emails.filter((email) => email.subject.startsWith('Monitoring returns'));
    expect(digests.map((email) => email.subject)).toEqual([
      'Monitoring returns, week of 29 September 2025: nothing overdue, 5 more awaited',
      'Monitoring returns, week of 13 October 2025: nothing overdue, 4 more awaited',
      'Monitoring returns, week of 20 October 2025: nothing overdue, 4 more awaited',
      'Monitoring returns, week of 27 October 2025: 3 returns overdue',
      'Monitoring returns, week of 3 November 2025: 2 returns overdue',
    ]);
    const records = await t.store.notices('2025-26-Q2');
    expect(records.filter((record) => record.kind !== 'digest').every((r) => r.state === 'sent')).toBe(true);
    expect(records.filter((record) => record.kind !== 'digest')).toHaveLength(7);
  });

  it('a claim is won by exactly one of many simultaneous callers, and a released one can be taken again', async () => {
    const notice = {
      kind: 'chaser' as const,
      period: '2026-26-Q9',
      about: 'TST',
      to: ['a@b.example'],
      subject: 'x',
    };
    const at = '2026-01-01T07:00:00.000Z';
    const wins = await Promise.all(Array.from({ length: 8 }, () => t.store.claimNotice(notice, at, 900)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    await t.store.finishNotice(notice, 'released', at);
    expect(await t.store.claimNotice(notice, at, 900)).toBe(true);
    await t.store.finishNotice(notice, 'sent', at);
    expect(await t.store.claimNotice(notice, '2027-01-01T00:00:00.000Z', 900)).toBe(false);
    const [record] = await t.store.notices('2026-26-Q9');
    expect(record).toMatchObject({ state: 'sent', attempts: 2, to: ['a@b.example'], about: 'TST' });
    // Notices share the quarter's partition but never appear as current returns.
    expect(await t.store.currentReturns('2026-26-Q9')).toEqual([]);
  });
});
