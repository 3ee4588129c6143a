/**
 * Choosing what to hide: primary suppression (counts of 1 to 7), rounding,
 * and secondary suppression driven by the intruder's audit, over everything
 * published together and before.
 *
 * The secondary cells are chosen by cost, as τ-ARGUS does, but by an exact
 * audit-driven loop rather than one mixed-integer programme: audit the
 * candidate (with every earlier release of overlapping periods); for each
 * quantity the audit finds too narrow, hide the cheapest visible cell of a
 * group that quantity belongs to; repeat until the audit passes. The loop is
 * exact in what it accepts (the audit decides) but greedy in what it hides,
 * so it may hide a little more than a true optimum; every round hides at
 * least one more cell, so it ends.
 *
 * Cost of hiding a cell (lower is hidden first): 1 per cell, plus 10 if its
 * item is in an indicator's numerator or denominator (so "not at all
 * breastfed" and "non-smoker" go before the rate's own figures and rates stay
 * visible where protection allows), plus 3 for a programme figure, plus a
 * thousandth of its value (of two equal choices, the smaller count).
 *
 * Consistency with earlier releases: a cell made of exactly the same return
 * values as a cell hidden before stays hidden (showing it now would undo the
 * earlier protection); everything else is left to the audit, which holds the
 * earlier releases as the intruder would.
 *
 * Pure apart from the solver (WebAssembly, in process).
 */
import type { Dictionary } from '../dictionary/load-dictionary.js';
import { type AuditedRelease, type AuditResult, auditReleases } from './audit.js';
import { type CellId, isConfidential, type PublishedValue, publishedCount } from './disclosure.js';
import { indicatorForms } from './published-rates.js';
import { PROGRAMME_COLUMN, type ReleaseCell, type ReleaseModel, type Term } from './release-cells.js';

export interface ProtectInput {
  readonly name: string;
  readonly series: string;
  readonly model: ReleaseModel;
  /** Earlier releases of overlapping periods, oldest first, as published. */
  readonly earlier: readonly AuditedRelease[];
  /** Rules and values of the earlier releases' returns (the candidate's come with its model). */
  readonly earlierRules?: ReleaseModel['rules'];
  readonly earlierValues?: ReadonlyMap<string, number>;
  /** The cost of hiding `cell`, given which cells are shown now. */
  readonly cost: (cell: ReleaseCell, shown: (cell: CellId) => boolean) => number;
  /** A bound on rounds of the loop, far above what real tables need. */
  readonly maxRounds?: number;
}

export interface ProtectedRelease {
  readonly published: ReadonlyMap<CellId, PublishedValue>;
  readonly primary: ReadonlySet<CellId>;
  readonly secondary: ReadonlySet<CellId>;
  readonly audit: AuditResult;
  readonly rounds: number;
}

/** The cost described above, from the dictionary's indicators and their published forms. */
export function informationCost(
  dictionary: Dictionary,
): (cell: ReleaseCell, shown: (cell: CellId) => boolean) => number {
  const forms = dictionary.indicators.map((indicator) => indicatorForms(dictionary, indicator));
  return (cell, shown) => {
    const at = (item: string) => `${item}|${cell.column}`;
    const computable = (without?: string) => (form: ReadonlyMap<string, number>) =>
      [...form.keys()].every((item) => item !== without && shown(at(item)));
    let ratesLost = 0;
    for (const indicator of forms) {
      const now = indicator.numerator.some(computable()) && indicator.denominator.some(computable());
      if (!now) continue;
      const after =
        indicator.numerator.some(computable(cell.item)) && indicator.denominator.some(computable(cell.item));
      if (!after) ratesLost++;
    }
    return (
      1 +
      10 * ratesLost +
      (cell.column === PROGRAMME_COLUMN ? 3 : 0) +
      (typeof cell.trueValue === 'number' ? cell.trueValue / 1000 : 0)
    );
  };
}

