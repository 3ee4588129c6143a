/**
 * The hostile-workbook builders produce what they claim. Checked with Buffer and node:zlib only (an
 * independent zip header parser below), never with the project's reader.
 */
import { crc32, createInflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  crc32Combine,
  deflateSegments,
  type HostileCase,
  hostileCases,
  makeHostileCases,
  patchWorkbook,
  readZipEntries,
  WORKSHEET_CHILD_ORDER,
  writeZip,
} from '../fixtures/hostile-workbooks.js';

const MiB = 1024 * 1024;
const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

// ---------------------------------------------------------------------------------------------------
// A tiny base workbook
// ---------------------------------------------------------------------------------------------------

interface BaseOptions {
  /** Include xl/sharedStrings.xml (and use it from the sheet). */
  sharedStrings: boolean;
  /** Give the sheet existing dataValidations, mergeCells, sheetProtection and page setup. */
  rich: boolean;
}

function xmlPart(body: string): Buffer {
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${body}`, 'utf8');
}

function buildBase({ sharedStrings, rich }: BaseOptions): Buffer {
  const cells = sharedStrings
    ? '<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    : '<c r="A1" t="inlineStr"><is><t>Indicator</t></is></c><c r="B1" t="inlineStr"><is><t>Value</t></is></c>';
  const sheet =
    `<worksheet xmlns="${NS}" xmlns:r="${REL_NS}"><dimension ref="A1:B2"/>` +
    '<sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>' +
    `<sheetData><row r="1">${cells}</row><row r="2"><c r="A2"><v>42</v></c><c r="B2"><v>7</v></c></row></sheetData>` +
    (rich
      ? '<sheetProtection sheet="1"/><mergeCells count="1"><mergeCell ref="C1:D1"/></mergeCells>' +
        '<dataValidations count="1"><dataValidation type="list" allowBlank="1" sqref="B2">' +
        '<formula1>"a,b"</formula1></dataValidation></dataValidations>' +
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>' +
        '<pageSetup orientation="landscape"/>'
      : '') +
    '</worksheet>';
  const parts: [string, Buffer][] = [
    [
      '[Content_Types].xml',
      xmlPart(
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
          '<Default Extension="xml" ContentType="application/xml"/>' +
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
          '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
          (sharedStrings
            ? '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            : '') +
          '</Types>',
      ),
    ],
    [
      '_rels/.rels',
      xmlPart(
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          `<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      ),
    ],
    [
      'xl/workbook.xml',
      xmlPart(
        `<workbook xmlns="${NS}" xmlns:r="${REL_NS}"><bookViews><workbookView/></bookViews>` +
          '<sheets><sheet name="Return" sheetId="1" r:id="rId1"/></sheets><calcPr calcId="191029"/></workbook>',
      ),
    ],
    [
      'xl/_rels/workbook.xml.rels',
      xmlPart(
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          `<Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>` +
          `<Relationship Id="rId2" Type="${REL_NS}/styles" Target="styles.xml"/>` +
          (sharedStrings
            ? `<Relationship Id="rId3" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/>`
            : '') +
          '</Relationships>',
      ),
    ],
    ['xl/worksheets/sheet1.xml', xmlPart(sheet)],
    [
      'xl/styles.xml',
      xmlPart(
        `<styleSheet xmlns="${NS}"><fonts count="1"><font/></fonts><fills count="1"><fill/></fills>` +
          '<borders count="1"><border/></borders><cellXfs count="1"><xf/></cellXfs></styleSheet>',
      ),
    ],
  ];
  if (sharedStrings) {
    parts.push([
      'xl/sharedStrings.xml',
      xmlPart(
        `<sst xmlns="${NS}" count="2" uniqueCount="2"><si><t>Indicator</t></si><si><t>Value</t></si></sst>`,
      ),
    ]);
  }
  return writeZip(parts.map(([name, data]) => ({ name, data })));
}

// ---------------------------------------------------------------------------------------------------
// An independent zip header parser
// ---------------------------------------------------------------------------------------------------

interface ParsedEntry {
  name: string;
  flags: number;
  method: number;
  versionNeeded: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** The raw (compressed) bytes, `compressedSize` long. */
  raw: Buffer;
}

