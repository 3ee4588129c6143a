/**
 * Nothing lost, on the local stack: a fault in the annotator, A→B→A through
 * the emulated FIFO queue, a redelivered old event, an upload whose event was
 * never delivered, a ten-minute email outage and a day-long one, and keys and
 * files of every awkward kind. The stack's clock is injected, so minutes and
 * days pass without waiting.
 */
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3rverEvent } from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRealS3Event } from '../../functions/src/local/local-stack.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { filledReturn, validValues, withItems } from '../support/returns.js';

function s3Event(key: string, eventTime: string, sequencer: string, size: number): S3rverEvent {
  return asRealS3Event({
    Records: [
      {
        eventVersion: '2.0',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime,
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: 'monitoring-returns' }, object: { key, size, sequencer } },
      },
    ],
  });
}

/** A clock the test moves forward. */
function steppedClock() {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance: (ms: number) => {
      offsetMs += ms;
    },
  };
}

describe('an annotator that fails', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({
      annotate: async () => {
        throw new Error('an internal fault in the annotator');
      },
    });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('records the submission and emails the feedback without the copy, saying so kindly', async () => {
    const values = withItems(validValues('NOT', '2025-26-Q2', 7), { 'BF.TOTAL': 1 });
    await t.upload('incoming/NOT/with errors.xlsx', await filledReturn(values, 'NOT'));
    await new Promise((resolve) => setImmediate(resolve));
    await t.stack.idle();
    const [submission] = await t.store.siteSubmissions('NOT');
    expect(submission).toMatchObject({ status: 'rejected', emailState: 'sent', annotationFailed: true });
    expect(submission?.annotatedKey).toBeUndefined();
    const [email] = await t.emails();
    expect(email?.attachments ?? []).toHaveLength(0);
    expect(email?.body.text).toContain(
      'We could not make a copy of your workbook with these points highlighted this time',
    );
    expect(email?.body.text).toContain('Errors to fix'.toUpperCase());
    expect(t.stack.metrics().AnnotationFailed).toBe(1);
    expect(t.log.some((entry) => entry.level === 'error' && entry.message.includes('annotated copy'))).toBe(
      true,
    );
  });
});

describe('order, deduplication and the sweep, with delivery in the test’s hands', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ deliverEvents: false, sweepGraceSeconds: 0 });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('A→B→A within five minutes leaves the summaries on A, and a redelivered old event changes nothing', async () => {
    await t.clearEmails(); // the email emulator keeps one store per process
    const a = await filledReturn(validValues('SEN', '2025-26-Q1', 11), 'SEN', '2025-26-Q1');
    const b = await filledReturn(
      withItems(validValues('SEN', '2025-26-Q1', 11), { 'NOTE.HIGHLIGHTS': 'B' }),
      'SEN',
      '2025-26-Q1',
    );
    await t.upload('incoming/SEN/a.xlsx', a);
    await t.upload('incoming/SEN/b.xlsx', b);
    await t.upload('incoming/SEN/a again.xlsx', a);
    const first = s3Event('incoming/SEN/a.xlsx', '2025-07-20T09:00:00.000Z', '1A', a.length);
    await t.stack.deliver(first);
    await t.stack.deliver(s3Event('incoming/SEN/b.xlsx', '2025-07-20T09:01:00.000Z', '1B', b.length));
    await t.stack.deliver(s3Event('incoming/SEN/a again.xlsx', '2025-07-20T09:02:00.000Z', '1C', a.length));
    await t.stack.idle();

    const [current] = await t.store.currentReturns('2025-26-Q1');
    const submissions = await t.store.siteSubmissions('SEN', '2025-26-Q1');
    const idA = submissions.find((entry) => entry.s3Key === 'incoming/SEN/a.xlsx')?.submissionId;
    expect(current).toMatchObject({ submissionId: idA, version: 3 });
    // Three versions, three messages: none merged by the FIFO deduplication, so the last recompute saw A.
    expect(t.accepted.map((event) => event.version)).toEqual([1, 2, 3]);
    expect(t.stack.deduplicated()).toBe(0);
    expect((await t.store.getAggregate('2025-26-Q1'))?.fingerprint).toBe(`2025-26-Q1:SEN:${idA}`);

    // The first event again, late: it must not roll the quarter back, and the recompute it asks for is
    // answered (a message merged away by the deduplication would leave its request pending).
    await t.stack.deliver(first);
    await t.stack.idle();
    expect((await t.store.currentReturns('2025-26-Q1'))[0]).toMatchObject({ submissionId: idA, version: 3 });
    expect(t.stack.deduplicated()).toBe(0);
    expect((await t.store.aggregationRequests()).filter((entry) => entry.requested > entry.computed)).toEqual(
      [],
    );
    expect((await t.store.getAggregate('2025-26-Q1'))?.fingerprint).toBe(`2025-26-Q1:SEN:${idA}`);
    expect(await t.emails()).toHaveLength(3);
  });

  it('processes an upload whose event never came, once, through the sweep', async () => {
    await t.upload(
      'incoming/LAM/never announced.xlsx',
      await filledReturn(validValues('LAM', '2025-26-Q2', 5), 'LAM'),
    );
    const swept = await t.stack.sweep();
    await t.stack.idle();
    expect(swept.reprocessed).toBe(1);
    const submissions = await t.store.siteSubmissions('LAM', '2025-26-Q2');
    expect(submissions).toHaveLength(1);
    expect(submissions[0]).toMatchObject({ status: 'accepted', emailState: 'sent' });
    expect((await t.stack.sweep()).reprocessed).toBe(0);
  });
});

