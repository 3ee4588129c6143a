/**
 * The page frame: our own plain header (the service's name, the programme,
 * navigation for who is signed in, sign out), govuk-frontend's accessible
 * patterns for the rest, a skip link, and a footer with the accessibility
 * statement, privacy notice and help. No inline script or style: the CSP
 * allows only files from the portal itself.
 */
import { html, type SafeHtml } from '../html.js';
import type { Principal } from '../principal.js';

export interface PageFrame {
  readonly principal?: Principal;
  readonly siteName?: string;
  readonly csrf?: string;
  readonly programmeName: string;
  /** The path, to mark the current navigation link. */
  readonly path: string;
}

export const SERVICE_NAME = 'Monitoring returns';

function navigation(frame: PageFrame): Array<[string, string]> {
  if (frame.principal?.kind === 'site') {
    return [
      ['/returns', 'Your returns'],
      ['/upload', 'Upload and check'],
      ['/templates', 'Templates'],
      ['/releases', 'Published releases'],
    ];
  }
  if (frame.principal?.kind === 'staff') {
    return [
      ['/staff', 'Completeness'],
      ['/staff/charts', 'Charts'],
      ['/staff/releases', 'Publish'],
      ['/staff/downloads', 'Downloads'],
      ['/staff/users', 'Who has access'],
      ['/releases', 'Published releases'],
    ];
  }
  return [];
}

export function page(frame: PageFrame, title: string, body: SafeHtml): SafeHtml {
  const links = navigation(frame);
  // The longest link the path falls under is the current one (/staff/charts, not /staff as well).
  const current = links
    .map(([href]) => href)
    .filter((href) => frame.path === href || frame.path.startsWith(`${href}/`))
    .sort((a, b) => b.length - a.length)[0];
  const { principal } = frame;
  const who =
    principal && principal.kind !== 'no-access'
      ? `${principal.displayName}${principal.kind === 'site' ? `, ${frame.siteName ?? principal.site}` : ', funder staff'}`
      : principal?.displayName;
  return html`<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
<meta charset="utf-8">
<title>${title} – ${SERVICE_NAME}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/govuk-frontend.css">
<link rel="stylesheet" href="/assets/portal.css">
<script src="/assets/portal.js" defer></script>
</head>
<body class="govuk-template__body">
<a href="#main-content" class="govuk-skip-link">Skip to main content</a>
<header class="portal-header">
<div class="govuk-width-container portal-header__inner">
<a class="portal-header__service" href="/">${SERVICE_NAME}</a>
<span class="portal-header__programme">${frame.programmeName}</span>
${
  links.length > 0
    ? html`<nav class="portal-header__nav" aria-label="Main"><ul>${links.map(
        ([href, label]) =>
          html`<li><a href="${href}"${href === current ? html` aria-current="page"` : ''}>${label}</a></li>`,
      )}</ul></nav>`
    : ''
}
${
  principal
    ? html`<div class="portal-header__user"><span>Signed in as ${who}</span>
<form method="post" action="/sign-out"><input type="hidden" name="csrf" value="${frame.csrf ?? ''}"><button type="submit" class="portal-header__button">Sign out</button></form></div>`
    : html`<div class="portal-header__user"><a class="govuk-link govuk-link--inverse" href="/sign-in">Sign in</a></div>`
}
</div>
</header>
<div class="govuk-width-container">
<main class="govuk-main-wrapper" id="main-content">
${body}
</main>
</div>
<footer class="govuk-footer">
<div class="govuk-width-container">
<h2 class="govuk-visually-hidden">Support links</h2>
<ul class="govuk-footer__inline-list">
<li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/help">Help</a></li>
<li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/accessibility">Accessibility statement</a></li>
<li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/privacy">Privacy notice</a></li>
</ul>
</div>
</footer>
</body>
</html>`;
}

export function tag(text: string, tone: string): SafeHtml {
  return html`<strong class="govuk-tag govuk-tag--${tone}">${text}</strong>`;
}

/** `1 December 2026 at 10:02`, in UK time. */
export function when(iso: string): string {
  const date = new Date(iso);
  const day = date.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'Europe/London',
  });
  const time = date.toLocaleTimeString('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/London',
  });
  return `${day} at ${time}`;
}
