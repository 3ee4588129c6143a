/** The local stack's SQS FIFO emulation: deduplication within five minutes, and order within a group. */
import { describe, expect, it } from 'vitest';
import { DEDUPLICATION_WINDOW_MS, LocalFifoQueue } from '../../functions/src/local/fifo-queue.js';

function queue(now: { ms: number }, failFirst = false) {
  const handled: string[][] = [];
  let failed = !failFirst;
  const fifo = new LocalFifoQueue<string>({
    clock: () => new Date(now.ms),
    retryDelayMs: 1,
    consume: async (batch) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (!failed) {
        failed = true;
        throw new Error('first receive fails');
      }
      handled.push(batch.map((message) => message.body));
    },
  });
  return { fifo, handled };
}

describe('LocalFifoQueue', () => {
  it('drops a repeated deduplication ID within five minutes, and accepts it after', async () => {
    const now = { ms: Date.parse('2025-07-20T09:00:00Z') };
    const { fifo, handled } = queue(now);
    expect(fifo.send('A v1', 'Q1', 'Q1.SEN.v1')).toBe(true);
    now.ms += DEDUPLICATION_WINDOW_MS - 1;
    expect(fifo.send('A v1 again', 'Q1', 'Q1.SEN.v1')).toBe(false);
    now.ms += 1;
    expect(fifo.send('A v1 after the window', 'Q1', 'Q1.SEN.v1')).toBe(true);
    await fifo.idle();
    expect(handled.flat()).toEqual(['A v1', 'A v1 after the window']);
    expect(fifo.deduplicated).toBe(1);
  });

  it('hands one group over in order, one batch at a time, and receives a failed batch again', async () => {
    const now = { ms: 0 };
    const { fifo, handled } = queue(now, true);
    fifo.send('1', 'Q1', 'a');
    fifo.send('2', 'Q1', 'b');
    fifo.send('x', 'Q2', 'c');
    fifo.send('3', 'Q1', 'd');
    await fifo.idle();
    const q1 = handled.filter((batch) => batch.some((body) => /\d/.test(body))).flat();
    expect(q1).toEqual(['1', '2', '3']);
    expect(handled.flat().sort()).toEqual(['1', '2', '3', 'x']);
  });
});
