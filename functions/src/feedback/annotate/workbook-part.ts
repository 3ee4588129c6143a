/**
 * The workbook part (`xl/workbook.xml`): its sheets in tab order, its
 * sheet-scoped names, and the two edits the annotation makes: a sheet added
 * last and made the active tab, and (for a copy we annotated before) our old
 * Feedback sheet taken out, with every sheet index after it moved down.
 */
import { WorkbookRefused } from '../../reading/refusal.js';
import { NAMESPACES } from '../../xlsx/package-names.js';
import { escapeXml } from '../../xlsx/xml-text.js';
import {
  attributeOf,
  type ElementSpan,
  elementChildren,
  relationshipsPrefix,
  relIdOf,
  setAttribute,
  slice,
  startTag,
  tagAt,
  textOf,
  topLevel,
  XmlEdits,
} from './xml-surgery.js';

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
/** CT_Workbook's children that come after `<definedNames>`. */
const AFTER_DEFINED_NAMES = new Set(
  [...AFTER_BOOK_VIEWS].filter(
    (name) => !/^(sheets|functionGroups|externalReferences|definedNames)$/.test(name),
  ),
);

export interface WorkbookSheet {
  readonly name: string;
  readonly relId: string;
  readonly state: string;
  readonly sheetId: number;
  readonly element: ElementSpan;
}

export interface SheetScopedName {
  readonly name: string;
  readonly localSheetId: number;
  readonly element: ElementSpan;
}

const PART = 'workbook';

export class WorkbookXml {
  readonly sheets: WorkbookSheet[] = [];
  readonly sheetScopedNames: SheetScopedName[] = [];
  readonly mainNamespace: string | undefined;
  private readonly root: ElementSpan;
  private readonly children: readonly ElementSpan[];
  private readonly sheetsElement: ElementSpan;
  private readonly definedNames: ElementSpan | undefined;

  constructor(private readonly xml: Buffer) {
    const { root, children } = topLevel(xml, PART);
    if (root.local !== 'workbook') throw new WorkbookRefused('file.not_xlsx', {}, 'workbook root');
    this.root = root;
    this.children = children;
    const rootTag = slice(xml, startTag(root));
    this.mainNamespace = attributeOf(rootTag, root.prefix ? `xmlns:${root.prefix.slice(0, -1)}` : 'xmlns');
    const sheets = children.find((child) => child.local === 'sheets');
    if (!sheets || sheets.empty)
      throw new WorkbookRefused('file.damaged', { detail: 'it has no sheets' }, 'no <sheets>');
    this.sheetsElement = sheets;
    for (const sheet of elementChildren(xml, sheets, PART)) {
      if (sheet.local !== 'sheet') continue;
      const tag = tagAt(xml, sheet, PART);
      this.sheets.push({
        name: tag.attr('name') ?? '',
        relId: relIdOf(slice(xml, startTag(sheet))) ?? '',
        state: tag.attr('state') ?? 'visible',
        sheetId: Number(tag.attr('sheetId') ?? '0'),
        element: sheet,
      });
    }
    this.definedNames = children.find((child) => child.local === 'definedNames');
    if (this.definedNames) {
      for (const element of elementChildren(xml, this.definedNames, PART)) {
        if (element.local !== 'definedName') continue;
        const tag = tagAt(xml, element, PART);
        const local = tag.attr('localSheetId');
        if (local === undefined) continue;
        this.sheetScopedNames.push({ name: tag.attr('name') ?? '', localSheetId: Number(local), element });
      }
    }
  }

