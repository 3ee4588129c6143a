/**
 * Filling a template through its defined names with our exceljs filler: what it
 * refuses, next year's items, and how it writes dates and numbers. The same
 * filler read back by openpyxl, beside an independent openpyxl filler, is in
 * tests/differential/fill-template.test.ts.
 */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { syntheticReturn } from '../../functions/src/demo/synthetic-return.js';
import { fillTemplate } from '../../functions/src/template/fill-template.js';
import { blankTemplate, period, testReference } from '../support/reference.js';

const reference = testReference();
const dictionary = reference.dictionaries.get('2025-26');
const site = reference.sites.get('LAM');
const values = syntheticReturn(dictionary, site, period('2025-26-Q2'), {
  seed: 7,
  previous: syntheticReturn(dictionary, site, period('2025-26-Q1'), { seed: 7 }),
});

describe('fillTemplate', () => {
  it('refuses a value whose ID has no name in the template, naming it', async () => {
    const template = await blankTemplate('LAM', '2025-26-Q2');
    await expect(
      fillTemplate(template, { items: { 'REACH.NOT_AN_ITEM': 3, 'BF.DUE': 4 }, tables: {} }),
    ).rejects.toThrow(/no defined name REACH\.NOT_AN_ITEM/);
    await expect(
      fillTemplate(template, { items: {}, tables: { SERVICES: [{ NAME: 'Stay and play', NOPE: 1 }] } }),
    ).rejects.toThrow(/no defined name SERVICES\.NOPE/);
  });

  it('refuses more table rows than the template has room for', async () => {
    const template = await blankTemplate('LAM', '2025-26-Q2');
    const rows = Array.from({ length: 61 }, (_, i) => ({ NAME: `Service ${i + 1}` }));
    await expect(fillTemplate(template, { items: {}, tables: { SERVICES: rows } })).rejects.toThrow(
      /SERVICES has 61 rows, but SERVICES\.NAME has room for 60/,
    );
  });

  it("fills next year's template with next year's items, and refuses last year's renamed one", async () => {
    const nextYear = reference.dictionaries.get('2026-27');
    const template = await blankTemplate('LAM', '2026-27-Q1');
    const next = syntheticReturn(nextYear, site, period('2026-27-Q1'), { seed: 7 });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await fillTemplate(template, next)) as unknown as ArrayBuffer);
    const [sheet, ref] = (workbook.definedNames.getRanges('REACH.CHILD_SEND_Q').ranges[0] ?? '').split('!');
    const cell = workbook
      .getWorksheet(sheet?.replace(/^'|'$/g, ''))
      ?.getCell(ref?.replaceAll('$', '') ?? 'A1');
    expect(cell?.value).toBe(next.items['REACH.CHILD_SEND_Q']);
    await expect(
      fillTemplate(template, { items: { ...next.items, 'REACH.NEW_Q': 12 }, tables: {} }),
    ).rejects.toThrow(/no defined name REACH\.NEW_Q/);
  });

  it('writes dates as Excel date serials with a date format, and numbers as numbers', async () => {
    const filled = await fillTemplate(await blankTemplate('LAM', '2025-26-Q2'), values);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(filled as unknown as ArrayBuffer);
    const cellNamed = (name: string) => {
      const [sheet, ref] = (workbook.definedNames.getRanges(name).ranges[0] ?? '').split('!');
      return workbook.getWorksheet(sheet?.replace(/^'|'$/g, ''))?.getCell(ref?.replaceAll('$', '') ?? 'A1');
    };
    const signoff = cellNamed('META.SIGNOFF_DATE');
    expect(signoff?.type).toBe(ExcelJS.ValueType.Date);
    expect(signoff?.numFmt).toBe('dd/mm/yyyy');
    expect(signoff?.value).toEqual(new Date(`${values.items['META.SIGNOFF_DATE']}T00:00:00Z`));
    expect(cellNamed('FIN.SPEND_Q')?.value).toBe(values.items['FIN.SPEND_Q']);
    expect(cellNamed('META.CONTACT_EMAIL')?.value).toBe(values.items['META.CONTACT_EMAIL']);
  });
});
