/**
 * Where things live on the portal, written once: the feedback email links to a
 * submission's page, and the portal's router serves the same path
 * (`PORTAL_PATHS`), so the two cannot drift apart.
 */
export const PORTAL_PATHS = {
  submission: '/returns/:period/submissions/:submissionId',
} as const;

export const portalLinks = {
  /** The portal's front page, where a grant holder signs in. */
  home: (portalUrl: string) => `${trimSlash(portalUrl)}/`,
  /** One submission's page: its result, its findings and the annotated copy. */
  submission: (portalUrl: string, period: string, submissionId: string) =>
    `${trimSlash(portalUrl)}${PORTAL_PATHS.submission
      .replace(':period', encodeURIComponent(period))
      .replace(':submissionId', encodeURIComponent(submissionId))}`,
} as const;

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
