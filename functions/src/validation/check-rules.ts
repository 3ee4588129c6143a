/**
 * The dictionary's rules, run over a return's interpreted values. Each kind of
 * rule is implemented once here; which items it reads, its tolerance, its
 * severity and its words come from the dictionary. A rule whose inputs were
 * blank or unusable is not run: the value finding already says what is wrong,
 * and saying it twice would bury it.
 *
 * input: the return's values and cells, the site's history → output: findings
 */

import { evaluateExpression, type ItemExpression } from '../dictionary/expression.js';
import type { Dictionary, Item, Rule } from '../dictionary/load-dictionary.js';
import { fillTemplate } from '../dictionary/rule-placeholders.js';
import {
  comparePeriods,
  describePeriod,
  type Period,
  previousPeriod,
  samePeriod,
} from '../programme/periods.js';
import type { ReturnValues } from '../returns/return-values.js';
import {
  type CellLocation,
  describeArea,
  describeCellNear,
  describeCellRefs,
  describeLocation,
  type Finding,
  formatCount,
  formatMoney,
  formatPercent,
} from './findings.js';
import type { InterpretedReturn, InterpretedTableRow } from './interpret-values.js';
import type { LocatedReturn } from './locate-items.js';

/** An earlier accepted return of the same site. */
export interface HistoricReturn {
  readonly period: Period;
  readonly values: ReturnValues;
}

export interface RuleInput {
  readonly located: LocatedReturn;
  readonly interpreted: InterpretedReturn;
  readonly period: Period;
  /** The site's earlier accepted returns; undefined when not supplied (a file checked on its own). */
  readonly history?: readonly HistoricReturn[];
}

export interface CheckNotRun {
  readonly ruleId: string;
  readonly title: string;
  readonly reason: string;
}

export interface RuleResults {
  readonly findings: Finding[];
  readonly notRun: CheckNotRun[];
}

export function checkRules(input: RuleInput): RuleResults {
  const results: RuleResults = { findings: [], notRun: [] };
  const view = new ReturnView(input);
  for (const rule of input.located.dictionary.rules) {
    if (rule.kind === 'identity') continue; // checked before anything else, in validateReturn
    RULE_CHECKS[rule.kind](rule as never, view, results);
  }
  return results;
}

/** What the rules see of a return: usable numbers, where they came from, how to show them. */
class ReturnView {
  readonly dictionary: Dictionary;
  constructor(readonly input: RuleInput) {
    this.dictionary = input.located.dictionary;
  }

  value(itemId: string): number | undefined {
    if (this.input.interpreted.unusable.has(itemId)) return undefined;
    const value = this.input.interpreted.values.items[itemId];
    return typeof value === 'number' ? value : undefined;
  }

  values(itemIds: readonly string[]): number[] | undefined {
    const values = itemIds.map((id) => this.value(id));
    return values.every((value) => value !== undefined) ? (values as number[]) : undefined;
  }

  expression(expression: ItemExpression): number | undefined {
    return evaluateExpression(expression, (id) => this.value(id));
  }

  location(itemId: string): CellLocation {
    return this.input.located.items.get(itemId) as CellLocation;
  }

  item(itemId: string): Item {
    return this.dictionary.item(itemId) as Item;
  }

  /** What the item is, standing alone (its dictionary name), at the start of a sentence. */
  name(itemId: string): string {
    return this.item(itemId).name;
  }

  /** The item's name as it reads mid-sentence: "infants due a check", but "ASQ-3 reviews" kept. */
  label(itemId: string): string {
    const label = this.item(itemId).name;
    return /^[A-Z][a-z]/.test(label) ? label.charAt(0).toLowerCase() + label.slice(1) : label;
  }

  show(itemId: string, value: number): string {
    return this.item(itemId).type === 'money' ? formatMoney(value) : formatCount(value);
  }

