/**
 * Statistical disclosure control for figures published outside the funder,
 * as the programme agreed:
 *
 * - **Primary suppression**: a count from 1 to 7 is published as `c`. A true 0
 *   is published as 0 and never suppressed for its own sake.
 * - **Rounding**: every other published count is rounded to the nearest 5
 *   (0 stays 0; 8 → 10, 12 → 10, 13 → 15). Each figure is rounded on its own,
 *   so rounded parts need not add up to the rounded total.
 * - **Rates** are computed from the published (rounded) figures: `publishedRate`.
 * - **Secondary suppression** so that no suppressed count can be worked out
 *   from a total or a breakdown (below).
 * - Government Statistical Service symbols: `c` confidential, `x` not
 *   available, `z` not applicable. `x` and `z` pass through unchanged.
 *
 * ## Secondary suppression
 *
 * The caller describes the additive structure of the table as relations: in
 * the true data `total = sum(parts)`. A cell may be in several relations (a
 * site's age breakdown sums to the site's total; the same item summed over
 * sites gives the programme figure: a 2-D table with row and column totals).
 * Only cells that are present in `counts` with a numeric value take part in a
 * relation; `x`, `z` and absent parts are left out of it (as if known: right
 * when a total covers only the sites that reported, cautious otherwise).
 * A relation whose total is not a number still counts for the rule in step 1
 * (cautious), but gives no equation in step 2 (the total is unknown).
 *
 * 1. The standard rule "no lone suppression in any additive relation",
 *    iterated to a fixed point: while some relation has exactly one
 *    suppressed cell, suppress one more of its cells, preferring the smallest
 *    non-zero part, then the total, then (last resort) a zero. Ties go to the
 *    lower CellId (plain code-unit order, not locale order). Relations are
 *    visited in a canonical order, so the result does not depend on the
 *    order of the input.
 * 2. An exact audit the simple rule does not give: a suppressed cell can also
 *    be recovered by combining several relations even when each of them has
 *    two or more suppressed cells (in a 2-D table, two "rings" of
 *    suppressions joined by a single suppressed cell: adding two row
 *    equations and subtracting two column equations isolates that cell). The
 *    audit row-reduces the relations, restricted to the suppressed cells, in
 *    exact integer arithmetic; a suppressed cell is recoverable exactly when
 *    some combination of relations involves it alone. For each recoverable
 *    cell, one more cell is suppressed (chosen as in step 1, from the
 *    relations containing it, widening to neighbouring relations if those
 *    have no non-zero cell left), and step 1 runs again. Every step
 *    suppresses a new cell, so this ends.
 *
 * What this guarantees, with exact (unrounded) published figures: no
 * suppressed cell is a linear function of the published figures. When the
 * suppressed cells are all non-zero (zeros are only chosen as a last resort)
 * and the relations form tables with totals (1-D breakdowns, 2-D tables,
 * hierarchies), there is then also another non-negative integer table, equal
 * to the true one at every published cell, in which that cell differs by 1.
 *
 * Limits:
 * - It does not solve the optimal cell-suppression problem (least
 *   information lost); the greedy choice may suppress more than necessary.
 * - It does not compute "protection intervals": an attacker may narrow a
 *   suppressed cell to a range (at worst a ±1 alternative), it just cannot
 *   pin it. Rounding every other figure to 5 adds protection: published
 *   figures only give ranges, so the actual protection is wider than
 *   the exact-figure guarantee above.
 * - A reader can guess a `c` cell is not 0 (zeros are published, except as a
 *   last-resort complement) but cannot tell a primary `c` (1–7) from a
 *   secondary one (8 and over); the guarantee above does not rely on that.
 * - If a zero has to be chosen as a complementary suppression, non-negativity
 *   may still pin cells (x + y = 0 forces both to 0); `unprotected` does not
 *   catch that, but it only arises when a relation has no non-zero cell left.
 * - Relations are trusted: if the true data do not satisfy them, the
 *   guarantee is about the relations given, not about the data.
 * - Derived figures published alongside (rates, differences) must be computed
 *   from the published figures, never from true ones.
 *
 * Pure: no I/O.
 */

