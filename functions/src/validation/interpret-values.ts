/**
 * Cell values as spreadsheets really hold them, read as the dictionary says
 * each item is. A blank is "not reported", never zero. Numbers typed as text
 * ("1,234", " 42 ") are read as numbers; "N/A", "-", negative or fractional
 * counts, percentages where a count belongs, error values and formulas with no
 * calculated result are findings. Dates come as serials (1900 or 1904 system),
 * as ISO cells, or as text.
 *
 * input: located cells → output: typed values, and findings grouped so one
 * mistake repeated forty times is one finding, not forty
 */
import { findCode } from '../dictionary/code-choices.js';
import type { Code, Dictionary, Item, TableColumn } from '../dictionary/load-dictionary.js';
import { CANNOT_REPORT_POLICY } from '../dictionary/reporting-policy.js';
import { CANNOT_REPORT_CODE } from '../dictionary/table-roles.js';
import { type Period, periodStart } from '../programme/periods.js';
import type { Cell, WorkbookContents } from '../reading/read-workbook.js';
import type { ItemValue, ReturnValues, TableRow } from '../returns/return-values.js';
import {
  type CellLocation,
  describeCellRefs,
  describeLocation,
  type Finding,
  formatCount,
  formatMoney,
} from './findings.js';
import type { LocatedReturn } from './locate-items.js';

export interface InterpretContext {
  readonly period?: Period;
  /** Today's date (ISO), for "not in the future". */
  readonly today: string;
}

export interface TableCell {
  readonly location: CellLocation;
  readonly value?: ItemValue;
  /** True when the cell holds something, even something unusable. */
  readonly filled: boolean;
}

export interface InterpretedTableRow {
  /** 1-based position within the table. */
  readonly index: number;
  readonly cells: ReadonlyMap<string, TableCell>;
}

export interface InterpretedReturn {
  readonly values: ReturnValues;
  readonly findings: readonly Finding[];
  /** Items whose cells held something unusable: rules on them are not run, to say each mistake once. */
  readonly unusable: ReadonlySet<string>;
  readonly tables: ReadonlyMap<string, readonly InterpretedTableRow[]>;
  /** Required items left blank that the explanations table says cannot be reported this quarter. */
  readonly notReported: readonly string[];
}

type Field =
  | Pick<Item, 'type' | 'label' | 'unit' | 'min' | 'maxLength' | 'codeList'>
  | (TableColumn & { unit?: string });

/** One cell's problem, before grouping. */
interface Problem {
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'notice';
  readonly location: CellLocation;
  readonly itemId?: string;
  readonly subject: string;
  readonly seen?: string;
  readonly expected: string;
  /** The sentence for this cell alone. */
  readonly single: string;
  /** What to do, shared by every cell with this problem. */
  readonly advice: string;
  /** How a group of such cells is introduced: "{n} cells hold text instead of a number". */
  readonly group: (count: number) => string;
}

const NOT_AVAILABLE = /^(n\/?a|na|n\.a\.|-+|–|—|\?+|x|nil|none|unknown|not known|tbc|tbd|nk|n\/k|\.)$/i;

export function interpretValues(
  located: LocatedReturn,
  contents: WorkbookContents,
  context: InterpretContext,
): InterpretedReturn {
  const { dictionary } = located;
  const problems: Problem[] = [];
  const findings: Finding[] = [];
  const items: Record<string, ItemValue> = {};
  const unusable = new Set<string>();
  const notReported: string[] = [];

  // Tables first: the explanations table says which blank items cannot be reported.
  const { tables, tableValues } = interpretTables(located, contents, context, problems);
  const cannotReport = cannotReportRows(dictionary, tables);

  for (const item of dictionary.items) {
    const location = located.items.get(item.id);
    if (!location) {
      unusable.add(item.id);
      continue;
    }
    const cell = contents.cell(location.sheet, location.row, location.column);
    const subject = `${item.name} (${describeLocation([location])})`;
    const result = interpretCell(cell, item, dictionary, contents.date1904, context);
    const said = cannotReport.get(item.id);
    // "N/A" in a cell the site says it cannot report means what the row says: not reported.
    const notAvailable =
      'problem' in result && result.problem.code === 'value.not_a_number' && result.problem.notAvailable;
    if (said && item.required && (notAvailable || (!('problem' in result) && result.value === undefined))) {
      unusable.add(item.id);
      notReported.push(item.id);
      findings.push(notReportedFinding(item, location, subject, said));
    } else if ('problem' in result) {
      unusable.add(item.id);
      problems.push(buildProblem(result.problem, location, subject, item.id));
    } else if (result.value !== undefined) {
      items[item.id] = result.value;
    } else if (item.required) {
      unusable.add(item.id);
      problems.push({
        code: 'value.missing',
        severity: 'error',
        location,
        itemId: item.id,
        subject,
        expected: 'a figure',
        single: `${subject} is blank.`,
        advice: `Enter 0 where there were none. ${CANNOT_REPORT_POLICY}`,
        group: (count) => `${count} required figures are blank`,
      });
    }
  }

  return {
    values: { items, tables: tableValues, ...(notReported.length > 0 ? { notReported } : {}) },
    findings: [...groupProblems(problems), ...findings],
    unusable,
    tables,
    notReported,
  };
}