  tableRows(tableId: string): readonly InterpretedTableRow[] {
    return this.input.interpreted.tables.get(tableId) ?? [];
  }
}

function finding(
  rule: Rule,
  values: Record<string, string>,
  cells: CellLocation[],
  extra: Partial<Finding> = {},
  template = rule.message,
): Finding {
  const first = cells[0];
  return {
    code: rule.id,
    severity: rule.severity,
    ruleId: rule.id,
    message: capitalise(fillTemplate(template, values)),
    ...(first
      ? { sheet: first.sheet, cell: describeCellRefs(cells.filter((cell) => cell.sheet === first.sheet)) }
      : {}),
    cells,
    ...extra,
  };
}

type Check<K extends Rule['kind']> = (
  rule: Extract<Rule, { kind: K }>,
  view: ReturnView,
  results: RuleResults,
) => void;

const RULE_CHECKS: { [K in Rule['kind']]: Check<K> } = {
  sum_equals(rule, view, { findings }) {
    const parts = view.values(rule.parts);
    const total = view.value(rule.total);
    if (!parts || total === undefined) return;
    const sum = parts.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - total) <= rule.tolerance + 1e-9) return;
    const partCells = rule.parts.map((id) => view.location(id));
    const totalCell = view.location(rule.total);
    findings.push(
      finding(
        rule,
        {
          partsCells: describeLocation(partCells),
          partsSum: view.show(rule.total, roundMoney(sum)),
          totalLabel: view.label(rule.total),
          totalCell: describeCellNear(totalCell, partCells[0]?.sheet),
          totalValue: view.show(rule.total, total),
          difference: view.show(rule.total, roundMoney(Math.abs(sum - total))),
          tolerance: view.show(rule.total, rule.tolerance),
        },
        [totalCell, ...partCells],
        {
          itemId: rule.total,
          itemLabel: view.item(rule.total).label,
          value: view.show(rule.total, roundMoney(sum)),
          expected: view.show(rule.total, total),
        },
      ),
    );
  },

  compare(rule, view, { findings }) {
    const left = view.value(rule.left);
    const right = view.value(rule.right);
    if (left === undefined || right === undefined) return;
    const firstQuarter = rule.equalInFirstQuarter && view.input.period.quarter === 1;
    const op = firstQuarter ? '=' : rule.op;
    if (compare(left, op, right)) return;
    const leftCell = view.location(rule.left);
    const rightCell = view.location(rule.right);
    findings.push(
      finding(
        rule,
        {
          leftLabel: view.name(rule.left),
          leftCell: describeLocation([leftCell]),
          leftValue: view.show(rule.left, left),
          rightLabel: view.label(rule.right),
          rightCell: describeCellNear(rightCell, leftCell.sheet),
          rightValue: view.show(rule.right, right),
        },
        [leftCell, rightCell],
        {
          itemId: rule.left,
          itemLabel: view.item(rule.left).label,
          value: view.show(rule.left, left),
          expected: `${op} ${view.show(rule.right, right)}`,
        },
        firstQuarter && rule.firstQuarterMessage ? rule.firstQuarterMessage : rule.message,
      ),
    );
  },

  not_below_previous(rule, view, { findings, notRun }) {
    const { period, history } = view.input;
    if (period.quarter === 1) return; // a new year starts afresh
    if (!history) {
      notRun.push(historyNotSupplied(rule));
      return;
    }
    const previous = previousPeriod(period);
    const earlier = history.find((entry) => samePeriod(entry.period, previous));
    if (!earlier) {
      notRun.push({
        ruleId: rule.id,
        title: rule.title,
        reason: `there is no accepted return for ${describePeriod(previous)} to compare with`,
      });
      return;
    }
    const value = view.value(rule.item);
    const before = earlier.values.items[rule.item];
    if (value === undefined || typeof before !== 'number' || value >= before) return;
    const cell = view.location(rule.item);
    findings.push(
      finding(
        rule,
        {
          itemLabel: view.name(rule.item),
          itemCell: describeLocation([cell]),
          value: view.show(rule.item, value),
          previousPeriod: describePeriod(previous),
          previousValue: view.show(rule.item, before),
        },
        [cell],
        {
          itemId: rule.item,
          itemLabel: view.item(rule.item).label,
          value: view.show(rule.item, value),
          expected: `≥ ${view.show(rule.item, before)}`,
        },
      ),
    );
  },

  of_which(rule, view, { findings }) {
    for (const pair of rule.pairs) {
      const part = view.value(pair.part);
      const total = view.value(pair.total);
      if (part === undefined || total === undefined || part <= total) continue;
      const partCell = view.location(pair.part);
      const totalCell = view.location(pair.total);
      findings.push(
        finding(
          rule,
          {
            partLabel: view.name(pair.part),
            partCell: describeLocation([partCell]),
            partValue: view.show(pair.part, part),
            totalLabel: view.label(pair.total),
            totalCell: describeCellNear(totalCell, partCell.sheet),
            totalValue: view.show(pair.total, total),
          },
          [partCell, totalCell],
          {
            itemId: pair.part,
            itemLabel: view.item(pair.part).label,
            value: view.show(pair.part, part),
            expected: `≤ ${view.show(pair.total, total)}`,
          },
        ),
      );
    }
  },

  ratio_at_least(rule, view, results) {
    ratioCheck(rule, view, results, (ratio) => ratio >= rule.threshold - 1e-12);
  },

  ratio_below(rule, view, results) {
    ratioCheck(rule, view, results, (ratio) => ratio < rule.threshold);
  },

  ordered(rule, view, { findings }) {
    for (let level = 0; level + 1 < rule.levels.length; level++) {
      const uppers = (rule.levels[level + 1] as string[])
        .map((id) => ({ id, value: view.value(id) }))
        .filter((upper): upper is { id: string; value: number } => upper.value !== undefined);
      if (uppers.length === 0) continue;
      // Against the smallest upper bound only: one finding per mistake, not one per comparison.
      const upper = uppers.reduce((a, b) => (b.value < a.value ? b : a));
      for (const lowerId of rule.levels[level] as string[]) {
        const lower = view.value(lowerId);
        if (lower === undefined || lower <= upper.value) continue;
        const lowerCell = view.location(lowerId);
        const upperCell = view.location(upper.id);
        findings.push(
          finding(
            rule,
            {
              lowerLabel: view.name(lowerId),
              lowerCell: describeLocation([lowerCell]),
              lowerValue: view.show(lowerId, lower),
              upperLabel: view.label(upper.id),
              upperCell: describeCellNear(upperCell, lowerCell.sheet),
              upperValue: view.show(upper.id, upper.value),
            },
            [lowerCell, upperCell],
            {
              itemId: lowerId,
              itemLabel: view.item(lowerId).label,
              value: view.show(lowerId, lower),
              expected: `≤ ${view.show(upper.id, upper.value)}`,
            },
          ),
        );
      }
    }
  },

  table_totals(rule, view, { findings }) {
    const table = view.dictionary.table(rule.table);
    if (!table) return;
    const rows = view.tableRows(rule.table);
    for (const total of rule.totals) {
      const expected = view.value(total.total);
      const cells = rows.map((row) => row.cells.get(total.column));
      // A cell that held something unusable was reported already; the sum would only repeat it.
      if (expected === undefined || cells.some((cell) => cell?.filled && typeof cell.value !== 'number'))
        continue;
      const sum = cells.reduce((acc, cell) => acc + (typeof cell?.value === 'number' ? cell.value : 0), 0);
      if (Math.abs(sum - expected) < 1e-9) continue;
      const column = table.columns.find((candidate) => candidate.id === total.column);
      const area = view.input.located.columns.get(`${table.id}.${total.column}`);
      const totalCell = view.location(total.total);
      const columnCells = cells.filter((cell) => cell?.filled).map((cell) => cell?.location as CellLocation);
      // The message names the cells the finding highlights, so its ranges agree with its cell list.
      findings.push(
        finding(
          rule,
          {
            columnLabel: (column?.label ?? total.column).toLowerCase(),
            columnRange:
              columnCells.length > 0 ? describeLocation(columnCells) : area ? describeArea(area) : '',
            columnSum: formatCount(sum),
            totalLabel: view.label(total.total),
            totalCell: describeCellNear(totalCell, area?.sheet),
            totalValue: view.show(total.total, expected),
          },
          [totalCell, ...columnCells],
          {
            itemId: total.total,
            itemLabel: view.item(total.total).label,
            value: formatCount(sum),
            expected: view.show(total.total, expected),
          },
        ),
      );
    }
    if (rule.unique) {
      const seen = new Map<string, { shown: string; cells: CellLocation[] }>();
      for (const row of rows) {
        const cell = row.cells.get(rule.unique);
        if (typeof cell?.value !== 'string') continue;
        const key = cell.value.trim().toLowerCase().replace(/\s+/g, ' ');
        const entry = seen.get(key) ?? { shown: cell.value.trim(), cells: [] };
        entry.cells.push(cell.location);
        seen.set(key, entry);
      }
      for (const { shown, cells } of seen.values()) {
        if (cells.length < 2) continue;
        findings.push(
          finding(
            rule,
            { value: shown, cells: describeLocation(cells) },
            cells,
            { value: shown, expected: 'each service listed once' },
            rule.duplicateMessage,
          ),
        );
      }
    }
    for (const columnId of rule.requiredInUsedRows) {
      const column = table.columns.find((candidate) => candidate.id === columnId);
      const missing = rows.filter((row) => !row.cells.get(columnId)?.filled);
      if (missing.length === 0 || !column) continue;
      const cells = missing.map((row) => row.cells.get(columnId)?.location as CellLocation);
      findings.push(
        finding(
          rule,
          {
            row: listNumbers(missing.map((row) => row.index)),
            columnLabel: column.label.toLowerCase(),
            cell: describeCellRefs(cells),
          },
          cells,
          { expected: `a ${column.label.toLowerCase()} in every row with figures` },
          rule.incompleteRowMessage
            .replace(/^Row \{row\} of/, missing.length > 1 ? 'Rows {row} of' : 'Row {row} of')
            .replace(/has figures but no/, missing.length > 1 ? 'have figures but no' : 'has figures but no'),
        ),
      );
    }
  },

  outlier(rule, view, { findings, notRun }) {
    const { period, history } = view.input;
    if (!history) {
      notRun.push(historyNotSupplied(rule));
      return;
    }
    const earlier = history
      .filter((entry) => comparePeriods(entry.period, period) < 0)
      .sort((a, b) => comparePeriods(b.period, a.period))
      .slice(0, rule.lookback);
    if (earlier.length === 0) {
      notRun.push({
        ruleId: rule.id,
        title: rule.title,
        reason: 'there are no earlier accepted returns to compare with',
      });
      return;
    }
    for (const item of view.dictionary.items) {
      if (item.outlierTolerance === undefined) continue;
      const value = view.value(item.id);
      const previous = earlier
        .map((entry) => entry.values.items[item.id])
        .filter((v): v is number => typeof v === 'number');
      if (value === undefined || previous.length === 0) continue;
      const baseline = previous.reduce((a, b) => a + b, 0) / previous.length;
      const change = value - baseline;
      if (Math.abs(change) < rule.minimumChange || baseline === 0) continue;
      if (Math.abs(change) / baseline <= item.outlierTolerance) continue;
      const cell = view.location(item.id);
      const quarters = earlier.filter((entry) => typeof entry.values.items[item.id] === 'number');
      findings.push(
        finding(
          rule,
          {
            itemLabel: item.name,
            itemCell: describeLocation([cell]),
            value: view.show(item.id, value),
            change: `${change > 0 ? '+' : '−'}${formatPercent(Math.abs(change) / baseline, 0)}`,
            comparedWith:
              quarters.length === 1
                ? `${view.show(item.id, baseline)} in your ${describePeriod((quarters[0] as HistoricReturn).period)} return`
                : `${view.show(item.id, Math.round(baseline * 100) / 100)}, the average of your ${listWords(quarters.map((entry) => describePeriod(entry.period)).reverse())} returns`,
            tolerance: formatPercent(item.outlierTolerance, 0),
          },
          [cell],
          {
            itemId: item.id,
            itemLabel: item.label,
            value: view.show(item.id, value),
            expected: `within ${formatPercent(item.outlierTolerance, 0)} of ${view.show(item.id, Math.round(baseline))}`,
          },
        ),
      );
    }
  },

  if_positive_then_positive(rule, view, { findings }) {
    const when = view.value(rule.whenPositive);
    const also = view.value(rule.alsoPositive);
    if (when === undefined || also === undefined || when <= 0 || also > 0) return;
    const whenCell = view.location(rule.whenPositive);
    const alsoCell = view.location(rule.alsoPositive);
    findings.push(
      finding(
        rule,
        {
          whenLabel: view.name(rule.whenPositive),
          whenCell: describeLocation([whenCell]),
          whenValue: view.show(rule.whenPositive, when),
          alsoLabel: view.label(rule.alsoPositive),
          alsoCell: describeCellNear(alsoCell, whenCell.sheet),
          alsoValue: view.show(rule.alsoPositive, also),
        },
        [alsoCell, whenCell],
        {
          itemId: rule.alsoPositive,
          itemLabel: view.item(rule.alsoPositive).label,
          value: view.show(rule.alsoPositive, also),
          expected: 'more than 0',
        },
      ),
    );
  },

  identity() {
    // Checked first, in validateReturn: a return for the wrong site or quarter is not checked further.
  },
};