describe('email outages, through the outbox', () => {
  const clock = steppedClock();
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ clock: clock.now, sweepIntervalMs: 0, emailRetrySeconds: 30 });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('a ten-minute outage ends with the email delivered by the sweep and nothing pending', async () => {
    let restore: () => void = () => undefined;
    const outage = t.stack.interrupt('ses', () => new Promise<void>((resolve) => (restore = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await t.upload(
      'incoming/BFD/during the outage.xlsx',
      await filledReturn(validValues('BFD', '2025-26-Q2', 9), 'BFD'),
    );
    await new Promise((resolve) => setImmediate(resolve));
    await t.stack.idle();
    const [during] = await t.store.siteSubmissions('BFD', '2025-26-Q2');
    expect(during).toMatchObject({ status: 'accepted', emailState: 'pending' });
    for (let minute = 1; minute <= 10; minute++) {
      clock.advance(60_000);
      await t.stack.sweep();
    }
    const owed = await t.store.owedEmails();
    expect(owed).toHaveLength(1);
    expect(owed[0]?.attempts).toBeGreaterThan(2);
    restore();
    await outage;
    clock.advance(3_600_000);
    const swept = await t.stack.sweep();
    expect(swept.emailsSent).toBe(1);
    const [after] = await t.store.siteSubmissions('BFD', '2025-26-Q2');
    expect(after?.emailState).toBe('sent');
    expect(await t.store.owedEmails()).toHaveLength(0);
    const emails = (await t.emails()).filter((email) => email.subject.startsWith('Bradford'));
    expect(emails).toHaveLength(1);
  });

  it('an outage of more than a day escalates to the operations address, once', async () => {
    await t.clearEmails();
    let restore: () => void = () => undefined;
    const outage = t.stack.interrupt('ses', () => new Promise<void>((resolve) => (restore = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await t.upload(
      'incoming/BLK/a day without email.xlsx',
      await filledReturn(validValues('BLK', '2025-26-Q2', 13), 'BLK'),
    );
    await new Promise((resolve) => setImmediate(resolve));
    await t.stack.idle();
    clock.advance(12 * 3_600_000);
    await t.stack.sweep();
    restore();
    await outage;
    clock.advance(13 * 3_600_000);
    const swept = await t.stack.sweep();
    expect(swept.escalated).toBe(1);
    const [submission] = await t.store.siteSubmissions('BLK', '2025-26-Q2');
    expect(submission?.emailState).toBe('escalated');
    const emails = await t.emails();
    expect(emails.map((email) => email.destination.to)).toEqual([['operations@funder.example']]);
    expect(emails[0]?.subject).toBe(
      'Feedback not delivered: Blackpool Better Start, a day without email.xlsx',
    );
    expect(t.stack.metrics().FeedbackEmailEscalated).toBe(1);
    expect((await t.stack.sweep()).escalated).toBe(0);
  });
});

describe('awkward keys and files', () => {
  let t: TestStack;
  let good: (seed: number, site?: string) => Promise<Buffer>;
  beforeAll(async () => {
    t = await startTestStack();
    good = async (seed, site = 'BLK') =>
      filledReturn(validValues(site, '2025-26-Q3', seed), site, '2025-26-Q3');
  });
  afterAll(async () => {
    await t.stop();
  });

  it.each<[string, string, () => Promise<Buffer>, RegExp]>([
    ['spaces, + and %', 'incoming/BLK/my return+v2 100%.xlsx', () => good(101), /: accepted$/],
    ['unicode', 'incoming/BLK/Rückmeldung – Q3 ✓.xlsx', () => good(102), /: accepted$/],
    ['a deep path', 'incoming/BLK/2025/q3/final/return.xlsx', () => good(103), /: accepted$/],
    ['a lower-case site folder (routed to BLK)', 'incoming/blk/lower.xlsx', () => good(104), /: accepted$/],
    ['a 0-byte file', 'incoming/BLK/empty.xlsx', async () => Buffer.alloc(0), /could not be checked$/],
    [
      'a 12 MB file',
      'incoming/BLK/huge.xlsx',
      async () => Buffer.alloc(12 * 1024 * 1024, 1),
      /could not be checked$/,
    ],
    [
      'a .txt renamed .xlsx',
      'incoming/BLK/notes.xlsx',
      async () => Buffer.from('just some notes\n'),
      /could not be checked$/,
    ],
    ["another site's return", 'incoming/BLK/lambeth.xlsx', () => good(105, 'LAM'), /could not be checked$/],
  ])(
    '%s: a submission staff can see, its files complete, and one email',
    async (_case, key, bytes, subject) => {
      await t.clearEmails();
      await t.upload(key, await bytes());
      await new Promise((resolve) => setImmediate(resolve));
      await t.stack.idle();
      const submission = (await t.store.siteSubmissions('BLK')).find((entry) => entry.s3Key === key);
      expect(submission, key).toBeDefined();
      expect(submission?.emailState).toBe('sent');
      // Nothing half-written: the report (and for a readable file the archived bytes) exists.
      const head = (key?: string) =>
        t.stack.clients.s3.send(new HeadObjectCommand({ Bucket: t.stack.bucket, Key: key }));
      await expect(head(submission?.reportKey)).resolves.toBeTruthy();
      if (submission?.status !== 'rejected' || submission.counts.fatal === 0)
        await expect(head(submission?.archiveKey)).resolves.toBeTruthy();
      const emails = await t.emails();
      expect(emails).toHaveLength(1);
      expect(emails[0]?.subject).toMatch(subject);
      expect(emails[0]?.body.text).not.toMatch(/Error:|at \w+ \(|undefined/);
    },
  );

  it('carries the uploader named in the object metadata (as the portal sets it) into the submission', async () => {
    await t.stack.clients.s3.send(
      new PutObjectCommand({
        Bucket: t.stack.bucket,
        Key: 'incoming/SEN/from the portal.xlsx',
        Body: await good(106, 'SEN'),
        Metadata: { 'uploaded-by': 'jo.bloggs@southend.example' },
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    await t.stack.idle();
    const [submission] = await t.store.siteSubmissions('SEN', '2025-26-Q3');
    expect(submission?.uploadedBy).toBe('jo.bloggs@southend.example');
  });
});