export async function protectRelease(input: ProtectInput): Promise<ProtectedRelease> {
  const { model } = input;
  const published = new Map<CellId, PublishedValue>();
  const primary = new Set<CellId>();
  const secondary = new Set<CellId>();
  const hiddenBefore = new Set<string>();
  const shownBefore = new Set<string>();
  for (const release of input.earlier) {
    for (const cell of release.cells) {
      if (cell.terms.length === 0) continue;
      const shown = release.published.get(cell.cell);
      if (shown === 'c') hiddenBefore.add(termsKey(cell.terms));
      else if (typeof shown === 'number') shownBefore.add(termsKey(cell.terms));
    }
  }
  for (const cell of model.cells) {
    published.set(cell.cell, publishedCount(cell.trueValue));
    if (typeof cell.trueValue === 'number' && isConfidential(cell.trueValue)) primary.add(cell.cell);
    else if (cell.terms.length > 0 && hiddenBefore.has(termsKey(cell.terms))) {
      published.set(cell.cell, 'c');
      secondary.add(cell.cell);
    }
  }
  for (const id of primary) published.set(id, 'c');

  const cellsById = new Map(model.cells.map((cell) => [cell.cell, cell]));
  const groupsOf = new Map<CellId, Array<readonly CellId[]>>();
  for (const group of model.groups) {
    const members = [group.total, ...group.parts];
    for (const member of members) {
      const list = groupsOf.get(member) ?? [];
      list.push(members);
      groupsOf.set(member, list);
    }
  }
  const visible = (id: CellId) => typeof published.get(id) === 'number';
  // Hiding a figure already published (the same return values) would protect nothing.
  const hideable = (cell: ReleaseCell) => !shownBefore.has(termsKey(cell.terms));
  const cheapest = (ids: Iterable<CellId>): CellId | undefined => {
    let best: CellId | undefined;
    let bestCost = Infinity;
    for (const id of ids) {
      const cell = cellsById.get(id);
      if (!cell || !visible(id) || !hideable(cell)) continue;
      const cost = input.cost(cell, visible);
      if (cost < bestCost || (cost === bestCost && best !== undefined && id < best)) {
        best = id;
        bestCost = cost;
      }
    }
    return best;
  };
  /** The cheapest visible cell in the groups around `start`, widening a step at a time. */
  const complementFor = (start: readonly CellId[]): CellId | undefined => {
    let frontier = new Set(start.filter((id) => cellsById.has(id)));
    const seen = new Set(frontier);
    // A group's own figures first (a zero beside a hidden total), then the groups around, widening.
    const own = cheapest(frontier);
    if (own !== undefined) return own;
    while (frontier.size > 0) {
      const around = new Set<CellId>();
      for (const id of frontier)
        for (const group of groupsOf.get(id) ?? []) for (const member of group) around.add(member);
      const choice = cheapest(around);
      if (choice !== undefined) return choice;
      const next = new Set<CellId>();
      for (const id of around) {
        if (seen.has(id)) continue;
        next.add(id);
        seen.add(id);
      }
      frontier = next;
    }
    return undefined;
  };

  const rules = [...(input.earlierRules ?? []), ...model.rules];
  const values = new Map([...(input.earlierValues ?? []), ...model.values]);
  const maxRounds = input.maxRounds ?? 200;
  for (let round = 1; ; round++) {
    const candidate: AuditedRelease = {
      name: input.name,
      series: input.series,
      cells: model.cells,
      published,
      groups: model.groups,
    };
    const audit = await auditReleases({
      releases: [...input.earlier, candidate],
      rules: dedupe(rules),
      values,
    });
    if (audit.passed || round >= maxRounds) return { published, primary, secondary, audit, rounds: round };
    if (round === 1) {
      // What no suppression in this release can protect (earlier releases already narrowed it): refuse now.
      const everythingHidden = new Map(
        [...published].map(([id, value]) => [id, typeof value === 'number' ? 'c' : value] as const),
      );
      const hopeless = await auditReleases({
        releases: [...input.earlier, { ...candidate, published: everythingHidden }],
        rules: dedupe(rules),
        values,
      });
      if (!hopeless.passed) return { published, primary, secondary, audit: hopeless, rounds: round };
    }
    let hid = false;
    for (const failure of audit.failures) {
      // Cells of an earlier release are reached through the candidate's cell of the same place.
      const choice = complementFor(failure.cells);
      if (choice === undefined) continue;
      published.set(choice, 'c');
      secondary.add(choice);
      hid = true;
    }
    if (!hid) return { published, primary, secondary, audit, rounds: round };
  }
}

function termsKey(terms: readonly Term[]): string {
  return terms
    .map((term) => `${term.variable}*${term.coefficient}`)
    .sort()
    .join(',');
}

function dedupe<T extends { id: string }>(rules: readonly T[]): T[] {
  const seen = new Set<string>();
  return rules.filter((rule) => {
    if (seen.has(rule.id)) return false;
    seen.add(rule.id);
    return true;
  });
}
