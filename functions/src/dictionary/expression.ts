/**
 * Item expressions: a sum and difference of item IDs, as indicators and ratio
 * rules write them (`BF.TOTAL + BF.PARTIAL`, `SATOD.MAT - SATOD.UNKNOWN`).
 * Deliberately no more than that: every number the programme reports must be
 * traceable to the items it came from.
 */

export interface ExpressionTerm {
  readonly sign: 1 | -1;
  readonly itemId: string;
}

export interface ItemExpression {
  readonly text: string;
  readonly terms: readonly ExpressionTerm[];
}

export function parseExpression(text: string): { expression: ItemExpression } | { problem: string } {
  // Accept the minus sign people paste from documents as well as the hyphen.
  const tokens = text
    .replaceAll('−', '-')
    .split(/\s*([+-])\s*/)
    .map((token) => token.trim());
  const terms: ExpressionTerm[] = [];
  let sign: 1 | -1 = 1;
  for (const [index, token] of tokens.entries()) {
    if (index % 2 === 1) {
      sign = token === '-' ? -1 : 1;
      continue;
    }
    if (!token) return { problem: `"${text}" is not a sum of items: write it like A.ITEM + B.ITEM - C.ITEM` };
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(token))
      return { problem: `"${token}" in "${text}" is not an item ID` };
    terms.push({ sign, itemId: token });
  }
  return { expression: { text, terms } };
}

/** Evaluates an expression; undefined when any item it needs was not reported. */
export function evaluateExpression(
  expression: ItemExpression,
  valueOfItem: (itemId: string) => number | undefined,
): number | undefined {
  let total = 0;
  for (const term of expression.terms) {
    const value = valueOfItem(term.itemId);
    if (value === undefined) return undefined;
    total += term.sign * value;
  }
  return total;
}
