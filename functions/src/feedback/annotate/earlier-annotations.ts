/**
 * Taking our own earlier annotations out of a workbook sent back to us, so the
 * new annotated copy is built from the person's workbook alone: one Feedback
 * sheet, and no highlight or note left from findings that are now fixed (a
 * cell that now holds 17 must not keep a note saying it is blank). What the
 * person added (their notes, fills, formats, rules, sheets) stays. How each
 * mark is recognised is in own-marks.ts.
 *
 * This works on the in-memory package only; the archive keeps the bytes as
 * they were sent.
 */

import { WorkbookRefused } from '../../reading/refusal.js';
import { relsPathOf } from '../../reading/relationships.js';
import { parseCellRef } from '../../xlsx/cell-references.js';
import { escapeXml } from '../../xlsx/xml-text.js';
import { NOTE_SHAPE, noteCellOf } from './notes.js';
import { FEEDBACK_MARKER_NAME, NOTE_AUTHOR, NOTE_HEADING, OWN_RULE_FORMULA } from './own-marks.js';
import { type ContentTypes, type Package, removeRelationships } from './package.js';
import { isWorksheet, layoutSheet } from './sheet-cells.js';
import { WorkbookXml } from './workbook-part.js';
import {
  type ElementSpan,
  elementChildren,
  relIdOf,
  setAttribute,
  slice,
  startTag,
  tagAt,
  textOf,
  topLevel,
  XmlEdits,
} from './xml-surgery.js';

/** A Feedback sheet written before the marker name existed: its name, and its title as an inline string. */
const LEGACY_FEEDBACK_NAME = /^Feedback(?: \(\d+\))?$/;
const LEGACY_FEEDBACK_TITLE = '<t xml:space="preserve">Feedback on this return';
/** Where our text starts inside a note the person wrote first. */
const MERGED_HEADING = `\n\n${NOTE_HEADING}\n`;

export function removeEarlierAnnotations(
  pkg: Package,
  workbookPart: string,
  contentTypes: ContentTypes,
): void {
  removeFeedbackSheets(pkg, workbookPart, contentTypes);
  const workbook = new WorkbookXml(pkg.bytes(workbookPart));
  const rels = pkg.relationshipsOf(workbookPart);
  for (const sheet of workbook.sheets) {
    const part = rels.find((rel) => rel.id === sheet.relId && !rel.external)?.target;
    if (!part || !pkg.has(part) || !isWorksheet(pkg.bytes(part), part)) continue;
    removeHighlights(pkg, part);
    removeNotes(pkg, part, contentTypes);
  }
}

function removeFeedbackSheets(pkg: Package, workbookPart: string, contentTypes: ContentTypes): void {
  const workbook = new WorkbookXml(pkg.bytes(workbookPart));
  const rels = pkg.relationshipsOf(workbookPart);
  const marked = new Set(
    workbook.sheetScopedNames
      .filter((name) => name.name.toLowerCase() === FEEDBACK_MARKER_NAME.toLowerCase())
      .map((name) => name.localSheetId),
  );
  const positions = new Set<number>();
  const relIds = new Set<string>();
  for (const [index, sheet] of workbook.sheets.entries()) {
    const part = rels.find((rel) => rel.id === sheet.relId && !rel.external)?.target;
    const legacy =
      LEGACY_FEEDBACK_NAME.test(sheet.name) &&
      part !== undefined &&
      pkg.bytesIfPresent(part)?.includes(LEGACY_FEEDBACK_TITLE) === true;
    if (!marked.has(index) && !legacy) continue;
    positions.add(index);
    relIds.add(sheet.relId);
    if (part) {
      // What a spreadsheet program hung on the sheet when it re-saved it (printer settings, a drawing) goes with it.
      for (const rel of pkg.relationshipsOf(part)) {
        if (rel.external || !pkg.has(rel.target)) continue;
        pkg.delete(rel.target);
        pkg.delete(relsPathOf(rel.target));
        contentTypes.forget(rel.target);
      }
      pkg.delete(part);
      pkg.delete(relsPathOf(part));
      contentTypes.forget(part);
    }
  }
  if (positions.size === 0) return;
  // Never leave a workbook without a sheet: a copy that is nothing but our Feedback keeps it.
  if (positions.size === workbook.sheets.length)
    throw new WorkbookRefused(
      'file.damaged',
      { detail: 'it has no sheets of its own' },
      'only Feedback sheets',
    );
  pkg.set(workbookPart, workbook.withoutSheets(positions));
  const relsPart = relsPathOf(workbookPart);
  pkg.set(relsPart, removeRelationships(pkg.bytes(relsPart), relIds, relsPart));
}

/** Removes our conditional formatting rules (and a `<conditionalFormatting>` left with none). */
function removeHighlights(pkg: Package, part: string): void {
  const xml = pkg.bytes(part);
  if (!xml.includes('Return checker')) return;
  const layout = layoutSheet(xml, part);
  const edits = new XmlEdits(xml);
  const byParent = new Map<ElementSpan, { ours: number; all: number }>();
  for (const rule of layout.cfRules) {
    const counts = byParent.get(rule.parent) ?? { ours: 0, all: 0 };
    counts.all++;
    if (OWN_RULE_FORMULA.test(rule.formula)) counts.ours++;
    byParent.set(rule.parent, counts);
  }
  for (const [parent, counts] of byParent) {
    if (counts.ours === 0) continue;
    if (counts.ours === counts.all) {
      edits.remove(parent);
      continue;
    }
    for (const rule of layout.cfRules) {
      if (rule.parent !== parent || !OWN_RULE_FORMULA.test(rule.formula)) continue;
      const element = elementChildren(xml, parent, part).find((child) => child.start === rule.start);
      if (element) edits.remove(element);
    }
  }
  if (edits.changed) pkg.set(part, edits.apply());
}

