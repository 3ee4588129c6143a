/**
 * Reads what validation needs from an untrusted .xlsx, and nothing more:
 * sheets, defined names, Excel tables, the date system, number formats, shared
 * and inline strings (rich text included), cached formula results and error
 * values, for the cells that names point at plus the top-left block of every
 * sheet (where a template keeps item IDs and values, for the fallback when
 * names are lost).
 *
 * Every sheet is scanned once, with rows, columns, cells and string lengths
 * bounded. Declared ranges (data validations, merges, conditional formats,
 * `<dimension>`) are never expanded: scanning stops at the end of `<sheetData>`.
 * Every XML part that is not parsed is still inflated and checked for a DTD.
 *
 * input: ZipContainer (after preflight) → output: WorkbookContents
 */

import { columnNumber, EXCEL_MAX_COLUMN, EXCEL_MAX_ROW, parseCellRef } from '../xlsx/cell-references.js';
import { WorkbookRefused } from './refusal.js';
import { parseRelationships, type Relationship, relsPathOf, resolvePartName } from './relationships.js';
import { CLOSE, END, OPEN, TEXT, XmlScanner } from './xml-scanner.js';

// Re-exported where their users have always found them; `columnIndex` is the one `columnNumber`.
export {
  columnNumber as columnIndex,
  EXCEL_MAX_COLUMN,
  EXCEL_MAX_ROW,
  parseCellRef,
  relsPathOf,
  resolvePartName,
};

import type { ZipContainer } from './zip-container.js';

export interface ReaderLimits {
  /** Most rows in one sheet. */
  readonly maxRowsPerSheet: number;
  /** Most cells in all sheets together. */
  readonly maxCells: number;
  /** Rows of each sheet's top-left block kept for the fallback search by item ID. */
  readonly blockRows: number;
  /** Columns of that block. */
  readonly blockColumns: number;
}

export const DEFAULT_READER_LIMITS: ReaderLimits = {
  maxRowsPerSheet: 100_000,
  maxCells: 2_000_000,
  blockRows: 1_000,
  blockColumns: 8,
};

/** Excel's grid and cell limits. */
export const EXCEL_MAX_TEXT = 32_767;

export type NumberFormatKind = 'general' | 'date' | 'time' | 'percent';

export type CellValue =
  | { readonly type: 'number'; readonly number: number; readonly format: NumberFormatKind }
  | { readonly type: 'string'; readonly text: string }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'error'; readonly error: string }
  | { readonly type: 'isodate'; readonly text: string };

export interface Cell {
  readonly row: number;
  readonly column: number;
  /** Absent for a formula with no cached result, or an empty cell that only carries a style. */
  readonly value?: CellValue;
  readonly formula?: string;
}

export interface SheetInfo {
  readonly name: string;
  readonly state: 'visible' | 'hidden' | 'veryHidden';
  readonly part: string;
}

export interface DefinedName {
  readonly name: string;
  readonly formula: string;
  /** Index of the sheet a sheet-scoped name belongs to; undefined for workbook-scoped names. */
  readonly localSheetId?: number;
}

export interface ExcelTable {
  readonly name: string;
  readonly sheet: string;
  readonly ref: string;
  readonly headerRowCount: number;
  readonly columns: readonly string[];
}

export interface Area {
  readonly sheet: string;
  readonly top: number;
  readonly left: number;
  readonly bottom: number;
  readonly right: number;
}

export interface WorkbookContents {
  readonly sheets: readonly SheetInfo[];
  readonly definedNames: readonly DefinedName[];
  readonly tables: readonly ExcelTable[];
  readonly date1904: boolean;
  cell(sheet: string, row: number, column: number): Cell | undefined;
  /** The kept cells of a sheet, in no particular order. */
  cellsOf(sheet: string): Iterable<Cell>;
}

const RELATIONSHIP_OFFICE_DOCUMENT = /\/officeDocument$/;

