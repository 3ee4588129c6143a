/**
 * The programme workbook, for the funder's staff: an Outcomes Based
 * Accountability report card first, then every figure behind it. Written with
 * exceljs. Text that came from returns is always written as a string value, so
 * nothing a partnership typed (`=HYPERLINK(…)`, `+44…`, `@…`) ever becomes a
 * formula.
 *
 * Sheets: Overview, one per section with numeric items (sites as columns and
 * the programme total), Indicators, Trends, Services by domain, Completeness,
 * Data (a tidy long table for pivot tables and Power BI) and About.
 *
 * input: a ProgrammeSummary and completeness → output: .xlsx bytes
 */
import { PassThrough } from 'node:stream';
import { crc32, createDeflateRaw } from 'node:zlib';
import ExcelJS from 'exceljs';
import type { Figure, IndicatorFigure, LevelFigures, ProgrammeSummary } from '../aggregation/aggregate.js';
import type { CompletenessCell } from '../aggregation/completeness.js';
import { COMPLETENESS_LABELS } from '../aggregation/completeness.js';
import {
  likeForLikeIndicator,
  likeForLikeItem,
  sitesReporting,
  yearToDateCoverage,
} from '../aggregation/coverage.js';
import { AGGREGATION_MEANINGS } from '../dictionary/describe-dictionary.js';
import type { Dictionary, Item } from '../dictionary/load-dictionary.js';
import type { Question } from '../dictionary/schema.js';
import type { Benchmarks } from '../programme/benchmarks.js';
import { describePeriod, formatPeriod, formatYear, type Period } from '../programme/periods.js';
import type { Programme } from '../programme/programme.js';
import type { Site } from '../programme/sites.js';
import { ZipContainer } from '../reading/zip-container.js';
import { columnLetters } from '../xlsx/cell-references.js';
import { escapeXml } from '../xlsx/xml-text.js';
import { writeZip } from '../xlsx/zip-writer.js';

export interface SummaryWorkbookInput {
  readonly summary: ProgrammeSummary;
  readonly completeness: readonly CompletenessCell[];
  readonly sites: readonly Site[];
  readonly programme: Programme;
  readonly benchmarks: Benchmarks;
  /** 'quarter': the last quarter, with the year to date beside it; 'year': the year to date. */
  readonly scope: 'quarter' | 'year';
  readonly generatedAt: Date;
}

const COLOURS = {
  header: 'FF1F4E79',
  band: 'FFDDEBF7',
  missing: 'FF808080',
  better: 'FFC6EFCE',
  worse: 'FFFFC7CE',
  similar: 'FFFFEB9C',
};
/** Rate changes are differences of percentages: percentage points, written as such (the value is ×100). */
const FORMATS = {
  count: '#,##0',
  money: '"£"#,##0.00',
  percent: '0.0%',
  points: '+0.0" pp";-0.0" pp";0.0" pp"',
};
/**
 * Shared style objects: exceljs caches a style by object identity, so giving
 * many cells the same object (never mutating it) saves serialising it per cell.
 */
const STYLES = {
  count: { numFmt: FORMATS.count },
  money: { numFmt: FORMATS.money },
  percent: { numFmt: FORMATS.percent },
  points: { numFmt: FORMATS.points },
  text: { numFmt: '@' },
  figure: { numFmt: FORMATS.count, alignment: { horizontal: 'right' } },
  moneyFigure: { numFmt: FORMATS.money, alignment: { horizontal: 'right' } },
  total: { numFmt: FORMATS.count, alignment: { horizontal: 'right' }, font: { bold: true } },
  moneyTotal: { numFmt: FORMATS.money, alignment: { horizontal: 'right' }, font: { bold: true } },
  absent: { font: { italic: true, color: { argb: COLOURS.missing } }, alignment: { horizontal: 'right' } },
} as const satisfies Record<string, Partial<ExcelJS.Style>>;

const QUESTIONS: Record<Question, string> = {
  how_much: 'How much did we do?',
  how_well: 'How well did we do it?',
  better_off: 'Is anyone better off?',
};

/**
 * Written with exceljs's streaming writer: each sheet's rows go out as they are
 * made, so 200 sites × 8 quarters take seconds and a few hundred megabytes less
 * than building the whole workbook in memory first.
 */
export async function writeSummaryWorkbook(input: SummaryWorkbookInput): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream,
    useStyles: true,
    useSharedStrings: false,
  });
  workbook.creator = input.programme.funder;
  workbook.created = input.generatedAt;
  const writer = new SummaryWriter(workbook, input);
  writer.write();
  await workbook.commit();
  return fillDataSheet(
    Buffer.concat(chunks),
    `xl/worksheets/sheet${writer.dataSheetNumber}.xml`,
    writer.dataRows,
  );
}

/** The Value column of the Data sheet (1-based). */
const VALUE_COLUMN = 5;

