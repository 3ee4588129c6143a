/**
 * Changing a part of the person's workbook in place: find elements with the
 * reader's XmlScanner (their byte spans), collect insertions and whole-tag
 * rewrites, and apply them in one pass, so every byte not edited is copied as
 * it was. Tags are rewritten as text: a start tag is short, and an attribute
 * is set or removed leaving the others exactly as written.
 */
import { CLOSE, END, OPEN, XmlScanner } from '../../reading/xml-scanner.js';
import { NAMESPACES } from '../../xlsx/package-names.js';
import { escapeXml } from '../../xlsx/xml-text.js';

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** An element: `start`–`openEnd` is its start tag, `closeStart`–`end` its end tag (all one tag when empty). */
export interface ElementSpan {
  readonly start: number;
  readonly openEnd: number;
  closeStart: number;
  end: number;
  readonly prefix: string;
  readonly local: string;
  readonly empty: boolean;
}

export function startTag(element: ElementSpan): Span {
  return { start: element.start, end: element.openEnd };
}

/** The element whose start tag the scanner is on; its end is filled in when its end tag is seen. */
export function elementAt(scanner: XmlScanner): ElementSpan {
  return {
    start: scanner.start,
    openEnd: scanner.end,
    closeStart: scanner.start,
    end: scanner.end,
    prefix: scanner.prefix,
    local: scanner.name,
    empty: scanner.selfClosing,
  };
}

/** The root element of a part and its direct children, with their spans. */
export function topLevel(xml: Buffer, part: string): { root: ElementSpan; children: ElementSpan[] } {
  const scanner = new XmlScanner(xml, part);
  let kind = scanner.next();
  while (kind !== OPEN && kind !== END) {
    if (kind === CLOSE) scanner.malformed('an end tag before the root element');
    kind = scanner.next();
  }
  if (kind === END) scanner.malformed('no root element');
  const root = elementAt(scanner);
  if (root.empty) return { root, children: [] };
  const children = childrenFrom(scanner);
  root.closeStart = scanner.start;
  root.end = scanner.end;
  return { root, children };
}

/** The direct children of an element, with their spans. */
export function elementChildren(xml: Buffer, element: ElementSpan, part: string): ElementSpan[] {
  if (element.empty) return [];
  return childrenFrom(new XmlScanner(xml, part, element.openEnd));
}

/** Reads from just inside an element to its end tag (where the scanner is left), collecting its children. */
function childrenFrom(scanner: XmlScanner): ElementSpan[] {
  const children: ElementSpan[] = [];
  let depth = 0;
  let current: ElementSpan | undefined;
  for (let kind = scanner.next(); kind !== END; kind = scanner.next()) {
    if (kind === CLOSE) {
      if (depth === 0) return children;
      depth--;
      if (depth === 0 && current) {
        current.closeStart = scanner.start;
        current.end = scanner.end;
      }
      continue;
    }
    if (kind !== OPEN) continue;
    if (depth === 0) {
      current = elementAt(scanner);
      children.push(current);
    }
    if (!scanner.selfClosing) depth++;
  }
  return scanner.malformed('an element that never ends');
}

/** The decoded text inside an element (all its runs), bounded. */
export function textOf(xml: Buffer, element: ElementSpan, part: string, maxLength = 1 << 20): string {
  if (element.empty) return '';
  const scanner = new XmlScanner(xml, part, element.openEnd);
  scanner.selfClosing = false;
  return scanner.elementText(maxLength, () => scanner.malformed('a text too long'));
}

export function slice(xml: Buffer, span: Span): string {
  return xml.toString('utf8', span.start, span.end);
}

/** Collected changes to one part, applied in one pass: insertions, removals and whole-tag rewrites. */
export class XmlEdits {
  private readonly inserts: Array<{ at: number; text: string; order: number }> = [];
  private readonly rewrites = new Map<number, { end: number; text: string }>();
  private order = 0;

  constructor(private readonly xml: Buffer) {}

  insert(at: number, text: string): void {
    this.inserts.push({ at, text, order: this.order++ });
  }

