/**
 * The quarterly return template, generated from the dictionary with exceljs, as
 * a careful analyst would build it by hand: instructions first, one sheet per
 * section, a yellow input cell per item with its definition beside it, Excel's
 * own data validation and input messages, and everything but the inputs locked.
 *
 * The public contract: every input cell carries a workbook-level defined name
 * equal to its item ID, and every table column a name over its input cells
 * (`SERVICES.SESSIONS`). The validator, and any outside tool, find items by name.
 *
 * input: dictionary, site, period → output: .xlsx bytes
 */
import ExcelJS from 'exceljs';
import { codeChoice } from '../dictionary/code-choices.js';
import { columnLetters, quoteSheetName } from '../dictionary/excel-names.js';
import type { Code, Dictionary, Item, Table, TableColumn } from '../dictionary/load-dictionary.js';
import { CANNOT_REPORT_POLICY } from '../dictionary/reporting-policy.js';
import {
  describePeriod,
  formatPeriod,
  longDate,
  type Period,
  periodEnd,
  periodMonths,
  periodStart,
} from '../programme/periods.js';
import type { Programme } from '../programme/programme.js';
import type { Site } from '../programme/sites.js';
import type { ReturnValues } from '../returns/return-values.js';
import {
  COLUMNS,
  HEADER_ROW,
  howToSend,
  INSTRUCTIONS_SHEET,
  LAST_COLUMN,
  layoutSections,
  META_SHEET,
  REQUIRED_MARK,
  type SectionLayout,
  TABLE_FIRST_COLUMN,
  TEMPLATE_ID,
  WHAT_HAPPENS_NEXT,
} from './template-layout.js';

export interface TemplateRequest {
  readonly dictionary: Dictionary;
  readonly programme: Programme;
  readonly site: Site;
  readonly sites: readonly Site[];
  readonly period: Period;
  /** When the template was made; recorded in the metadata. */
  readonly generatedAt?: Date;
  /**
   * The site's last accepted return, shown beside each input for reference, never as its value:
   * year-to-date figures and populations are easier to carry forward, and nothing is sent unchecked.
   */
  readonly lastAccepted?: { readonly period: Period; readonly values: ReturnValues };
}

const COLOURS = {
  input: 'FFFFF2CC', // pale yellow: fill me in
  prefilled: 'FFE7E6E6', // grey: filled in for you
  header: 'FF1F4E79',
  group: 'FFDDEBF7',
  definitions: 'FFF2F2F2', // light grey: read me, under a table's header
  idText: 'FF7F7F7F',
  border: 'FFBFBFBF',
};

const NUMBER_FORMATS: Record<Item['type'], string> = {
  count: '#,##0',
  money: '"£"#,##0.00',
  date: 'dd/mm/yyyy',
  text: '@',
  email: '@',
  code: '@',
  site: '@',
  period: '@',
};

/** Excel's limits on data validation messages; longer ones make Excel repair the file. */
const PROMPT_TITLE_MAX = 32;
const PROMPT_MAX = 255;
const ERROR_MAX = 225;
/** Excel refuses an inline list of choices longer than this. */
const INLINE_LIST_MAX = 255;

const thin = { style: 'thin' as const, color: { argb: COLOURS.border } };
const box = { top: thin, left: thin, bottom: thin, right: thin };

/**
 * Dropdown choices too long for Excel's inline list (255 characters), such as
 * every item in plain words, live in columns of the very hidden `_meta` sheet,
 * right of its metadata, and the cell's list validation points at them.
 */
class ChoiceLists {
  private readonly lists = new Map<string, { column: number; choices: readonly string[] }>();

  /** The absolute range holding these choices, placed on first use. */
  rangeFor(name: string, choices: readonly string[]): string {
    let list = this.lists.get(name);
    if (!list) {
      list = { column: CHOICE_LISTS_FIRST_COLUMN + this.lists.size, choices };
      this.lists.set(name, list);
    }
    const letter = columnLetters(list.column);
    return `${quoteSheetName(META_SHEET)}!$${letter}$2:$${letter}$${choices.length + 1}`;
  }

  writeTo(sheet: ExcelJS.Worksheet): void {
    for (const [name, { column, choices }] of this.lists) {
      sheet.getCell(1, column).value = name;
      choices.forEach((choice, index) => {
        sheet.getCell(index + 2, column).value = choice;
      });
    }
  }
}

