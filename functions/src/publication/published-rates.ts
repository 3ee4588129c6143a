/**
 * Rates from published figures, by any published identity. A rate is
 * computed only from figures the reader can see, so it reveals nothing the
 * audit has not cleared; but where the direct form needs a hidden figure, the
 * dictionary's own sum rules often give another: smoking at delivery is
 * smokers / (maternities − unknown), and by R09 maternities − unknown is
 * smokers + non-smokers, so hiding the unknowns (nearly always 1–7) need not
 * hide the rate.
 *
 * Pure: no I/O.
 */
import type { ItemExpression } from '../dictionary/expression.js';
import type { Dictionary, Indicator } from '../dictionary/load-dictionary.js';
import type { PublishedValue } from './disclosure.js';

/** An expression as item → coefficient. */
type Form = ReadonlyMap<string, number>;

function formOf(expression: ItemExpression): Form {
  const form = new Map<string, number>();
  for (const term of expression.terms) form.set(term.itemId, (form.get(term.itemId) ?? 0) + term.sign);
  return form;
}

/** The expression itself, then the expression plus or minus one sum rule (total − Σ parts = 0). */
export function alternativeForms(dictionary: Dictionary, expression: ItemExpression): Form[] {
  const base = formOf(expression);
  const forms: Form[] = [base];
  for (const rule of dictionary.rules) {
    if (rule.kind !== 'sum_equals' || rule.severity !== 'error' || rule.tolerance !== 0) continue;
    const identity = new Map<string, number>([[rule.total, 1]]);
    for (const part of rule.parts) identity.set(part, (identity.get(part) ?? 0) - 1);
    for (const sign of [1, -1]) {
      const form = new Map(base);
      for (const [item, coefficient] of identity) form.set(item, (form.get(item) ?? 0) + sign * coefficient);
      for (const [item, coefficient] of form) if (coefficient === 0) form.delete(item);
      // Only forms no longer than the original plus one: a rewrite, not a detour through everything.
      if (form.size <= base.size + 1) forms.push(form);
    }
  }
  return forms;
}

/** The value of an expression from published figures: the first form whose figures are all shown. */
export function publishedExpression(
  forms: readonly Form[],
  figureOf: (itemId: string) => PublishedValue,
): PublishedValue {
  let symbol: PublishedValue | undefined;
  for (const form of forms) {
    let total = 0;
    let missing: PublishedValue | undefined;
    for (const [item, coefficient] of form) {
      const value = figureOf(item);
      if (typeof value === 'number') total += coefficient * value;
      else {
        missing = value;
        break;
      }
    }
    if (missing === undefined) return total;
    if (form === forms[0]) symbol = missing;
  }
  // The direct form's symbol says why: x (not reported) before c (hidden), as for a single figure.
  return symbol ?? 'x';
}

export interface PublishedIndicatorValue {
  readonly numerator: PublishedValue;
  readonly denominator: PublishedValue;
  readonly rate: PublishedValue;
}

export function indicatorForms(dictionary: Dictionary, indicator: Indicator) {
  return {
    numerator: alternativeForms(dictionary, indicator.numeratorExpression),
    denominator: alternativeForms(dictionary, indicator.denominatorExpression),
  };
}

/** Numerator, denominator and rate as a reader of the published figures would compute them. */
export function publishedIndicator(
  forms: ReturnType<typeof indicatorForms>,
  figureOf: (itemId: string) => PublishedValue,
): PublishedIndicatorValue {
  const numerator = publishedExpression(forms.numerator, figureOf);
  const denominator = publishedExpression(forms.denominator, figureOf);
  let rate: PublishedValue;
  if (numerator === 'c' || denominator === 'c') rate = 'c';
  else if (numerator === 'x' || denominator === 'x') rate = 'x';
  else if (numerator === 'z' || denominator === 'z' || denominator <= 0) rate = 'z';
  else rate = Math.min(1, Math.max(0, numerator / denominator));
  return { numerator, denominator, rate };
}
