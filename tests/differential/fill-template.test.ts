/**
 * Filling a template through its defined names, with our exceljs filler and with
 * an independent one (openpyxl), each read back by openpyxl: every value in its
 * named cell, dates as dates, and the template's names, validations, protection
 * and very hidden `_meta` sheet intact.
 */
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticReturn } from '../../functions/src/demo/synthetic-return.js';
import { columnNumber } from '../../functions/src/dictionary/excel-names.js';
import type { ReturnValues } from '../../functions/src/returns/return-values.js';
import { fillTemplate } from '../../functions/src/template/fill-template.js';
import { fillWithOpenpyxl } from '../support/fill-with-openpyxl.js';
import { hasOpenpyxl, type ProbedWorkbook, probeWorkbook } from '../support/outside-programs.js';
import { blankTemplate, period, testReference } from '../support/reference.js';

const reference = testReference();
const dictionary = reference.dictionaries.get('2025-26');
const site = reference.sites.get('LAM');
const values = syntheticReturn(dictionary, site, period('2025-26-Q2'), {
  seed: 7,
  previous: syntheticReturn(dictionary, site, period('2025-26-Q1'), { seed: 7 }),
});
const SHEETS = [...dictionary.sections.map((section) => section.sheet), '_meta'];

/** `B34:B93` → the address of its nth cell down (0-based). */
function nthCell(ref: string, index: number): string {
  const [, letters, row] = /^([A-Z]+)(\d+)/.exec(ref) as unknown as [string, string, string];
  return `${letters}${Number(row) + index}`;
}

function rowsOf(ref: string): number {
  const [first, last] = ref.split(':');
  const row = (address: string | undefined) => Number(address?.replace(/^[A-Z]+/, ''));
  return last ? row(last) - row(first) + 1 : 1;
}

/** The names as the template defines them, without the values their cells hold. */
function nameShapes(probe: ProbedWorkbook) {
  return Object.fromEntries(
    Object.entries(probe.names).map(([name, { localSheetId, targets }]) => [
      name,
      { localSheetId, targets: targets.map(({ sheet, ref, locked }) => ({ sheet, ref, locked })) },
    ]),
  );
}

function sortedValidations(probe: ProbedWorkbook) {
  return Object.fromEntries(
    Object.entries(probe.validations).map(([sheet, rules]) => [
      sheet,
      [...rules].sort((a, b) => a.sqref.localeCompare(b.sqref)),
    ]),
  );
}

function expandRefs(sqref: string): string[] {
  return sqref.split(' ').flatMap((ref) => {
    const [first, last = first] = ref.split(':') as [string, string?];
    const [, c1, r1] = /^([A-Z]+)(\d+)$/.exec(first) as unknown as [string, string, string];
    const [, c2, r2] = /^([A-Z]+)(\d+)$/.exec(last as string) as unknown as [string, string, string];
    const cells: string[] = [];
    for (let c = columnNumber(c1); c <= columnNumber(c2); c++) {
      for (let r = Number(r1); r <= Number(r2); r++) cells.push(`${c}:${r}`);
    }
    return cells;
  });
}

