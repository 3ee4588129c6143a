/**
 * The feedback email: what a grant holder reads a minute after sending their
 * return. Plain words, in the order they need them: the result; for an accepted
 * return its headline figures (from the dictionary's `headline` items) so a
 * typo shows at a glance; for a rejected one how many errors, in how many
 * cells, and which to fix first; every finding with its sheet and cell; what
 * happens next; the deadline; and where to see it all again: the return's page
 * on the portal when there is one, otherwise the annotated copy attached.
 * Text and HTML say the same thing; everything from the return is escaped in
 * the HTML.
 *
 * input: the validation report and what the pipeline knows → output: FeedbackEmail
 */

import { portalLinks } from '../config/portal-links.js';
import { escapeHtml } from '../dictionary/describe-dictionary.js';
import type { Dictionary } from '../dictionary/load-dictionary.js';
import { describePeriod, type Period, parsePeriod } from '../programme/periods.js';
import type { Programme } from '../programme/programme.js';
import type { Site } from '../programme/sites.js';
import { formatCount, formatMoney } from '../validation/findings.js';
import type { ValidationReport } from '../validation/report.js';
import { XLSX_MEDIA_TYPE } from '../xlsx/package-names.js';
import { emailHeading, emailLink, emailPage } from './email-html.js';
import { count, findingTag, resultPhrase, thereAre, ukDate, ukDateTime } from './wording.js';

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
  /** The dictionary the return was checked with: its headline items are echoed back. */
  readonly dictionary?: Dictionary;
  readonly recipients: readonly string[];
  /** The file's name as uploaded. */
  readonly fileName: string;
  /** When the upload arrived (ISO). */
  readonly receivedAt: string;
  /**
   * A download link to the annotated copy. Used only when there is no portal and
   * the copy is too large to attach: a presigned link made with a Lambda role's
   * temporary credentials stops working when they expire, often within hours.
   */
  readonly annotatedLink?: string;
  /** The annotated copy itself, attached when it is small enough. */
  readonly annotated?: { readonly fileName: string; readonly content: Buffer };
  /** A highlighted copy was due but could not be made: the email says so, and lists every point itself. */
  readonly annotatedUnavailable?: boolean;
  /** The submission ID: quoted if they write in, and the key of its portal page. */
  readonly reference: string;
  /** What the upload did to the quarter's current return; file names are the ones uploaded. */
  readonly effect:
    | {
        readonly kind: 'now-current';
        readonly replacedReceivedAt?: string;
        readonly replacedFileName?: string;
        /** The quarter was queried: this file answers the query and goes back for review. */
        readonly answersQuery?: boolean;
      }
    | {
        /** The quarter was signed off: this file waits for the funder to accept it. */
        readonly kind: 'proposed-revision';
        readonly signedOffAt?: string;
      }
    | {
        readonly kind: 'older-than-current';
        readonly currentReceivedAt: string;
        readonly currentFileName?: string;
      }
    | {
        readonly kind: 'rejected';
        readonly standingReceivedAt?: string;
        readonly standingFileName?: string;
      }
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
  const subject = `${what}: ${resultPhrase(report)}`;
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
              contentType: XLSX_MEDIA_TYPE,
              content: context.annotated.content,
            },
          ],
        }
      : {}),
  };
}

type Tone = 'accepted' | 'warnings' | 'rejected';

type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'result'; text: string; tone: Tone }
  | { kind: 'heading'; text: string }
  | { kind: 'findings'; findings: readonly ReportFinding[] }
  | { kind: 'first'; finding: ReportFinding }
  | { kind: 'figures'; rows: ReadonlyArray<{ label: string; value: string }> }
  | { kind: 'link'; text: string; href: string };

function periodOf(report: ValidationReport): Period | undefined {
  const parsed = report.period ? parsePeriod(report.period) : undefined;
  return parsed && 'period' in parsed ? parsed.period : undefined;
}

/** "ret.xlsx, received 1 December 2026 at 07:49", or "the return received …" when the name is not known. */
function earlierFile(fileName: string | undefined, receivedAt: string): string {
  return `${fileName ?? 'the return'}, received ${ukDateTime(receivedAt)}`;
}

