/**
 * The annotated copy of a return: the person's own workbook with every finding's
 * cells coloured and noted, and a Feedback sheet, read back by openpyxl (an
 * independent reader) and re-saved by LibreOffice; and, at the zip level, with
 * everything the annotation has no business touching left byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticReturn } from '../../functions/src/demo/synthetic-return.js';
import { columnLetters } from '../../functions/src/dictionary/excel-names.js';
import { FEEDBACK_MARKER_NAME } from '../../functions/src/feedback/annotate/own-marks.js';
import {
  annotateWorkbook,
  HIGHLIGHT_COLOURS,
  MAX_NOTE_LENGTH,
  NOTE_HEADING,
  resultSentence,
} from '../../functions/src/feedback/annotate-workbook.js';
import type { ReturnValues } from '../../functions/src/returns/return-values.js';
import { fillTemplate } from '../../functions/src/template/fill-template.js';
import { a1, type Finding } from '../../functions/src/validation/findings.js';
import type { ValidationReport } from '../../functions/src/validation/report.js';
import { validateReturn } from '../../functions/src/validation/validate-return.js';
import { patchWorkbook, readZipEntries } from '../fixtures/hostile-workbooks.js';
import { fillWithOpenpyxl } from '../support/fill-with-openpyxl.js';
import {
  hasLibreOffice,
  hasOpenpyxl,
  type ProbedWorkbook,
  resaveWithLibreOffice,
} from '../support/outside-programs.js';
import { blankTemplate, period, testReference } from '../support/reference.js';

const reference = testReference();
const context = {
  dictionaries: reference.dictionaries,
  sites: reference.sites,
  programme: reference.programme,
  expectedSite: 'BLK',
  now: new Date('2025-11-01T12:00:00Z'),
};
const dictionary = reference.dictionaries.forPeriod(period('2025-26-Q2'));
const clean = syntheticReturn(dictionary, reference.sites.get('BLK'), period('2025-26-Q2'), { seed: 1 });

// ── an independent look at the result: openpyxl, through xlsx_probe.py --annotations ──

interface ProbedCell {
  fill: { type: string | null; fgColor: string | null } | null;
  numberFormat: string;
  font: Record<string, unknown>;
  border: Record<string, unknown>;
  alignment: Record<string, unknown>;
  protection: { locked: boolean; hidden: boolean };
  value: unknown;
  comment: string | null;
}

interface ProbedAnnotations {
  activeSheet: string | null;
  sheets: Record<
    string,
    {
      tabSelected: boolean;
      hyperlinks: Array<{
        ref: string;
        location: string | null;
        display: string | null;
        target: string | null;
      }>;
      cells: Record<string, ProbedCell>;
      /** Cells filled by an always-true conditional formatting rule: how our highlights are drawn. */
      highlights: Record<string, { fill: string | null; formula: string | null }>;
    }
  >;
}

type Probed = ProbedWorkbook & { annotations: ProbedAnnotations };

/** The colour our highlight gives a cell, or undefined when it has none. */
function highlightOf(probed: Probed, sheet: string, ref: string): string | undefined {
  const highlight = probed.annotations.sheets[sheet]?.highlights[ref];
  return highlight?.formula?.includes('Return checker') ? (highlight.fill ?? undefined) : undefined;
}

/** The defined names, without the one that marks our Feedback sheet. */
function namesOf(probed: Probed): ProbedWorkbook['names'] {
  return Object.fromEntries(Object.entries(probed.names).filter(([name]) => name !== FEEDBACK_MARKER_NAME));
}

/** Where the Feedback sheet's list of findings starts (below the result, the legend and the header). */
const FIRST_FINDING_ROW = 10;
/** LibreOffice takes seconds to start, and longer when the machine is busy with other tests. */
const LIBREOFFICE_TIMEOUT = 120_000;

const PROBE = fileURLToPath(new URL('../support/xlsx_probe.py', import.meta.url));

function probe(bytes: Buffer): Probed {
  const folder = mkdtempSync(join(tmpdir(), 'annotate-'));
  try {
    const file = join(folder, 'workbook.xlsx');
    writeFileSync(file, bytes);
    return JSON.parse(
      execFileSync('/usr/bin/python3', [PROBE, file, '--annotations'], {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      }),
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

// ── building returns with problems ───────────────────────────────────────────

/** The clean return with figures broken: errors R07, R13, a text count and blanks; warnings R10 (explained) and R15. */
function brokenValues(): ReturnValues {
  const items: Record<string, number | string> = { ...clean.items };
  items['BF.TOTAL'] = (items['BF.TOTAL'] as number) + 50; // R07: the statuses no longer add up
  items['REACH.PREG_Q'] = 'N/A'; // text in a count
  delete items['META.CONTACT_NAME']; // a required cell left blank
  delete items['META.SIGNOFF_NAME']; // …whose whole row is removed below
  delete items['META.SIGNOFF_DATE']; // …whose <c> is removed below
  items['SATOD.UNKNOWN'] = (items['SATOD.UNKNOWN'] as number) + 30; // R10, a warning…
  items['SATOD.NONSMOKER'] = (items['SATOD.NONSMOKER'] as number) - 30;
  items['ACT.ATTEND'] = 0; // R13 (error) and R15 (warning) on the same cell
  return {
    items,
    tables: {
      ...clean.tables,
      EXPLANATIONS: [
        {
          RULE: 'R10',
          ITEM: 'ALL',
          TEXT: 'The maternity unit changed its recording system in August.',
        },
      ],
    },
  };
}

function text(parts: Map<string, Buffer>, name: string): string {
  const part = parts.get(name);
  if (!part) throw new Error(`no part ${name}`);
  return part.toString('utf8');
}

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name.replace(':', '\\:')}="([^"]*)"`).exec(tag)?.[1];
}

