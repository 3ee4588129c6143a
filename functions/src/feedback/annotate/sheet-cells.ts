/**
 * A worksheet's problem cells, highlighted by conditional formatting: one
 * rule per severity, always true, whose format fills the cells it covers. The
 * cells themselves are not touched (not their style, not their value, not
 * whether they exist), so the person's own fills and formats stay exactly as
 * they were, and a later annotation can take ours away completely by removing
 * the rules, which it recognises by their formula (own-marks.ts): a formula
 * survives re-saving by Excel and LibreOffice, where style indices do not.
 */
import { CLOSE, END, OPEN, TEXT, XmlScanner } from '../../reading/xml-scanner.js';
import { describeCellRefs } from '../../validation/findings.js';
import { escapeXml } from '../../xlsx/xml-text.js';
import { ownRuleFormula, type Severity } from './own-marks.js';
import {
  type ElementSpan,
  elementAt,
  relationshipsPrefix,
  type Span,
  setAttribute,
  slice,
  startTag,
  XmlEdits,
} from './xml-surgery.js';

export type Highlight = Severity;

export interface CellNote {
  readonly row: number;
  readonly column: number;
  highlight: Highlight;
  readonly messages: string[];
}

/** CT_Worksheet's children, in order. */
const WORKSHEET_ORDER = [
  'sheetPr',
  'dimension',
  'sheetViews',
  'sheetFormatPr',
  'cols',
  'sheetData',
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
  'legacyDrawingHF',
  'drawingHF',
  'picture',
  'oleObjects',
  'controls',
  'webPublishItems',
  'tableParts',
  'extLst',
];
const after = (name: string) => new Set(WORKSHEET_ORDER.slice(WORKSHEET_ORDER.indexOf(name) + 1));
/** Worksheet children that come after `<legacyDrawing>` (Excel wraps controls and OLE objects in mc:AlternateContent). */
export const AFTER_LEGACY_DRAWING = new Set([...after('legacyDrawing'), 'AlternateContent']);
/** Where our `<conditionalFormatting>` goes: before the person's own, so ours comes first. */
const FROM_CONDITIONAL_FORMATTING = new Set([
  'conditionalFormatting',
  ...after('conditionalFormatting'),
  'AlternateContent',
]);

export interface CfRule extends Span {
  readonly priority: number;
  /** Its `<conditionalFormatting>` element. */
  readonly parent: ElementSpan;
  /** The text of its first `<formula>`. */
  formula: string;
}

export interface SheetLayout {
  readonly root: ElementSpan;
  readonly relationshipsPrefix: string | undefined;
  readonly children: readonly ElementSpan[];
  readonly sheetViews: readonly Span[];
  readonly legacyDrawing: Span | undefined;
  /** Every conditional formatting rule of the sheet (not those in extLst). */
  readonly cfRules: readonly CfRule[];
}

/** True when the part's root element is a `<worksheet>` (a chartsheet has no cells to mark). */
export function isWorksheet(xml: Buffer, part: string): boolean {
  const scanner = new XmlScanner(xml, part);
  for (let kind = scanner.next(); kind !== END; kind = scanner.next()) {
    if (kind === OPEN) return scanner.is('worksheet');
  }
  return false;
}

