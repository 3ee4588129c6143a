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
import { compareWithBenchmark, wilsonInterval } from '../aggregation/statistics.js';
import type { Item } from '../dictionary/load-dictionary.js';
import type { Benchmarks } from '../programme/benchmarks.js';
import { describePeriod, formatPeriod, formatYear, type Period } from '../programme/periods.js';
import type { Programme } from '../programme/programme.js';
import type { Site } from '../programme/sites.js';
import type { CellId, PublishedValue } from '../publication/disclosure.js';
import { indicatorForms, publishedIndicator } from '../publication/published-rates.js';
import { cellId, releaseModel } from '../publication/release-cells.js';
import { informationCost, protectRelease } from '../publication/suppression.js';
import { toCsv } from './write-csv.js';

export interface PublishedWorkbookInput {
  readonly summary: ProgrammeSummary;
  readonly sites: readonly Site[];
  readonly programme: Programme;
  readonly scope: 'quarter' | 'year';
  readonly generatedAt: Date;
  /** England comparators, for the comparison column; absent means none shown. */
  readonly benchmarks?: Benchmarks;
  /** The counts as a release shows them (audited); absent for a draft. */
  readonly published?: ReadonlyMap<CellId, PublishedValue>;
  /** What the About sheet says of the release: its number and what changed since the last one. */
  readonly release?: PublishedReleaseNotes;
}

