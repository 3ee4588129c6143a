/**
 * The annotated copy: the person's OWN workbook handed back with its problems
 * marked where they are. Every cell a finding names gets a light red (error)
 * or amber (warning) fill and a note holding the finding's message, and a new
 * "Feedback" sheet, added last and opened first, lists every finding with a
 * link to its cell.
 *
 * Everything else stays as the person sent it: the workbook is changed by
 * surgery on its XML, never by loading and re-saving it with a spreadsheet
 * library (which would drop or rewrite what it does not understand). Parts we
 * do not touch are copied byte for byte; in the parts we do touch, only these
 * change:
 *
 * - xl/styles.xml: fills, fonts and cell formats appended (a highlighted cell's
 *   format is a clone of its own with only the fill changed, so its number
 *   format, font, border, alignment and protection stay), counts updated;
 * - each annotated sheet: the `s` of highlighted cells (a blank cell that does
 *   not exist in the XML is created, and its row if need be), and a
 *   `<legacyDrawing>` where the schema puts it; its notes go into its comments
 *   part and VML drawing, merged with the person's own notes if it has them;
 * - the workbook, its relationships and [Content_Types].xml: the new sheet
 *   added last (existing sheets keep their positions, so defined names scoped
 *   to a sheet still point at the right one) and made the active tab, with
 *   `tabSelected` cleared on the sheets that had it.
 *
 * Only a workbook that passed preflight is annotated: for one that could not
 * be read (a fatal `file.*` finding, or preflight refusing it here) the result
 * is undefined. Inline strings are used for the Feedback sheet's text, so the
 * shared strings are not touched and no text can be read as a formula.
 *
 * input: the uploaded bytes and their ValidationReport → output: annotated .xlsx bytes, or undefined
 */
import { createHash } from 'node:crypto';
import { columnLetters } from '../dictionary/excel-names.js';
import { preflight } from '../reading/preflight.js';
import { parseCellRef, relsPathOf, resolvePartName } from '../reading/read-workbook.js';
import { WorkbookRefused } from '../reading/refusal.js';
import {
  type CellLocation,
  describeCellRefs,
  describeLocation,
  type Finding,
  SEVERITY_LABELS,
} from '../validation/findings.js';
import type { ValidationReport } from '../validation/report.js';
import { writeZip } from '../xlsx/zip-writer.js';

export interface AnnotateOptions {
  /** The first line of the Feedback sheet; the default names the site and quarter. */
  readonly title?: string;
}

/** The fill colours of highlighted cells (ARGB). */
export const HIGHLIGHT_COLOURS = { error: 'FFFFC7CE', warning: 'FFFFEB9C' } as const;
/** The author of the notes the annotation adds. */
export const NOTE_AUTHOR = 'Return checker';
/** The most characters of findings put in one cell's note; the Feedback sheet has the rest. */
export const MAX_NOTE_LENGTH = 2_000;
export const FEEDBACK_SHEET_NAME = 'Feedback';

