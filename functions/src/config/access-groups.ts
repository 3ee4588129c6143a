/**
 * The identity provider's groups the portal reads access from: one per site,
 * `site-{CODE}`, and `funder-staff`. Shared by the portal (which reads them from
 * the verified token), the local sign-in and the CDK app (which creates them in
 * the Cognito user pool, one per site in templates/sites.yaml).
 */
export const STAFF_GROUP = 'funder-staff';
export const SITE_GROUP_PREFIX = 'site-';

/** The group of a site's people: `site-BLK`. */
export function siteGroup(code: string): string {
  return `${SITE_GROUP_PREFIX}${code}`;
}
