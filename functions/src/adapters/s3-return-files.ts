/** The ReturnFiles port on S3 (and on s3rver locally, which speaks the same protocol). */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ListedObject, ReturnFiles, StoredObject } from '../submissions/ports.js';

export class S3ReturnFiles implements ReturnFiles {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        size: head.ContentLength ?? 0,
        ...(head.ETag ? { etag: head.ETag.replaceAll('"', '') } : {}),
        ...(head.VersionId && head.VersionId !== 'null' ? { versionId: head.VersionId } : {}),
        // User metadata comes back with its x-amz-meta- prefix removed and the name lower-cased.
        ...(head.Metadata?.['uploaded-by'] ? { uploadedBy: head.Metadata['uploaded-by'] } : {}),
      };
    } catch (error) {
      if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound') return undefined;
      throw error;
    }
  }

  async read(key: string): Promise<Buffer> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Buffer.from(
        await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      );
    } catch (error) {
      if (error instanceof NoSuchKey)
        throw new Error(`s3://${this.bucket}/${key} does not exist`, { cause: error });
      throw error;
    }
  }

  async write(key: string, bytes: Buffer | string, contentType: string): Promise<void> {
    // A Buffer or string body, never a stream: streamed bodies go aws-chunked, which s3rver stores framing and all.
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: contentType }),
    );
  }

  async list(
    prefix: string,
    options: { readonly startAfter?: string; readonly maxKeys: number },
  ): Promise<{ objects: ListedObject[]; truncated: boolean }> {
    const page = await this.s3.send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: prefix,
        MaxKeys: options.maxKeys,
        ...(options.startAfter ? { StartAfter: options.startAfter } : {}),
      }),
    );
    return {
      objects: (page.Contents ?? []).flatMap((object) =>
        object.Key
          ? [
              {
                key: object.Key,
                size: object.Size ?? 0,
                ...(object.ETag ? { etag: object.ETag.replaceAll('"', '') } : {}),
                lastModified: (object.LastModified ?? new Date(0)).toISOString(),
              },
            ]
          : [],
      ),
      truncated: page.IsTruncated === true,
    };
  }

  linkTo(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }
}
