/**
 * Cell values as spreadsheets really hold them: what a grant holder may type
 * into a count, money or date cell, and what the validator makes of it.
 */
import type ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyFormatCode } from '../../functions/src/reading/read-workbook.js';
import {
  dateFromText,
  numberFromText,
  serialToIsoDate,
} from '../../functions/src/validation/interpret-values.js';
import { editWorkbook } from '../support/edit-workbook.js';
import { filledReturn, validate, validValues } from '../support/returns.js';

let clean: Buffer;
beforeAll(async () => {
  clean = await filledReturn(validValues());
});

/** Edits one count cell and returns the findings about it. */
async function typeInto(
  itemId: string,
  edit: (cell: ExcelJS.Cell) => void,
  workbookEdit?: (wb: ExcelJS.Workbook) => void,
) {
  const report = await validate(await editWorkbook(clean, { [itemId]: edit }, workbookEdit));
  return {
    report,
    about: report.findings.filter((finding) => finding.itemId === itemId || finding.cells.length === 1),
  };
}

describe('a count cell', () => {
  it.each([
    ['text with thousands separators', '1,234'],
    ['text with spaces around it', ' 42 '],
    ['text with a non-breaking space', '\u00a0 17'],
  ])('reads %s as a number', async (_what, text) => {
    const { report } = await typeInto('REACH.NEW_Q', (cell) => {
      cell.value = text;
    });
    expect(report.values?.items['REACH.NEW_Q']).toBe(Number(text.replace(/[,\s\u00a0]/g, '')));
  });

  it.each([
    [
      '"N/A"',
      (cell: ExcelJS.Cell) => (cell.value = 'N/A'),
      'value.not_a_number',
      /holds “N\/A”, which is not a number\. If there were none, enter 0/,
    ],
    [
      'a dash',
      (cell: ExcelJS.Cell) => (cell.value = '-'),
      'value.not_a_number',
      /holds “-”, which is not a number/,
    ],
    [
      'words',
      (cell: ExcelJS.Cell) => (cell.value = 'about forty'),
      'value.not_a_number',
      /with no words or symbols/,
    ],
    [
      'a negative count',
      (cell: ExcelJS.Cell) => (cell.value = -5),
      'value.negative',
      /is -5, but a count of children cannot be negative/,
    ],
    [
      'a decimal in a count',
      (cell: ExcelJS.Cell) => (cell.value = 12.5),
      'value.not_whole',
      /is 12\.5, but it counts children, so it must be a whole number/,
    ],
    [
      'a percentage typed as text',
      (cell: ExcelJS.Cell) => (cell.value = '45%'),
      'value.percentage',
      /looks like a percentage \(45%\), but it should be a count of children/,
    ],
    [
      'a number formatted as a percentage',
      (cell: ExcelJS.Cell) => {
        cell.value = 0.45;
        // exceljs shares style objects between cells: replace, never mutate.
        cell.style = { ...cell.style, numFmt: '0%' };
      },
      'value.percentage',
      /looks like a percentage \(45%\)/,
    ],
    ['TRUE', (cell: ExcelJS.Cell) => (cell.value = true), 'value.not_a_number', /holds “TRUE”/],
    [
      'a formula with no calculated value',
      (cell: ExcelJS.Cell) => (cell.value = { formula: 'SUM(C1:C2)' } as ExcelJS.CellFormulaValue),
      'value.formula_not_calculated',
      /holds a formula with no calculated result.*open the file in Excel/,
    ],
    [
      '#DIV/0!',
      (cell: ExcelJS.Cell) => (cell.value = { error: '#DIV/0!' } as ExcelJS.CellErrorValue),
      'value.error',
      /shows the error #DIV\/0! \(a division by zero\)/,
    ],
    [
      '#REF!',
      (cell: ExcelJS.Cell) => (cell.value = { error: '#REF!' } as ExcelJS.CellErrorValue),
      'value.error',
      /#REF! \(a formula refers to a cell that was deleted\)/,
    ],
    [
      'a blank',
      (cell: ExcelJS.Cell) => (cell.value = null),
      'value.missing',
      /is blank\. Enter 0 where there were none\. If you cannot report a figure this quarter, leave its cell blank and add a row to the explanations table/,
    ],
  ])('refuses %s with a finding at its cell', async (_what, edit, code, message) => {
    const { report } = await typeInto('REACH.NEW_Q', edit);
    const finding = report.findings.find((candidate) => candidate.code === code);
    expect(finding, JSON.stringify(report.findings)).toBeDefined();
    expect(finding?.message).toMatch(message);
    expect(finding?.cells).toEqual([{ sheet: 'How much', row: expect.any(Number), column: 3 }]);
    expect(finding?.message).toMatch(/^Children newly registered this quarter \('How much' C\d+\)/);
    // The bad value is said once: no rule piles on about the same cell.
    expect(
      report.findings.filter((other) =>
        other.cells.some((c) => c.row === finding?.cells[0]?.row && c.sheet === 'How much'),
      ),
    ).toHaveLength(1);
  });

  it('uses the cached value of a formula', async () => {
    const { report } = await typeInto('REACH.NEW_Q', (cell) => {
      cell.value = { formula: '40+2', result: 42 } as ExcelJS.CellFormulaValue;
    });
    expect(report.values?.items['REACH.NEW_Q']).toBe(42);
  });
});