/** The part a sheet is stored in, through workbook.xml and its relationships. */
function sheetPartOf(parts: Map<string, Buffer>, sheet: string): string {
  const tag = [...text(parts, 'xl/workbook.xml').matchAll(/<(?:\w+:)?sheet\b[^>]*>/g)]
    .map((match) => match[0])
    .find((candidate) => attribute(candidate, 'name')?.replaceAll('&apos;', "'") === sheet);
  const id = tag && attribute(tag, 'r:id');
  const rel = [...text(parts, 'xl/_rels/workbook.xml.rels').matchAll(/<Relationship\b[^>]*>/g)]
    .map((match) => match[0])
    .find((candidate) => attribute(candidate, 'Id') === id);
  const target = rel && attribute(rel, 'Target');
  if (!target) throw new Error(`no part for sheet ${sheet}`);
  return target.startsWith('/') ? target.slice(1) : `xl/${target}`;
}

/** Removes About row 10 (the whole `<row>`) and About C11 (its `<c>`), so the annotation must create them. */
function withoutBlankCells(workbook: Buffer): Buffer {
  return patchWorkbook(workbook, (parts) => {
    const part = sheetPartOf(parts, 'About');
    const xml = text(parts, part)
      .replace(/<row r="10"[^>]*>[\s\S]*?<\/row>/, '')
      .replace(/<c r="C11"[^>]*?\/>/, '');
    parts.set(part, Buffer.from(xml, 'utf8'));
  });
}

/** Writes one sheet with a namespace prefix on every SpreadsheetML element (`<x:row>`), as some tools do. */
function withPrefixedSheet(workbook: Buffer, sheet: string): Buffer {
  return patchWorkbook(workbook, (parts) => {
    const part = sheetPartOf(parts, sheet);
    const xml = text(parts, part)
      .replace(/<(\/?)([A-Za-z][\w.-]*)(?=[\s/>])/g, '<$1x:$2')
      .replace(
        'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
      );
    parts.set(part, Buffer.from(xml, 'utf8'));
  });
}

async function addNotes(
  workbook: Buffer,
  notes: Array<[sheet: string, ref: string, note: string]>,
): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(workbook as unknown as ArrayBuffer);
  for (const [sheet, ref, note] of notes) {
    const cell = book.getWorksheet(sheet)?.getCell(ref);
    if (!cell) throw new Error(`no ${sheet}!${ref}`);
    cell.note = note;
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}

async function annotated(workbook: Buffer, report?: ValidationReport) {
  const checked = report ?? (await validateReturn(workbook, context));
  const result = await annotateWorkbook(workbook, checked);
  if (!result) throw new Error('annotateWorkbook refused a readable workbook');
  return { report: checked, result };
}

// ── what the findings say each cell should show ──────────────────────────────

interface ExpectedCell {
  colour: string;
  messages: string[];
}

function expectedCells(report: ValidationReport): Map<string, ExpectedCell> {
  const cells = new Map<string, ExpectedCell>();
  for (const finding of report.findings) {
    for (const cell of finding.cells) {
      const key = `${cell.sheet}!${a1(cell)}`;
      const entry = cells.get(key) ?? { colour: HIGHLIGHT_COLOURS.warning, messages: [] };
      if (finding.severity !== 'warning') entry.colour = HIGHLIGHT_COLOURS.error;
      entry.messages.push(`${finding.severity === 'warning' ? 'Warning' : 'Error'}: ${finding.message}`);
      cells.set(key, entry);
    }
  }
  return cells;
}

function styleOf(cell: ProbedCell | undefined) {
  if (!cell) return undefined;
  const { fill: _fill, comment: _comment, value: _value, ...style } = cell;
  return style;
}

/** `'How much'!C8` → its sheet and cell. */
function parseLocation(location: string): { sheet: string; ref: string } {
  const match = /^'((?:[^']|'')+)'!([A-Z]+\d+)$/.exec(location) ?? /^([^'!]+)!([A-Z]+\d+)$/.exec(location);
  if (!match) throw new Error(`not a cell location: ${location}`);
  return { sheet: (match[1] as string).replaceAll("''", "'"), ref: match[2] as string };
}

function childElements(xml: string, container: string, child: string): string[] {
  const body = new RegExp(`<${container}\\b[^>]*>([\\s\\S]*?)</${container}>`).exec(xml)?.[1] ?? '';
  return [...body.matchAll(new RegExp(`<${child}\\b[^>]*?(?:/>|>[\\s\\S]*?</${child}>)`, 'g'))].map(
    (match) => match[0],
  );
}

// ── the tests ────────────────────────────────────────────────────────────────

