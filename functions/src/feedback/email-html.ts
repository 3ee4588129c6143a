/**
 * The HTML every email of ours shares: the page around the body, and the blocks
 * that look the same in the feedback and the reminder emails. Inline styles,
 * because mail clients drop style sheets; everything from outside is escaped.
 */
import { escapeHtml } from '../dictionary/describe-dictionary.js';

export function emailHeading(text: string): string {
  return `<h2 style="font-size:16px;color:#1f4e79;margin:20px 0 8px">${escapeHtml(text)}</h2>`;
}

export function emailLink(text: string, href: string): string {
  return `<p><a href="${escapeHtml(href)}">${escapeHtml(text)}</a></p>`;
}

export function emailPage(subject: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:1.5;color:#1b1b1b;max-width:680px">
${body}
</body></html>
`;
}
