/**
 * A worksheet's cells: one pass over the sheet finds its top-level children,
 * views, column styles, rows and the cells of the rows that have findings;
 * then each problem cell's `s` is pointed at a highlighted copy of its own
 * format, and a blank cell that does not exist in the XML is created (and its
 * row if need be) in document order.
 */
import { CLOSE, END, OPEN, XmlScanner } from '../../reading/xml-scanner.js';
import { columnLetters, parseCellRef } from '../../xlsx/cell-references.js';
import type { StyleSheet } from './styles.js';
import {
  attributeOf,
  type ElementSpan,
  elementAt,
  openFromEmpty,
  relationshipsPrefix,
  type Span,
  setAttribute,
  slice,
  startTag,
  XmlEdits,
} from './xml-surgery.js';

export type Highlight = 'error' | 'warning';

export interface CellNote {
  readonly row: number;
  readonly column: number;
  highlight: Highlight;
  readonly messages: string[];
}

/** Worksheet children that CT_Worksheet puts after `<legacyDrawing>`. */
export const AFTER_LEGACY_DRAWING = new Set([
  'legacyDrawingHF',
  'drawingHF',
  'picture',
  'oleObjects',
  'controls',
  'webPublishItems',
  'tableParts',
  'extLst',
  // Excel wraps controls and OLE objects, both of which follow legacyDrawing, in mc:AlternateContent.
  'AlternateContent',
]);
/** Worksheet children that come after `<sheetData>` (for a sheet, never seen, that lacks one). */
const AFTER_SHEET_DATA = new Set([
  'sheetCalcPr',
  'sheetProtection',
  'protectedRanges',
  'scenarios',
  'autoFilter',
  'sortState',
  'dataConsolidate',
  'customSheetViews',
  'mergeCells',
  'phoneticPr',
  'conditionalFormatting',
  'dataValidations',
  'hyperlinks',
  'printOptions',
  'pageMargins',
  'pageSetup',
  'headerFooter',
  'rowBreaks',
  'colBreaks',
  'customProperties',
  'cellWatches',
  'ignoredErrors',
  'smartTags',
  'drawing',
  'legacyDrawing',
  ...AFTER_LEGACY_DRAWING,
]);

interface RowInfo extends Span {
  readonly number: number;
  readonly prefix: string;
  readonly hasR: boolean;
  readonly empty: boolean;
  readonly style: number;
  readonly customFormat: boolean;
  closeStart: number;
}

interface CellInfo extends Span {
  readonly column: number;
  readonly hasR: boolean;
}

export interface SheetLayout {
  readonly root: ElementSpan;
  readonly relationshipsPrefix: string | undefined;
  readonly children: readonly ElementSpan[];
  readonly sheetData: ElementSpan | undefined;
  readonly sheetViews: readonly Span[];
  readonly legacyDrawing: Span | undefined;
  /** The rows asked about that exist. */
  readonly wantedRows: ReadonlyMap<number, RowInfo>;
  /** Their cells, in document order. */
  readonly cells: ReadonlyMap<number, CellInfo[]>;
  /** The first row numbered after `row`. */
  rowAfter(row: number): RowInfo | undefined;
  /** The style a column gives its empty cells (`<col style>`), or 0. */
  columnStyle(column: number): number;
}

/** True when the part's root element is a `<worksheet>` (a chartsheet has no cells to mark). */
export function isWorksheet(xml: Buffer, part: string): boolean {
  const scanner = new XmlScanner(xml, part);
  for (let kind = scanner.next(); kind !== END; kind = scanner.next()) {
    if (kind === OPEN) return scanner.is('worksheet');
  }
  return false;
}

/**
 * One pass over a worksheet: its top-level children, its views, its columns'
 * styles, every row's number and position, and the cells of the rows asked about.
 */