/** Parse every central header and its local header, checking they agree. */
function parseZip(zip: Buffer): ParsedEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd, 'EOCD present').toBeGreaterThanOrEqual(0);
  expect(eocd, 'EOCD is the last 22 bytes').toBe(zip.length - 22);
  const count = zip.readUInt16LE(eocd + 10);
  expect(zip.readUInt16LE(eocd + 8)).toBe(count);
  const cdSize = zip.readUInt32LE(eocd + 12);
  let pos = zip.readUInt32LE(eocd + 16);
  expect(pos + cdSize).toBe(eocd);
  const entries: ParsedEntry[] = [];
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(pos), 'central header signature').toBe(0x02014b50);
    const nameLength = zip.readUInt16LE(pos + 28);
    const c = {
      versionNeeded: zip.readUInt16LE(pos + 6),
      flags: zip.readUInt16LE(pos + 8),
      method: zip.readUInt16LE(pos + 10),
      crc: zip.readUInt32LE(pos + 16),
      compressedSize: zip.readUInt32LE(pos + 20),
      size: zip.readUInt32LE(pos + 24),
      name: zip.toString('utf8', pos + 46, pos + 46 + nameLength),
    };
    const local = zip.readUInt32LE(pos + 42);
    pos += 46 + nameLength + zip.readUInt16LE(pos + 30) + zip.readUInt16LE(pos + 32);

    expect(zip.readUInt32LE(local), `${c.name}: local header signature`).toBe(0x04034b50);
    const l = {
      versionNeeded: zip.readUInt16LE(local + 4),
      flags: zip.readUInt16LE(local + 6),
      method: zip.readUInt16LE(local + 8),
      crc: zip.readUInt32LE(local + 14),
      compressedSize: zip.readUInt32LE(local + 18),
      size: zip.readUInt32LE(local + 22),
      name: zip.toString('utf8', local + 30, local + 30 + zip.readUInt16LE(local + 26)),
    };
    expect(l, `${c.name}: local header agrees with central header`).toEqual(c);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    entries.push({ ...c, raw: zip.subarray(start, start + c.compressedSize) });
  }
  return entries;
}

function inflate(entry: ParsedEntry): Buffer {
  return entry.method === 0 ? entry.raw : inflateRawSync(entry.raw);
}

function entryText(entries: ParsedEntry[], name: string): string {
  const entry = entries.find((e) => e.name === name);
  if (!entry) throw new Error(`no entry ${name}`);
  return inflate(entry).toString('utf8');
}

/**
 * Stream-inflate `raw`, counting bytes and (optionally) computing the CRC-32, and stop once more than
 * `limit` bytes have come out. Also returns the first 4 KiB and the last 1 KiB.
 */
function streamInflate(
  raw: Buffer,
  { limit = Number.POSITIVE_INFINITY, withCrc = true } = {},
): Promise<{ bytes: number; crc: number; stopped: boolean; head: string; tail: string }> {
  return new Promise((resolve, reject) => {
    const inflater = createInflateRaw({ chunkSize: MiB });
    let bytes = 0;
    let crc = 0;
    let head = '';
    let tail: Buffer = Buffer.alloc(0);
    inflater.on('data', (chunk: Buffer) => {
      if (head.length < 4096) head += chunk.toString('latin1', 0, 4096 - head.length);
      tail =
        chunk.length >= 1024
          ? chunk.subarray(chunk.length - 1024)
          : Buffer.concat([tail, chunk]).subarray(-1024);
      bytes += chunk.length;
      if (withCrc) crc = crc32(chunk, crc);
      if (bytes > limit) {
        inflater.destroy();
        resolve({ bytes, crc, stopped: true, head, tail: tail.toString('latin1') });
      }
    });
    inflater.on('end', () => resolve({ bytes, crc, stopped: false, head, tail: tail.toString('latin1') }));
    inflater.on('error', reject);
    inflater.end(raw);
  });
}

/** Local names of the top-level worksheet children that CT_Worksheet knows, in document order. */
function worksheetChildren(xml: string): string[] {
  const names = WORKSHEET_CHILD_ORDER.join('|');
  const body = xml.replace(/<sheetData>[\s\S]*<\/sheetData>/, '<sheetData/>');
  return [...body.matchAll(new RegExp(`<(${names})[\\s/>]`, 'g'))].map((m) => m[1] ?? '');
}

function expectSchemaOrder(xml: string): void {
  const ranks = worksheetChildren(xml).map((name) => WORKSHEET_CHILD_ORDER.indexOf(name));
  expect(ranks, 'top-level worksheet children in CT_Worksheet order').toEqual(
    [...ranks].sort((a, b) => a - b),
  );
}

