/**
 * The annotated copy: the person's OWN workbook handed back with its problems
 * marked where they are. Every cell a finding names is highlighted (red with a
 * solid border for an error, orange with a dashed border for a warning) and
 * gets a note holding the finding's message, and a new "Feedback" sheet,
 * added last and opened first, explains the colours and lists every finding
 * with a link to its cell.
 *
 * Everything else stays as the person sent it: the workbook is changed by
 * surgery on its XML, never by loading and re-saving it with a spreadsheet
 * library (which would drop or rewrite what it does not understand). Parts we
 * do not touch are copied byte for byte; in the parts we do touch, only these
 * change:
 *
 * - xl/styles.xml (styles.ts): formats appended, counts updated;
 * - each annotated sheet (sheet-cells.ts): a conditional formatting rule per
 *   severity (its cells themselves untouched) and a `<legacyDrawing>` where the
 *   schema puts it; its notes (notes.ts) go into its comments part and VML
 *   drawing, merged with the person's own notes if it has them;
 * - the workbook (workbook-part.ts), its relationships and
 *   [Content_Types].xml (package.ts): the new sheet (feedback-sheet.ts) added
 *   last (existing sheets keep their positions, so defined names scoped to a
 *   sheet still point at the right one) and made the active tab, with
 *   `tabSelected` cleared on the sheets that had it.
 *
 * A copy we annotated before, sent back, first loses our earlier marks
 * (earlier-annotations.ts; how they are recognised: own-marks.ts), so the new
 * copy carries this report's findings only.
 *
 * Only a workbook that passed preflight is annotated: for one that could not
 * be read (a fatal `file.*` finding, or preflight refusing it here) the result
 * is undefined.
 *
 * input: the uploaded bytes and their ValidationReport → output: annotated .xlsx bytes, or undefined
 */
import { createHash } from 'node:crypto';
import { WorkbookRefused } from '../../reading/refusal.js';
import { relsPathOf } from '../../reading/relationships.js';
import { type Finding, SEVERITY_LABELS } from '../../validation/findings.js';
import type { ValidationReport } from '../../validation/report.js';
import { columnLetters, parseCellRef } from '../../xlsx/cell-references.js';
import { CONTENT_TYPES, NAMESPACES } from '../../xlsx/package-names.js';
import { removeEarlierAnnotations } from './earlier-annotations.js';
import {
  type FeedbackSheetOptions,
  feedbackSheet,
  findSheet,
  type SheetEntry,
  validCell,
} from './feedback-sheet.js';
import { CommentsXml, emptyComments, idmapBlocks, ShapeIdAllocator, VmlDrawing } from './notes.js';
import {
  FEEDBACK_MARKER_NAME,
  HIGHLIGHT_BORDERS,
  HIGHLIGHT_COLOURS,
  NOTE_AUTHOR,
  NOTE_HEADING,
} from './own-marks.js';
import {
  addRelationship,
  ContentTypes,
  emptyRelationships,
  folderOf,
  Package,
  relativeTarget,
} from './package.js';
import {
  AFTER_LEGACY_DRAWING,
  type CellNote,
  clearTabSelected,
  type Highlight,
  highlightCells,
  isWorksheet,
  layoutSheet,
} from './sheet-cells.js';
import { defaultStyleSheet, StyleSheet } from './styles.js';
import { WorkbookXml } from './workbook-part.js';
import { relIdOf, setAttribute, setRelId, slice, XmlEdits } from './xml-surgery.js';

export { resultSentence } from './feedback-sheet.js';
export { HIGHLIGHT_COLOURS, NOTE_AUTHOR, NOTE_HEADING } from './own-marks.js';

export type AnnotateOptions = FeedbackSheetOptions;

/** The most characters of findings put in one cell's note; the Feedback sheet has the rest. */
export const MAX_NOTE_LENGTH = 2_000;
export const FEEDBACK_SHEET_NAME = 'Feedback';

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

interface SheetContext {
  readonly styles: StyleSheet;
  readonly contentTypes: ContentTypes;
  readonly relTypeBase: string;
  readonly mainNamespace: string;
  readonly shapeIds: ShapeIdAllocator;
  /** The workbook part's folder (`xl/`), where new comments and drawings go. */
  readonly folder: string;
}

