import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../functions/src/demo/synthetic-return.js';
import {
  type CellId,
  controlDisclosure,
  type DisclosureResult,
  isConfidential,
  publishedCount,
  publishedRate,
  type Relation,
  roundToFive,
  type TrueValue,
} from '../../functions/src/publication/disclosure.js';

// ---------------------------------------------------------------------------
// Independent checkers (no code shared with the module under test)
// ---------------------------------------------------------------------------

/** The relations in which some suppressed cell is the only suppressed cell among the numeric ones. */
function loneSuppressions(
  counts: ReadonlyMap<CellId, TrueValue>,
  relations: readonly Relation[],
  suppressed: ReadonlySet<CellId>,
): Relation[] {
  return relations.filter((relation) => {
    const numeric = [...new Set([relation.total, ...relation.parts])].filter(
      (id) => typeof counts.get(id) === 'number',
    );
    const hidden = numeric.filter((id) => suppressed.has(id));
    // A relation with a single numeric cell gives nothing to subtract from.
    return hidden.length === 1 && numeric.length > 1;
  });
}

/**
 * Looks for another assignment of whole numbers ≥ 0 to the suppressed cells,
 * each within `radius` of its true value, that satisfies every relation (with
 * every unsuppressed cell at its exact true value: no rounding) and differs
 * from the truth at `target`. Depth-first search: a relation with a single
 * unassigned cell forces it; otherwise branch on the next cell, `target` first.
 * Returns the alternative, or undefined if none exists within the bounds.
 */
function findAlternative(
  values: ReadonlyMap<CellId, number>,
  relations: readonly Relation[],
  suppressed: ReadonlySet<CellId>,
  target: CellId,
  radius: number,
): Map<CellId, number> | undefined {
  const truth = (id: CellId): number => {
    const value = values.get(id);
    if (value === undefined) throw new Error(`no value for ${id}`);
    return value;
  };
  const equations = relations.map((relation) => {
    const terms: Array<[CellId, number]> = [
      [relation.total, -1],
      ...relation.parts.map((p): [CellId, number] => [p, 1]),
    ];
    return terms.filter(([id]) => values.has(id));
  });
  const order = [target, ...[...suppressed].filter((id) => id !== target).sort()];
  const assigned = new Map<CellId, number>();
  const domain = (id: CellId): number[] => {
    const centre = truth(id);
    const result: number[] = [];
    for (let v = Math.max(0, centre - radius); v <= centre + radius; v++) {
      if (id === target && v === centre) continue;
      result.push(v);
    }
    return result;
  };
  const currentValue = (id: CellId): number | undefined =>
    suppressed.has(id) ? assigned.get(id) : truth(id);

  const search = (): boolean => {
    let forced: { id: CellId; value: number } | undefined;
    for (const terms of equations) {
      let sum = 0;
      const open: Array<[CellId, number]> = [];
      for (const [id, coefficient] of terms) {
        const value = currentValue(id);
        if (value === undefined) open.push([id, coefficient]);
        else sum += coefficient * value;
      }
      if (open.length === 0 && sum !== 0) return false;
      if (open.length === 1 && forced === undefined) {
        const [id, coefficient] = open[0] as [CellId, number];
        forced = { id, value: -sum / coefficient };
      }
    }
    if (forced) {
      if (!domain(forced.id).includes(forced.value)) return false;
      assigned.set(forced.id, forced.value);
      if (search()) return true;
      assigned.delete(forced.id);
      return false;
    }
    const next = order.find((id) => !assigned.has(id));
    if (next === undefined) return true;
    for (const value of domain(next)) {
      assigned.set(next, value);
      if (search()) return true;
      assigned.delete(next);
    }
    return false;
  };
  return search() ? new Map(assigned) : undefined;
}

/** The suppressed cells for which no alternative exists within `radius`: cells an attacker could pin. */
function pinnedCells(
  values: ReadonlyMap<CellId, number>,
  relations: readonly Relation[],
  suppressed: ReadonlySet<CellId>,
  radius = 2,
): CellId[] {
  return [...suppressed].filter(
    (id) => findAlternative(values, relations, suppressed, id, radius) === undefined,
  );
}

