/**
 * Filtered downloads: the stored returns as a tidy table, one row per site ×
 * period × item (and per table row, for the services table), with each item's
 * unit and the dictionary version the return was made with. Built from the
 * values the store keeps (what validation accepted), never by reading a
 * workbook, so it says exactly what the summaries counted.
 *
 * Filters: a period range (bounded: a download of a century is a mistake, not
 * a request), sites, sections (by ID or sheet name) and outcome domains. A
 * domain selects the items of the indicators in that domain, the spend on it
 * (`FIN.SPEND_SED`) and the services rows of that domain; an indicator's items
 * bring the rest of their group (the whole breastfeeding breakdown). Sections and
 * domains together mean both.
 *
 * Formats: CSV (UTF-8 with a byte order mark so Excel reads "–" and "£"
 * rightly; text starting = + - @ prefixed with an apostrophe, as every CSV
 * here), JSON (one object, the rows an array) and xlsx (exceljs's streaming
 * writer, text always as text). Each writer takes rows one at a time and
 * writes to a stream with backpressure, so an export of any size holds one
 * quarter's returns in memory, never the file.
 *
 * input: current returns, one quarter at a time, and a checked filter → output: bytes on a stream
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { DictionaryRegistry } from '../dictionary/dictionary-registry.js';
import type { Dictionary } from '../dictionary/load-dictionary.js';
import { UsageError } from '../errors.js';
import { comparePeriods, formatPeriod, nextPeriod, type Period, parsePeriod } from '../programme/periods.js';
import type { Programme } from '../programme/programme.js';
import type { SiteRegistry } from '../programme/sites.js';
import type { CurrentReturn } from '../returns/submission.js';
import { csvCell } from './write-csv.js';

/** The longest range one download may cover: ten financial years. */
export const MAX_EXPORT_QUARTERS = 40;

