/**
 * The feedback email: what a grant holder reads a minute after sending their
 * return. Plain words, in the order they need them: the result, what to fix and
 * where, what happens next, the deadline, and a link to their own workbook with
 * the cells highlighted. Text and HTML say the same thing; everything from the
 * return is escaped in the HTML.
 *
 * input: the validation report and what the pipeline knows → output: FeedbackEmail
 */
import { escapeHtml } from '../dictionary/describe-dictionary.js';
import { describePeriod, longDate, type Period, parsePeriod } from '../programme/periods.js';
import type { Programme } from '../programme/programme.js';
import type { Site } from '../programme/sites.js';
import type { ValidationReport } from '../validation/report.js';
import { describeOutcome } from './render-report.js';

export interface FeedbackEmail {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The annotated workbook, when small enough to travel with the email. */
  readonly attachments?: ReadonlyArray<{
    readonly fileName: string;
    readonly contentType: string;
    readonly content: Buffer;
  }>;
}

export interface FeedbackContext {
  readonly report: ValidationReport;
  readonly site: Site;
  readonly programme: Programme;
  readonly recipients: readonly string[];
  /** The file's name as uploaded. */
  readonly fileName: string;
  /** When the upload arrived (ISO). */
  readonly receivedAt: string;
  /** Link to the annotated copy of their workbook, if one was made. */
  readonly annotatedLink?: string;
  /** The annotated copy itself, attached when it is small enough. */
  readonly annotated?: { readonly fileName: string; readonly content: Buffer };
  /** A highlighted copy was due but could not be made: the email says so, and lists every point itself. */
  readonly annotatedUnavailable?: boolean;
  readonly linkDays: number;
  /** Quoted if they write in about this file. */
  readonly reference: string;
  /** What the upload did to the quarter's current return. */
  readonly effect:
    | { readonly kind: 'now-current'; readonly replacedReceivedAt?: string }
    | { readonly kind: 'older-than-current'; readonly currentReceivedAt: string }
    | { readonly kind: 'rejected'; readonly standingReceivedAt?: string }
    | { readonly kind: 'unreadable' };
  readonly today: string;
}

type ReportFinding = ValidationReport['findings'][number];

export function composeFeedbackEmail(context: FeedbackContext): FeedbackEmail {
  const { report, site } = context;
  const period = periodOf(report);
  const what = period
    ? `${site.shortName} ${describePeriod(period)} return`
    : `${site.shortName} return (${context.fileName})`;
  const outcome = report.findings.some((finding) => finding.severity === 'fatal')
    ? 'could not be checked'
    : describeOutcome(report);
  const subject = `${what}: ${outcome}`;
  const blocks = buildBlocks(context, period);
  return {
    to: context.recipients,
    subject,
    text: `${renderText(blocks)}\n`,
    html: renderHtml(subject, blocks),
    ...(context.annotated
      ? {
          attachments: [
            {
              fileName: context.annotated.fileName,
              contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
              content: context.annotated.content,
            },
          ],
        }
      : {}),
  };
}

type Block =
  | { kind: 'paragraph'; text: string; strong?: boolean }
  | { kind: 'heading'; text: string }
  | { kind: 'findings'; findings: readonly ReportFinding[] }
  | { kind: 'link'; text: string; href: string };

function periodOf(report: ValidationReport): Period | undefined {
  const parsed = report.period ? parsePeriod(report.period) : undefined;
  return parsed && 'period' in parsed ? parsed.period : undefined;
}

