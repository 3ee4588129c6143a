/**
 * Fills a return template with values, as a partnership's own tooling would:
 * each item goes into the cell its workbook-level defined name points at (the
 * name is the item ID), and each table row into the next row of its columns'
 * named ranges (`SERVICES.SESSIONS`), top-down. Everything else in the workbook
 * (sheet protection, data validation, defined names, the very hidden `_meta`
 * sheet) is kept.
 *
 * Numbers are written as numbers, ISO dates (`2025-10-14`) as Excel dates (a
 * serial number with a date format) unless the cell is formatted as text, and
 * everything else as text. A value whose ID has no name in the template is an
 * error: nothing is silently dropped.
 *
 * exceljs's round trip is close to lossless for our templates, with one known
 * fault handled here: it reads each data validation's range into one entry per
 * cell and, on writing, squeezes them back into ranges in string order of the
 * address, so a range crossing a change in the number of digits (B9:B20) comes
 * back as two overlapping ranges (B9:B20 and B10:B20; its issue #2820), which
 * Excel "repairs" by deleting validations. We put each validation's ranges back
 * together before writing.
 *
 * input: template .xlsx bytes, ReturnValues → output: filled .xlsx bytes
 */
import ExcelJS from 'exceljs';
import { columnLetters, columnNumber } from '../dictionary/excel-names.js';
import type { ItemValue, ReturnValues } from '../returns/return-values.js';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Characters an XML 1.0 document cannot carry, even escaped. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const DATE_FORMAT = 'dd/mm/yyyy';

/** The cells a defined name points at: one sheet, one rectangle. */
interface NamedRange {
  readonly sheet: string;
  readonly top: number;
  readonly left: number;
  readonly bottom: number;
  readonly right: number;
}

export async function fillTemplate(template: Buffer, values: ReturnValues): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  // exceljs's declared Buffer type predates Node's generic Buffer; the bytes are what it wants.
  await workbook.xlsx.load(template as unknown as ArrayBuffer);
  const names = namedRanges(workbook);
  const problems: string[] = [];
  const cellAt = (range: NamedRange, row: number): ExcelJS.Cell | undefined =>
    workbook.getWorksheet(range.sheet)?.getCell(row, range.left);

  for (const [id, value] of Object.entries(values.items)) {
    const range = names.get(id.toUpperCase());
    if (!range) {
      problems.push(`the template has no defined name ${id}`);
      continue;
    }
    const cell = cellAt(range, range.top);
    if (!cell) problems.push(`the name ${id} points at a sheet the workbook does not have (${range.sheet})`);
    else put(cell, value, id, problems);
  }

  for (const [tableId, rows] of Object.entries(values.tables)) {
    rows.forEach((row, index) => {
      for (const [columnId, value] of Object.entries(row)) {
        const name = `${tableId}.${columnId}`;
        const range = names.get(name.toUpperCase());
        if (!range) {
          problems.push(`the template has no defined name ${name}`);
          continue;
        }
        const height = range.bottom - range.top + 1;
        if (index >= height) {
          problems.push(`${tableId} has ${rows.length} rows, but ${name} has room for ${height}`);
          continue;
        }
        const cell = cellAt(range, range.top + index);
        if (!cell)
          problems.push(`the name ${name} points at a sheet the workbook does not have (${range.sheet})`);
        else put(cell, value, `${name} row ${index + 1}`, problems);
      }
    });
  }

  if (problems.length > 0) {
    const unique = [...new Set(problems)];
    throw new Error(`Cannot fill the template: ${unique.join('; ')}.`);
  }
  for (const sheet of workbook.worksheets) restoreValidationRanges(sheet);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

function put(cell: ExcelJS.Cell, value: ItemValue, what: string, problems: string[]): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) problems.push(`${what} is ${value}, not a number Excel can hold`);
    else cell.value = value;
    return;
  }
  if (typeof value !== 'string') {
    problems.push(`${what} is a ${typeof value}, not a number or text`);
    return;
  }
  if (XML_INVALID.test(value)) {
    problems.push(`${what} holds a control character that an xlsx file cannot carry`);
    return;
  }
  const date = ISO_DATE.test(value) && cell.numFmt !== '@' ? utcDate(value) : undefined;
  if (date) {
    // A Date at UTC midnight: exceljs writes the serial number, which needs a date format to read as one.
    cell.value = date;
    if (!isDateFormat(cell.numFmt)) cell.numFmt = DATE_FORMAT;
  } else {
    cell.value = value;
  }
}