type Highlight = keyof typeof HIGHLIGHT_COLOURS;

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const RELATIONSHIPS_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const STRICT_RELATIONSHIPS_NS = 'http://purl.oclc.org/ooxml/officeDocument/relationships';
const PACKAGE_RELATIONSHIPS_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const CONTENT_TYPES = {
  worksheet: 'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml',
  comments: 'application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml',
  vml: 'application/vnd.openxmlformats-officedocument.vmlDrawing',
  styles: 'application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml',
} as const;
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/** Worksheet children that CT_Worksheet puts after `<legacyDrawing>`. */
const AFTER_LEGACY_DRAWING = new Set([
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
/** CT_Stylesheet's children, in order. */
const STYLESHEET_ORDER = [
  'numFmts',
  'fonts',
  'fills',
  'borders',
  'cellStyleXfs',
  'cellXfs',
  'cellStyles',
  'dxfs',
  'tableStyles',
  'colors',
  'extLst',
];
/** CT_Workbook's children that come after `<bookViews>`. */
const AFTER_BOOK_VIEWS = new Set([
  'sheets',
  'functionGroups',
  'externalReferences',
  'definedNames',
  'calcPr',
  'oleSize',
  'customWorkbookViews',
  'pivotCaches',
  'smartTagPr',
  'smartTagTypes',
  'webPublishing',
  'fileRecoveryPr',
  'webPublishObjects',
  'extLst',
  'AlternateContent',
]);

/**
 * Returns the person's workbook with the report's findings marked on it, or
 * undefined when the workbook could not be read (nothing to annotate).
 * Throws when the report is for a different file.
 */
export async function annotateWorkbook(
  original: Buffer,
  report: ValidationReport,
  options: AnnotateOptions = {},
): Promise<Buffer | undefined> {
  if (report.findings.some((finding) => finding.severity === 'fatal' && finding.code.startsWith('file.'))) {
    return undefined;
  }
  const sha256 = createHash('sha256').update(original).digest('hex');
  if (sha256 !== report.file.sha256) {
    throw new Error(
      `annotateWorkbook: the report is for another file (sha256 ${report.file.sha256}, not ${sha256})`,
    );
  }
  let annotated: Package;
  try {
    annotated = annotate(await Package.open(original), report, options);
  } catch (error) {
    if (error instanceof WorkbookRefused) return undefined;
    throw error;
  }
  const checkedAt = new Date(report.checkedAt);
  return annotated.toZip(Number.isNaN(checkedAt.getTime()) ? new Date(Date.UTC(2000, 0, 1)) : checkedAt);
}

// ── the annotation ───────────────────────────────────────────────────────────

interface CellNote {
  readonly row: number;
  readonly column: number;
  highlight: Highlight;
  readonly messages: string[];
}

interface SheetEntry {
  readonly name: string;
  readonly part: string | undefined;
  readonly state: string;
}

function annotate(pkg: Package, report: ValidationReport, options: AnnotateOptions): Package {
  const contentTypes = new ContentTypes(pkg.text('[Content_Types].xml'));
  const rootRels = parseRelationships(pkg.textIfPresent('_rels/.rels') ?? '', '');
  const workbookPart = rootRels.find((rel) => rel.type.endsWith('/officeDocument') && !rel.external)?.target;
  if (!workbookPart || !pkg.has(workbookPart))
    throw new WorkbookRefused('file.not_xlsx', {}, 'no workbook part');
  const workbookRelsPart = relsPathOf(workbookPart);
  const workbookRels = parseRelationships(pkg.textIfPresent(workbookRelsPart) ?? '', folderOf(workbookPart));
  const workbook = new WorkbookXml(pkg.text(workbookPart));
  const sheets: SheetEntry[] = workbook.sheets.map((sheet) => {
    const target = workbookRels.find((rel) => rel.id === sheet.relId && !rel.external)?.target;
    return { name: sheet.name, part: target && pkg.has(target) ? target : undefined, state: sheet.state };
  });
  const worksheetRel = workbookRels.find((rel) => rel.type.endsWith('/worksheet'));
  const relTypeBase = worksheetRel
    ? worksheetRel.type.slice(0, worksheetRel.type.lastIndexOf('/') + 1)
    : `${RELATIONSHIPS_NS}/`;
  const mainNamespace = workbook.mainNamespace ?? MAIN_NS;

  // Styles: the part the workbook names, or a new one when it has none.
  let stylesPart = workbookRels.find((rel) => rel.type.endsWith('/styles') && !rel.external)?.target;
  let workbookRelsXml = pkg.textIfPresent(workbookRelsPart) ?? emptyRelationships();
  let styles: StyleSheet;
  if (stylesPart && pkg.has(stylesPart)) {
    styles = new StyleSheet(pkg.text(stylesPart));
  } else {
    stylesPart ??= pkg.unusedName((n) => `${folderOf(workbookPart)}styles${n === 1 ? '' : n}.xml`);
    styles = new StyleSheet(defaultStyleSheet(mainNamespace));
    const added = addRelationship(
      workbookRelsXml,
      `${relTypeBase}styles`,
      relativeTarget(workbookPart, stylesPart),
    );
    workbookRelsXml = added.xml;
    contentTypes.override(stylesPart, CONTENT_TYPES.styles);
  }

  // Notes per sheet, then each annotated sheet's cells, notes and drawing.
  const notes = collectNotes(report.findings, sheets);
  const usedShapeBlocks = new Set<number>();
  for (const name of pkg.names) {
    if (/\.vml$/i.test(name)) for (const block of idmapBlocks(pkg.text(name))) usedShapeBlocks.add(block);
  }
  const shapeIds = new ShapeIdAllocator(usedShapeBlocks);
  for (const [sheetIndex, sheet] of sheets.entries()) {
    if (!sheet.part) continue;
    const sheetNotes = notes.get(sheetIndex);
    const xml = pkg.text(sheet.part);
    // Only a worksheet has cells to mark (a chartsheet's view is still deselected below).
    const isWorksheet = /^\s*(?:<\?[\s\S]*?\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:[\w.-]+:)?worksheet[\s>/]/.test(
      xml.slice(0, 4096).replace(/^\uFEFF/, ''),
    );
    if (sheetNotes && sheetNotes.size > 0 && isWorksheet) {
      pkg.set(
        sheet.part,
        annotateSheet(pkg, sheet.part, xml, [...sheetNotes.values()], {
          styles,
          contentTypes,
          relTypeBase,
          mainNamespace,
          shapeIds,
          folder: folderOf(workbookPart),
        }),
      );
    } else {
      const cleared = clearTabSelected(xml);
      if (cleared !== xml) pkg.set(sheet.part, cleared);
    }
  }

  // The Feedback sheet, last.
  const feedbackName = uniqueSheetName(FEEDBACK_SHEET_NAME, sheets);
  const feedbackPart = pkg.unusedName((n) => `${folderOf(workbookPart)}worksheets/sheet${n}.xml`);
  pkg.set(feedbackPart, feedbackSheet(report, sheets, styles, mainNamespace, options));
  contentTypes.override(feedbackPart, CONTENT_TYPES.worksheet);
  const sheetRel = addRelationship(
    workbookRelsXml,
    `${relTypeBase}worksheet`,
    relativeTarget(workbookPart, feedbackPart),
  );
  pkg.set(workbookRelsPart, sheetRel.xml);
  contentTypes.ensureRelsDefault();
  pkg.set(workbookPart, workbook.withSheet(feedbackName, sheetRel.id, sheets.length));
  pkg.set(stylesPart, styles.toXml());
  pkg.set('[Content_Types].xml', contentTypes.toXml());
  return pkg;
}

/** Cell notes per sheet (by the sheet's position), from every finding's cells. */
function collectNotes(
  findings: readonly Finding[],
  sheets: readonly SheetEntry[],
): Map<number, Map<number, CellNote>> {
  const bySheet = new Map<number, Map<number, CellNote>>();
  for (const finding of findings) {
    const highlight: Highlight =
      finding.severity === 'warning' || finding.severity === 'notice' ? 'warning' : 'error';
    const message = noteText(finding);
    for (const cell of finding.cells) {
      const sheetIndex = findSheet(sheets, cell.sheet);
      if (sheetIndex < 0 || !validCell(cell)) continue;
      const sheetNotes = bySheet.get(sheetIndex) ?? new Map<number, CellNote>();
      bySheet.set(sheetIndex, sheetNotes);
      const key = cell.row * 16_385 + cell.column;
      const note = sheetNotes.get(key) ?? { row: cell.row, column: cell.column, highlight, messages: [] };
      sheetNotes.set(key, note);
      if (highlight === 'error') note.highlight = 'error';
      if (!note.messages.includes(message)) note.messages.push(message);
    }
  }
  return bySheet;
}

function noteText(finding: Finding): string {
  const label = SEVERITY_LABELS[finding.severity];
  const explanation = finding.explanation ? `\nYour explanation: ${finding.explanation}` : '';
  return `${label}: ${finding.message}${explanation}`;
}

function noteBody(note: CellNote): string {
  const text = note.messages.join('\n\n');
  if (text.length <= MAX_NOTE_LENGTH) return text;
  const more = '… (the Feedback sheet lists the rest)';
  return `${text.slice(0, MAX_NOTE_LENGTH - more.length).trimEnd()}${more}`;
}

function validCell(cell: CellLocation): boolean {
  return (
    Number.isInteger(cell.row) &&
    Number.isInteger(cell.column) &&
    cell.row >= 1 &&
    cell.row <= 1_048_576 &&
    cell.column >= 1 &&
    cell.column <= 16_384
  );
}

/** The sheet's position: its exact name, or failing that the same name in another case (as Excel matches). */
function findSheet(sheets: readonly SheetEntry[], name: string): number {
  const exact = sheets.findIndex((sheet) => sheet.name === name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  return sheets.findIndex((sheet) => sheet.name.toLowerCase() === lower);
}

function uniqueSheetName(base: string, sheets: readonly SheetEntry[]): string {
  const taken = new Set(sheets.map((sheet) => sheet.name.toLowerCase()));
  if (!taken.has(base.toLowerCase())) return base;
  for (let n = 2; ; n++) {
    const name = `${base} (${n})`;
    if (!taken.has(name.toLowerCase())) return name;
  }
}

// ── one annotated sheet ──────────────────────────────────────────────────────

interface SheetContext {
  readonly styles: StyleSheet;
  readonly contentTypes: ContentTypes;
  readonly relTypeBase: string;
  readonly mainNamespace: string;
  readonly shapeIds: ShapeIdAllocator;
  /** The workbook part's folder (`xl/`), where new comments and drawings go. */
  readonly folder: string;
}

function annotateSheet(
  pkg: Package,
  part: string,
  xml: string,
  notes: CellNote[],
  context: SheetContext,
): string {
  const { styles } = context;
  const wantedRows = new Set(notes.map((note) => note.row));
  const layout = layoutSheet(xml, wantedRows, part);
  const edits = new XmlEdits(xml);
  const prefix = layout.sheetData?.prefix ?? layout.root.prefix;

  for (const view of layout.sheetViews)
    edits.rewriteTag(view, (tag) => setAttribute(tag, 'tabSelected', undefined));

  // Cells: restyle the ones that exist, create the ones that do not.
  const byRow = new Map<number, CellNote[]>();
  for (const note of notes) byRow.set(note.row, [...(byRow.get(note.row) ?? []), note]);
  const newRows: Array<[number, CellNote[]]> = [];
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
      edits.rewriteTag(cell, (tag) => {
        const style = Number(attributeOf(tag, 's') ?? '0');
        return setAttribute(tag, 's', String(styles.highlighted(style, note.highlight)));
      });
    }
    if (missing.length === 0) continue;
    const rowStyle = row.customFormat ? row.style : undefined;
    const newCell = (note: CellNote) =>
      `<${prefix}c r="${columnLetters(note.column)}${note.row}" s="${styles.highlighted(
        rowStyle ?? layout.columnStyle(note.column),
        note.highlight,
      )}"/>`;
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
  if (newRows.length > 0) {
    const rowXml = ([rowNumber, rowNotes]: [number, CellNote[]]) =>
      `<${prefix}row r="${rowNumber}">${rowNotes
        .map(
          (note) =>
            `<${prefix}c r="${columnLetters(note.column)}${rowNumber}" s="${styles.highlighted(
              layout.columnStyle(note.column),
              note.highlight,
            )}"/>`,
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

  // Notes: the comments part and the VML drawing that shows them, merged with the sheet's own.
  const relsPart = relsPathOf(part);
  let relsXml = pkg.textIfPresent(relsPart);
  const rels = parseRelationships(relsXml ?? '', folderOf(part));
  const legacyRelId = layout.legacyDrawing
    ? relIdOf(xml.slice(layout.legacyDrawing.start, layout.legacyDrawing.end))
    : undefined;
  const vmlRel = legacyRelId ? rels.find((rel) => rel.id === legacyRelId && !rel.external) : undefined;
  let vmlPart = vmlRel && pkg.has(vmlRel.target) ? vmlRel.target : undefined;
  const commentsRel = rels.find(
    (rel) => rel.type.endsWith('/comments') && !rel.external && pkg.has(rel.target),
  );
  let commentsPart = commentsRel?.target;

  const comments = new CommentsXml(
    commentsPart ? pkg.text(commentsPart) : emptyComments(context.mainNamespace),
    commentsPart ?? 'comments',
  );
  for (const note of notes) comments.add(`${columnLetters(note.column)}${note.row}`, noteBody(note));
  if (!commentsPart) {
    commentsPart = pkg.unusedName((n) => `${context.folder}comments${n}.xml`);
    const added = addRelationship(
      relsXml ?? emptyRelationships(),
      `${context.relTypeBase}comments`,
      relativeTarget(part, commentsPart),
    );
    relsXml = added.xml;
    context.contentTypes.override(commentsPart, CONTENT_TYPES.comments);
  }
  pkg.set(commentsPart, comments.toXml());

  const vml = new VmlDrawing(vmlPart ? pkg.text(vmlPart) : undefined, context.shapeIds);
  vml.addNotes(
    comments
      .refs()
      .map((ref) => parseCellRef(ref))
      .filter((cell) => cell !== undefined),
  );
  let vmlRelId = vmlRel?.id;
  if (!vmlPart) {
    vmlPart = pkg.unusedName((n) => `${context.folder}drawings/vmlDrawing${n}.vml`);
    const added = addRelationship(
      relsXml ?? emptyRelationships(),
      `${context.relTypeBase}vmlDrawing`,
      relativeTarget(part, vmlPart),
    );
    relsXml = added.xml;
    vmlRelId = added.id;
    if (!context.contentTypes.hasDefault('vml')) context.contentTypes.default('vml', CONTENT_TYPES.vml);
  }
  pkg.set(vmlPart, vml.toXml());
  if (relsXml !== undefined) pkg.set(relsPart, relsXml);

  const legacy = layout.legacyDrawing;
  if (legacy && vmlRelId !== legacyRelId && vmlRelId) {
    const id = vmlRelId;
    edits.rewriteTag(legacy, (tag) => setRelId(tag, id));
  } else if (!legacy && vmlRelId) {
    const at =
      layout.children.find((child) => AFTER_LEGACY_DRAWING.has(child.local))?.start ?? layout.root.closeStart;
    const rPrefix = layout.relationshipsPrefix;
    edits.insert(
      at,
      rPrefix
        ? `<${layout.root.prefix}legacyDrawing ${rPrefix}:id="${vmlRelId}"/>`
        : `<${layout.root.prefix}legacyDrawing xmlns:r="${RELATIONSHIPS_NS}" r:id="${vmlRelId}"/>`,
    );
  }
  return edits.apply();
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

/** Removes `tabSelected` from a sheet's views, touching nothing else; the same text when it has none. */
function clearTabSelected(xml: string): string {
  if (!/tabSelected/.test(xml)) return xml;
  const walker = new TagWalker(xml, 'worksheet');
  const edits = new XmlEdits(xml);
  let depth = 0;
  let inViews = false;
  while (walker.next()) {
    if (walker.kind === CLOSE) {
      depth--;
      if (walker.is('sheetViews')) inViews = false;
      continue;
    }
    if (depth === 1 && walker.is('sheetData')) break;
    if (depth === 1 && walker.is('sheetViews')) inViews = walker.kind === OPEN;
    else if (inViews && depth === 2 && walker.is('sheetView')) {
      const tag = walker.tag();
      if (attributeOf(xml.slice(tag.start, tag.end), 'tabSelected') !== undefined) {
        edits.rewriteTag(tag, (text) => setAttribute(text, 'tabSelected', undefined));
      }
    }
    if (walker.kind === OPEN) depth++;
  }
  return edits.apply();
}

// ── the sheet's layout ───────────────────────────────────────────────────────

interface Span {
  readonly start: number;
  readonly end: number;
}

/** An element: `start`–`openEnd` is its start tag, `closeStart`–`end` its end tag (all one tag when empty). */
interface ElementSpan {
  readonly start: number;
  readonly openEnd: number;
  closeStart: number;
  end: number;
  readonly prefix: string;
  readonly local: string;
  readonly empty: boolean;
}

function startTag(element: ElementSpan): Span {
  return { start: element.start, end: element.openEnd };
}

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

interface SheetLayout {
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

/**
 * One pass over a worksheet: its top-level children, its views, its columns'
 * styles, every row's number and position, and the cells of the rows asked about.
 */
function layoutSheet(xml: string, wanted: ReadonlySet<number>, part: string): SheetLayout {
  const walker = new TagWalker(xml, part);
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
  while (walker.next()) {
    const kind = walker.kind;
    if (kind === CLOSE) {
      open.pop()?.(walker.start, walker.end);
      if (open.length === 1) parent = '';
      continue;
    }
    const depth = open.length;
    const tag = walker.tag();
    let tracked: ((closeStart: number, end: number) => void) | null = null;
    if (depth === 0) {
      const element = elementAt(walker);
      root = element;
      tracked = endsAt(element);
    } else if (depth === 1) {
      const element = elementAt(walker);
      tracked = endsAt(element);
      children.push(element);
      parent = walker.local;
      if (walker.is('sheetData')) sheetData = element;
      if (walker.is('legacyDrawing')) legacyDrawing = tag;
    } else if (depth === 2 && parent === 'sheetViews' && walker.is('sheetView')) {
      if (attributeOf(walker.text(), 'tabSelected') !== undefined) sheetViews.push(tag);
    } else if (depth === 2 && parent === 'cols' && walker.is('col')) {
      const text = walker.text();
      const style = Number(attributeOf(text, 'style') ?? '0');
      if (style > 0) {
        columns.push({ min: Number(attributeOf(text, 'min')), max: Number(attributeOf(text, 'max')), style });
      }
    } else if (depth === 2 && parent === 'sheetData' && walker.is('row')) {
      const text = walker.text();
      const r = attributeOf(text, 'r');
      rowNumber = r === undefined ? rowNumber + 1 : Number(r);
      if (!Number.isInteger(rowNumber) || rowNumber < 1) walker.malformed(`a row numbered ${r}`);
      column = 0;
      rowStarts.push({
        number: rowNumber,
        start: tag.start,
        end: tag.end,
        hasR: r !== undefined,
        prefix: walker.prefix,
      });
      currentRow = undefined;
      if (wanted.has(rowNumber)) {
        currentRow = {
          ...tag,
          number: rowNumber,
          prefix: walker.prefix,
          hasR: r !== undefined,
          empty: kind === EMPTY,
          style: Number(attributeOf(text, 's') ?? '0'),
          customFormat: ['1', 'true'].includes(attributeOf(text, 'customFormat') ?? ''),
          closeStart: tag.start,
        };
        const row = currentRow;
        wantedRows.set(rowNumber, row);
        tracked = (closeStart) => {
          row.closeStart = closeStart;
        };
      }
    } else if (currentRow && depth === 3 && parent === 'sheetData' && walker.is('c')) {
      // Only the cells of rows with notes matter (and only there is a missing `r` counted).
      const r = attributeOf(walker.text(), 'r');
      const position = r === undefined ? undefined : parseCellRef(r);
      column = position ? position.column : column + 1;
      if (currentRow) {
        const list = cells.get(rowNumber) ?? [];
        list.push({ ...tag, column, hasR: r !== undefined });
        cells.set(rowNumber, list);
      }
    }
    if (kind === OPEN) open.push(tracked);
  }
  if (root?.local !== 'worksheet') return walker.malformed('a sheet without a worksheet');
  if (open.length > 0) walker.malformed('an element that never ends');
  const relationshipsPrefix = namespacePrefix(xml.slice(root.start, root.openEnd), [
    RELATIONSHIPS_NS,
    STRICT_RELATIONSHIPS_NS,
  ]);
  return {
    root,
    relationshipsPrefix,
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

/** The element whose start tag the walker is on; its end is filled in when its end tag is seen. */
function elementAt(walker: TagWalker): ElementSpan {
  return {
    start: walker.start,
    openEnd: walker.end,
    closeStart: walker.start,
    end: walker.end,
    prefix: walker.prefix,
    local: walker.local,
    empty: walker.kind === EMPTY,
  };
}

/** `<row r="3"/>` → `<row r="3">`. */
function openFromEmpty(tag: string): string {
  return `${tag.slice(0, -2).trimEnd()}>`;
}

// ── styles ───────────────────────────────────────────────────────────────────

/** The stylesheet with fills, fonts and cell formats appended as the annotation needs them. */
class StyleSheet {
  private readonly root: ElementSpan;
  private readonly containers = new Map<string, ElementSpan>();
  private readonly existing = new Map<string, string[]>();
  private readonly added = new Map<string, string[]>();
  private readonly prefix: string;
  private readonly highlights = new Map<string, number>();
  private readonly fills = new Map<string, number>();

  constructor(private readonly xml: string) {
    const { root, children } = topLevel(xml, 'styles');
    if (root.local !== 'styleSheet')
      throw new WorkbookRefused('file.damaged', { detail: 'its styles are damaged' }, 'styles root');
    this.root = root;
    this.prefix = root.prefix;
    for (const child of children) {
      if (!STYLESHEET_ORDER.includes(child.local) || this.containers.has(child.local)) continue;
      this.containers.set(child.local, child);
      this.existing.set(
        child.local,
        child.empty ? [] : elementChildren(xml, child).map((item) => xml.slice(item.start, item.end)),
      );
    }
    const p = this.prefix;
    const defaults: Record<string, string[]> = {
      fonts: [`<${p}font><${p}sz val="11"/><${p}name val="Calibri"/></${p}font>`],
      fills: [
        `<${p}fill><${p}patternFill patternType="none"/></${p}fill>`,
        `<${p}fill><${p}patternFill patternType="gray125"/></${p}fill>`,
      ],
      borders: [`<${p}border><${p}left/><${p}right/><${p}top/><${p}bottom/><${p}diagonal/></${p}border>`],
      cellStyleXfs: [`<${p}xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>`],
      cellXfs: [`<${p}xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>`],
    };
    // A container missing, or with fewer children than its defaults need, gets the defaults first.
    for (const [name, items] of Object.entries(defaults)) {
      const have = this.existing.get(name) ?? [];
      if (have.length === 0) this.added.set(name, [...items]);
      else if (name === 'fills' && have.length < 2) this.added.set(name, items.slice(have.length));
    }
  }

  private count(container: string): number {
    return (this.existing.get(container)?.length ?? 0) + (this.added.get(container)?.length ?? 0);
  }

  private append(container: string, item: string): number {
    const index = this.count(container);
    this.added.set(container, [...(this.added.get(container) ?? []), item]);
    return index;
  }

  private xfAt(index: number): string {
    const existing = this.existing.get('cellXfs') ?? [];
    const added = this.added.get('cellXfs') ?? [];
    return existing[index] ?? added[index - existing.length] ?? existing[0] ?? added[0] ?? '';
  }

  /** A solid fill of one ARGB colour, added once. */
  solidFill(rgb: string): number {
    const known = this.fills.get(rgb);
    if (known !== undefined) return known;
    const p = this.prefix;
    const index = this.append(
      'fills',
      `<${p}fill><${p}patternFill patternType="solid"><${p}fgColor rgb="${rgb}"/><${p}bgColor indexed="64"/></${p}patternFill></${p}fill>`,
    );
    this.fills.set(rgb, index);
    return index;
  }

  /** The cell format `style` with the highlight's fill and nothing else changed. */
  highlighted(style: number, highlight: Highlight): number {
    const base = Number.isInteger(style) && style >= 0 && style < this.count('cellXfs') ? style : 0;
    const key = `${base}:${highlight}`;
    const known = this.highlights.get(key);
    if (known !== undefined) return known;
    const fillId = this.solidFill(HIGHLIGHT_COLOURS[highlight]);
    const xf = this.xfAt(base);
    const tagEnd = endOfStartTag(xf);
    let start = setAttribute(xf.slice(0, tagEnd), 'fillId', String(fillId));
    start = setAttribute(start, 'applyFill', '1');
    const index = this.append('cellXfs', `${start}${xf.slice(tagEnd)}`);
    this.highlights.set(key, index);
    return index;
  }

  /** A font in the workbook's default face, bold or underlined or coloured as asked (children in Excel's order). */
  font(options: { bold?: boolean; underline?: boolean; size?: number; rgb?: string }): number {
    const p = this.prefix;
    const first = this.existing.get('fonts')?.[0] ?? '';
    const name = /<(?:[\w.-]+:)?name\s+val="([^"]*)"/.exec(first)?.[1] ?? 'Calibri';
    const defaultSize = /<(?:[\w.-]+:)?sz\s+val="([^"]*)"/.exec(first)?.[1] ?? '11';
    return this.append(
      'fonts',
      `<${p}font>${options.bold ? `<${p}b/>` : ''}${options.underline ? `<${p}u/>` : ''}` +
        `<${p}sz val="${options.size ?? defaultSize}"/>${options.rgb ? `<${p}color rgb="${options.rgb}"/>` : ''}` +
        `<${p}name val="${name}"/></${p}font>`,
    );
  }

  /** A new cell format. */
  format(options: { fontId?: number; fillId?: number; wrap?: boolean; vertical?: 'top' | 'center' }): number {
    const p = this.prefix;
    const applies = [
      options.fontId !== undefined ? ' applyFont="1"' : '',
      options.fillId !== undefined ? ' applyFill="1"' : '',
      ' applyAlignment="1"',
    ].join('');
    return this.append(
      'cellXfs',
      `<${p}xf numFmtId="0" fontId="${options.fontId ?? 0}" fillId="${options.fillId ?? 0}" borderId="0" xfId="0"${applies}>` +
        `<${p}alignment vertical="${options.vertical ?? 'top'}"${options.wrap ? ' wrapText="1"' : ''}/></${p}xf>`,
    );
  }

  toXml(): string {
    const edits = new XmlEdits(this.xml);
    const p = this.prefix;
    for (const [name, items] of this.added) {
      if (items.length === 0) continue;
      const total = String(this.count(name));
      const container = this.containers.get(name);
      if (!container) {
        const later = STYLESHEET_ORDER.slice(STYLESHEET_ORDER.indexOf(name) + 1);
        const next = [...this.containers.values()]
          .filter((candidate) => later.includes(candidate.local))
          .sort((a, b) => a.start - b.start)[0];
        edits.insert(
          next?.start ?? this.root.closeStart,
          `<${p}${name} count="${total}">${items.join('')}</${p}${name}>`,
        );
      } else if (container.empty) {
        edits.rewriteTag(
          startTag(container),
          (tag) =>
            `${openFromEmpty(setAttribute(tag, 'count', total))}${items.join('')}</${container.prefix}${name}>`,
        );
      } else {
        edits.rewriteTag(startTag(container), (tag) => setAttribute(tag, 'count', total));
        edits.insert(container.closeStart, items.join(''));
      }
    }
    return edits.apply();
  }
}

function defaultStyleSheet(namespace: string): string {
  return `${XML_DECLARATION}<styleSheet xmlns="${namespace}"><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`;
}

// ── notes: comments and VML ──────────────────────────────────────────────────

/** A sheet's comments part, with the annotation's notes added or appended to the person's own. */
class CommentsXml {
  private readonly edits: XmlEdits;
  private readonly byRef = new Map<string, { insertAt: number; prefix: string; text: string }>();
  private readonly newComments: string[] = [];
  private readonly allRefs: string[] = [];
  private readonly authorId: number;
  private readonly root: ElementSpan;
  private readonly commentList: ElementSpan | undefined;
  private readonly authors: ElementSpan | undefined;
  private readonly p: string;

  constructor(xml: string, part: string) {
    this.edits = new XmlEdits(xml);
    const { root, children } = topLevel(xml, part);
    this.root = root;
    this.p = root.prefix;
    this.authors = children.find((child) => child.local === 'authors');
    this.commentList = children.find((child) => child.local === 'commentList');
    const authorNames = this.authors && !this.authors.empty ? elementChildren(xml, this.authors) : [];
    const names = authorNames.map((author) => decodeXml(stripTags(xml.slice(author.start, author.end))));
    const existing = names.indexOf(NOTE_AUTHOR);
    if (existing >= 0) {
      this.authorId = existing;
    } else {
      this.authorId = names.length;
      const author = `<${this.p}author>${escapeXml(NOTE_AUTHOR)}</${this.p}author>`;
      if (!this.authors) this.edits.insert(root.openEnd, `<${this.p}authors>${author}</${this.p}authors>`);
      else if (this.authors.empty) {
        const authors = this.authors;
        this.edits.rewriteTag(
          startTag(authors),
          (tag) => `${openFromEmpty(tag)}${author}</${authors.prefix}authors>`,
        );
      } else this.edits.insert(this.authors.closeStart, author);
    }
    if (this.commentList && !this.commentList.empty) {
      for (const comment of elementChildren(xml, this.commentList)) {
        if (comment.local !== 'comment') continue;
        const ref = attributeOf(xml.slice(comment.start, comment.openEnd), 'ref');
        if (!ref) continue;
        this.allRefs.push(ref.toUpperCase());
        const text = comment.empty
          ? undefined
          : elementChildren(xml, comment).find((child) => child.local === 'text');
        if (!text || text.empty) continue;
        // Runs go after the existing text and runs, before any phonetic runs.
        const phonetic = elementChildren(xml, text).find(
          (child) => child.local === 'rPh' || child.local === 'phoneticPr',
        );
        this.byRef.set(ref.toUpperCase(), {
          text: decodeXml(stripTags(xml.slice(text.openEnd, text.closeStart))),
          insertAt: phonetic?.start ?? text.closeStart,
          prefix: text.prefix,
        });
      }
    }
  }

  add(ref: string, body: string): void {
    const p = this.p;
    const existing = this.byRef.get(ref);
    if (existing) {
      // Annotating an annotated copy again adds nothing its notes already say.
      if (!existing.text.includes(body))
        this.edits.insert(existing.insertAt, run(existing.prefix, `\n\n${body}`));
      return;
    }
    this.allRefs.push(ref);
    this.newComments.push(
      `<${p}comment ref="${ref}" authorId="${this.authorId}"><${p}text>${run(p, body)}</${p}text></${p}comment>`,
    );
  }

  refs(): string[] {
    return [...new Set(this.allRefs)];
  }

  toXml(): string {
    const p = this.p;
    if (this.newComments.length > 0) {
      const list = this.commentList;
      if (!list)
        this.edits.insert(
          this.root.closeStart,
          `<${p}commentList>${this.newComments.join('')}</${p}commentList>`,
        );
      else if (list.empty) {
        this.edits.rewriteTag(
          startTag(list),
          (tag) => `${openFromEmpty(tag)}${this.newComments.join('')}</${list.prefix}commentList>`,
        );
      } else this.edits.insert(list.closeStart, this.newComments.join(''));
    }
    return this.edits.apply();
  }
}

function run(p: string, text: string): string {
  return (
    `<${p}r><${p}rPr><${p}sz val="9"/><${p}color indexed="81"/><${p}rFont val="Tahoma"/><${p}family val="2"/></${p}rPr>` +
    `<${p}t xml:space="preserve">${escapeText(text)}</${p}t></${p}r>`
  );
}

function emptyComments(namespace: string): string {
  return `${XML_DECLARATION}<comments xmlns="${namespace}"><authors/><commentList/></comments>`;
}

/**
 * Shape IDs of VML drawings. Each drawing claims blocks of 1,024 IDs with
 * `<o:idmap data="…">`, and the blocks of different drawings must not overlap
 * (Excel shows notes on the wrong sheet when they do).
 */
class ShapeIdAllocator {
  constructor(private readonly used: Set<number>) {}

  allocate(blocks: number[], after: number, count: number): number[] {
    const ids: number[] = [];
    let current = after + 1;
    while (ids.length < count) {
      const block = Math.floor(current / 1024);
      if (blocks.includes(block) && current % 1024 !== 0) {
        ids.push(current++);
        continue;
      }
      let fresh = 1;
      while (this.used.has(fresh)) fresh++;
      this.used.add(fresh);
      blocks.push(fresh);
      current = fresh * 1024 + 1;
    }
    return ids;
  }
}

function idmapBlocks(vml: string): number[] {
  const data = /<(?:[\w.-]+:)?idmap\b[^>]*?\bdata\s*=\s*"([^"]*)"/.exec(vml)?.[1] ?? '';
  return data
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number)
    .filter((block) => Number.isInteger(block));
}

