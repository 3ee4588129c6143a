/**
 * The one authorisation decision. Every read and write of storage the portal
 * makes goes through `authorise` (by way of the guarded accessors in
 * portal-data.ts); page handlers never decide access themselves.
 *
 * Deny by default: a request is allowed only by a rule below that names it.
 * The site is always the principal's (from the verified token) and is compared
 * with the site a record or key belongs to; nothing the client sends chooses
 * a site. A refusal is reported to the person as "not found", so a guessed ID
 * of another site's record tells them nothing about whether it exists.
 */
import { ReturnsError } from '../errors.js';
import type { Principal } from './principal.js';

export type AccessRequest =
  /** A site's submissions and current returns in the table. */
  | { readonly action: 'read-records'; readonly site: string }
  /** Every site's records at once (completeness across the programme). */
  | { readonly action: 'read-programme-records' }
  /** Read an object, or sign a link that downloads it. */
  | { readonly action: 'read-object'; readonly key: string }
  | { readonly action: 'list-objects'; readonly prefix: string }
  /** Issue a form that uploads to this key. */
  | { readonly action: 'upload-object'; readonly key: string }
  /** Sign off, query or reopen a site's return, or settle a proposed revision: funder staff only. */
  | { readonly action: 'review-return'; readonly site: string }
  /** Answer a query on a site's return: that site's own people only. */
  | { readonly action: 'reply-to-query'; readonly site: string }
  /** Preview and publish a release (staff's deliberate act; the use case audits it). */
  | { readonly action: 'publish-release' }
  /** Write a filtered download under exports/ (when it cannot be streamed). */
  | { readonly action: 'write-export'; readonly key: string }
  /** See, invite and remove the portal's users (every site's people and staff). */
  | { readonly action: 'manage-users' };

/** Shown to the person as the 404 page; never says whether the thing exists. */
export class NotFound extends ReturnsError {
  constructor(message = 'not found') {
    super(message, { expose: true });
  }
}

const SITE = '[A-Z]{3}';
const UPLOAD_KEY = new RegExp(
  `^incoming/(${SITE})/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\\.xlsx$`,
);
/** archive/{SITE}/… and feedback/{SITE}/…: a site's own files. */
const SITE_FILE = new RegExp(`^(?:archive|feedback)/(${SITE})/[^/]+/[^/]+(?:/[^/]+)?$`);
const PUBLISHED_FILE = /^published\/[^/]+\/[^/]+\.xlsx$/;
/** The unsuppressed programme workbooks hold every site's small counts: staff only. */
const SUMMARY_FILE = /^summaries\/[^/]+\/[^/]+$/;
/** A filtered download of every site's stored returns: staff only. */
const EXPORT_FILE =
  /^exports\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\/returns-[0-9A-Za-z-]+\.(?:csv|json|xlsx)$/;

/** Keys with anything a path could be bent with are never ours to serve. */
function plainKey(key: string): boolean {
  return (
    key.length <= 512 &&
    !key.includes('..') &&
    !key.includes('//') &&
    !key.includes('\\') &&
    !key.startsWith('/') &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    !/[\u0000-\u001f\u007f]/.test(key)
  );
}

export function authorise(principal: Principal | undefined, request: AccessRequest): boolean {
  if (!principal || principal.kind === 'no-access') return false;
  const staff = principal.kind === 'staff';
  const ownSite = (site: string | undefined) => principal.kind === 'site' && site === principal.site;
  switch (request.action) {
    case 'read-records':
      return staff || ownSite(request.site);
    case 'read-programme-records':
      return staff;
    case 'read-object': {
      const { key } = request;
      if (!plainKey(key)) return false;
      const siteFile = SITE_FILE.exec(key) ?? UPLOAD_KEY.exec(key);
      if (siteFile) return staff || ownSite(siteFile[1]);
      if (PUBLISHED_FILE.test(key)) return true;
      if (SUMMARY_FILE.test(key)) return staff;
      if (EXPORT_FILE.test(key)) return staff;
      return false;
    }
    case 'list-objects': {
      const { prefix } = request;
      if (!plainKey(prefix)) return false;
      if (prefix === 'published/') return true;
      const incoming = new RegExp(`^incoming/(${SITE})/$`).exec(prefix);
      return incoming ? staff || ownSite(incoming[1]) : false;
    }
    case 'upload-object': {
      // Only a site's own people send its returns; staff uploads on a site's behalf are not part 1.
      const upload = UPLOAD_KEY.exec(request.key);
      return upload !== null && ownSite(upload[1]);
    }
    case 'review-return':
      return staff;
    case 'reply-to-query':
      return ownSite(request.site);
    case 'publish-release':
      return staff;
    case 'write-export':
      return staff && plainKey(request.key) && EXPORT_FILE.test(request.key);
    case 'manage-users':
      return staff;
    default:
      return false;
  }
}

/** Throws NotFound unless allowed: what every guarded accessor calls first. */
export function requireAccess(principal: Principal | undefined, request: AccessRequest): void {
  if (!authorise(principal, request)) throw new NotFound();
}