export type CellId = string;
export type GssSymbol = 'c' | 'x' | 'z';
export type PublishedValue = number | GssSymbol;
/** A true figure: a count (a whole number ≥ 0), or `x` not available, or `z` not applicable. */
export type TrueValue = number | 'x' | 'z';

/** In the true data, the total equals the sum of the parts. */
export interface Relation {
  readonly total: CellId;
  readonly parts: readonly CellId[];
}

export interface DisclosureInput {
  readonly counts: ReadonlyMap<CellId, TrueValue>;
  readonly relations: readonly Relation[];
}

export interface DisclosureResult {
  /** Every cell of `counts`, in the same order: rounded count, `c`, `x` or `z`. */
  readonly published: ReadonlyMap<CellId, PublishedValue>;
  /** Cells suppressed because their own count is from 1 to 7. */
  readonly primary: ReadonlySet<CellId>;
  /** Cells suppressed only so that primary cells cannot be recovered. */
  readonly secondary: ReadonlySet<CellId>;
  /**
   * Suppressed cells that could still be worked out from the published figures
   * and the relations because nothing was left to suppress. Expected to be
   * empty; only degenerate relations (for example one that forces a cell to
   * be 0) produce entries. Callers should treat a non-empty set as a defect.
   */
  readonly unprotected: ReadonlySet<CellId>;
}

/** Counts from 1 to this are confidential. */
export const LARGEST_CONFIDENTIAL_COUNT = 7;
/** Other counts are rounded to a multiple of this. */
export const ROUNDING_BASE = 5;

/** Whether a true count is suppressed for its own sake (1 to 7). */
export function isConfidential(count: number): boolean {
  return count >= 1 && count <= LARGEST_CONFIDENTIAL_COUNT;
}

/** Round to the nearest multiple of 5, halves up (counts are whole numbers, so no halves occur). */
export function roundToFive(n: number): number {
  if (!Number.isFinite(n)) throw new RangeError(`cannot round ${n}`);
  const rounded = Math.floor(n / ROUNDING_BASE + 0.5) * ROUNDING_BASE;
  return rounded === 0 ? 0 : rounded; // never -0
}

/** The published form of a single count, before any secondary suppression. */
export function publishedCount(count: TrueValue): PublishedValue {
  if (count === 'x' || count === 'z') return count;
  return isConfidential(count) ? 'c' : roundToFive(count);
}

/**
 * A rate from published (already rounded) figures, as a fraction. `c` if
 * either figure is `c` (a rate could reveal it); otherwise `x` if either is
 * `x`; otherwise `z` if either is `z` or the denominator is 0.
 */
export function publishedRate(numerator: PublishedValue, denominator: PublishedValue): PublishedValue {
  if (numerator === 'c' || denominator === 'c') return 'c';
  if (numerator === 'x' || denominator === 'x') return 'x';
  if (numerator === 'z' || denominator === 'z' || denominator === 0) return 'z';
  return numerator / denominator;
}

interface Member {
  readonly id: CellId;
  readonly value: number;
  readonly isTotal: boolean;
}

/** A relation restricted to its numeric cells, each cell once, with its coefficient. */
interface NumericRelation {
  readonly key: string;
  readonly members: readonly Member[];
  /** +1 per occurrence as a part, −1 as the total; empty when the total is not a number (no equation). */
  readonly coefficients: ReadonlyMap<CellId, number>;
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function controlDisclosure(input: DisclosureInput): DisclosureResult {
  const values = new Map<CellId, number>();
  for (const [id, value] of input.counts) {
    if (value === 'x' || value === 'z') continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new RangeError(
        `cell ${id}: a count must be a whole number ≥ 0, 'x' or 'z', got ${String(value)}`,
      );
    }
    values.set(id, value);
  }