/** `2025-10-14` as a Date at UTC midnight, or undefined when it is not a real day. */
function utcDate(iso: string): Date | undefined {
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? undefined : date;
}

function isDateFormat(format: string | undefined): boolean {
  if (!format) return false;
  const bare = format.replace(/"[^"]*"|\[[^\]]*\]|\\./g, '');
  return /[dmy]/i.test(bare) && !/^[#0,.%E+\-\s]*$/.test(bare);
}

/** Every workbook-level defined name that points at one rectangle of cells, by upper-case name. */
function namedRanges(workbook: ExcelJS.Workbook): Map<string, NamedRange> {
  const names = new Map<string, NamedRange>();
  const model = workbook.definedNames.model as Array<{ name: string; ranges: string[] }>;
  for (const { name, ranges } of model) {
    // A name over several areas is not one of ours; the first area is where its values go.
    const parsed = ranges.map(parseRange).find((range) => range !== undefined);
    if (parsed) names.set(name.toUpperCase(), parsed);
  }
  return names;
}

/** `'How much'!$B$34:$B$93` → its sheet and rectangle. */
function parseRange(text: string): NamedRange | undefined {
  const bang = text.lastIndexOf('!');
  if (bang < 0) return undefined;
  let sheet = text.slice(0, bang);
  if (sheet.startsWith("'") && sheet.endsWith("'")) sheet = sheet.slice(1, -1).replaceAll("''", "'");
  const match = /^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$/i.exec(text.slice(bang + 1));
  if (!match) return undefined;
  const [, firstColumn, firstRow, lastColumn, lastRow] = match as unknown as [
    string,
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  const left = columnNumber(firstColumn);
  const top = Number(firstRow);
  const right = lastColumn ? columnNumber(lastColumn) : left;
  const bottom = lastRow ? Number(lastRow) : top;
  return {
    sheet,
    top: Math.min(top, bottom),
    bottom: Math.max(top, bottom),
    left: Math.min(left, right),
    right: Math.max(left, right),
  };
}

/**
 * exceljs reads a validation over `B9:B20` as twelve per-cell entries sharing one
 * rule. Group the cells by rule (by content, so that exceljs's own squeezing finds
 * nothing left to merge) and key the model by rectangles again, so each range is
 * written as it was, with no overlaps.
 */
function restoreValidationRanges(sheet: ExcelJS.Worksheet): void {
  // Present at run time in exceljs 4.4 but missing from its type declarations.
  const validations = (sheet as unknown as { dataValidations?: { model: Record<string, unknown> } })
    .dataValidations;
  if (!validations) return;
  const groups = new Map<string, { rule: unknown; cells: Array<{ row: number; column: number }> }>();
  for (const [address, rule] of Object.entries(validations.model)) {
    if (rule === undefined || rule === null) continue;
    const cell = /^([A-Z]{1,3})(\d+)$/.exec(address);
    if (!cell) return; // already keyed by ranges (added, not read): leave the model alone
    const key = JSON.stringify(rule);
    const group = groups.get(key) ?? { rule, cells: [] };
    group.cells.push({ column: columnNumber(cell[1] as string), row: Number(cell[2]) });
    groups.set(key, group);
  }
  const restored: Record<string, unknown> = {};
  for (const { rule, cells } of groups.values()) {
    for (const range of rectangles(cells)) restored[range] = rule;
  }
  validations.model = restored;
}

/** Covers a set of cells with non-overlapping rectangles: vertical runs, merged across equal columns. */
function rectangles(cells: ReadonlyArray<{ row: number; column: number }>): string[] {
  const byColumn = new Map<number, number[]>();
  for (const { row, column } of cells) byColumn.set(column, [...(byColumn.get(column) ?? []), row]);
  const runs: Array<{ top: number; bottom: number; left: number; right: number }> = [];
  for (const column of [...byColumn.keys()].sort((a, b) => a - b)) {
    const rows = [...new Set(byColumn.get(column))].sort((a, b) => a - b);
    let start = rows[0] as number;
    rows.forEach((row, index) => {
      const next = rows[index + 1];
      if (next === row + 1) return;
      const same = runs.find((run) => run.top === start && run.bottom === row && run.right === column - 1);
      if (same) same.right = column;
      else runs.push({ top: start, bottom: row, left: column, right: column });
      if (next !== undefined) start = next;
    });
  }
  return runs.map(({ top, bottom, left, right }) => {
    const first = `${columnLetters(left)}${top}`;
    return top === bottom && left === right ? first : `${first}:${columnLetters(right)}${bottom}`;
  });
}