export function readWorkbook(
  zip: ZipContainer,
  limits: ReaderLimits = DEFAULT_READER_LIMITS,
): WorkbookContents {
  const parsed = new Set<string>(['[content_types].xml']);
  const readXml = (part: string) => {
    parsed.add(part.toLowerCase());
    return new XmlScanner(zip.read(part), part);
  };

  const rootRels = readRelationships(zip, '_rels/.rels', readXml);
  const workbookPart = [...rootRels.values()].find((rel) =>
    RELATIONSHIP_OFFICE_DOCUMENT.test(rel.type),
  )?.target;
  if (!workbookPart || !zip.has(workbookPart)) {
    throw new WorkbookRefused('file.not_xlsx', {}, 'no workbook part: not a spreadsheet');
  }
  const workbookRels = readRelationships(zip, relsPathOf(workbookPart), readXml);
  const { sheets: sheetEntries, definedNames, date1904 } = parseWorkbookPart(readXml(workbookPart));

  const sheets: SheetInfo[] = sheetEntries.map((entry) => {
    const target = workbookRels.get(entry.relId);
    if (!target || !zip.has(target.target)) {
      throw new WorkbookRefused(
        'file.damaged',
        { detail: `the sheet "${entry.name}" is missing` },
        `sheet rel ${entry.relId}`,
      );
    }
    return { name: entry.name, state: entry.state, part: target.target };
  });
  const byType = (suffix: string) =>
    [...workbookRels.values()].find((rel) => rel.type.endsWith(suffix))?.target;
  const sharedStringsPart = byType('/sharedStrings');
  const stylesPart = byType('/styles');

  // Tables are found through each sheet's relationships; their ranges matter only if a name uses them.
  const tables: ExcelTable[] = [];
  for (const sheet of sheets) {
    const rels = zip.has(relsPathOf(sheet.part))
      ? readRelationships(zip, relsPathOf(sheet.part), readXml)
      : new Map();
    for (const rel of rels.values()) {
      if (rel.type.endsWith('/table') && zip.has(rel.target))
        tables.push(parseTable(readXml(rel.target), sheet.name));
    }
  }

  const wanted = wantedAreas(definedNames, tables, sheets);
  let styles: NumberFormatKind[] | undefined;
  let sharedStrings: string[] | undefined;
  const context: SheetContext = {
    limits,
    cellsSoFar: 0,
    formatOf: (styleIndex) => {
      styles ??= stylesPart && zip.has(stylesPart) ? parseStyles(readXml(stylesPart)) : [];
      return styles[styleIndex] ?? 'general';
    },
    sharedString: (index) => {
      sharedStrings ??=
        sharedStringsPart && zip.has(sharedStringsPart) ? parseSharedStrings(readXml(sharedStringsPart)) : [];
      return sharedStrings[index];
    },
  };
  const cellsBySheet = new Map<string, Map<number, Cell>>();
  for (const sheet of sheets) {
    cellsBySheet.set(
      sheet.name,
      readSheet(readXml(sheet.part), sheet.name, wanted.get(sheet.name) ?? [], context),
    );
  }

  // Parts not parsed above are never read by us, but a workbook with a DTD anywhere is refused all the same.
  for (const name of zip.names) {
    if (parsed.has(name.toLowerCase()) || !/\.(xml|rels|vml)$/i.test(name)) continue;
    if (/<!(DOCTYPE|ENTITY)/i.test(zip.readText(name))) {
      throw new WorkbookRefused('file.unsafe_xml', { detail: name }, `DTD in unread part ${name}`);
    }
  }

  return {
    sheets,
    definedNames,
    tables,
    date1904,
    cell: (sheet, row, column) => cellsBySheet.get(sheet)?.get(cellKey(row, column)),
    cellsOf: (sheet) => cellsBySheet.get(sheet)?.values() ?? [],
  };
}

function cellKey(row: number, column: number): number {
  return row * 16_385 + column;
}

// ── relationships and the workbook part ──────────────────────────────────────