export interface PublishedReleaseNotes {
  readonly number: number;
  readonly publishedBy: string;
  /** Plain sentences: what changed since the previous release and why; empty for a first release. */
  readonly changes: readonly string[];
  /** Which returns the release may use, when the programme limits it (only signed-off returns). */
  readonly basis?: string;
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

/**
 * The disclosure-controlled figures, apart from how they are laid out. The
 * counts shown are `published` (a release's audited choice); without it, a
 * draft is protected here the same way, with no earlier releases to respect.
 */
export async function publishedTables(input: PublishedWorkbookInput): Promise<PublishedTables> {
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

  let published = input.published;
  if (!published) {
    const model = releaseModel(summary, input.scope);
    const draft = await protectRelease({
      name: 'draft',
      series: 'draft',
      model,
      earlier: [],
      cost: informationCost(dictionary),
    });
    if (!draft.audit.passed) {
      // Never show a figure that could be narrowed too far: fail loudly instead, for a maintainer to look at.
      throw new Error(
        `disclosure control could not protect ${draft.audit.failures.length} counts: ${draft.audit.failures.map((row) => row.quantity).join(', ')}`,
      );
    }
    published = draft.published;
  }
  const shown = published;
  const valueAt = (itemId: string, column: string): PublishedValue =>
    shown.get(cellId(itemId, column)) ?? 'x';

  const indicators = dictionary.indicators.map((indicator) => {
    const forms = indicatorForms(dictionary, indicator);
    return {
      id: indicator.id,
      label: indicator.label,
      rows: columns.map((column) => ({
        column,
        ...publishedIndicator(forms, (itemId) => valueAt(itemId, column)),
      })),
    };
  });

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
  const tables = await publishedTables(input);
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

  // Notes print on A4 portrait as they read on screen: one column the width of the page, wrapped, each
  // row as tall as its text (spreadsheets do not grow a row for wrapped text they did not lay out).
  const notes = workbook.addWorksheet('Notes', {
    pageSetup: {
      paperSize: 9,
      orientation: 'portrait',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      margins: { left: 0.7, right: 0.7, top: 0.75, bottom: 0.75, header: 0.3, footer: 0.3 },
    },
    headerFooter: { oddFooter: `&L${input.programme.name}: published figures&RPage &P of &N` },
  });
  const NOTE_WIDTH = 78;
  notes.getColumn(1).width = NOTE_WIDTH;
  const release = input.release;
  const lines: Array<[string, boolean]> = [
    [`${input.programme.name}: published figures, ${scopeText}`, true],
    [
      release
        ? `Release ${release.number}, published by ${input.programme.funder} on ${input.generatedAt.toISOString().slice(0, 10)} (${release.publishedBy}). This release is frozen: any change comes as a new, numbered release.`
        : `Draft, not a release: made on ${input.generatedAt.toISOString().slice(0, 10)} for checking, not for publication. Figures leave ${input.programme.funder} only as a numbered release.`,
      false,
    ],
    ['', false],
    ['What changed since the previous release', true],
    ...(release && release.changes.length > 0
      ? release.changes.map((line): [string, boolean] => [line, false])
      : ([
          [
            release ? 'This is the first release of these figures.' : 'A draft has no previous release.',
            false,
          ],
        ] as Array<[string, boolean]>)),
    ['', false],
    ['What the figures cover', true],
    ...coverageLines(input).map((line): [string, boolean] => [line, false]),
    ...(release?.basis ? [[release.basis, false] as [string, boolean]] : []),
    ['', false],
    ['Disclosure control', true],
    [
      'Counts from 1 to 7 are not shown (c), so that no family can be identified. Other counts are rounded to the nearest 5.',
      false,
    ],
    [
      'Before release, every figure in this release and in every earlier release of the same year was checked together, as someone trying to work out a hidden count would combine them (the published rules: breakdowns add up to their totals, sites to the programme, quarters to the year). No hidden count can be narrowed to fewer than 8 possible values. Where that needed more figures hidden, the ones hidden were chosen so that rates stay visible wherever possible.',
      false,
    ],
    [
      'Rates are calculated from the rounded figures shown, so they may differ slightly from rates calculated from exact counts. Where the direct figures are hidden, a rate may be calculated through a published rule (smokers ÷ (smokers + non-smokers) is the smoking rate, since maternities minus unknown status equals smokers plus non-smokers).',
      false,
    ],
    [
      'Confidence intervals (Wilson score, 95%) and the comparison with England are calculated from the same rounded figures, never from exact counts, so they reveal nothing the check above has not cleared. Rounding changes a count by at most 2, so the intervals are close to those from exact counts; for small denominators, read them as approximate.',
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
    cell.alignment = { wrapText: true, vertical: 'top' };
    // About 1.1 characters of body text per unit of column width; 15 points a line (18 for headings).
    const lineCount = Math.max(1, Math.ceil(text.length / (NOTE_WIDTH * 1.05)));
    notes.getRow(index + 1).height = bold ? 20 : lineCount * 15 + 2;
  });
  notes.pageSetup.printArea = `A1:A${lines.length}`;

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
      sheet.getColumn(index + 1).width = index === 1 ? 50 : index === 0 ? 27 : 14;
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
    [
      'Indicator ID',
      'Indicator',
      'Level',
      'Numerator',
      'Denominator',
      'Rate',
      '95% CI lower',
      '95% CI upper',
      'England',
      'Compared with England',
    ],
    tables.indicators.flatMap((indicator) =>
      indicator.rows.map((row) => {
        const interval =
          typeof row.numerator === 'number' && typeof row.denominator === 'number'
            ? wilsonInterval(Math.min(row.numerator, row.denominator), row.denominator)
            : undefined;
        const definition = summary.dictionary.indicators.find((entry) => entry.id === indicator.id);
        const england = input.benchmarks?.for(indicator.id, summary.startYear)?.value;
        const comparison =
          interval && definition
            ? compareWithBenchmark(interval, england, definition.polarity)
            : 'not compared';
        const symbol = typeof row.rate === 'number' ? 'z' : row.rate;
        return [
          indicator.id,
          indicator.label,
          columnName(row.column),
          row.numerator,
          row.denominator,
          row.rate,
          interval ? interval.lower : symbol,
          interval ? interval.upper : symbol,
          england ?? 'x',
          comparison,
        ];
      }),
    ),
    ['', '', '', '#,##0', '#,##0', '0.0%', '0.0%', '0.0%', '0.0%', ''],
  );
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Which sites and quarters the figures cover, in plain sentences. */
function coverageLines(input: PublishedWorkbookInput): string[] {
  const { summary } = input;
  const name = (code: string) => input.sites.find((site) => site.code === code)?.shortName ?? code;
  const last = summary.quarters.at(-1) as Period;
  if (input.scope === 'quarter') {
    const reported = summary.returns
      .filter((entry) => entry.period.quarter === last.quarter)
      .map((entry) => entry.site);
    const missing = summary.sites.filter((site) => !reported.includes(site));
    return [
      `${reported.length} of ${summary.sites.length} sites have an accepted return for ${describePeriod(last)}.${missing.length > 0 ? ` Not included (no accepted return): ${missing.map(name).join(', ')}; their columns show x and the programme total covers the others only.` : ''}`,
    ];
  }
  const lines: string[] = [];
  const possible = summary.sites.length * summary.quarters.length;
  lines.push(
    `The year to date covers ${summary.returns.length} of ${possible} site-quarters (${summary.sites.length} sites × ${summary.quarters.length} quarters, ${formatPeriod(summary.quarters[0] as Period)} to ${formatPeriod(last)}).`,
  );
  for (const site of summary.sites) {
    const quarters = summary.returns
      .filter((entry) => entry.site === site)
      .map((entry) => `Q${entry.period.quarter}`)
      .sort();
    const latest = quarters.at(-1);
    lines.push(
      quarters.length === 0
        ? `${name(site)}: no accepted return this year (x).`
        : `${name(site)}: ${quarters.join(', ')}. Counts of events add up these quarters; figures at a point in time (eligible population, children reached this year) are from ${latest}${latest === `Q${last.quarter}` ? '' : `, not Q${last.quarter}, so they are from a different quarter than the other sites'`}.`,
    );
  }
  return lines;
}

/** The published figures as tidy CSV: one row per figure, GSS symbols as text. No personal data, no free text. */
export async function publishedCsv(input: PublishedWorkbookInput): Promise<string> {
  const tables = await publishedTables(input);
  const rows: Array<Array<string | number>> = [];
  const columnName = (column: string) =>
    column === PROGRAMME
      ? 'Programme'
      : (input.sites.find((site) => site.code === column)?.shortName ?? column);
  const scope =
    input.scope === 'quarter'
      ? formatPeriod(input.summary.quarters.at(-1) as Period)
      : `${formatYear(input.summary.startYear)} year to date`;
  const release = input.release ? input.release.number : 'draft';
  for (const { item, values } of [...tables.counts, ...tables.money]) {
    values.forEach((value, index) => {
      const column = tables.columns[index] as string;
      rows.push([release, scope, column, columnName(column), item.id, item.label, 'figure', value]);
    });
  }
  for (const indicator of tables.indicators) {
    for (const row of indicator.rows) {
      for (const [measure, value] of [
        ['numerator', row.numerator],
        ['denominator', row.denominator],
        ['rate', row.rate],
      ] as const) {
        rows.push([
          release,
          scope,
          row.column,
          columnName(row.column),
          indicator.id,
          indicator.label,
          measure,
          value,
        ]);
      }
    }
  }
  return toCsv(['release', 'period', 'level_code', 'level', 'id', 'label', 'measure', 'value'], rows);
}
