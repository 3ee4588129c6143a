/**
 * The HTML every email of ours shares: the page around the body, and the blocks
 * that look the same in the feedback, reminder and query emails. Inline styles,
 * because mail clients drop style sheets; everything from outside is escaped.
 * The reminder and query emails are made wholly of the simple blocks below, in
 * both bodies: text and HTML say the same thing from one list.
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

/** A block of a plain email (a reminder, a query): what it says, rendered as text and as HTML. */
export type EmailBlock =
  | { kind: 'paragraph'; text: string; strong?: boolean }
  | { kind: 'heading'; text: string }
  | { kind: 'list'; items: readonly string[] }
  | { kind: 'quote'; text: string }
  | { kind: 'link'; text: string; href: string };

export function emailText(blocks: readonly EmailBlock[]): string {
  const lines: string[] = [];
  for (const block of blocks) {
    switch (block.kind) {
      case 'paragraph':
        lines.push(block.text, '');
        break;
      case 'heading':
        lines.push(block.text.toUpperCase(), '');
        break;
      case 'list':
        for (const item of block.items) lines.push(`- ${item}`);
        lines.push('');
        break;
      case 'quote':
        for (const line of block.text.split(/\r?\n/)) lines.push(line.trim() ? `> ${line}` : '>');
        lines.push('');
        break;
      case 'link':
        lines.push(`${block.text}:`, block.href, '');
        break;
    }
  }
  return lines.join('\n').trimEnd();
}

export function emailHtml(subject: string, blocks: readonly EmailBlock[]): string {
  const body = blocks
    .map((block) => {
      switch (block.kind) {
        case 'paragraph':
          return block.strong
            ? `<p><strong>${escapeHtml(block.text)}</strong></p>`
            : `<p>${escapeHtml(block.text)}</p>`;
        case 'heading':
          return emailHeading(block.text);
        case 'list':
          return `<ul>${block.items.map((item) => `<li style="margin-bottom:4px">${escapeHtml(item)}</li>`).join('')}</ul>`;
        case 'quote':
          return `<blockquote style="margin:8px 0 16px;padding:8px 16px;border-left:4px solid #1f4e79;background:#f3f2f1;white-space:pre-wrap">${escapeHtml(block.text)}</blockquote>`;
        case 'link':
          return emailLink(block.text, block.href);
        default:
          return block satisfies never;
      }
    })
    .join('\n');
  return emailPage(subject, body);
}