/** Parts of the base that the case may change; all others must be byte-identical. */
function expectOtherPartsUnchanged(base: Buffer, entries: ParsedEntry[], changed: string[]): void {
  const before = readZipEntries(base);
  const after = new Map(entries.map((e) => [e.name, e]));
  for (const [name, data] of before) {
    const entry = after.get(name);
    expect(entry, `${name} still present`).toBeDefined();
    if (entry && !changed.includes(name)) expect(inflate(entry).equals(data), `${name} unchanged`).toBe(true);
  }
  expect(entries[0]?.name).toBe('[Content_Types].xml');
}

// ---------------------------------------------------------------------------------------------------
// Low-level helpers
// ---------------------------------------------------------------------------------------------------

describe('writeZip / readZipEntries', () => {
  it('writes classic headers that a separate parser and zlib accept', () => {
    const a = Buffer.from('hello hello hello hello');
    const b = Buffer.from('stored bytes');
    const zip = writeZip([
      { name: 'a.txt', data: a },
      { name: 'dir/b.bin', data: b, method: 'store' },
    ]);
    const entries = parseZip(zip);
    expect(entries.map((e) => [e.name, e.method, e.flags, e.versionNeeded])).toEqual([
      ['a.txt', 8, 0, 20],
      ['dir/b.bin', 0, 0, 20],
    ]);
    expect(inflate(entries[0] as ParsedEntry).equals(a)).toBe(true);
    expect((entries[1] as ParsedEntry).raw.equals(b)).toBe(true);
    expect(entries.map((e) => e.crc)).toEqual([crc32(a), crc32(b)]);
    expect(readZipEntries(zip)).toEqual(
      new Map([
        ['a.txt', a],
        ['dir/b.bin', b],
      ]),
    );
  });

  it('writes declared sizes and CRC into both headers, and precomputed deflate as-is', () => {
    const data = Buffer.alloc(5000, 'x');
    const compressed = deflateRawSync(data);
    const zip = writeZip([
      {
        name: 'lie.xml',
        data,
        compressed,
        declaredSize: 10,
        declaredCrc: 0xdeadbeef,
        declaredCompressedSize: 3,
      },
    ]);
    const [entry] = parseZip(zip); // checks local == central
    expect(entry).toMatchObject({ size: 10, crc: 0xdeadbeef, compressedSize: 3, method: 8 });
    expect(zip.includes(compressed)).toBe(true);
    expect(() => readZipEntries(zip)).toThrow();
  });

  it('refuses values that do not fit a classic zip', () => {
    expect(() => writeZip([{ name: 'x', data: Buffer.alloc(0), declaredSize: 2 ** 32 }])).toThrow(RangeError);
  });

  it('patchWorkbook keeps content, order, and [Content_Types].xml first', () => {
    const base = buildBase({ sharedStrings: true, rich: false });
    const patched = patchWorkbook(base, (parts) => {
      parts.delete('[Content_Types].xml');
      parts.set('zzz.xml', Buffer.from('<z/>'));
      parts.set('[Content_Types].xml', readZipEntries(base).get('[Content_Types].xml') ?? Buffer.alloc(0));
    });
    const names = [...readZipEntries(patched).keys()];
    expect(names[0]).toBe('[Content_Types].xml');
    expect(names).toContain('zzz.xml');
    expectOtherPartsUnchanged(base, parseZip(patched), []);
  });
});

describe('crc32Combine / deflateSegments', () => {
  it('combines CRCs like crc32 over the concatenation', () => {
    const a = Buffer.from('The quick brown fox');
    const b = Buffer.from(' jumps over the lazy dog, repeatedly and at length.');
    expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(Buffer.concat([a, b])));
    expect(crc32Combine(crc32(a), 0, 0)).toBe(crc32(a));
  });

  it('deflates repeated segments into one valid stream with the right size and CRC', () => {
    const chunk = Buffer.from('<row>abc</row>'.repeat(100));
    const result = deflateSegments([{ data: '<head>' }, { data: chunk, repeat: 37 }, { data: '</head>' }]);
    const expected = Buffer.concat([Buffer.from('<head>'), ...Array(37).fill(chunk), Buffer.from('</head>')]);
    expect(inflateRawSync(result.compressed).equals(expected)).toBe(true);
    expect(result.size).toBe(expected.length);
    expect(result.crc).toBe(crc32(expected));
  });
});

// ---------------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------------

const SHEET = 'xl/worksheets/sheet1.xml';
const SST = 'xl/sharedStrings.xml';
const richBase = buildBase({ sharedStrings: true, rich: true });
const bareBase = buildBase({ sharedStrings: false, rich: false });

