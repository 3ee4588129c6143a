/**
 * The send-reminders handler as the schedule invokes it: an empty event runs
 * today, `{ today }` re-runs a day, anything else is refused, and a notice
 * that could not be sent fails the invocation so Lambda retries it (the ones
 * sent are not repeated by the retry).
 */
import { describe, expect, it } from 'vitest';
import { createSendRemindersHandler } from '../../functions/src/handlers/send-reminders-handler.js';
import type { Log, Mailer } from '../../functions/src/submissions/ports.js';
import { MemoryReminderStore } from '../support/memory-store.js';
import { testReference } from '../support/reference.js';
import { quarterScenario } from '../support/reminder-scenario.js';

const quiet: Log = { info: () => {}, warn: () => {}, error: () => {} };
const context = { functionName: 'test', awsRequestId: '1', getRemainingTimeInMillis: () => 60_000 } as never;

function handlerWith(mailer: Mailer) {
  const now = new Date('2025-10-20T07:00:00Z');
  const scenario = quarterScenario();
  const store = new MemoryReminderStore(scenario.submissions, scenario.current, () => now);
  return createSendRemindersHandler({
    store,
    mailer,
    reference: testReference(),
    log: quiet,
    clock: () => now,
  });
}

describe('the send-reminders handler', () => {
  it('runs today for the schedule’s empty event, and a given day when asked', async () => {
    const subjects: string[] = [];
    const handler = handlerWith({ send: async (email) => void subjects.push(email.subject) });
    expect(await handler({}, context)).toEqual({
      today: '2025-10-20',
      sent: 5,
      alreadyClaimed: 0,
      skipped: 1,
      failed: 0,
    });
    // The store is as of the clock (20 October): Lambeth's return of 25 October is not in it yet.
    expect(await handler({ today: '2025-10-31' }, context)).toMatchObject({ today: '2025-10-31', sent: 5 });
    expect(subjects.filter((subject) => subject.startsWith('Overdue'))).toHaveLength(4);
  });

  it('refuses an event it does not understand', async () => {
    const handler = handlerWith({ send: async () => {} });
    await expect(handler({ today: '20 October' }, context)).rejects.toThrow(
      /send-reminders was invoked with/,
    );
  });

  it('fails the invocation when a notice could not be sent; the retry sends only that one', async () => {
    let failures = 1;
    const sent: string[] = [];
    const handler = handlerWith({
      send: async (email) => {
        if (failures-- > 0) throw new Error('throttled');
        sent.push(email.subject);
      },
    });
    await expect(handler({}, context)).rejects.toThrow(
      '1 of 5 notices could not be sent; they will be retried',
    );
    expect(sent).toHaveLength(4);
    expect(await handler({}, context)).toMatchObject({ sent: 1, failed: 0 });
    expect(new Set(sent).size).toBe(5);
  });
});
