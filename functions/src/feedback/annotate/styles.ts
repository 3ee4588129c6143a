/**
 * The stylesheet (`xl/styles.xml`) with what the annotation needs appended:
 * differential formats for the highlights, and the fills, fonts, borders and
 * cell formats of the Feedback sheet. Nothing the person's
 * cells use moves: new entries go after the existing ones and counts are
 * updated, so every existing `s` and `dxfId` still means what it meant.
 */
import { WorkbookRefused } from '../../reading/refusal.js';
import { XML_DECLARATION } from '../../xlsx/xml-text.js';
import {
  type ElementSpan,
  elementChildren,
  openFromEmpty,
  setAttribute,
  slice,
  startTag,
  topLevel,
  XmlEdits,
} from './xml-surgery.js';

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

const PART = 'styles';

export class StyleSheet {
  private readonly root: ElementSpan;
  private readonly containers = new Map<string, ElementSpan>();
  private readonly existing = new Map<string, string[]>();
  private readonly added = new Map<string, string[]>();
  private readonly prefix: string;
  private readonly fills = new Map<string, number>();
  private readonly dxfs = new Map<string, number>();

  constructor(private readonly xml: Buffer) {
    const { root, children } = topLevel(xml, PART);
    if (root.local !== 'styleSheet')
      throw new WorkbookRefused('file.damaged', { detail: 'its styles are damaged' }, 'styles root');
    this.root = root;
    this.prefix = root.prefix;
    for (const child of children) {
      if (!STYLESHEET_ORDER.includes(child.local) || this.containers.has(child.local)) continue;
      this.containers.set(child.local, child);
      this.existing.set(
        child.local,
        elementChildren(xml, child, PART).map((item) => slice(xml, item)),
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

  /** A border of one line style and colour on all four sides. */
  border(style: string, rgb: string): number {
    const p = this.prefix;
    const side = (name: string) => `<${p}${name} style="${style}"><${p}color rgb="${rgb}"/></${p}${name}>`;
    return this.append(
      'borders',
      `<${p}border>${side('left')}${side('right')}${side('top')}${side('bottom')}<${p}diagonal/></${p}border>`,
    );
  }

  /** A new cell format. */
  format(options: {
    fontId?: number;
    fillId?: number;
    borderId?: number;
    wrap?: boolean;
    vertical?: 'top' | 'center';
  }): number {
    const p = this.prefix;
    const applies = [
      options.fontId !== undefined ? ' applyFont="1"' : '',
      options.fillId !== undefined ? ' applyFill="1"' : '',
      options.borderId !== undefined ? ' applyBorder="1"' : '',
      ' applyAlignment="1"',
    ].join('');
    return this.append(
      'cellXfs',
      `<${p}xf numFmtId="0" fontId="${options.fontId ?? 0}" fillId="${options.fillId ?? 0}" borderId="${options.borderId ?? 0}" xfId="0"${applies}>` +
        `<${p}alignment vertical="${options.vertical ?? 'top'}"${options.wrap ? ' wrapText="1"' : ''}/></${p}xf>`,
    );
  }

  /**
   * A differential format (for conditional formatting) that fills a cell with
   * `rgb` and draws its border as `border` says, added once. In a dxf the colour
   * of a solid fill is its bgColor; fgColor is written too for readers that look there.
   */
  differentialFill(rgb: string, border: { readonly style: string; readonly rgb: string }): number {
    const key = `${rgb}:${border.style}:${border.rgb}`;
    const known = this.dxfs.get(key);
    if (known !== undefined) return known;
    const p = this.prefix;
    const side = (name: string) =>
      `<${p}${name} style="${border.style}"><${p}color rgb="${border.rgb}"/></${p}${name}>`;
    const index = this.append(
      'dxfs',
      `<${p}dxf><${p}fill><${p}patternFill patternType="solid"><${p}fgColor rgb="${rgb}"/><${p}bgColor rgb="${rgb}"/></${p}patternFill></${p}fill>` +
        `<${p}border>${side('left')}${side('right')}${side('top')}${side('bottom')}</${p}border></${p}dxf>`,
    );
    this.dxfs.set(key, index);
    return index;
  }

  toXml(): Buffer {
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

export function defaultStyleSheet(namespace: string): Buffer {
  return Buffer.from(
    `${XML_DECLARATION}<styleSheet xmlns="${namespace}"><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`,
    'utf8',
  );
}
