/**
 * dynalite 4.0.0 on its LevelDB store left every Query's iterator open (it ends them with a
 * `return()` that abstract-level 3 iterators lack), so the local stack's native memory grew with
 * every upload. The local stack gives the iterators that method (local/emulators.ts): here a
 * paged Query, a Query cut short by its page size, and small ones, against a real dynalite on
 * disk, must leave no iterator attached to the database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submissionStoreOn } from '../../functions/src/adapters/dynamodb-submission-store.js';
import { createTableIfMissing } from '../../functions/src/adapters/dynamodb-table.js';
import {
  dynaliteLevelLibrary,
  type RunningEmulator,
  startDynamo,
} from '../../functions/src/local/emulators.js';
import { localClients } from '../../functions/src/local/local-stack.js';
import type { CurrentReturn } from '../../functions/src/returns/submission.js';

const dataDir = mkdtempSync(join(tmpdir(), 'dynalite-iterators-'));
const { AbstractLevel } = dynaliteLevelLibrary();
const { attachResource, detachResource } = AbstractLevel.prototype;
let open = 0;
let dynamo: RunningEmulator;
let clients: ReturnType<typeof localClients>;

beforeAll(async () => {
  // Count the iterators (and anything else) attached to a database and not yet closed.
  AbstractLevel.prototype.attachResource = function (resource) {
    open++;
    return attachResource.call(this, resource);
  };
  AbstractLevel.prototype.detachResource = function (resource) {
    open--;
    return detachResource.call(this, resource);
  };
  dynamo = await startDynamo({ port: 0, directory: dataDir });
  clients = localClients({ s3: 'http://127.0.0.1:9', dynamodb: dynamo.endpoint, ses: 'http://127.0.0.1:9' });
  await createTableIfMissing(clients.dynamodb, 'monitoring-returns');
});

afterAll(async () => {
  AbstractLevel.prototype.attachResource = attachResource;
  AbstractLevel.prototype.detachResource = detachResource;
  for (const client of Object.values(clients ?? {})) client.destroy();
  await dynamo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('dynalite on disk', () => {
  it('closes the iterator of every Query, paged or not', async () => {
    const store = submissionStoreOn(clients.dynamodb, 'monitoring-returns');
    // 40 returns of about 60 KB: over DynamoDB's 1 MB page, so the quarter's Query is cut short and paged.
    const notes = 'n'.repeat(60_000);
    for (let index = 0; index < 40; index++) {
      const site = `S${String(index).padStart(2, '0')}`;
      const current: CurrentReturn = {
        site,
        period: '2025-26-Q1',
        submissionId: `${site}-1`,
        receivedAt: '2025-07-20T09:00:00.000Z',
        sequencer: '0',
        status: 'accepted',
        dictionaryVersion: '2025-26',
        counts: { fatal: 0, errors: 0, warnings: 0, unexplainedWarnings: 0 },
        values: { items: { 'NOTE.HIGHLIGHTS': notes }, tables: {} },
      };
      await store.offerCurrent(current);
    }
    const before = open;

    expect(await store.currentReturns('2025-26-Q1')).toHaveLength(40);
    expect((await store.yearOverview('2025-26')).current).toHaveLength(40);
    expect(await store.siteHistory('S01')).toHaveLength(1);
    expect(await store.aggregationRequests()).toEqual([]);

    expect(open - before).toBe(0);
  });
});