function annotate(pkg: Package, report: ValidationReport, options: AnnotateOptions): Package {
  const contentTypes = new ContentTypes(pkg.bytes('[Content_Types].xml'));
  const workbookPart = pkg
    .rootRelationships()
    .find((rel) => rel.type.endsWith('/officeDocument') && !rel.external)?.target;
  if (!workbookPart || !pkg.has(workbookPart))
    throw new WorkbookRefused('file.not_xlsx', {}, 'no workbook part');
  // A copy we annotated before, sent back: start from the person's workbook without our marks.
  removeEarlierAnnotations(pkg, workbookPart, contentTypes);
  const workbookRelsPart = relsPathOf(workbookPart);
  const workbookRels = pkg.relationshipsOf(workbookPart);
  const workbook = new WorkbookXml(pkg.bytes(workbookPart));
  const sheets: SheetEntry[] = workbook.sheets.map((sheet) => {
    const target = workbookRels.find((rel) => rel.id === sheet.relId && !rel.external)?.target;
    return { name: sheet.name, part: target && pkg.has(target) ? target : undefined, state: sheet.state };
  });
  const worksheetRel = workbookRels.find((rel) => rel.type.endsWith('/worksheet'));
  const relTypeBase = worksheetRel
    ? worksheetRel.type.slice(0, worksheetRel.type.lastIndexOf('/') + 1)
    : `${NAMESPACES.relationships}/`;
  const mainNamespace = workbook.mainNamespace ?? NAMESPACES.main;

  // Styles: the part the workbook names, or a new one when it has none.
  let stylesPart = workbookRels.find((rel) => rel.type.endsWith('/styles') && !rel.external)?.target;
  let workbookRelsXml = pkg.bytesIfPresent(workbookRelsPart) ?? emptyRelationships();
  let styles: StyleSheet;
  if (stylesPart && pkg.has(stylesPart)) {
    styles = new StyleSheet(pkg.bytes(stylesPart));
  } else {
    stylesPart ??= pkg.unusedName((n) => `${folderOf(workbookPart)}styles${n === 1 ? '' : n}.xml`);
    styles = new StyleSheet(defaultStyleSheet(mainNamespace));
    workbookRelsXml = addRelationship(
      workbookRelsXml,
      `${relTypeBase}styles`,
      relativeTarget(workbookPart, stylesPart),
    ).xml;
    contentTypes.override(stylesPart, CONTENT_TYPES.styles);
  }

  // Notes per sheet, then each annotated sheet's cells, notes and drawing.
  const notes = collectNotes(report.findings, sheets);
  const usedShapeBlocks = new Set<number>();
  for (const name of pkg.names) {
    if (/\.vml$/i.test(name))
      for (const block of idmapBlocks(pkg.bytes(name).toString('utf8'))) usedShapeBlocks.add(block);
  }
  const context: SheetContext = {
    styles,
    contentTypes,
    relTypeBase,
    mainNamespace,
    shapeIds: new ShapeIdAllocator(usedShapeBlocks),
    folder: folderOf(workbookPart),
  };
  for (const [sheetIndex, sheet] of sheets.entries()) {
    if (!sheet.part) continue;
    const sheetNotes = notes.get(sheetIndex);
    const xml = pkg.bytes(sheet.part);
    // Only a worksheet has cells to mark (a chartsheet's view is still deselected below).
    if (sheetNotes && sheetNotes.size > 0 && isWorksheet(xml, sheet.part)) {
      pkg.set(sheet.part, annotateSheet(pkg, sheet.part, xml, [...sheetNotes.values()], context));
    } else {
      const cleared = clearTabSelected(xml, sheet.part);
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
  pkg.set(
    workbookPart,
    workbook.withSheet(feedbackName, sheetRel.id, [
      { name: FEEDBACK_MARKER_NAME, formula: `'${feedbackName.replaceAll("'", "''")}'!$A$1`, hidden: true },
    ]),
  );
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
  const text = `${NOTE_HEADING}\n${note.messages.join('\n\n')}`;
  if (text.length <= MAX_NOTE_LENGTH) return text;
  const more = '… (the Feedback sheet lists the rest)';
  return `${text.slice(0, MAX_NOTE_LENGTH - more.length).trimEnd()}${more}`;
}

function uniqueSheetName(base: string, sheets: readonly SheetEntry[]): string {
  const taken = new Set(sheets.map((sheet) => sheet.name.toLowerCase()));
  if (!taken.has(base.toLowerCase())) return base;
  for (let n = 2; ; n++) {
    const name = `${base} (${n})`;
    if (!taken.has(name.toLowerCase())) return name;
  }
}

/** One sheet: its cells marked, its views deselected, its notes in its comments part and drawing. */
function annotateSheet(
  pkg: Package,
  part: string,
  xml: Buffer,
  notes: CellNote[],
  context: SheetContext,
): Buffer {
  const layout = layoutSheet(xml, part);
  const edits = new XmlEdits(xml);
  for (const view of layout.sheetViews)
    edits.rewriteTag(view, (tag) => setAttribute(tag, 'tabSelected', undefined));
  const { styles } = context;
  highlightCells(edits, layout, notes, {
    error: styles.differentialFill(HIGHLIGHT_COLOURS.error, HIGHLIGHT_BORDERS.error),
    warning: styles.differentialFill(HIGHLIGHT_COLOURS.warning, HIGHLIGHT_BORDERS.warning),
  });

  // Notes: the comments part and the VML drawing that shows them, merged with the sheet's own.
  const relsPart = relsPathOf(part);
  let relsXml = pkg.bytesIfPresent(relsPart);
  const rels = pkg.relationshipsOf(part);
  const legacyRelId = layout.legacyDrawing ? relIdOf(slice(xml, layout.legacyDrawing)) : undefined;
  const vmlRel = legacyRelId ? rels.find((rel) => rel.id === legacyRelId && !rel.external) : undefined;
  let vmlPart = vmlRel && pkg.has(vmlRel.target) ? vmlRel.target : undefined;
  const commentsRel = rels.find(
    (rel) => rel.type.endsWith('/comments') && !rel.external && pkg.has(rel.target),
  );
  let commentsPart = commentsRel?.target;

  const comments = new CommentsXml(
    commentsPart ? pkg.bytes(commentsPart) : emptyComments(context.mainNamespace),
    commentsPart ?? 'comments',
    NOTE_AUTHOR,
  );
  for (const note of notes) comments.add(`${columnLetters(note.column)}${note.row}`, noteBody(note));
  if (!commentsPart) {
    commentsPart = pkg.unusedName((n) => `${context.folder}comments${n}.xml`);
    relsXml = addRelationship(
      relsXml ?? emptyRelationships(),
      `${context.relTypeBase}comments`,
      relativeTarget(part, commentsPart),
    ).xml;
    context.contentTypes.override(commentsPart, CONTENT_TYPES.comments);
  }
  pkg.set(commentsPart, comments.toXml());

  const vml = new VmlDrawing(vmlPart ? pkg.bytes(vmlPart) : undefined, context.shapeIds);
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
        : `<${layout.root.prefix}legacyDrawing xmlns:r="${NAMESPACES.relationships}" r:id="${vmlRelId}"/>`,
    );
  }
  return edits.apply();
}
