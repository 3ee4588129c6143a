/**
 * The Feedback sheet: added last and opened first, it says what the check
 * found in words, then lists every finding with a link to its cell. Its text
 * is written as inline strings, so the shared strings are not touched and no
 * message can be read as a formula.
 */

import {
  type CellLocation,
  describeCellRefs,
  describeLocation,
  type Finding,
  SEVERITY_LABELS,
} from '../../validation/findings.js';
import type { ValidationReport } from '../../validation/report.js';
import { columnLetters } from '../../xlsx/cell-references.js';
import { NAMESPACES } from '../../xlsx/package-names.js';
import { escapeCellText, escapeXml, XML_DECLARATION } from '../../xlsx/xml-text.js';
import { resultHeadline } from '../wording.js';
import { HIGHLIGHT_BORDERS, HIGHLIGHT_COLOURS, INPUT_COLOUR } from './own-marks.js';
import type { StyleSheet } from './styles.js';

export interface FeedbackSheetOptions {
  /** The first line of the Feedback sheet; the default names the site and quarter. */
  readonly title?: string;
}

export interface SheetEntry {
  readonly name: string;
  readonly part: string | undefined;
  readonly state: string;
}

interface FeedbackCell {
  readonly column: number;
  readonly text: string;
  readonly style: number;
}

/** The Feedback sheet's title: the same headline the email and the portal give. */
export function resultSentence(report: Pick<ValidationReport, 'status' | 'counts'>): string {
  return resultHeadline(report);
}

