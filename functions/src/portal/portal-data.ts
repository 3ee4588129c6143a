/**
 * Storage as one person may see it. Each request gets a PortalData bound to
 * its principal; every method asks `authorise` before it touches the records
 * or the bucket, and a refusal is NotFound. Use cases take a PortalData, so a
 * page cannot reach storage except through the one decision.
 */
import type { Actor, AuditRecord, Review } from '../returns/review.js';
import type { CurrentReturn, Submission, UnroutableUpload } from '../returns/submission.js';
import type { ReleaseStore, ReturnFiles, SubmissionStore } from '../submissions/ports.js';
import {
  type ReviewOutcome,
  type ReviewRequest,
  type ReviewReturnDeps,
  reviewReturn,
} from '../submissions/review-return.js';
import type { ValidationReport } from '../validation/report.js';
import { reportSchema } from '../validation/report.js';
import { type AccessRequest, NotFound, requireAccess } from './authorise.js';
import type {
  ListedObject,
  ObjectDetails,
  PortalFiles,
  PortalRecords,
  StaffStores,
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
    private readonly staff: StaffStores,
    /** The review use case's dependencies (the table with write access, the mailer); absent, no reviews. */
    private readonly reviews?: ReviewReturnDeps,
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

  /** A site-quarter's review, its audit trail and current return: whoever may read the site's records. */
  async reviewOf(
    site: string,
    period: string,
  ): Promise<{ review?: Review; trail: AuditRecord[]; current?: CurrentReturn } | undefined> {
    this.check({ action: 'read-records', site });
    if (!this.reviews) return undefined;
    const { store } = this.reviews;
    const [review, trail, current] = await Promise.all([
      store.review(site, period),
      store.reviewTrail(site, period),
      store.currentReturn(site, period),
    ]);
    return { ...(review ? { review } : {}), trail, ...(current ? { current } : {}) };
  }

  /** One site's reviews for a year (its own page of returns): the year's reviews, kept to that site. */
  async siteReviews(site: string, year: string): Promise<Review[]> {
    this.check({ action: 'read-records', site });
    if (!this.reviews) return [];
    return (await this.reviews.store.yearReviews(year)).filter((review) => review.site === site);
  }

  /** Every review of a year, for the completeness grid: staff only. */
  async yearReviews(year: string): Promise<Review[]> {
    this.check({ action: 'read-programme-records' });
    return this.reviews ? this.reviews.store.yearReviews(year) : [];
  }

  /** Acts on a review as the signed-in person: staff's actions, or a site's reply to its own query. */
  async actOnReview(request: Omit<ReviewRequest, 'actor'>): Promise<ReviewOutcome> {
    const reply = request.action.kind === 'reply';
    this.check({ action: reply ? 'reply-to-query' : 'review-return', site: request.site });
    const actor = this.actor;
    if (!this.reviews || !actor) throw new NotFound();
    return reviewReturn(this.reviews, { ...request, actor });
  }

  /** The signed-in person as a review's audit records name them (never a name typed in a form). */
  get actor(): Actor | undefined {
    const principal = this.principal;
    if (!principal || principal.kind === 'no-access') return undefined;
    return {
      id: principal.username,
      name: principal.displayName,
      role: principal.kind,
      ...(principal.kind === 'site' ? { site: principal.site } : {}),
    };
  }

  async uploadForm(request: UploadFormRequest): Promise<UploadForm> {
    this.check({ action: 'upload-object', key: request.key });
    return this.uploads.create(request);
  }

  /**
   * The stores the publish use case reads and writes (it audits every release
   * itself), handed over only once the principal may publish.
   */
  publishing(): {
    readonly store: Pick<SubmissionStore, 'yearOverview' | 'review'>;
    readonly files: ReturnFiles;
    readonly releases: ReleaseStore;
  } {
    this.check({ action: 'publish-release' });
    return { store: this.records, files: this.staff.files, releases: this.staff.releases };
  }

  /** Every site's current return for a quarter: what filtered downloads are built from. */
  async currentReturns(period: string): Promise<CurrentReturn[]> {
    this.check({ action: 'read-programme-records' });
    return this.records.currentReturns(period);
  }

  get exportDelivery(): StaffStores['exportDelivery'] {
    return this.staff.exportDelivery;
  }

  async writeExport(key: string, bytes: Buffer, contentType: string): Promise<void> {
    this.check({ action: 'write-export', key });
    await this.staff.files.write(key, bytes, contentType);
  }
}
