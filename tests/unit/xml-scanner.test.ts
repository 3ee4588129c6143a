/**
 * The reader's XML scanner, as the annotated copy uses it to edit parts in
 * place: each token's byte span, a tag's prefix, and scanning from inside an
 * element, over UTF-8 text where bytes and characters differ.
 */
import { describe, expect, it } from 'vitest';
import { CLOSE, END, OPEN, TEXT, XmlScanner } from '../../functions/src/reading/xml-scanner.js';

const XML = Buffer.from(
  '\uFEFF<?xml version="1.0"?><x:worksheet xmlns:x="urn:x"><!-- é --><x:c r="A1" t="a>b">Café &amp; ü</x:c><x:c r="B1"/></x:worksheet>',
  'utf8',
);

function tokens(scanner: XmlScanner) {
  const found: Array<{ kind: number; raw: string; prefix?: string; name?: string }> = [];
  for (let kind = scanner.next(); kind !== END; kind = scanner.next()) {
    found.push(
      kind === TEXT
        ? { kind, raw: scanner.raw }
        : {
            kind,
            raw: XML.toString('utf8', scanner.start, scanner.end),
            prefix: scanner.prefix,
            name: scanner.name,
          },
    );
  }
  return found;
}

describe('XmlScanner spans', () => {
  it('gives every token its exact bytes, and a tag its prefix and local name', () => {
    expect(tokens(new XmlScanner(XML, 'test'))).toEqual([
      { kind: OPEN, raw: '<x:worksheet xmlns:x="urn:x">', prefix: 'x:', name: 'worksheet' },
      { kind: OPEN, raw: '<x:c r="A1" t="a>b">', prefix: 'x:', name: 'c' },
      { kind: TEXT, raw: 'Café &amp; ü' },
      { kind: CLOSE, raw: '</x:c>', prefix: 'x:', name: 'c' },
      { kind: OPEN, raw: '<x:c r="B1"/>', prefix: 'x:', name: 'c' },
      { kind: CLOSE, raw: '</x:worksheet>', prefix: 'x:', name: 'worksheet' },
    ]);
  });

  it('scans from inside an element, and reads a tag found before by its span', () => {
    const inside = XML.indexOf('<x:c r="B1"');
    const scanner = new XmlScanner(XML, 'test', inside);
    expect(scanner.next()).toBe(OPEN);
    expect(scanner.start).toBe(inside);
    expect(scanner.selfClosing).toBe(true);
    expect(scanner.attr('r')).toBe('B1');
    const first = new XmlScanner(XML, 'test', XML.indexOf('<x:c r="A1"'));
    first.next();
    expect(first.attr('t')).toBe('a>b');
    expect(
      first.elementText(100, () => {
        throw new Error('too long');
      }),
    ).toBe('Café & ü');
  });
});