export function feedbackSheet(
  report: ValidationReport,
  sheets: readonly SheetEntry[],
  styles: StyleSheet,
  namespace: string,
  options: FeedbackSheetOptions,
): string {
  const titleFont = styles.font({ bold: true, size: 14, rgb: 'FF1F4E79' });
  const boldFont = styles.font({ bold: true });
  const linkFont = styles.font({ underline: true, rgb: 'FF0563C1' });
  const quietFont = styles.font({ size: 9, rgb: 'FF595959' });
  const severityStyle = (severity: keyof typeof HIGHLIGHT_COLOURS) =>
    styles.format({
      fontId: boldFont,
      fillId: styles.solidFill(HIGHLIGHT_COLOURS[severity]),
      borderId: styles.border(HIGHLIGHT_BORDERS[severity].style, HIGHLIGHT_BORDERS[severity].rgb),
      wrap: true,
    });
  const s = {
    title: styles.format({ fontId: titleFont }),
    result: styles.format({ fontId: boldFont, fillId: styles.solidFill(statusColour(report)) }),
    plain: styles.format({}),
    heading: styles.format({ fontId: boldFont }),
    header: styles.format({
      fontId: boldFont,
      fillId: styles.solidFill('FFD9D9D9'),
      vertical: 'center',
      wrap: true,
    }),
    body: styles.format({ wrap: true }),
    quiet: styles.format({ fontId: quietFont, wrap: true }),
    error: severityStyle('error'),
    warning: severityStyle('warning'),
    input: styles.format({
      fontId: boldFont,
      fillId: styles.solidFill(INPUT_COLOUR),
      borderId: styles.border('thin', 'FFBFBFBF'),
    }),
    link: styles.format({ fontId: linkFont, wrap: true }),
  };
  // Severity, sheet, cell, what is wrong, the person's explanation, and the rule's or check's code last (for support).
  const widths = [11, 18, 16, 90, 50, 16];
  const about = [report.site, report.period?.replace(/-(Q\d)$/, ' $1')].filter(Boolean).join(' ');
  const checked = new Date(report.checkedAt);
  const checkedText = Number.isNaN(checked.getTime())
    ? ''
    : `Checked on ${checked.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })}${
        report.dictionaryVersion ? ` against the ${report.dictionaryVersion} data dictionary` : ''
      }. `;
  const legend = (text: string, style: number, meaning: string) => ({
    cells: [
      { column: 1, text, style },
      { column: 2, text: meaning, style: s.plain },
    ],
    height: 18,
  });
  const rows: Array<{ cells: FeedbackCell[]; height?: number }> = [
    {
      cells: [
        {
          column: 1,
          text: options.title ?? `Feedback on this return${about ? ` (${about})` : ''}`,
          style: s.title,
        },
      ],
      height: 21,
    },
    {
      // The result's colour runs across the table's width (blank cells: the text still overflows into them).
      cells: widths.map((_, index) => ({
        column: index + 1,
        text: index === 0 ? resultSentence(report) : '',
        style: s.result,
      })),
      height: 18,
    },
    {
      cells: [
        {
          column: 1,
          text: `${checkedText}Problem cells are coloured in the workbook, with a note saying what is wrong. Select a sheet or cell below to go to it.`,
          style: s.plain,
        },
      ],
    },
    { cells: [{ column: 1, text: 'What the colours in the workbook mean', style: s.heading }], height: 20 },
    legend(
      'Error',
      s.error,
      'Red, with a solid border: must be put right before the return can be accepted.',
    ),
    legend(
      'Warning',
      s.warning,
      'Orange, with a dashed border: check the figure; if it is right, say why in the explanations table.',
    ),
    legend('Input', s.input, 'Pale yellow: a cell for you to fill in, as in the template.'),
    { cells: [] },
    {
      cells: ['Severity', 'Sheet', 'Cell', 'What is wrong', 'Your explanation', 'Rule or check'].map(
        (text, index) => ({ column: index + 1, text, style: s.header }),
      ),
      height: 20,
    },
  ];
  const header = rows.length;
  const links: Array<{ ref: string; location: string; display: string }> = [];
  for (const finding of report.findings) {
    const rowNumber = rows.length + 1;
    const place = findingPlace(finding, sheets);
    const cells: FeedbackCell[] = [
      {
        column: 1,
        text: SEVERITY_LABELS[finding.severity],
        style: finding.severity === 'warning' || finding.severity === 'notice' ? s.warning : s.error,
      },
      { column: 2, text: place.sheet, style: place.location ? s.link : s.body },
      { column: 3, text: place.cells, style: place.location ? s.link : s.body },
      { column: 4, text: finding.message, style: s.body },
      { column: 5, text: finding.explanation ?? '', style: s.body },
      { column: 6, text: finding.ruleId ?? finding.code, style: s.quiet },
    ].filter((cell) => cell.text !== '');
    if (place.location) {
      for (const [column, display] of [
        [2, place.sheet],
        [3, place.cells],
      ] as const) {
        if (display)
          links.push({ ref: `${columnLetters(column)}${rowNumber}`, location: place.location, display });
      }
    }
    const lines = Math.max(
      1,
      wrappedLines(finding.message, widths[3] ?? 90),
      wrappedLines(finding.explanation ?? '', widths[4] ?? 50),
      wrappedLines(place.cells, widths[2] ?? 16),
    );
    rows.push({ cells, height: lines * 15 + 3 });
  }
  if (report.findings.length === 0)
    rows.push({ cells: [{ column: 4, text: 'No problems found.', style: s.body }] });

  const p = '';
  const cellXml = (row: number, cell: FeedbackCell) =>
    cell.text === ''
      ? `<${p}c r="${columnLetters(cell.column)}${row}" s="${cell.style}"/>`
      : `<${p}c r="${columnLetters(cell.column)}${row}" s="${cell.style}" t="inlineStr"><${p}is><${p}t xml:space="preserve">${escapeCellText(
          cell.text.slice(0, 32_767),
        )}</${p}t></${p}is></${p}c>`;
  const rowXml = rows
    .map((row, index) => {
      const number = index + 1;
      const height = row.height ? ` ht="${row.height}" customHeight="1"` : '';
      return row.cells.length === 0 && !row.height
        ? ''
        : `<row r="${number}"${height}>${row.cells.map((cell) => cellXml(number, cell)).join('')}</row>`;
    })
    .join('');
  const lastRow = Math.max(rows.length, 1);
  return (
    `${XML_DECLARATION}<worksheet xmlns="${namespace}" xmlns:r="${NAMESPACES.relationships}">` +
    `<sheetPr><tabColor rgb="${statusColour(report, true)}"/><pageSetUpPr fitToPage="1"/></sheetPr>` +
    `<dimension ref="A1:F${lastRow}"/>` +
    `<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="${header}" topLeftCell="A${header + 1}" activePane="bottomLeft" state="frozen"/>` +
    `<selection pane="bottomLeft" activeCell="A${header + 1}" sqref="A${header + 1}"/></sheetView></sheetViews>` +
    '<sheetFormatPr defaultRowHeight="15"/>' +
    `<cols>${widths.map((width, index) => `<col min="${index + 1}" max="${index + 1}" width="${width}" customWidth="1"/>`).join('')}</cols>` +
    `<sheetData>${rowXml}</sheetData>` +
    (links.length > 0
      ? `<hyperlinks>${links
          .map(
            (link) =>
              `<hyperlink ref="${link.ref}" location="${escapeXml(link.location)}" display="${escapeXml(link.display)}"/>`,
          )
          .join('')}</hyperlinks>`
      : '') +
    '<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>' +
    '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>' +
    '</worksheet>'
  );
}

