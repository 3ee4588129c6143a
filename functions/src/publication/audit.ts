/**
 * The intruder's audit: before a release goes out, take the view of someone
 * holding every release of overlapping periods and the template's published
 * rules, and compute, by linear programming, how far each protected count
 * can be narrowed.
 *
 * What the intruder knows (the linear model, solved with HiGHS):
 * - every unknown (a value of one submitted return) is ≥ 0;
 * - each published figure: a rounded count r means r−2 … r+2, a shown 0 means
 *   exactly 0, `c` means ≥ 0 (nothing more: a `c` may be a secondary
 *   suppression of any size);
 * - the additive structure the tables show (parts sum to totals, sites to the
 *   programme, quarters to the year for sum items) is built into the cells
 *   themselves (`release-cells.ts`);
 * - the dictionary's error rules R01–R13 over counts, for every return used.
 *
 * What is audited (each by a min and a max LP):
 * - every count of 1 to 7 shown `c` in any release (a secondary suppression
 *   is a means of protecting these, not itself a protected count: requiring
 *   intervals for it too would only cascade);
 * - for each published group whose total is a count of 1 to 7, the rest of the group beside
 *   each `c` part ("maternities c, smokers 0, non-smokers 0, unknown c" gives
 *   maternities − unknown = 0 exactly: every mother's status unknown);
 * - for each cell of a revised release whose value changed, the change, when
 *   it is 1 to 7 either way or either version is `c` (the differencing attack).
 *
 * A release is refused if any audited quantity could take fewer than
 * `MINIMUM_POSSIBLE_VALUES` whole values. The LP relaxation is used, as
 * τ-ARGUS's audit does: it can only make an interval wider than the whole-
 * number one, by less than 1 at each end; the threshold is applied to the
 * whole numbers inside the LP interval, so a refusal is never missed by more
 * than that rounding.
 *
 * The result table holds true values: it is for the release's internal
 * record only, never for a published file.
 */
import type { Highs } from 'highs';
import * as highsPackage from 'highs';
import { type CellId, isConfidential, type PublishedValue } from './disclosure.js';
import type { LinearRule, ReleaseCell, Term } from './release-cells.js';

/** Fewer whole values than this, and a protected count is narrowed too far. */
export const MINIMUM_POSSIBLE_VALUES = 8;

/** One release as the intruder holds it. */
export interface AuditedRelease {
  /** A name for people: `2025-26-Q3 release 2`. */
  readonly name: string;
  /** Releases of the same period and scope, in order, are compared for revisions. */
  readonly series: string;
  readonly cells: readonly ReleaseCell[];
  readonly published: ReadonlyMap<CellId, PublishedValue>;
  readonly groups: ReadonlyArray<{ readonly total: CellId; readonly parts: readonly CellId[] }>;
}

export interface AuditInput {
  /** Earlier releases first, the candidate last. */
  readonly releases: readonly AuditedRelease[];
  readonly rules: readonly LinearRule[];
  /** The true value of every unknown (only to report the true value of each audited quantity). */
  readonly values: ReadonlyMap<string, number>;
}

export type AuditedKind = 'suppressed cell' | 'rest of group' | 'revision change';

export interface AuditRow {
  readonly release: string;
  readonly kind: AuditedKind;
  /** The cell, or `total − part`, or the cell whose change is audited. */
  readonly quantity: string;
  /** The cells of the candidate release a complementary suppression could widen it through. */
  readonly cells: readonly CellId[];
  readonly trueValue: number;
  /**
   * The LP interval an intruder can compute (upper is Infinity when unbounded).
   * `lower` is null when it was not needed: it is at most the true value, and
   * the upper end alone leaves enough possible values.
   */
  readonly lower: number | null;
  readonly upper: number;
  /** Whole values in the interval. */
  readonly possibleValues: number;
  readonly safe: boolean;
}

export interface AuditResult {
  readonly rows: readonly AuditRow[];
  readonly failures: readonly AuditRow[];
  readonly passed: boolean;
  readonly lps: number;
  readonly milliseconds: number;
}