export const EXPORT_FORMATS = ['csv', 'json', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportFilter {
  readonly from: Period;
  readonly to: Period;
  /** Site codes; every site when empty. */
  readonly sites: readonly string[];
  /** Section IDs; every section when empty. */
  readonly sections: readonly string[];
  /** Outcome domain codes; every item when empty. */
  readonly domains: readonly string[];
}

/** What a person asked for, as typed. */
export interface ExportRequest {
  readonly from?: string;
  readonly to?: string;
  readonly sites?: readonly string[];
  readonly sections?: readonly string[];
  readonly domains?: readonly string[];
}

export interface ExportReference {
  readonly programme: Programme;
  readonly sites: SiteRegistry;
  readonly dictionaries: DictionaryRegistry;
}

/** Checks a request whole, with a message a person can act on for the first thing wrong. */
export function checkExportRequest(request: ExportRequest, reference: ExportReference): ExportFilter {
  if (!request.from || !request.to) {
    throw new UsageError(
      'Say which quarters to export with --from and --to, like --from 2025-26-Q1 --to 2025-26-Q4.',
    );
  }
  const from = periodOf(request.from, 'from');
  const to = periodOf(request.to, 'to');
  if (comparePeriods(from, to) > 0) {
    throw new UsageError(`The range runs backwards: ${formatPeriod(from)} is after ${formatPeriod(to)}.`);
  }
  const quarters = quartersBetween(from, to);
  if (quarters > MAX_EXPORT_QUARTERS) {
    throw new UsageError(
      `${formatPeriod(from)} to ${formatPeriod(to)} is ${quarters} quarters (${Math.round(quarters / 4)} years); one download covers at most ${MAX_EXPORT_QUARTERS} quarters (${MAX_EXPORT_QUARTERS / 4} years). Narrow the range, or make several downloads.`,
    );
  }
  reference.programme.requirePeriod(from);
  reference.programme.requirePeriod(to);
  const sites = unique(
    (request.sites ?? []).flatMap(splitList).map((code) => reference.sites.get(code).code),
  );

  const dictionaries = dictionariesFor(reference.dictionaries, from, to);
  const sections = unique(
    (request.sections ?? []).flatMap(splitList).map((asked) => {
      for (const dictionary of dictionaries) {
        const found = dictionary.sections.find(
          (section) =>
            section.id.toLowerCase() === asked.toLowerCase() ||
            section.sheet.toLowerCase() === asked.toLowerCase(),
        );
        if (found) return found.id;
      }
      const known = (dictionaries[0] as Dictionary).sections.map(
        (section) => `${section.id} (${section.sheet})`,
      );
      throw new UsageError(`There is no section "${asked}". The sections are ${known.join(', ')}.`);
    }),
  );
  const domains = unique(
    (request.domains ?? []).flatMap(splitList).map((asked) => {
      const codes = dictionaries.flatMap((dictionary) => dictionary.codeLists.get('domain') ?? []);
      const found = codes.find((code) => code.code.toLowerCase() === asked.toLowerCase());
      if (found) return found.code;
      const known = unique(codes.map((code) => `${code.code} (${code.label.toLowerCase()})`));
      throw new UsageError(`There is no outcome domain "${asked}". The domains are ${known.join(', ')}.`);
    }),
  );
  return { from, to, sites, sections, domains };
}

/** Every quarter of the range, oldest first. */
export function periodsOf(filter: Pick<ExportFilter, 'from' | 'to'>): Period[] {
  const periods: Period[] = [];
  for (let period = filter.from; comparePeriods(period, filter.to) <= 0; period = nextPeriod(period)) {
    periods.push(period);
  }
  return periods;
}

export const EXPORT_COLUMNS = [
  { key: 'period', heading: 'Period' },
  { key: 'site', heading: 'Site' },
  { key: 'dictionaryVersion', heading: 'Dictionary version' },
  { key: 'section', heading: 'Section' },
  { key: 'itemId', heading: 'Item ID' },
  { key: 'item', heading: 'Item' },
  { key: 'row', heading: 'Table row' },
  { key: 'value', heading: 'Value' },
  { key: 'unit', heading: 'Unit' },
  { key: 'reported', heading: 'Reported' },
  { key: 'submissionId', heading: 'Submission' },
  { key: 'receivedAt', heading: 'Received' },
] as const;

export interface ExportRow {
  readonly period: string;
  readonly site: string;
  readonly dictionaryVersion: string;
  readonly section: string;
  /** The item's ID, or `TABLE.COLUMN` for a table cell. */
  readonly itemId: string;
  readonly item: string;
  /** The row of the table (1 = first used row); undefined for items. */
  readonly row: number | undefined;
  /** Undefined when not reported: a blank is never zero. */
  readonly value: number | string | undefined;
  readonly unit: string;
  readonly reported: boolean;
  readonly submissionId: string;
  readonly receivedAt: string;
}

/** The rows of one current return that the filter keeps, in dictionary order. */
export function* rowsOfReturn(
  entry: CurrentReturn,
  dictionary: Dictionary,
  filter: Pick<ExportFilter, 'sections' | 'domains'>,
): Generator<ExportRow> {
  // Rows are built as whole literals of one shape: hundreds of thousands of them in a large export.
  const { period, site, dictionaryVersion, submissionId, receivedAt } = entry;
  const inSection = (section: string) => filter.sections.length === 0 || filter.sections.includes(section);
  const domainItems = itemsOfDomains(dictionary, filter.domains);
  for (const item of dictionary.items) {
    if (!inSection(item.section)) continue;
    if (domainItems && !domainItems.has(item.id)) continue;
    const value = entry.values.items[item.id];
    yield {
      period,
      site,
      dictionaryVersion,
      section: item.section,
      itemId: item.id,
      item: item.group ? `${item.group}: ${item.label}` : item.label,
      row: undefined,
      value,
      unit: item.unit,
      reported: value !== undefined,
      submissionId,
      receivedAt,
    };
  }
  for (const table of dictionary.tables) {
    if (!inSection(table.section)) continue;
    const domainColumn = table.columns.find((column) => column.codeList === 'domain');
    // A table with no domain column (the explanations) belongs to no outcome domain.
    if (filter.domains.length > 0 && !domainColumn) continue;
    const columns = table.columns.map((column) => ({
      id: column.id,
      itemId: `${table.id}.${column.id}`,
      item: `${table.label}: ${column.label}`,
      unit: column.type === 'count' ? 'count' : column.type === 'money' ? '£' : column.type,
    }));
    const rows = entry.values.tables[table.id] ?? [];
    for (const [index, row] of rows.entries()) {
      if (domainColumn && filter.domains.length > 0 && !filter.domains.includes(String(row[domainColumn.id])))
        continue;
      for (const column of columns) {
        const value = row[column.id];
        yield {
          period,
          site,
          dictionaryVersion,
          section: table.section,
          itemId: column.itemId,
          item: column.item,
          row: index + 1,
          value,
          unit: column.unit,
          reported: value !== undefined,
          submissionId,
          receivedAt,
        };
      }
    }
  }
}

/** The items a set of domains selects: their indicators' numerators and denominators, and spend on them. */
function itemsOfDomains(dictionary: Dictionary, domains: readonly string[]): Set<string> | undefined {
  if (domains.length === 0) return undefined;
  const selected = new Set<string>();
  for (const indicator of dictionary.indicators) {
    if (!indicator.domain || !domains.includes(indicator.domain)) continue;
    for (const term of [...indicator.numeratorExpression.terms, ...indicator.denominatorExpression.terms]) {
      selected.add(term.itemId);
    }
  }
  // The rest of each measure's breakdown too (breastfeeding "not at all" and "not known" beside the
  // numerator's "totally" and "partially"), so the download can be checked against its rules.
  const groups = new Set(
    dictionary.items.filter((item) => selected.has(item.id) && item.group).map((item) => item.group),
  );
  for (const item of dictionary.items) {
    if (item.group && groups.has(item.group)) selected.add(item.id);
  }
  for (const item of dictionary.items) {
    if (domains.some((domain) => item.id.endsWith(`_${domain}`))) selected.add(item.id);
  }
  return selected;
}

/** Writes rows to a stream in one format, waiting whenever the stream asks to. */
export async function writeExport(
  format: ExportFormat,
  rows: AsyncIterable<ExportRow>,
  out: Writable,
  about: { readonly filter: ExportFilter; readonly generatedAt: Date; readonly source: string },
): Promise<number> {
  switch (format) {
    case 'csv':
      return writeCsvExport(rows, out);
    case 'json':
      return writeJsonExport(rows, out, about);
    case 'xlsx':
      return writeXlsxExport(rows, out, about);
    default:
      return format satisfies never;
  }
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

async function writeCsvExport(rows: AsyncIterable<ExportRow>, out: Writable): Promise<number> {
  await write(out, `\uFEFF${EXPORT_COLUMNS.map((column) => csvCell(column.heading)).join(',')}\r\n`);
  // Most cells repeat (periods, sites, item IDs and labels): quote each distinct text once.
  const quoted = new Map<string, string>();
  const cell = (value: string | number) => {
    if (typeof value === 'number') return csvCell(value);
    let text = quoted.get(value);
    if (text === undefined) {
      text = csvCell(value);
      if (quoted.size < 50_000) quoted.set(value, text);
    }
    return text;
  };
  let count = 0;
  let batch = '';
  for await (const row of rows) {
    batch += `${EXPORT_COLUMNS.map((column) => cell(cellOf(row, column.key))).join(',')}\r\n`;
    count++;
    if (batch.length > 64 * 1024) {
      await write(out, batch);
      batch = '';
    }
  }
  await write(out, batch);
  return count;
}

async function writeJsonExport(
  rows: AsyncIterable<ExportRow>,
  out: Writable,
  about: { filter: ExportFilter; generatedAt: Date; source: string },
): Promise<number> {
  const head = {
    generatedAt: about.generatedAt.toISOString(),
    source: about.source,
    filter: describeFilterJson(about.filter),
    note: 'One row per site, period and item. A row with reported false was left blank in the return: not reported, never zero.',
  };
  await write(out, `${JSON.stringify(head, null, 2).slice(0, -2)},\n  "rows": [`);
  let count = 0;
  let batch = '';
  for await (const row of rows) {
    // rowsOfReturn builds each row with its keys in column order; undefined values are left out.
    batch += `${count === 0 ? '' : ','}\n    ${JSON.stringify(row)}`;
    count++;
    if (batch.length > 64 * 1024) {
      await write(out, batch);
      batch = '';
    }
  }
  await write(out, `${batch}${count === 0 ? '' : '\n  '}]\n}\n`);
  return count;
}

async function writeXlsxExport(
  rows: AsyncIterable<ExportRow>,
  out: Writable,
  about: { filter: ExportFilter; generatedAt: Date; source: string },
): Promise<number> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  workbook.created = about.generatedAt;
  const sheet = workbook.addWorksheet('Data', { views: [{ state: 'frozen', ySplit: 1 }] });
  const widths: Partial<Record<(typeof EXPORT_COLUMNS)[number]['key'], number>> = {
    item: 50,
    itemId: 22,
    submissionId: 24,
    receivedAt: 26,
  };
  sheet.columns = EXPORT_COLUMNS.map((column) => ({
    header: column.heading,
    key: column.key,
    width: widths[column.key] ?? Math.max(12, column.heading.length + 3),
  }));
  sheet.getRow(1).font = { bold: true };
  let count = 0;
  for await (const row of rows) {
    const values = EXPORT_COLUMNS.map((column) => cellOf(row, column.key));
    // Strings stay strings: exceljs writes a formula only when given { formula }, so "=…" is text.
    const line = sheet.addRow(values);
    if (row.unit === '£' && typeof row.value === 'number') line.getCell(8).numFmt = '"£"#,##0.00';
    line.commit();
    count++;
    // Let the stream drain between rows when it asks: exceljs writes into it synchronously.
    if (out.writableNeedDrain) await once(out, 'drain');
  }
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: count + 1, column: EXPORT_COLUMNS.length } };
  sheet.commit();
  const aboutSheet = workbook.addWorksheet('About');
  aboutSheet.getColumn(1).width = 20;
  aboutSheet.getColumn(2).width = 100;
  for (const [label, text] of [
    ['Made', `${about.generatedAt.toISOString()} (UTC)`],
    ['From', about.source],
    ['Filter', describeFilter(about.filter)],
    ['Rows', String(count)],
    ['Blank values', 'A row with Reported "no" was left blank in the return: not reported, never zero.'],
  ] as const) {
    aboutSheet.addRow([label, text]).commit();
  }
  aboutSheet.commit();
  await workbook.commit();
  return count;
}