  /** The workbook with a new last sheet, made the active tab, and with the sheet-scoped names given. */
  withSheet(
    name: string,
    relId: string,
    names: ReadonlyArray<{ name: string; formula: string; hidden?: boolean }> = [],
  ): Buffer {
    const index = this.sheets.length;
    const edits = new XmlEdits(this.xml);
    const p = this.root.prefix;
    const sheetId =
      Math.max(0, ...this.sheets.map((sheet) => (Number.isFinite(sheet.sheetId) ? sheet.sheetId : 0))) + 1;
    const rPrefix = relationshipsPrefix(slice(this.xml, startTag(this.root)));
    const relAttribute = rPrefix
      ? `${rPrefix}:id="${relId}"`
      : `xmlns:r="${NAMESPACES.relationships}" r:id="${relId}"`;
    edits.insert(
      this.sheetsElement.closeStart,
      `<${p}sheet name="${escapeXml(name)}" sheetId="${sheetId}" ${relAttribute}/>`,
    );
    if (names.length > 0) {
      const elements = names
        .map(
          (entry) =>
            `<${p}definedName name="${escapeXml(entry.name)}" localSheetId="${index}"${entry.hidden ? ' hidden="1"' : ''}>${escapeXml(entry.formula)}</${p}definedName>`,
        )
        .join('');
      const container = this.definedNames;
      if (container && !container.empty) edits.insert(container.closeStart, elements);
      else if (container)
        edits.rewriteTag(startTag(container), () => `<${p}definedNames>${elements}</${p}definedNames>`);
      else
        edits.insert(
          this.children.find((child) => AFTER_DEFINED_NAMES.has(child.local))?.start ?? this.root.closeStart,
          `<${p}definedNames>${elements}</${p}definedNames>`,
        );
    }
    const bookViews = this.children.find((child) => child.local === 'bookViews');
    const view =
      bookViews && !bookViews.empty
        ? elementChildren(this.xml, bookViews, PART).find((child) => child.local === 'workbookView')
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

  /**
   * The workbook without the sheets at `positions`: their `<sheet>`, the names
   * scoped to them or referring to them, and every later sheet index
   * (`localSheetId`, `activeTab`, `firstSheet`) moved down to match.
   */
  withoutSheets(positions: ReadonlySet<number>): Buffer {
    const edits = new XmlEdits(this.xml);
    const shift = (index: number) => index - [...positions].filter((removed) => removed < index).length;
    const removedNames = this.sheets.filter((_, index) => positions.has(index)).map((sheet) => sheet.name);
    for (const [index, sheet] of this.sheets.entries()) if (positions.has(index)) edits.remove(sheet.element);
    if (this.definedNames && !this.definedNames.empty) {
      const all = elementChildren(this.xml, this.definedNames, PART).filter((e) => e.local === 'definedName');
      let kept = 0;
      for (const element of all) {
        const local = tagAt(this.xml, element, PART).attr('localSheetId');
        const formula = textOf(this.xml, element, PART);
        const refersToRemoved = removedNames.some((name) => referencesSheet(formula, name));
        if ((local !== undefined && positions.has(Number(local))) || refersToRemoved) {
          edits.remove(element);
          continue;
        }
        kept++;
        if (local !== undefined && shift(Number(local)) !== Number(local))
          edits.rewriteTag(startTag(element), (tag) =>
            setAttribute(tag, 'localSheetId', String(shift(Number(local)))),
          );
      }
      if (kept === 0) edits.remove(this.definedNames);
    }
    const bookViews = this.children.find((child) => child.local === 'bookViews');
    const remaining = this.sheets.length - positions.size;
    for (const view of bookViews ? elementChildren(this.xml, bookViews, PART) : []) {
      if (view.local !== 'workbookView') continue;
      const tag = tagAt(this.xml, view, PART);
      for (const attribute of ['activeTab', 'firstSheet']) {
        const value = tag.attr(attribute);
        if (value === undefined) continue;
        const moved = Math.min(Math.max(0, remaining - 1), shift(Number(value)));
        if (moved !== Number(value))
          edits.rewriteTag(startTag(view), (text) => setAttribute(text, attribute, String(moved)));
      }
    }
    return edits.apply();
  }
}

/** True when a defined name's formula refers to the sheet (`Feedback!A1`, `'Feedback (2)'!$A$1`). */
function referencesSheet(formula: string, sheet: string): boolean {
  const quoted = `'${sheet.replaceAll("'", "''")}'!`;
  return formula.includes(quoted) || new RegExp(`(^|[^\\w.'])${escapeRegExp(sheet)}!`).test(formula);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