  const relations = normaliseRelations(input.relations, values);
  const relationsOf = new Map<CellId, NumericRelation[]>();
  for (const relation of relations) {
    for (const member of relation.members) {
      const list = relationsOf.get(member.id) ?? [];
      list.push(relation);
      relationsOf.set(member.id, list);
    }
  }

  const primary = new Set<CellId>([...values].filter(([, value]) => isConfidential(value)).map(([id]) => id));
  const suppressed = new Set<CellId>(primary);
  const secondary = new Set<CellId>();
  const suppress = (id: CellId) => {
    suppressed.add(id);
    secondary.add(id);
  };

  const noLoneSuppression = () => {
    let changed = true;
    while (changed) {
      changed = false;
      for (const relation of relations) {
        let count = 0;
        for (const member of relation.members) if (suppressed.has(member.id)) count++;
        if (count !== 1) continue;
        const choice = bestComplement(relation.members, suppressed);
        if (choice === undefined) continue; // the lone cell is the only numeric one: nothing to subtract from
        suppress(choice);
        changed = true;
      }
    }
  };

  const givenUp = new Set<CellId>();
  for (;;) {
    noLoneSuppression();
    const target = recoverableCells(relations, suppressed).find((id) => !givenUp.has(id));
    if (target === undefined) break;
    const choice = complementNear(target, relationsOf, suppressed);
    if (choice === undefined) givenUp.add(target);
    else suppress(choice);
  }

  const published = new Map<CellId, PublishedValue>();
  for (const [id, value] of input.counts) {
    published.set(id, suppressed.has(id) ? 'c' : publishedCount(value));
  }
  return { published, primary, secondary, unprotected: new Set(recoverableCells(relations, suppressed)) };
}

function normaliseRelations(
  relations: readonly Relation[],
  values: ReadonlyMap<CellId, number>,
): NumericRelation[] {
  const normalised: NumericRelation[] = [];
  for (const relation of relations) {
    const coefficients = new Map<CellId, number>();
    const add = (id: CellId, coefficient: number) => {
      if (values.has(id)) coefficients.set(id, (coefficients.get(id) ?? 0) + coefficient);
    };
    if (values.has(relation.total)) {
      add(relation.total, -1);
      for (const part of relation.parts) add(part, 1);
    }
    const ids = [...new Set([relation.total, ...relation.parts])]
      .filter((id) => values.has(id))
      .sort(byCodeUnits);
    if (ids.length === 0) continue;
    const members = ids.map((id) => ({ id, value: values.get(id) ?? 0, isTotal: id === relation.total }));
    const key = `${relation.total}\u0000${[...relation.parts].sort(byCodeUnits).join('\u0000')}`;
    normalised.push({ key, members, coefficients });
  }
  return normalised.sort((a, b) => byCodeUnits(a.key, b.key));
}

/** Non-zero parts (smallest first), then the total, then zeros; ties by CellId. */
function rank(member: Member): readonly [number, number, number] {
  return [member.value === 0 ? 1 : 0, member.isTotal ? 1 : 0, member.value];
}

function better(a: Member, b: Member): boolean {
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < ra.length; i++) {
    const x = ra[i] ?? 0;
    const y = rb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return a.id < b.id;
}

function bestComplement(members: Iterable<Member>, suppressed: ReadonlySet<CellId>): CellId | undefined {
  let best: Member | undefined;
  for (const member of members) {
    if (suppressed.has(member.id)) continue;
    if (best === undefined || better(member, best)) best = member;
  }
  return best?.id;
}

/**
 * A cell to suppress so that `target` stops being recoverable: the best
 * candidate among the relations containing it; if those have no non-zero
 * cell left, among relations one step further out, and so on. A zero is
 * chosen only if no non-zero cell is left anywhere within reach (then the
 * nearest zero).
 */