function suppressedOf(result: DisclosureResult): Set<CellId> {
  return new Set([...result.published].filter(([, value]) => value === 'c').map(([id]) => id));
}

/**
 * A table of rows × columns with a total column, a total row and a grand
 * total; the relations are every row and every column. Cell ids are
 * `row|column`; totals use the row/column name `T`.
 */
function table(
  body: readonly (readonly number[])[],
  rowNames?: readonly string[],
  columnNames?: readonly string[],
) {
  const rows = rowNames ?? body.map((_, i) => `r${i + 1}`);
  const columns = columnNames ?? (body[0] ?? []).map((_, j) => `c${j + 1}`);
  const id = (row: string, column: string): CellId => `${row}|${column}`;
  const values = new Map<CellId, number>();
  body.forEach((cells, i) => {
    cells.forEach((value, j) => {
      values.set(id(rows[i] as string, columns[j] as string), value);
    });
  });
  const sum = (ids: readonly CellId[]) => ids.reduce((total, cell) => total + (values.get(cell) ?? 0), 0);
  const relations: Relation[] = [];
  for (const row of rows) {
    const parts = columns.map((column) => id(row, column));
    values.set(id(row, 'T'), sum(parts));
    relations.push({ total: id(row, 'T'), parts });
  }
  for (const column of [...columns, 'T']) {
    const parts = rows.map((row) => id(row, column));
    values.set(id('T', column), sum(parts));
    relations.push({ total: id('T', column), parts });
  }
  relations.push({ total: id('T', 'T'), parts: columns.map((column) => id('T', column)) });
  return { values, relations, counts: values as ReadonlyMap<CellId, TrueValue>, id };
}

// ---------------------------------------------------------------------------