/** Replaces the Data sheet's sample rows with every row, reusing the sample rows' styles. */
async function fillDataSheet(
  workbook: Buffer,
  part: string,
  rows: ReadonlyArray<{ values: ReadonlyArray<string | number>; money: boolean }>,
): Promise<Buffer> {
  const zip = await ZipContainer.open(workbook, {
    maxEntries: 1_000,
    maxEntryBytes: 1 << 30,
    maxTotalBytes: 1 << 30,
  });
  const xml = zip.readText(part);
  const styleOf = (ref: string) => new RegExp(`<c r="${ref}"[^>]*? s="(\\d+)"`).exec(xml)?.[1] ?? '0';
  const letter = columnLetters(VALUE_COLUMN);
  const countStyle = styleOf(`${letter}2`);
  const moneyStyle = styleOf(`${letter}3`);
  const header = /<row r="1"[\s\S]*?<\/row>/.exec(xml)?.[0] ?? '';
  const dimension = `<dimension ref="A1:${columnLetters(TIDY_HEADINGS.length)}${rows.length + 1}"/>`;
  const start = xml.indexOf('<sheetData>');
  const end = xml.indexOf('</sheetData>');
  const before = `${xml.slice(0, start).replace(/<dimension ref="[^"]*"\/>/, dimension)}<sheetData>${header}`;
  const after = xml.slice(end);

  // Deflated as it is made, a few thousand rows at a time: the sheet is never one giant string.
  const deflate = createDeflateRaw({ level: 1 });
  const compressed: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => compressed.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    deflate.once('end', resolve);
    deflate.once('error', reject);
  });
  let checksum = 0;
  let size = 0;
  const feed = async (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    checksum = crc32(bytes, checksum);
    size += bytes.length;
    if (!deflate.write(bytes)) await new Promise((resolve) => deflate.once('drain', resolve));
  };
  await feed(before);
  let batch = '';
  for (const [index, row] of rows.entries()) {
    const r = index + 2;
    batch += `<row r="${r}">`;
    row.values.forEach((value, column) => {
      const ref = `${columnLetters(column + 1)}${r}`;
      if (typeof value === 'number') {
        batch += `<c r="${ref}" s="${row.money ? moneyStyle : countStyle}"><v>${value}</v></c>`;
      } else {
        // Inline strings: text, never a formula, whatever it starts with.
        batch += `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${escapeXml(value)}</t></is></c>`;
      }
    });
    batch += '</row>';
    if (batch.length > 1 << 20) {
      await feed(batch);
      batch = '';
    }
  }
  await feed(`${batch}${after}`);
  deflate.end();
  await finished;

  return writeZip(
    zip.names.map((name) =>
      name === part
        ? { name, compressed: { data: Buffer.concat(compressed), crc32: checksum, size } }
        : { name, data: zip.read(name) },
    ),
  );
}

export function title(input: Pick<SummaryWorkbookInput, 'summary' | 'scope' | 'programme'>): string {
  const last = input.summary.quarters.at(-1) as Period;
  return input.scope === 'quarter'
    ? `${input.programme.name}: programme summary, ${describePeriod(last)}`
    : `${input.programme.name}: programme summary, ${formatYear(input.summary.startYear)} year to date`;
}

class SummaryWriter {
  private readonly summary: ProgrammeSummary;
  private readonly dictionary: Dictionary;
  private readonly last: Period;
  private readonly lastText: string;

  private current: ExcelJS.Worksheet | undefined;
  sheetsAdded = 0;
  dataSheetNumber = 0;
  dataRows: Array<{ values: Array<string | number>; money: boolean }> = [];
  private readonly siteNames: ReadonlyMap<string, Site>;

  constructor(
    private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter,
    private readonly input: SummaryWorkbookInput,
  ) {
    this.siteNames = new Map(input.sites.map((site) => [site.code, site]));
    this.summary = input.summary;
    this.dictionary = input.summary.dictionary;
    this.last = input.summary.quarters.at(-1) as Period;
    this.lastText = formatPeriod(this.last);
  }

  write(): void {
    this.overview();
    for (const section of this.dictionary.sections) {
      const items = this.numericItems().filter((item) => item.section === section.id);
      if (items.length > 0) this.sectionSheet(section.sheet, section.title, items);
    }
    this.indicatorsSheet();
    this.trendsSheet();
    this.servicesSheet();
    this.completenessSheet();
    this.commentarySheet();
    this.dataSheet();
    this.aboutSheet();
    this.current?.commit();
  }

  private numericItems(): Item[] {
    return this.dictionary.items.filter((item) => item.type === 'count' || item.type === 'money');
  }

  /** The level shown as "this period": the quarter, or the year to date. */
  private programmeLevel(): LevelFigures | undefined {
    return this.input.scope === 'quarter'
      ? this.summary.programmeQuarter.get(this.lastText)
      : this.summary.programmeYearToDate;
  }

  private siteLevel(site: string): LevelFigures | undefined {
    return this.input.scope === 'quarter'
      ? this.summary.siteQuarter.get(`${site} ${this.lastText}`)
      : this.summary.siteYearToDate.get(site);
  }

  private sheet(
    name: string,
    options: { frozenRows: number; landscape?: boolean; frozenColumns?: number },
  ): ExcelJS.Worksheet {
    // One sheet at a time: the previous one is finished and flushed to the output.
    this.current?.commit();
    this.sheetsAdded++;
    const sheet = this.workbook.addWorksheet(name, {
      views: [{ state: 'frozen', ySplit: options.frozenRows, xSplit: options.frozenColumns ?? 0 }],
      pageSetup: {
        orientation: options.landscape === false ? 'portrait' : 'landscape',
        paperSize: 9,
        fitToPage: true,
        fitToWidth: 1,
        fitToHeight: 0,
        printTitlesRow: options.frozenRows > 0 ? `${options.frozenRows}:${options.frozenRows}` : undefined,
      },
      headerFooter: { oddFooter: `&L${this.input.programme.name}&C&A&RPage &P of &N` },
    });
    this.current = sheet;
    return sheet;
  }

