/**
 * What the portal needs from storage, said in the domain's words. The records
 * are the pipeline's own SubmissionStore (the portal only reads them); the
 * files are the bucket, with the two things a browser-facing app adds: links
 * signed for one download, and forms that post an upload straight to S3.
 * Adapters implement these; nothing here knows S3 or DynamoDB.
 */
import type { ReleaseStore, ReturnFiles, StoredObject, SubmissionStore } from '../submissions/ports.js';

/** The pipeline's records, read-only, as far as the portal uses them. */
export type PortalRecords = Pick<
  SubmissionStore,
  | 'getSubmission'
  | 'siteSubmissions'
  | 'yearOverview'
  | 'currentReturns'
  | 'review'
  | 'yearReviews'
  | 'receiptsFor'
  | 'unroutableUploads'
>;

/**
 * What funder staff's publishing and downloads write: the release records and
 * the bucket as the use cases write it (release files under releases/ and
 * published/, filtered downloads under exports/).
 */
export interface StaffStores {
  readonly releases: ReleaseStore;
  readonly files: ReturnFiles;
  /**
   * How a filtered download reaches the browser: `stream`, in the response as
   * it is written (a Node server); `bucket`, written under exports/ and sent as
   * a signed link (a Lambda behind API Gateway, whose response is buffered and
   * at most 6 MB).
   */
  readonly exportDelivery: 'stream' | 'bucket';
}

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  /** ISO time the object was written. */
  readonly lastModified: string;
  readonly etag?: string;
}

export interface ObjectDetails extends StoredObject {
  readonly lastModified?: string;
  /** User metadata, keys without the `x-amz-meta-` prefix. */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface PortalFiles {
  head(key: string): Promise<ObjectDetails | undefined>;
  read(key: string): Promise<Buffer>;
  /** Every object under a prefix (paged through), oldest first. */
  list(prefix: string): Promise<ListedObject[]>;
  /** A link that downloads the object once under `fileName`, for `expiresInSeconds`. */
  signDownload(key: string, fileName: string, expiresInSeconds: number): Promise<string>;
}

export interface UploadFormRequest {
  readonly key: string;
  readonly maxBytes: number;
  readonly expiresInSeconds: number;
  /** Recorded on the object as `x-amz-meta-uploaded-by`; the pipeline carries it into the submission. */
  readonly uploadedBy: string;
  /** Where S3 sends the browser once the file is stored. */
  readonly redirectTo: string;
  readonly contentType: string;
}

/** A form the browser posts straight to the bucket: the action URL and the hidden fields, in order. */
export interface UploadForm {
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly expiresAt: string;
}

export interface UploadForms {
  create(request: UploadFormRequest): Promise<UploadForm>;
}

/** Who may sign in and with what access: the identity provider's user store (user-directory.ts). */
export type {
  Access,
  Invitation,
  InviteOutcome,
  PersonStatus,
  PortalUser,
  ResendOutcome,
  UserDirectory,
} from './user-directory.js';
