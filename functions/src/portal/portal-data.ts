/**
 * Storage as one person may see it. Each request gets a PortalData bound to
 * its principal; every method asks `authorise` before it touches the records
 * or the bucket, and a refusal is NotFound. Use cases take a PortalData, so a
 * page cannot reach storage except through the one decision.
 */
import type { Submission, UnroutableUpload } from '../returns/submission.js';
import type { ValidationReport } from '../validation/report.js';
import { reportSchema } from '../validation/report.js';
import { type AccessRequest, NotFound, requireAccess } from './authorise.js';
import type {
  ListedObject,
  ObjectDetails,
  PortalFiles,
  PortalRecords,
  UploadForm,
  UploadFormRequest,
  UploadForms,
} from './ports.js';
import type { Principal } from './principal.js';

/** Submission IDs as the pipeline makes them: site and the first 16 hex digits of the file's SHA-256. */
export const SUBMISSION_ID = /^[A-Z]{3}-[0-9a-f]{16}$/;
export const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export class PortalData {
  constructor(
    readonly principal: Principal | undefined,
    private readonly records: PortalRecords,
    private readonly files: PortalFiles,
    private readonly uploads: UploadForms,
  ) {}

  private check(request: AccessRequest): void {
    requireAccess(this.principal, request);
  }

  async submission(submissionId: string): Promise<Submission> {
    // A malformed ID never reaches the table (nor a key built from it).
    if (!SUBMISSION_ID.test(submissionId)) throw new NotFound();
    const submission = await this.records.getSubmission(submissionId);
    if (!submission) throw new NotFound();
    this.check({ action: 'read-records', site: submission.site });
    return submission;
  }

  async siteSubmissions(site: string, period?: string): Promise<Submission[]> {
    this.check({ action: 'read-records', site });
    return this.records.siteSubmissions(site, period);
  }

  async yearOverview(year: string): ReturnType<PortalRecords['yearOverview']> {
    this.check({ action: 'read-programme-records' });
    return this.records.yearOverview(year);
  }

  /** Which uploads under incoming/ the pipeline has finished with (receiptId keys): staff only. */
  async uploadReceipts(objects: ReadonlyArray<{ key: string; etag?: string }>): Promise<Set<string>> {
    this.check({ action: 'read-programme-records' });
    return objects.length === 0 ? new Set() : this.records.receiptsFor(objects);
  }

  /** Uploads no site could claim: their keys may name anyone, so staff only. */
  async unroutableUploads(): Promise<UnroutableUpload[]> {
    this.check({ action: 'read-programme-records' });
    return this.records.unroutableUploads();
  }

  async report(submission: Submission): Promise<ValidationReport> {
    this.check({ action: 'read-object', key: submission.reportKey });
    const text = (await this.files.read(submission.reportKey)).toString('utf8');
    return reportSchema.parse(JSON.parse(text)) as ValidationReport;
  }

  async head(key: string): Promise<ObjectDetails | undefined> {
    this.check({ action: 'read-object', key });
    return this.files.head(key);
  }

  async list(prefix: string): Promise<ListedObject[]> {
    this.check({ action: 'list-objects', prefix });
    return this.files.list(prefix);
  }

  async signDownload(key: string, fileName: string, expiresInSeconds: number): Promise<string> {
    this.check({ action: 'read-object', key });
    return this.files.signDownload(key, fileName, expiresInSeconds);
  }

  async uploadForm(request: UploadFormRequest): Promise<UploadForm> {
    this.check({ action: 'upload-object', key: request.key });
    return this.uploads.create(request);
  }
}
