/**
 * A template with the site's last accepted figures: each shown beside its input, in the
 * definition column, for reference; the input itself stays empty, so nothing is sent unchecked.
 */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { writeTemplate } from '../../functions/src/template/write-template.js';
import { period, testReference } from '../support/reference.js';
import { validValues } from '../support/returns.js';

async function template(lastAccepted?: Parameters<typeof writeTemplate>[0]['lastAccepted']) {
  const reference = testReference();
  const bytes = await writeTemplate({
    dictionary: reference.dictionaries.forPeriod(period('2025-26-Q2')),
    programme: reference.programme,
    site: reference.sites.get('BLK'),
    sites: reference.sites.sites,
    period: period('2025-26-Q2'),
    generatedAt: new Date('2025-10-01T09:00:00Z'),
    ...(lastAccepted ? { lastAccepted } : {}),
  });
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  return workbook;
}

/** The input cell an item's name points at, and the definition cell beside it. */
function cellsOf(workbook: ExcelJS.Workbook, itemId: string) {
  const [range] = workbook.definedNames.getRanges(itemId).ranges;
  const match = /^'?(.+?)'?!\$([A-Z]+)\$(\d+)$/.exec(range ?? '');
  if (!match) throw new Error(`no name ${itemId}`);
  const sheet = workbook.getWorksheet(match[1] as string);
  if (!sheet) throw new Error(`no sheet ${match[1]}`);
  const row = Number(match[3]);
  const text = (value: ExcelJS.CellValue) =>
    value && typeof value === 'object' && 'richText' in value
      ? value.richText.map((run) => run.text).join('')
      : String(value ?? '');
  return {
    input: sheet.getCell(`${match[2]}${row}`).value,
    beside: text(sheet.getCell(`F${row}`).value),
  };
}

describe('a template with the last accepted figures', () => {
  const values = validValues('BLK', '2025-26-Q1', 7);

  it('shows each figure beside its input, never as the value', async () => {
    const workbook = await template({ period: period('2025-26-Q1'), values });
    const population = values.items['REACH.ELIG_POP'] as number;
    const cells = cellsOf(workbook, 'REACH.ELIG_POP');
    expect(cells.beside).toContain(`Your 2025-26 Q1 figure: ${population.toLocaleString('en-GB')}`);
    expect(cells.input ?? null).toBeNull();
    // The site and quarter are this template's own, not last quarter's.
    expect(cellsOf(workbook, 'META.PERIOD').input).toBe('2025-26-Q2');
    expect(cellsOf(workbook, 'META.PERIOD').beside).not.toContain('Your 2025-26 Q1 figure');
  });

  it('is the blank template when there is no earlier accepted return', async () => {
    const cells = cellsOf(await template(), 'REACH.ELIG_POP');
    expect(cells.beside).not.toContain('figure:');
  });
});