  private titleRows(sheet: ExcelJS.Worksheet, heading: string, note?: string): number {
    sheet.getCell('A1').value = heading;
    sheet.getCell('A1').font = { bold: true, size: 14, color: { argb: COLOURS.header } };
    sheet.getCell('A2').value = note ?? title(this.input);
    sheet.getCell('A2').font = { italic: true };
    return 4;
  }

  private headerRow(sheet: ExcelJS.Worksheet, row: number, headings: readonly string[]): void {
    headings.forEach((heading, index) => {
      const cell = sheet.getCell(row, index + 1);
      cell.value = heading;
      cell.font = { bold: true, color: { argb: 'FFFFFFFF' } };
      cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: COLOURS.header } };
      cell.alignment = { vertical: 'middle', wrapText: true };
    });
    sheet.getRow(row).height = 30;
  }

  /** Why a site has no figures for the sheet's quarter: its completeness state, in words. */
  private absentReturn(site: string): string {
    if (this.input.scope === 'year') return 'missing';
    const state = this.input.completeness.find(
      (cell) => cell.site === site && cell.period === this.lastText,
    )?.state;
    return state === 'rejected' ? 'rejected' : state === 'not-yet-due' ? 'not yet due' : 'missing';
  }

  private coverage(figure: { sites: number } | undefined): string {
    return `${figure?.sites ?? 0} of ${this.summary.sites.length} sites`;
  }

  /** A figure into a cell: its number, or why there is none. */
  private putFigure(
    cell: ExcelJS.Cell,
    figure: Figure | undefined,
    item: Item,
    missingReturn: boolean | string,
    total = false,
  ): void {
    if (missingReturn || figure?.value === undefined) {
      // A site with no accepted return: 'rejected', 'not yet due' or 'missing', as Completeness says.
      const absent = typeof missingReturn === 'string' ? missingReturn : 'missing';
      cell.value = missingReturn ? absent : figure?.notApplicable ? 'n/a' : 'not reported';
      cell.style = STYLES.absent as Partial<ExcelJS.Style>;
      if (!missingReturn && figure?.notApplicable) cell.note = figure.notApplicable;
    } else {
      cell.value = figure.value;
      // Whole shared style objects, never a property set on one: that would change every cell sharing it.
      const style =
        item.type === 'money'
          ? total
            ? STYLES.moneyTotal
            : STYLES.moneyFigure
          : total
            ? STYLES.total
            : STYLES.figure;
      cell.style = style as Partial<ExcelJS.Style>;
    }
  }

  private putIndicator(row: ExcelJS.Row, start: number, figure: IndicatorFigure | undefined): void {
    const values: Array<[number | string | undefined, Partial<ExcelJS.Style>]> = [
      [figure?.numerator, STYLES.count],
      [figure?.denominator, STYLES.count],
      [figure?.rate, STYLES.percent],
      [figure?.lower, STYLES.percent],
      [figure?.upper, STYLES.percent],
      [figure?.benchmark, STYLES.percent],
      [figure ? figure.comparison : undefined, STYLES.text],
      [figure?.change === undefined ? undefined : figure.change * 100, STYLES.points],
    ];
    values.forEach(([value, style], offset) => {
      if (value === undefined) return;
      const cell = row.getCell(start + offset);
      cell.value = value;
      cell.style = style;
    });
  }

  private overview(): void {
    const sheet = this.sheet('Overview', { frozenRows: 0, landscape: false });
    sheet.getColumn(1).width = 58;
    for (const column of [2, 3, 4, 5, 6]) sheet.getColumn(column).width = 16;
    const quarterLevel = this.summary.programmeQuarter.get(this.lastText);
    const returnsThisQuarter = this.summary.returns.filter(
      (entry) => formatPeriod(entry.period) === this.lastText,
    ).length;
    let row = this.titleRows(
      sheet,
      title(this.input),
      `Made on ${this.input.generatedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC from ${this.summary.returns.length} accepted returns. ${describePeriod(this.last)}: returns from ${returnsThisQuarter} of ${this.summary.sites.length} sites. ${yearToDateCoverage(this.summary).sentence}`,
    );
    if (returnsThisQuarter === 0) {
      sheet.getCell(row, 1).value =
        `No accepted returns yet for ${describePeriod(this.last)}, so it has no figures of its own to show. The Completeness sheet shows what has been received.`;
      sheet.getCell(row, 1).font = { bold: true };
      row += 2;
    }
    const breakdownParts = new Set(
      this.dictionary.rules.flatMap((rule) => (rule.kind === 'sum_equals' ? rule.parts : [])),
    );
    for (const question of Object.keys(QUESTIONS) as Question[]) {
      sheet.getCell(row, 1).value = QUESTIONS[question];
      sheet.getCell(row, 1).font = { bold: true, size: 13, color: { argb: COLOURS.header } };
      row++;
      const items = this.numericItems().filter(
        (item) =>
          item.sectionSpec.question === question &&
          !breakdownParts.has(item.id) &&
          !item.label.startsWith('of which'),
      );
      if (items.length > 0) {
        this.headerRow(sheet, row, ['Measure', describePeriod(this.last), 'Sites', 'Year to date', 'Sites']);
        row++;
        for (const item of items) {
          const line = sheet.getRow(row++);
          line.getCell(1).value = item.label;
          this.putFigure(line.getCell(2), quarterLevel?.items.get(item.id), item, false);
          line.getCell(3).value = this.coverage(quarterLevel?.items.get(item.id));
          this.putFigure(line.getCell(4), this.summary.programmeYearToDate.items.get(item.id), item, false);
          const yearToDate = this.summary.programmeYearToDate.items.get(item.id);
          line.getCell(5).value = yearToDate?.notApplicable ? '' : this.coverage(yearToDate);
        }
        row++;
      }
      const indicators = this.dictionary.indicators.filter((indicator) => indicator.question === question);
      if (indicators.length > 0) {
        this.headerRow(sheet, row, [
          'Indicator',
          'Rate',
          '95% confidence interval',
          'England',
          'Compared with England',
          'Sites',
        ]);
        const firstFlagRow = row + 1;
        row++;
        for (const indicator of indicators) {
          const figure = quarterLevel?.indicators.get(indicator.id);
          const line = sheet.getRow(row++);
          line.getCell(1).value =
            `${indicator.label}${indicator.polarity === 'lower' ? ' (lower is better)' : ''}`;
          if (figure?.rate !== undefined) {
            line.getCell(2).value = figure.rate;
            line.getCell(2).numFmt = FORMATS.percent;
            line.getCell(3).value = `${percent(figure.lower)} to ${percent(figure.upper)}`;
          } else {
            line.getCell(2).value = 'no data';
            line.getCell(2).font = { italic: true, color: { argb: COLOURS.missing } };
          }
          if (figure?.benchmark !== undefined) {
            line.getCell(4).value = figure.benchmark;
            line.getCell(4).numFmt = FORMATS.percent;
          }
          line.getCell(5).value = figure?.comparison ?? 'not compared';
          line.getCell(6).value = this.coverage(figure);
        }
        this.flagFormatting(sheet, `E${firstFlagRow}:E${row - 1}`);
        row++;
      }
    }
    const states = this.input.completeness.filter((cell) => cell.period === this.lastText);
    sheet.getCell(row, 1).value = `Completeness, ${describePeriod(this.last)}`;
    sheet.getCell(row, 1).font = { bold: true, size: 13, color: { argb: COLOURS.header } };
    row++;
    for (const [state, label] of Object.entries(COMPLETENESS_LABELS)) {
      const matching = states.filter((cell) => cell.state === state);
      if (matching.length === 0) continue;
      sheet.getCell(row, 1).value = `${label}${matching.some((cell) => cell.late) ? ' (some late)' : ''}`;
      sheet.getCell(row, 2).value = matching.length;
      sheet.getCell(row, 3).value = matching.map((cell) => cell.site).join(', ');
      row++;
    }
  }

  private flagFormatting(sheet: ExcelJS.Worksheet, ref: string): void {
    sheet.addConditionalFormatting({
      ref,
      rules: [
        rule('better', COLOURS.better, 1),
        rule('worse', COLOURS.worse, 2),
        rule('similar', COLOURS.similar, 3),
      ],
    });
  }

  private sectionSheet(name: string, sectionTitle: string, items: readonly Item[]): void {
    const sheet = this.sheet(name, { frozenRows: 4, frozenColumns: 2 });
    const sites = this.input.sites.filter((site) => this.summary.sites.includes(site.code));
    const scopeText =
      this.input.scope === 'quarter'
        ? describePeriod(this.last)
        : `${formatYear(this.summary.startYear)} year to date`;
    this.titleRows(sheet, `${sectionTitle}, ${scopeText}`);
    const headings = [
      'Item ID',
      'Item',
      'Unit',
      ...sites.map((site) => site.shortName),
      'Programme',
      'Sites reporting',
    ];
    this.headerRow(sheet, 4, headings);
    sheet.getColumn(1).width = 22;
    sheet.getColumn(2).width = 50;
    sheet.getColumn(3).width = 12;
    for (let column = 4; column <= headings.length; column++) sheet.getColumn(column).width = 14;
    const programme = this.programmeLevel();
    items.forEach((item, index) => {
      const row = sheet.getRow(5 + index);
      row.getCell(1).value = item.id;
      row.getCell(2).value = item.label;
      row.getCell(3).value = item.unit;
      sites.forEach((site, siteIndex) => {
        const level = this.siteLevel(site.code);
        this.putFigure(
          row.getCell(4 + siteIndex),
          level?.items.get(item.id),
          item,
          level === undefined && this.absentReturn(site.code),
        );
      });
      const total = programme?.items.get(item.id);
      this.putFigure(row.getCell(4 + sites.length), total, item, false, true);
      row.getCell(5 + sites.length).value = total?.notApplicable ? 'n/a' : this.coverage(total);
    });
    sheet.autoFilter = {
      from: { row: 4, column: 1 },
      to: { row: 4 + items.length, column: headings.length },
    };
  }

  private indicatorsSheet(): void {
    const sheet = this.sheet('Indicators', { frozenRows: 4, frozenColumns: 1 });
    this.titleRows(
      sheet,
      'Indicators by site and quarter',
      'Rates recomputed from summed numerators and denominators; Wilson score 95% confidence intervals.',
    );
    const headings = [
      'Indicator',
      'Indicator ID',
      'Site',
      'Quarter',
      'Numerator',
      'Denominator',
      'Rate',
      'Lower 95%',
      'Upper 95%',
      'England',
      'Compared with England',
      'Change since last quarter (percentage points, all sites reporting)',
    ];
    this.headerRow(sheet, 4, headings);
    [40, 16, 14, 12, 12, 12, 10, 10, 10, 10, 16, 14].forEach((width, index) => {
      sheet.getColumn(index + 1).width = width;
    });
    let row = 5;
    const siteName = (code: string) => this.siteNames.get(code)?.shortName ?? code;
    for (const indicator of this.dictionary.indicators) {
      for (const quarter of this.summary.quarters) {
        const period = formatPeriod(quarter);
        for (const site of [...this.summary.sites, 'Programme']) {
          const figure =
            site === 'Programme'
              ? this.summary.programmeQuarter.get(period)?.indicators.get(indicator.id)
              : this.summary.siteQuarter.get(`${site} ${period}`)?.indicators.get(indicator.id);
          const line = sheet.getRow(row++);
          line.getCell(1).value = indicator.label;
          line.getCell(2).value = indicator.id;
          line.getCell(3).value = site === 'Programme' ? 'Programme' : siteName(site);
          line.getCell(4).value = describePeriod(quarter);
          if (figure) this.putIndicator(line, 5, figure);
          else line.getCell(5).value = 'missing';
          line.commit();
        }
      }
      // The year to date, with its own interval and England comparison (the year's benchmark).
      const covered = yearToDateCoverage(this.summary);
      for (const site of [...this.summary.sites, 'Programme']) {
        const figure =
          site === 'Programme'
            ? this.summary.programmeYearToDate.indicators.get(indicator.id)
            : this.summary.siteYearToDate.get(site)?.indicators.get(indicator.id);
        const line = sheet.getRow(row++);
        line.getCell(1).value = indicator.label;
        line.getCell(2).value = indicator.id;
        line.getCell(3).value = site === 'Programme' ? 'Programme' : siteName(site);
        const quarters =
          site === 'Programme'
            ? `${covered.siteQuarters.length} of ${covered.possible} site-quarters`
            : this.summary.returns
                .filter((entry) => entry.site === site)
                .map((entry) => `Q${entry.period.quarter}`)
                .sort()
                .join(', ') || 'no accepted returns';
        line.getCell(4).value = `Year to date (${quarters})`;
        if (figure) this.putIndicator(line, 5, { ...figure, change: undefined } as IndicatorFigure);
        else line.getCell(5).value = 'missing';
        line.commit();
      }
    }
    sheet.autoFilter = { from: { row: 4, column: 1 }, to: { row: row - 1, column: headings.length } };
    this.flagFormatting(sheet, `K5:K${Math.max(5, row - 1)}`);
  }

  private trendsSheet(): void {
    const sheet = this.sheet('Trends', { frozenRows: 4, frozenColumns: 2 });
    const coverage = yearToDateCoverage(this.summary);
    this.titleRows(
      sheet,
      'Programme trends by quarter',
      `Programme totals each quarter over the sites reporting that quarter (row 5), so a change between quarters can come from a site missing; the Like for like sheet compares the same sites. ${coverage.sentence}`,
    );
    const quarters = this.summary.quarters;
    this.headerRow(sheet, 4, [
      'ID',
      'Measure',
      ...quarters.map((quarter) => describePeriod(quarter)),
      `Year to date (${coverage.siteQuarters.length} of ${coverage.possible} site-quarters)`,
    ]);
    sheet.getColumn(1).width = 22;
    sheet.getColumn(2).width = 50;
    for (let column = 3; column <= quarters.length + 3; column++) sheet.getColumn(column).width = 18;
    let row = 5;
    const reporting = sheet.getRow(row++);
    reporting.getCell(1).value = 'SITES';
    reporting.getCell(2).value = 'Sites reporting (accepted return)';
    reporting.font = { bold: true };
    quarters.forEach((quarter, index) => {
      const sites = sitesReporting(this.summary, quarter);
      const cell = reporting.getCell(3 + index);
      cell.value = `${sites.length} of ${this.summary.sites.length}`;
      if (sites.length < this.summary.sites.length) {
        cell.note = `Not included: ${this.summary.sites.filter((site) => !sites.includes(site)).join(', ')}`;
      }
    });
    reporting.getCell(3 + quarters.length).value = `${coverage.siteQuarters.length} of ${coverage.possible}`;
    for (const item of this.numericItems()) {
      const line = sheet.getRow(row++);
      line.getCell(1).value = item.id;
      line.getCell(2).value = item.label;
      quarters.forEach((quarter, index) => {
        this.putFigure(
          line.getCell(3 + index),
          this.summary.programmeQuarter.get(formatPeriod(quarter))?.items.get(item.id),
          item,
          false,
        );
      });
      this.putFigure(
        line.getCell(3 + quarters.length),
        this.summary.programmeYearToDate.items.get(item.id),
        item,
        false,
      );
    }
    for (const indicator of this.dictionary.indicators) {
      const line = sheet.getRow(row++);
      line.getCell(1).value = indicator.id;
      line.getCell(2).value = `${indicator.label} (rate)`;
      quarters.forEach((quarter, index) => {
        const rate = this.summary.programmeQuarter
          .get(formatPeriod(quarter))
          ?.indicators.get(indicator.id)?.rate;
        if (rate !== undefined) {
          line.getCell(3 + index).value = rate;
          line.getCell(3 + index).numFmt = FORMATS.percent;
        }
      });
      const ytd = this.summary.programmeYearToDate.indicators.get(indicator.id)?.rate;
      if (ytd !== undefined) {
        line.getCell(3 + quarters.length).value = ytd;
        line.getCell(3 + quarters.length).numFmt = FORMATS.percent;
      }
    }

    // Like for like, on its own sheet (so its header repeats on every printed page): each change between
    // consecutive quarters over the sites that reported both.
    this.likeForLikeSheet(quarters);
  }

  private likeForLikeSheet(quarters: readonly Period[]): void {
    const sheet = this.sheet('Like for like', { frozenRows: 4, frozenColumns: 2 });
    this.titleRows(
      sheet,
      'Like for like: each change between quarters over the same sites',
      'Only the sites that reported a figure in both quarters count, so a missing or rejected return never looks like a rise or a fall. Rates are recomputed over those sites; their changes are in percentage points.',
    );
    sheet.getColumn(1).width = 22;
    sheet.getColumn(2).width = 50;
    [8, 8, 26, 16, 16, 16].forEach((width, index) => {
      sheet.getColumn(3 + index).width = width;
    });
    let row = 4;
    this.headerRow(sheet, row++, [
      'ID',
      'Measure',
      'From',
      'To',
      'Sites in both',
      'From (same sites)',
      'To (same sites)',
      'Change (rates: percentage points)',
    ]);
    for (let index = 1; index < quarters.length; index++) {
      const before = quarters[index - 1] as Period;
      const after = quarters[index] as Period;
      const put = (
        id: string,
        label: string,
        result: ReturnType<typeof likeForLikeItem>,
        kind: 'count' | 'money' | 'rate',
      ) => {
        const line = sheet.getRow(row++);
        line.getCell(1).value = id;
        line.getCell(2).value = label;
        line.getCell(3).value = `Q${before.quarter}`;
        line.getCell(4).value = `Q${after.quarter}`;
        line.getCell(5).value = result.sites.length === 0 ? 'none' : result.sites.join(', ');
        const format = kind === 'rate' ? FORMATS.percent : kind === 'money' ? FORMATS.money : FORMATS.count;
        if (result.before !== undefined) {
          line.getCell(6).value = result.before;
          line.getCell(6).numFmt = format;
        }
        if (result.after !== undefined) {
          line.getCell(7).value = result.after;
          line.getCell(7).numFmt = format;
        }
        if (result.change !== undefined) {
          line.getCell(8).value = kind === 'rate' ? result.change * 100 : result.change;
          line.getCell(8).numFmt = kind === 'rate' ? FORMATS.points : format;
        }
      };
      for (const item of this.numericItems()) {
        if (item.aggregation === 'text') continue;
        put(
          item.id,
          item.label,
          likeForLikeItem(this.summary, item, before, after),
          item.type === 'money' ? 'money' : 'count',
        );
      }
      for (const indicator of this.dictionary.indicators) {
        put(
          indicator.id,
          `${indicator.label} (rate)`,
          likeForLikeIndicator(this.summary, indicator, before, after),
          'rate',
        );
      }
    }
  }

  /**
   * Warnings and what sites said: for each site's return of the sheet's quarter
   * (or each quarter of the year), its state, each explanation row with the
   * rule it explains, and its highlights. Text from returns is written as text.
   */
  private commentarySheet(): void {
    const sheet = this.sheet('Warnings and commentary', { frozenRows: 4, frozenColumns: 2 });
    this.titleRows(
      sheet,
      'Warnings and commentary',
      'What each site explained and said in its return. "Accepted with unexplained warnings" returns have warnings with no explanation row: see each site’s feedback report.',
    );
    this.headerRow(sheet, 4, [
      'Site',
      'Quarter',
      'Return',
      'Rule',
      'What the rule checks',
      'What the site said',
    ]);
    [22, 12, 30, 8, 40, 90].forEach((width, index) => {
      sheet.getColumn(index + 1).width = width;
    });
    const quarters = this.input.scope === 'quarter' ? [this.last] : this.summary.quarters;
    const wrap = { wrapText: true, vertical: 'top' } as const;
    let row = 5;
    for (const quarter of quarters) {
      const period = formatPeriod(quarter);
      for (const site of this.input.sites.filter((entry) => this.summary.sites.includes(entry.code))) {
        const entry = this.summary.returns.find(
          (candidate) => candidate.site === site.code && formatPeriod(candidate.period) === period,
        );
        const cell = this.input.completeness.find(
          (candidate) => candidate.site === site.code && candidate.period === period,
        );
        const state =
          cell && (cell.state !== 'missing' || !entry)
            ? COMPLETENESS_LABELS[cell.state]
            : entry
              ? 'accepted'
              : 'missing';
        const lines: Array<[string, string, string]> = [];
        const dictionary =
          this.summary.dictionaries.find((candidate) => candidate.version === entry?.dictionaryVersion) ??
          this.dictionary;
        for (const explanation of entry?.values.tables.EXPLANATIONS ?? []) {
          const ruleId = String(explanation.RULE ?? '');
          lines.push([ruleId, dictionary.rule(ruleId)?.title ?? '', String(explanation.TEXT ?? '')]);
        }
        const highlights = entry?.values.items['NOTE.HIGHLIGHTS'];
        if (typeof highlights === 'string' && highlights.trim() !== '')
          lines.push(['', 'Highlights', highlights]);
        if (lines.length === 0) lines.push(['', '', entry ? 'No explanations or highlights.' : '']);
        for (const [ruleId, ruleTitle, text] of lines) {
          const line = sheet.getRow(row++);
          line.getCell(1).value = site.shortName;
          line.getCell(2).value = `Q${quarter.quarter}`;
          line.getCell(3).value = state;
          line.getCell(4).value = ruleId;
          line.getCell(5).value = ruleTitle;
          line.getCell(6).value = text;
          for (const column of [1, 2, 3, 4]) line.getCell(column).alignment = { vertical: 'top' };
          line.getCell(5).alignment = wrap;
          line.getCell(6).alignment = wrap;
          // Rows do not grow for wrapped text a spreadsheet did not lay out itself: about 100 characters a line.
          line.height = Math.max(15, Math.ceil(Math.max(text.length / 100, ruleTitle.length / 42)) * 13 + 2);
        }
      }
    }
    sheet.autoFilter = { from: { row: 4, column: 1 }, to: { row: Math.max(4, row - 1), column: 6 } };
  }

  private servicesSheet(): void {
    const sheet = this.sheet('Services by domain', { frozenRows: 4 });
    this.titleRows(
      sheet,
      'Services by outcome domain',
      'From the services tables of every accepted return. Service users are summed across services, so a person using two services counts twice.',
    );
    const headings = [
      'Quarter',
      'Domain',
      'Services',
      'Sites',
      'Sessions',
      'Attendances',
      'Service users (summed over services)',
      'Families completing',
    ];
    this.headerRow(sheet, 4, headings);
    [12, 40, 10, 8, 12, 12, 18, 14].forEach((width, index) => {
      sheet.getColumn(index + 1).width = width;
    });
    const domainLabel = (code: string) =>
      this.dictionary.codeLists.get('domain')?.find((entry) => entry.code === code)?.label ?? code;
    let row = 5;
    for (const quarter of this.summary.quarters) {
      for (const domain of this.summary.servicesByDomain.get(formatPeriod(quarter)) ?? []) {
        const line = sheet.getRow(row++);
        line.values = [
          describePeriod(quarter),
          domainLabel(domain.domain),
          domain.services,
          domain.sites,
          domain.sessions,
          domain.attendances,
          domain.serviceUsers,
          domain.completed,
        ];
        for (let column = 3; column <= 8; column++) line.getCell(column).numFmt = FORMATS.count;
      }
    }
    sheet.autoFilter = {
      from: { row: 4, column: 1 },
      to: { row: Math.max(4, row - 1), column: headings.length },
    };
  }

  private completenessSheet(): void {
    const sheet = this.sheet('Completeness', { frozenRows: 4, frozenColumns: 1 });
    this.titleRows(
      sheet,
      `Completeness, ${formatYear(this.summary.startYear)}`,
      'Each site and quarter, against the due date (30 days after the quarter ends).',
    );
    const quarters = [...new Set(this.input.completeness.map((cell) => cell.period))];
    this.headerRow(sheet, 4, ['Site', ...quarters.map((period) => `${period.replace(/-Q/, ' Q')}`)]);
    sheet.getColumn(1).width = 36;
    quarters.forEach((_, index) => {
      sheet.getColumn(index + 2).width = 34;
    });
    const dueRow = sheet.getRow(5);
    dueRow.getCell(1).value = 'Due by';
    dueRow.font = { italic: true };
    quarters.forEach((period, index) => {
      dueRow.getCell(index + 2).value =
        this.input.completeness.find((cell) => cell.period === period)?.dueDate ?? '';
    });
    this.input.sites.forEach((site, siteIndex) => {
      const line = sheet.getRow(6 + siteIndex);
      line.getCell(1).value = site.name;
      quarters.forEach((period, index) => {
        const cell = this.input.completeness.find(
          (entry) => entry.site === site.code && entry.period === period,
        );
        if (!cell) return;
        line.getCell(index + 2).value =
          `${COMPLETENESS_LABELS[cell.state]}${cell.late && cell.state !== 'missing' ? ' (late)' : ''}`;
      });
    });
    if (quarters.length === 0) return;
    const range = `B6:${columnLetters(quarters.length + 1)}${5 + this.input.sites.length}`;
    sheet.addConditionalFormatting({
      ref: range,
      rules: [
        rule('missing', COLOURS.worse, 1),
        rule('rejected', COLOURS.worse, 2),
        rule('unexplained', COLOURS.similar, 3),
        rule('accepted', COLOURS.better, 4),
      ],
    });
  }

  /**
   * The Data sheet can run to a million cells (200 sites × 8 quarters), which
   * exceljs writes at several microseconds a cell. So exceljs writes its header
   * and two sample rows (one count, one money) and the rows themselves are put
   * into the sheet's XML afterwards (fillDataSheet), with the styles exceljs
   * chose for the samples.
   */
  private dataSheet(): void {
    const sheet = this.sheet('Data', { frozenRows: 1 });
    this.dataSheetNumber = this.sheetsAdded;
    [12, 8, 22, 50, 16, 26, 24].forEach((width, index) => {
      sheet.getColumn(index + 1).width = width;
    });
    this.headerRow(sheet, 1, TIDY_HEADINGS);
    this.dataRows = [...tidyRows(this.summary, this.input.sites, this.input.completeness)];
    const countSample = sheet.getRow(2);
    countSample.getCell(VALUE_COLUMN).value = 0;
    countSample.getCell(VALUE_COLUMN).style = STYLES.count;
    const moneySample = sheet.getRow(3);
    moneySample.getCell(VALUE_COLUMN).value = 0;
    moneySample.getCell(VALUE_COLUMN).style = STYLES.money;
    sheet.autoFilter = {
      from: { row: 1, column: 1 },
      to: { row: Math.max(1, this.dataRows.length + 1), column: TIDY_HEADINGS.length },
    };
  }

  private aboutSheet(): void {
    const sheet = this.sheet('About', { frozenRows: 0, landscape: false });
    sheet.getColumn(1).width = 30;
    sheet.getColumn(2).width = 100;
    let row = this.titleRows(sheet, 'About this workbook');
    const put = (label: string, text: string) => {
      sheet.getCell(row, 1).value = label;
      sheet.getCell(row, 1).font = { bold: true };
      sheet.getCell(row, 2).value = text;
      sheet.getCell(row, 2).alignment = { wrapText: true, vertical: 'top' };
      row++;
    };
    put('Made', `${this.input.generatedAt.toISOString()} (UTC)`);
    put('Quarters', this.summary.quarters.map((quarter) => describePeriod(quarter)).join(', '));
    put(
      'Data dictionary',
      this.summary.dictionaries.map((dictionary) => `${dictionary.version} (${dictionary.title})`).join('; '),
    );
    for (const [version, items] of this.summary.versionOnlyItems) {
      put(
        `Only in ${version}`,
        `${items.join(', ')}: reported for that version's quarters only, not combined across the year.`,
      );
    }
    put(
      'Returns used',
      `${this.summary.returns.length} current accepted returns (listed below). A return replaced by a later accepted one is not used.`,
    );
    row++;
    put(
      'Method',
      'Only each site’s current accepted return for a quarter counts. A missing return is shown as missing, never as zero, and every total says how many sites it covers.',
    );
    for (const [aggregation, meaning] of Object.entries(AGGREGATION_MEANINGS))
      put(`  ${aggregation}`, meaning);
    put(
      'Indicators',
      'Recomputed at every level from summed numerators and denominators (never averaged), over the sites that reported both.',
    );
    put('Confidence intervals', 'Wilson score 95% intervals, as public health indicator profiles use.');
    put(
      'Compared with England',
      'Better or worse when the 95% interval excludes the England value, read with the indicator’s polarity; similar when it includes it.',
    );
    for (const indicator of this.dictionary.indicators) {
      const benchmark = this.input.benchmarks.for(indicator.id, this.summary.startYear);
      if (benchmark) {
        put(
          `  ${indicator.id}`,
          `England ${percent(benchmark.value)} (${benchmark.covers}), ${benchmark.source}${benchmark.secondary ? '. Found only in a secondary source: check the official table before relying on it.' : ''}`,
        );
      }
    }
    row++;
    this.headerRow(sheet, row, ['Site and quarter', 'Submission (received)']);
    row++;
    for (const entry of this.summary.returns) {
      sheet.getCell(row, 1).value = `${entry.site} ${describePeriod(entry.period)}`;
      sheet.getCell(row, 2).value = `${entry.submissionId} (${entry.receivedAt})`;
      row++;
    }
  }
}