const built = new Map<string, { zip: Buffer }>();
const bareBuilt = new Map<string, Buffer>();

function output(name: string): Buffer {
  const found = built.get(name);
  if (!found) throw new Error(`case ${name} was not built`);
  return found.zip;
}

describe('hostile cases', () => {
  beforeAll(async () => {
    for (const c of hostileCases) {
      built.set(c.name, { zip: await c.build(richBase) });
    }
    for (const c of hostileCases) {
      if (!/bomb|million|lying|huge|too-many/.test(c.name)) bareBuilt.set(c.name, await c.build(bareBase));
    }
  });

  it('has the documented cases, uniquely named and described', () => {
    expect(hostileCases.map((c) => c.name)).toEqual([
      'empty',
      'not-a-zip',
      'html-renamed',
      'csv-renamed',
      'pdf-renamed',
      'truncated-zip',
      'password-protected',
      'xls-old',
      'xlsm',
      'macro-renamed',
      'activex',
      'embedded-binary',
      'zip-bomb-300mb',
      'zip-bomb-2gb',
      'lying-sizes',
      'billion-laughs',
      'external-entity',
      'dv-whole-columns',
      'dv-whole-sheet',
      'merge-whole-sheet',
      'row-2-billion',
      'million-rows',
      'huge-shared-string',
      'too-many-entries',
      'entry-name-traversal',
    ]);
    for (const c of hostileCases) expect(c.description.length, c.name).toBeGreaterThan(10);
  });

  // No timed assertion (shared, noisy machines): each case is built small, whatever it claims to hold.
  it.each(hostileCases.map((c): [string, HostileCase] => [c.name, c]))(
    '%s is built in under 12 MiB',
    (name) => {
      expect(output(name).length).toBeLessThan(12 * MiB);
    },
  );

  it('is deterministic', async () => {
    for (const name of ['not-a-zip', 'password-protected', 'xlsm', 'zip-bomb-300mb']) {
      const again = await hostileCases.find((c) => c.name === name)?.build(richBase);
      expect(again?.equals(output(name)), name).toBe(true);
    }
  });

  describe('non-zip uploads', () => {
    const PK = Buffer.from('PK');
    const OLE = Buffer.from('d0cf11e0a1b11ae1', 'hex');

    it('empty is zero bytes', () => {
      expect(output('empty').length).toBe(0);
    });

    it('not-a-zip has no zip or OLE2 signature', () => {
      const bytes = output('not-a-zip');
      expect(bytes.length).toBeGreaterThanOrEqual(1024);
      expect(bytes.includes(PK)).toBe(false);
      expect(bytes.subarray(0, 8).equals(OLE)).toBe(false);
      expect(new Set(bytes).size).toBeGreaterThan(200); // random-ish
    });

    it('html-renamed is an HTML table', () => {
      const html = output('html-renamed').toString('utf8');
      expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
      expect(html).toMatch(/<html[\s\S]*<table[\s\S]*<\/table>[\s\S]*<\/html>/);
    });

    it('csv-renamed is CSV with a header row', () => {
      const csv = output('csv-renamed')
        .toString('utf8')
        .replace(/^\ufeff/, '');
      const lines = csv.trimEnd().split('\r\n');
      expect(lines[0]).toBe('Indicator,Q3 value,Notes');
      expect(lines.length).toBeGreaterThanOrEqual(4);
    });

    it('pdf-renamed is a PDF whose startxref points at its xref table', () => {
      const pdf = output('pdf-renamed').toString('latin1');
      expect(pdf.startsWith('%PDF-1.4')).toBe(true);
      expect(pdf.trimEnd().endsWith('%%EOF')).toBe(true);
      const startxref = Number(/startxref\n(\d+)/.exec(pdf)?.[1]);
      expect(pdf.slice(startxref, startxref + 4)).toBe('xref');
      const offset = Number(/0000000000 65535 f \n(\d{10})/.exec(pdf)?.[1]);
      expect(pdf.slice(offset, offset + 7)).toBe('1 0 obj');
    });

    it('truncated-zip is the first 60% of the base, with no central directory', () => {
      const bytes = output('truncated-zip');
      expect(bytes.length).toBe(Math.floor(richBase.length * 0.6));
      expect(bytes.equals(richBase.subarray(0, bytes.length))).toBe(true);
      expect(bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))).toBe(true);
      expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x05, 0x06]))).toBe(false);
      expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x01, 0x02]))).toBe(false);
    });

    /** Stream names from a compound file's directory (first directory sector chain, FAT from the header). */
    function cfbStreamNames(file: Buffer): Map<string, { type: number; size: number; start: number }> {
      expect(file.subarray(0, 8).equals(OLE)).toBe(true);
      const sectorSize = 2 ** file.readUInt16LE(30);
      const sector = (n: number) => file.subarray(512 + n * sectorSize, 512 + (n + 1) * sectorSize);
      const fat: number[] = [];
      for (let i = 0; i < file.readUInt32LE(44); i++) {
        const s = sector(file.readUInt32LE(76 + i * 4));
        for (let j = 0; j < sectorSize; j += 4) fat.push(s.readUInt32LE(j));
      }
      const names = new Map<string, { type: number; size: number; start: number }>();
      for (let n = file.readUInt32LE(48); n !== 0xfffffffe; n = fat[n] ?? 0xfffffffe) {
        const s = sector(n);
        for (let at = 0; at < sectorSize; at += 128) {
          const length = s.readUInt16LE(at + 64);
          if (length === 0) continue;
          names.set(s.toString('utf16le', at, at + length - 2), {
            type: s.readUInt8(at + 66),
            start: s.readUInt32LE(at + 116),
            size: s.readUInt32LE(at + 120),
          });
        }
      }
      return names;
    }

    it('password-protected is an OLE2 container with Office encryption streams', () => {
      const file = output('password-protected');
      expect(file.length).toBeGreaterThanOrEqual(4096);
      expect(file.includes(Buffer.from('PK\x03\x04', 'latin1'))).toBe(false);
      expect(file.includes(Buffer.from('PK\x05\x06', 'latin1'))).toBe(false);
      const names = cfbStreamNames(file);
      expect([...names.keys()]).toEqual(
        expect.arrayContaining(['Root Entry', 'EncryptionInfo', 'EncryptedPackage']),
      );
      expect(file.includes(Buffer.from('EncryptedPackage', 'utf16le'))).toBe(true);
      const info = names.get('EncryptionInfo');
      const infoStart = 512 + (info?.start ?? 0) * 512;
      expect([file.readUInt16LE(infoStart), file.readUInt16LE(infoStart + 2)]).toEqual([4, 4]); // agile
    });

    it('xls-old is an OLE2 container with a BIFF8 Workbook stream', () => {
      const file = output('xls-old');
      const workbook = cfbStreamNames(file).get('Workbook');
      expect(workbook?.type).toBe(2);
      const start = 512 + (workbook?.start ?? 0) * 512;
      expect(file.readUInt16LE(start)).toBe(0x0809); // BOF
      expect(file.readUInt16LE(start + 4)).toBe(0x0600); // BIFF8
    });
  });

  describe('active content', () => {
    it.each([
      ['rich', () => built.get('xlsm')?.zip, richBase],
      ['bare', () => bareBuilt.get('xlsm'), bareBase],
    ])('xlsm (%s base) is a complete macro-enabled package', (_, get, base) => {
      const entries = parseZip(get() ?? Buffer.alloc(0));
      const vba = entries.find((e) => e.name === 'xl/vbaProject.bin');
      expect(
        inflate(vba as ParsedEntry)
          .subarray(0, 4)
          .toString('hex'),
      ).toBe('d0cf11e0');
      const types = entryText(entries, '[Content_Types].xml');
      expect(types).toContain(
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>',
      );
      expect(types).not.toContain('spreadsheetml.sheet.main+xml');
      expect(types).toMatch(/Extension="bin" ContentType="application\/vnd.ms-office.vbaProject"/);
      expect(entryText(entries, 'xl/_rels/workbook.xml.rels')).toMatch(
        /Type="http:\/\/schemas.microsoft.com\/office\/2006\/relationships\/vbaProject" Target="vbaProject.bin"/,
      );
      const ids = [...entryText(entries, 'xl/_rels/workbook.xml.rels').matchAll(/Id="([^"]+)"/g)].map(
        (m) => m[1],
      );
      expect(new Set(ids).size).toBe(ids.length);
      expectOtherPartsUnchanged(base, entries, ['[Content_Types].xml', 'xl/_rels/workbook.xml.rels']);
    });

    it('macro-renamed only adds xl/vbaProject.bin', () => {
      const entries = parseZip(output('macro-renamed'));
      expect(entries.map((e) => e.name)).toEqual([...readZipEntries(richBase).keys(), 'xl/vbaProject.bin']);
      expectOtherPartsUnchanged(richBase, entries, []);
    });

    it('activex adds the control parts', () => {
      const entries = parseZip(output('activex'));
      const names = entries.map((e) => e.name);
      expect(names).toEqual(expect.arrayContaining(['xl/activeX/activeX1.xml', 'xl/activeX/activeX1.bin']));
      expect(entryText(entries, 'xl/activeX/activeX1.xml')).toContain('<ax:ocx');
      expect(entryText(entries, '[Content_Types].xml')).toContain('application/vnd.ms-office.activeX+xml');
      expectOtherPartsUnchanged(richBase, entries, ['[Content_Types].xml']);
    });

    it('embedded-binary adds an OLE object', () => {
      const entries = parseZip(output('embedded-binary'));
      const ole = entries.find((e) => e.name === 'xl/embeddings/oleObject1.bin');
      expect(inflate(ole as ParsedEntry).includes(Buffer.from('\u0001Ole10Native', 'utf16le'))).toBe(true);
      expectOtherPartsUnchanged(richBase, entries, ['[Content_Types].xml']);
    });
  });

  describe('bombs and lying headers', () => {
    it('zip-bomb-300mb inflates to exactly its declared 300 MiB, with the declared CRC', async () => {
      const zip = output('zip-bomb-300mb');
      expect(zip.length).toBeLessThan(3 * MiB);
      const entries = parseZip(zip);
      const sheet = entries.find((e) => e.name === SHEET) as ParsedEntry;
      expect(sheet.size).toBe(300 * MiB);
      const result = await streamInflate(sheet.raw);
      expect(result.bytes).toBe(300 * MiB);
      expect(result.crc).toBe(sheet.crc);
      expect(result.head).toMatch(/^<\?xml[\s\S]*<sheetData>/);
      expect(result.tail).toMatch(/ {20}<\/sheetData>[\s\S]*<\/worksheet>$/);
      expectOtherPartsUnchanged(richBase, entries, [SHEET]);
    });

    it('zip-bomb-2gb declares 2^31 bytes and keeps inflating past a 50 MB guard', async () => {
      const zip = output('zip-bomb-2gb');
      expect(zip.length).toBeLessThan(3 * MiB);
      const sheet = parseZip(zip).find((e) => e.name === SHEET) as ParsedEntry;
      expect(sheet.size).toBe(2 ** 31);
      const partial = await streamInflate(sheet.raw, { limit: 50 * MiB, withCrc: false });
      expect(partial.stopped).toBe(true);
      expect(partial.head).toMatch(/^<\?xml/);
    });

    it('zip-bomb-2gb really inflates to 2^31 bytes with the declared CRC', async () => {
      // Cheap enough (about 1 s) to check in full rather than trusting the structure.
      const sheet = parseZip(output('zip-bomb-2gb')).find((e) => e.name === SHEET) as ParsedEntry;
      const result = await streamInflate(sheet.raw);
      expect(result.bytes).toBe(2 ** 31);
      expect(result.crc).toBe(sheet.crc);
      expect(result.tail).toMatch(/<\/worksheet>$/);
    });

    it('lying-sizes declares 1,000 bytes but inflates to more than 50 MB', async () => {
      const entries = parseZip(output('lying-sizes'));
      const sheet = entries.find((e) => e.name === SHEET) as ParsedEntry;
      expect(sheet.size).toBe(1000);
      const result = await streamInflate(sheet.raw);
      expect(result.bytes).toBeGreaterThan(50 * MiB);
      expect(result.tail).toMatch(/ <\/worksheet>$/);
      expect(result.crc).not.toBe(sheet.crc);
      expect(sheet.crc).toBe(crc32(Buffer.from(result.head.slice(0, 1000), 'latin1'))); // a self-consistent lie
      expectOtherPartsUnchanged(richBase, entries, [SHEET]);
    });
  });

  describe('XML attacks', () => {
    it.each([
      ['rich', () => built.get('billion-laughs')?.zip, richBase],
      ['bare', () => bareBuilt.get('billion-laughs'), bareBase],
    ])('billion-laughs (%s base) puts the lol DTD in sharedStrings and references &lol9;', (_, get, base) => {
      const entries = parseZip(get() ?? Buffer.alloc(0));
      const sst = entryText(entries, SST);
      expect(sst).toMatch(/^<\?xml[^>]*\?>\s*<!DOCTYPE lolz \[/);
      expect(sst).toContain('<!ENTITY lol "lol">');
      expect(sst).toContain(`<!ENTITY lol9 "${'&lol8;'.repeat(10)}">`);
      const si = [...sst.matchAll(/<si>/g)].length;
      expect(sst).toContain(`count="${si}" uniqueCount="${si}"`);
      expect(sst).toMatch(/<si><t>&lol9;<\/t><\/si><\/sst>$/);
      expect(entryText(entries, SHEET)).toContain(
        `<row r="3"><c r="A3" t="s"><v>${si - 1}</v></c></row></sheetData>`,
      );
      const types = entryText(entries, '[Content_Types].xml');
      expect(types.match(/PartName="\/xl\/sharedStrings.xml"/g)).toHaveLength(1);
      expect(
        entryText(entries, 'xl/_rels/workbook.xml.rels').match(/relationships\/sharedStrings"/g),
      ).toHaveLength(1);
      expectOtherPartsUnchanged(base, entries, [
        SHEET,
        SST,
        '[Content_Types].xml',
        'xl/_rels/workbook.xml.rels',
      ]);
    });

    it('external-entity declares xxe after the XML declaration and uses it in a definedName', () => {
      const entries = parseZip(output('external-entity'));
      const wb = entryText(entries, 'xl/workbook.xml');
      expect(wb).toMatch(
        /^<\?xml[^>]*\?>\s*<!DOCTYPE x \[<!ENTITY xxe SYSTEM "file:\/\/\/etc\/passwd">\]>\s*<workbook /,
      );
      expect(wb).toContain(
        '</sheets><definedNames><definedName name="Leak">&xxe;</definedName></definedNames><calcPr',
      );
      expectOtherPartsUnchanged(richBase, entries, ['xl/workbook.xml']);
    });
  });

  describe('sheet structure attacks', () => {
    const DV = (sqref: string) =>
      `<dataValidations count="1"><dataValidation type="whole" allowBlank="1" sqref="${sqref}"><formula1>0</formula1></dataValidation></dataValidations>`;

    it.each([
      ['dv-whole-columns', 'A:XFD'],
      ['dv-whole-sheet', 'A1:XFD1048576'],
    ])('%s replaces the sheet’s data validations, in schema order', (name, sqref) => {
      for (const [base, zip] of [
        [richBase, output(name)],
        [bareBase, bareBuilt.get(name)],
      ] as const) {
        const entries = parseZip(zip ?? Buffer.alloc(0));
        const sheet = entryText(entries, SHEET);
        expect(sheet).toContain(DV(sqref));
        expect(sheet.match(/<dataValidations/g)).toHaveLength(1);
        expectSchemaOrder(sheet);
        expectOtherPartsUnchanged(base, entries, [SHEET]);
      }
      const rich = entryText(parseZip(output(name)), SHEET);
      expect(worksheetChildren(rich)).toEqual([
        'dimension',
        'sheetViews',
        'sheetFormatPr',
        'sheetData',
        'sheetProtection',
        'mergeCells',
        'dataValidations',
        'pageMargins',
        'pageSetup',
      ]);
      const bare = entryText(parseZip(bareBuilt.get(name) ?? Buffer.alloc(0)), SHEET);
      expect(bare).toMatch(/<\/sheetData><dataValidations[\s\S]*<\/dataValidations><\/worksheet>$/);
    });

    it('merge-whole-sheet replaces the merges with one A1:XFD1048576, in schema order', () => {
      for (const zip of [output('merge-whole-sheet'), bareBuilt.get('merge-whole-sheet')]) {
        const sheet = entryText(parseZip(zip ?? Buffer.alloc(0)), SHEET);
        expect(sheet).toContain('<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>');
        expect(sheet.match(/<mergeCell /g)).toHaveLength(1);
        expectSchemaOrder(sheet);
      }
      expect(entryText(parseZip(output('merge-whole-sheet')), SHEET)).toContain(
        '<sheetProtection sheet="1"/><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells><dataValidations',
      );
    });

    it('row-2-billion appends row 2,000,000,000 at the end of sheetData', () => {
      const sheet = entryText(parseZip(output('row-2-billion')), SHEET);
      expect(sheet).toContain('<row r="2000000000"><c r="A2000000000"><v>1</v></c></row></sheetData>');
      expect(sheet).toContain('<row r="2">');
    });

    it('million-rows has rows 1..1,048,576 in a few MB', () => {
      const zip = output('million-rows');
      expect(zip.length).toBeLessThan(10 * MiB);
      const entries = parseZip(zip);
      const sheet = entries.find((e) => e.name === SHEET) as ParsedEntry;
      const xml = inflateRawSync(sheet.raw).toString('latin1');
      expect(xml.length).toBe(sheet.size);
      expect(crc32(xml, 0)).toBe(sheet.crc);
      const rows = xml.match(/<row /g);
      expect(rows).toHaveLength(1_048_576);
      expect(xml).toContain(
        '<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>',
      );
      expect(xml).toContain(
        '<row r="1048575"><c r="A1048575"><v>1048575</v></c></row><row r="1048576"><c r="A1048576"><v>1048576</v></c></row></sheetData>',
      );
      expect(xml).toContain(
        '<row r="99999"><c r="A99999"><v>99999</v></c></row><row r="100000"><c r="A100000"><v>100000</v></c></row>',
      );
      expect(xml).toContain('<dimension ref="A1:A1048576"/>');
      expectSchemaOrder(xml);
      expectOtherPartsUnchanged(richBase, entries, [SHEET]);
    });

    it('huge-shared-string adds one 50 MiB string, counted and referenced', () => {
      const entries = parseZip(output('huge-shared-string'));
      const sst = entries.find((e) => e.name === SST) as ParsedEntry;
      expect(sst.raw.length).toBeLessThan(MiB);
      const xml = inflateRawSync(sst.raw).toString('latin1');
      expect(xml.length).toBe(sst.size);
      expect(crc32(xml)).toBe(sst.crc);
      expect(xml).toMatch(/^<\?xml[^>]*\?>\s*<sst [^>]*count="3" uniqueCount="3">/);
      const start = xml.indexOf('<si><t>AAAA');
      const text = xml.slice(start + 7, xml.indexOf('</t>', start));
      expect(text.length).toBe(50 * MiB);
      expect(/^A+$/.test(text)).toBe(true);
      expect(entryText(entries, SHEET)).toContain(
        '<row r="3"><c r="A3" t="s"><v>2</v></c></row></sheetData>',
      );
    });
  });

  describe('package structure attacks', () => {
    it('too-many-entries adds 20,000 entries to a classic zip', () => {
      const zip = output('too-many-entries');
      const entries = parseZip(zip);
      const extra = entries.filter((e) => e.name.startsWith('customXml/item'));
      expect(extra).toHaveLength(20_000);
      expect(new Set(entries.map((e) => e.name)).size).toBe(entries.length);
      expect(inflate(extra[19_999] as ParsedEntry).toString()).toBe('<x>20000</x>');
      expectOtherPartsUnchanged(richBase, entries, []);
    });

    it('entry-name-traversal has an entry named ../../evil.xml', () => {
      const entries = parseZip(output('entry-name-traversal'));
      expect(entries.map((e) => e.name)).toContain('../../evil.xml');
      expectOtherPartsUnchanged(richBase, entries, []);
    });
  });
});

