/**
 * Finding the items: by name, by ID when names are lost, and refusing what is
 * not the template or is the wrong version of it.
 */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { patchWorkbook } from '../fixtures/hostile-workbooks.js';
import { editWorkbook } from '../support/edit-workbook.js';
import { blankTemplate } from '../support/reference.js';
import { filledReturn, validate, validValues } from '../support/returns.js';

function edit(bytes: Buffer, part: string, change: (xml: string) => string): Buffer {
  return patchWorkbook(bytes, (parts) => {
    const xml = parts.get(part)?.toString('utf8');
    if (xml === undefined) throw new Error(`no ${part}`);
    parts.set(part, Buffer.from(change(xml), 'utf8'));
  });
}

describe('locating items', () => {
  it('finds items by their IDs on the sheet when the names are gone, and says so', async () => {
    const values = validValues();
    const bytes = edit(await filledReturn(values), 'xl/workbook.xml', (xml) =>
      xml.replace(/<definedNames>.*<\/definedNames>/s, ''),
    );
    const report = await validate(bytes);
    expect(report.findings.map((finding) => finding.code)).toEqual(['template.names_missing']);
    expect(report.findings[0]?.severity).toBe('warning');
    expect(report.findings[0]?.message).toMatch(
      /^\d+ of the workbook’s named cells were missing or broken .* found by their item ID on the sheet instead/,
    );
    expect(report.values?.items).toEqual(values.items);
    expect(report.values?.tables.SERVICES).toEqual(values.tables.SERVICES);
  });

  it('follows a name when the user inserted rows above the item', async () => {
    const values = validValues();
    const template = await blankTemplate();
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(template as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Better off');
    sheet?.spliceRows(6, 0, ['a note of our own'], []);
    // exceljs does not move names with inserted rows; Excel does. Move them as Excel would.
    for (const item of ['BF.DUE', 'BF.TOTAL', 'BF.PARTIAL', 'BF.NONE', 'BF.UNKNOWN']) {
      const [range] = workbook.definedNames.getRanges(item).ranges;
      const [, row] = /\$C\$(\d+)$/.exec(range as string) ?? [];
      workbook.definedNames.remove(range as string, item);
      workbook.definedNames.add(`'Better off'!$C$${Number(row) + 2}`, item);
    }
    const moved = Buffer.from(await workbook.xlsx.writeBuffer());
    const { fillTemplate } = await import('../../functions/src/template/fill-template.js');
    const report = await validate(await fillTemplate(moved, values));
    expect(report.status).toBe('accepted');
    const bfDue = report.values?.items['BF.DUE'];
    expect(bfDue).toBe(values.items['BF.DUE']);
  });

  it('refuses a workbook that is not the template', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Sheet1').getCell('A1').value = 'Our own quarterly figures';
    const report = await validate(Buffer.from(await workbook.xlsx.writeBuffer()));
    expect(report.findings).toMatchObject([{ code: 'template.not_template', severity: 'fatal' }]);
    expect(report.findings[0]?.message).toMatch(
      /^This workbook is not the funder’s quarterly monitoring template/,
    );
  });

  it('refuses a template version it does not know', async () => {
    const bytes = await editWorkbook(await filledReturn(validValues()), {}, (workbook) => {
      const meta = workbook.getWorksheet('_meta');
      meta?.eachRow((row) => {
        if (row.getCell(1).value === 'dictionaryVersion') row.getCell(2).value = '2019-20';
      });
    });
    const report = await validate(bytes);
    expect(report.findings).toMatchObject([
      { code: 'template.unknown_version', severity: 'fatal', value: '2019-20' },
    ]);
  });

  it('refuses last year’s template used for a quarter with a new dictionary', async () => {
    const values = validValues('BLK', '2026-27-Q1', 1);
    const { 'REACH.NEWREG_Q': _new, 'REACH.CHILD_SEND_Q': _added, ...items } = values.items;
    const { fillTemplate } = await import('../../functions/src/template/fill-template.js');
    const bytes = await fillTemplate(await blankTemplate('BLK', '2026-27-Q1', '2025-26'), {
      items,
      tables: values.tables,
    });
    const report = await validate(bytes, { now: new Date('2026-08-01T00:00:00Z') });
    expect(report.findings).toMatchObject([{ code: 'template.wrong_version', severity: 'fatal' }]);
    expect(report.findings[0]?.message).toContain(
      'made with the 2025-26 template, but returns for 2026-27 Q1 use the 2026-27 data dictionary',
    );
  });

  it('checks a next-year return with next year’s dictionary', async () => {
    const { fillTemplate } = await import('../../functions/src/template/fill-template.js');
    const bytes = await fillTemplate(
      await blankTemplate('BLK', '2026-27-Q1'),
      validValues('BLK', '2026-27-Q1', 2),
    );
    const report = await validate(bytes, { now: new Date('2026-08-01T00:00:00Z') });
    expect(report.dictionaryVersion).toBe('2026-27');
    expect(report.findings).toEqual([]);
    expect(report.values?.items['REACH.NEWREG_Q']).toBeTypeOf('number');
  });
});
