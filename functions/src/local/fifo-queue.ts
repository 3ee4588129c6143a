/**
 * An SQS FIFO queue as the local stack needs it, so tests see what AWS does:
 * - deduplication: a message whose deduplication ID was accepted in the last
 *   five minutes (SQS's fixed window) is accepted and dropped, by the
 *   injectable clock, so a test can step past the window without waiting;
 * - per-group order: one group's messages are handed over in the order sent,
 *   one batch at a time, never two batches of a group at once (Lambda's FIFO
 *   poller does the same); different groups run side by side;
 * - receives: a failed batch is handed over again after a delay, up to
 *   maxReceives, then its messages go to the dead letters.
 * It lives in memory: the local stack's sweep recovers what a kill loses
 * (requests for recomputes are in the table, see reconcile.ts).
 */

export interface FifoMessage<T> {
  readonly body: T;
  readonly groupId: string;
  readonly deduplicationId: string;
  readonly messageId: string;
}

export interface LocalFifoQueueOptions<T> {
  /** Handles one group's batch; rejects to have it received again. */
  readonly consume: (batch: ReadonlyArray<FifoMessage<T>>) => Promise<void>;
  readonly clock: () => Date;
  readonly batchSize?: number;
  readonly maxReceives?: number;
  readonly retryDelayMs?: number;
  readonly onDeadLetter?: (batch: ReadonlyArray<FifoMessage<T>>) => void;
  /**
   * Groups handled at once (Infinity by default, as Lambda would). The local stack sets 1: it is one
   * process, and four quarters' recomputes of 200 sites each at once would need four times the memory.
   */
  readonly maxConcurrentGroups?: number;
}

/** SQS's deduplication interval: fixed at five minutes. */
export const DEDUPLICATION_WINDOW_MS = 5 * 60 * 1000;

export class LocalFifoQueue<T> {
  private readonly seen = new Map<string, number>();
  private readonly groups = new Map<string, Array<FifoMessage<T>>>();
  private readonly busy = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private waiters: Array<() => void> = [];
  private sent = 0;
  /** Messages dropped as duplicates, for the tests and the log. */
  deduplicated = 0;

  constructor(private readonly options: LocalFifoQueueOptions<T>) {}

  /** As SendMessage: false when the deduplication ID was seen within the window (dropped). */
  send(body: T, groupId: string, deduplicationId: string): boolean {
    const now = this.options.clock().getTime();
    for (const [id, at] of this.seen) if (now - at >= DEDUPLICATION_WINDOW_MS) this.seen.delete(id);
    if (this.seen.has(deduplicationId)) {
      this.deduplicated++;
      return false;
    }
    this.seen.set(deduplicationId, now);
    const group = this.groups.get(groupId) ?? [];
    group.push({ body, groupId, deduplicationId, messageId: `fifo-${++this.sent}` });
    this.groups.set(groupId, group);
    this.pump(groupId);
    return true;
  }

  /** Resolves when nothing is queued or being handled. */
  idle(): Promise<void> {
    if (this.inFlight.size === 0 && [...this.groups.values()].every((group) => group.length === 0))
      return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private pump(groupId: string): void {
    if (this.busy.has(groupId)) return;
    if (this.busy.size >= (this.options.maxConcurrentGroups ?? Number.POSITIVE_INFINITY)) return;
    const group = this.groups.get(groupId);
    if (!group || group.length === 0) return;
    const batch = group.splice(0, this.options.batchSize ?? 10);
    this.busy.add(groupId);
    const work = this.receive(batch).finally(() => {
      this.busy.delete(groupId);
      this.inFlight.delete(work);
      // Other groups first, so one busy quarter cannot starve the rest; then this one again.
      for (const other of this.groups.keys()) if (other !== groupId) this.pump(other);
      this.pump(groupId);
      if (this.inFlight.size === 0 && [...this.groups.values()].every((g) => g.length === 0)) {
        for (const resolve of this.waiters) resolve();
        this.waiters = [];
      }
    });
    this.inFlight.add(work);
  }

  private async receive(batch: ReadonlyArray<FifoMessage<T>>): Promise<void> {
    const maxReceives = this.options.maxReceives ?? 5;
    for (let receive = 1; receive <= maxReceives; receive++) {
      try {
        await this.options.consume(batch);
        return;
      } catch {
        if (receive < maxReceives)
          await new Promise((resolve) =>
            setTimeout(resolve, (this.options.retryDelayMs ?? 250) * 2 ** (receive - 1)),
          );
      }
    }
    this.options.onDeadLetter?.(batch);
  }
}