function complementNear(
  target: CellId,
  relationsOf: ReadonlyMap<CellId, readonly NumericRelation[]>,
  suppressed: ReadonlySet<CellId>,
): CellId | undefined {
  const seenRelations = new Set<NumericRelation>();
  const seenCells = new Set<CellId>([target]);
  let frontier: CellId[] = [target];
  let nearestZero: CellId | undefined;
  while (frontier.length > 0) {
    const layer: NumericRelation[] = [];
    for (const id of frontier) {
      for (const relation of relationsOf.get(id) ?? []) {
        if (seenRelations.has(relation)) continue;
        seenRelations.add(relation);
        layer.push(relation);
      }
    }
    // A cell that is a part in any relation of this layer counts as a part.
    const candidates = new Map<CellId, Member>();
    for (const relation of layer) {
      for (const member of relation.members) {
        const known = candidates.get(member.id);
        if (known === undefined || (known.isTotal && !member.isTotal)) candidates.set(member.id, member);
      }
    }
    const choice = bestComplement(candidates.values(), suppressed);
    if (choice !== undefined) {
      if (candidates.get(choice)?.value !== 0) return choice;
      nearestZero ??= choice;
    }
    const next: CellId[] = [];
    for (const id of [...candidates.keys()].sort(byCodeUnits)) {
      if (seenCells.has(id)) continue;
      seenCells.add(id);
      next.push(id);
    }
    frontier = next;
  }
  return nearestZero;
}

/**
 * The suppressed cells whose value follows from the published figures and
 * the relations: those for which some linear combination of the relations
 * involves no other suppressed cell. Exact: reduced row echelon form of the
 * relations restricted to the suppressed cells, in integers (BigInt), rows
 * kept primitive by dividing out their gcd. A cell is recoverable exactly when
 * a row of that form is its unit vector. Sorted by CellId.
 */
function recoverableCells(relations: readonly NumericRelation[], suppressed: ReadonlySet<CellId>): CellId[] {
  const variables = [...suppressed].sort(byCodeUnits);
  const column = new Map(variables.map((id, index) => [id, index]));
  const rows: bigint[][] = [];
  for (const relation of relations) {
    const row = new Array<bigint>(variables.length).fill(0n);
    let any = false;
    for (const [id, coefficient] of relation.coefficients) {
      const index = column.get(id);
      if (index === undefined || coefficient === 0) continue;
      row[index] = BigInt(coefficient);
      any = true;
    }
    if (any) rows.push(row);
  }

  const pivots: Array<{ row: number; column: number }> = [];
  let next = 0;
  for (let col = 0; col < variables.length && next < rows.length; col++) {
    const found = rows.findIndex((row, index) => index >= next && (row[col] ?? 0n) !== 0n);
    if (found < 0) continue;
    const pivotRow = rows[found] as bigint[];
    rows[found] = rows[next] as bigint[];
    rows[next] = makePrimitive(pivotRow);
    const pivot = rows[next] as bigint[];
    const p = pivot[col] ?? 0n;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as bigint[];
      const factor = row[col] ?? 0n;
      if (i === next || factor === 0n) continue;
      rows[i] = makePrimitive(row.map((value, j) => value * p - (pivot[j] ?? 0n) * factor));
    }
    pivots.push({ row: next, column: col });
    next++;
  }

  const recoverable: CellId[] = [];
  for (const { row, column: col } of pivots) {
    const entries = rows[row] as bigint[];
    if (entries.every((value, j) => j === col || value === 0n)) recoverable.push(variables[col] as CellId);
  }
  return recoverable.sort(byCodeUnits);
}

function makePrimitive(row: bigint[]): bigint[] {
  let divisor = 0n;
  for (const value of row) divisor = gcd(divisor, value < 0n ? -value : value);
  if (divisor <= 1n) {
    const lead = row.find((value) => value !== 0n) ?? 0n;
    return lead < 0n ? row.map((value) => -value) : row;
  }
  const lead = row.find((value) => value !== 0n) ?? 0n;
  const sign = lead < 0n ? -1n : 1n;
  return row.map((value) => (value / divisor) * sign);
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}
