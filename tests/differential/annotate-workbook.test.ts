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
import {
  annotateWorkbook,
  HIGHLIGHT_COLOURS,
  MAX_NOTE_LENGTH,
  resultSentence,
} from '../../functions/src/feedback/annotate-workbook.js';
import type { ReturnValues } from '../../functions/src/returns/return-values.js';
import { fillTemplate } from '../../functions/src/template/fill-template.js';
import { a1, type Finding } from '../../functions/src/validation/findings.js';
import type { ValidationReport } from '../../functions/src/validation/report.js';
import { validateReturn } from '../../functions/src/validation/validate-return.js';
import { patchWorkbook, readZipEntries } from '../fixtures/hostile-workbooks.js';
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
    }
  >;
}

type Probed = ProbedWorkbook & { annotations: ProbedAnnotations };

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
      EXPLANATIONS: [{ RULE: 'R10', TEXT: 'The maternity unit changed its recording system in August.' }],
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

/** Cells of a sheet's XML as written (exceljs's own output), keyed by ref, with their `s` left out. */
function cellElements(xml: string): Map<string, string> {
  const cells = new Map<string, string>();
  for (const match of xml.matchAll(/<c\b[^>]*?(?:\/>|>[\s\S]*?<\/c>)/g)) {
    const ref = /\sr="([A-Z]+\d+)"/.exec(match[0])?.[1];
    if (ref) cells.set(ref, match[0].replace(/\ss="\d+"/, ''));
  }
  return cells;
}