export function layoutSheet(xml: Buffer, wanted: ReadonlySet<number>, part: string): SheetLayout {
  const scanner = new XmlScanner(xml, part);
  const children: ElementSpan[] = [];
  const sheetViews: Span[] = [];
  const columns: Array<{ min: number; max: number; style: number }> = [];
  const rowStarts: Array<{ number: number; start: number; end: number; hasR: boolean; prefix: string }> = [];
  const wantedRows = new Map<number, RowInfo>();
  const cells = new Map<number, CellInfo[]>();
  /** For each open element, what to note when its end tag is seen (null: nothing). */
  const open: Array<((closeStart: number, end: number) => void) | null> = [];
  let root: ElementSpan | undefined;
  let sheetData: ElementSpan | undefined;
  let legacyDrawing: Span | undefined;
  let parent = '';
  let rowNumber = 0;
  let column = 0;
  let currentRow: RowInfo | undefined;
  for (let kind = scanner.next(); kind !== END; kind = scanner.next()) {
    if (kind === CLOSE) {
      open.pop()?.(scanner.start, scanner.end);
      if (open.length === 1) parent = '';
      continue;
    }
    if (kind !== OPEN) continue;
    const depth = open.length;
    const tag = { start: scanner.start, end: scanner.end };
    let tracked: ((closeStart: number, end: number) => void) | null = null;
    if (depth === 0) {
      const element = elementAt(scanner);
      root = element;
      tracked = endsAt(element);
    } else if (depth === 1) {
      const element = elementAt(scanner);
      tracked = endsAt(element);
      children.push(element);
      parent = scanner.name;
      if (scanner.is('sheetData')) sheetData = element;
      if (scanner.is('legacyDrawing')) legacyDrawing = tag;
    } else if (depth === 2 && parent === 'sheetViews' && scanner.is('sheetView')) {
      if (scanner.rawAttr('tabSelected') !== undefined) sheetViews.push(tag);
    } else if (depth === 2 && parent === 'cols' && scanner.is('col')) {
      const style = Number(scanner.rawAttr('style') ?? '0');
      if (style > 0) {
        columns.push({ min: Number(scanner.rawAttr('min')), max: Number(scanner.rawAttr('max')), style });
      }
    } else if (depth === 2 && parent === 'sheetData' && scanner.is('row')) {
      const r = scanner.rawAttr('r');
      rowNumber = r === undefined ? rowNumber + 1 : Number(r);
      if (!Number.isInteger(rowNumber) || rowNumber < 1) scanner.malformed(`a row numbered ${r}`);
      column = 0;
      rowStarts.push({ number: rowNumber, ...tag, hasR: r !== undefined, prefix: scanner.prefix });
      currentRow = undefined;
      if (wanted.has(rowNumber)) {
        currentRow = {
          ...tag,
          number: rowNumber,
          prefix: scanner.prefix,
          hasR: r !== undefined,
          empty: scanner.selfClosing,
          style: Number(scanner.rawAttr('s') ?? '0'),
          customFormat: ['1', 'true'].includes(scanner.rawAttr('customFormat') ?? ''),
          closeStart: tag.start,
        };
        const row = currentRow;
        wantedRows.set(rowNumber, row);
        tracked = (closeStart) => {
          row.closeStart = closeStart;
        };
      }
    } else if (currentRow && depth === 3 && parent === 'sheetData' && scanner.is('c')) {
      // Only the cells of rows with notes matter (and only there is a missing `r` counted).
      const r = scanner.rawAttr('r');
      const position = r === undefined ? undefined : parseCellRef(r);
      column = position ? position.column : column + 1;
      const list = cells.get(rowNumber) ?? [];
      list.push({ ...tag, column, hasR: r !== undefined });
      cells.set(rowNumber, list);
    }
    if (!scanner.selfClosing) open.push(tracked);
  }
  if (root?.local !== 'worksheet') return scanner.malformed('a sheet without a worksheet');
  if (open.length > 0) scanner.malformed('an element that never ends');
  return {
    root,
    relationshipsPrefix: relationshipsPrefix(slice(xml, startTag(root))),
    children,
    sheetData,
    sheetViews,
    legacyDrawing,
    wantedRows,
    cells,
    rowAfter: (row) => {
      const next = rowStarts.find((candidate) => candidate.number > row);
      return next
        ? { ...next, empty: false, style: 0, customFormat: false, closeStart: next.start }
        : undefined;
    },
    columnStyle: (columnNumber) =>
      columns.find((col) => columnNumber >= col.min && columnNumber <= col.max)?.style ?? 0,
  };
}

function endsAt(element: ElementSpan): (closeStart: number, end: number) => void {
  return (closeStart, end) => {
    element.closeStart = closeStart;
    element.end = end;
  };
}