/** One pass over a worksheet: its top-level children, its selected views, its legacy drawing and its rules. */
export function layoutSheet(xml: Buffer, part: string): SheetLayout {
  const scanner = new XmlScanner(xml, part);
  const children: ElementSpan[] = [];
  const sheetViews: Span[] = [];
  const cfRules: CfRule[] = [];
  let depth = 0;
  let root: ElementSpan | undefined;
  let child: ElementSpan | undefined;
  let legacyDrawing: Span | undefined;
  let rule: CfRule | undefined;
  let inFormula = false;
  for (let kind = scanner.next(); kind !== END; kind = scanner.next()) {
    if (kind === CLOSE) {
      depth--;
      if (depth === 0 && root) {
        root.closeStart = scanner.start;
        root.end = scanner.end;
      } else if (depth === 1 && child) {
        child.closeStart = scanner.start;
        child.end = scanner.end;
      } else if (depth === 2) rule = undefined;
      else if (depth === 3) inFormula = false;
      continue;
    }
    if (kind === TEXT) {
      if (inFormula && rule) rule.formula += scanner.textValue();
      continue;
    }
    if (kind !== OPEN) continue;
    if (depth === 0) root = elementAt(scanner);
    else if (depth === 1) {
      child = elementAt(scanner);
      children.push(child);
      if (scanner.is('legacyDrawing')) legacyDrawing = { start: scanner.start, end: scanner.end };
      if (scanner.is('sheetData')) {
        // Nothing in the cells matters here: skip them (the largest part of a sheet) without a look.
        if (!scanner.selfClosing) {
          scanner.skipElement();
          child.closeStart = scanner.start;
          child.end = scanner.end;
        }
        continue;
      }
    } else if (depth === 2 && child?.local === 'sheetViews' && scanner.is('sheetView')) {
      if (scanner.rawAttr('tabSelected') !== undefined)
        sheetViews.push({ start: scanner.start, end: scanner.end });
    } else if (depth === 2 && child?.local === 'conditionalFormatting' && scanner.is('cfRule')) {
      rule = {
        start: scanner.start,
        end: scanner.end,
        priority: Number(scanner.rawAttr('priority') ?? '0'),
        parent: child,
        formula: '',
      };
      cfRules.push(rule);
    } else if (depth === 3 && rule && scanner.is('formula') && rule.formula === '') inFormula = true;
    if (!scanner.selfClosing) depth++;
  }
  if (root?.local !== 'worksheet') return scanner.malformed('a sheet without a worksheet');
  if (depth > 0) scanner.malformed('an element that never ends');
  return {
    root,
    relationshipsPrefix: relationshipsPrefix(slice(xml, startTag(root))),
    children,
    sheetViews,
    legacyDrawing,
    cfRules,
  };
}

/**
 * Adds our rules (errors first, then warnings) before the sheet's own
 * conditional formatting, and moves the person's rules' priorities down past
 * ours, so ours come first and theirs keep their order among themselves.
 */
export function highlightCells(
  edits: XmlEdits,
  layout: SheetLayout,
  notes: readonly CellNote[],
  dxfIds: Readonly<Record<Highlight, number>>,
): void {
  const severities = (['error', 'warning'] as const).filter((highlight) =>
    notes.some((note) => note.highlight === highlight),
  );
  if (severities.length === 0) return;
  const p = layout.root.prefix;
  const elements = severities.map((highlight, index) => {
    const cells = notes
      .filter((note) => note.highlight === highlight)
      .map((note) => ({ sheet: '', row: note.row, column: note.column }));
    const sqref = describeCellRefs(cells).replaceAll(', ', ' ');
    return (
      `<${p}conditionalFormatting sqref="${sqref}"><${p}cfRule type="expression" dxfId="${dxfIds[highlight]}" priority="${index + 1}" stopIfTrue="1">` +
      `<${p}formula>${escapeXml(ownRuleFormula(highlight))}</${p}formula></${p}cfRule></${p}conditionalFormatting>`
    );
  });
  // Moved only as far as needed, so a copy annotated again and again does not push them further each time.
  const lowest = Math.min(...layout.cfRules.map((rule) => rule.priority));
  const shift = Math.max(0, severities.length + 1 - lowest);
  if (shift > 0)
    for (const rule of layout.cfRules)
      edits.rewriteTag(rule, (tag) => setAttribute(tag, 'priority', String(rule.priority + shift)));
  const at =
    layout.children.find((child) => FROM_CONDITIONAL_FORMATTING.has(child.local))?.start ??
    layout.root.closeStart;
  edits.insert(at, elements.join(''));
}

/** Removes `tabSelected` from a sheet's views, touching nothing else; the same bytes when it has none. */
export function clearTabSelected(xml: Buffer, part: string): Buffer {
  if (xml.indexOf('tabSelected') < 0) return xml;
  const layout = layoutSheet(xml, part);
  if (layout.sheetViews.length === 0) return xml;
  const edits = new XmlEdits(xml);
  for (const view of layout.sheetViews)
    edits.rewriteTag(view, (text) => setAttribute(text, 'tabSelected', undefined));
  return edits.apply();
}