describe('makeHostileCases', () => {
  it('aims sheet-level cases at a named sheet', () => {
    const twoSheets = patchWorkbook(richBase, (parts) => {
      const wb = parts.get('xl/workbook.xml')?.toString() ?? '';
      parts.set(
        'xl/workbook.xml',
        Buffer.from(
          wb.replace('</sheets>', '<sheet name="Data &amp; more" sheetId="2" r:id="rId9"/></sheets>'),
        ),
      );
      const rels = parts.get('xl/_rels/workbook.xml.rels')?.toString() ?? '';
      parts.set(
        'xl/_rels/workbook.xml.rels',
        Buffer.from(
          rels.replace(
            '</Relationships>',
            `<Relationship Id="rId9" Type="${REL_NS}/worksheet" Target="/xl/worksheets/sheet2.xml"/></Relationships>`,
          ),
        ),
      );
      parts.set('xl/worksheets/sheet2.xml', parts.get(SHEET) ?? Buffer.alloc(0));
    });
    const merge = makeHostileCases({ sheet: 'Data & more' }).find((c) => c.name === 'merge-whole-sheet');
    const entries = parseZip(merge?.build(twoSheets) as Buffer);
    expect(entryText(entries, 'xl/worksheets/sheet2.xml')).toContain('ref="A1:XFD1048576"');
    expect(entryText(entries, SHEET)).not.toContain('ref="A1:XFD1048576"');
    expect(() => makeHostileCases({ sheet: 'Nope' })[19]?.build(twoSheets)).toThrow(/no sheet named Nope/);
  });
});
