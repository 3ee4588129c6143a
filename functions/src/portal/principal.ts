/**
 * Who is asking: derived only from a verified access token's claims. A site
 * user belongs to exactly one site's group; funder staff to `funder-staff`.
 * Anyone else (no group, several sites, a site and staff at once) is signed in
 * but may see nothing: deny by default, and never guess which site was meant.
 */
import { SITE_GROUP_PREFIX, STAFF_GROUP } from '../config/access-groups.js';
import type { SiteRegistry } from '../programme/sites.js';

export type Principal =
  | { readonly kind: 'site'; readonly site: string; readonly username: string; readonly displayName: string }
  | { readonly kind: 'staff'; readonly username: string; readonly displayName: string }
  | { readonly kind: 'no-access'; readonly username: string; readonly displayName: string };

export function principalFrom(
  claims: { username: string; groups: readonly string[] },
  displayName: string,
  sites: SiteRegistry,
): Principal {
  const siteCodes = claims.groups
    .filter((group) => group.startsWith(SITE_GROUP_PREFIX))
    .map((group) => group.slice(SITE_GROUP_PREFIX.length))
    .filter((code) => sites.sites.some((site) => site.code === code));
  const staff = claims.groups.includes(STAFF_GROUP);
  const who = { username: claims.username, displayName };
  if (staff && siteCodes.length === 0) return { kind: 'staff', ...who };
  if (!staff && siteCodes.length === 1) return { kind: 'site', site: siteCodes[0] as string, ...who };
  return { kind: 'no-access', ...who };
}
