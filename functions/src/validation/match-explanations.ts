/**
 * Matching the explanations table against the return's warnings. A row names
 * a warning rule and the item it explains (or "all items" for that rule); it
 * explains only the warnings of that rule on that item. A row that explains
 * nothing is pointed out with a notice, never an error: an explanation can
 * never make a return worse. "Cannot report" rows are read earlier, when the
 * values are interpreted (a blank they cover is not reported, not missing);
 * here they are only checked for sense.
 *
 * input: the findings so far, the interpreted explanations table → output:
 * the findings with explanations attached, and a notice per row that matched nothing
 */
import type { Dictionary } from '../dictionary/load-dictionary.js';
import { ALL_ITEMS_LABEL } from '../dictionary/reporting-policy.js';
import { ALL_ITEMS_CODE, CANNOT_REPORT_CODE } from '../dictionary/table-roles.js';
import { type CellLocation, describeCellRefs, describeLocation, type Finding } from './findings.js';
import type { InterpretedReturn, InterpretedTableRow } from './interpret-values.js';
import type { LocatedReturn } from './locate-items.js';

interface ExplanationRow {
  readonly index: number;
  readonly rule?: string;
  readonly item?: string;
  readonly text: string;
  readonly cells: readonly CellLocation[];
  /** A cell of the row held something that is not one of its choices, already pointed out. */
  readonly unreadable: boolean;
}

export function matchExplanations(
  findings: readonly Finding[],
  located: LocatedReturn,
  interpreted: InterpretedReturn,
): Finding[] {
  const { dictionary } = located;
  const rows = explanationRows(dictionary, interpreted.tables.get(dictionary.explanations.table.id) ?? []);
  const itemAt = itemsByCell(located);
  /** Every item a warning is about: its own item, and the items in its cells. */
  const itemsOf = (finding: Finding) =>
    new Set([
      ...(finding.itemId ? [finding.itemId] : []),
      ...finding.cells.flatMap((cell) => itemAt.get(cellKey(cell)) ?? []),
    ]);

  const texts = new Map<Finding, string[]>();
  const unmatched: Array<{ row: ExplanationRow; why: string }> = [];
  for (const row of rows) {
    if (row.unreadable) continue; // its cell's notice says so once
    if (row.rule === CANNOT_REPORT_CODE) {
      const why = cannotReportProblem(row, dictionary, interpreted);
      if (why) unmatched.push({ row, why });
      continue;
    }
    if (!row.rule) {
      unmatched.push({ row, why: 'does not say which warning it explains, so it explains nothing.' });
      continue;
    }
    const rule = dictionary.rule(row.rule);
    const ruleName = rule ? `${rule.title} (${rule.id})` : row.rule;
    if (!row.item) {
      unmatched.push({
        row,
        why: `names the warning ${ruleName} but not the item it explains, so it explains nothing. Choose the item, or “${ALL_ITEMS_LABEL}” to explain that warning on every item it is about.`,
      });
      continue;
    }
    const matches = findings.filter(
      (finding) =>
        finding.severity === 'warning' &&
        finding.ruleId === row.rule &&
        (row.item === ALL_ITEMS_CODE || itemsOf(finding).has(row.item as string)),
    );
    if (matches.length === 0) {
      const item = row.item === ALL_ITEMS_CODE ? undefined : dictionary.item(row.item);
      unmatched.push({
        row,
        why: `explains the warning ${ruleName}${item ? ` on ${lowerFirst(item.name)}` : ''}, but this return has no such warning, so it explains nothing.`,
      });
      continue;
    }
    if (!row.text) {
      unmatched.push({
        row,
        why: `chooses the warning ${ruleName} but gives no explanation, so it explains nothing.`,
      });
      continue;
    }
    for (const finding of matches) texts.set(finding, [...(texts.get(finding) ?? []), row.text]);
  }

  const explained = findings.map((finding) => {
    const added = texts.get(finding);
    if (!added) return finding;
    const text = [finding.explanation, ...added].filter(Boolean).join(' ');
    return { ...finding, explanation: text };
  });
  // The warnings a row could explain: a rule's, or a figure not reported with no reason given.
  const stillUnexplained = explained.filter(
    (finding) =>
      finding.severity === 'warning' &&
      finding.explanation === undefined &&
      (finding.ruleId !== undefined || finding.code === 'value.not_reported'),
  );
  const anyWarnings = explained.some((finding) => finding.severity === 'warning');
  const remaining =
    stillUnexplained.length === 0
      ? anyWarnings
        ? 'Every warning in this return is explained.'
        : 'This return has no warnings to explain.'
      : `${stillUnexplained.length === 1 ? 'The warning still unexplained is' : 'The warnings still unexplained are'} ${listWords(stillUnexplained.map((finding) => describeWarning(finding, dictionary)))}.`;
  const notices = unmatched.map(({ row, why }): Finding => {
    const first = row.cells[0] as CellLocation;
    return {
      code: 'explanation.unmatched',
      severity: 'notice',
      message: `Row ${row.index} of the ${lowerFirst(dictionary.explanations.table.label)} (${describeLocation(row.cells)}) ${why} This does not affect whether the return is accepted. ${remaining}`,
      sheet: first.sheet,
      cell: describeCellRefs(row.cells.filter((cell) => cell.sheet === first.sheet)),
      ...(row.rule ? { ruleId: row.rule } : {}),
      ...(row.item && row.item !== ALL_ITEMS_CODE ? { itemId: row.item } : {}),
      cells: row.cells,
    };
  });
  return [...explained, ...notices];
}

