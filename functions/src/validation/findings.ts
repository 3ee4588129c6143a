/**
 * Findings: what validation says about a return. Findings are data, not
 * failures: a workbook full of mistakes is a successful run that produces a
 * report. Each finding has a stable code, a severity, where it is (sheet,
 * cells, item, rule), what was seen and expected, and a message in plain
 * English built from the dictionary's words.
 */
import { columnLetters, quoteSheetName } from '../dictionary/excel-names.js';
import { SEVERITIES } from '../dictionary/schema.js';

/**
 * A finding's severity: a rule's (fatal, error, warning), or `notice`, for what
 * is pointed out and changes nothing, such as an explanation that matches no
 * warning. A notice never affects whether a return is accepted.
 */
export const FINDING_SEVERITIES = [...SEVERITIES, 'notice'] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];

export interface CellLocation {
  readonly sheet: string;
  readonly row: number;
  readonly column: number;
}

export interface Finding {
  /** Stable: a rule ID (`R07`), or `file.*`, `template.*`, `value.*`. */
  readonly code: string;
  readonly severity: FindingSeverity;
  readonly message: string;
  readonly ruleId?: string;
  readonly itemId?: string;
  readonly itemLabel?: string;
  /** The first sheet and cell (or range) involved, for readers that want one place. */
  readonly sheet?: string;
  readonly cell?: string;
  /** What was in the cell, as the person typed it. */
  readonly value?: string;
  readonly expected?: string;
  /** Every cell involved, to highlight in the annotated copy. */
  readonly cells: readonly CellLocation[];
  /** For a warning: the explanation the return gives for it, if any. */
  readonly explanation?: string;
}

/** How each severity is named to the person who sent the return. */
export const SEVERITY_LABELS: Record<FindingSeverity, string> = {
  fatal: 'Error',
  error: 'Error',
  warning: 'Warning',
  notice: 'Note',
};

export const SEVERITY_ORDER: Record<FindingSeverity, number> = { fatal: 0, error: 1, warning: 2, notice: 3 };

export function a1(location: Pick<CellLocation, 'row' | 'column'>): string {
  return `${columnLetters(location.column)}${location.row}`;
}

/**
 * `C12:C15`, or `C7, C9` for cells that are not one block. Cells are listed in
 * sheet order; a run down one column becomes a range.
 */
export function describeCellRefs(cells: readonly CellLocation[]): string {
  const sorted = [...cells].sort((a, b) => a.column - b.column || a.row - b.row);
  // One row of a table, left to right, is one range too.
  const first = sorted[0];
  const last = sorted.at(-1);
  if (
    first &&
    last &&
    sorted.length > 1 &&
    sorted.every((cell, index) => cell.row === first.row && cell.column === first.column + index)
  ) {
    return `${a1(first)}:${a1(last)}`;
  }
  const parts: string[] = [];
  let start = sorted[0];
  let previous = start;
  const flush = () => {
    if (!start || !previous) return;
    parts.push(start === previous ? a1(start) : `${a1(start)}:${a1(previous)}`);
  };
  for (const cell of sorted.slice(1)) {
    if (
      previous &&
      cell.column === previous.column &&
      cell.row === previous.row + 1 &&
      cell.sheet === previous.sheet
    ) {
      previous = cell;
      continue;
    }
    flush();
    start = cell;
    previous = cell;
  }
  flush();
  return parts.join(', ');
}

/** `'Better off' C12:C15`: cells with their sheet, sheet by sheet. */
export function describeLocation(cells: readonly CellLocation[]): string {
  const sheets = [...new Set(cells.map((cell) => cell.sheet))];
  return sheets
    .map(
      (sheet) => `${quoteSheetName(sheet)} ${describeCellRefs(cells.filter((cell) => cell.sheet === sheet))}`,
    )
    .join('; ');
}

/** `'How much' D36:D95`. */
export function describeArea(area: {
  sheet: string;
  top: number;
  left: number;
  bottom: number;
  right: number;
}): string {
  const start = a1({ row: area.top, column: area.left });
  const end = a1({ row: area.bottom, column: area.right });
  return `${quoteSheetName(area.sheet)} ${start === end ? start : `${start}:${end}`}`;
}

/** The cell reference alone when it is on the sheet already named, with its sheet otherwise. */
export function describeCellNear(cell: CellLocation, sheetInView: string | undefined): string {
  return cell.sheet === sheetInView ? a1(cell) : `${quoteSheetName(cell.sheet)} ${a1(cell)}`;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-GB', { maximumFractionDigits: 2 });
}

export function formatMoney(value: number): string {
  return `£${value.toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: 0 })}%`;
}

/** Orders findings as a person should read them: the worst first, then by sheet and cell. */
export function sortFindings(findings: readonly Finding[], sheetOrder: readonly string[]): Finding[] {
  const sheetIndex = (sheet: string | undefined) => {
    const index = sheet === undefined ? -1 : sheetOrder.indexOf(sheet);
    return index < 0 ? sheetOrder.length : index;
  };
  const first = (finding: Finding) => finding.cells[0];
  return [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      sheetIndex(first(a)?.sheet) - sheetIndex(first(b)?.sheet) ||
      (first(a)?.row ?? 0) - (first(b)?.row ?? 0) ||
      (first(a)?.column ?? 0) - (first(b)?.column ?? 0) ||
      a.code.localeCompare(b.code),
  );
}