describe('annotateWorkbook at the zip level', () => {
  let original: Buffer;
  let report: ValidationReport;
  let result: Buffer;
  let before: Map<string, Buffer>;
  let after: Map<string, Buffer>;

  beforeAll(async () => {
    original = withoutBlankCells(
      await fillTemplate(await blankTemplate('BLK', '2025-26-Q2'), brokenValues()),
    );
    ({ report, result } = await annotated(original));
    before = readZipEntries(original);
    after = readZipEntries(result);
  });

  it('finds the problems the test planted', () => {
    expect(report.status).toBe('rejected');
    const codes = report.findings.map((finding) => finding.code);
    expect(codes).toEqual(
      expect.arrayContaining(['R07', 'R13', 'R10', 'R15', 'value.not_a_number', 'value.missing']),
    );
    // The validator reports a sheet's blank required cells as one finding.
    const missing = report.findings.filter((finding) => finding.code === 'value.missing');
    expect(missing.map((finding) => finding.cell)).toEqual(['C8, C10:C11']);
    expect(report.findings.find((finding) => finding.code === 'R10')?.explanation).toMatch(
      /recording system/,
    );
  });

  it('writes [Content_Types].xml first and leaves every part it has no reason to touch byte for byte', () => {
    expect([...after.keys()][0]).toBe('[Content_Types].xml');
    const annotatedSheets = new Set(
      report.findings.flatMap((finding) => finding.cells.map((cell) => sheetPartOf(before, cell.sheet))),
    );
    const expectedChanges = new Set([
      '[Content_Types].xml',
      'xl/workbook.xml',
      'xl/_rels/workbook.xml.rels',
      'xl/styles.xml',
      ...annotatedSheets,
    ]);
    for (const [name, content] of before) {
      if (expectedChanges.has(name)) continue;
      expect(after.get(name)?.equals(content), `${name} is unchanged`).toBe(true);
    }
    for (const name of expectedChanges)
      expect(after.get(name)?.equals(before.get(name) as Buffer)).toBe(false);
  });

  it('leaves every cell as it was, and adds only its highlighting rules and the legacyDrawing', () => {
    const sheets = new Set(report.findings.flatMap((finding) => finding.cells.map((cell) => cell.sheet)));
    for (const sheet of sheets) {
      const part = sheetPartOf(before, sheet);
      const was = text(before, part);
      const now = text(after, part);
      const ours =
        /<conditionalFormatting sqref="[^"]*"><cfRule [^>]*><formula>[^<]*Return checker[^<]*<\/formula><\/cfRule><\/conditionalFormatting>/g;
      expect(now.replace(ours, '').replace(/<legacyDrawing r:id="rId\d+"\/>/, '')).toBe(was);
      expect(now.match(/<legacyDrawing\b/g)).toHaveLength(1);
      // Each sits where CT_Worksheet wants it: the rules before dataValidations, legacyDrawing after headerFooter.
      expect(now).toMatch(/<\/conditionalFormatting><dataValidations /);
      expect(now).toMatch(/<\/headerFooter><legacyDrawing r:id="rId\d+"\/><\/worksheet>$/);
    }
  });

  it('highlights a blank required cell that is not in the sheet without creating it', () => {
    const about = text(after, sheetPartOf(before, 'About'));
    expect(about).not.toMatch(/<row r="10"/);
    expect(about).not.toMatch(/<c r="C11"/);
    const sqref = /<conditionalFormatting sqref="([^"]*)">/.exec(about)?.[1];
    expect(sqref).toBe('C8 C10:C11');
  });

  it('appends formats to the stylesheet, keeping the existing ones in place', () => {
    const was = text(before, 'xl/styles.xml');
    const now = text(after, 'xl/styles.xml');
    for (const [container, child] of [
      ['fills', 'fill'],
      ['fonts', 'font'],
      ['cellXfs', 'xf'],
      ['dxfs', 'dxf'],
    ] as const) {
      const old = childElements(was, container, child);
      const grown = childElements(now, container, child);
      expect(grown.slice(0, old.length)).toEqual(old);
      expect(grown.length).toBeGreaterThan(old.length);
      expect(attribute(new RegExp(`<${container}\\b[^>]*>`).exec(now)?.[0] ?? '', 'count')).toBe(
        String(grown.length),
      );
    }
    // Each highlight's format: its colour as a solid fill, and a border.
    const dxfs = childElements(now, 'dxfs', 'dxf');
    for (const colour of Object.values(HIGHLIGHT_COLOURS)) {
      expect(
        dxfs.filter((dxf) => dxf.includes(`<bgColor rgb="${colour}"/>`) && dxf.includes('<border>')),
      ).toHaveLength(1);
    }
  });

  it('adds the comments, VML, relationships and content types a note needs', () => {
    const types = text(after, '[Content_Types].xml');
    const aboutPart = sheetPartOf(before, 'About');
    const rels = text(after, aboutPart.replace('worksheets/', 'worksheets/_rels/').concat('.rels'));
    const commentsTarget = /Type="[^"]*\/comments" Target="\.\.\/([^"]+)"/.exec(rels)?.[1];
    const vmlTarget = /Type="[^"]*\/vmlDrawing" Target="\.\.\/([^"]+)"/.exec(rels)?.[1];
    expect(commentsTarget).toBeDefined();
    expect(vmlTarget).toBeDefined();
    expect(types).toContain(
      `<Override PartName="/xl/${commentsTarget}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"/>`,
    );
    expect(types).toMatch(
      /<Default Extension="vml" ContentType="application\/vnd.openxmlformats-officedocument.vmlDrawing"\/>/,
    );
    const vml = text(after, `xl/${vmlTarget}`);
    const comments = text(after, `xl/${commentsTarget}`);
    expect(vml.match(/<v:shape /g)?.length).toBe(comments.match(/<comment /g)?.length);
    // Every drawing claims its own block of shape IDs.
    const blocks = [...after.keys()]
      .filter((name) => name.endsWith('.vml'))
      .map((name) => /data="([^"]*)"/.exec(text(after, name))?.[1]);
    expect(new Set(blocks).size).toBe(blocks.length);
    const legacyId = /<legacyDrawing r:id="(rId\d+)"/.exec(text(after, aboutPart))?.[1];
    expect(rels).toContain(
      `Id="${legacyId}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"`,
    );
  });

  it('adds the Feedback sheet last, with the next sheetId, and makes it the active tab', () => {
    const workbook = text(after, 'xl/workbook.xml');
    const sheetTags = [...workbook.matchAll(/<sheet\b[^>]*\/>/g)].map((match) => match[0]);
    const last = sheetTags.at(-1) ?? '';
    expect(attribute(last, 'name')).toBe('Feedback');
    expect(attribute(last, 'sheetId')).toBe(String(sheetTags.length));
    expect(attribute(/<workbookView\b[^>]*>/.exec(workbook)?.[0] ?? '', 'activeTab')).toBe(
      String(sheetTags.length - 1),
    );
    // Nothing else in the workbook part moved: the sheets before, the defined names after.
    const was = text(before, 'xl/workbook.xml');
    const marker = `<definedName name="${FEEDBACK_MARKER_NAME}" localSheetId="${sheetTags.length - 1}" hidden="1">&apos;Feedback&apos;!$A$1</definedName>`;
    expect(workbook).toContain(marker);
    expect(
      workbook
        .replace(last, '')
        .replace(marker, '')
        .replace(/activeTab="\d+"/, ''),
    ).toBe(was.replace(/activeTab="\d+"/, ''));
    const feedback = text(after, sheetPartOf(after, 'Feedback'));
    expect(feedback).not.toMatch(/t="s"|<f>/);
    expect(feedback).toMatch(/<sheetView tabSelected="1"/);
  });

  it('refuses a file that could not be read, and a report for another file', async () => {
    const notAWorkbook = Buffer.from('Site,Period\nBLK,2025-26-Q2\n', 'utf8');
    const refused = await validateReturn(notAWorkbook, context);
    expect(refused.findings[0]?.severity).toBe('fatal');
    await expect(annotateWorkbook(notAWorkbook, refused)).resolves.toBeUndefined();
    await expect(annotateWorkbook(original, refused)).resolves.toBeUndefined();
    await expect(annotateWorkbook(notAWorkbook, report)).rejects.toThrow(/another file/);
  });

  it('recognises its own Feedback sheet when sent back moved and renamed, or from before it was marked', async () => {
    const workbookOf = (bytes: Buffer) => text(readZipEntries(bytes), 'xl/workbook.xml');
    const again = async (bytes: Buffer) => {
      const result = await annotateWorkbook(bytes, await validateReturn(bytes, context));
      if (!result) throw new Error('refused');
      return result;
    };
    // Moved to the front and renamed, as Excel would write it: every sheet index after it moves up.
    const moved = patchWorkbook(result, (parts) => {
      const xml = text(parts, 'xl/workbook.xml');
      const feedback = /<sheet name="Feedback"[^>]*\/>/.exec(xml)?.[0] ?? '';
      const rewritten = xml
        .replace(feedback, '')
        .replace('<sheets>', `<sheets>${feedback.replace('name="Feedback"', 'name="Old checks"')}`)
        .replace(/localSheetId="(\d+)"/g, (_, n: string) => `localSheetId="${(Number(n) + 1) % 9}"`)
        .replace('&apos;Feedback&apos;!', '&apos;Old checks&apos;!')
        .replace(/activeTab="\d+"/, 'activeTab="0"');
      parts.set('xl/workbook.xml', Buffer.from(rewritten, 'utf8'));
    });
    expect(workbookOf(moved)).toMatch(/<sheets><sheet name="Old checks"/);
    // The old sheet goes, every index moves back, and the new Feedback sheet is where the first one was.
    expect(workbookOf(await again(moved))).toBe(workbookOf(result));
    // A Feedback sheet written before the marker existed is known by its title.
    const unmarked = patchWorkbook(result, (parts) => {
      const xml = text(parts, 'xl/workbook.xml').replace(
        /<definedName name="ReturnChecker[^>]*>[^<]*<\/definedName>/,
        '',
      );
      parts.set('xl/workbook.xml', Buffer.from(xml, 'utf8'));
    });
    expect(workbookOf(await again(unmarked))).toBe(workbookOf(result));
  });

  it("puts its rules before the person's own conditional formatting, and keeps theirs when sent back", async () => {
    const theirs =
      '<conditionalFormatting sqref="E7:E20"><cfRule type="cellIs" dxfId="0" priority="1" operator="greaterThan"><formula>100</formula></cfRule></conditionalFormatting>';
    const part = sheetPartOf(before, 'Better off');
    const own = patchWorkbook(original, (parts) => {
      parts.set(
        part,
        Buffer.from(text(parts, part).replace('<dataValidations ', `${theirs}<dataValidations `), 'utf8'),
      );
    });
    const once = await annotateWorkbook(own, await validateReturn(own, context));
    if (!once) throw new Error('refused');
    const rules = (bytes: Buffer) =>
      [
        ...text(readZipEntries(bytes), part).matchAll(
          /<cfRule [^>]*priority="(\d+)"[^>]*>(?:<formula>([^<]*)<\/formula>)?/g,
        ),
      ].map((match) => [Number(match[1]), match[2]]);
    expect(rules(once)).toEqual([
      [1, '&quot;Return checker: error&quot;&lt;&gt;&quot;&quot;'],
      [2, '&quot;Return checker: warning&quot;&lt;&gt;&quot;&quot;'],
      [3, '100'],
    ]);
    const twice = await annotateWorkbook(once, await validateReturn(once, context));
    if (!twice) throw new Error('refused');
    expect(rules(twice)).toEqual(rules(once));
  });

  it('says what happened in the title', () => {
    const counts = { fatal: 0, errors: 0, warnings: 0, explainedWarnings: 0, unexplainedWarnings: 0 };
    expect(resultSentence({ status: 'accepted', counts })).toBe('Accepted: no problems found');
    expect(
      resultSentence({
        status: 'accepted-with-warnings',
        counts: { ...counts, warnings: 2, unexplainedWarnings: 2 },
      }),
    ).toBe('Accepted, with 2 warnings to explain');
    expect(resultSentence({ status: 'rejected', counts: { ...counts, errors: 3 } })).toBe(
      'Not accepted: 3 errors to fix',
    );
    expect(
      resultSentence({ status: 'rejected', counts: { ...counts, fatal: 1, errors: 0, warnings: 1 } }),
    ).toBe('Could not be checked');
  });
});