/** Removes our notes, and our text from the person's own; then the note parts if nothing is left in them. */
function removeNotes(pkg: Package, sheetPart: string, contentTypes: ContentTypes): void {
  const rels = pkg.relationshipsOf(sheetPart);
  const commentsRel = rels.find(
    (rel) => rel.type.endsWith('/comments') && !rel.external && pkg.has(rel.target),
  );
  if (!commentsRel) return;
  const part = commentsRel.target;
  const xml = pkg.bytes(part);
  const { children } = topLevel(xml, part);
  const authors = children.find((child) => child.local === 'authors');
  const authorNames = authors
    ? elementChildren(xml, authors, part).map((author) => textOf(xml, author, part))
    : [];
  const list = children.find((child) => child.local === 'commentList');
  const edits = new XmlEdits(xml);
  const removed: Array<{ row: number; column: number }> = [];
  let kept = 0;
  for (const comment of list ? elementChildren(xml, list, part) : []) {
    if (comment.local !== 'comment') continue;
    const tag = tagAt(xml, comment, part);
    const text = elementChildren(xml, comment, part).find((child) => child.local === 'text');
    const body = text ? textOf(xml, text, part) : '';
    const author = authorNames[Number(tag.rawAttr('authorId') ?? '-1')];
    const ours =
      body.trimStart().startsWith(NOTE_HEADING) ||
      // Notes written before they had a heading: by us, and saying only what we say.
      (author === NOTE_AUTHOR && /^(?:Error|Warning): /.test(body));
    if (ours) {
      edits.remove(comment);
      const cell = parseCellRef(tag.rawAttr('ref') ?? '');
      if (cell) removed.push(cell);
      continue;
    }
    kept++;
    const at = body.indexOf(MERGED_HEADING);
    if (text && at >= 0) cutText(xml, text, part, at, edits);
  }
  if (!edits.changed) return;
  pkg.set(part, edits.apply());
  const vmlRel = vmlOf(pkg, sheetPart);
  if (vmlRel && removed.length > 0) {
    const gone = new Set(removed.map((cell) => `${cell.row - 1}:${cell.column - 1}`));
    const vml = pkg.bytes(vmlRel.target).toString('utf8');
    const remaining = vml.replace(NOTE_SHAPE, (shape, clientData: string) => {
      const cell = noteCellOf(clientData);
      return cell && gone.has(`${cell.row}:${cell.column}`) ? '' : shape;
    });
    if (remaining !== vml) pkg.set(vmlRel.target, remaining);
  }
  if (kept > 0) return;
  // Nothing of the person's is left in the notes: take the parts away, as they were before we added them.
  const sheetRels = new Set([commentsRel.id]);
  pkg.delete(part);
  contentTypes.forget(part);
  if (vmlRel && !/<(?:[\w.-]+:)?shape\b/.test(pkg.bytes(vmlRel.target).toString('utf8'))) {
    sheetRels.add(vmlRel.id);
    pkg.delete(vmlRel.target);
    contentTypes.forget(vmlRel.target);
    const sheet = pkg.bytes(sheetPart);
    const legacy = layoutSheet(sheet, sheetPart).children.find((child) => child.local === 'legacyDrawing');
    if (legacy) {
      const edits = new XmlEdits(sheet);
      edits.remove(legacy);
      pkg.set(sheetPart, edits.apply());
    }
  }
  const relsPart = relsPathOf(sheetPart);
  const remaining = removeRelationships(pkg.bytes(relsPart), sheetRels, relsPart);
  pkg.set(relsPart, remaining);
}

function vmlOf(pkg: Package, sheetPart: string) {
  const sheet = pkg.bytes(sheetPart);
  const legacy = layoutSheet(sheet, sheetPart).legacyDrawing;
  const id = legacy ? relIdOf(slice(sheet, legacy)) : undefined;
  const rel = id ? pkg.relationshipsOf(sheetPart).find((candidate) => candidate.id === id) : undefined;
  return rel && !rel.external && pkg.has(rel.target) ? rel : undefined;
}

/**
 * Cuts a note's text at `at` (in its decoded text): the runs before are kept
 * as they are, the run it falls in keeps its formatting and the text before,
 * the runs after go. Phonetic runs are kept.
 */
function cutText(xml: Buffer, text: ElementSpan, part: string, at: number, edits: XmlEdits): void {
  let seen = 0;
  for (const child of elementChildren(xml, text, part)) {
    if (child.local !== 'r' && child.local !== 't') continue;
    const t = child.local === 't' ? child : elementChildren(xml, child, part).find((e) => e.local === 't');
    const content = t ? textOf(xml, t, part) : '';
    const from = seen;
    seen += content.length;
    if (seen <= at) continue;
    if (from >= at || !t) {
      edits.remove(child);
      continue;
    }
    // The text is still in OOXML's escaped form (`_x000D_`), so only XML's own escaping is needed.
    const keep = content.slice(0, at - from);
    const tag = setAttribute(slice(xml, startTag(t)).replace(/\s*\/>$/, '>'), 'xml:space', 'preserve');
    edits.rewriteTag(t, () => `${tag}${escapeXml(keep)}</${t.prefix}t>`);
  }
}