// The package's types describe its CommonJS face; under ESM the loader is the default export.
const loadHighs = (highsPackage as unknown as { default: () => Promise<Highs> }).default;
let solver: Promise<Highs> | undefined;
/** HiGHS in WebAssembly, loaded once per process (about 0.1 s). */
export function loadSolver(): Promise<Highs> {
  solver ??= loadHighs();
  return solver;
}

interface Quantity {
  readonly release: string;
  readonly kind: AuditedKind;
  readonly quantity: string;
  readonly cells: readonly CellId[];
  readonly terms: readonly Term[];
}

const EPSILON = 1e-6;
/**
 * A ceiling on every unknown, far above any count a return holds (the largest
 * eligible population is in the tens of thousands): an interval reaching it
 * is reported as unbounded.
 */
const CEILING = 1e7;

export async function auditReleases(input: AuditInput): Promise<AuditResult> {
  const started = performance.now();
  const highs = await loadSolver();
  const column = new Map<string, number>();
  const indexOf = (variable: string): number => {
    let index = column.get(variable);
    if (index === undefined) {
      index = column.size;
      column.set(variable, index);
    }
    return index;
  };
  const lower: number[] = [];
  const upper: number[] = [];
  const columnLower = new Map<number, number>();
  const columnUpper = new Map<number, number>();
  const rows: Array<{ lower: number; upper: number; terms: Map<number, number> }> = [];
  const addRow = (terms: readonly Term[], rowLower: number, rowUpper: number) => {
    const merged = new Map<number, number>();
    for (const term of terms) {
      const index = indexOf(term.variable);
      merged.set(index, (merged.get(index) ?? 0) + term.coefficient);
    }
    for (const [index, coefficient] of merged) if (coefficient === 0) merged.delete(index);
    if (merged.size === 0) return;
    if (merged.size === 1) {
      // One unknown: a bound on its column, not a row (far fewer rows, and the simplex warm-starts better).
      const [index, coefficient] = [...merged][0] as [number, number];
      const [from, to] =
        coefficient > 0
          ? [rowLower / coefficient, rowUpper / coefficient]
          : [rowUpper / coefficient, rowLower / coefficient];
      columnLower.set(index, Math.max(columnLower.get(index) ?? 0, from));
      columnUpper.set(index, Math.min(columnUpper.get(index) ?? Infinity, to));
      return;
    }
    rows.push({ lower: rowLower, upper: rowUpper, terms: merged });
  };

  for (const rule of input.rules) addRow(rule.terms, rule.lower, rule.upper);
  const quantities: Quantity[] = [];
  const previousOfSeries = new Map<string, AuditedRelease>();
  for (const release of input.releases) {
    const cellsById = new Map(release.cells.map((cell) => [cell.cell, cell]));
    for (const cell of release.cells) {
      const shown = release.published.get(cell.cell);
      if (cell.terms.length === 0 || shown === undefined || shown === 'x' || shown === 'z') continue;
      if (shown === 'c') {
        // A secondary suppression is a means, not a protected count: only counts of 1 to 7 need the interval.
        if (!isConfidentialValue(cell.trueValue)) continue;
        quantities.push({
          release: release.name,
          kind: 'suppressed cell',
          quantity: cell.cell,
          cells: [cell.cell],
          terms: cell.terms,
        });
        continue;
      }
      const [from, to] = shown === 0 ? [0, 0] : [shown - 2, shown + 2];
      addRow(cell.terms, from, to);
    }
    for (const group of release.groups) {
      if (release.published.get(group.total) !== 'c') continue;
      const total = cellsById.get(group.total);
      if (!total || !isConfidentialValue(total.trueValue)) continue;
      for (const part of group.parts) {
        const partCell = cellsById.get(part);
        if (!partCell || release.published.get(part) !== 'c') continue;
        quantities.push({
          release: release.name,
          kind: 'rest of group',
          quantity: `${group.total} − ${part}`,
          cells: [group.total, ...group.parts],
          terms: [
            ...total.terms,
            ...partCell.terms.map((term) => ({ ...term, coefficient: -term.coefficient })),
          ],
        });
      }
    }
    const before = previousOfSeries.get(release.series);
    if (before) {
      const earlier = new Map(before.cells.map((cell) => [cell.cell, cell]));
      for (const cell of release.cells) {
        const old = earlier.get(cell.cell);
        if (!old || typeof old.trueValue !== 'number' || typeof cell.trueValue !== 'number') continue;
        if (sameTerms(old.terms, cell.terms)) continue;
        const change = cell.trueValue - old.trueValue;
        const eitherSuppressed =
          release.published.get(cell.cell) === 'c' || before.published.get(cell.cell) === 'c';
        if (!eitherSuppressed && (change === 0 || Math.abs(change) > 7)) continue;
        quantities.push({
          release: release.name,
          kind: 'revision change',
          quantity: `${cell.cell} since ${before.name}`,
          cells: [cell.cell],
          terms: [...cell.terms, ...old.terms.map((term) => ({ ...term, coefficient: -term.coefficient }))],
        });
      }
    }
    previousOfSeries.set(release.series, release);
  }
  for (const quantity of quantities) for (const term of quantity.terms) indexOf(term.variable);
  for (let i = 0; i < column.size; i++) {
    lower.push(columnLower.get(i) ?? 0);
    // Every unknown is boxed: an unbounded LP is slow to prove in the simplex and spoils its warm start.
    upper.push(Math.min(columnUpper.get(i) ?? CEILING, CEILING));
  }

  const results: AuditRow[] = [];
  // Independent blocks: unknowns linked by no row (in practice one block per family of items, such as
  // the breastfeeding statuses across every site and release) are solved as separate, smaller LPs.
  // Exact, and much faster: each HiGHS solve costs time in proportion to the whole model.
  const parent = Array.from({ length: column.size }, (_, index) => index);
  const find = (index: number): number => {
    let root = index;
    while (parent[root] !== root) root = parent[root] as number;
    while (parent[index] !== root) {
      const next = parent[index] as number;
      parent[index] = root;
      index = next;
    }
    return root;
  };
  const join = (indices: Iterable<number>) => {
    let first: number | undefined;
    for (const index of indices) {
      if (first === undefined) first = find(index);
      else parent[find(index)] = first;
    }
  };
  for (const entry of rows) join(entry.terms.keys());
  for (const quantity of quantities) join(quantity.terms.map((term) => column.get(term.variable) as number));
  const blocks = new Map<number, { columns: number[]; rows: typeof rows; quantities: Quantity[] }>();
  const blockOf = (index: number) => {
    const root = find(index);
    let block = blocks.get(root);
    if (!block) {
      block = { columns: [], rows: [], quantities: [] };
      blocks.set(root, block);
    }
    return block;
  };
  for (let index = 0; index < column.size; index++) blockOf(index).columns.push(index);
  for (const entry of rows) blockOf(entry.terms.keys().next().value as number).rows.push(entry);
  for (const quantity of quantities) {
    const first = quantity.terms[0];
    if (first) blockOf(column.get(first.variable) as number).quantities.push(quantity);
    else results.push({ ...row(quantity, 0, 0, 0), safe: true });
  }

  let lps = 0;
  for (const block of blocks.values()) {
    if (block.quantities.length === 0) continue;
    const local = new Map(block.columns.map((index, position) => [index, position]));
    const model = highs.createModel();
    try {
      // Presolve off: each solve only changes the objective, so the previous basis is the best start.
      model.options.set({ output_flag: false, presolve: 'off', simplex_strategy: 4 });
      model.addVars(
        block.columns.map((index) => lower[index] as number),
        block.columns.map((index) => upper[index] as number),
      );
      for (const entry of block.rows) {
        const indices = [...entry.terms.keys()].map((index) => local.get(index) as number);
        model.addRow(toBound(entry.lower, highs.infinity), toBound(entry.upper, highs.infinity), {
          indices,
          values: [...entry.terms.values()],
        });
      }
      const seen = new Map<string, { lower: number | null; upper: number }>();
      for (const quantity of block.quantities) {
        const objective = new Map<number, number>();
        for (const term of quantity.terms) {
          const index = local.get(column.get(term.variable) as number) as number;
          objective.set(index, (objective.get(index) ?? 0) + term.coefficient);
        }
        for (const [index, coefficient] of objective) if (coefficient === 0) objective.delete(index);
        const trueValue = quantity.terms.reduce(
          (sum, term) => sum + term.coefficient * (input.values.get(term.variable) ?? 0),
          0,
        );
        if (objective.size === 0) {
          // The same unknowns on both sides (a programme total of one site): 0 whatever the data, so it tells nothing.
          results.push({ ...row(quantity, trueValue, 0, 0), safe: true });
          continue;
        }
        const key = [...objective].sort((a, b) => a[0] - b[0]).join(';');
        let interval = seen.get(key);
        if (!interval) {
          const indices = [...objective.keys()].sort((a, b) => a - b);
          const costs = indices.map((index) => objective.get(index) as number);
          const bound = (sense: 'minimize' | 'maximize'): number => {
            // Always minimise (max f = −min −f): only the costs change between solves.
            const sign = sense === 'minimize' ? 1 : -1;
            model.changeColsCost(
              { kind: 'set', indices },
              costs.map((cost) => sign * cost),
            );
            model.run();
            lps++;
            const status = model.getModelStatus();
            if (status === highs.constants.modelStatus.optimal) {
              const value = sign * model.getObjectiveValue();
              return Math.abs(value) >= CEILING - 1 ? (value > 0 ? Infinity : -Infinity) : value;
            }
            throw new Error(`the disclosure audit's LP ended with HiGHS model status ${status}`);
          };
          // The truth is feasible, so the lower end is at most the true value: when the upper end alone
          // leaves enough values, the lower end is not needed (half the LPs, for most counts).
          const upperEnd = bound('maximize');
          const enough = Math.floor(upperEnd + EPSILON) - Math.ceil(trueValue) + 1 >= MINIMUM_POSSIBLE_VALUES;
          interval = { lower: enough ? null : bound('minimize'), upper: upperEnd };
          model.changeColsCost(
            { kind: 'set', indices },
            indices.map(() => 0),
          );
          seen.set(key, interval);
        }
        results.push(row(quantity, trueValue, interval.lower, interval.upper));
      }
    } finally {
      model.dispose();
    }
  }
  const failures = results.filter((entry) => !entry.safe);
  return {
    rows: results,
    failures,
    passed: failures.length === 0,
    lps,
    milliseconds: performance.now() - started,
  };
}

