/**
 * The workbook's package: its parts (read through preflight's limits, written
 * back as a zip with `[Content_Types].xml` first), its content types, and the
 * relationships between parts. Parts are kept as bytes, so one never edited is
 * written back exactly as it came.
 */
import { preflight } from '../../reading/preflight.js';
import { WorkbookRefused } from '../../reading/refusal.js';
import { parseRelationships, type Relationship, relsPathOf } from '../../reading/relationships.js';
import { CONTENT_TYPES, NAMESPACES } from '../../xlsx/package-names.js';
import { escapeXml, XML_DECLARATION } from '../../xlsx/xml-text.js';
import { writeZip } from '../../xlsx/zip-writer.js';
import { type ElementSpan, openFromEmpty, startTag, tagAt, topLevel, XmlEdits } from './xml-surgery.js';

export class Package {
  private readonly parts = new Map<string, { name: string; data: Buffer }>();

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
    return this.parts.has(key(name));
  }

  bytesIfPresent(name: string): Buffer | undefined {
    return this.parts.get(key(name))?.data;
  }

  bytes(name: string): Buffer {
    const bytes = this.bytesIfPresent(name);
    if (bytes === undefined)
      throw new WorkbookRefused('file.damaged', { detail: 'a part is missing' }, `missing ${name}`);
    return bytes;
  }

  set(name: string, data: Buffer | string): void {
    const existing = this.parts.get(key(name));
    this.parts.set(key(name), {
      name: existing?.name ?? name.replace(/^\//, ''),
      data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data,
    });
  }

  delete(name: string): void {
    this.parts.delete(key(name));
  }

  /** The relationships a part has (none when it has no `.rels`). */
  relationshipsOf(part: string): Relationship[] {
    const rels = this.bytesIfPresent(relsPathOf(part));
    return rels ? parseRelationships(rels, relsPathOf(part)) : [];
  }

  /** The package's own relationships (`_rels/.rels`). */
  rootRelationships(): Relationship[] {
    const rels = this.bytesIfPresent('_rels/.rels');
    return rels ? parseRelationships(rels, '_rels/.rels') : [];
  }

  /** The first name `make(n)` (n = 1, 2, …) that no part has. */
  unusedName(make: (n: number) => string): string {
    for (let n = 1; ; n++) {
      const name = make(n);
      if (!this.has(name)) return name;
    }
  }

  toZip(mtime: Date): Buffer {
    const entries = [...this.parts.values()];
    const first = entries.findIndex((entry) => entry.name.toLowerCase() === '[content_types].xml');
    if (first > 0) entries.unshift(...entries.splice(first, 1));
    return writeZip(
      entries.map(({ name, data }) => ({ name, data, level: name.endsWith('/') ? 0 : 6 })),
      mtime,
    );
  }
}

function key(name: string): string {
  return name.replace(/^\//, '').toLowerCase();
}

export function folderOf(part: string): string {
  return part.slice(0, part.lastIndexOf('/') + 1);
}

/** The target of a relationship from `from` to `to`, relative to `from`'s folder (`../comments1.xml`). */
export function relativeTarget(from: string, to: string): string {
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

export function emptyRelationships(): Buffer {
  return Buffer.from(
    `${XML_DECLARATION}<Relationships xmlns="${NAMESPACES.packageRelationships}"></Relationships>`,
    'utf8',
  );
}

/** Adds a relationship with a new ID; the part's bytes with it, and the ID. */
export function addRelationship(xml: Buffer, type: string, target: string): { xml: Buffer; id: string } {
  const ids = new Set(parseRelationships(xml, '_rels/.rels').map((rel) => rel.id));
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

/** A relationships part without the relationships whose IDs are given. */
export function removeRelationships(xml: Buffer, ids: ReadonlySet<string>, part: string): Buffer {
  const { children } = topLevel(xml, part);
  const edits = new XmlEdits(xml);
  for (const child of children) {
    const id = child.local === 'Relationship' ? tagAt(xml, child, part).attr('Id') : undefined;
    if (id !== undefined && ids.has(id)) edits.remove(child);
  }
  return edits.apply();
}

export class ContentTypes {
  private readonly edits: XmlEdits;
  private readonly root: ElementSpan;
  private readonly defaults = new Set<string>();
  private readonly overrides = new Map<string, ElementSpan>();
  private readonly overridden = new Set<string>();
  private readonly additions: string[] = [];

  constructor(xml: Buffer) {
    this.edits = new XmlEdits(xml);
    const part = '[Content_Types].xml';
    const { root, children } = topLevel(xml, part);
    this.root = root;
    for (const child of children) {
      const tag = tagAt(xml, child, part);
      if (child.local === 'Default') this.defaults.add((tag.attr('Extension') ?? '').toLowerCase());
      if (child.local === 'Override') this.overrides.set((tag.attr('PartName') ?? '').toLowerCase(), child);
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
    if (this.overrides.has(name.toLowerCase()) || this.overridden.has(name.toLowerCase())) return;
    this.overridden.add(name.toLowerCase());
    this.additions.push(
      `<${this.root.prefix}Override PartName="${escapeXml(name)}" ContentType="${escapeXml(type)}"/>`,
    );
  }

  /** Drops a part's override (the part is being removed). */
  forget(part: string): void {
    const name = `/${part.replace(/^\//, '')}`.toLowerCase();
    const element = this.overrides.get(name);
    if (element) this.edits.remove(element);
    this.overrides.delete(name);
  }

  ensureRelsDefault(): void {
    if (!this.hasDefault('rels')) this.default('rels', CONTENT_TYPES.relationships);
  }

  toXml(): Buffer {
    if (this.additions.length > 0) {
      if (this.root.empty) {
        this.edits.rewriteTag(
          startTag(this.root),
          (tag) => `${openFromEmpty(tag)}${this.additions.join('')}</${this.root.prefix}Types>`,
        );
      } else {
        this.edits.insert(this.root.closeStart, this.additions.join(''));
      }
    }
    return this.edits.apply();
  }
}
