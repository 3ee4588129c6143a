/**
 * The portal's view of the bucket: head with metadata, read, list a prefix,
 * and links signed for one download with the file name the person should see.
 * Links are made on click and live for a minute or so, so they never outlive
 * the credentials that signed them (a Lambda role's last hours, not days).
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NotFound,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ListedObject, ObjectDetails, PortalFiles } from '../portal/ports.js';

/** A listing is bounded: a prefix the portal lists holds one site's uploads or the releases. */
const MAX_PAGES = 20;

export class S3PortalFiles implements PortalFiles {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    /** Signs download links for the address the browser reaches S3 at (locally, the upload policy check). */
    private readonly signer: S3Client = s3,
  ) {}

  async head(key: string): Promise<ObjectDetails | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        size: head.ContentLength ?? 0,
        ...(head.ETag ? { etag: head.ETag.replaceAll('"', '') } : {}),
        ...(head.LastModified ? { lastModified: head.LastModified.toISOString() } : {}),
        metadata: head.Metadata ?? {},
      };
    } catch (error) {
      if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound') return undefined;
      throw error;
    }
  }

  async read(key: string): Promise<Buffer> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  }

  async list(prefix: string): Promise<ListedObject[]> {
    const objects: ListedObject[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const listing = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const entry of listing.Contents ?? []) {
        if (!entry.Key) continue;
        objects.push({
          key: entry.Key,
          size: entry.Size ?? 0,
          lastModified: (entry.LastModified ?? new Date(0)).toISOString(),
          ...(entry.ETag ? { etag: entry.ETag.replaceAll('"', '') } : {}),
        });
      }
      token = listing.IsTruncated ? listing.NextContinuationToken : undefined;
      if (!token) break;
    }
    return objects.sort((a, b) => a.lastModified.localeCompare(b.lastModified) || a.key.localeCompare(b.key));
  }

  signDownload(key: string, fileName: string, expiresInSeconds: number): Promise<string> {
    const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
    return getSignedUrl(
      this.signer,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentDisposition: `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`,
      }),
      { expiresIn: expiresInSeconds },
    );
  }
}