describe.runIf(hasOpenpyxl)('a template filled by exceljs and by openpyxl, read by openpyxl', () => {
  // Made in beforeAll, not while vitest collects: it runs the bodies of skipped describes too.
  const FILLERS = ['exceljs (fillTemplate)', 'openpyxl (fill_with_openpyxl.py)'] as const;
  let blank: ProbedWorkbook;
  const filled = new Map<string, ProbedWorkbook>();
  beforeAll(async () => {
    const template = await blankTemplate('LAM', '2025-26-Q2');
    blank = probeWorkbook(template, { cells: SHEETS });
    filled.set(FILLERS[0], probeWorkbook(await fillTemplate(template, values), { cells: SHEETS }));
    filled.set(FILLERS[1], probeWorkbook(fillWithOpenpyxl(template, values), { cells: SHEETS }));
  });

  describe.each(FILLERS)('filled by %s', (label) => {
    let probe: ProbedWorkbook;
    beforeAll(() => {
      probe = filled.get(label) as ProbedWorkbook;
    });

    it('puts every item in its named cell, dates as dates', () => {
      for (const item of dictionary.items) {
        const expected = values.items[item.id];
        const target = probe.names[item.id]?.targets[0];
        expect(target, item.id).toBeDefined();
        const landed = probe.cells[target?.sheet ?? '']?.[target?.ref ?? ''];
        if (expected === undefined) expect(landed, item.id).toBeUndefined();
        else if (item.type === 'date') expect(landed, item.id).toBe(`${expected}T00:00:00`);
        else expect(landed, item.id).toBe(expected);
      }
    });

    it('puts every table row in the next row of its named columns, and leaves the rest empty', () => {
      for (const table of dictionary.tables) {
        const rows = values.tables[table.id] ?? [];
        for (const column of table.columns) {
          const target = probe.names[column.name]?.targets[0];
          const cells = probe.cells[target?.sheet ?? ''] ?? {};
          const ref = target?.ref ?? '';
          for (let index = 0; index < rowsOf(ref); index++) {
            expect(cells[nthCell(ref, index)], `${column.name} row ${index + 1}`).toBe(
              rows[index]?.[column.id],
            );
          }
        }
      }
      expect(values.tables.SERVICES?.length).toBeGreaterThanOrEqual(20);
    });

    it('keeps every defined name, pointing where it did, with its cells still unlocked', () => {
      expect(nameShapes(probe)).toEqual(nameShapes(blank));
    });

    it('keeps the data validations exactly, with no overlapping ranges', () => {
      expect(sortedValidations(probe)).toEqual(sortedValidations(blank));
      for (const [sheet, rules] of Object.entries(probe.validations)) {
        const cells = rules.flatMap((rule) => expandRefs(rule.sqref));
        expect(new Set(cells).size, `${sheet} validations overlap`).toBe(cells.length);
      }
    });

    it('keeps the sheets, their protection and freeze panes, and the very hidden _meta sheet', () => {
      expect(probe.sheets).toEqual(blank.sheets);
      expect(probe.sheets.find((sheet) => sheet.title === '_meta')?.state).toBe('veryHidden');
      expect(probe.sheets.every((sheet) => sheet.protected)).toBe(true);
      expect(probe.epoch1904).toBe(false);
      expect(probe.cells._meta).toEqual(blank.cells._meta);
    });
  });

  it('gives the same cell values whichever program filled it', () => {
    const [exceljs, openpyxl] = FILLERS.map((label) => filled.get(label)) as [ProbedWorkbook, ProbedWorkbook];
    for (const sheet of dictionary.sections.map((section) => section.sheet)) {
      expect(exceljs.cells[sheet], sheet).toEqual(openpyxl.cells[sheet]);
    }
  });
});

describe.runIf(hasOpenpyxl)('fillTemplate and exceljs issue #2820', () => {
  it('writes back a validation over B9:B20 as one range, not B9:B20 and B10:B20', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Sheet');
    const rule = (min: number): ExcelJS.DataValidation => ({
      type: 'whole',
      operator: 'greaterThanOrEqual',
      formulae: [min],
      allowBlank: true,
    });
    const validations = (sheet as unknown as { dataValidations: { add(r: string, v: unknown): void } })
      .dataValidations;
    validations.add('B9:B20', rule(0));
    validations.add('C5:D12', rule(1));
    validations.add('E9', rule(0));
    workbook.definedNames.add('Sheet!$B$9:$B$20', 'T.COUNT');
    const template = Buffer.from(await workbook.xlsx.writeBuffer());
    const values: ReturnValues = { items: {}, tables: { T: [{ COUNT: 4 }, { COUNT: 5 }] } };

    const probe = probeWorkbook(await fillTemplate(template, values), { cells: ['Sheet'] });
    expect((probe.validations.Sheet ?? []).map((dv) => dv.sqref).sort()).toEqual(['B9:B20', 'C5:D12', 'E9']);
    expect(probe.cells.Sheet).toEqual({ B9: 4, B10: 5 });
  });
});