function interpretTables(
  located: LocatedReturn,
  contents: WorkbookContents,
  context: InterpretContext,
  problems: Problem[],
): { tables: Map<string, InterpretedTableRow[]>; tableValues: Record<string, TableRow[]> } {
  const { dictionary } = located;
  const tables = new Map<string, InterpretedTableRow[]>();
  const tableValues: Record<string, TableRow[]> = {};
  for (const table of dictionary.tables) {
    // A slip in the explanations table is pointed out, never an error: it cannot make a return worse.
    const explanations = table === dictionary.explanations.table;
    const rows: InterpretedTableRow[] = [];
    const firstArea = located.columns.get(table.columns[0]?.name ?? '');
    const height = Math.min(
      ...table.columns.map((column) => {
        const area = located.columns.get(column.name);
        return area ? area.bottom - area.top + 1 : Number.POSITIVE_INFINITY;
      }),
    );
    if (!firstArea || !Number.isFinite(height)) continue;
    for (let index = 1; index <= Math.min(height, 10_000); index++) {
      const cells = new Map<string, TableCell>();
      for (const column of table.columns) {
        const area = located.columns.get(column.name);
        if (!area) continue;
        const location: CellLocation = { sheet: area.sheet, row: area.top + index - 1, column: area.left };
        const cell = contents.cell(location.sheet, location.row, location.column);
        const filled = cell !== undefined && !isBlankCell(cell);
        const result = interpretCell(cell, column, dictionary, contents.date1904, context);
        if ('problem' in result) {
          const subject = `${column.label} in row ${index} of the ${lowerFirst(table.label)} (${describeLocation([location])})`;
          const problem = explanations
            ? {
                ...result.problem,
                severity: 'notice' as const,
                advice: `${result.problem.advice} Until then the row explains nothing; the rest of the return is unaffected.`,
              }
            : result.problem;
          problems.push(buildProblem(problem, location, subject, undefined));
          cells.set(column.id, { location, filled });
        } else {
          cells.set(column.id, {
            location,
            filled,
            ...(result.value === undefined ? {} : { value: result.value }),
          });
        }
      }
      if ([...cells.values()].some((cell) => cell.filled)) rows.push({ index, cells });
    }
    tables.set(table.id, rows);
    tableValues[table.id] = rows.map((row) => {
      const values: Record<string, ItemValue> = {};
      for (const [columnId, cell] of row.cells) if (cell.value !== undefined) values[columnId] = cell.value;
      return values;
    });
  }
  return { tables, tableValues };
}

/** Item ID → the reasons the explanations table gives for not reporting it ('' when none is given). */
function cannotReportRows(
  dictionary: Dictionary,
  tables: ReadonlyMap<string, readonly InterpretedTableRow[]>,
): Map<string, string[]> {
  const { table, columns } = dictionary.explanations;
  const reasons = new Map<string, string[]>();
  for (const row of tables.get(table.id) ?? []) {
    if (row.cells.get(columns.rule.id)?.value !== CANNOT_REPORT_CODE) continue;
    const itemId = row.cells.get(columns.item.id)?.value;
    if (typeof itemId !== 'string' || !dictionary.item(itemId)) continue;
    const text = row.cells.get(columns.explanation.id)?.value;
    const list = reasons.get(itemId) ?? [];
    list.push(typeof text === 'string' ? text.trim() : '');
    reasons.set(itemId, list);
  }
  return reasons;
}

