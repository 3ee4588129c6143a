/**
 * The send-reminders handler, before wiring: invoked once a day by the
 * EventBridge schedule (or by hand, with `{ "today": "2025-10-20" }` to re-run
 * a day). Any notice that could not be sent fails the invocation, so Lambda's
 * retries try it again; those already sent are claimed and are not repeated.
 */
import middy from '@middy/core';
import * as z from 'zod';
import { ReturnsError } from '../errors.js';
import { type SendRemindersDeps, sendReminders } from '../submissions/send-reminders.js';

const invocationSchema = z.object({ today: z.iso.date().optional() }).catchall(z.unknown()).nullish();

export function createSendRemindersHandler(deps: SendRemindersDeps) {
  return middy<unknown, unknown>().handler(async (event) => {
    const parsed = invocationSchema.safeParse(event);
    if (!parsed.success) throw new ReturnsError(`send-reminders was invoked with ${JSON.stringify(event)}`);
    const today = parsed.data?.today;
    const outcome = await sendReminders(deps, today ? { today } : {});
    const summary = {
      today: outcome.today,
      sent: outcome.sent.length,
      alreadyClaimed: outcome.alreadyClaimed.length,
      skipped: outcome.skipped.length,
      failed: outcome.failed.length,
    };
    deps.log.info('reminders run', summary);
    if (outcome.failed.length > 0) {
      throw new ReturnsError(
        `${outcome.failed.length} of ${outcome.notices.length} notices could not be sent; they will be retried`,
      );
    }
    return summary;
  });
}