/** Points each problem cell at a highlighted copy of its format, creating the cells and rows that do not exist. */
export function markCells(
  edits: XmlEdits,
  layout: SheetLayout,
  notes: readonly CellNote[],
  styles: StyleSheet,
  colours: Readonly<Record<Highlight, string>>,
): void {
  const prefix = layout.sheetData?.prefix ?? layout.root.prefix;
  const byRow = new Map<number, CellNote[]>();
  for (const note of notes) byRow.set(note.row, [...(byRow.get(note.row) ?? []), note]);
  const newRows: Array<[number, CellNote[]]> = [];
  const styled = (style: number, note: CellNote) => styles.highlighted(style, colours[note.highlight]);
  for (const [rowNumber, rowNotes] of [...byRow.entries()].sort((a, b) => a[0] - b[0])) {
    rowNotes.sort((a, b) => a.column - b.column);
    const row = layout.wantedRows.get(rowNumber);
    if (!row) {
      newRows.push([rowNumber, rowNotes]);
      continue;
    }
    const cells = layout.cells.get(rowNumber) ?? [];
    const missing: CellNote[] = [];
    for (const note of rowNotes) {
      const cell = cells.find((candidate) => candidate.column === note.column);
      if (!cell) {
        missing.push(note);
        continue;
      }
      edits.rewriteTag(cell, (tag) =>
        setAttribute(tag, 's', String(styled(Number(attributeOf(tag, 's') ?? '0'), note))),
      );
    }
    if (missing.length === 0) continue;
    const rowStyle = row.customFormat ? row.style : undefined;
    const newCell = (note: CellNote) =>
      `<${prefix}c r="${columnLetters(note.column)}${note.row}" s="${styled(rowStyle ?? layout.columnStyle(note.column), note)}"/>`;
    edits.rewriteTag(row, (tag) => {
      let rewritten = widenSpans(tag, missing);
      if (!row.hasR) rewritten = setAttribute(rewritten, 'r', String(rowNumber));
      if (row.empty)
        rewritten = `${openFromEmpty(rewritten)}${missing.map(newCell).join('')}</${row.prefix}row>`;
      return rewritten;
    });
    if (row.empty) continue;
    for (const note of missing) {
      const next = cells.find((cell) => cell.column > note.column);
      if (next) {
        edits.insert(next.start, newCell(note));
        if (!next.hasR)
          edits.rewriteTag(next, (tag) =>
            setAttribute(tag, 'r', `${columnLetters(next.column)}${rowNumber}`),
          );
      } else {
        edits.insert(row.closeStart, newCell(note));
      }
    }
  }
  if (newRows.length === 0) return;
  const rowXml = ([rowNumber, rowNotes]: [number, CellNote[]]) =>
    `<${prefix}row r="${rowNumber}">${rowNotes
      .map(
        (note) =>
          `<${prefix}c r="${columnLetters(note.column)}${rowNumber}" s="${styled(layout.columnStyle(note.column), note)}"/>`,
      )
      .join('')}</${prefix}row>`;
  const sheetData = layout.sheetData;
  if (!sheetData) {
    const at =
      layout.children.find((child) => AFTER_SHEET_DATA.has(child.local))?.start ?? layout.root.closeStart;
    edits.insert(at, `<${prefix}sheetData>${newRows.map(rowXml).join('')}</${prefix}sheetData>`);
  } else if (sheetData.empty) {
    edits.rewriteTag(
      startTag(sheetData),
      (tag) => `${openFromEmpty(tag)}${newRows.map(rowXml).join('')}</${prefix}sheetData>`,
    );
  } else {
    for (const entry of newRows) {
      const next = layout.rowAfter(entry[0]);
      if (next) {
        edits.insert(next.start, rowXml(entry));
        if (!next.hasR) edits.rewriteTag(next, (tag) => setAttribute(tag, 'r', String(next.number)));
      } else {
        edits.insert(sheetData.closeStart, rowXml(entry));
      }
    }
  }
}

/** Widens a row's `spans` hint to cover new cells (a hint only, but kept truthful). */
function widenSpans(tag: string, added: readonly CellNote[]): string {
  const spans = attributeOf(tag, 'spans');
  if (!spans) return tag;
  const bounds = spans
    .split(/\s+/)
    .flatMap((span) => span.split(':'))
    .map(Number)
    .filter((value) => Number.isInteger(value) && value > 0);
  if (bounds.length === 0) return tag;
  const low = Math.min(...bounds, ...added.map((note) => note.column));
  const high = Math.max(...bounds, ...added.map((note) => note.column));
  const inside = added.every((note) =>
    spans.split(/\s+/).some((span) => {
      const [from, to] = span.split(':').map(Number);
      return from !== undefined && to !== undefined && note.column >= from && note.column <= to;
    }),
  );
  return inside ? tag : setAttribute(tag, 'spans', `${low}:${high}`);
}

/** Removes `tabSelected` from a sheet's views, touching nothing else; the same bytes when it has none. */
export function clearTabSelected(xml: Buffer, part: string): Buffer {
  if (xml.indexOf('tabSelected') < 0) return xml;
  const scanner = new XmlScanner(xml, part);
  const edits = new XmlEdits(xml);
  let depth = 0;
  let inViews = false;
  for (let kind = scanner.next(); kind !== END; kind = scanner.next()) {
    if (kind === CLOSE) {
      depth--;
      if (scanner.is('sheetViews')) inViews = false;
      continue;
    }
    if (kind !== OPEN) continue;
    if (depth === 1 && scanner.is('sheetData')) break;
    if (depth === 1 && scanner.is('sheetViews')) inViews = !scanner.selfClosing;
    else if (
      inViews &&
      depth === 2 &&
      scanner.is('sheetView') &&
      scanner.rawAttr('tabSelected') !== undefined
    ) {
      edits.rewriteTag({ start: scanner.start, end: scanner.end }, (text) =>
        setAttribute(text, 'tabSelected', undefined),
      );
    }
    if (!scanner.selfClosing) depth++;
  }
  return edits.apply();
}