function statusColour(report: ValidationReport, strong = false): string {
  if (report.status === 'rejected') return strong ? 'FFC00000' : HIGHLIGHT_COLOURS.error;
  if (report.status === 'accepted-with-warnings') return strong ? 'FFFFC000' : HIGHLIGHT_COLOURS.warning;
  return strong ? 'FF00B050' : 'FFC6EFCE';
}

/** Where a finding is, for the Feedback sheet: its sheet, its cells, and the link to its first cell. */
function findingPlace(
  finding: Finding,
  sheets: readonly SheetEntry[],
): { sheet: string; cells: string; location?: string } {
  const first = finding.cells[0];
  if (!first) {
    const sheetIndex = finding.sheet === undefined ? -1 : findSheet(sheets, finding.sheet);
    const ref = finding.cell ? /^\$?([A-Za-z]{1,3})\$?(\d+)/.exec(finding.cell) : null;
    const sheet = sheets[sheetIndex];
    const location =
      sheet && sheet.state === 'visible' && ref ? `${quoted(sheet.name)}!${ref[1]}${ref[2]}` : undefined;
    return { sheet: finding.sheet ?? '', cells: finding.cell ?? '', ...(location ? { location } : {}) };
  }
  const onFirstSheet = finding.cells.filter((cell) => cell.sheet === first.sheet);
  const cells =
    onFirstSheet.length === finding.cells.length
      ? describeCellRefs(onFirstSheet)
      : describeLocation(finding.cells);
  const sheet = sheets[findSheet(sheets, first.sheet)];
  // The link goes to the top-left cell of those on the first sheet named.
  const topLeft = onFirstSheet.reduce((best, cell) =>
    cell.row < best.row || (cell.row === best.row && cell.column < best.column) ? cell : best,
  );
  const location =
    sheet && sheet.state === 'visible' && validCell(topLeft)
      ? `${quoted(sheet.name)}!${columnLetters(topLeft.column)}${topLeft.row}`
      : undefined;
  return { sheet: sheet?.name ?? first.sheet, cells, ...(location ? { location } : {}) };
}

function quoted(sheet: string): string {
  return `'${sheet.replaceAll("'", "''")}'`;
}

/** Roughly how many lines text wraps to in a column `width` characters wide. */
function wrappedLines(text: string, width: number): number {
  if (!text) return 0;
  const perLine = Math.max(1, Math.floor(width * 1.1));
  return text
    .split('\n')
    .reduce((lines, paragraph) => lines + Math.max(1, Math.ceil(paragraph.length / perLine)), 0);
}

/** The sheet's position: its exact name, or failing that the same name in another case (as Excel matches). */
export function findSheet(sheets: readonly SheetEntry[], name: string): number {
  const exact = sheets.findIndex((sheet) => sheet.name === name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  return sheets.findIndex((sheet) => sheet.name.toLowerCase() === lower);
}

export function validCell(cell: CellLocation): boolean {
  return (
    Number.isInteger(cell.row) &&
    Number.isInteger(cell.column) &&
    cell.row >= 1 &&
    cell.row <= 1_048_576 &&
    cell.column >= 1 &&
    cell.column <= 16_384
  );
}
