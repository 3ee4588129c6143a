/**
 * The email to the operations address when a grant holder's feedback could
 * not be delivered for a day: who was not told what, since when, and what to
 * do. Plain text; nothing from the workbook beyond the site and file name.
 */
import type { FeedbackEmail } from './feedback-email.js';

export interface UndeliveredFeedback {
  readonly operations: readonly string[];
  readonly siteName: string;
  readonly fileName: string;
  readonly reference: string;
  readonly recipients: readonly string[];
  /** When the first attempt was made (ISO). */
  readonly since: string;
  readonly attempts: number;
  readonly lastError?: string;
}

export function composeUndeliveredNotice(notice: UndeliveredFeedback): FeedbackEmail {
  const subject = `Feedback not delivered: ${notice.siteName}, ${notice.fileName}`;
  const text = [
    `The feedback email for ${notice.siteName}'s upload ${notice.fileName} (reference ${notice.reference}) could not be delivered after ${notice.attempts} attempts since ${notice.since.replace('T', ' ').slice(0, 16)} UTC.`,
    '',
    `It was addressed to: ${notice.recipients.join(', ')}.`,
    notice.lastError ? `The last failure was: ${notice.lastError}` : '',
    '',
    'The return itself is recorded and counts as usual; only the email is missing. Please tell the partnership its result (`returns submissions --site` shows it), and check the sending service.',
    'No further attempts will be made for this email.',
  ]
    .filter((line, index, all) => line !== '' || all[index - 1] !== '')
    .join('\n');
  return {
    to: notice.operations,
    subject,
    text: `${text}\n`,
    html: `<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>${escapeText(subject)}</title></head><body>${text
      .split('\n')
      .map((line) => (line ? `<p>${escapeText(line)}</p>` : ''))
      .join('')}</body></html>\n`,
  };
}

function escapeText(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string,
  );
}
