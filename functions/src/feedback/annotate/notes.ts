/**
 * Notes: a sheet's comments part (the text) and its VML drawing (the boxes
 * Excel shows), with the annotation's notes added to or merged with the
 * person's own. VML is read with patterns, not the XML scanner: Excel writes
 * it as loose HTML-like markup (`<br>` without an end), which is not XML.
 */
import { WorkbookRefused } from '../../reading/refusal.js';
import { escapeCellText, escapeXml, XML_DECLARATION } from '../../xlsx/xml-text.js';
import {
  type ElementSpan,
  elementChildren,
  openFromEmpty,
  setAttribute,
  startTag,
  tagAt,
  textOf,
  topLevel,
  XmlEdits,
} from './xml-surgery.js';

/** A sheet's comments part, with the annotation's notes added or appended to the person's own. */
export class CommentsXml {
  private readonly edits: XmlEdits;
  private readonly byRef = new Map<string, { insertAt: number; prefix: string; text: string }>();
  private readonly newComments: string[] = [];
  private readonly allRefs: string[] = [];
  private readonly authorId: number;
  private readonly root: ElementSpan;
  private readonly commentList: ElementSpan | undefined;
  private readonly authors: ElementSpan | undefined;
  private readonly p: string;

  constructor(xml: Buffer, part: string, author: string) {
    this.edits = new XmlEdits(xml);
    const { root, children } = topLevel(xml, part);
    this.root = root;
    this.p = root.prefix;
    this.authors = children.find((child) => child.local === 'authors');
    this.commentList = children.find((child) => child.local === 'commentList');
    const authorNames = this.authors ? elementChildren(xml, this.authors, part) : [];
    const names = authorNames.map((element) => textOf(xml, element, part));
    const existing = names.indexOf(author);
    if (existing >= 0) {
      this.authorId = existing;
    } else {
      this.authorId = names.length;
      const element = `<${this.p}author>${escapeXml(author)}</${this.p}author>`;
      if (!this.authors) this.edits.insert(root.openEnd, `<${this.p}authors>${element}</${this.p}authors>`);
      else if (this.authors.empty) {
        const authors = this.authors;
        this.edits.rewriteTag(
          startTag(authors),
          (tag) => `${openFromEmpty(tag)}${element}</${authors.prefix}authors>`,
        );
      } else this.edits.insert(this.authors.closeStart, element);
    }
    for (const comment of this.commentList ? elementChildren(xml, this.commentList, part) : []) {
      if (comment.local !== 'comment') continue;
      const ref = tagAt(xml, comment, part).rawAttr('ref');
      if (!ref) continue;
      this.allRefs.push(ref.toUpperCase());
      const text = elementChildren(xml, comment, part).find((child) => child.local === 'text');
      if (!text || text.empty) continue;
      // Runs go after the existing text and runs, before any phonetic runs.
      const phonetic = elementChildren(xml, text, part).find(
        (child) => child.local === 'rPh' || child.local === 'phoneticPr',
      );
      this.byRef.set(ref.toUpperCase(), {
        text: textOf(xml, text, part),
        insertAt: phonetic?.start ?? text.closeStart,
        prefix: text.prefix,
      });
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

  toXml(): Buffer {
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
    `<${p}t xml:space="preserve">${escapeCellText(text)}</${p}t></${p}r>`
  );
}

export function emptyComments(namespace: string): Buffer {
  return Buffer.from(
    `${XML_DECLARATION}<comments xmlns="${namespace}"><authors/><commentList/></comments>`,
    'utf8',
  );
}

/**
 * Shape IDs of VML drawings. Each drawing claims blocks of 1,024 IDs with
 * `<o:idmap data="…">`, and the blocks of different drawings must not overlap
 * (Excel shows notes on the wrong sheet when they do).
 */
export class ShapeIdAllocator {
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

export function idmapBlocks(vml: string): number[] {
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

/** A note shape's VML, with the cell it belongs to (zero-based, as VML counts). */
export const NOTE_SHAPE =
  /<(?:[\w.-]+:)?shape\b(?:(?!<(?:[\w.-]+:)?shape\b)[\s\S])*?<(?:[\w.-]+:)?ClientData\b[^>]*ObjectType\s*=\s*["']Note["'][^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?ClientData>[\s\S]*?<\/(?:[\w.-]+:)?shape>/g;

const NOTE_CLIENT_DATA =
  /<(?:[\w.-]+:)?ClientData\b[^>]*ObjectType\s*=\s*["']Note["'][^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?ClientData>/g;

export function noteCellOf(clientData: string): { row: number; column: number } | undefined {
  const row = /<(?:[\w.-]+:)?Row>\s*(\d+)\s*</.exec(clientData)?.[1];
  const column = /<(?:[\w.-]+:)?Column>\s*(\d+)\s*</.exec(clientData)?.[1];
  return row === undefined || column === undefined ? undefined : { row: Number(row), column: Number(column) };
}

/** A sheet's VML drawing: the person's own (form shapes and notes kept) with a note shape for every new note. */
export class VmlDrawing {
  private xml: string;
  private readonly noteCells = new Set<string>();

  constructor(
    existing: Buffer | undefined,
    private readonly ids: ShapeIdAllocator,
  ) {
    this.xml =
      existing?.toString('utf8') ??
      `<xml xmlns:v="${VML_NS.v}" xmlns:o="${VML_NS.o}" xmlns:x="${VML_NS.x}"><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data=""/></o:shapelayout>${NOTE_SHAPE_TYPE}</xml>`;
    for (const match of this.xml.matchAll(NOTE_CLIENT_DATA)) {
      const cell = noteCellOf(match[1] ?? '');
      if (cell) this.noteCells.add(`${cell.row}:${cell.column}`);
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
        (_, head: string, tail: string) =>
          `${head.replace(/\s+data\s*=\s*"[^"]*"/, '')} data="${data}"${tail}`,
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

  toXml(): Buffer {
    return Buffer.from(this.xml, 'utf8');
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