/** The tidy shape (period, site, item ID, label, value, status), plus the submission for tracing. */
export const TIDY_HEADINGS = ['Period', 'Site', 'Item ID', 'Item', 'Value', 'Status', 'Submission'];

/**
 * Personal data in a return: the people it names and how to reach them. Every
 * email item, and every text item of the section that holds the site item (the
 * "about this return" section: contact and sign-off names). Commentary is not
 * contact data and stays.
 */
export function isPersonalData(dictionary: Dictionary, item: Item): boolean {
  if (item.type === 'email') return true;
  const siteSection = dictionary.itemsOfType('site')[0]?.section;
  return item.type === 'text' && siteSection !== undefined && item.section === siteSection;
}

/**
 * One row per reported value of every current return: the Data sheet (internal,
 * everything), and the CSV export (no personal data unless asked for).
 */
export function* tidyRows(
  summary: ProgrammeSummary,
  _sites: readonly Site[],
  cells: readonly CompletenessCell[],
  options: { readonly personalData: boolean } = { personalData: true },
): Generator<{ values: Array<string | number>; money: boolean }> {
  const statusOf = new Map(cells.map((cell) => [`${cell.site} ${cell.period}`, cell]));
  for (const entry of summary.returns) {
    const dictionary =
      summary.dictionaries.find((candidate) => candidate.version === entry.dictionaryVersion) ??
      summary.dictionary;
    const period = formatPeriod(entry.period);
    const state = statusOf.get(`${entry.site} ${period}`);
    for (const item of dictionary.items) {
      const value = entry.values.items[item.id];
      if (value === undefined) continue;
      if (!options.personalData && isPersonalData(dictionary, item)) continue;
      yield {
        values: [
          period,
          entry.site,
          item.id,
          item.label,
          value,
          state ? `${COMPLETENESS_LABELS[state.state]}${state.late ? ' (late)' : ''}` : 'accepted',
          entry.submissionId,
        ],
        money: item.type === 'money',
      };
    }
  }
}

/** Conditional formatting: fill a cell whose text contains `text`. */
function rule(text: string, argb: string, priority: number): ExcelJS.ConditionalFormattingRule {
  return {
    type: 'containsText',
    operator: 'containsText',
    text,
    priority,
    style: { fill: { type: 'pattern', pattern: 'solid', bgColor: { argb } } },
  };
}

function percent(value: number | undefined): string {
  return value === undefined ? '–' : `${(value * 100).toFixed(1)}%`;
}