function isConfidentialValue(value: ReleaseCell['trueValue']): boolean {
  return typeof value === 'number' && isConfidential(value);
}

function row(quantity: Quantity, trueValue: number, lower: number | null, upper: number): AuditRow {
  const from = lower ?? Math.min(0, trueValue);
  const possibleValues =
    upper === Infinity || from === -Infinity
      ? Infinity
      : Math.floor(upper + EPSILON) - Math.ceil(from - EPSILON) + 1;
  return {
    release: quantity.release,
    kind: quantity.kind,
    quantity: quantity.quantity,
    cells: quantity.cells,
    trueValue,
    lower: lower === null ? null : Math.abs(lower) < EPSILON ? 0 : lower,
    upper,
    possibleValues,
    safe: possibleValues >= MINIMUM_POSSIBLE_VALUES,
  };
}

function toBound(value: number, infinity: number): number {
  if (value === Infinity) return infinity;
  if (value === -Infinity) return -infinity;
  return value;
}

function sameTerms(a: readonly Term[], b: readonly Term[]): boolean {
  if (a.length !== b.length) return false;
  const key = (terms: readonly Term[]) =>
    terms
      .map((term) => `${term.variable}*${term.coefficient}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}

/** A line for people: `BF.UNKNOWN|BLK (2025-26-Q3 release 2): 2 to 6, 5 possible values`. */
export function describeFailure(entry: AuditRow): string {
  const upper = entry.upper === Infinity ? 'any number' : formatBound(entry.upper);
  return `${entry.quantity} (${entry.release}, ${entry.kind}): could be narrowed to ${formatBound(entry.lower ?? 0)} to ${upper}, ${entry.possibleValues} possible value${entry.possibleValues === 1 ? '' : 's'}`;
}

function formatBound(value: number): string {
  return Number.isInteger(Math.round(value * 1e6) / 1e6) ? String(Math.round(value)) : value.toFixed(2);
}
