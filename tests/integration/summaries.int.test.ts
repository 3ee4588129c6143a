/**
 * Programme summaries on the local stack: each acceptance recomputes the
 * quarter from the stored current returns and rewrites its workbooks; a
 * corrected return changes them; simultaneous triggers converge.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ReturnFiles } from '../../functions/src/adapters/s3-return-files.js';
import { preflight } from '../../functions/src/reading/preflight.js';
import { DEFAULT_READER_LIMITS, readWorkbook } from '../../functions/src/reading/read-workbook.js';
import { aggregatePeriod } from '../../functions/src/submissions/aggregate-period.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { testReference } from '../support/reference.js';
import { filledReturn, validValues, withItems } from '../support/returns.js';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t.stop();
});

async function send(key: string, bytes: Buffer) {
  await t.upload(key, bytes);
  await new Promise((resolve) => setImmediate(resolve));
  await t.stack.idle();
}

async function programmeValue(itemId: string): Promise<unknown> {
  const object = await t.stack.clients.s3.send(
    new GetObjectCommand({ Bucket: t.stack.bucket, Key: 'summaries/2025-26-Q2/programme.xlsx' }),
  );
  const bytes = Buffer.from(
    await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
  const contents = readWorkbook(await preflight(bytes), { ...DEFAULT_READER_LIMITS, blockColumns: 20 });
  for (const sheet of contents.sheets) {
    for (const cell of contents.cellsOf(sheet.name)) {
      if (
        cell.column === 1 &&
        cell.value?.type === 'string' &&
        cell.value.text === itemId &&
        sheet.name === 'How much'
      ) {
        // Programme is the column after the five sites: D..H, then I.
        return contents.cell(sheet.name, cell.row, 9)?.value;
      }
    }
  }
  return undefined;
}

describe('summaries after each acceptance', () => {
  it('writes the programme workbook and stores the aggregate, but publishes nothing', async () => {
    await send('incoming/BLK/q2.xlsx', await filledReturn(validValues('BLK', '2025-26-Q2', 81)));
    await send('incoming/BFD/q2.xlsx', await filledReturn(validValues('BFD', '2025-26-Q2', 82), 'BFD'));
    const aggregate = await t.store.getAggregate('2025-26-Q2');
    expect(aggregate?.returns).toBe(2);
    expect(aggregate?.fingerprint).toMatch(/^2025-26-Q2:BFD:BFD-\w+,2025-26-Q2:BLK:BLK-\w+$/);
    const expected =
      (validValues('BLK', '2025-26-Q2', 81).items['ACT.SESSIONS'] as number) +
      (validValues('BFD', '2025-26-Q2', 82).items['ACT.SESSIONS'] as number);
    expect(await programmeValue('ACT.SESSIONS')).toEqual({
      type: 'number',
      number: expected,
      format: 'general',
    });
    const published = await new S3ReturnFiles(t.stack.clients.s3, t.stack.bucket).head(
      'summaries/2025-26-Q2/published.xlsx',
    );
    // Figures leave the funder only as a release (returns publish), never on an upload.
    expect(published).toBeUndefined();
  });

  it('updates the workbooks when a corrected return replaces one', async () => {
    const values = validValues('BLK', '2025-26-Q2', 81);
    const sessions = values.items['ACT.SESSIONS'] as number;
    const services = (values.tables.SERVICES ?? []).map((row, index) =>
      index === 0 ? { ...row, SESSIONS: (row.SESSIONS as number) + 10 } : row,
    );
    const corrected = {
      items: { ...withItems(values, { 'ACT.SESSIONS': sessions + 10 }).items },
      tables: { ...values.tables, SERVICES: services },
    };
    const started = Date.now();
    await send('incoming/BLK/q2 corrected.xlsx', await filledReturn(corrected));
    const bfd = validValues('BFD', '2025-26-Q2', 82).items['ACT.SESSIONS'] as number;
    expect(await programmeValue('ACT.SESSIONS')).toEqual({
      type: 'number',
      number: sessions + 10 + bfd,
      format: 'general',
    });
    console.info(`corrected return to updated programme workbook: ${Date.now() - started} ms`);
  });

  it('converges when triggers for the same quarter run at once', async () => {
    const deps = {
      store: t.store,
      files: new S3ReturnFiles(t.stack.clients.s3, t.stack.bucket),
      reference: testReference(),
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      clock: () => new Date(),
    };
    const [first, second, third] = await Promise.all(
      [1, 2, 3].map(() => aggregatePeriod(deps, '2025-26-Q2')),
    );
    expect([first?.returns, second?.returns, third?.returns]).toEqual([2, 2, 2]);
    expect((await t.store.getAggregate('2025-26-Q2'))?.returns).toBe(2);
  });
});