/** A required item the site says it cannot report: accepted, with a warning, and never read as zero. */
function notReportedFinding(
  item: Item,
  location: CellLocation,
  subject: string,
  reasons: readonly string[],
): Finding {
  const why = reasons.filter((reason) => reason !== '').join(' ');
  return {
    code: 'value.not_reported',
    severity: 'warning',
    message: why
      ? `${subject} is not reported this quarter; the explanations table says why. It is shown as not reported in the funder's summaries, never as zero.`
      : `${subject} is not reported this quarter, but the explanations table does not say why. Please add the reason to that row; the figure is shown as not reported in the funder's summaries, never as zero.`,
    itemId: item.id,
    itemLabel: item.label,
    sheet: location.sheet,
    cell: describeCellRefs([location]),
    expected: 'a figure, or a reason it cannot be reported',
    cells: [location],
    ...(why ? { explanation: why } : {}),
  };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function isBlankCell(cell: Cell): boolean {
  return (
    cell.formula === undefined &&
    (cell.value === undefined || (cell.value.type === 'string' && cell.value.text.trim() === ''))
  );
}

// ── one cell ─────────────────────────────────────────────────────────────────

interface RawProblem {
  readonly code: string;
  readonly seen?: string;
  readonly expected: string;
  /** The sentence after the subject: "holds “N/A”, which is not a number." */
  readonly says: string;
  readonly advice: string;
  readonly group: (count: number) => string;
  readonly severity?: 'error' | 'warning' | 'notice';
  /** The cell says "N/A", "-" or the like: the site may mean it cannot report the figure. */
  readonly notAvailable?: boolean;
}

function buildProblem(
  raw: RawProblem,
  location: CellLocation,
  subject: string,
  itemId: string | undefined,
): Problem {
  return {
    code: raw.code,
    severity: raw.severity ?? 'error',
    location,
    ...(itemId ? { itemId } : {}),
    subject,
    ...(raw.seen === undefined ? {} : { seen: raw.seen }),
    expected: raw.expected,
    single: `${subject} ${raw.says}`,
    advice: raw.advice,
    group: raw.group,
  };
}

type Interpretation = { value?: ItemValue } | { problem: RawProblem };

export function interpretCell(
  cell: Cell | undefined,
  field: Field,
  dictionary: Dictionary,
  date1904: boolean,
  context: InterpretContext,
): Interpretation {
  if (!cell || isBlankCell(cell)) return {};
  const value = cell.value;
  if (value === undefined) {
    return {
      problem: {
        code: 'value.formula_not_calculated',
        seen: `=${cell.formula ?? ''}`,
        expected: 'a calculated value',
        says: 'holds a formula with no calculated result. This happens when a file is made by a program that does not calculate formulas.',
        advice:
          'Please open the file in Excel (or LibreOffice), save it, and send it again; or type the figures in.',
        group: (count) => `${count} cells hold formulas with no calculated result`,
      },
    };
  }
  if (value.type === 'error') {
    return {
      problem: {
        code: 'value.error',
        seen: value.error,
        expected: describeExpected(field),
        says: `shows the error ${value.error}${ERROR_MEANINGS[value.error] ? ` (${ERROR_MEANINGS[value.error]})` : ''}.`,
        advice: 'Please correct the formula, or type the figure in.',
        group: (count) => `${count} cells show the error ${value.error}`,
      },
    };
  }
  switch (field.type) {
    case 'count':
    case 'money':
      return interpretNumber(value, field);
    case 'date':
      return interpretDate(value, date1904, context);
    case 'text':
    case 'email':
    case 'site':
    case 'period':
    case 'code':
      return interpretText(value, field, dictionary);
  }
}

const ERROR_MEANINGS: Record<string, string> = {
  '#DIV/0!': 'a division by zero',
  '#REF!': 'a formula refers to a cell that was deleted',
  '#VALUE!': 'a formula uses the wrong kind of value',
  '#NAME?': 'a formula uses a name Excel does not know',
  '#N/A': 'a lookup found nothing',
  '#NUM!': 'a calculation gave an impossible number',
  '#NULL!': 'a formula refers to ranges that do not meet',
};

function describeExpected(field: Field): string {
  switch (field.type) {
    case 'count':
      return `a whole number, ${field.min ?? 0} or more`;
    case 'money':
      return 'an amount in pounds, 0 or more';
    case 'date':
      return 'a date';
    default:
      return 'text';
  }
}

function unitOf(field: Field): string {
  return 'unit' in field && field.unit ? field.unit : 'items';
}

function interpretNumber(value: NonNullable<Cell['value']>, field: Field): Interpretation {
  const money = field.type === 'money';
  let number: number;
  let seen: string;
  if (value.type === 'number') {
    number = value.number;
    seen = String(value.number);
    if (value.format === 'percent' && !money)
      return { problem: percentageProblem(`${formatCount(number * 100)}%`, field) };
    if ((value.format === 'date' || value.format === 'time') && !money) {
      return {
        problem: {
          code: 'value.date_in_number',
          seen,
          expected: describeExpected(field),
          says: 'is formatted as a date or time, so Excel may have changed what was typed.',
          advice: 'Please format the cell as a number and type the figure again.',
          group: (count) => `${count} number cells are formatted as dates`,
        },
      };
    }
  } else if (value.type === 'string') {
    seen = value.text;
    const parsed = numberFromText(value.text, money);
    if (parsed === 'percentage' && !money) return { problem: percentageProblem(value.text.trim(), field) };
    if (typeof parsed !== 'number') return { problem: notANumberProblem(value.text, field) };
    number = parsed;
  } else {
    const shown =
      value.type === 'boolean'
        ? value.value
          ? 'TRUE'
          : 'FALSE'
        : value.type === 'isodate'
          ? value.text
          : value.error;
    return { problem: notANumberProblem(shown, field) };
  }
  if (number < 0) {
    return {
      problem: {
        code: 'value.negative',
        seen,
        expected: describeExpected(field),
        says: `is ${money ? formatMoney(number) : formatCount(number)}, but ${money ? 'an amount' : `a count of ${unitOf(field)}`} cannot be negative.`,
        advice:
          'Please enter the figure itself; a correction to an earlier quarter belongs in the commentary.',
        group: (count) => `${count} figures are negative`,
      },
    };
  }
  if (!money && !Number.isInteger(number)) {
    return {
      problem: {
        code: 'value.not_whole',
        seen,
        expected: describeExpected(field),
        says: `is ${formatCount(number)}, but it counts ${unitOf(field)}, so it must be a whole number.`,
        advice: 'Please enter whole numbers for counts.',
        group: (count) => `${count} counts are not whole numbers`,
      },
    };
  }
  if (money && Math.abs(Math.round(number * 100) - number * 100) > 1e-6) {
    return {
      problem: {
        code: 'value.too_many_decimals',
        seen,
        expected: 'pounds and pence (at most 2 decimal places)',
        says: `is ${seen}, with more than 2 decimal places.`,
        advice: 'Please give amounts in pounds and pence, rounded to the nearest penny.',
        group: (count) => `${count} amounts have more than 2 decimal places`,
      },
    };
  }
  if (field.min !== undefined && number < field.min) {
    return {
      problem: {
        code: 'value.below_minimum',
        seen,
        expected: describeExpected(field),
        says: `is ${formatCount(number)}, but it must be at least ${formatCount(field.min)}.`,
        advice: 'Please check the figure.',
        group: (count) => `${count} figures are below their minimum`,
      },
    };
  }
  return { value: money ? Math.round(number * 100) / 100 : number };
}

function percentageProblem(seen: string, field: Field): RawProblem {
  return {
    code: 'value.percentage',
    seen,
    expected: describeExpected(field),
    says: `looks like a percentage (${seen}), but it should be a count of ${unitOf(field)}.`,
    advice: 'Please enter the number itself: rates are worked out from the counts.',
    group: (count) => `${count} cells hold percentages where counts belong`,
  };
}

function notANumberProblem(seen: string, field: Field): RawProblem {
  const shown = seen.trim().length > 40 ? `${seen.trim().slice(0, 40)}…` : seen.trim();
  const notAvailable = NOT_AVAILABLE.test(seen.trim());
  return {
    code: 'value.not_a_number',
    seen: shown,
    expected: describeExpected(field),
    says: `holds “${shown}”, which is not a number.`,
    advice: notAvailable
      ? `If there were none, enter 0. ${CANNOT_REPORT_POLICY}`
      : 'Please enter the figure as a number, with no words or symbols; put any notes in the commentary.',
    group: (count) => `${count} cells hold “${shown}”, which is not a number`,
    ...(notAvailable ? { notAvailable } : {}),
  };
}

/** "1,234", " 42 ", "£1,250.50" → number; "45%" → 'percentage'; anything else → undefined. */
export function numberFromText(text: string, money: boolean): number | 'percentage' | undefined {
  let cleaned = text
    .replace(/[\u00a0\u2007\u202f]/g, ' ')
    .trim()
    .replace(/^\u2212/, '-');
  if (money) cleaned = cleaned.replace(/^(-?)\s*£\s*/, '$1');
  if (/^-?\d+(\.\d+)?\s*%$/.test(cleaned)) return 'percentage';
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(cleaned)) cleaned = cleaned.replaceAll(',', '');
  if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(cleaned)) return undefined;
  return Number(cleaned);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function interpretDate(
  value: NonNullable<Cell['value']>,
  date1904: boolean,
  context: InterpretContext,
): Interpretation {
  let iso: string | undefined;
  let seen: string;
  if (value.type === 'number') {
    seen = String(value.number);
    iso = serialToIsoDate(value.number, date1904);
  } else if (value.type === 'isodate' || value.type === 'string') {
    seen = value.text;
    iso = dateFromText(value.text);
  } else {
    seen = value.type === 'boolean' ? String(value.value) : '';
  }
  if (!iso) {
    return {
      problem: {
        code: 'value.not_a_date',
        seen,
        expected: 'a date',
        says: `holds “${seen}”, which is not a date.`,
        advice: 'Please enter a date such as 15/10/2025.',
        group: (count) => `${count} cells hold something other than a date`,
      },
    };
  }
  if (context.period && iso < periodStart(context.period)) {
    return {
      problem: {
        code: 'value.date_too_early',
        seen: iso,
        expected: `on or after ${periodStart(context.period)}`,
        says: `is ${ukDate(iso)}, before the quarter began (${ukDate(periodStart(context.period))}).`,
        advice: 'Please check the date.',
        group: (count) => `${count} dates are before the quarter began`,
      },
    };
  }
  if (iso > context.today) {
    return {
      problem: {
        code: 'value.date_in_future',
        seen: iso,
        expected: `on or before today (${context.today})`,
        says: `is ${ukDate(iso)}, which is in the future.`,
        advice: 'Please check the date.',
        group: (count) => `${count} dates are in the future`,
      },
    };
  }
  return { value: iso };
}

