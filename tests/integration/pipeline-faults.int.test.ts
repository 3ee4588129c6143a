/**
 * At-least-once, out-of-order delivery and failing dependencies, on the local
 * stack. S3 may deliver an event twice and in any order; DynamoDB and SES may
 * be unreachable for a while. Nothing is lost and nothing happens twice.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
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

describe('events delivered twice and out of order', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ deliverEvents: false });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('leaves the later upload current whatever order the events arrive in, and handles a repeat once', async () => {
    const values = validValues('LAM', '2025-26-Q1', 21);
    const first = await filledReturn(values, 'LAM', '2025-26-Q1');
    const second = await filledReturn(
      withItems(values, { 'NOTE.HIGHLIGHTS': 'Second upload.' }),
      'LAM',
      '2025-26-Q1',
    );
    await t.upload('incoming/LAM/q1 first.xlsx', first);
    await t.upload('incoming/LAM/q1 second.xlsx', second);
    const earlier = s3Event(
      'incoming/LAM/q1 first.xlsx',
      '2025-07-20T09:00:00.000Z',
      '19A000000001',
      first.length,
    );
    const later = s3Event(
      'incoming/LAM/q1 second.xlsx',
      '2025-07-21T09:00:00.000Z',
      '19A000000002',
      second.length,
    );

    await t.stack.deliver(later);
    await t.stack.deliver(earlier);
    await t.stack.deliver(later); // at least once: the same event again
    await t.stack.deliver(earlier);

    const submissions = await t.store.siteSubmissions('LAM', '2025-26-Q1');
    expect(submissions).toHaveLength(2);
    const byKey = Object.fromEntries(submissions.map((submission) => [submission.s3Key, submission]));
    expect(byKey['incoming/LAM/q1 second.xlsx']?.status).toBe('accepted');
    expect(byKey['incoming/LAM/q1 first.xlsx']?.status).toBe('superseded');
    expect((await t.store.currentReturns('2025-26-Q1'))[0]?.submissionId).toBe(
      byKey['incoming/LAM/q1 second.xlsx']?.submissionId,
    );
    const emails = await t.emails();
    expect(emails).toHaveLength(2);
    expect(emails.find((email) => email.body.text.includes('You have since sent a later'))).toBeDefined();
  });
});

describe('dependencies that fail for a while', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ retryDelayMs: 300, emailRetrySeconds: 0.2 });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('retries when DynamoDB is stopped and restarted, and processes the upload exactly once', async () => {
    const interrupted = t.stack.interrupt('dynamodb', 1_500);
    await t.upload(
      'incoming/NOT/during outage.xlsx',
      await filledReturn(validValues('NOT', '2025-26-Q2', 31), 'NOT'),
    );
    await interrupted;
    await new Promise((resolve) => setImmediate(resolve));
    await t.stack.idle();
    const submissions = await t.store.siteSubmissions('NOT', '2025-26-Q2');
    expect(submissions).toHaveLength(1);
    expect(submissions[0]?.status).toBe('accepted');
    const emails = (await t.emails()).filter((email) => email.subject.startsWith('Nottingham'));
    expect(emails).toHaveLength(1);
  });

  it('records the submission when email fails, shows it pending, and sends it once email is back', async () => {
    await t.clearEmails();
    const interrupted = t.stack.interrupt('ses', 800);
    await t.upload(
      'incoming/BFD/while email is down.xlsx',
      await filledReturn(validValues('BFD', '2025-26-Q2', 41), 'BFD'),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const during = await t.store.siteSubmissions('BFD', '2025-26-Q2');
    expect(during).toHaveLength(1);
    expect(during[0]?.status).toBe('accepted');
    expect(['pending', 'sending']).toContain(during[0]?.emailState);
    await interrupted;
    await t.stack.idle();
    // The outbox retries it (in AWS the scheduled sweep; here called at once, after the short backoff).
    await new Promise((resolve) => setTimeout(resolve, 300));
    await t.stack.sweep();
    const after = await t.store.siteSubmissions('BFD', '2025-26-Q2');
    expect(after[0]?.emailState).toBe('sent');
    expect((await t.emails()).filter((email) => email.subject.startsWith('Bradford'))).toHaveLength(1);
  });
});

describe('many uploads and outside tools', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('lands all five sites uploading at once', async () => {
    await t.clearEmails(); // the email emulator keeps one store per process
    const sites = ['BLK', 'BFD', 'LAM', 'NOT', 'SEN'];
    const files = await Promise.all(
      sites.map((site, index) =>
        filledReturn(validValues(site, '2025-26-Q3', 50 + index), site, '2025-26-Q3'),
      ),
    );
    await Promise.all(
      sites.map((site, index) =>
        t.stack.clients.s3.send(
          new PutObjectCommand({
            Bucket: t.stack.bucket,
            Key: `incoming/${site}/Q3 return.xlsx`,
            Body: files[index],
          }),
        ),
      ),
    );
    await new Promise((resolve) => setImmediate(resolve));
    await t.stack.idle();
    const current = await t.store.currentReturns('2025-26-Q3');
    expect(current.map((entry) => entry.site).sort()).toEqual([...sites].sort());
    expect(await t.emails()).toHaveLength(5);
  });

  it.runIf(existsSync('/usr/bin/aws'))(
    'accepts an upload made with the real AWS CLI, within seconds',
    async () => {
      const folder = mkdtempSync(join(tmpdir(), 'awscli-'));
      const file = join(folder, 'ret.xlsx');
      writeFileSync(file, await filledReturn(validValues('BLK', '2025-26-Q3', 61), 'BLK', '2025-26-Q3'));
      const started = Date.now();
      // Asynchronously: the S3 emulator answering the CLI runs in this very process.
      await promisify(execFile)(
        '/usr/bin/aws',
        [
          '--endpoint-url',
          t.stack.endpoints.s3,
          's3',
          'cp',
          file,
          `s3://${t.stack.bucket}/incoming/BLK/my return.xlsx`,
        ],
        {
          env: {
            PATH: '/usr/bin:/bin',
            AWS_ACCESS_KEY_ID: 'S3RVER',
            AWS_SECRET_ACCESS_KEY: 'S3RVER',
            AWS_DEFAULT_REGION: 'eu-west-2',
            AWS_EC2_METADATA_DISABLED: 'true',
            AWS_CONFIG_FILE: '/dev/null',
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
            AWS_PAGER: '',
          },
          timeout: 30_000,
        },
      );
      await new Promise((resolve) => setImmediate(resolve));
      await t.stack.idle();
      const [submission] = (await t.store.siteSubmissions('BLK', '2025-26-Q3')).filter(
        (entry) => entry.s3Key === 'incoming/BLK/my return.xlsx',
      );
      expect(submission?.status).toBe('accepted');
      expect(
        (await t.emails()).some((email) => email.subject === 'Blackpool 2025-26 Q3 return: accepted'),
      ).toBe(true);
      // Seconds, for the record; the bench measures speed, this only shows the path works end to end.
      console.info(`AWS CLI upload to feedback email: ${Date.now() - started} ms`);
    },
  );
});
