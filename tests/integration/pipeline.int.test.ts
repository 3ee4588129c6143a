/**
 * The submission pipeline on the local stack: real S3, DynamoDB and SES
 * protocols (s3rver, dynalite, aws-ses-v2-local), the same handler as Lambda.
 */
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeHostileCases } from '../fixtures/hostile-workbooks.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';
import { filledReturn, validValues, withItems } from '../support/returns.js';

let t: TestStack;
let q2: Buffer;
beforeAll(async () => {
  t = await startTestStack();
  q2 = await filledReturn(validValues('BLK', '2025-26-Q2', 11));
});
afterAll(async () => {
  await t.stop();
});
beforeEach(async () => {
  await t.stack.idle();
  await t.clearEmails();
});

async function send(key: string, bytes: Buffer) {
  await t.upload(key, bytes);
  // s3rver emits its event while answering the PUT; give the delivery a tick to start.
  await new Promise((resolve) => setImmediate(resolve));
  await t.stack.idle();
}

describe('one upload, start to end', () => {
  it('records an accepted return, archives it, writes the report and emails the feedback', async () => {
    await send('incoming/BLK/Blackpool Q2 return.xlsx', q2);
    const [submission] = await t.store.siteSubmissions('BLK', '2025-26-Q2');
    expect(submission).toMatchObject({
      status: 'accepted',
      site: 'BLK',
      period: '2025-26-Q2',
      emailState: 'sent',
      dictionaryVersion: '2025-26',
    });
    expect(submission?.s3Key).toBe('incoming/BLK/Blackpool Q2 return.xlsx');
    expect(submission?.sha256).toMatch(/^[0-9a-f]{64}$/);
    const archived = await t.stack.clients.s3.send(
      new GetObjectCommand({ Bucket: t.stack.bucket, Key: submission?.archiveKey }),
    );
    expect(
      Buffer.from(
        await (archived.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      ).equals(q2),
    ).toBe(true);
    expect(submission?.archiveKey).toBe(`archive/BLK/2025-26-Q2/${submission?.submissionId}.xlsx`);
    await t.stack.clients.s3.send(
      new HeadObjectCommand({ Bucket: t.stack.bucket, Key: submission?.reportKey }),
    );

    const current = await t.store.currentReturns('2025-26-Q2');
    expect(current.map((entry) => [entry.site, entry.submissionId])).toEqual([
      ['BLK', submission?.submissionId],
    ]);
    expect(current[0]?.values.items['BF.DUE']).toBeTypeOf('number');
    expect(t.accepted.at(-1)).toEqual({
      type: 'ReturnAccepted',
      site: 'BLK',
      period: '2025-26-Q2',
      submissionId: submission?.submissionId,
      version: 1,
      request: 1,
    });

    const emails = await t.emails();
    expect(emails).toHaveLength(1);
    expect(emails[0]?.subject).toBe('Blackpool 2025-26 Q2 return: accepted');
    expect(emails[0]?.destination.to).toContain('data@blackpool-betterstart.example');
    expect(emails[0]?.body.text).toContain('has been accepted');
    expect(emails[0]?.body.text).not.toMatch(/Error:|at \w+ \(|undefined/);
  });

  it('gives one submission and one email when the same file is uploaded twice', async () => {
    const before = (await t.store.siteSubmissions('BLK')).length;
    await send('incoming/BLK/Blackpool Q2 return.xlsx', q2);
    await send('incoming/BLK/Blackpool Q2 return (copy).xlsx', q2);
    expect((await t.store.siteSubmissions('BLK')).length).toBe(before);
    expect(await t.emails()).toHaveLength(0);
  });

  it('keeps the accepted return current when a rejected resubmission arrives, and says so', async () => {
    const values = validValues('BLK', '2025-26-Q2', 11);
    const broken = await filledReturn(
      withItems(values, { 'BF.TOTAL': (values.items['BF.TOTAL'] as number) - 3, 'REACH.PREG_Q': 'N/A' }),
    );
    await send('incoming/BLK/Blackpool Q2 corrected.xlsx', broken);
    const submissions = await t.store.siteSubmissions('BLK', '2025-26-Q2');
    expect(submissions.map((submission) => submission.status)).toEqual(['accepted', 'rejected']);
    const [email] = await t.emails();
    expect(email?.subject).toBe('Blackpool 2025-26 Q2 return: not accepted: 2 errors to fix');
    expect(email?.body.text).toMatch(/which was accepted, still stands until a corrected file is accepted/);
    expect(email?.body.text).toMatch(/\[R07, Better off, C7:C11\] Breastfeeding at 6–8 weeks/);
    expect(email?.body.text).toMatch(
      /Attached is your own workbook \(Blackpool Q2 corrected - with feedback\.xlsx\) with the cells to look at highlighted/,
    );
    // No lifetime promised: a presigned link made with a Lambda role's credentials dies with them.
    expect(email?.body.text).not.toMatch(/link works for/);
    expect(email?.body.text).toContain(`/returns/2025-26-Q2/submissions/${submissions[1]?.submissionId}`);
    expect(email?.attachments).toEqual([
      expect.objectContaining({
        filename: 'Blackpool Q2 corrected - with feedback.xlsx',
        contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      }),
    ]);
    const attached = Buffer.from(email?.attachments?.[0]?.content ?? '', 'base64');
    expect(attached.subarray(0, 2).toString()).toBe('PK');
    expect((await t.store.currentReturns('2025-26-Q2'))[0]?.submissionId).toBe(submissions[0]?.submissionId);
  });

  it('supersedes the earlier return when a corrected one is accepted', async () => {
    const corrected = await filledReturn(
      withItems(validValues('BLK', '2025-26-Q2', 11), { 'NOTE.HIGHLIGHTS': 'Corrected figures.' }),
    );
    await send('incoming/BLK/Blackpool Q2 v3.xlsx', corrected);
    const submissions = await t.store.siteSubmissions('BLK', '2025-26-Q2');
    expect(submissions.map((submission) => submission.status)).toEqual([
      'superseded',
      'rejected',
      'accepted',
    ]);
    expect((await t.store.currentReturns('2025-26-Q2'))[0]?.submissionId).toBe(submissions[2]?.submissionId);
    expect((await t.emails())[0]?.body.text).toMatch(/It replaces Blackpool Q2 return\.xlsx, received /);
  });
});

describe('going back to an earlier file', () => {
  it('makes it current again when it is sent again after another, and says so', async () => {
    await send('incoming/BLK/Blackpool Q2 return - original.xlsx', q2);
    const submissions = await t.store.siteSubmissions('BLK', '2025-26-Q2');
    expect(submissions.map((submission) => submission.status)).toEqual([
      'accepted',
      'rejected',
      'superseded',
    ]);
    expect((await t.store.currentReturns('2025-26-Q2'))[0]?.submissionId).toBe(submissions[0]?.submissionId);
    const emails = await t.emails();
    expect(emails).toHaveLength(1);
    expect(emails[0]?.body.text).toContain('(Blackpool Q2 return - original.xlsx, received');
    expect(emails[0]?.body.text).toMatch(/It replaces Blackpool Q2 v3\.xlsx, received /);
  });
});

describe('what is not a return', () => {
  it('ignores objects outside incoming/, and records a file that is not a workbook for staff', async () => {
    const before = (await t.store.siteSubmissions('BLK')).length;
    await send('archive/BLK/other.xlsx', q2);
    await send('incoming/BLK/notes.txt', Buffer.from('hello'));
    expect((await t.store.siteSubmissions('BLK')).length).toBe(before);
    expect(await t.emails()).toHaveLength(0);
    const unroutable = await t.store.unroutableUploads();
    expect(unroutable.find((entry) => entry.key === 'incoming/BLK/notes.txt')).toMatchObject({
      reason: 'not-a-workbook',
      bytes: 5,
    });
    expect(unroutable.some((entry) => entry.key.startsWith('archive/'))).toBe(false);
  });

  it.each([
    ['incoming/XYZ/return.xlsx', 'unknown-site'],
    ['incoming/BLK.xlsx', 'no-site-folder'],
  ])('records %s as unroutable (%s), counts it, and emails nobody', async (key, reason) => {
    await send(key, q2);
    expect(await t.emails()).toHaveLength(0);
    const entry = (await t.store.unroutableUploads()).find((upload) => upload.key === key);
    expect(entry).toMatchObject({ reason, bytes: q2.length });
    expect(entry?.receivedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(t.stack.metrics().UploadUnroutable).toBeGreaterThan(0);
    // Handled: the sweep will not process it again.
    expect(await t.store.receiptsFor([{ key, ...(entry?.etag ? { etag: entry.etag } : {}) }])).toHaveProperty(
      'size',
      1,
    );
  });

  it('refuses every hostile file with a rejected submission and an email, and keeps working', async () => {
    for (const hostile of makeHostileCases({ sheet: 'How much' }).filter((entry) =>
      ['password-protected', 'zip-bomb-2gb', 'billion-laughs', 'pdf-renamed', 'empty'].includes(entry.name),
    )) {
      await send(`incoming/SEN/${hostile.name}.xlsx`, await hostile.build(q2));
    }
    const submissions = await t.store.siteSubmissions('SEN');
    expect(submissions).toHaveLength(5);
    expect(
      submissions.every((submission) => submission.status === 'rejected' && submission.counts.fatal === 1),
    ).toBe(true);
    const emails = await t.emails();
    expect(emails).toHaveLength(5);
    expect(emails.map((email) => email.subject).sort()[0]).toMatch(
      /^Southend return \(.*\.xlsx\): could not be checked$/,
    );
    await send('incoming/SEN/good.xlsx', await filledReturn(validValues('SEN', '2025-26-Q2', 3), 'SEN'));
    expect((await t.store.siteSubmissions('SEN', '2025-26-Q2')).at(-1)?.status).toBe('accepted');
  });
});