/** Excel serial → ISO date. The 1900 system counts the fictitious 29 February 1900, as Lotus did. */
export function serialToIsoDate(serial: number, date1904: boolean): string | undefined {
  if (!Number.isFinite(serial) || serial < 1 || serial > 2_958_465) return undefined;
  const days = Math.floor(serial);
  const epoch = date1904
    ? Date.UTC(1904, 0, 1)
    : days >= 61
      ? Date.UTC(1899, 11, 30)
      : Date.UTC(1899, 11, 31);
  if (!date1904 && days === 60) return undefined;
  return new Date(epoch + days * 86_400_000).toISOString().slice(0, 10);
}

/** `30/09/2025`, `2025-09-30`, `30 Sep 2025`, `30-Sep-25`: the ways dates are typed in the UK. */
export function dateFromText(text: string): string | undefined {
  const trimmed = text.trim();
  let match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/.exec(trimmed);
  if (match) return checkedDate(Number(match[1]), Number(match[2]), Number(match[3]));
  match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$/.exec(trimmed);
  if (match) return checkedDate(fullYear(Number(match[3])), Number(match[2]), Number(match[1]));
  match = /^(\d{1,2})[\s-]+([A-Za-z]{3,9})[\s-]+(\d{2}|\d{4})$/.exec(trimmed);
  if (match) {
    const month = MONTHS.indexOf((match[2] as string).slice(0, 3).toLowerCase()) + 1;
    if (month > 0) return checkedDate(fullYear(Number(match[3])), month, Number(match[1]));
  }
  return undefined;
}