function buildBlocks(context: FeedbackContext, period: Period | undefined): Block[] {
  const { report, site, programme, effect } = context;
  const blocks: Block[] = [];
  const received = ukDateTime(context.receivedAt);
  const fatal = report.findings.filter((finding) => finding.severity === 'fatal');
  const errors = report.findings.filter((finding) => finding.severity === 'error');
  const warnings = report.findings.filter((finding) => finding.severity === 'warning');
  const quarter = period ? describePeriod(period) : 'the quarter';
  const portalPage =
    programme.portalUrl && report.period
      ? portalLinks.submission(programme.portalUrl, report.period, context.reference)
      : undefined;

  const sendAgain = programme.portalUrl ? 'upload it again on the portal' : 'send it again';

  blocks.push({ kind: 'paragraph', text: `Hello ${site.name} team,` });
  if (fatal.length > 0) {
    blocks.push({
      kind: 'result',
      tone: 'rejected',
      text: `Thank you for sending ${context.fileName} on ${received}. We could not check it, for the reason below, so it has not been recorded as your return.`,
    });
    blocks.push({ kind: 'findings', findings: fatal });
  } else if (report.status === 'rejected') {
    const cells = distinctCells(errors);
    blocks.push({
      kind: 'result',
      tone: 'rejected',
      text: `Thank you for your ${quarter} return (${context.fileName}, received ${received}). It has not been accepted yet: ${thereAre(errors.length, 'error')} to fix${cells > 0 ? `, involving ${count(cells, 'cell')}` : ''}${warnings.length > 0 ? `, and ${count(warnings.length, 'warning')} to look at` : ''}.`,
    });
    // Findings come in workbook order, so the first error is the first a person meets.
    const first = errors[0];
    if (first && errors.length > 1) blocks.push({ kind: 'first', finding: first });
  } else {
    const unexplained = report.counts.unexplainedWarnings;
    const warningText =
      warnings.length === 0
        ? 'Everything checked out.'
        : unexplained === 0
          ? `It has ${count(warnings.length, 'warning')}, listed below, each already explained.`
          : `It has ${count(warnings.length, 'warning')}, listed below${unexplained < warnings.length ? `, ${unexplained} of them not yet explained` : ''}: please correct each figure or explain it in the explanations table on the Commentary sheet.`;
    blocks.push({
      kind: 'result',
      tone: unexplained > 0 ? 'warnings' : 'accepted',
      text: `Thank you: your ${quarter} return (${context.fileName}, received ${received}) has been accepted. ${warningText}`,
    });
  }

  switch (effect.kind) {
    case 'now-current':
      if (effect.replacedReceivedAt) {
        blocks.push({
          kind: 'paragraph',
          text: `It replaces ${earlierFile(effect.replacedFileName, effect.replacedReceivedAt)}, which we keep on record.`,
        });
      }
      if (effect.answersQuery) {
        blocks.push({
          kind: 'paragraph',
          text: `Thank you for answering the funder’s question about your ${quarter} return: this file goes back to them for review, and you will hear if they need anything more.`,
        });
      }
      break;
    case 'proposed-revision':
      blocks.push({
        kind: 'paragraph',
        text: `Your ${quarter} return was already signed off by the funder${effect.signedOffAt ? ` on ${ukDate(effect.signedOffAt)}` : ''}, so this file does not replace it yet: it waits as a proposed revision until the funder accepts it. Until then the signed-off return stands and the programme figures are unchanged. You do not need to do anything more; if the change is urgent, tell ${programme.helpEmail}.`,
      });
      break;
    case 'older-than-current':
      blocks.push({
        kind: 'paragraph',
        text: `You have since sent a later ${quarter} return (${earlierFile(effect.currentFileName, effect.currentReceivedAt)}), so that one stands as your return; this one is kept on record.`,
      });
      break;
    case 'rejected':
      if (effect.standingReceivedAt) {
        blocks.push({
          kind: 'paragraph',
          text: `Your earlier ${quarter} return (${earlierFile(effect.standingFileName, effect.standingReceivedAt)}), which was accepted, still stands until a corrected file is accepted. Nothing you sent has been lost.`,
        });
      }
      break;
    case 'unreadable':
      break;
  }

  const figures = headlineFigures(context);
  if (figures.length > 0) {
    blocks.push({ kind: 'heading', text: 'Your headline figures' });
    blocks.push({
      kind: 'paragraph',
      text: `As we read them from your return. If one looks wrong, correct it in the workbook and ${sendAgain}.`,
    });
    blocks.push({ kind: 'figures', rows: figures });
  }

  if (errors.length > 0) {
    blocks.push({ kind: 'heading', text: 'Errors to fix' });
    blocks.push({ kind: 'findings', findings: errors });
  }
  if (warnings.length > 0) {
    blocks.push({ kind: 'heading', text: report.status === 'rejected' ? 'Warnings to look at' : 'Warnings' });
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
          ? `Please put it right as described above and ${sendAgain}. Start from your partnership’s template if you can.`
          : `Please correct the cells listed, save the workbook, and ${sendAgain}. Your corrected file replaces this one.`,
    });
  } else if (effect.kind === 'proposed-revision') {
    blocks.push({
      kind: 'paragraph',
      text: 'Nothing more is needed from you. The funder will look at this revision and either accept it, when it becomes your return for the quarter, or keep the signed-off return; either way it stays on record.',
    });
  } else if (report.counts.unexplainedWarnings > 0) {
    blocks.push({
      kind: 'paragraph',
      text: `Nothing more is needed for the return to count. If a warning points to a mistake, correct it; if the figure is right, add a row to the explanations table saying why. Then save the workbook and ${sendAgain}, so nobody needs to ask.`,
    });
  } else {
    blocks.push({
      kind: 'paragraph',
      text: `Nothing more is needed. If you find a mistake later, correct the workbook and ${sendAgain}: it will replace this one.`,
    });
  }
  if (period) {
    const due = programme.dueDate(period);
    blocks.push({
      kind: 'paragraph',
      text:
        context.today <= due
          ? `The ${quarter} return is due by ${ukDate(due)}.`
          : `The ${quarter} return was due by ${ukDate(due)}${report.status === 'rejected' ? ', so please send the corrected file as soon as you can' : ''}.`,
    });
  }
  if (context.annotated) {
    blocks.push({
      kind: 'paragraph',
      text: `Attached is your own workbook (${context.annotated.fileName}) with the cells to look at highlighted, a note on each, and a Feedback sheet listing every point. You can correct the figures in it and send it back.`,
    });
  }
  if (context.annotatedUnavailable && !context.annotated && !context.annotatedLink) {
    blocks.push({
      kind: 'paragraph',
      text: 'We could not make a copy of your workbook with these points highlighted this time, so every point is listed in this email instead; your return itself is not affected.',
    });
  }
  if (portalPage) {
    blocks.push({
      kind: 'link',
      text:
        report.findings.length > 0
          ? `See this return on the portal: its result, every point above${context.annotatedLink || context.annotated ? ' and your workbook with the cells highlighted' : ''}`
          : 'See this return on the portal',
      href: portalPage,
    });
  } else if (programme.portalUrl) {
    blocks.push({
      kind: 'link',
      text: 'Upload a new file on the portal',
      href: portalLinks.home(programme.portalUrl),
    });
  } else if (context.annotatedLink && !context.annotated) {
    // Too large to attach and no portal: the link is all there is, and it does not last.
    blocks.push({
      kind: 'link',
      text: 'Download your workbook with the cells to look at highlighted and a Feedback sheet listing every point',
      href: context.annotatedLink,
    });
    blocks.push({
      kind: 'paragraph',
      text: `This link stops working after a short time, so please download the copy soon. If it no longer works, email ${programme.helpEmail} and we will send it again.`,
    });
  }
  blocks.push({
    kind: 'paragraph',
    text: `Questions? Email ${programme.helpEmail}, quoting reference ${context.reference} so we can find your file.`,
  });
  blocks.push({ kind: 'paragraph', text: `${programme.funder}, ${programme.name} monitoring` });
  return blocks;
}

