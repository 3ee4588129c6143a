/**
 * Our reader against an independent one (openpyxl) over the same files: every
 * cell ours keeps must hold what openpyxl reads there. And a return filled in
 * by other programs, openpyxl or LibreOffice, is accepted with no errors.
 */
import { describe, expect, it } from 'vitest';
import { columnLetters } from '../../functions/src/dictionary/excel-names.js';
import { preflight } from '../../functions/src/reading/preflight.js';
import { type CellValue, readWorkbook } from '../../functions/src/reading/read-workbook.js';
import { serialToIsoDate } from '../../functions/src/validation/interpret-values.js';
import { editWorkbook } from '../support/edit-workbook.js';
import { fillWithOpenpyxl } from '../support/fill-with-openpyxl.js';
import {
  hasLibreOffice,
  hasOpenpyxl,
  probeWorkbook,
  resaveWithLibreOffice,
} from '../support/outside-programs.js';
import { blankTemplate } from '../support/reference.js';
import { filledReturn, validate, validValues } from '../support/returns.js';

/** What openpyxl would show for one of our cell values. */
function asOpenpyxlSees(value: CellValue, date1904: boolean): unknown {
  switch (value.type) {
    case 'number':
      return value.format === 'date' ? `${serialToIsoDate(value.number, date1904)}T00:00:00` : value.number;
    case 'string':
      return value.text;
    case 'boolean':
      return value.value;
    case 'error':
      return value.error;
    case 'isodate':
      return value.text;
  }
}

async function expectSameAsOpenpyxl(bytes: Buffer) {
  const contents = readWorkbook(await preflight(bytes));
  const sheets = contents.sheets.map((sheet) => sheet.name);
  const probe = probeWorkbook(bytes, { cells: sheets, dataOnly: true });
  let compared = 0;
  for (const sheet of sheets) {
    const theirs = probe.cells[sheet] ?? {};
    for (const cell of contents.cellsOf(sheet)) {
      if (!cell.value) continue;
      const ref = `${columnLetters(cell.column)}${cell.row}`;
      const expected = theirs[ref];
      const ours = asOpenpyxlSees(cell.value, contents.date1904);
      if (typeof expected === 'number' && typeof ours === 'number')
        expect(ours, `${sheet}!${ref}`).toBeCloseTo(expected, 9);
      else expect(ours, `${sheet}!${ref}`).toEqual(expected);
      compared++;
    }
    // And nothing openpyxl sees in the kept block is missing from ours.
    for (const [ref, value] of Object.entries(theirs)) {
      const match = /^([A-Z]+)(\d+)$/.exec(ref);
      if (!match || Number(match[2]) > 1000 || (match[1] as string).length > 1 || (match[1] as string) > 'H')
        continue;
      if (value === '' || value === null) continue;
      const column = (match[1] as string).charCodeAt(0) - 64;
      expect(contents.cell(sheet, Number(match[2]), column), `${sheet}!${ref} kept`).toBeDefined();
    }
  }
  expect(compared).toBeGreaterThan(100);
}

describe.runIf(hasOpenpyxl)('the reader agrees with openpyxl', () => {
  it('on a return filled in with exceljs', async () => {
    await expectSameAsOpenpyxl(await filledReturn(validValues('LAM', '2025-26-Q2', 3), 'LAM'));
  });

  it('on a return filled in with openpyxl', async () => {
    await expectSameAsOpenpyxl(
      fillWithOpenpyxl(await blankTemplate('NOT', '2025-26-Q1'), validValues('NOT', '2025-26-Q1', 4)),
    );
  });

  it('on formulas with cached values, errors, booleans, rich text and the 1904 date system', async () => {
    const bytes = await editWorkbook(
      await filledReturn(validValues()),
      {
        'REACH.NEW_Q': (cell) => {
          cell.value = { formula: '40+2', result: 42 };
        },
        'ACT.SESSIONS': (cell) => {
          cell.value = { error: '#DIV/0!' };
        },
        'ACT.ATTEND': (cell) => {
          cell.value = true;
        },
        'META.CONTACT_NAME': (cell) => {
          cell.value = { richText: [{ text: 'Jo ' }, { font: { bold: true }, text: 'Bloggs & Co <data>' }] };
        },
      },
      (workbook) => {
        workbook.properties.date1904 = true;
      },
    );
    await expectSameAsOpenpyxl(bytes);
  });

  it.runIf(hasLibreOffice)('on a return re-saved by LibreOffice', async () => {
    await expectSameAsOpenpyxl(
      resaveWithLibreOffice(await filledReturn(validValues('SEN', '2025-26-Q3', 5), 'SEN', '2025-26-Q3')),
    );
  });
});

describe('a return filled in by another program', () => {
  it.runIf(hasOpenpyxl)('openpyxl: accepted with no findings', async () => {
    const bytes = fillWithOpenpyxl(
      await blankTemplate('BLK', '2025-26-Q2'),
      validValues('BLK', '2025-26-Q2', 7),
    );
    const report = await validate(bytes);
    expect(report.findings).toEqual([]);
    expect(report.status).toBe('accepted');
  });

  it.runIf(hasLibreOffice)('LibreOffice: accepted with no findings after it re-saves the file', async () => {
    const report = await validate(
      resaveWithLibreOffice(await filledReturn(validValues('BLK', '2025-26-Q2', 8))),
    );
    expect(report.findings).toEqual([]);
    expect(report.status).toBe('accepted');
  });
});