function cellOf(row: ExportRow, key: (typeof EXPORT_COLUMNS)[number]['key']): string | number {
  switch (key) {
    case 'row':
      return row.row ?? '';
    case 'value':
      return row.value ?? '';
    case 'reported':
      return row.reported ? 'yes' : 'no';
    default:
      return row[key];
  }
}

export function describeFilter(filter: ExportFilter): string {
  const parts = [`${formatPeriod(filter.from)} to ${formatPeriod(filter.to)}`];
  parts.push(filter.sites.length === 0 ? 'every site' : `sites ${filter.sites.join(', ')}`);
  if (filter.sections.length > 0) parts.push(`sections ${filter.sections.join(', ')}`);
  if (filter.domains.length > 0) parts.push(`outcome domains ${filter.domains.join(', ')}`);
  return parts.join('; ');
}

function describeFilterJson(filter: ExportFilter) {
  return {
    from: formatPeriod(filter.from),
    to: formatPeriod(filter.to),
    sites: filter.sites,
    sections: filter.sections,
    domains: filter.domains,
  };
}

function periodOf(text: string, option: string): Period {
  const parsed = parsePeriod(text);
  if ('problem' in parsed) throw new UsageError(`--${option}: ${parsed.problem}.`);
  return parsed.period;
}

function quartersBetween(from: Period, to: Period): number {
  return (to.startYear - from.startYear) * 4 + (to.quarter - from.quarter) + 1;
}

function dictionariesFor(registry: DictionaryRegistry, from: Period, to: Period): Dictionary[] {
  const found = new Map<string, Dictionary>();
  for (let period = from; comparePeriods(period, to) <= 0; period = nextPeriod(period)) {
    const dictionary = registry.forPeriod(period);
    found.set(dictionary.version, dictionary);
  }
  return [...found.values()];
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
