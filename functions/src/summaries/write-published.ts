/**
 * The published workbook: what may leave the funder. Statistical disclosure
 * control as the programme agreed: counts from 1 to 7 shown as `c`, other
 * counts rounded to the nearest 5, rates computed from the rounded figures, and
 * secondary suppression so no suppressed count can be recovered from a total
 * or a breakdown. Government Statistical Service symbols: `c` confidential,
 * `x` not available, `z` not applicable. No free text from returns.
 *
 * input: a ProgrammeSummary → output: .xlsx bytes
 */
import ExcelJS from 'exceljs';
import type { LevelFigures, ProgrammeSummary } from '../aggregation/aggregate.js';
import { evaluateExpression } from '../dictionary/expression.js';
import type { Item } from '../dictionary/load-dictionary.js';
import { describePeriod, formatPeriod, formatYear, type Period } from '../programme/periods.js';
import type { Programme } from '../programme/programme.js';
import type { Site } from '../programme/sites.js';
import {
  type CellId,
  controlDisclosure,
  type PublishedValue,
  publishedRate,
  type Relation,
} from '../publication/disclosure.js';

export interface PublishedWorkbookInput {
  readonly summary: ProgrammeSummary;
  readonly sites: readonly Site[];
  readonly programme: Programme;
  readonly scope: 'quarter' | 'year';
  readonly generatedAt: Date;
}

const PROGRAMME = 'PROGRAMME';
const HEADER = 'FF1F4E79';

export interface PublishedTables {
  /** Column keys: site codes, then PROGRAMME. */
  readonly columns: readonly string[];
  readonly counts: ReadonlyArray<{ readonly item: Item; readonly values: readonly PublishedValue[] }>;
  readonly money: ReadonlyArray<{ readonly item: Item; readonly values: readonly PublishedValue[] }>;
  readonly indicators: ReadonlyArray<{
    readonly id: string;
    readonly label: string;
    readonly rows: ReadonlyArray<{
      readonly column: string;
      readonly numerator: PublishedValue;
      readonly denominator: PublishedValue;
      readonly rate: PublishedValue;
    }>;
  }>;
}

/** The disclosure-controlled figures, apart from how they are laid out. */
export function publishedTables(input: PublishedWorkbookInput): PublishedTables {
  const { summary } = input;
  const dictionary = summary.dictionary;
  const last = formatPeriod(summary.quarters.at(-1) as Period);
  const levelOf = (column: string): LevelFigures | undefined =>
    column === PROGRAMME
      ? input.scope === 'quarter'
        ? summary.programmeQuarter.get(last)
        : summary.programmeYearToDate
      : input.scope === 'quarter'
        ? summary.siteQuarter.get(`${column} ${last}`)
        : summary.siteYearToDate.get(column);
  const columns = [...summary.sites, PROGRAMME];
  const countItems = dictionary.items.filter((item) => item.type === 'count');
  const moneyItems = dictionary.items.filter((item) => item.type === 'money');
  const id = (itemId: string, column: string): CellId => `${itemId}|${column}`;

  const counts = new Map<CellId, number | 'x' | 'z'>();
  for (const item of countItems) {
    for (const column of columns) {
      const figure = levelOf(column)?.items.get(item.id);
      counts.set(
        id(item.id, column),
        figure?.notApplicable ? 'z' : figure?.value === undefined ? 'x' : figure.value,
      );
    }
  }
  const relations: Relation[] = [];
  for (const item of countItems) {
    const parts = summary.sites
      .map((site) => id(item.id, site))
      .filter((cell) => typeof counts.get(cell) === 'number');
    if (typeof counts.get(id(item.id, PROGRAMME)) === 'number' && parts.length > 0) {
      relations.push({ total: id(item.id, PROGRAMME), parts });
    }
  }
  for (const rule of dictionary.rules) {
    if (rule.kind !== 'sum_equals' || dictionary.item(rule.total)?.type !== 'count') continue;
    for (const column of columns) {
      const cells = [rule.total, ...rule.parts].map((itemId) => id(itemId, column));
      if (cells.every((cell) => typeof counts.get(cell) === 'number')) {
        relations.push({
          total: id(rule.total, column),
          parts: rule.parts.map((itemId) => id(itemId, column)),
        });
      }
    }
  }
  const { published, unprotected } = controlDisclosure({ counts, relations });
  if (unprotected.size > 0) {
    // Never publish a figure that could be worked out: fail loudly instead, for a maintainer to look at.
    throw new Error(
      `disclosure control left ${unprotected.size} suppressed counts recoverable: ${[...unprotected].join(', ')}`,
    );
  }
  const valueAt = (itemId: string, column: string): PublishedValue =>
    published.get(id(itemId, column)) ?? 'x';

  const indicators = dictionary.indicators.map((indicator) => ({
    id: indicator.id,
    label: indicator.label,
    rows: columns.map((column) => {
      const evaluate = (expression: typeof indicator.numeratorExpression): PublishedValue => {
        const symbols = expression.terms.map((term) => valueAt(term.itemId, column));
        const symbol = (['c', 'x', 'z'] as const).find((candidate) => symbols.includes(candidate));
        if (symbol) return symbol;
        return evaluateExpression(expression, (itemId) => valueAt(itemId, column) as number) as number;
      };
      const numerator = evaluate(indicator.numeratorExpression);
      const denominator = evaluate(indicator.denominatorExpression);
      return { column, numerator, denominator, rate: publishedRate(numerator, denominator) };
    }),
  }));

  const money = moneyItems.map((item) => ({
    item,
    values: columns.map((column): PublishedValue => {
      const figure = levelOf(column)?.items.get(item.id);
      return figure?.notApplicable ? 'z' : figure?.value === undefined ? 'x' : Math.round(figure.value);
    }),
  }));
  return {
    columns,
    counts: countItems.map((item) => ({ item, values: columns.map((column) => valueAt(item.id, column)) })),
    money,
    indicators,
  };
}

