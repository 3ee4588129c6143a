/**
 * Which uploads are returns: the one definition the bucket notification (CDK),
 * the handler, the local stack, the CLI and the demonstration share. No SDK
 * here, so the CDK app may import it.
 *
 * S3 announces every object created under the prefix, whatever its name; the
 * handler decides, and records what it cannot route (no site folder, a folder
 * that names no site, a file that is not a workbook), so nothing sent is
 * dropped in silence. S3's suffix filter is case-sensitive and Windows users
 * save `RETURN.XLSX` as often as `return.xlsx`: deciding in code reads both.
 */
import { KEYS } from './bucket-layout.js';

export const UPLOADS = {
  /** Everything under this prefix is announced and looked at. */
  prefix: KEYS.incomingPrefix,
  /** A return is a workbook: the suffix, compared without regard to case. */
  suffix: '.xlsx',
} as const;

/** The key a grant holder's upload is stored under (the CLI, the demo and the portal use it). */
export function uploadKey(siteCode: string, fileName: string): string {
  return `${UPLOADS.prefix}${siteCode}/${fileName}`;
}

export type RoutedKey =
  | { readonly route: 'return'; readonly siteFolder: string; readonly fileName: string }
  | { readonly route: 'folder' }
  | { readonly route: 'outside' }
  | { readonly route: 'unroutable'; readonly reason: UnroutableReason; readonly siteFolder?: string };

export type UnroutableReason = 'no-site-folder' | 'not-a-workbook' | 'unknown-site';

/** What staff read about an upload nobody could route, by reason. */
export const UNROUTABLE_REASONS: Record<UnroutableReason, string> = {
  'no-site-folder': 'not in a site folder (uploads go in incoming/{SITE}/)',
  'not-a-workbook': 'not an .xlsx workbook',
  'unknown-site': 'the folder names no site in the registry',
};

/**
 * Routes an object key (already URL-decoded). Deep paths
 * (`incoming/BLK/2025/q2.xlsx`) belong to the first folder's site; the site
 * folder is matched without regard to case (`incoming/blk/` is Blackpool's:
 * the code is unambiguous, and a grant holder who typed it in lower case meant
 * their own site). Whether the folder names a real site is the registry's
 * call, made by the caller.
 */
export function routeKey(key: string): RoutedKey {
  if (!key.startsWith(UPLOADS.prefix)) return { route: 'outside' };
  const rest = key.slice(UPLOADS.prefix.length);
  // A folder marker (the S3 console's "Create folder"): nothing was sent.
  if (rest === '' || rest.endsWith('/')) return { route: 'folder' };
  const slash = rest.indexOf('/');
  if (slash <= 0) return { route: 'unroutable', reason: 'no-site-folder' };
  const siteFolder = rest.slice(0, slash);
  const path = rest.slice(slash + 1);
  if (!path.toLowerCase().endsWith(UPLOADS.suffix))
    return { route: 'unroutable', reason: 'not-a-workbook', siteFolder };
  return { route: 'return', siteFolder, fileName: path.slice(path.lastIndexOf('/') + 1) };
}