describe.runIf(hasOpenpyxl)('the annotated copy, read by openpyxl', () => {
  let original: Buffer;
  let report: ValidationReport;
  let before: Probed;
  let after: Probed;

  beforeAll(async () => {
    original = withoutBlankCells(
      await fillTemplate(await blankTemplate('BLK', '2025-26-Q2'), brokenValues()),
    );
    const done = await annotated(original);
    report = done.report;
    before = probe(original);
    after = probe(done.result);
  });

  it('colours every problem cell, red for errors and orange for warnings, with a note of its findings', () => {
    const expected = expectedCells(report);
    expect(expected.size).toBeGreaterThan(40);
    for (const [key, { colour, messages }] of expected) {
      const [sheet, ref] = key.split('!') as [string, string];
      const cell = after.annotations.sheets[sheet]?.cells[ref];
      expect(highlightOf(after, sheet, ref), key).toBe(colour);
      expect(cell?.comment?.startsWith(`${NOTE_HEADING}\n`), key).toBe(true);
      for (const message of messages) expect(cell?.comment, key).toContain(message);
      expect(cell?.comment?.length ?? 0).toBeLessThanOrEqual(MAX_NOTE_LENGTH);
    }
    // Only the problem cells are highlighted.
    for (const [sheet, { highlights }] of Object.entries(after.annotations.sheets))
      for (const ref of Object.keys(highlights))
        expect(expected.has(`${sheet}!${ref}`), `${sheet}!${ref}`).toBe(true);
    // C30 has both an error (R13) and a warning (R15): it gets the error colour and both messages.
    const c30 = after.annotations.sheets['How much']?.cells.C30;
    expect(highlightOf(after, 'How much', 'C30')).toBe(HIGHLIGHT_COLOURS.error);
    expect(c30?.comment).toMatch(/^Return checker:\nError: [\s\S]+\n\nWarning: /);
    // An explained warning's note carries the explanation.
    const explained = report.findings.find((finding) => finding.explanation);
    const first = explained?.cells[0];
    expect(first && after.annotations.sheets[first.sheet]?.cells[a1(first)]?.comment).toContain(
      `Your explanation: ${explained?.explanation}`,
    );
  });

  it("keeps each problem cell's own fill, number format, font, border, alignment and protection", () => {
    for (const key of expectedCells(report).keys()) {
      const [sheet, ref] = key.split('!') as [string, string];
      const was = before.annotations.sheets[sheet]?.cells[ref];
      const now = after.annotations.sheets[sheet]?.cells[ref];
      if (!was) {
        expect(now, `${key} is not created`).toBeUndefined();
        continue;
      }
      expect(styleOf(now), key).toEqual(styleOf(was));
      expect(now?.fill, key).toEqual(was.fill);
      expect(now?.value).toEqual(was.value);
    }
    // The input cells stay unlocked on their protected sheets.
    expect(after.annotations.sheets['Better off']?.cells.C8?.protection.locked).toBe(false);
  });

  it('leaves every other cell, defined name, data validation and sheet protection as it was', () => {
    const problems = new Set(expectedCells(report).keys());
    let compared = 0;
    for (const [sheet, { cells }] of Object.entries(before.annotations.sheets)) {
      for (const [ref, cell] of Object.entries(cells)) {
        if (problems.has(`${sheet}!${ref}`)) continue;
        expect(after.annotations.sheets[sheet]?.cells[ref], `${sheet}!${ref}`).toEqual(cell);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1_000);
    expect(namesOf(after)).toEqual(before.names);
    expect(Object.keys(after.names).length).toBeGreaterThan(60);
    for (const [sheet, rules] of Object.entries(before.validations))
      expect(after.validations[sheet]).toEqual(rules);
    expect(after.sheets.slice(0, before.sheets.length)).toEqual(before.sheets);
    expect(after.sheets.filter((sheet) => sheet.protected).length).toBe(
      before.sheets.filter((s) => s.protected).length,
    );
    expect(after.epoch1904).toBe(before.epoch1904);
  });

  it('lists every finding on a Feedback sheet, last and active, with links that reach its cells', () => {
    expect(after.sheets.at(-1)).toMatchObject({ title: 'Feedback', state: 'visible', protected: false });
    expect(after.annotations.activeSheet).toBe('Feedback');
    expect(
      Object.entries(after.annotations.sheets)
        .filter(([, sheet]) => sheet.tabSelected)
        .map(([title]) => title),
    ).toEqual(['Feedback']);
    const feedback = after.annotations.sheets.Feedback;
    if (!feedback) throw new Error('no Feedback sheet');
    const value = (ref: string) => feedback.cells[ref]?.value;
    expect(value('A1')).toBe('Feedback on this return (BLK 2025-26 Q2)');
    expect(value('A2')).toBe(
      `Not accepted: ${report.counts.errors} errors to fix, and ${report.counts.warnings} warnings`,
    );
    // A legend of the colours, each said in words too.
    expect(value('A4')).toBe('What the colours in the workbook mean');
    expect(['A5', 'A6', 'A7'].map(value)).toEqual(['Error', 'Warning', 'Input']);
    expect(['A5', 'A6', 'A7'].map((ref) => feedback.cells[ref]?.fill?.fgColor)).toEqual([
      HIGHLIGHT_COLOURS.error,
      HIGHLIGHT_COLOURS.warning,
      'FFFFF2CC',
    ]);
    expect(String(value('B6'))).toMatch(/explanations table/);
    expect(['A9', 'B9', 'C9', 'D9', 'E9', 'F9'].map(value)).toEqual([
      'Severity',
      'Sheet',
      'Cell',
      'What is wrong',
      'Your explanation',
      'Rule or check',
    ]);
    expect(feedback.cells[`D${FIRST_FINDING_ROW}`]?.alignment.wrapText).toBe(true);
    report.findings.forEach((finding: Finding, index) => {
      const row = FIRST_FINDING_ROW + index;
      expect(value(`A${row}`)).toBe(finding.severity === 'warning' ? 'Warning' : 'Error');
      expect(value(`B${row}`)).toBe(finding.cells[0]?.sheet);
      expect(value(`D${row}`)).toBe(finding.message);
      expect(value(`E${row}`) ?? undefined).toBe(finding.explanation);
      // The code is there for support, last and never the main text.
      expect(value(`F${row}`)).toBe(finding.ruleId ?? finding.code);
      for (const ref of [`B${row}`, `C${row}`]) {
        const link = feedback.hyperlinks.find((candidate) => candidate.ref === ref);
        expect(link?.target ?? null, ref).toBeNull(); // internal: no relationship
        const place = parseLocation(link?.location ?? '');
        expect(place.sheet).toBe(finding.cells[0]?.sheet);
        expect(finding.cells.some((cell) => cell.sheet === place.sheet && a1(cell) === place.ref)).toBe(true);
        expect(after.annotations.sheets[place.sheet]?.cells[place.ref]?.comment).toContain(finding.message);
      }
    });
    expect(value(`A${FIRST_FINDING_ROW + report.findings.length}`)).toBeUndefined();
  });
});

describe.runIf(hasOpenpyxl)('annotating workbooks with notes of their own, or written another way', () => {
  it("merges with the person's own notes: one legacyDrawing, their text kept, ours added", async () => {
    const filled = await fillTemplate(await blankTemplate('BLK', '2025-26-Q2'), brokenValues());
    const noted = await addNotes(filled, [
      ['Better off', 'C8', 'Our own note on C8'],
      ['Better off', 'B3', 'A note on a heading'],
    ]);
    const { report, result } = await annotated(noted);
    const notes = probe(result).annotations.sheets['Better off']?.cells;
    const r07 = report.findings.find((finding) => finding.code === 'R07');
    expect(notes?.C8?.comment).toMatch(/^Our own note on C8\n\nReturn checker:\n/);
    expect(notes?.C8?.comment).toContain(`Error: ${r07?.message}`);
    expect(notes?.B3?.comment).toBe('A note on a heading');
    expect(notes?.C7?.comment).toBe(`${NOTE_HEADING}\nError: ${r07?.message}`);
    const parts = readZipEntries(result);
    const part = sheetPartOf(parts, 'Better off');
    expect(text(parts, part).match(/<legacyDrawing\b/g)).toHaveLength(1);
    const vmlParts = [...parts.keys()].filter((name) => name.endsWith('.vml'));
    const blocks = vmlParts.map((name) => /data="([^"]*)"/.exec(text(parts, name))?.[1]);
    expect(new Set(blocks).size).toBe(blocks.length);
    const comments = [...parts.keys()].filter((name) => /comments\d*\.xml$/.test(name));
    const shapes = vmlParts.reduce(
      (sum, name) => sum + (text(parts, name).match(/ObjectType="Note"/g)?.length ?? 0),
      0,
    );
    const noteCount = comments.reduce(
      (sum, name) => sum + (text(parts, name).match(/<comment /g)?.length ?? 0),
      0,
    );
    expect(shapes).toBe(noteCount);
    // The note shapes went into the drawing exceljs wrote for the sheet, not a second one.
    const legacyId = /<legacyDrawing r:id="(rId\d+)"/.exec(text(parts, part))?.[1];
    const rels = text(parts, part.replace('worksheets/', 'worksheets/_rels/').concat('.rels'));
    expect(rels.match(/\/vmlDrawing"/g)).toHaveLength(1);
    expect(rels).toMatch(new RegExp(`Id="${legacyId}"[^>]*Target="../drawings/vmlDrawing\\d+.vml"`));
  });

  it('annotates a sheet whose elements carry a namespace prefix (<x:row>, <x:c>)', async () => {
    const filled = withoutBlankCells(
      await fillTemplate(await blankTemplate('BLK', '2025-26-Q2'), brokenValues()),
    );
    const prefixed = withPrefixedSheet(filled, 'About');
    const { report, result } = await annotated(prefixed);
    const about = text(readZipEntries(result), sheetPartOf(readZipEntries(prefixed), 'About'));
    expect(about).toMatch(/<x:conditionalFormatting sqref="C8 C10:C11"><x:cfRule [^>]*><x:formula>/);
    expect(about).toMatch(/<x:legacyDrawing r:id="rId\d+"\/><\/x:worksheet>$/);
    const probed = probe(result);
    const cells = probed.annotations.sheets.About?.cells;
    for (const ref of ['C8', 'C10', 'C11']) {
      expect(highlightOf(probed, 'About', ref), ref).toBe(HIGHLIGHT_COLOURS.error);
      expect(cells?.[ref]?.comment, ref).toMatch(/^Return checker:\nError: 3 required figures are blank/);
    }
    expect(report.findings.filter((finding) => finding.cells[0]?.sheet === 'About')).toHaveLength(1);
  });

  it('keeps text that looks like a formula as text, escapes markup, caps a long note, and skips unknown sheets', async () => {
    const filled = await fillTemplate(await blankTemplate('BLK', '2025-26-Q2'), clean);
    const report = await validateReturn(filled, context);
    expect(report.status).toBe('accepted');
    const odd: Finding[] = [
      {
        code: 'TEST.FORMULA',
        severity: 'warning',
        message: '=HYPERLINK("http://example.invalid","x") & <b>bold</b> _x0041_',
        cells: [{ sheet: 'Money', row: 200, column: 30 }],
      },
      {
        code: 'TEST.LONG',
        severity: 'error',
        message: 'x'.repeat(3_000),
        cells: [{ sheet: 'Money', row: 6, column: 3 }],
      },
      {
        code: 'TEST.NOWHERE',
        severity: 'error',
        message: 'On a sheet that is not there',
        cells: [{ sheet: 'Nope', row: 1, column: 1 }],
      },
    ];
    const counts = { ...report.counts, errors: 2, warnings: 1, unexplainedWarnings: 1 };
    const doctored: ValidationReport = {
      ...report,
      status: 'rejected',
      counts,
      findings: [...report.findings, ...odd],
    };
    const result = await annotateWorkbook(filled, doctored);
    if (!result) throw new Error('refused');
    const probed = probe(result);
    const money = probed.annotations.sheets.Money?.cells;
    const ad200 = money?.[`${columnLetters(30)}200`];
    // openpyxl leaves OOXML's `_x005F_` escape in a note's text; Excel reads it as the literal `_x0041_`.
    expect(ad200?.comment?.replace('_x005F_', '_')).toBe(`${NOTE_HEADING}\nWarning: ${odd[0]?.message}`);
    const comments = [...readZipEntries(result).entries()].find(([name]) => /comments\d*\.xml$/.test(name));
    expect(comments?.[1].toString('utf8')).toContain(
      '=HYPERLINK(&quot;http://example.invalid&quot;,&quot;x&quot;) &amp; &lt;b&gt;bold&lt;/b&gt; _x005F_x0041_',
    );
    expect(highlightOf(probed, 'Money', `${columnLetters(30)}200`)).toBe(HIGHLIGHT_COLOURS.warning);
    expect(money?.C6?.comment?.length).toBeLessThanOrEqual(MAX_NOTE_LENGTH);
    expect(money?.C6?.comment).toMatch(/^Return checker:\nError: x+… \(the Feedback sheet lists the rest\)$/);
    const feedback = probed.annotations.sheets.Feedback;
    const first = FIRST_FINDING_ROW;
    expect(String(feedback?.cells[`D${first}`]?.value).replace('_x005F_', '_')).toBe(odd[0]?.message);
    const feedbackXml = text(readZipEntries(result), sheetPartOf(readZipEntries(result), 'Feedback'));
    expect(feedbackXml).toMatch(
      new RegExp(`<c r="D${first}" s="\\d+" t="inlineStr"><is><t xml:space="preserve">=HYPERLINK\\(`),
    );
    expect(feedbackXml).not.toMatch(/<f[\s>]/);
    expect(feedback?.cells[`B${first + 2}`]?.value).toBe('Nope');
    expect(feedback?.hyperlinks.map((link) => link.ref)).toEqual([
      `B${first}`,
      `C${first}`,
      `B${first + 1}`,
      `C${first + 1}`,
    ]);
    expect(feedback?.cells.A2?.value).toBe('Not accepted: 2 errors to fix, and 1 warning');
  });

  it('says an accepted return is accepted, and adds no notes to it', async () => {
    const filled = await fillTemplate(await blankTemplate('BLK', '2025-26-Q2'), clean);
    const { report, result } = await annotated(filled);
    expect(report.findings).toEqual([]);
    const parts = readZipEntries(result);
    expect([...parts.keys()].filter((name) => /comments|\.vml$/.test(name))).toEqual([]);
    const probed = probe(result);
    expect(probed.annotations.sheets.Feedback?.cells.A2?.value).toBe('Accepted: no problems found');
    expect(probed.annotations.sheets.Feedback?.cells[`D${FIRST_FINDING_ROW}`]?.value).toBe(
      'No problems found.',
    );
    const before = readZipEntries(filled);
    const changed = [...before.keys()].filter((name) => !parts.get(name)?.equals(before.get(name) as Buffer));
    expect(changed.sort()).toEqual([
      '[Content_Types].xml',
      'xl/_rels/workbook.xml.rels',
      'xl/styles.xml',
      'xl/workbook.xml',
    ]);
  });
});

describe.runIf(hasOpenpyxl && hasLibreOffice)(
  'the annotated copy and LibreOffice',
  { timeout: LIBREOFFICE_TIMEOUT },
  () => {
    it('re-opens in LibreOffice, which keeps the colours, notes, links and active tab', async () => {
      const filled = withoutBlankCells(
        await fillTemplate(await blankTemplate('BLK', '2025-26-Q2'), brokenValues()),
      );
      const { report, result } = await annotated(filled);
      const resaved = probe(resaveWithLibreOffice(result));
      for (const [key, { colour, messages }] of expectedCells(report)) {
        const [sheet, ref] = key.split('!') as [string, string];
        const cell = resaved.annotations.sheets[sheet]?.cells[ref];
        expect(highlightOf(resaved, sheet, ref), key).toBe(colour);
        for (const message of messages) expect(cell?.comment, key).toContain(message);
      }
      expect(resaved.annotations.activeSheet).toBe('Feedback');
      const links = resaved.annotations.sheets.Feedback?.hyperlinks ?? [];
      expect(links.length).toBe(report.findings.length * 2);
      for (const link of links) expect(parseLocation(link.location ?? '').sheet).not.toBe('');
    });

    it('annotates a return that LibreOffice saved', async () => {
      const filled = resaveWithLibreOffice(
        await fillTemplate(await blankTemplate('BLK', '2025-26-Q2'), brokenValues()),
      );
      const { report, result } = await annotated(filled);
      expect(report.status).toBe('rejected');
      const before = probe(filled);
      const after = probe(result);
      const expected = expectedCells(report);
      for (const [key, { colour, messages }] of expected) {
        const [sheet, ref] = key.split('!') as [string, string];
        const cell = after.annotations.sheets[sheet]?.cells[ref];
        expect(highlightOf(after, sheet, ref), key).toBe(colour);
        for (const message of messages) expect(cell?.comment, key).toContain(message);
        const was = before.annotations.sheets[sheet]?.cells[ref];
        if (was) expect(cell, key).toEqual({ ...was, comment: cell?.comment });
      }
      for (const [sheet, { cells }] of Object.entries(before.annotations.sheets)) {
        for (const [ref, cell] of Object.entries(cells)) {
          if (!expected.has(`${sheet}!${ref}`))
            expect(after.annotations.sheets[sheet]?.cells[ref], `${sheet}!${ref}`).toEqual(cell);
        }
      }
      expect(namesOf(after)).toEqual(before.names);
      expect(after.annotations.activeSheet).toBe('Feedback');
      expect(Object.values(after.annotations.sheets).filter((sheet) => sheet.tabSelected)).toHaveLength(1);
      // Still the same return to the validator.
      const again = await validateReturn(result, context);
      expect(again.findings.map((finding) => finding.message)).toEqual(
        report.findings.map((finding) => finding.message),
      );
    });
  },
);

// ── a copy we annotated, sent back ───────────────────────────────────────────

/** Every comment on the workbook's sheets, keyed `sheet!ref`. */
function notesOf(probed: Probed): Map<string, string> {
  const notes = new Map<string, string>();
  for (const [sheet, { cells }] of Object.entries(probed.annotations.sheets))
    for (const [ref, cell] of Object.entries(cells))
      if (cell.comment) notes.set(`${sheet}!${ref}`, cell.comment);
  return notes;
}

/** Every highlighted cell, keyed `sheet!ref`, with its colour. */
function highlightsOf(probed: Probed): Map<string, string> {
  const found = new Map<string, string>();
  for (const sheet of Object.keys(probed.annotations.sheets))
    for (const ref of Object.keys(probed.annotations.sheets[sheet]?.highlights ?? {})) {
      const colour = highlightOf(probed, sheet, ref);
      if (colour) found.set(`${sheet}!${ref}`, colour);
    }
  return found;
}

/**
 * What a fresh annotation of `report` shows and nothing more: one Feedback
 * sheet, last and active; a highlight and a note (of our findings, each once)
 * on exactly the problem cells; the person's own notes as they wrote them.
 */
function expectOnlyFreshAnnotations(probed: Probed, report: ValidationReport, ownNotes: Map<string, string>) {
  expect(probed.sheets.filter((sheet) => /^Feedback/.test(sheet.title)).map((sheet) => sheet.title)).toEqual([
    'Feedback',
  ]);
  expect(probed.sheets.at(-1)?.title).toBe('Feedback');
  expect(probed.annotations.activeSheet).toBe('Feedback');
  const expected = expectedCells(report);
  expect(Object.fromEntries(highlightsOf(probed))).toEqual(
    Object.fromEntries([...expected].map(([key, { colour }]) => [key, colour])),
  );
  const notes = notesOf(probed);
  for (const [key, note] of notes) {
    const own = ownNotes.get(key);
    const ours = expected.get(key);
    if (!ours) {
      expect(note, `${key} keeps only the person's note`).toBe(own);
      continue;
    }
    expect(note.startsWith(own ? `${own}\n\n${NOTE_HEADING}\n` : `${NOTE_HEADING}\n`), key).toBe(true);
    for (const message of ours.messages) expect(note.split(message), key).toHaveLength(2);
    expect(note.split(NOTE_HEADING), key).toHaveLength(2);
  }
  for (const key of expected.keys()) expect(notes.has(key), key).toBe(true);
  for (const key of ownNotes.keys()) expect(notes.has(key), key).toBe(true);
}

describe.runIf(hasOpenpyxl)('a copy we annotated, corrected and sent back', () => {
  it('is annotated afresh: one Feedback sheet, and no note or highlight left from what was fixed', async () => {
    const broken = brokenValues();
    const filled = await addNotes(await fillTemplate(await blankTemplate('BLK', '2025-26-Q2'), broken), [
      ['Better off', 'C8', 'Our own note on C8'],
      ['Better off', 'B3', 'A note on a heading'],
    ]);
    const first = await annotated(filled);
    const notANumber = first.report.findings.find((finding) => finding.code === 'value.not_a_number');
    const pregnant = notANumber?.cells[0];
    if (!pregnant) throw new Error('the test planted a text in a count');
    // The person fixes two errors in the annotated copy with their own tool, and sends it back.
    const corrected = fillWithOpenpyxl(first.result, {
      items: { 'BF.TOTAL': clean.items['BF.TOTAL'] as number, 'REACH.PREG_Q': 17 },
      tables: {},
    });
    const second = await annotated(corrected);
    const codes = second.report.findings.map((finding) => finding.code);
    expect(codes).not.toContain('R07');
    expect(codes).not.toContain('value.not_a_number');
    // The validator is not misled by our Feedback sheet: the rest is found as before.
    expect(second.report.findings.map((finding) => finding.message)).toEqual(
      first.report.findings
        .filter((finding) => finding.code !== 'R07' && finding.code !== 'value.not_a_number')
        .map((finding) => finding.message),
    );
    const probed = probe(second.result);
    expectOnlyFreshAnnotations(
      probed,
      second.report,
      new Map([
        ['Better off!C8', 'Our own note on C8'],
        ['Better off!B3', 'A note on a heading'],
      ]),
    );
    const cell = probed.annotations.sheets[pregnant.sheet]?.cells[a1(pregnant)];
    expect(cell?.value).toBe(17);
    expect(cell?.comment ?? null).toBeNull();
    expect(highlightOf(probed, pregnant.sheet, a1(pregnant))).toBeUndefined();
    // The person's own fills are theirs again: the input cells' pale yellow.
    const before = probe(filled);
    expect(cell?.fill).toEqual(before.annotations.sheets[pregnant.sheet]?.cells[a1(pregnant)]?.fill);
    expect(probed.annotations.sheets['Better off']?.cells.C7?.fill).toEqual(
      before.annotations.sheets['Better off']?.cells.C7?.fill,
    );
    // Our marker name went with the old Feedback sheet, and came back once with the new one.
    expect(Object.keys(namesOf(probed)).sort()).toEqual(Object.keys(before.names).sort());
    expect(probed.names[FEEDBACK_MARKER_NAME]?.targets[0]?.sheet).toBe('Feedback');
  });

  it.runIf(hasLibreOffice)(
    'is annotated afresh after LibreOffice re-saved it',
    { timeout: LIBREOFFICE_TIMEOUT },
    async () => {
      const filled = await fillTemplate(await blankTemplate('BLK', '2025-26-Q2'), brokenValues());
      const first = await annotated(filled);
      const resaved = resaveWithLibreOffice(first.result);
      const second = await annotated(resaved);
      expect(second.report.findings.map((finding) => finding.message)).toEqual(
        first.report.findings.map((finding) => finding.message),
      );
      expectOnlyFreshAnnotations(probe(second.result), second.report, new Map());
      // Corrected after the re-save, and sent again: what was fixed leaves no mark.
      const corrected = fillWithOpenpyxl(resaved, {
        items: { 'BF.TOTAL': clean.items['BF.TOTAL'] as number },
        tables: {},
      });
      const third = await annotated(corrected);
      expect(third.report.findings.map((finding) => finding.code)).not.toContain('R07');
      expectOnlyFreshAnnotations(probe(third.result), third.report, new Map());
    },
  );
});
