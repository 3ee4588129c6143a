/**
 * A package's relationships parts (`_rels/*.rels`): which part a workbook, a
 * sheet or a note drawing points at. One parser, on the one XML scanner, for
 * the reader and the annotated copy.
 */
import { END, OPEN, XmlScanner } from './xml-scanner.js';

export interface Relationship {
  readonly id: string;
  readonly type: string;
  /** The part it points at, resolved to a part name; the raw target for an external one. */
  readonly target: string;
  readonly external: boolean;
}

/** `xl/worksheets/sheet1.xml` → `xl/worksheets/_rels/sheet1.xml.rels`. */
export function relsPathOf(part: string): string {
  const slash = part.lastIndexOf('/');
  return `${part.slice(0, slash + 1)}_rels/${part.slice(slash + 1)}.rels`;
}

/** The relationships in a `.rels` part's bytes, in document order; targets resolved against their part's folder. */
export function parseRelationships(bytes: Buffer, relsPart: string): Relationship[] {
  const base = relsPart.replace(/_rels\/[^/]*$/, '');
  const scanner = new XmlScanner(bytes, relsPart);
  const result: Relationship[] = [];
  for (let kind = scanner.next(); kind !== END; kind = scanner.next()) {
    if (kind !== OPEN || !scanner.is('Relationship')) continue;
    const id = scanner.attr('Id');
    const target = scanner.attr('Target');
    if (!id || target === undefined) continue;
    const external = scanner.attr('TargetMode') === 'External';
    result.push({
      id,
      type: scanner.attr('Type') ?? '',
      target: external ? target : resolvePartName(base, target),
      external,
    });
  }
  return result;
}

/** Resolves a relationship target against the folder of the part that holds it. */
export function resolvePartName(base: string, target: string): string {
  const segments = (target.startsWith('/') ? target.slice(1) : `${base}${target}`).split('/');
  const resolved: string[] = [];
  for (const segment of segments) {
    if (segment === '..') resolved.pop();
    else if (segment !== '.' && segment !== '') resolved.push(segment);
  }
  return resolved.join('/');
}
