/**
 * The presigned POST's policy document, and the local check that stands in
 * for S3's (s3rver ignores policies): what our adapter signs, checked by the
 * same rules S3 applies, including expiry, which needs a clock.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3PresignedUploads } from '../../functions/src/adapters/s3-presigned-upload.js';
import { checkPostPolicy, PolicyRefusal } from '../../functions/src/local/local-upload-check.js';

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const s3 = new S3Client({
  region: 'eu-west-2',
  endpoint: 'http://127.0.0.1:1',
  forcePathStyle: true,
  credentials,
});
const signedAt = new Date();
const key = 'incoming/BLK/0b7c4a1e-2f3d-4c5b-8a9e-1d2c3b4a5f6e.xlsx';

async function form() {
  return new S3PresignedUploads(s3, 'monitoring-returns', () => signedAt).create({
    key,
    maxBytes: 10 * 1024 * 1024,
    expiresInSeconds: 600,
    uploadedBy: 'blackpool@demo.example',
    redirectTo: 'https://portal.example/uploads/0b7c4a1e-2f3d-4c5b-8a9e-1d2c3b4a5f6e',
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  });
}

function check(fields: Record<string, string>, file: Buffer | undefined, now: Date) {
  return checkPostPolicy(
    new Map(Object.entries(fields).map(([name, value]) => [name.toLowerCase(), value])),
    file,
    {
      bucket: 'monitoring-returns',
      ...credentials,
      now,
    },
  );
}

describe('the upload form’s policy', () => {
  it('pins the key, the size range, the uploader, the redirect and the content type', async () => {
    const { fields } = await form();
    const policy = JSON.parse(Buffer.from(fields.Policy as string, 'base64').toString('utf8'));
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['eq', '$key', key],
        ['content-length-range', 1, 10 * 1024 * 1024],
        ['eq', '$x-amz-meta-uploaded-by', 'blackpool@demo.example'],
        [
          'eq',
          '$success_action_redirect',
          'https://portal.example/uploads/0b7c4a1e-2f3d-4c5b-8a9e-1d2c3b4a5f6e',
        ],
        { bucket: 'monitoring-returns' },
      ]),
    );
    expect(Date.parse(policy.expiration) - signedAt.getTime()).toBeLessThanOrEqual(600_000 + 1000);
  });

  it('is accepted as signed, within its life, and carries the uploader as metadata', async () => {
    const { fields } = await form();
    const checked = check(fields, Buffer.from('PK'), new Date(signedAt.getTime() + 60_000));
    expect(checked).toMatchObject({ key, metadata: { 'uploaded-by': 'blackpool@demo.example' } });
  });

  it('is refused once expired', async () => {
    const { fields } = await form();
    expect(() => check(fields, Buffer.from('PK'), new Date(signedAt.getTime() + 601_000))).toThrow(
      /Policy expired/,
    );
  });

  it('is refused without a file', async () => {
    const { fields } = await form();
    expect(() => check(fields, undefined, signedAt)).toThrow(PolicyRefusal);
  });
});