function buildBlocks(context: FeedbackContext, period: Period | undefined): Block[] {
  const { report, site, programme, effect } = context;
  const blocks: Block[] = [];
  const received = describeMoment(context.receivedAt);
  const fatal = report.findings.filter((finding) => finding.severity === 'fatal');
  const errors = report.findings.filter((finding) => finding.severity === 'error');
  const warnings = report.findings.filter((finding) => finding.severity === 'warning');
  const quarter = period ? `${describePeriod(period)}` : 'the quarter';

  blocks.push({ kind: 'paragraph', text: `Hello ${site.name} team,` });
  if (fatal.length > 0) {
    blocks.push({
      kind: 'paragraph',
      text: `Thank you for sending ${context.fileName} on ${received}. We could not check it, for the reason below, so it has not been recorded as your return.`,
    });
    blocks.push({ kind: 'findings', findings: fatal });
  } else if (report.status === 'rejected') {
    blocks.push({
      kind: 'paragraph',
      strong: true,
      text: `Thank you for your ${quarter} return (${context.fileName}, received ${received}). It has not been accepted yet: there ${errors.length === 1 ? 'is 1 error' : `are ${errors.length} errors`} to fix.`,
    });
  } else {
    const warningText =
      warnings.length === 0
        ? 'Everything checked out.'
        : `It has ${warnings.length === 1 ? '1 warning' : `${warnings.length} warnings`}, listed below${report.counts.unexplainedWarnings > 0 ? ': please explain each one in the explanations table on the Commentary sheet, or correct the figure' : ', each already explained'}.`;
    blocks.push({
      kind: 'paragraph',
      strong: true,
      text: `Thank you: your ${quarter} return (${context.fileName}, received ${received}) has been accepted. ${warningText}`,
    });
  }

  switch (effect.kind) {
    case 'now-current':
      if (effect.replacedReceivedAt) {
        blocks.push({
          kind: 'paragraph',
          text: `It replaces the return you sent on ${describeMoment(effect.replacedReceivedAt)}, which we keep on file.`,
        });
      }
      break;
    case 'older-than-current':
      blocks.push({
        kind: 'paragraph',
        text: `You have since sent a later ${quarter} return (received ${describeMoment(effect.currentReceivedAt)}), so that one stands as your return; this one is kept on file.`,
      });
      break;
    case 'rejected':
      if (effect.standingReceivedAt) {
        blocks.push({
          kind: 'paragraph',
          text: `The ${quarter} return you sent on ${describeMoment(effect.standingReceivedAt)}, which was accepted, still stands until a corrected file is accepted. Nothing you sent has been lost.`,
        });
      }
      break;
    case 'unreadable':
      break;
  }

  if (errors.length > 0) {
    blocks.push({ kind: 'heading', text: 'Errors to fix' });
    blocks.push({ kind: 'findings', findings: errors });
  }
  if (warnings.length > 0) {
    blocks.push({ kind: 'heading', text: 'Warnings' });
    blocks.push({ kind: 'findings', findings: warnings });
  }
  const notRun = report.checksNotRun;
  if (notRun.length > 0 && fatal.length === 0) {
    blocks.push({
      kind: 'paragraph',
      text: `Not checked this time: ${notRun.map((check) => `${check.ruleId} (${check.title.toLowerCase()}), because ${check.reason}`).join('; ')}.`,
    });
  }

  blocks.push({ kind: 'heading', text: 'What to do next' });
  if (report.status === 'rejected') {
    blocks.push({
      kind: 'paragraph',
      text:
        fatal.length > 0
          ? 'Please put it right as described above and send the workbook again. Start from your partnership’s template if you can.'
          : 'Please correct the cells listed, save the workbook, and send it again. Your corrected file replaces this one.',
    });
  } else if (report.counts.unexplainedWarnings > 0) {
    blocks.push({
      kind: 'paragraph',
      text: 'Nothing more is needed for the return to count. If a warning points to a mistake, correct it and send the workbook again; if the figure is right, add a row to the explanations table saying why and send it again, so nobody needs to ask.',
    });
  } else {
    blocks.push({
      kind: 'paragraph',
      text: 'Nothing more is needed. If you find a mistake later, send a corrected workbook: it will replace this one.',
    });
  }
  if (period) {
    const due = programme.dueDate(period);
    blocks.push({
      kind: 'paragraph',
      text:
        context.today <= due
          ? `The ${quarter} return is due by ${longDate(due)}.`
          : `The ${quarter} return was due by ${longDate(due)}${report.status === 'rejected' ? ', so please send the corrected file as soon as you can' : ''}.`,
    });
  }
  if (context.annotated) {
    blocks.push({
      kind: 'paragraph',
      text: `Attached is your own workbook (${context.annotated.fileName}) with the cells to look at highlighted, a note on each, and a Feedback sheet listing every point.`,
    });
  }
  if (context.annotatedUnavailable && !context.annotated && !context.annotatedLink) {
    blocks.push({
      kind: 'paragraph',
      text: 'We could not make a copy of your workbook with these points highlighted this time, so every point is listed in this email instead; your return itself is not affected.',
    });
  }
  if (context.annotatedLink) {
    blocks.push({
      kind: 'link',
      text: `${context.annotated ? 'You can also download it' : 'Download your workbook with the cells to look at highlighted and a Feedback sheet listing every point'} (the link works for ${context.linkDays} days)`,
      href: context.annotatedLink,
    });
  }
  blocks.push({
    kind: 'paragraph',
    text: `Questions? Reply to ${programme.helpEmail}, quoting reference ${context.reference} so we can find your file.`,
  });
  blocks.push({ kind: 'paragraph', text: `${programme.funder}, ${programme.name} monitoring` });
  return blocks;
}

function describeMoment(iso: string): string {
  const date = new Date(iso);
  const time = date.toLocaleTimeString('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/London',
  });
  return `${longDate(iso.slice(0, 10))} at ${time}`;
}

function whereOf(finding: ReportFinding): string {
  if (!finding.sheet) return '';
  return `${finding.sheet}${finding.cell ? `, ${finding.cell}` : ''}`;
}

function renderText(blocks: readonly Block[]): string {
  const lines: string[] = [];
  for (const block of blocks) {
    switch (block.kind) {
      case 'paragraph':
        lines.push(block.text, '');
        break;
      case 'heading':
        lines.push(block.text.toUpperCase(), '');
        break;
      case 'findings':
        block.findings.forEach((finding, index) => {
          const where = whereOf(finding);
          lines.push(`${index + 1}. ${where ? `[${where}] ` : ''}${finding.message}`);
          if (finding.explanation) lines.push(`   Your explanation: "${finding.explanation}"`);
        });
        lines.push('');
        break;
      case 'link':
        lines.push(`${block.text}:`, block.href, '');
        break;
    }
  }
  return lines.join('\n').trimEnd();
}

function renderHtml(subject: string, blocks: readonly Block[]): string {
  const body = blocks
    .map((block) => {
      switch (block.kind) {
        case 'paragraph':
          return block.strong
            ? `<p><strong>${escapeHtml(block.text)}</strong></p>`
            : `<p>${escapeHtml(block.text)}</p>`;
        case 'heading':
          return `<h2 style="font-size:16px;color:#1f4e79;margin:20px 0 8px">${escapeHtml(block.text)}</h2>`;
        case 'findings':
          return `<ol>${block.findings
            .map((finding) => {
              const where = whereOf(finding);
              const explanation = finding.explanation
                ? `<br><em>Your explanation: “${escapeHtml(finding.explanation)}”</em>`
                : '';
              return `<li style="margin-bottom:8px">${where ? `<strong>${escapeHtml(where)}</strong>: ` : ''}${escapeHtml(finding.message)}${explanation}</li>`;
            })
            .join('')}</ol>`;
        case 'link':
          return `<p><a href="${escapeHtml(block.href)}">${escapeHtml(block.text)}</a></p>`;
        default:
          return block satisfies never;
      }
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:1.5;color:#1b1b1b;max-width:680px">
${body}
</body></html>
`;
}