/** Why a "cannot report" row does not do what it says, or undefined when it does. */
function cannotReportProblem(
  row: ExplanationRow,
  dictionary: Dictionary,
  interpreted: InterpretedReturn,
): string | undefined {
  if (!row.item || row.item === ALL_ITEMS_CODE) {
    return 'says a figure cannot be reported but not which one. Please choose the item.';
  }
  const item = dictionary.item(row.item);
  if (!item) return undefined;
  if (interpreted.values.items[item.id] !== undefined) {
    return `says ${lowerFirst(item.name)} cannot be reported, but its cell holds a figure, which is used as reported. If it cannot be reported, please clear the cell.`;
  }
  return undefined;
}

function explanationRows(dictionary: Dictionary, rows: readonly InterpretedTableRow[]): ExplanationRow[] {
  const { columns } = dictionary.explanations;
  const text = (row: InterpretedTableRow, id: string) => {
    const value = row.cells.get(id)?.value;
    return typeof value === 'string' ? value.trim() : undefined;
  };
  return rows.map((row) => {
    const rule = text(row, columns.rule.id);
    const item = text(row, columns.item.id);
    return {
      index: row.index,
      ...(rule ? { rule } : {}),
      ...(item ? { item } : {}),
      text: text(row, columns.explanation.id) ?? '',
      cells: [...row.cells.values()].map((cell) => cell.location),
      unreadable: [...row.cells.values()].some((cell) => cell.filled && cell.value === undefined),
    };
  });
}

function describeWarning(finding: Finding, dictionary: Dictionary): string {
  const rule = finding.ruleId ? dictionary.rule(finding.ruleId) : undefined;
  const item = finding.itemId ? dictionary.item(finding.itemId) : undefined;
  const where = finding.cells[0] ? ` (${describeLocation([finding.cells[0]])})` : '';
  if (finding.code === 'value.not_reported' && item)
    return `${item.name} not reported, with no reason given${where}`;
  return `${rule ? `${rule.title} (${rule.id})` : finding.code}${item ? ` on ${lowerFirst(item.name)}` : ''}${where}`;
}

function cellKey(cell: CellLocation): string {
  return `${cell.sheet}\u0000${cell.row}\u0000${cell.column}`;
}

function itemsByCell(located: LocatedReturn): Map<string, string[]> {
  const byCell = new Map<string, string[]>();
  for (const [itemId, cell] of located.items) {
    const key = cellKey(cell);
    byCell.set(key, [...(byCell.get(key) ?? []), itemId]);
  }
  return byCell;
}

/** "Referrals received" → "referrals received", but "ASQ-3 reviews" kept. */
function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

function listWords(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join('; ')}; and ${words.at(-1)}`;
}
