/**
 * The part of the SubmissionStore port the reminder use case needs, in memory,
 * with the same claim rules as the DynamoDB adapter (the integration test runs
 * the same scenario against dynalite). Returns become visible at their
 * receivedAt, so one fixture can play a whole quarter day by day.
 */
import type { CurrentReturn, Submission } from '../../functions/src/returns/submission.js';
import type {
  Notice,
  NoticeKey,
  NoticeRecord,
  SubmissionStore,
} from '../../functions/src/submissions/ports.js';

export type ReminderStore = Pick<
  SubmissionStore,
  'yearOverview' | 'claimNotice' | 'finishNotice' | 'notices'
>;

export class MemoryReminderStore implements ReminderStore {
  readonly records = new Map<string, NoticeRecord>();
  constructor(
    private readonly submissions: readonly Submission[],
    private readonly current: readonly CurrentReturn[],
    private readonly now: () => Date,
  ) {}

  async yearOverview(year: string) {
    const visible = <T extends { receivedAt: string; period?: string }>(entries: readonly T[]) =>
      entries.filter(
        (entry) => entry.period?.startsWith(year) && entry.receivedAt <= this.now().toISOString(),
      );
    return { submissions: visible(this.submissions), current: visible(this.current) };
  }

  async claimNotice(notice: Notice, now: string, staleAfterSeconds: number): Promise<boolean> {
    const key = keyOf(notice);
    const existing = this.records.get(key);
    const staleBefore = new Date(Date.parse(now) - staleAfterSeconds * 1000).toISOString();
    const free =
      !existing ||
      existing.state === 'released' ||
      (existing.state === 'sending' && existing.claimedAt < staleBefore);
    if (!free) return false;
    this.records.set(key, {
      ...notice,
      state: 'sending',
      claimedAt: now,
      attempts: (existing?.attempts ?? 0) + 1,
    });
    return true;
  }

  async finishNotice(notice: NoticeKey, outcome: 'sent' | 'released', now: string): Promise<void> {
    const existing = this.records.get(keyOf(notice));
    if (!existing) throw new Error(`no claim for ${keyOf(notice)}`);
    this.records.set(keyOf(notice), { ...existing, state: outcome, finishedAt: now });
  }

  async notices(period: string): Promise<NoticeRecord[]> {
    return [...this.records.values()].filter((record) => record.period === period);
  }
}

function keyOf(notice: NoticeKey): string {
  return `${notice.period} ${notice.kind} ${notice.about}`;
}