/** The dictionary's headline items as the return gave them, for an accepted return. */
function headlineFigures(context: FeedbackContext): Array<{ label: string; value: string }> {
  const { report, dictionary } = context;
  if (!dictionary || !report.values || report.status === 'rejected') return [];
  return dictionary.items
    .filter((item) => item.headline)
    .map((item) => {
      const value = report.values?.items[item.id];
      const shown =
        value === undefined
          ? 'not reported'
          : typeof value === 'number'
            ? item.type === 'money'
              ? formatMoney(value)
              : `${formatCount(value)}${item.unit && item.unit !== '£' ? ` ${item.unit}` : ''}`
            : value;
      return { label: item.label, value: shown };
    });
}

function distinctCells(findings: readonly ReportFinding[]): number {
  return new Set(
    findings.flatMap((finding) => finding.cells.map((cell) => `${cell.sheet}!${cell.row}:${cell.column}`)),
  ).size;
}

/** The message itself names the item and its cell, so the lead-in says only why this one. */
const FIRST_ERROR = 'Start with this one, the first in the workbook:';

function renderText(blocks: readonly Block[]): string {
  const lines: string[] = [];
  for (const block of blocks) {
    switch (block.kind) {
      case 'paragraph':
      case 'result':
        lines.push(block.text, '');
        break;
      case 'heading':
        lines.push(block.text.toUpperCase(), '');
        break;
      case 'first':
        lines.push(`${FIRST_ERROR} ${block.finding.message}`, '');
        break;
      case 'figures': {
        const width = Math.max(...block.rows.map((row) => row.label.length));
        for (const row of block.rows) lines.push(`  ${`${row.label}:`.padEnd(width + 2)}${row.value}`);
        lines.push('');
        break;
      }
      case 'findings':
        block.findings.forEach((finding, index) => {
          const tag = findingTag(finding);
          lines.push(`${index + 1}. ${tag ? `[${tag}] ` : ''}${finding.message}`);
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

/** Colours for the result banner; the words say the same, so colour is never the only signal. */
const TONES: Record<Tone, { border: string; background: string }> = {
  accepted: { border: '#00703c', background: '#e8f5ee' },
  warnings: { border: '#b25d00', background: '#fdf3e6' },
  rejected: { border: '#c3262e', background: '#fbeaeb' },
};

function renderHtml(subject: string, blocks: readonly Block[]): string {
  const body = blocks
    .map((block) => {
      switch (block.kind) {
        case 'paragraph':
          return `<p>${escapeHtml(block.text)}</p>`;
        case 'result': {
          const tone = TONES[block.tone];
          return `<p style="border-left:6px solid ${tone.border};background:${tone.background};padding:12px 16px"><strong>${escapeHtml(block.text)}</strong></p>`;
        }
        case 'heading':
          return emailHeading(block.text);
        case 'first':
          return `<p style="border:2px solid #1f4e79;padding:10px 14px"><strong>${escapeHtml(FIRST_ERROR)}</strong> ${escapeHtml(block.finding.message)}</p>`;
        case 'figures':
          return `<table style="border-collapse:collapse;margin:0 0 12px">${block.rows
            .map(
              (row) =>
                `<tr><th scope="row" style="text-align:left;font-weight:normal;padding:4px 24px 4px 0;border-bottom:1px solid #d0d0d0">${escapeHtml(row.label)}</th><td style="text-align:right;font-weight:bold;padding:4px 0;border-bottom:1px solid #d0d0d0">${escapeHtml(row.value)}</td></tr>`,
            )
            .join('')}</table>`;
        case 'findings':
          return `<ol>${block.findings
            .map((finding) => {
              const where = findingTag(finding);
              const explanation = finding.explanation
                ? `<br><em>Your explanation: “${escapeHtml(finding.explanation)}”</em>`
                : '';
              return `<li style="margin-bottom:8px">${where ? `<strong>${escapeHtml(where)}</strong>: ` : ''}${escapeHtml(finding.message)}${explanation}</li>`;
            })
            .join('')}</ol>`;
        case 'link':
          return emailLink(block.text, block.href);
        default:
          return block satisfies never;
      }
    })
    .join('\n');
  return emailPage(subject, body);
}