describe('roundToFive', () => {
  it.each([
    [0, 0],
    [5, 5],
    [8, 10],
    [9, 10],
    [10, 10],
    [11, 10],
    [12, 10],
    [13, 15],
    [14, 15],
    [17, 15],
    [18, 20],
    [22, 20],
    [23, 25],
    [100, 100],
    [102, 100],
    [103, 105],
    [1234, 1235],
    [12.5, 15],
    [2.5, 5],
  ])('rounds %d to %d', (n, rounded) => {
    expect(roundToFive(n)).toBe(rounded);
  });

  it('never gives -0 and refuses non-finite input', () => {
    expect(Object.is(roundToFive(0), 0)).toBe(true);
    expect(Object.is(roundToFive(-1), 0)).toBe(true);
    expect(() => roundToFive(Number.NaN)).toThrow(RangeError);
    expect(() => roundToFive(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('primary suppression and rounding', () => {
  it('suppresses 1 to 7 only; 0 is published as 0; others are rounded', () => {
    const expected: Array<[number, number | 'c']> = [
      [0, 0],
      [1, 'c'],
      [2, 'c'],
      [3, 'c'],
      [4, 'c'],
      [5, 'c'],
      [6, 'c'],
      [7, 'c'],
      [8, 10],
      [12, 10],
      [13, 15],
      [250, 250],
    ];
    for (const [count, published] of expected) {
      expect(publishedCount(count)).toBe(published);
      expect(isConfidential(count)).toBe(published === 'c');
    }
    const counts = new Map<CellId, TrueValue>(expected.map(([count]) => [`n${count}`, count]));
    const result = controlDisclosure({ counts, relations: [] });
    expect([...result.published]).toEqual(expected.map(([count, published]) => [`n${count}`, published]));
    expect([...result.primary].sort()).toEqual(['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7']);
    expect(result.secondary.size).toBe(0);
    expect(result.unprotected.size).toBe(0);
  });

  it('passes x and z through, never suppresses them, and keeps the input order', () => {
    const counts = new Map<CellId, TrueValue>([
      ['b', 'z'],
      ['a', 'x'],
      ['c', 3],
      ['d', 40],
    ]);
    const result = controlDisclosure({ counts, relations: [] });
    expect([...result.published]).toEqual([
      ['b', 'z'],
      ['a', 'x'],
      ['c', 'c'],
      ['d', 40],
    ]);
  });

  it('refuses counts that are not whole numbers ≥ 0', () => {
    for (const bad of [-1, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => controlDisclosure({ counts: new Map([['a', bad]]), relations: [] })).toThrow(/cell a/);
    }
  });
});

describe('publishedRate', () => {
  it('is computed from rounded figures', () => {
    const counts = new Map<CellId, TrueValue>([
      ['num', 12],
      ['den', 13],
    ]);
    const { published } = controlDisclosure({ counts, relations: [] });
    const numerator = published.get('num') ?? 'x';
    const denominator = published.get('den') ?? 'x';
    expect([numerator, denominator]).toEqual([10, 15]);
    expect(publishedRate(numerator, denominator)).toBeCloseTo(2 / 3, 12);
    expect(publishedRate(numerator, denominator)).not.toBeCloseTo(12 / 13, 3);
  });

  it.each([
    [0, 10, 0],
    [10, 10, 1],
    ['c', 20, 'c'],
    [20, 'c', 'c'],
    ['c', 'x', 'c'],
    ['x', 'c', 'c'],
    ['c', 0, 'c'],
    ['x', 20, 'x'],
    [20, 'x', 'x'],
    ['x', 'z', 'x'],
    [10, 'z', 'z'],
    ['z', 10, 'z'],
    [0, 0, 'z'],
    [10, 0, 'z'],
  ] as const)('publishedRate(%j, %j) is %j', (numerator, denominator, rate) => {
    expect(publishedRate(numerator, denominator)).toBe(rate);
  });
});

describe('secondary suppression: choice of complement', () => {
  const run = (entries: Array<[CellId, TrueValue]>, relations: Relation[]) =>
    controlDisclosure({ counts: new Map(entries), relations });

  it('suppresses the smallest non-zero part, not a zero and not the total', () => {
    const result = run(
      [
        ['T', 53],
        ['a', 3],
        ['b', 0],
        ['c', 30],
        ['d', 20],
      ],
      [{ total: 'T', parts: ['a', 'b', 'c', 'd'] }],
    );
    expect([...result.primary]).toEqual(['a']);
    expect([...result.secondary]).toEqual(['d']);
    expect(result.published.get('b')).toBe(0);
    expect(result.published.get('T')).toBe(55);
  });

  it('breaks ties by CellId', () => {
    const result = run(
      [
        ['T', 23],
        ['p', 3],
        ['n', 10],
        ['m', 10],
      ],
      [{ total: 'T', parts: ['p', 'n', 'm'] }],
    );
    expect([...result.secondary]).toEqual(['m']);
  });

  it('suppresses the total when the only other parts are zero', () => {
    // R1 makes `a` a secondary suppression; in R2 `a` is then alone, and its
    // only other part is a zero, so the total goes.
    const result = run(
      [
        ['G', 13],
        ['U', 3],
        ['a', 10],
        ['T', 10],
        ['z0', 0],
      ],
      [
        { total: 'G', parts: ['a', 'U'] },
        { total: 'T', parts: ['a', 'z0'] },
      ],
    );
    expect([...result.primary]).toEqual(['U']);
    expect([...result.secondary].sort()).toEqual(['T', 'a']);
    expect(result.published.get('z0')).toBe(0);
  });

  it('falls back to a zero only when nothing else remains', () => {
    // The total is not available, so only the zero is left to pair with `a`.
    const result = run(
      [
        ['T', 'x'],
        ['a', 4],
        ['z0', 0],
      ],
      [{ total: 'T', parts: ['a', 'z0'] }],
    );
    expect([...result.secondary]).toEqual(['z0']);
    expect(result.published.get('T')).toBe('x');
  });

  it('ignores x, z and absent cells in a relation', () => {
    const result = run(
      [
        ['T', 30],
        ['a', 5],
        ['b', 'x'],
        ['c', 'z'],
        ['d', 25],
      ],
      [{ total: 'T', parts: ['a', 'b', 'c', 'd', 'not-in-counts'] }],
    );
    expect([...result.secondary]).toEqual(['d']);
    expect(result.published.get('b')).toBe('x');
    expect(result.published.get('c')).toBe('z');
    expect(result.published.has('not-in-counts')).toBe(false);
  });

  it('needs nothing more when a relation already has two suppressed cells', () => {
    const result = run(
      [
        ['T', 50],
        ['a', 3],
        ['b', 7],
        ['c', 40],
      ],
      [{ total: 'T', parts: ['a', 'b', 'c'] }],
    );
    expect(result.secondary.size).toBe(0);
  });

  it('reports a suppressed cell it could not protect', () => {
    // Every part is x or z, so (reading them as known) the total follows from
    // nothing else and nothing is left to suppress.
    const result = run(
      [
        ['T', 4],
        ['p', 'x'],
        ['q', 'z'],
      ],
      [{ total: 'T', parts: ['p', 'q'] }],
    );
    expect(result.published.get('T')).toBe('c');
    expect([...result.unprotected]).toEqual(['T']);
  });
});

describe('secondary suppression: sites × breakdown with row and column totals', () => {
  // Unique children by age band (REACH.CHILD_AGE_0..3) summing to REACH.CHILD_Q
  // per site, and each item summed over the five sites to the programme figure.
  const sites = ['BLK', 'BFD', 'LAM', 'NOT', 'SEN'];
  const bands = ['AGE_0', 'AGE_1', 'AGE_2', 'AGE_3'];
  const body = [
    [41, 38, 35, 29],
    [66, 59, 61, 48],
    [4, 22, 27, 19], // LAM AGE_0 = 4: the one confidential count
    [35, 33, 30, 26],
    [28, 25, 24, 20],
  ];
  const { values, relations, counts, id } = table(body, sites, bands);

  it('suppresses enough that no suppressed cell can be recovered', () => {
    const result = controlDisclosure({ counts, relations });
    const suppressed = suppressedOf(result);
    expect([...result.primary]).toEqual([id('LAM', 'AGE_0')]);
    // The simple rule's choice, deterministically: the smallest partner in
    // LAM's row (AGE_3 = 19) and in the AGE_0 column (SEN = 28); then the
    // SEN row and the AGE_3 column each have one, closed by SEN AGE_3 = 20.
    expect([...result.secondary].sort()).toEqual(
      [id('LAM', 'AGE_3'), id('SEN', 'AGE_0'), id('SEN', 'AGE_3')].sort(),
    );
    expect(loneSuppressions(counts, relations, suppressed)).toEqual([]);
    expect(pinnedCells(values, relations, suppressed)).toEqual([]);
    expect(result.unprotected.size).toBe(0);
    // Row and column totals stay published, rounded.
    expect(result.published.get(id('LAM', 'T'))).toBe(70);
    expect(result.published.get(id('T', 'AGE_0'))).toBe(175);
    expect(result.published.get(id('T', 'T'))).toBe(670);
  });

  it('the checker is not vacuous: with only the primary cell suppressed it is pinned', () => {
    const primaryOnly = new Set([id('LAM', 'AGE_0')]);
    expect(loneSuppressions(counts, relations, primaryOnly)).toHaveLength(2);
    expect(pinnedCells(values, relations, primaryOnly, 50)).toEqual([id('LAM', 'AGE_0')]);
  });
});

describe('secondary suppression: recovery through several relations at once', () => {
  // Two "rings" of confidential counts (rows 1–2 × columns 2–3, and rows 3–4
  // × columns 1 and 4) joined by one confidential count at row 1, column 1.
  // Every row and column then has 0 or ≥ 2 suppressed cells, so the simple
  // rule is satisfied, yet (r1,c1) = row1 + row2 − col2 − col3 (all other
  // cells in those lines being published) is recoverable.
  const body = [
    [3, 2, 5, 40],
    [30, 4, 6, 35],
    [7, 45, 50, 2],
    [5, 55, 60, 6],
  ];
  const { values, relations, counts, id } = table(body);
  const primaries = new Set([
    'r1|c1',
    'r1|c2',
    'r1|c3',
    'r2|c2',
    'r2|c3',
    'r3|c1',
    'r3|c4',
    'r4|c1',
    'r4|c4',
  ]);

  it('the simple rule alone leaves the joining cell recoverable', () => {
    expect(loneSuppressions(counts, relations, primaries)).toEqual([]);
    expect(pinnedCells(values, relations, primaries, 30)).toEqual(['r1|c1']);
  });

  it('controlDisclosure suppresses more so that nothing is recoverable', () => {
    const result = controlDisclosure({ counts, relations });
    expect(new Set(result.primary)).toEqual(primaries);
    expect(result.secondary.size).toBeGreaterThan(0);
    const suppressed = suppressedOf(result);
    expect(loneSuppressions(counts, relations, suppressed)).toEqual([]);
    expect(pinnedCells(values, relations, suppressed)).toEqual([]);
    expect(result.unprotected.size).toBe(0);
    expect(result.published.get(id('r1', 'c1'))).toBe('c');
  });
});

describe('secondary suppression: zeros are a last resort even for the audit', () => {
  it('reaches past a relation whose only unsuppressed cells are zeros', () => {
    // Without a total-row relation, row 1 and column 3 pin r1|c3 (= 6) by
    // combination, and the only unsuppressed cells in the relations
    // containing it are zeros; choosing a zero would not protect it
    // (non-negativity), so a non-zero cell one relation further out is taken.
    const { values, relations, counts } = table([
      [6, 0, 6],
      [35, 0, 0],
    ]);
    const withoutTotalRow = relations.filter((relation) => relation.parts[0] !== 'T|c1');
    expect(withoutTotalRow).toHaveLength(relations.length - 1);
    const result = controlDisclosure({ counts, relations: withoutTotalRow });
    const suppressed = suppressedOf(result);
    expect([...result.secondary].filter((id) => values.get(id) === 0)).toEqual([]);
    expect(loneSuppressions(counts, withoutTotalRow, suppressed)).toEqual([]);
    expect(pinnedCells(values, withoutTotalRow, suppressed)).toEqual([]);
  });
});

describe('determinism', () => {
  it('gives the same result whatever the order of cells, relations and parts', () => {
    const random = mulberry32(7);
    const shuffle = <T>(items: readonly T[]): T[] => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy;
    };
    const { counts, relations } = table([
      [3, 12, 9, 40],
      [20, 4, 18, 11],
      [15, 16, 2, 30],
    ]);
    const reference = controlDisclosure({ counts, relations });
    const canonical = (result: DisclosureResult) => ({
      published: [...result.published].sort(([a], [b]) => (a < b ? -1 : 1)),
      primary: [...result.primary].sort(),
      secondary: [...result.secondary].sort(),
    });
    for (let i = 0; i < 20; i++) {
      const shuffled = controlDisclosure({
        counts: new Map(shuffle([...counts])),
        relations: shuffle(relations).map((relation) => ({
          total: relation.total,
          parts: shuffle(relation.parts),
        })),
      });
      expect(canonical(shuffled)).toEqual(canonical(reference));
    }
    // And repeated calls on the same input agree, including order of output.
    expect([...controlDisclosure({ counts, relations }).published]).toEqual([...reference.published]);
  });
});

describe('randomized tables (seeded) against the independent checkers', () => {
  const randomCount = (random: () => number): number => {
    const u = random();
    if (u < 0.15) return 0;
    if (u < 0.45) return 1 + Math.floor(random() * 7);
    return 8 + Math.floor(random() * 40);
  };

  const verify = (
    values: ReadonlyMap<CellId, number>,
    relations: readonly Relation[],
    label: string,
    pinRadius: number,
  ) => {
    const counts = values as ReadonlyMap<CellId, TrueValue>;
    const result = controlDisclosure({ counts, relations });
    const suppressed = suppressedOf(result);
    const expectedPrimary = [...values].filter(([, v]) => v >= 1 && v <= 7).map(([id]) => id);
    expect([...result.primary].sort(), label).toEqual(expectedPrimary.sort());
    expect(
      [...result.secondary].filter((id) => result.primary.has(id)),
      label,
    ).toEqual([]);
    expect(suppressed, label).toEqual(new Set([...result.primary, ...result.secondary]));
    for (const [id, value] of values) {
      if (!suppressed.has(id)) expect(result.published.get(id), label).toBe(roundToFive(value));
    }
    expect(result.unprotected.size, label).toBe(0);
    expect(loneSuppressions(counts, relations, suppressed), label).toEqual([]);
    expect(pinnedCells(values, relations, suppressed, pinRadius), label).toEqual([]);
    return result;
  };

  it('2-D tables with row and column totals', () => {
    const random = mulberry32(20251001);
    for (let trial = 0; trial < 250; trial++) {
      const rows = 2 + Math.floor(random() * 4);
      const columns = 2 + Math.floor(random() * 4);
      const body = Array.from({ length: rows }, () =>
        Array.from({ length: columns }, () => randomCount(random)),
      );
      const { values, relations } = table(body);
      verify(values, relations, `trial ${trial}: ${JSON.stringify(body)}`, 1);
    }
  });

  it('2-D tables where some relations are not given (for example no total row)', () => {
    const random = mulberry32(9001);
    for (let trial = 0; trial < 150; trial++) {
      const rows = 2 + Math.floor(random() * 3);
      const columns = 2 + Math.floor(random() * 3);
      const body = Array.from({ length: rows }, () =>
        Array.from({ length: columns }, () => randomCount(random)),
      );
      const { values, relations } = table(body);
      const kept = relations.filter(() => random() < 0.75);
      verify(values, kept, `trial ${trial}: ${JSON.stringify(body)} ${JSON.stringify(kept)}`, 2);
    }
  });

  it('sites with two breakdowns of the same total (age and ethnicity), summed to a programme row', () => {
    const random = mulberry32(42);
    for (let trial = 0; trial < 120; trial++) {
      const sites = Array.from({ length: 2 + Math.floor(random() * 4) }, (_, i) => `s${i}`);
      const ages = ['a0', 'a1', 'a2'];
      const ethnicities = ['e0', 'e1', 'e2'];
      const values = new Map<CellId, number>();
      const relations: Relation[] = [];
      for (const site of sites) {
        const byAge = ages.map(() => randomCount(random));
        const total = byAge.reduce((a, b) => a + b, 0);
        // An ethnicity split of the same total.
        let left = total;
        const byEthnicity = ethnicities.map((_, k) => {
          if (k === ethnicities.length - 1) return left;
          const share = Math.floor(random() * (left + 1));
          left -= share;
          return share;
        });
        ages.forEach((age, k) => {
          values.set(`${site}|${age}`, byAge[k] ?? 0);
        });
        ethnicities.forEach((eth, k) => {
          values.set(`${site}|${eth}`, byEthnicity[k] ?? 0);
        });
        values.set(`${site}|T`, total);
        relations.push({ total: `${site}|T`, parts: ages.map((age) => `${site}|${age}`) });
        relations.push({ total: `${site}|T`, parts: ethnicities.map((eth) => `${site}|${eth}`) });
      }
      for (const item of [...ages, ...ethnicities, 'T']) {
        const parts = sites.map((site) => `${site}|${item}`);
        values.set(
          `P|${item}`,
          parts.reduce((sum, id) => sum + (values.get(id) ?? 0), 0),
        );
        relations.push({ total: `P|${item}`, parts });
      }
      relations.push({ total: 'P|T', parts: ages.map((age) => `P|${age}`) });
      relations.push({ total: 'P|T', parts: ethnicities.map((eth) => `P|${eth}`) });
      verify(values, relations, `trial ${trial}: ${JSON.stringify([...values])}`, 2);
    }
  });
});