function readRelationships(
  zip: ZipContainer,
  relsPart: string,
  readXml: (part: string) => XmlScanner,
): Map<string, Relationship> {
  const result = new Map<string, Relationship>();
  if (!zip.has(relsPart)) return result;
  for (const rel of parseRelationships(readXml(relsPart).text, relsPart))
    if (!rel.external && rel.target) result.set(rel.id, rel);
  return result;
}

function parseWorkbookPart(scanner: XmlScanner) {
  const sheets: Array<{ name: string; relId: string; state: SheetInfo['state'] }> = [];
  const definedNames: DefinedName[] = [];
  let date1904 = false;
  for (let kind = scanner.next(); kind !== END; kind = scanner.next()) {
    if (kind !== OPEN) continue;
    if (scanner.is('sheet')) {
      const name = scanner.attr('name');
      const relId = scanner.attr('id');
      if (!name || !relId) scanner.malformed('a sheet without a name');
      const state = scanner.attr('state');
      sheets.push({ name, relId, state: state === 'hidden' || state === 'veryHidden' ? state : 'visible' });
    } else if (scanner.is('workbookPr')) {
      const value = scanner.attr('date1904');
      date1904 = value === '1' || value === 'true';
    } else if (scanner.is('definedName')) {
      const name = scanner.attr('name');
      const localSheetId = scanner.attr('localSheetId');
      const formula = scanner.elementText(8_192, () => scanner.malformed('a defined name too long'));
      if (name && definedNames.length < 10_000) {
        definedNames.push({
          name,
          formula: formula.trim(),
          ...(localSheetId === undefined ? {} : { localSheetId: Number(localSheetId) }),
        });
      }
    }
  }
  if (sheets.length === 0) scanner.malformed('a workbook without sheets');
  return { sheets, definedNames, date1904 };
}

function parseTable(scanner: XmlScanner, sheet: string): ExcelTable {
  let name = '';
  let ref = '';
  let headerRowCount = 1;
  const columns: string[] = [];
  for (let kind = scanner.next(); kind !== END; kind = scanner.next()) {
    if (kind !== OPEN) continue;
    if (scanner.is('table')) {
      name = scanner.attr('displayName') ?? scanner.attr('name') ?? '';
      ref = scanner.attr('ref') ?? '';
      headerRowCount = Number(scanner.attr('headerRowCount') ?? '1');
    } else if (scanner.is('tableColumn') && columns.length < EXCEL_MAX_COLUMN) {
      columns.push(scanner.attr('name') ?? '');
    }
  }
  return { name, sheet, ref, headerRowCount, columns };
}

// ── which cells to keep ──────────────────────────────────────────────────────

interface Rectangle {
  readonly top: number;
  readonly left: number;
  readonly bottom: number;
  readonly right: number;
}

/** The areas to keep per sheet: what names point at (never expanded, only tested against). */
function wantedAreas(
  names: readonly DefinedName[],
  tables: readonly ExcelTable[],
  sheets: readonly SheetInfo[],
) {
  const wanted = new Map<string, Rectangle[]>();
  for (const name of names) {
    for (const area of resolveReference(name.formula, tables) ?? []) {
      if (!sheets.some((sheet) => sheet.name === area.sheet)) continue;
      const list = wanted.get(area.sheet) ?? [];
      if (list.length < 1_000) list.push(area);
      wanted.set(area.sheet, list);
    }
  }
  return wanted;
}

const AREA =
  /^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?$/;