function fullYear(year: number): number {
  return year < 100 ? 2000 + year : year;
}

function checkedDate(year: number, month: number, day: number): string | undefined {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return undefined;
  return date.toISOString().slice(0, 10);
}

function ukDate(iso: string): string {
  const [year, month, day] = iso.split('-');
  return `${day}/${month}/${year}`;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function interpretText(
  value: NonNullable<Cell['value']>,
  field: Field,
  dictionary: Dictionary,
): Interpretation {
  const text =
    value.type === 'string' || value.type === 'isodate'
      ? value.text.trim()
      : value.type === 'number'
        ? String(value.number)
        : value.type === 'boolean'
          ? String(value.value).toUpperCase()
          : '';
  if (text === '') return {};
  if (field.maxLength !== undefined && text.length > field.maxLength) {
    return {
      problem: {
        code: 'value.too_long',
        seen: `${text.slice(0, 40)}…`,
        expected: `at most ${field.maxLength} characters`,
        says: `is ${formatCount(text.length)} characters long; at most ${formatCount(field.maxLength)} fit.`,
        advice: 'Please shorten it.',
        group: (count) => `${count} cells hold more text than fits`,
      },
    };
  }
  if (field.type === 'email' && !EMAIL.test(text)) {
    return {
      problem: {
        code: 'value.not_an_email',
        seen: text,
        expected: 'an email address',
        says: `holds “${text}”, which is not an email address.`,
        advice: 'Please enter an address like name@example.org.',
        group: (count) => `${count} cells hold something other than an email address`,
      },
    };
  }
  if (field.type === 'code') {
    const codes = (dictionary.codeLists.get(field.codeList ?? '') ?? []) as readonly Code[];
    // The template's dropdowns say "Diet and nutrition (DN)"; the code alone is read too.
    const code = findCode(codes, text);
    if (!code) {
      const choices =
        codes.length > 12
          ? 'one of the choices in the cell’s dropdown list'
          : `one of: ${codes.map((candidate) => candidate.display ?? `${candidate.code} (${candidate.label})`).join(', ')}`;
      return {
        problem: {
          code: 'value.not_in_list',
          seen: text,
          expected: `one of ${codes.map((candidate) => candidate.code).join(', ')}`,
          says: `is “${text}”, which is not one of the choices.`,
          advice: `Please choose ${choices}.`,
          group: (count) => `${count} cells hold “${text}”, which is not one of the choices`,
        },
      };
    }
    return { value: code.code };
  }
  return { value: text };
}

/**
 * The code a cell means. Dropdowns show plain words with the code in brackets
 * ("Referrals received (QUAL.REFERRALS)"); people also type the bare code, or
 * the words alone, and a pasted choice may carry odd spaces or case. The code
 * in brackets wins, so a relabelled choice in an old template still reads.
 */
// ── grouping ─────────────────────────────────────────────────────────────────

/** One finding per problem kind and value seen, listing every cell it occurs in. */
function groupProblems(problems: readonly Problem[]): Finding[] {
  const groups = new Map<string, Problem[]>();
  for (const problem of problems) {
    const key = `${problem.code}\u0000${(problem.seen ?? '').trim().toLowerCase()}\u0000${problem.advice.toLowerCase()}`;
    const group = groups.get(key) ?? [];
    group.push(problem);
    groups.set(key, group);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as Problem;
    const cells = group.map((problem) => problem.location);
    if (group.length === 1) {
      return {
        code: first.code,
        severity: first.severity,
        message: `${first.single} ${first.advice}`,
        ...(first.itemId ? { itemId: first.itemId } : {}),
        sheet: first.location.sheet,
        cell: describeCellRefs([first.location]),
        ...(first.seen === undefined ? {} : { value: first.seen }),
        expected: first.expected,
        cells,
      };
    }
    const shown = group.slice(0, 8).map((problem) => problem.subject);
    const more = group.length > shown.length ? `, and ${group.length - shown.length} more` : '';
    return {
      code: first.code,
      severity: first.severity,
      message: `${first.group(group.length)}: ${shown.join('; ')}${more}. ${first.advice}`,
      sheet: first.location.sheet,
      cell: describeCellRefs(cells.filter((cell) => cell.sheet === first.location.sheet)),
      ...(first.seen === undefined ? {} : { value: first.seen }),
      expected: first.expected,
      cells,
    };
  });
}
