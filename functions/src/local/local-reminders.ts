/**
 * The daily reminder schedule on one machine: the same handler chain the
 * EventBridge schedule invokes in AWS, run on a timer. The clock is injected,
 * so a demonstration or a test can play any day; repeated runs are harmless,
 * since every notice is claimed in the table before it is sent, so the timer
 * can fire far more often than daily (hourly by default) and still send each
 * notice once, soon after its day begins.
 *
 * The local stack starts it with its own store, mailer and log:
 *   const reminders = startLocalReminders({ store, mailer, reference, log, clock });
 * and calls `reminders.stop()` when it stops.
 */
import { createSendRemindersHandler } from '../handlers/send-reminders-handler.js';
import type { SendRemindersDeps } from '../submissions/send-reminders.js';

export interface LocalReminders {
  /** Runs now (after any run in progress) and resolves with the handler's summary. */
  runNow(): Promise<unknown>;
  stop(): Promise<void>;
}

export interface LocalRemindersOptions extends SendRemindersDeps {
  /** How often the timer fires; an hour by default. */
  readonly intervalMs?: number;
  /** Wait before the first run, so the stack finishes starting first. */
  readonly firstRunAfterMs?: number;
}

export function startLocalReminders(options: LocalRemindersOptions): LocalReminders {
  const handler = createSendRemindersHandler(options);
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  // One run at a time, as the schedule's single daily invocation is; each run waits for the last.
  const run = () => {
    const next = running.then(() =>
      handler({}, lambdaContext()).catch((error: unknown) => {
        options.log.error('the reminder run failed; the next run tries again', { error: String(error) });
        return undefined;
      }),
    );
    running = next;
    return next;
  };
  const first = setTimeout(() => void run(), options.firstRunAfterMs ?? 5_000);
  const timer = setInterval(
    () => {
      if (!stopped) void run();
    },
    options.intervalMs ?? 60 * 60 * 1000,
  );
  // Neither timer keeps Node alive on its own: the emulators' servers decide when the stack ends.
  first.unref();
  timer.unref();
  return {
    runNow: run,
    stop: async () => {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}

function lambdaContext() {
  return {
    functionName: 'send-reminders (local)',
    awsRequestId: `local-${Date.now()}`,
    getRemainingTimeInMillis: () => 60_000,
  } as never;
}