const STRUCTURED = /^([A-Za-z_\\][\w.\\]*)\[(?:\[?#Data\]?,\s*)?\[?([^\]]+)\]?\]$/;

/**
 * The areas a defined name's formula refers to: `'How much'!$C$7`, a range, or
 * an Excel table column (`Services[Sessions]`). Undefined when it refers to
 * nothing usable (`#REF!`, a constant, a formula).
 */
export function resolveReference(formula: string, tables: readonly ExcelTable[] = []): Area[] | undefined {
  const areas: Area[] = [];
  for (const part of splitAreas(formula)) {
    const match = AREA.exec(part.trim());
    if (match) {
      const sheet = match[1] !== undefined ? match[1].replaceAll("''", "'") : (match[2] as string);
      const left = columnNumber(match[3] as string);
      const top = Number(match[4]);
      const right = match[5] ? columnNumber(match[5]) : left;
      const bottom = match[6] ? Number(match[6]) : top;
      if (top < 1 || bottom > EXCEL_MAX_ROW || right > EXCEL_MAX_COLUMN || bottom < top || right < left)
        return undefined;
      areas.push({ sheet, top, left, bottom, right });
      continue;
    }
    const structured = STRUCTURED.exec(part.trim());
    const table =
      structured && tables.find((candidate) => candidate.name.toLowerCase() === structured[1]?.toLowerCase());
    if (!structured || !table) return undefined;
    const tableArea = resolveReference(`'${table.sheet.replaceAll("'", "''")}'!${table.ref}`);
    const columnOffset = table.columns.findIndex(
      (column) => column.toLowerCase() === structured[2]?.trim().toLowerCase(),
    );
    if (!tableArea?.[0] || columnOffset < 0) return undefined;
    const area = tableArea[0];
    const column = area.left + columnOffset;
    areas.push({
      sheet: area.sheet,
      top: area.top + table.headerRowCount,
      left: column,
      bottom: area.bottom,
      right: column,
    });
  }
  return areas.length > 0 ? areas : undefined;
}

function splitAreas(formula: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let index = 0; index < formula.length; index++) {
    const char = formula[index];
    if (char === "'") quoted = !quoted;
    else if (char === ',' && !quoted) {
      parts.push(formula.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(formula.slice(start));
  return parts;
}

// ── sheets ───────────────────────────────────────────────────────────────────

interface SheetContext {
  readonly limits: ReaderLimits;
  cellsSoFar: number;
  formatOf(styleIndex: number): NumberFormatKind;
  sharedString(index: number): string | undefined;
}

function readSheet(
  scanner: XmlScanner,
  sheet: string,
  wanted: readonly Rectangle[],
  context: SheetContext,
): Map<number, Cell> {
  const { limits } = context;
  const cells = new Map<number, Cell>();
  let rowsSeen = 0;
  let rowNumber = 0;
  let columnNumber = 0;
  const keep = (row: number, column: number) => {
    if (row <= limits.blockRows && column <= limits.blockColumns) return true;
    for (const area of wanted) {
      if (row >= area.top && row <= area.bottom && column >= area.left && column <= area.right) return true;
    }
    return false;
  };

  // Move to <sheetData>; everything before it (views, columns, dimension) is of no use to us.
  for (let kind = scanner.next(); ; kind = scanner.next()) {
    if (kind === END) return cells;
    if (kind === OPEN && scanner.is('sheetData')) {
      if (scanner.selfClosing) return cells;
      break;
    }
  }
  for (let kind = scanner.next(); kind !== END; kind = scanner.next()) {
    if (kind === CLOSE) {
      if (scanner.is('sheetData')) return cells; // what follows (merges, validations…) is never expanded
      continue;
    }
    if (kind !== OPEN) continue;
    if (scanner.is('row')) {
      if (++rowsSeen > limits.maxRowsPerSheet) {
        throw new WorkbookRefused('file.too_many_rows', {
          sheet,
          limit: limits.maxRowsPerSheet.toLocaleString('en-GB'),
        });
      }
      const r = scanner.rawAttr('r');
      rowNumber = r === undefined ? rowNumber + 1 : Number(r);
      if (!Number.isInteger(rowNumber) || rowNumber < 1 || rowNumber > EXCEL_MAX_ROW) {
        throw new WorkbookRefused(
          'file.damaged',
          { detail: `a row is numbered ${r}, outside Excel's grid` },
          `${sheet}: row r=${r}`,
        );
      }
      columnNumber = 0;
    } else if (scanner.is('c')) {
      if (++context.cellsSoFar > limits.maxCells) {
        throw new WorkbookRefused('file.too_many_cells', { limit: limits.maxCells.toLocaleString('en-GB') });
      }
      const ref = scanner.rawAttr('r');
      if (ref === undefined) {
        columnNumber++;
      } else {
        const position = parseCellRef(ref);
        if (!position || position.row !== rowNumber) {
          throw new WorkbookRefused(
            'file.damaged',
            { detail: `a cell is at "${ref.slice(0, 20)}", outside its row or Excel's grid` },
            `${sheet}: c r=${ref}`,
          );
        }
        columnNumber = position.column;
      }
      if (!keep(rowNumber, columnNumber)) {
        scanner.skipElement();
        continue;
      }
      const cell = readCell(scanner, sheet, rowNumber, columnNumber, context);
      if (cell) cells.set(cellKey(rowNumber, columnNumber), cell);
    }
  }
  return cells;
}

function readCell(
  scanner: XmlScanner,
  sheet: string,
  row: number,
  column: number,
  context: SheetContext,
): Cell | undefined {
  const type = scanner.rawAttr('t') ?? 'n';
  const style = scanner.rawAttr('s');
  if (scanner.selfClosing) return undefined;
  let raw: string | undefined;
  let formula: string | undefined;
  let inline: string | undefined;
  const tooLong = (): never => {
    throw new WorkbookRefused(
      'file.text_too_long',
      { limit: EXCEL_MAX_TEXT.toLocaleString('en-GB') },
      `${sheet} row ${row}`,
    );
  };
  let depth = 1;
  while (depth > 0) {
    const kind = scanner.next();
    if (kind === OPEN) {
      if (scanner.is('v')) raw = scanner.elementText(EXCEL_MAX_TEXT, tooLong);
      else if (scanner.is('f'))
        formula = scanner.elementText(EXCEL_MAX_TEXT, tooLong) || formula || '(shared formula)';
      else if (scanner.is('is')) inline = stringItemText(scanner, tooLong);
      else if (!scanner.selfClosing) depth++;
    } else if (kind === CLOSE) {
      depth--;
    } else if (kind === END) {
      scanner.malformed('a cell that never ends');
    }
  }
  const value = cellValue(type, raw, inline, style, context, scanner);
  if (value === undefined && formula === undefined) return undefined;
  return { row, column, ...(value ? { value } : {}), ...(formula !== undefined ? { formula } : {}) };
}

function cellValue(
  type: string,
  raw: string | undefined,
  inline: string | undefined,
  style: string | undefined,
  context: SheetContext,
  scanner: XmlScanner,
): CellValue | undefined {
  switch (type) {
    case 'inlineStr':
      return inline === undefined ? undefined : { type: 'string', text: inline };
    case 's': {
      if (raw === undefined || raw === '') return undefined;
      const text = context.sharedString(Number(raw));
      if (text === undefined) scanner.malformed(`a shared string ${raw} that does not exist`);
      return { type: 'string', text };
    }
    case 'str':
      return raw === undefined ? undefined : { type: 'string', text: unescapeOoxml(raw) };
    case 'b':
      return raw === undefined || raw === ''
        ? undefined
        : { type: 'boolean', value: raw === '1' || raw === 'true' };
    case 'e':
      return raw === undefined ? undefined : { type: 'error', error: raw.trim() };
    case 'd':
      return raw === undefined || raw === '' ? undefined : { type: 'isodate', text: raw.trim() };
    default: {
      if (raw === undefined || raw.trim() === '') return undefined;
      const number = Number(raw);
      if (!Number.isFinite(number)) scanner.malformed(`a number cell holding "${raw.slice(0, 20)}"`);
      return {
        type: 'number',
        number,
        format: style === undefined ? 'general' : context.formatOf(Number(style)),
      };
    }
  }
}

/** The text of an `<si>` or `<is>`: plain `<t>`, or rich-text runs `<r><t>`; phonetic runs left out. */
function stringItemText(scanner: XmlScanner, tooLong: () => never): string {
  if (scanner.selfClosing) return '';
  let text = '';
  let depth = 1;
  while (depth > 0) {
    const kind = scanner.next();
    if (kind === OPEN) {
      if (scanner.is('t')) {
        text += scanner.elementText(EXCEL_MAX_TEXT, tooLong);
        if (text.length > EXCEL_MAX_TEXT) tooLong();
      } else if (scanner.is('rPh') || scanner.is('phoneticPr')) {
        scanner.skipElement();
      } else if (!scanner.selfClosing) {
        depth++;
      }
    } else if (kind === CLOSE) {
      depth--;
    } else if (kind === TEXT) {
      // white space between elements
    } else {
      scanner.malformed('a string that never ends');
    }
  }
  return unescapeOoxml(text);
}

/** OOXML escapes control characters as `_x000D_`; `_x005F_` escapes a literal underscore. */
function unescapeOoxml(text: string): string {
  if (text.indexOf('_x') < 0) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

function parseSharedStrings(scanner: XmlScanner): string[] {
  const strings: string[] = [];
  const tooLong = (): never => {
    throw new WorkbookRefused(
      'file.text_too_long',
      { limit: EXCEL_MAX_TEXT.toLocaleString('en-GB') },
      'shared string',
    );
  };
  for (let kind = scanner.next(); kind !== END; kind = scanner.next()) {
    if (kind === OPEN && scanner.is('si')) {
      if (strings.length >= DEFAULT_READER_LIMITS.maxCells) tooLong();
      strings.push(stringItemText(scanner, tooLong));
    }
  }
  return strings;
}

// ── number formats ───────────────────────────────────────────────────────────

const BUILTIN_DATE_FORMATS = new Set([
  14, 15, 16, 17, 22, 27, 28, 29, 30, 31, 34, 35, 36, 50, 51, 52, 53, 54, 57, 58,
]);
const BUILTIN_TIME_FORMATS = new Set([18, 19, 20, 21, 32, 33, 45, 46, 47, 55, 56]);
const BUILTIN_PERCENT_FORMATS = new Set([9, 10]);

/** The kind of number format of each cell style (cellXfs index). */
function parseStyles(scanner: XmlScanner): NumberFormatKind[] {
  const customFormats = new Map<number, NumberFormatKind>();
  const kinds: NumberFormatKind[] = [];
  let inCellXfs = false;
  for (let kind = scanner.next(); kind !== END; kind = scanner.next()) {
    if (kind === OPEN) {
      if (scanner.is('numFmt')) {
        customFormats.set(
          Number(scanner.attr('numFmtId')),
          classifyFormatCode(scanner.attr('formatCode') ?? ''),
        );
      } else if (scanner.is('cellXfs')) {
        inCellXfs = !scanner.selfClosing;
      } else if (inCellXfs && scanner.is('xf')) {
        const id = Number(scanner.attr('numFmtId') ?? '0');
        kinds.push(
          customFormats.get(id) ??
            (BUILTIN_DATE_FORMATS.has(id)
              ? 'date'
              : BUILTIN_TIME_FORMATS.has(id)
                ? 'time'
                : BUILTIN_PERCENT_FORMATS.has(id)
                  ? 'percent'
                  : 'general'),
        );
        if (kinds.length > 65_000) scanner.malformed('too many cell styles');
      }
    } else if (kind === CLOSE && scanner.is('cellXfs')) {
      inCellXfs = false;
    }
  }
  return kinds;
}

/** Reads a number format code the way Excel does: quoted text, escapes and colours are not format letters. */
export function classifyFormatCode(code: string): NumberFormatKind {
  const section = (code.split(';')[0] ?? '')
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/\[(?!h\]|m\]|s\]|hh\]|mm\]|ss\])[^\]]*\]/gi, '')
    .replace(/_.|\*./g, '');
  if (/general/i.test(section) && !/[dmyhs]/i.test(section.replace(/general/gi, ''))) return 'general';
  if (section.includes('%')) return 'percent';
  if (/[dy]/i.test(section)) return 'date';
  if (/[hs]|\[m+\]/i.test(section)) return 'time';
  if (/m/i.test(section)) return 'date';
  return 'general';
}