export async function writePublishedWorkbook(input: PublishedWorkbookInput): Promise<Buffer> {
  const tables = publishedTables(input);
  const { summary } = input;
  const last = summary.quarters.at(-1) as Period;
  const scopeText =
    input.scope === 'quarter' ? describePeriod(last) : `${formatYear(summary.startYear)} year to date`;
  const workbook = new ExcelJS.Workbook();
  workbook.creator = input.programme.funder;
  workbook.created = input.generatedAt;
  workbook.title = `${input.programme.name}: published figures, ${scopeText}`;
  const columnName = (column: string) =>
    column === PROGRAMME
      ? 'Programme'
      : (input.sites.find((site) => site.code === column)?.shortName ?? column);

  const notes = workbook.addWorksheet('Notes', {
    pageSetup: { paperSize: 9, orientation: 'portrait', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  notes.getColumn(1).width = 110;
  const lines: Array<[string, boolean]> = [
    [`${input.programme.name}: published figures, ${scopeText}`, true],
    [`Published by ${input.programme.funder} on ${input.generatedAt.toISOString().slice(0, 10)}.`, false],
    ['', false],
    ['Disclosure control', true],
    [
      'Counts from 1 to 7 are not shown (c), so that no family can be identified. Other counts are rounded to the nearest 5.',
      false,
    ],
    [
      'Where a count is suppressed, at least one other figure in the same total or breakdown is also suppressed, so that it cannot be worked out by subtraction.',
      false,
    ],
    [
      'Rates are calculated from the rounded figures, so they may differ slightly from rates calculated from exact counts.',
      false,
    ],
    ['Totals are rounded independently, so rounded parts may not add up to the rounded total.', false],
    ['', false],
    ['Symbols (Government Statistical Service)', true],
    ['c  confidential: suppressed to protect confidentiality', false],
    ['x  not available: no accepted return, or the figure was not reported', false],
    ['z  not applicable: for example, unique people in a quarter are never added across quarters', false],
  ];
  lines.forEach(([text, bold], index) => {
    const cell = notes.getCell(index + 1, 1);
    cell.value = text;
    cell.font = bold ? { bold: true, size: index === 0 ? 14 : 12, color: { argb: HEADER } } : {};
    cell.alignment = { wrapText: true };
  });

  const table = (
    name: string,
    headings: readonly string[],
    rows: ReadonlyArray<ReadonlyArray<string | number>>,
    formats: ReadonlyArray<string | undefined>,
  ) => {
    const sheet = workbook.addWorksheet(name, {
      views: [{ state: 'frozen', ySplit: 3, xSplit: 2 }],
      pageSetup: {
        paperSize: 9,
        orientation: 'landscape',
        fitToPage: true,
        fitToWidth: 1,
        fitToHeight: 0,
        printTitlesRow: '3:3',
      },
    });
    sheet.getCell('A1').value = `${name}, ${scopeText}`;
    sheet.getCell('A1').font = { bold: true, size: 13, color: { argb: HEADER } };
    headings.forEach((heading, index) => {
      const cell = sheet.getCell(3, index + 1);
      cell.value = heading;
      cell.font = { bold: true, color: { argb: 'FFFFFFFF' } };
      cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: HEADER } };
      sheet.getColumn(index + 1).width = index === 1 ? 50 : index === 0 ? 22 : 14;
    });
    rows.forEach((values, rowIndex) => {
      values.forEach((value, column) => {
        const cell = sheet.getCell(4 + rowIndex, column + 1);
        cell.value = value;
        const format = formats[column];
        if (typeof value === 'number' && format) cell.numFmt = format;
        if (typeof value === 'string' && column >= 2) cell.alignment = { horizontal: 'right' };
      });
    });
    sheet.autoFilter = { from: { row: 3, column: 1 }, to: { row: 3 + rows.length, column: headings.length } };
  };

  const siteHeadings = tables.columns.map(columnName);
  table(
    'Counts',
    ['Item ID', 'Item', ...siteHeadings],
    tables.counts.map(({ item, values }) => [item.id, item.label, ...values]),
    ['', '', ...tables.columns.map(() => '#,##0')],
  );
  table(
    'Spend',
    ['Item ID', 'Item', ...siteHeadings],
    tables.money.map(({ item, values }) => [item.id, `${item.label} (£, nearest pound)`, ...values]),
    ['', '', ...tables.columns.map(() => '"£"#,##0')],
  );
  table(
    'Indicators',
    ['Indicator ID', 'Indicator', 'Level', 'Numerator', 'Denominator', 'Rate'],
    tables.indicators.flatMap((indicator) =>
      indicator.rows.map((row) => [
        indicator.id,
        indicator.label,
        columnName(row.column),
        row.numerator,
        row.denominator,
        row.rate,
      ]),
    ),
    ['', '', '', '#,##0', '#,##0', '0.0%'],
  );
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