function ratioCheck(
  rule: Extract<Rule, { kind: 'ratio_at_least' | 'ratio_below' }>,
  view: ReturnView,
  { findings }: RuleResults,
  passes: (ratio: number) => boolean,
): void {
  if (!rule.expressions) return;
  const numerator = view.expression(rule.expressions.numerator);
  const denominator = view.expression(rule.expressions.denominator);
  if (numerator === undefined || denominator === undefined || denominator <= 0) return;
  const ratio = numerator / denominator;
  if (passes(ratio)) return;
  const ids = [
    ...new Set(
      [...rule.expressions.numerator.terms, ...rule.expressions.denominator.terms].map((term) => term.itemId),
    ),
  ];
  findings.push(
    finding(
      rule,
      {
        ratio: formatPercent(ratio),
        numeratorValue: formatCount(numerator),
        denominatorValue: formatCount(denominator),
        threshold: formatPercent(rule.threshold),
      },
      ids.map((id) => view.location(id)),
      {
        value: formatPercent(ratio),
        expected: `${rule.kind === 'ratio_at_least' ? 'at least' : 'under'} ${formatPercent(rule.threshold)}`,
      },
    ),
  );
}

function historyNotSupplied(rule: Rule): CheckNotRun {
  return {
    ruleId: rule.id,
    title: rule.title,
    reason:
      "it needs the site's earlier accepted returns, which are not available when a file is checked on its own",
  };
}

function compare(left: number, op: string, right: number): boolean {
  switch (op) {
    case '<=':
      return left <= right;
    case '>=':
      return left >= right;
    case '<':
      return left < right;
    case '>':
      return left > right;
    default:
      return left === right;
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function roundMoney(value: number): number {
  return Math.round(value * 100) / 100;
}

function listNumbers(numbers: readonly number[]): string {
  return listWords(numbers.map(String));
}

function listWords(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}
