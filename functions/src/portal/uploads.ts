/**
 * Upload and check. The portal never carries the file: it issues a form that
 * posts straight to S3 under a key it chooses (incoming/{SITE}/{uuid}.xlsx,
 * the site from the verified token), then follows the upload by that key
 * until the pipeline has recorded its submission.
 *
 * input: the principal's site → output: a signed form, good for a few minutes
 * input: an upload ID from S3's redirect → output: checking, checked (the
 *        submission to show), or not received
 */
import { randomUUID } from 'node:crypto';
import type { Submission } from '../returns/submission.js';
import { NotFound } from './authorise.js';
import { type PortalData, UPLOAD_ID } from './portal-data.js';
import type { UploadForm } from './ports.js';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface PortalSettings {
  /** The portal's own address, no trailing slash: https, or http only on 127.0.0.1. */
  readonly portalUrl: string;
  readonly maxUploadBytes: number;
  readonly uploadFormSeconds: number;
  readonly downloadLinkSeconds: number;
}

export function uploadKey(site: string, uploadId: string): string {
  return `incoming/${site}/${uploadId}.xlsx`;
}

export async function prepareUpload(
  data: PortalData,
  settings: PortalSettings,
  site: string,
  uploadedBy: string,
): Promise<UploadForm & { uploadId: string }> {
  const uploadId = randomUUID();
  const form = await data.uploadForm({
    key: uploadKey(site, uploadId),
    maxBytes: settings.maxUploadBytes,
    expiresInSeconds: settings.uploadFormSeconds,
    uploadedBy,
    redirectTo: `${settings.portalUrl}/uploads/${uploadId}`,
    contentType: XLSX_TYPE,
  });
  return { ...form, uploadId };
}

export type UploadProgress =
  | { readonly state: 'checked'; readonly submission: Submission }
  | { readonly state: 'checking'; readonly receivedAt?: string; readonly minutes: number };

export async function uploadProgress(
  data: PortalData,
  site: string,
  uploadId: string,
  now: Date,
): Promise<UploadProgress> {
  if (!UPLOAD_ID.test(uploadId)) throw new NotFound();
  const key = uploadKey(site, uploadId);
  const stored = await data.head(key);
  if (!stored) throw new NotFound();
  const submissions = await data.siteSubmissions(site);
  // The same bytes sent twice make one submission, recorded under the first key: match the ETag too.
  const submission = submissions
    .filter((entry) => entry.s3Key === key || (stored.etag !== undefined && entry.etag === stored.etag))
    .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt))[0];
  if (submission) return { state: 'checked', submission };
  const minutes = stored.lastModified
    ? Math.floor((now.getTime() - Date.parse(stored.lastModified)) / 60_000)
    : 0;
  return { state: 'checking', ...(stored.lastModified ? { receivedAt: stored.lastModified } : {}), minutes };
}