  /** Rewrites the bytes at `span` (a tag, or with `remove` a whole element); several rewrites of one tag compose. */
  rewriteTag(span: Span, rewrite: (tag: string) => string): void {
    const current = this.rewrites.get(span.start);
    const end = current?.end ?? span.end;
    const text = current?.text ?? this.xml.toString('utf8', span.start, end);
    this.rewrites.set(span.start, { end, text: rewrite(text) });
  }

  remove(span: Span): void {
    this.rewrites.set(span.start, { end: span.end, text: '' });
  }

  get changed(): boolean {
    return this.inserts.length > 0 || this.rewrites.size > 0;
  }

  apply(): Buffer {
    if (!this.changed) return this.xml;
    const edits = [
      ...this.inserts.map((insert) => ({ at: insert.at, remove: 0, text: insert.text, order: insert.order })),
      ...[...this.rewrites.entries()].map(([at, rewrite]) => ({
        at,
        remove: rewrite.end - at,
        text: rewrite.text,
        order: Number.MAX_SAFE_INTEGER,
      })),
    ].sort((a, b) => a.at - b.at || a.order - b.order);
    const pieces: Buffer[] = [];
    let cursor = 0;
    for (const edit of edits) {
      if (edit.at < cursor) throw new Error(`annotateWorkbook: overlapping XML edits at ${edit.at}`);
      pieces.push(this.xml.subarray(cursor, edit.at), Buffer.from(edit.text, 'utf8'));
      cursor = edit.at + edit.remove;
    }
    pieces.push(this.xml.subarray(cursor));
    return Buffer.concat(pieces);
  }
}

/** `<row r="3"/>` → `<row r="3">`. */
export function openFromEmpty(tag: string): string {
  return `${tag.slice(0, -2).trimEnd()}>`;
}

const ATTRIBUTE = /([^\s=/<>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** An attribute's raw value in a start tag's text, by its qualified name. */
export function attributeOf(tag: string, name: string): string | undefined {
  const nameEnd = tag.search(/[\s/>]/);
  for (const match of tag.slice(nameEnd).matchAll(ATTRIBUTE)) {
    if (match[1] === name) return match[2] ?? match[3] ?? '';
  }
  return undefined;
}

/** Sets (or, with undefined, removes) one attribute of a start tag, leaving the rest as written. */
export function setAttribute(tag: string, name: string, value: string | undefined): string {
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

/** The qualified name of a start tag's relationship-ID attribute (`r:id`, whatever its prefix). */
function relIdAttribute(tag: string): string | undefined {
  const nameEnd = tag.search(/[\s/>]/);
  for (const match of tag.slice(nameEnd).matchAll(ATTRIBUTE)) {
    const name = match[1] ?? '';
    if (/^[\w.-]+:id$/.test(name) && !name.startsWith('xmlns')) return name;
  }
  return undefined;
}

/** The relationship ID a start tag's `r:id` holds (raw: IDs never need entities). */
export function relIdOf(tag: string): string | undefined {
  const name = relIdAttribute(tag);
  return name === undefined ? undefined : attributeOf(tag, name);
}

export function setRelId(tag: string, id: string): string {
  const name = relIdAttribute(tag);
  if (name) return setAttribute(tag, name, id);
  return setAttribute(setAttribute(tag, 'xmlns:r', NAMESPACES.relationships), 'r:id', id);
}

/** The prefix a start tag binds to one of `namespaces`, if any. */
export function namespacePrefix(tag: string, namespaces: readonly string[]): string | undefined {
  const nameEnd = tag.search(/[\s/>]/);
  for (const match of tag.slice(nameEnd).matchAll(ATTRIBUTE)) {
    const name = match[1] ?? '';
    if (name.startsWith('xmlns:') && namespaces.includes(match[2] ?? match[3] ?? '')) return name.slice(6);
  }
  return undefined;
}

/** The relationships prefix bound on a root start tag (`r`), if any. */
export function relationshipsPrefix(rootTag: string): string | undefined {
  return namespacePrefix(rootTag, [NAMESPACES.relationships, NAMESPACES.strictRelationships]);
}

/** A scanner standing on the start tag at `span`, to read its attributes decoded (`attr`) by local name. */
export function tagAt(xml: Buffer, span: Span, part: string): XmlScanner {
  const scanner = new XmlScanner(xml, part, span.start);
  if (scanner.next() !== OPEN) scanner.malformed('a tag expected');
  return scanner;
}