/** Column J of `_meta`: clear of the key, value, sheet and cells columns (A–D) the reader uses. */
const CHOICE_LISTS_FIRST_COLUMN = 10;

export async function writeTemplate(request: TemplateRequest): Promise<Buffer> {
  const { dictionary, site, period, programme } = request;
  const choiceLists = new ChoiceLists();
  const workbook = new ExcelJS.Workbook();
  const generatedAt = request.generatedAt ?? new Date();
  workbook.creator = programme.funder;
  workbook.created = generatedAt;
  workbook.modified = generatedAt;
  workbook.title = `${site.shortName} ${describePeriod(period)} monitoring return`;
  workbook.subject = `${dictionary.title}, dictionary version ${dictionary.version}`;
  workbook.keywords = `${TEMPLATE_ID} ${dictionary.version} ${site.code} ${formatPeriod(period)}`;
  workbook.company = programme.funder;

  writeInstructions(workbook, request);
  const layouts = layoutSections(dictionary);
  for (const layout of layouts) await writeSection(workbook, layout, request, choiceLists);
  await writeMetadata(workbook, layouts, request, generatedAt, choiceLists);
  // Open on the instructions, not on whichever sheet was written last.
  workbook.views = [
    { activeTab: 0, firstSheet: 0, x: 0, y: 0, width: 20000, height: 12000, visibility: 'visible' },
  ];

  return Buffer.from(await workbook.xlsx.writeBuffer());
}