function outsideSheetData(xml: string): string {
  return xml.replace(/<sheetData>[\s\S]*<\/sheetData>|<sheetData\/>/, '<sheetData/>');
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

  it('changes only the style of existing cells, and adds only the legacyDrawing outside sheetData', () => {
    const sheets = new Set(report.findings.flatMap((finding) => finding.cells.map((cell) => cell.sheet)));
    for (const sheet of sheets) {
      const part = sheetPartOf(before, sheet);
      const was = text(before, part);
      const now = text(after, part);
      expect(outsideSheetData(now).replace(/<legacyDrawing r:id="rId\d+"\/>/, '')).toBe(
        outsideSheetData(was),
      );
      expect(now.match(/<legacyDrawing\b/g)).toHaveLength(1);
      // legacyDrawing sits where CT_Worksheet wants it: after headerFooter, before anything later.
      expect(now).toMatch(/<\/headerFooter><legacyDrawing r:id="rId\d+"\/><\/worksheet>$/);
      const wasCells = cellElements(was);
      const nowCells = cellElements(now);
      for (const [ref, element] of wasCells) expect(nowCells.get(ref), `${sheet}!${ref}`).toBe(element);
      const findingRefs = new Set(
        report.findings.flatMap((finding) => finding.cells.filter((cell) => cell.sheet === sheet).map(a1)),
      );
      for (const ref of nowCells.keys()) if (!wasCells.has(ref)) expect(findingRefs.has(ref)).toBe(true);
    }
  });

  it('creates a blank required cell that is not in the sheet, and its row, in order', () => {
    const about = text(after, sheetPartOf(before, 'About'));
    // Row 10 is gone: it comes back, between rows 9 and 11, holding only the problem cell.
    expect(about).toMatch(/<c r="H9" s="\d+"\/><\/row><row r="10"><c r="C10" s="\d+"\/><\/row><row r="11"/);
    // C11 is gone from its row: it comes back between B11 and D11.
    const row11 = /<row r="11"[^>]*>([\s\S]*?)<\/row>/.exec(about)?.[1] ?? '';
    expect(row11).toMatch(/<c r="B11"[^>]*>[\s\S]*?<\/c><c r="C11" s="\d+"\/><c r="D11"/);
  });

  it('appends fills and cell formats to the stylesheet, keeping the existing ones in place', () => {
    const was = text(before, 'xl/styles.xml');
    const now = text(after, 'xl/styles.xml');
    for (const [container, child] of [
      ['fills', 'fill'],
      ['fonts', 'font'],
      ['cellXfs', 'xf'],
    ] as const) {
      const old = childElements(was, container, child);
      const grown = childElements(now, container, child);
      expect(grown.slice(0, old.length)).toEqual(old);
      expect(grown.length).toBeGreaterThan(old.length);
      expect(attribute(new RegExp(`<${container}\\b[^>]*>`).exec(now)?.[0] ?? '', 'count')).toBe(
        String(grown.length),
      );
    }
    const fills = childElements(now, 'fills', 'fill');
    for (const colour of Object.values(HIGHLIGHT_COLOURS)) {
      expect(fills.filter((fill) => fill.includes(`rgb="${colour}"`)).length).toBeGreaterThanOrEqual(1);
    }
    // A highlighted cell's format is its own with only the fill changed.
    const xfs = childElements(now, 'cellXfs', 'xf');
    const about = text(after, sheetPartOf(before, 'About'));
    const originalStyle = Number(/<c r="C9" s="(\d+)"/.exec(text(before, sheetPartOf(before, 'About')))?.[1]);
    expect(Number.isInteger(originalStyle)).toBe(true);
    const c8 = Number(/<c r="C8" s="(\d+)"/.exec(about)?.[1]);
    const stripFill = (xf: string) => xf.replace(/\s(fillId|applyFill)="[^"]*"/g, '');
    const c8Was = Number(/<c r="C8" s="(\d+)"/.exec(text(before, sheetPartOf(before, 'About')))?.[1]);
    expect(stripFill(xfs[c8] ?? '')).toBe(stripFill(xfs[c8Was] ?? 'missing'));
    expect(xfs[c8]).toMatch(/applyFill="1"/);
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
    expect(workbook.replace(last, '').replace(/activeTab="\d+"/, '')).toBe(
      was.replace(/activeTab="\d+"/, ''),
    );
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

  it('says what happened in the title', () => {
    const counts = { fatal: 0, errors: 0, warnings: 0, explainedWarnings: 0, unexplainedWarnings: 0 };
    expect(resultSentence({ status: 'accepted', counts })).toBe('Accepted: no problems found');
    expect(
      resultSentence({
        status: 'accepted-with-warnings',
        counts: { ...counts, warnings: 2, unexplainedWarnings: 2 },
      }),
    ).toBe('Accepted with 2 warnings');
    expect(resultSentence({ status: 'rejected', counts: { ...counts, errors: 3 } })).toBe(
      'Not accepted: 3 errors to fix',
    );
    expect(
      resultSentence({ status: 'rejected', counts: { ...counts, fatal: 1, errors: 0, warnings: 1 } }),
    ).toBe('Not accepted: 1 error to fix, and 1 warning to check');
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

  it('colours every problem cell, red for errors and amber for warnings, with a note of its findings', () => {
    const expected = expectedCells(report);
    expect(expected.size).toBeGreaterThan(40);
    for (const [key, { colour, messages }] of expected) {
      const [sheet, ref] = key.split('!') as [string, string];
      const cell = after.annotations.sheets[sheet]?.cells[ref];
      expect(cell?.fill, key).toEqual({ type: 'solid', fgColor: colour });
      for (const message of messages) expect(cell?.comment, key).toContain(message);
      expect(cell?.comment?.length ?? 0).toBeLessThanOrEqual(MAX_NOTE_LENGTH);
    }
    // C30 has both an error (R13) and a warning (R15): it gets the error colour and both messages.
    const c30 = after.annotations.sheets['How much']?.cells.C30;
    expect(c30?.fill?.fgColor).toBe(HIGHLIGHT_COLOURS.error);
    expect(c30?.comment).toMatch(/^Error: [\s\S]+\n\nWarning: /);
    // An explained warning's note carries the explanation.
    const explained = report.findings.find((finding) => finding.explanation);
    const first = explained?.cells[0];
    expect(first && after.annotations.sheets[first.sheet]?.cells[a1(first)]?.comment).toContain(
      `Your explanation: ${explained?.explanation}`,
    );
  });

  it("keeps each problem cell's number format, font, border, alignment and protection", () => {
    for (const key of expectedCells(report).keys()) {
      const [sheet, ref] = key.split('!') as [string, string];
      const was = before.annotations.sheets[sheet]?.cells[ref];
      if (!was) continue; // created by the annotation
      expect(styleOf(after.annotations.sheets[sheet]?.cells[ref]), key).toEqual(styleOf(was));
      expect(after.annotations.sheets[sheet]?.cells[ref]?.value).toEqual(was.value);
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
    expect(after.names).toEqual(before.names);
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
      `Not accepted: ${report.counts.errors} errors to fix, and ${report.counts.warnings} warnings to check`,
    );
    expect(['A5', 'B5', 'C5', 'D5', 'E5', 'F5'].map(value)).toEqual([
      'Severity',
      'Rule',
      'Sheet',
      'Cell',
      'Message',
      'Explanation',
    ]);
    expect(feedback.cells.E6?.alignment.wrapText).toBe(true);
    report.findings.forEach((finding: Finding, index) => {
      const row = 6 + index;
      expect(value(`A${row}`)).toBe(finding.severity === 'warning' ? 'Warning' : 'Error');
      expect(value(`B${row}`)).toBe(finding.ruleId ?? finding.code);
      expect(value(`C${row}`)).toBe(finding.cells[0]?.sheet);
      expect(value(`E${row}`)).toBe(finding.message);
      expect(value(`F${row}`) ?? undefined).toBe(finding.explanation);
      for (const ref of [`C${row}`, `D${row}`]) {
        const link = feedback.hyperlinks.find((candidate) => candidate.ref === ref);
        expect(link?.target ?? null, ref).toBeNull(); // internal: no relationship
        const place = parseLocation(link?.location ?? '');
        expect(place.sheet).toBe(finding.cells[0]?.sheet);
        expect(finding.cells.some((cell) => cell.sheet === place.sheet && a1(cell) === place.ref)).toBe(true);
        expect(after.annotations.sheets[place.sheet]?.cells[place.ref]?.comment).toContain(finding.message);
      }
    });
    expect(value(`A${6 + report.findings.length}`)).toBeUndefined();
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
    expect(notes?.C8?.comment).toMatch(/^Our own note on C8/);
    expect(notes?.C8?.comment).toContain(`Error: ${r07?.message}`);
    expect(notes?.B3?.comment).toBe('A note on a heading');
    expect(notes?.C7?.comment).toBe(`Error: ${r07?.message}`);
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

  it('annotates an annotated copy again: "Feedback (2)", and no message twice in a note', async () => {
    const filled = await fillTemplate(await blankTemplate('BLK', '2025-26-Q2'), brokenValues());
    const first = await annotated(filled);
    const second = await annotated(first.result);
    expect(second.report.findings.map((finding) => finding.message)).toEqual(
      first.report.findings.map((finding) => finding.message),
    );
    const probed = probe(second.result);
    expect(probed.sheets.slice(-2).map((sheet) => sheet.title)).toEqual(['Feedback', 'Feedback (2)']);
    expect(probed.annotations.activeSheet).toBe('Feedback (2)');
    expect(probed.annotations.sheets.Feedback?.tabSelected).toBe(false);
    const again = probed.annotations.sheets['Better off']?.cells.C8?.comment ?? '';
    const r07 = first.report.findings.find((finding) => finding.code === 'R07')?.message ?? 'missing';
    expect(again.split(r07)).toHaveLength(2);
  });

  it('annotates a sheet whose elements carry a namespace prefix (<x:row>, <x:c>)', async () => {
    const filled = withoutBlankCells(
      await fillTemplate(await blankTemplate('BLK', '2025-26-Q2'), brokenValues()),
    );
    const prefixed = withPrefixedSheet(filled, 'About');
    const { report, result } = await annotated(prefixed);
    const about = text(readZipEntries(result), sheetPartOf(readZipEntries(prefixed), 'About'));
    expect(about).toMatch(/<\/x:row><x:row r="10"><x:c r="C10" s="\d+"\/><\/x:row><x:row r="11"/);
    expect(about).toMatch(/<\/x:c><x:c r="C11" s="\d+"\/><x:c r="D11"/);
    expect(about).toMatch(/<x:legacyDrawing r:id="rId\d+"\/><\/x:worksheet>$/);
    const cells = probe(result).annotations.sheets.About?.cells;
    for (const ref of ['C8', 'C10', 'C11']) {
      expect(cells?.[ref]?.fill?.fgColor, ref).toBe(HIGHLIGHT_COLOURS.error);
      expect(cells?.[ref]?.comment, ref).toMatch(/^Error: 3 required figures are blank/);
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
    expect(ad200?.comment?.replace('_x005F_', '_')).toBe(`Warning: ${odd[0]?.message}`);
    const comments = [...readZipEntries(result).entries()].find(([name]) => /comments\d*\.xml$/.test(name));
    expect(comments?.[1].toString('utf8')).toContain(
      '=HYPERLINK(&quot;http://example.invalid&quot;,&quot;x&quot;) &amp; &lt;b&gt;bold&lt;/b&gt; _x005F_x0041_',
    );
    expect(ad200?.fill?.fgColor).toBe(HIGHLIGHT_COLOURS.warning);
    expect(money?.C6?.comment?.length).toBeLessThanOrEqual(MAX_NOTE_LENGTH);
    expect(money?.C6?.comment).toMatch(/^Error: x+… \(the Feedback sheet lists the rest\)$/);
    const feedback = probed.annotations.sheets.Feedback;
    expect(String(feedback?.cells.E6?.value).replace('_x005F_', '_')).toBe(odd[0]?.message);
    const feedbackXml = text(readZipEntries(result), sheetPartOf(readZipEntries(result), 'Feedback'));
    expect(feedbackXml).toMatch(/<c r="E6" s="\d+" t="inlineStr"><is><t xml:space="preserve">=HYPERLINK\(/);
    expect(feedbackXml).not.toMatch(/<f[\s>]/);
    expect(feedback?.cells.C8?.value).toBe('Nope');
    expect(feedback?.hyperlinks.map((link) => link.ref)).toEqual(['C6', 'D6', 'C7', 'D7']);
    expect(feedback?.cells.A2?.value).toBe('Not accepted: 2 errors to fix, and 1 warning to check');
  });

  it('says an accepted return is accepted, and adds no notes to it', async () => {
    const filled = await fillTemplate(await blankTemplate('BLK', '2025-26-Q2'), clean);
    const { report, result } = await annotated(filled);
    expect(report.findings).toEqual([]);
    const parts = readZipEntries(result);
    expect([...parts.keys()].filter((name) => /comments|\.vml$/.test(name))).toEqual([]);
    const probed = probe(result);
    expect(probed.annotations.sheets.Feedback?.cells.A2?.value).toBe('Accepted: no problems found');
    expect(probed.annotations.sheets.Feedback?.cells.E6?.value).toBe('No problems found.');
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

describe.runIf(hasOpenpyxl && hasLibreOffice)('the annotated copy and LibreOffice', () => {
  it('re-opens in LibreOffice, which keeps the colours, notes, links and active tab', async () => {
    const filled = withoutBlankCells(
      await fillTemplate(await blankTemplate('BLK', '2025-26-Q2'), brokenValues()),
    );
    const { report, result } = await annotated(filled);
    const resaved = probe(resaveWithLibreOffice(result));
    for (const [key, { colour, messages }] of expectedCells(report)) {
      const [sheet, ref] = key.split('!') as [string, string];
      const cell = resaved.annotations.sheets[sheet]?.cells[ref];
      expect(cell?.fill?.fgColor, key).toBe(colour);
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
      expect(cell?.fill?.fgColor, key).toBe(colour);
      for (const message of messages) expect(cell?.comment, key).toContain(message);
      const was = before.annotations.sheets[sheet]?.cells[ref];
      if (was) expect(styleOf(cell), key).toEqual(styleOf(was));
    }
    for (const [sheet, { cells }] of Object.entries(before.annotations.sheets)) {
      for (const [ref, cell] of Object.entries(cells)) {
        if (!expected.has(`${sheet}!${ref}`))
          expect(after.annotations.sheets[sheet]?.cells[ref], `${sheet}!${ref}`).toEqual(cell);
      }
    }
    expect(after.names).toEqual(before.names);
    expect(after.annotations.activeSheet).toBe('Feedback');
    expect(Object.values(after.annotations.sheets).filter((sheet) => sheet.tabSelected)).toHaveLength(1);
    // Still the same return to the validator.
    const again = await validateReturn(result, context);
    expect(again.findings.map((finding) => finding.message)).toEqual(
      report.findings.map((finding) => finding.message),
    );
  });
});