const VML_NS = {
  v: 'urn:schemas-microsoft-com:vml',
  o: 'urn:schemas-microsoft-com:office:office',
  x: 'urn:schemas-microsoft-com:office:excel',
} as const;

const NOTE_SHAPE_TYPE =
  '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">' +
  '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>';

/** A sheet's VML drawing: the person's own (form shapes and notes kept) with a note shape for every new note. */
class VmlDrawing {
  private xml: string;
  private readonly noteCells = new Set<string>();

  constructor(
    existing: string | undefined,
    private readonly ids: ShapeIdAllocator,
  ) {
    this.xml =
      existing ??
      `<xml xmlns:v="${VML_NS.v}" xmlns:o="${VML_NS.o}" xmlns:x="${VML_NS.x}"><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data=""/></o:shapelayout>${NOTE_SHAPE_TYPE}</xml>`;
    const clientData =
      /<(?:[\w.-]+:)?ClientData\b[^>]*ObjectType\s*=\s*["']Note["'][^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?ClientData>/g;
    for (const match of this.xml.matchAll(clientData)) {
      const body = match[1] ?? '';
      const row = /<(?:[\w.-]+:)?Row>\s*(\d+)\s*</.exec(body)?.[1];
      const column = /<(?:[\w.-]+:)?Column>\s*(\d+)\s*</.exec(body)?.[1];
      if (row !== undefined && column !== undefined) this.noteCells.add(`${Number(row)}:${Number(column)}`);
    }
  }

  addNotes(cells: ReadonlyArray<{ row: number; column: number }>): void {
    const missing = cells.filter((cell) => !this.noteCells.has(`${cell.row - 1}:${cell.column - 1}`));
    if (missing.length === 0) return;
    const blocks = idmapBlocks(this.xml);
    const maxId = Math.max(0, ...[...this.xml.matchAll(/_x0000_s(\d+)/g)].map((match) => Number(match[1])));
    const ids = this.ids.allocate(blocks, maxId, missing.length);
    const shapes = missing
      .map((cell, index) => {
        this.noteCells.add(`${cell.row - 1}:${cell.column - 1}`);
        return noteShape(ids[index] ?? 0, cell.row - 1, cell.column - 1, index + 1);
      })
      .join('');
    let xml = this.xml;
    // The root must bind v:, o: and x: to VML's namespaces for the shapes we write.
    const rootMatch = /<xml\b[^>]*>/.exec(xml);
    if (!rootMatch)
      throw new WorkbookRefused('file.damaged', { detail: 'a drawing of its notes is damaged' }, 'VML root');
    let rootTag = rootMatch[0];
    for (const [prefix, uri] of Object.entries(VML_NS)) {
      if (!new RegExp(`xmlns:${prefix}\\s*=`).test(rootTag))
        rootTag = setAttribute(rootTag, `xmlns:${prefix}`, uri);
    }
    xml = `${xml.slice(0, rootMatch.index)}${rootTag}${xml.slice(rootMatch.index + rootMatch[0].length)}`;
    const data = blocks.join(',');
    if (/<(?:[\w.-]+:)?idmap\b/.test(xml)) {
      xml = xml.replace(
        /(<(?:[\w.-]+:)?idmap\b[^>]*?)(?:\s+data\s*=\s*"[^"]*")?(\s*\/?>)/,
        (_, head: string, tail: string) => {
          return `${head.replace(/\s+data\s*=\s*"[^"]*"/, '')} data="${data}"${tail}`;
        },
      );
    } else {
      const afterRoot = rootMatch.index + rootTag.length;
      xml = `${xml.slice(0, afterRoot)}<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="${data}"/></o:shapelayout>${xml.slice(afterRoot)}`;
    }
    const typeNeeded = !/id\s*=\s*["']_x0000_t202["']/.test(xml);
    const close = xml.lastIndexOf('</xml>');
    if (close < 0)
      throw new WorkbookRefused('file.damaged', { detail: 'a drawing of its notes is damaged' }, 'VML end');
    this.xml = `${xml.slice(0, close)}${typeNeeded ? NOTE_SHAPE_TYPE : ''}${shapes}${xml.slice(close)}`;
  }

  toXml(): string {
    return this.xml;
  }
}

/** Excel's note shape, hidden until the cell is pointed at, to the right of the cell. */
function noteShape(id: number, row: number, column: number, z: number): string {
  const anchor = [column + 1, 15, Math.max(0, row - 1), 10, column + 4, 15, Math.max(0, row - 1) + 6, 4].join(
    ', ',
  );
  return (
    `<v:shape id="_x0000_s${id}" type="#_x0000_t202" style="position:absolute;margin-left:80pt;margin-top:2pt;width:240pt;height:110pt;z-index:${z};visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">` +
    '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>' +
    '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>' +
    `<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>${anchor}</x:Anchor>` +
    `<x:AutoFill>False</x:AutoFill><x:Row>${row}</x:Row><x:Column>${column}</x:Column></x:ClientData></v:shape>`
  );
}

// ── the Feedback sheet ───────────────────────────────────────────────────────

interface FeedbackCell {
  readonly column: number;
  readonly text: string;
  readonly style: number;
}

/** "Not accepted: 3 errors to fix", "Accepted with 2 warnings", "Accepted: no problems found". */
export function resultSentence(report: Pick<ValidationReport, 'status' | 'counts'>): string {
  const { counts } = report;
  const errors = counts.fatal + counts.errors;
  const plural = (n: number, word: string) => `${n.toLocaleString('en-GB')} ${word}${n === 1 ? '' : 's'}`;
  if (report.status === 'rejected') {
    const fix = errors > 0 ? `${plural(errors, 'error')} to fix` : 'problems to fix';
    return `Not accepted: ${fix}${counts.warnings > 0 ? `, and ${plural(counts.warnings, 'warning')} to check` : ''}`;
  }
  if (report.status === 'accepted-with-warnings') {
    const unexplained = counts.unexplainedWarnings;
    return `Accepted with ${plural(counts.warnings, 'warning')}${
      unexplained > 0 && unexplained < counts.warnings
        ? ` (${unexplained.toLocaleString('en-GB')} not yet explained)`
        : ''
    }`;
  }
  return 'Accepted: no problems found';
}

function feedbackSheet(
  report: ValidationReport,
  sheets: readonly SheetEntry[],
  styles: StyleSheet,
  namespace: string,
  options: AnnotateOptions,
): string {
  const titleFont = styles.font({ bold: true, size: 14, rgb: 'FF1F4E79' });
  const boldFont = styles.font({ bold: true });
  const linkFont = styles.font({ underline: true, rgb: 'FF0563C1' });
  const s = {
    title: styles.format({ fontId: titleFont }),
    result: styles.format({ fontId: boldFont, fillId: styles.solidFill(statusColour(report)) }),
    plain: styles.format({}),
    header: styles.format({
      fontId: boldFont,
      fillId: styles.solidFill('FFD9D9D9'),
      vertical: 'center',
      wrap: true,
    }),
    body: styles.format({ wrap: true }),
    error: styles.format({ fillId: styles.solidFill(HIGHLIGHT_COLOURS.error), wrap: true }),
    warning: styles.format({ fillId: styles.solidFill(HIGHLIGHT_COLOURS.warning), wrap: true }),
    link: styles.format({ fontId: linkFont, wrap: true }),
  };
  const widths = [11, 20, 16, 16, 90, 50];
  const about = [report.site, report.period?.replace(/-(Q\d)$/, ' $1')].filter(Boolean).join(' ');
  const checked = new Date(report.checkedAt);
  const checkedText = Number.isNaN(checked.getTime())
    ? ''
    : `Checked on ${checked.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })}${
        report.dictionaryVersion ? ` against the ${report.dictionaryVersion} data dictionary` : ''
      }. `;
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
    { cells: [] },
    {
      cells: ['Severity', 'Rule', 'Sheet', 'Cell', 'Message', 'Explanation'].map((text, index) => ({
        column: index + 1,
        text,
        style: s.header,
      })),
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
      { column: 2, text: finding.ruleId ?? finding.code, style: s.body },
      { column: 3, text: place.sheet, style: place.location ? s.link : s.body },
      { column: 4, text: place.cells, style: place.location ? s.link : s.body },
      { column: 5, text: finding.message, style: s.body },
      { column: 6, text: finding.explanation ?? '', style: s.body },
    ].filter((cell) => cell.text !== '');
    if (place.location) {
      for (const [column, display] of [
        [3, place.sheet],
        [4, place.cells],
      ] as const) {
        if (display)
          links.push({ ref: `${columnLetters(column)}${rowNumber}`, location: place.location, display });
      }
    }
    const lines = Math.max(
      1,
      wrappedLines(finding.message, widths[4] ?? 90),
      wrappedLines(finding.explanation ?? '', widths[5] ?? 50),
      wrappedLines(place.cells, widths[3] ?? 16),
    );
    rows.push({ cells, height: lines * 15 + 3 });
  }
  if (report.findings.length === 0)
    rows.push({ cells: [{ column: 5, text: 'No problems found.', style: s.body }] });

  const p = '';
  const cellXml = (row: number, cell: FeedbackCell) =>
    cell.text === ''
      ? `<${p}c r="${columnLetters(cell.column)}${row}" s="${cell.style}"/>`
      : `<${p}c r="${columnLetters(cell.column)}${row}" s="${cell.style}" t="inlineStr"><${p}is><${p}t xml:space="preserve">${escapeText(
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
    `${XML_DECLARATION}<worksheet xmlns="${namespace}" xmlns:r="${RELATIONSHIPS_NS}">` +
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

// ── the workbook part ────────────────────────────────────────────────────────

class WorkbookXml {
  readonly sheets: Array<{ name: string; relId: string; state: string; sheetId: number }> = [];
  readonly mainNamespace: string | undefined;
  private readonly root: ElementSpan;
  private readonly children: readonly ElementSpan[];
  private readonly sheetsElement: ElementSpan;

  constructor(private readonly xml: string) {
    const { root, children } = topLevel(xml, 'workbook');
    if (root.local !== 'workbook') throw new WorkbookRefused('file.not_xlsx', {}, 'workbook root');
    this.root = root;
    this.children = children;
    const rootTag = xml.slice(root.start, root.openEnd);
    this.mainNamespace = attributeOf(rootTag, root.prefix ? `xmlns:${root.prefix.slice(0, -1)}` : 'xmlns');
    const sheets = children.find((child) => child.local === 'sheets');
    if (!sheets || sheets.empty)
      throw new WorkbookRefused('file.damaged', { detail: 'it has no sheets' }, 'no <sheets>');
    this.sheetsElement = sheets;
    for (const sheet of elementChildren(xml, sheets)) {
      if (sheet.local !== 'sheet') continue;
      const tag = xml.slice(sheet.start, sheet.openEnd);
      this.sheets.push({
        name: decodeXml(attributeOf(tag, 'name') ?? ''),
        relId: relIdOf(tag) ?? '',
        state: attributeOf(tag, 'state') ?? 'visible',
        sheetId: Number(attributeOf(tag, 'sheetId') ?? '0'),
      });
    }
  }

  /** The workbook with a new last sheet, made the active tab. */
  withSheet(name: string, relId: string, index: number): string {
    const edits = new XmlEdits(this.xml);
    const p = this.root.prefix;
    const sheetId =
      Math.max(0, ...this.sheets.map((sheet) => (Number.isFinite(sheet.sheetId) ? sheet.sheetId : 0))) + 1;
    const rPrefix = namespacePrefix(this.xml.slice(this.root.start, this.root.openEnd), [
      RELATIONSHIPS_NS,
      STRICT_RELATIONSHIPS_NS,
    ]);
    const relAttribute = rPrefix
      ? `${rPrefix}:id="${relId}"`
      : `xmlns:r="${RELATIONSHIPS_NS}" r:id="${relId}"`;
    edits.insert(
      this.sheetsElement.closeStart,
      `<${p}sheet name="${escapeXml(name)}" sheetId="${sheetId}" ${relAttribute}/>`,
    );
    const bookViews = this.children.find((child) => child.local === 'bookViews');
    const view =
      bookViews && !bookViews.empty
        ? elementChildren(this.xml, bookViews).find((child) => child.local === 'workbookView')
        : undefined;
    if (view) {
      edits.rewriteTag(startTag(view), (tag) => setAttribute(tag, 'activeTab', String(index)));
    } else if (bookViews && !bookViews.empty) {
      edits.insert(bookViews.closeStart, `<${p}workbookView activeTab="${index}"/>`);
    } else {
      const element = `<${p}bookViews><${p}workbookView activeTab="${index}"/></${p}bookViews>`;
      if (bookViews) edits.rewriteTag(startTag(bookViews), () => element);
      else
        edits.insert(
          this.children.find((child) => AFTER_BOOK_VIEWS.has(child.local))?.start ?? this.sheetsElement.start,
          element,
        );
    }
    return edits.apply();
  }
}

// ── relationships and content types ──────────────────────────────────────────

interface Relationship {
  readonly id: string;
  readonly type: string;
  /** The part it points at, resolved to a part name; the raw target for an external one. */
  readonly target: string;
  readonly external: boolean;
}

function parseRelationships(xml: string, base: string): Relationship[] {
  if (!xml) return [];
  const result: Relationship[] = [];
  const walker = new TagWalker(xml, 'relationships');
  while (walker.next()) {
    if (walker.kind === CLOSE || !walker.is('Relationship')) continue;
    const tag = walker.text();
    const id = attributeOf(tag, 'Id');
    const target = attributeOf(tag, 'Target');
    if (!id || target === undefined) continue;
    const external = attributeOf(tag, 'TargetMode') === 'External';
    result.push({
      id: decodeXml(id),
      type: decodeXml(attributeOf(tag, 'Type') ?? ''),
      target: external ? decodeXml(target) : resolvePartName(base, decodeXml(target)),
      external,
    });
  }
  return result;
}

function emptyRelationships(): string {
  return `${XML_DECLARATION}<Relationships xmlns="${PACKAGE_RELATIONSHIPS_NS}"></Relationships>`;
}

/** Adds a relationship with a new ID; the part's text with it, and the ID. */
function addRelationship(xml: string, type: string, target: string): { xml: string; id: string } {
  const ids = new Set([...xml.matchAll(/\bId\s*=\s*"([^"]*)"/g)].map((match) => match[1]));
  let n = ids.size + 1;
  while (ids.has(`rId${n}`)) n++;
  const id = `rId${n}`;
  const { root } = topLevel(xml, 'relationships');
  const element = `<${root.prefix}Relationship Id="${id}" Type="${escapeXml(type)}" Target="${escapeXml(target)}"/>`;
  const edits = new XmlEdits(xml);
  if (root.empty)
    edits.rewriteTag(
      startTag(root),
      (tag) => `${openFromEmpty(tag)}${element}</${root.prefix}Relationships>`,
    );
  else edits.insert(root.closeStart, element);
  return { xml: edits.apply(), id };
}

class ContentTypes {
  private readonly edits: XmlEdits;
  private readonly root: ElementSpan;
  private readonly defaults = new Set<string>();
  private readonly overrides = new Set<string>();
  private readonly additions: string[] = [];

  constructor(private readonly xml: string) {
    this.edits = new XmlEdits(xml);
    const { root, children } = topLevel(xml, '[Content_Types].xml');
    this.root = root;
    for (const child of children) {
      const tag = xml.slice(child.start, child.openEnd);
      if (child.local === 'Default') this.defaults.add((attributeOf(tag, 'Extension') ?? '').toLowerCase());
      if (child.local === 'Override')
        this.overrides.add(decodeXml(attributeOf(tag, 'PartName') ?? '').toLowerCase());
    }
  }

  hasDefault(extension: string): boolean {
    return this.defaults.has(extension.toLowerCase());
  }

  default(extension: string, type: string): void {
    this.defaults.add(extension.toLowerCase());
    this.additions.push(
      `<${this.root.prefix}Default Extension="${escapeXml(extension)}" ContentType="${escapeXml(type)}"/>`,
    );
  }

  override(part: string, type: string): void {
    const name = `/${part.replace(/^\//, '')}`;
    if (this.overrides.has(name.toLowerCase())) return;
    this.overrides.add(name.toLowerCase());
    this.additions.push(
      `<${this.root.prefix}Override PartName="${escapeXml(name)}" ContentType="${escapeXml(type)}"/>`,
    );
  }

  ensureRelsDefault(): void {
    if (!this.hasDefault('rels'))
      this.default('rels', 'application/vnd.openxmlformats-package.relationships+xml');
  }

  toXml(): string {
    if (this.additions.length === 0) return this.xml;
    if (this.root.empty) {
      this.edits.rewriteTag(
        startTag(this.root),
        (tag) => `${openFromEmpty(tag)}${this.additions.join('')}</${this.root.prefix}Types>`,
      );
    } else {
      this.edits.insert(this.root.closeStart, this.additions.join(''));
    }
    return this.edits.apply();
  }
}

function folderOf(part: string): string {
  return part.slice(0, part.lastIndexOf('/') + 1);
}

/** The target of a relationship from `from` to `to`, relative to `from`'s folder (`../comments1.xml`). */
function relativeTarget(from: string, to: string): string {
  const fromFolder = folderOf(from).split('/').filter(Boolean);
  const toSegments = to.split('/');
  let common = 0;
  while (
    common < fromFolder.length &&
    common < toSegments.length - 1 &&
    fromFolder[common] === toSegments[common]
  )
    common++;
  return [...fromFolder.slice(common).map(() => '..'), ...toSegments.slice(common)].join('/');
}

// ── the package ──────────────────────────────────────────────────────────────

/** The workbook's parts, read through preflight's limits, written back as a zip. */
class Package {
  private readonly parts = new Map<string, { name: string; data: Buffer | string }>();

  private constructor() {}

  static async open(bytes: Buffer): Promise<Package> {
    const zip = await preflight(bytes);
    const pkg = new Package();
    for (const name of zip.names) {
      pkg.parts.set(name.toLowerCase(), {
        name,
        data: name.endsWith('/') ? Buffer.alloc(0) : zip.read(name),
      });
    }
    return pkg;
  }

  get names(): string[] {
    return [...this.parts.values()].map((part) => part.name);
  }

  has(name: string): boolean {
    return this.parts.has(name.replace(/^\//, '').toLowerCase());
  }

  textIfPresent(name: string): string | undefined {
    const part = this.parts.get(name.replace(/^\//, '').toLowerCase());
    if (!part) return undefined;
    return typeof part.data === 'string' ? part.data : part.data.toString('utf8');
  }

  text(name: string): string {
    const text = this.textIfPresent(name);
    if (text === undefined)
      throw new WorkbookRefused('file.damaged', { detail: 'a part is missing' }, `missing ${name}`);
    return text;
  }

  set(name: string, text: string): void {
    const key = name.replace(/^\//, '').toLowerCase();
    const existing = this.parts.get(key);
    this.parts.set(key, { name: existing?.name ?? name.replace(/^\//, ''), data: text });
  }

  /** The first name `make(n)` (n = 1, 2, …) that no part has. */
  unusedName(make: (n: number) => string): string {
    for (let n = 1; ; n++) {
      const name = make(n);
      if (!this.has(name)) return name;
    }
  }

  toZip(mtime: Date): Promise<Buffer> {
    const entries = [...this.parts.values()];
    const first = entries.findIndex((entry) => entry.name.toLowerCase() === '[content_types].xml');
    if (first > 0) entries.unshift(...entries.splice(first, 1));
    return Promise.resolve(
      writeZip(
        entries.map(({ name, data }) => ({
          name,
          data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data,
          level: name.endsWith('/') ? 0 : 6,
        })),
        mtime,
      ),
    );
  }
}

// ── XML surgery ──────────────────────────────────────────────────────────────

const OPEN = 1;
const CLOSE = 2;
const EMPTY = 3;

/**
 * Steps from tag to tag with their offsets, which XmlScanner does not expose:
 * comments, processing instructions and CDATA are skipped, attribute values
 * may hold `>`, and names are compared by local name (`x:row` is a `row`).
 */
class TagWalker {
  kind = OPEN;
  start = 0;
  end = 0;
  prefix = '';
  private localStart = 0;
  private nameEnd = 0;
  private position = 0;

  constructor(
    readonly xml: string,
    private readonly part: string,
    from = 0,
  ) {
    this.position = from;
  }

  next(): boolean {
    const xml = this.xml;
    let position = this.position;
    for (;;) {
      const lt = xml.indexOf('<', position);
      if (lt < 0) return false;
      const after = xml.charCodeAt(lt + 1);
      if (after === 63) {
        position = this.skipPast('?>', lt + 2);
        continue;
      }
      if (after === 33) {
        if (xml.startsWith('!--', lt + 1)) position = this.skipPast('-->', lt + 4);
        else if (xml.startsWith('![CDATA[', lt + 1)) position = this.skipPast(']]>', lt + 9);
        else position = this.skipPast('>', lt + 2);
        continue;
      }
      const close = after === 47;
      const nameStart = close ? lt + 2 : lt + 1;
      let index = nameStart;
      let localStart = nameStart;
      for (;;) {
        const code = xml.charCodeAt(index);
        if (code === 58) localStart = index + 1;
        else if (code <= 32 || code === 62 || code === 47 || Number.isNaN(code)) break;
        index++;
      }
      if (index === nameStart) this.malformed('a tag without a name');
      this.nameEnd = index;
      this.localStart = localStart;
      this.prefix = xml.slice(nameStart, localStart);
      let quote = 0;
      for (;;) {
        if (index >= xml.length) this.malformed('an unfinished tag');
        const code = xml.charCodeAt(index);
        if (quote) {
          if (code === quote) quote = 0;
        } else if (code === 34 || code === 39) quote = code;
        else if (code === 62) break;
        index++;
      }
      this.start = lt;
      this.end = index + 1;
      this.kind = close ? CLOSE : xml.charCodeAt(index - 1) === 47 ? EMPTY : OPEN;
      this.position = index + 1;
      return true;
    }
  }

  is(local: string): boolean {
    return this.nameEnd - this.localStart === local.length && this.xml.startsWith(local, this.localStart);
  }

  get local(): string {
    return this.xml.slice(this.localStart, this.nameEnd);
  }

  tag(): Span {
    return { start: this.start, end: this.end };
  }

  text(): string {
    return this.xml.slice(this.start, this.end);
  }

  malformed(what: string): never {
    throw new WorkbookRefused(
      'file.damaged',
      { detail: `part of it is not well-formed (${this.part})` },
      `${this.part}: ${what} near character ${this.position}`,
    );
  }

  private skipPast(terminator: string, from: number): number {
    const end = this.xml.indexOf(terminator, from);
    if (end < 0) this.malformed(`a missing "${terminator}"`);
    return end + terminator.length;
  }
}

/** The root element of a part and its direct children, with their spans. */
function topLevel(xml: string, part: string): { root: ElementSpan; children: ElementSpan[] } {
  const walker = new TagWalker(xml, part);
  if (!walker.next() || walker.kind === CLOSE) walker.malformed('no root element');
  const root = elementAt(walker);
  if (root.empty) return { root, children: [] };
  const children = childrenFrom(walker);
  root.closeStart = walker.start;
  root.end = walker.end;
  return { root, children };
}

/** The direct children of an element, with their spans. */
function elementChildren(xml: string, element: ElementSpan): ElementSpan[] {
  if (element.empty) return [];
  return childrenFrom(new TagWalker(xml, element.local, element.openEnd));
}

/** Reads from just inside an element to its end tag (where the walker is left), collecting its children. */
function childrenFrom(walker: TagWalker): ElementSpan[] {
  const children: ElementSpan[] = [];
  let depth = 0;
  let current: ElementSpan | undefined;
  while (walker.next()) {
    if (walker.kind === CLOSE) {
      if (depth === 0) return children;
      depth--;
      if (depth === 0 && current) {
        current.closeStart = walker.start;
        current.end = walker.end;
      }
      continue;
    }
    if (depth === 0) {
      current = elementAt(walker);
      children.push(current);
    }
    if (walker.kind === OPEN) depth++;
  }
  return walker.malformed('an element that never ends');
}

/** Where the first tag of `element` text ends (just after its `>`). */
function endOfStartTag(element: string): number {
  return endOfStartTagAt(element, 0);
}

function endOfStartTagAt(xml: string, start: number): number {
  const walker = new TagWalker(xml, 'element', start);
  if (!walker.next()) walker.malformed('no tag');
  return walker.end;
}

/** Collected changes to one XML text, applied in one pass: insertions and whole-tag rewrites. */
class XmlEdits {
  private readonly inserts: Array<{ at: number; text: string; order: number }> = [];
  private readonly rewrites = new Map<number, { end: number; text: string }>();
  private order = 0;

  constructor(private readonly xml: string) {}

  insert(at: number, text: string): void {
    this.inserts.push({ at, text, order: this.order++ });
  }

  /** Rewrites the tag at `span`; several rewrites of one tag compose. */
  rewriteTag(span: Span, rewrite: (tag: string) => string): void {
    const current = this.rewrites.get(span.start);
    const end = current?.end ?? span.end;
    const text = current?.text ?? this.xml.slice(span.start, end);
    this.rewrites.set(span.start, { end, text: rewrite(text) });
  }

  apply(): string {
    if (this.inserts.length === 0 && this.rewrites.size === 0) return this.xml;
    const edits = [
      ...this.inserts.map((insert) => ({ at: insert.at, remove: 0, text: insert.text, order: insert.order })),
      ...[...this.rewrites.entries()].map(([at, rewrite]) => ({
        at,
        remove: rewrite.end - at,
        text: rewrite.text,
        order: Number.MAX_SAFE_INTEGER,
      })),
    ].sort((a, b) => a.at - b.at || a.order - b.order);
    const pieces: string[] = [];
    let cursor = 0;
    for (const edit of edits) {
      if (edit.at < cursor) throw new Error(`annotateWorkbook: overlapping XML edits at ${edit.at}`);
      pieces.push(this.xml.slice(cursor, edit.at), edit.text);
      cursor = edit.at + edit.remove;
    }
    pieces.push(this.xml.slice(cursor));
    return pieces.join('');
  }
}

const ATTRIBUTE = /([^\s=/<>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** An attribute's raw value in a start tag, by its qualified name. */
function attributeOf(tag: string, name: string): string | undefined {
  const nameEnd = tag.search(/[\s/>]/);
  for (const match of tag.slice(nameEnd).matchAll(ATTRIBUTE)) {
    if (match[1] === name) return match[2] ?? match[3] ?? '';
  }
  return undefined;
}

/** Sets (or, with undefined, removes) one attribute of a start tag, leaving the rest as written. */
function setAttribute(tag: string, name: string, value: string | undefined): string {
  const nameEnd = tag.search(/[\s/>]/);
  for (const match of tag.slice(nameEnd).matchAll(ATTRIBUTE)) {
    if (match[1] !== name) continue;
    const start = nameEnd + (match.index ?? 0);
    const end = start + match[0].length;
    if (value === undefined) {
      let from = start;
      while (from > nameEnd && /\s/.test(tag[from - 1] ?? '')) from--;
      return `${tag.slice(0, from)}${tag.slice(end)}`;
    }
    return `${tag.slice(0, start)}${name}="${escapeXml(value)}"${tag.slice(end)}`;
  }
  if (value === undefined) return tag;
  const close = tag.endsWith('/>') ? tag.length - 2 : tag.length - 1;
  return `${tag.slice(0, close).trimEnd()} ${name}="${escapeXml(value)}"${tag.slice(close)}`;
}

/** The value of a relationship-ID attribute (`r:id`, whatever its prefix). */
function relIdOf(tag: string): string | undefined {
  const nameEnd = tag.search(/[\s/>]/);
  for (const match of tag.slice(nameEnd).matchAll(ATTRIBUTE)) {
    if (/^[\w.-]+:id$/.test(match[1] ?? '') && !match[1]?.startsWith('xmlns'))
      return decodeXml(match[2] ?? match[3] ?? '');
  }
  return undefined;
}

function setRelId(tag: string, id: string): string {
  const nameEnd = tag.search(/[\s/>]/);
  for (const match of tag.slice(nameEnd).matchAll(ATTRIBUTE)) {
    const name = match[1] ?? '';
    if (/^[\w.-]+:id$/.test(name) && !name.startsWith('xmlns')) return setAttribute(tag, name, id);
  }
  return setAttribute(setAttribute(tag, 'xmlns:r', RELATIONSHIPS_NS), 'r:id', id);
}

/** The prefix a start tag binds to one of `namespaces`, if any. */
function namespacePrefix(tag: string, namespaces: readonly string[]): string | undefined {
  const nameEnd = tag.search(/[\s/>]/);
  for (const match of tag.slice(nameEnd).matchAll(ATTRIBUTE)) {
    const name = match[1] ?? '';
    if (name.startsWith('xmlns:') && namespaces.includes(match[2] ?? match[3] ?? '')) return name.slice(6);
  }
  return undefined;
}

function stripTags(xml: string): string {
  return xml.replace(/<[^>]*>/g, '');
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing what XML 1.0 cannot carry is the point
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function escapeXml(text: string): string {
  return text
    .replace(XML_INVALID, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Text for a `<t>`: escaped, with CR dropped and `_xHHHH_` kept literal (OOXML reads it as an escape). */
function escapeText(text: string): string {
  return escapeXml(text.replace(/\r\n?/g, '\n').replace(/_(x[0-9A-Fa-f]{4}_)/g, '_x005F_$1'));
}

function decodeXml(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (whole, entity: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[entity] !== undefined) return named[entity];
    const code = entity.startsWith('#x')
      ? Number.parseInt(entity.slice(2), 16)
      : Number.parseInt(entity.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