function writeInstructions(workbook: ExcelJS.Workbook, request: TemplateRequest): void {
  const { dictionary, site, period, programme } = request;
  const sheet = workbook.addWorksheet(INSTRUCTIONS_SHEET, {
    properties: { tabColor: { argb: COLOURS.header } },
    pageSetup: { orientation: 'portrait', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  sheet.getColumn(1).width = 3;
  sheet.getColumn(2).width = 100;
  const dueDate = longDate(programme.dueDate(period));
  const sectionList = dictionary.sections.map((section) => `•  ${section.sheet}: ${section.title}`);
  const lines: Array<[string, 'title' | 'heading' | 'text']> = [
    [`${programme.name} quarterly monitoring return`, 'title'],
    [`${site.name} · ${describePeriod(period)} (${periodMonths(period)})`, 'heading'],
    [`Please return this workbook by ${dueDate}.`, 'text'],
    ['', 'text'],
    ['What this return is for', 'heading'],
    [
      `Every quarter each partnership reports the same figures, defined once in the Common Outcomes Framework data dictionary (version ${dictionary.version}), so that together they show how much the programme did, how well it did it, and whether anyone is better off.`,
      'text',
    ],
    ['', 'text'],
    ['How to fill it in', 'heading'],
    [
      '•  Fill in the yellow cells on each sheet. The grey cells are filled in for you; please leave them as they are.',
      'text',
    ],
    [
      `•  Every figure whose row says "${REQUIRED_MARK}" must be filled in; a row that says "Optional" may be left blank.`,
      'text',
    ],
    [
      '•  Click a yellow cell to see the definition of what to count. Each row also shows its definition and unit, and each table column its meaning under its heading.',
      'text',
    ],
    [
      '•  Blank and zero mean different things. Enter 0 when there were none. A blank is read as "not reported", never as zero.',
      'text',
    ],
    [`•  ${CANNOT_REPORT_POLICY}`, 'text'],
    [
      '•  "Not known" is a category, not a blank: where a breakdown has a "not known" row, the breakdown must add up exactly to its total.',
      'text',
    ],
    [
      '•  Enter numbers as numbers: no "N/A", dashes or notes in number cells. Put any context in the Commentary sheet.',
      'text',
    ],
    [
      '•  Where a cell offers a list, choose from it: each choice is in plain words with its code in brackets, and typing the code alone works too.',
      'text',
    ],
    [
      '•  You may add rows or columns, or paste values, without breaking anything: each input cell is found by its name. Please do not rename or delete the sheets.',
      'text',
    ],
    ['', 'text'],
    ['The sheets', 'heading'],
    ...sectionList.map((line): [string, 'text'] => [line, 'text']),
    ['', 'text'],
    ['How to send it', 'heading'],
    [howToSend(programme.portalUrl, programme.helpEmail), 'text'],
    ['', 'text'],
    ['What happens next', 'heading'],
    [WHAT_HAPPENS_NEXT, 'text'],
    [
      'Errors must be fixed before the return is accepted. Warnings do not stop it, but please correct each one or explain it in the explanations table on the Commentary sheet.',
      'text',
    ],
    [
      'If you send a corrected workbook later, it replaces the earlier one; nothing you sent is lost. You can correct the copy attached to the email and send that back.',
      'text',
    ],
    ['', 'text'],
    ['Getting help', 'heading'],
    [`Email ${programme.helpEmail} with any question about a definition or this workbook.`, 'text'],
  ];
  lines.forEach(([text, style], index) => {
    const cell = sheet.getCell(index + 1, 2);
    cell.value = text;
    cell.alignment = { wrapText: true, vertical: 'top' };
    if (style === 'title') cell.font = { bold: true, size: 16, color: { argb: COLOURS.header } };
    if (style === 'heading') cell.font = { bold: true, size: 12, color: { argb: COLOURS.header } };
    const row = sheet.getRow(index + 1);
    // Excel does not grow a row to fit wrapped text it did not type itself.
    row.height = style === 'title' ? 24 : style === 'heading' ? 20 : rowHeight(text, 110);
  });
  void sheet.protect('', { selectLockedCells: true, selectUnlockedCells: true });
}

async function writeSection(
  workbook: ExcelJS.Workbook,
  layout: SectionLayout,
  request: TemplateRequest,
  choiceLists: ChoiceLists,
): Promise<void> {
  const { dictionary, site, period } = request;
  const { section } = layout;
  const sheet = workbook.addWorksheet(section.sheet, {
    views: [{ state: 'frozen', ySplit: HEADER_ROW, showGridLines: false }],
    pageSetup: {
      orientation: 'landscape',
      paperSize: 9,
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: `${HEADER_ROW}:${HEADER_ROW}`,
      margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
    },
    headerFooter: { oddFooter: `&L${site.shortName} ${describePeriod(period)}&C&A&RPage &P of &N` },
  });
  const widths: Record<string, number> = { A: 22, B: 46, C: 18, D: 11, E: 16, F: 16, G: 16, H: 16, I: 32 };
  for (const [letter, width] of Object.entries(widths)) sheet.getColumn(letter).width = width;

  sheet.getCell('A1').value = `${section.id}. ${section.title}`;
  sheet.getCell('A1').font = { bold: true, size: 14, color: { argb: COLOURS.header } };
  sheet.getCell('A2').value = `${site.name} · ${describePeriod(period)} (${periodMonths(period)})`;
  sheet.getCell('A2').font = { bold: true };
  sheet.getCell('A3').value =
    `Fill in the yellow cells: every row marked ${REQUIRED_MARK} needs a figure. Enter 0 when there were none.`;
  sheet.getCell('A3').font = { italic: true };
  // The same policy words as the Instructions, so the sheets never contradict them.
  const policy = sheet.getCell('A4');
  policy.value = CANNOT_REPORT_POLICY;
  policy.font = { italic: true };
  policy.alignment = { wrapText: true, vertical: 'top' };
  sheet.mergeCells(`A4:${COLUMNS.last}4`);
  sheet.getRow(4).height = rowHeight(CANNOT_REPORT_POLICY, 170);

  const header = sheet.getRow(HEADER_ROW);
  const headings: Array<[string, string]> = [
    [COLUMNS.id, 'Item ID'],
    [COLUMNS.label, 'Item'],
    [COLUMNS.value, 'Your figure'],
    [COLUMNS.required, 'Required?'],
    [COLUMNS.unit, 'Unit'],
    [COLUMNS.definition, 'Definition'],
  ];
  for (const [letter, text] of headings) styleHeader(sheet.getCell(`${letter}${HEADER_ROW}`), text);
  sheet.mergeCells(`${COLUMNS.definition}${HEADER_ROW}:${COLUMNS.last}${HEADER_ROW}`);
  header.height = 20;

  for (const entry of layout.rows) {
    switch (entry.kind) {
      case 'group': {
        const cell = sheet.getCell(`${COLUMNS.label}${entry.row}`);
        cell.value = entry.title;
        cell.font = { bold: true, color: { argb: COLOURS.header } };
        for (let column = 1; column <= LAST_COLUMN; column++) {
          sheet.getCell(entry.row, column).fill = solid(COLOURS.group);
        }
        break;
      }
      case 'item':
        writeItemRow(sheet, entry.row, entry.item, request, choiceLists);
        workbook.definedNames.add(
          `${quoteSheetName(section.sheet)}!$${COLUMNS.value}$${entry.row}`,
          entry.item.id,
        );
        break;
      case 'table-title': {
        const title = sheet.getCell(`${COLUMNS.label}${entry.row}`);
        title.value = entry.table.label;
        title.font = { bold: true, size: 12, color: { argb: COLOURS.header } };
        const note = sheet.getCell(`${columnLetters(TABLE_FIRST_COLUMN + 1)}${entry.row}`);
        note.value = entry.table.definition;
        note.alignment = { wrapText: true, vertical: 'top' };
        note.font = { italic: true };
        sheet.mergeCells(`${columnLetters(TABLE_FIRST_COLUMN + 1)}${entry.row}:${COLUMNS.last}${entry.row}`);
        sheet.getRow(entry.row).height = rowHeight(entry.table.definition, 100);
        break;
      }
      case 'table-header':
        entry.table.columns.forEach((column, index) => {
          styleHeader(sheet.getCell(entry.row, TABLE_FIRST_COLUMN + index), column.label);
        });
        mergeToLastColumn(sheet, entry.row, TABLE_FIRST_COLUMN + entry.table.columns.length - 1);
        sheet.getRow(entry.row).height = 32;
        break;
      case 'table-definitions': {
        // What each column means, where a printed page shows it: an input message alone never prints.
        let tallest = 15;
        entry.table.columns.forEach((column, index) => {
          const cell = sheet.getCell(entry.row, TABLE_FIRST_COLUMN + index);
          cell.value = columnDefinition(entry.table, column, request);
          cell.font = { italic: true, size: 9 };
          cell.fill = solid(COLOURS.definitions);
          cell.border = box;
          cell.alignment = { wrapText: true, vertical: 'top' };
          const last = index === entry.table.columns.length - 1;
          const width = last ? 60 : (sheet.getColumn(TABLE_FIRST_COLUMN + index).width ?? 16);
          tallest = Math.max(
            tallest,
            rowHeight(String(cell.value), Math.max(10, Math.floor(width * 1.2)), 12),
          );
        });
        mergeToLastColumn(sheet, entry.row, TABLE_FIRST_COLUMN + entry.table.columns.length - 1);
        sheet.getRow(entry.row).height = tallest;
        break;
      }
    }
  }

  // Printing: a table's own header (not the item grid's) repeats on the pages it runs over.
  // Excel has one set of print titles per sheet, repeated only from where they first appear,
  // so a sheet with a table repeats the table's header rows and its item grid prints first,
  // under its own header. (No manual page break: exceljs drops them when it reads a workbook.)
  const [firstTable] = layout.tables;
  if (firstTable) sheet.pageSetup.printTitlesRow = `${firstTable.headerRow}:${firstTable.definitionsRow}`;

  for (const placement of layout.tables) {
    const { table, firstRow, lastRow } = placement;
    // The explanations table's choices are sentences ("Referrals received (QUAL.REFERRALS)"): wrap them.
    const explanations = table === dictionary.explanations.table;
    table.columns.forEach((column, index) => {
      const columnNumber = TABLE_FIRST_COLUMN + index;
      const letter = columnLetters(columnNumber);
      // The last column of a table takes the remaining width, so long text has room.
      const last = index === table.columns.length - 1 && columnNumber < LAST_COLUMN;
      for (let row = firstRow; row <= lastRow; row++) {
        const cell = sheet.getCell(row, columnNumber);
        styleInput(cell, column.type);
        if (explanations) cell.alignment = { wrapText: true, vertical: 'top' };
        if (last) sheet.mergeCells(row, columnNumber, row, LAST_COLUMN);
      }
      const range = `$${letter}$${firstRow}:$${letter}$${lastRow}`;
      workbook.definedNames.add(`${quoteSheetName(section.sheet)}!${range}`, column.name);
      const validation = dataValidationFor(column, request, choiceLists);
      if (validation) addValidation(sheet, `${letter}${firstRow}:${letter}${lastRow}`, validation);
    });
    if (explanations) {
      // Room for a choice such as "Referrals with a first contact within 14 days (QUAL.CONTACT_14D)".
      table.columns.forEach((column, index) => {
        if (column.type === 'code') {
          const sheetColumn = sheet.getColumn(TABLE_FIRST_COLUMN + index);
          sheetColumn.width = Math.max(sheetColumn.width ?? 0, 44);
        }
      });
      for (let row = firstRow; row <= lastRow; row++) sheet.getRow(row).height = 32;
    }
  }

  await sheet.protect('', {
    selectLockedCells: true,
    selectUnlockedCells: true,
    formatColumns: true,
    formatRows: true,
    insertRows: true,
  });
  void dictionary;
}

function writeItemRow(
  sheet: ExcelJS.Worksheet,
  row: number,
  item: Item,
  request: TemplateRequest,
  choiceLists: ChoiceLists,
): void {
  const { site, period } = request;
  const id = sheet.getCell(`${COLUMNS.id}${row}`);
  id.value = item.id;
  id.font = { color: { argb: COLOURS.idText }, size: 9 };
  id.alignment = { vertical: 'top' };

  const label = sheet.getCell(`${COLUMNS.label}${row}`);
  label.value = item.label;
  label.alignment = { wrapText: true, vertical: 'top', indent: item.group ? 1 : 0 };

  const input = sheet.getCell(`${COLUMNS.value}${row}`);
  styleInput(input, item.type);
  if (item.type === 'site') {
    input.value = site.code;
    input.fill = solid(COLOURS.prefilled);
  } else if (item.type === 'period') {
    input.value = formatPeriod(period);
    input.fill = solid(COLOURS.prefilled);
  }
  if (item.type === 'text' && (item.maxLength ?? 0) > 200) {
    // Long text gets the room of the row, not a sliver of one cell.
    sheet.mergeCells(`${COLUMNS.value}${row}:${COLUMNS.last}${row}`);
    // The box covers the Required column, so the label says it.
    label.value = `${item.label} (${item.required ? REQUIRED_MARK : 'Optional'})`;
    sheet.getRow(row).height = 150;
    input.alignment = { wrapText: true, vertical: 'top' };
  } else {
    const required = sheet.getCell(`${COLUMNS.required}${row}`);
    required.value = item.required ? REQUIRED_MARK : 'Optional';
    required.font = item.required ? { bold: true } : { italic: true };
    required.alignment = { vertical: 'top' };
    const unit = sheet.getCell(`${COLUMNS.unit}${row}`);
    unit.value = item.unit;
    unit.alignment = { vertical: 'top' };
    const definition = sheet.getCell(`${COLUMNS.definition}${row}`);
    const last = lastFigure(item, request);
    definition.value = last
      ? { richText: [{ text: `${last}\n`, font: { bold: true } }, { text: item.definition }] }
      : item.definition;
    definition.alignment = { wrapText: true, vertical: 'top' };
    sheet.mergeCells(`${COLUMNS.definition}${row}:${COLUMNS.last}${row}`);
    // The last figure, if shown, is a line of its own above the definition.
    sheet.getRow(row).height = Math.max(
      rowHeight(item.definition, 88) + (last ? 15 : 0),
      rowHeight(item.label, 44),
    );
  }
  const validation = dataValidationFor(item, request, choiceLists);
  if (validation) addValidation(sheet, `${COLUMNS.value}${row}`, validation);
}

/** "Your 2025-26 Q1 figure: 1,234", from the last accepted return; undefined where it had none. */
function lastFigure(item: Item, request: TemplateRequest): string | undefined {
  const last = request.lastAccepted;
  // Figures and choices carry forward; a site, quarter, date or commentary is this quarter's own.
  if (!last || ['site', 'period', 'date', 'text'].includes(item.type)) return undefined;
  const value = last.values.items[item.id];
  if (value === undefined || value === null || value === '') return undefined;
  const shown =
    typeof value === 'number' ? value.toLocaleString('en-GB', { maximumFractionDigits: 2 }) : String(value);
  return `Your ${describePeriod(last.period)} figure: ${shown}`;
}

/**
 * One rule per range. exceljs's per-cell `cell.dataValidation` is merged on write
 * into ranges that can overlap (its issue #2820), which makes Excel repair the file.
 */
function addValidation(sheet: ExcelJS.Worksheet, range: string, validation: ExcelJS.DataValidation): void {
  // Present at run time in exceljs 4.4 but missing from its type declarations.
  (
    sheet as unknown as { dataValidations: { add(range: string, rule: ExcelJS.DataValidation): void } }
  ).dataValidations.add(range, validation);
}

function styleInput(cell: ExcelJS.Cell, type: Item['type']): void {
  cell.protection = { locked: false };
  cell.fill = solid(COLOURS.input);
  cell.border = box;
  cell.numFmt = NUMBER_FORMATS[type];
  cell.alignment = type === 'text' ? { wrapText: true, vertical: 'top' } : { vertical: 'top' };
}

function styleHeader(cell: ExcelJS.Cell, text: string): void {
  cell.value = text;
  cell.font = { bold: true, color: { argb: 'FFFFFFFF' } };
  cell.fill = solid(COLOURS.header);
  cell.alignment = { vertical: 'middle', wrapText: true };
  cell.border = box;
}

function solid(argb: string): ExcelJS.Fill {
  return { type: 'pattern', pattern: 'solid', fgColor: { argb } };
}

/** Excel does not grow merged rows to fit their text, so the height is set from the text. */
function rowHeight(text: string, charactersPerLine: number, lineHeight = 15): number {
  return Math.max(15, lineHeight * Math.ceil(text.length / charactersPerLine));
}

function mergeToLastColumn(sheet: ExcelJS.Worksheet, row: number, lastTableColumn: number): void {
  if (lastTableColumn < LAST_COLUMN) sheet.mergeCells(row, lastTableColumn, row, LAST_COLUMN);
}

/**
 * A table column's definition, with a code list's choices spelled out in plain words, and
 * "Needed in every row you use" where the dictionary's table rule requires it.
 */
/** The most choices a column's definition lists in words. */
const SPELLED_OUT_CHOICES = 12;

function columnDefinition(table: Table, column: TableColumn, request: TemplateRequest): string {
  const { dictionary } = request;
  const parts = [column.definition];
  if (column.type === 'code') {
    const codes = dictionary.codeLists.get(column.codeList ?? '') ?? [];
    // A short list is spelled out; a long one (every item of the return) stays in the dropdown:
    // spelled out, it would fill the page on every printed page the header repeats on.
    parts.push(
      codes.length <= SPELLED_OUT_CHOICES
        ? `Choose from the list: ${codes.map(codeChoice).join('; ')}.`
        : 'Choose from the list in the cell.',
    );
  }
  const needed = dictionary.rules.some(
    (rule) =>
      rule.kind === 'table_totals' && rule.table === table.id && rule.requiredInUsedRows.includes(column.id),
  );
  if (needed) parts.push(`${REQUIRED_MARK} in every row you use.`);
  return parts.join(' ');
}

/** Excel's own check on the value typed, with the definition as the input message. */
function dataValidationFor(
  field: Pick<Item, 'type' | 'label' | 'definition' | 'min' | 'maxLength' | 'codeList'> | TableColumn,
  request: TemplateRequest,
  choiceLists: ChoiceLists,
): ExcelJS.DataValidation | undefined {
  const { dictionary, site, period } = request;
  const common = {
    allowBlank: true,
    showInputMessage: true,
    promptTitle: truncate(field.label, PROMPT_TITLE_MAX),
    prompt: truncate(field.definition, PROMPT_MAX),
    showErrorMessage: true,
    errorStyle: 'stop' as const,
    errorTitle: 'Please check this value',
  };
  const error = (text: string) => ({ ...common, error: truncate(text, ERROR_MAX) });
  const list = (codes: readonly string[], message: string): ExcelJS.DataValidation => ({
    ...error(message),
    type: 'list',
    formulae: [`"${codes.join(',')}"`],
  });
  switch (field.type) {
    case 'count': {
      const min = field.min ?? 0;
      return {
        ...error(
          `Enter a whole number, ${min} or more, with no text or symbols. Enter 0 where there were none; if you cannot report it, say so in the explanations table.`,
        ),
        type: 'whole',
        operator: 'greaterThanOrEqual',
        formulae: [min],
      };
    }
    case 'money':
      return {
        ...error('Enter an amount in pounds, 0 or more, such as 1250.50, with no £ sign or text.'),
        type: 'decimal',
        operator: 'greaterThanOrEqual',
        formulae: [field.min ?? 0],
      };
    case 'date':
      return {
        ...error(
          `Enter a date on or after ${longDate(periodStart(period))}, such as ${formatUkDate(periodEnd(period))}.`,
        ),
        type: 'date',
        operator: 'greaterThanOrEqual',
        formulae: [new Date(`${periodStart(period)}T00:00:00Z`)],
      };
    case 'text':
    case 'email':
      return {
        ...error(`Enter at most ${field.maxLength} characters.`),
        type: 'textLength',
        operator: 'lessThanOrEqual',
        formulae: [field.maxLength ?? 32_767],
      };
    case 'code': {
      const codes = (dictionary.codeLists.get(field.codeList ?? '') ?? []) as readonly Code[];
      if (codes.some((code) => code.display !== undefined)) {
        // Plain words with the code in brackets, from a range (they pass Excel's 255-character
        // inline limit). A warning, not a stop: a typed bare code ("R14") is read as well.
        return {
          ...common,
          errorStyle: 'warning',
          error: truncate(
            `Please choose from the list. You can also type the code alone, such as ${codes
              .slice(0, 2)
              .map((code) => code.code)
              .join(' or ')}.`,
            ERROR_MAX,
          ),
          type: 'list',
          formulae: [
            choiceLists.rangeFor(
              field.codeList ?? '',
              codes.map((code) => code.display ?? code.code),
            ),
          ],
        };
      }
      // Plain words with the code in brackets, which the validator reads back; the codes alone
      // where the words would not fit Excel's 255-character inline list or hold its separator.
      const choices = codes.map(codeChoice);
      const fits = `"${choices.join(',')}"`.length <= INLINE_LIST_MAX && !choices.some((c) => /[,"]/.test(c));
      return list(fits ? choices : codes.map((code) => code.code), `Choose one of: ${choices.join(', ')}.`);
    }
    case 'site':
      return list([site.code], `This return is for ${site.code} (${site.name}); please leave it as it is.`);
    case 'period':
      return list(
        [formatPeriod(period)],
        `This return is for ${formatPeriod(period)}; please leave it as it is.`,
      );
  }
}

/**
 * The metadata a reader needs when names are lost: template ID, dictionary
 * version, site, period and where every item was placed. Very hidden, so only
 * the VBA editor or a tool can show it; a person cannot unhide it by accident.
 */
async function writeMetadata(
  workbook: ExcelJS.Workbook,
  layouts: readonly SectionLayout[],
  request: TemplateRequest,
  generatedAt: Date,
  choiceLists: ChoiceLists,
): Promise<void> {
  const { dictionary, site, period } = request;
  const sheet = workbook.addWorksheet(META_SHEET, { state: 'veryHidden' });
  const rows: Array<[string, string, string?, string?]> = [
    ['key', 'value', 'sheet', 'cells'],
    ['templateId', TEMPLATE_ID],
    ['dictionaryVersion', dictionary.version],
    ['site', site.code],
    ['period', formatPeriod(period)],
    ['generatedAt', generatedAt.toISOString()],
  ];
  for (const layout of layouts) {
    for (const entry of layout.rows) {
      if (entry.kind === 'item')
        rows.push(['item', entry.item.id, layout.section.sheet, `${COLUMNS.value}${entry.row}`]);
    }
    for (const placement of layout.tables) {
      placement.table.columns.forEach((column, index) => {
        const letter = columnLetters(TABLE_FIRST_COLUMN + index);
        rows.push([
          'column',
          column.name,
          layout.section.sheet,
          `${letter}${placement.firstRow}:${letter}${placement.lastRow}`,
        ]);
      });
    }
  }
  rows.forEach((values, index) => {
    values.forEach((value, column) => {
      if (value !== undefined) sheet.getCell(index + 1, column + 1).value = value;
    });
  });
  choiceLists.writeTo(sheet);
  await sheet.protect('', {});
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function formatUkDate(iso: string): string {
  const [year, month, day] = iso.split('-');
  return `${day}/${month}/${year}`;
}
