/**
 * The placeholders each kind of rule fills in its message templates. The
 * dictionary loader refuses a template that names any other, so a typo in a
 * message is found when the dictionary is loaded, not in a grant holder's inbox.
 */
import type { RuleKind } from './schema.js';

export const RULE_PLACEHOLDERS = {
  sum_equals: {
    message: ['partsCells', 'partsSum', 'totalLabel', 'totalCell', 'totalValue', 'difference', 'tolerance'],
  },
  compare: {
    message: ['leftLabel', 'leftCell', 'leftValue', 'rightLabel', 'rightCell', 'rightValue'],
    firstQuarterMessage: ['leftLabel', 'leftCell', 'leftValue', 'rightLabel', 'rightCell', 'rightValue'],
  },
  not_below_previous: { message: ['itemLabel', 'itemCell', 'value', 'previousPeriod', 'previousValue'] },
  of_which: { message: ['partLabel', 'partCell', 'partValue', 'totalLabel', 'totalCell', 'totalValue'] },
  ratio_at_least: { message: ['ratio', 'numeratorValue', 'denominatorValue', 'threshold'] },
  ratio_below: { message: ['ratio', 'numeratorValue', 'denominatorValue', 'threshold'] },
  ordered: { message: ['lowerLabel', 'lowerCell', 'lowerValue', 'upperLabel', 'upperCell', 'upperValue'] },
  table_totals: {
    message: ['columnLabel', 'columnRange', 'columnSum', 'totalLabel', 'totalCell', 'totalValue'],
    duplicateMessage: ['value', 'cells'],
    incompleteRowMessage: ['row', 'columnLabel', 'cell'],
  },
  outlier: { message: ['itemLabel', 'itemCell', 'value', 'change', 'comparedWith', 'tolerance'] },
  if_positive_then_positive: {
    message: ['whenLabel', 'whenCell', 'whenValue', 'alsoLabel', 'alsoCell', 'alsoValue'],
  },
  identity: { message: ['seen', 'expected', 'cell'], periodMessage: ['seen', 'cell', 'problem'] },
} as const satisfies Record<RuleKind, Record<string, readonly string[]>>;

export type PlaceholderValues<K extends RuleKind, F extends keyof (typeof RULE_PLACEHOLDERS)[K]> = Record<
  (typeof RULE_PLACEHOLDERS)[K][F] extends readonly (infer P)[] ? P & string : never,
  string
>;

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

export function placeholdersIn(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] as string);
}

/** Fills `{name}` placeholders. Unknown ones cannot occur: the loader checked them. */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
}