describe('a date cell', () => {
  it.each([
    ['a date', (cell: ExcelJS.Cell) => (cell.value = new Date(Date.UTC(2025, 9, 14))), '2025-10-14'],
    ['UK text', (cell: ExcelJS.Cell) => (cell.value = '14/10/2025'), '2025-10-14'],
    ['ISO text', (cell: ExcelJS.Cell) => (cell.value = '2025-10-14'), '2025-10-14'],
    ['words', (cell: ExcelJS.Cell) => (cell.value = '14 Oct 2025'), '2025-10-14'],
  ])('reads %s', async (_what, edit, expected) => {
    const { report } = await typeInto('META.SIGNOFF_DATE', edit);
    expect(report.values?.items['META.SIGNOFF_DATE']).toBe(expected);
  });

  it('reads a serial in the 1904 date system', async () => {
    const { report } = await typeInto(
      'META.SIGNOFF_DATE',
      (cell) => {
        // 14 October 2025 is day 45,944 counted from 1900 and 1,462 fewer from 1904.
        cell.value = 44_482;
      },
      (workbook) => {
        workbook.properties.date1904 = true;
      },
    );
    expect(report.values?.items['META.SIGNOFF_DATE']).toBe('2025-10-14');
  });

  it.each([
    ['not a date', '31/02/2025', 'value.not_a_date'],
    ['before the quarter', '30/06/2025', 'value.date_too_early'],
    ['in the future', '01/01/2027', 'value.date_in_future'],
  ])('refuses a date %s', async (_what, text, code) => {
    const { report } = await typeInto('META.SIGNOFF_DATE', (cell) => {
      cell.value = text;
    });
    expect(report.findings.map((finding) => finding.code)).toContain(code);
  });
});

describe('groups a repeated mistake', () => {
  it('into one finding listing every cell', async () => {
    const ids = ['REACH.PREG_Q', 'REACH.PARENT_Q', 'REACH.NEW_Q', 'ACT.SESSIONS', 'QUAL.REFERRALS'];
    const edits = Object.fromEntries(ids.map((id) => [id, (cell: ExcelJS.Cell) => (cell.value = 'n/a')]));
    const report = await validate(await editWorkbook(clean, edits));
    const notNumbers = report.findings.filter((finding) => finding.code === 'value.not_a_number');
    expect(notNumbers).toHaveLength(1);
    expect(notNumbers[0]?.cells).toHaveLength(5);
    expect(notNumbers[0]?.message).toMatch(/^5 cells hold “n\/a”, which is not a number: Pregnant women/);
  });
});

describe('text parsing', () => {
  it.each([
    ['1,234', false, 1234],
    ['1,234.5', false, 1234.5],
    ['£1,250.50', true, 1250.5],
    ['− 3', false, undefined],
    ['−3', false, -3],
    ['1.234,5', false, undefined],
    ['12,34', false, undefined],
    ['45 %', false, 'percentage'],
    ['', false, undefined],
  ])('numberFromText(%j)', (text, money, expected) => {
    expect(numberFromText(text, money)).toBe(expected);
  });

  it.each([
    ['30/09/2025', '2025-09-30'],
    ['30.09.25', '2025-09-30'],
    ['2025-09-30T00:00:00', '2025-09-30'],
    ['30-Sep-2025', '2025-09-30'],
    ['29/02/2025', undefined],
    ['September', undefined],
  ])('dateFromText(%j)', (text, expected) => {
    expect(dateFromText(text)).toBe(expected);
  });

  it.each([
    [1, false, '1900-01-01'],
    [59, false, '1900-02-28'],
    [60, false, undefined],
    [61, false, '1900-03-01'],
    [45_930, false, '2025-09-30'],
    [0, true, undefined],
    [1, true, '1904-01-02'],
  ])('serialToIsoDate(%d, 1904=%s)', (serial, date1904, expected) => {
    expect(serialToIsoDate(serial, date1904)).toBe(expected);
  });

  it.each([
    ['General', 'general'],
    ['0%', 'percent'],
    ['#,##0', 'general'],
    ['"£"#,##0.00', 'general'],
    ['dd/mm/yyyy', 'date'],
    ['[$-F800]dddd, mmmm dd, yyyy', 'date'],
    ['h:mm', 'time'],
    ['[h]:mm:ss', 'time'],
    ['"days"0', 'general'],
    ['[Red]0.00', 'general'],
  ])('classifyFormatCode(%j)', (code, kind) => {
    expect(classifyFormatCode(code)).toBe(kind);
  });
});
