import { describe, expect, it } from 'vitest';
import {
  changeFromPrevious,
  compareWithBenchmark,
  criticalValue,
  inverseNormal,
  wilsonInterval,
} from '../../functions/src/aggregation/statistics.js';
import { mulberry32 } from '../../functions/src/demo/synthetic-return.js';

/**
 * An independent Wilson score interval in its textbook form,
 * (p + z²/2n ± z·√(p(1 − p)/n + z²/4n²)) / (1 + z²/n), written differently
 * from the module's (PHE) form so the two check each other.
 */
function textbookWilson(r: number, n: number, z = 1.959963984540054): { lower: number; upper: number } {
  const p = r / n;
  const centre = p + (z * z) / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  const divisor = 1 + (z * z) / n;
  return { lower: (centre - spread) / divisor, upper: (centre + spread) / divisor };
}

describe('wilsonInterval', () => {
  // Newcombe R.G. (1998), "Two-sided confidence intervals for the single
  // proportion: comparison of seven methods", Statistics in Medicine
  // 17:857–872, Table I, method 3 (Wilson score, no continuity correction).
  // Each value is also re-derived below with the independent textbook formula.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
    [29, 29, 0.883, 1],
  ])('%i/%i matches Newcombe (1998) Table I: %f to %f', (r, n, lower, upper) => {
    const interval = wilsonInterval(r, n);
    expect(interval).toBeDefined();
    expect(interval?.lower).toBeCloseTo(lower, 4);
    expect(interval?.upper).toBeCloseTo(upper, 4);
    const independent = textbookWilson(r, n);
    expect(interval?.lower).toBeCloseTo(independent.lower, 12);
    expect(interval?.upper).toBeCloseTo(independent.upper, 12);
  });

  it('gives exactly 0 for the lower limit at r = 0 and exactly 1 for the upper at r = n', () => {
    for (const n of [1, 2, 7, 20, 1000, 1e7]) {
      expect(wilsonInterval(0, n)?.lower).toBe(0);
      expect(wilsonInterval(n, n)?.upper).toBe(1);
      expect(wilsonInterval(0, n)?.upper).toBeGreaterThan(0);
      expect(wilsonInterval(n, n)?.lower).toBeLessThan(1);
    }
  });

  it('is symmetric: the interval for n − r is the mirror of that for r', () => {
    for (const [r, n] of [
      [0, 20],
      [1, 29],
      [15, 148],
      [81, 263],
    ] as const) {
      const a = wilsonInterval(r, n);
      const b = wilsonInterval(n - r, n);
      expect(a?.lower).toBeCloseTo(1 - (b?.upper ?? Number.NaN), 12);
      expect(a?.upper).toBeCloseTo(1 - (b?.lower ?? Number.NaN), 12);
    }
  });

  it.each([
    [0, 0, 'a zero denominator'],
    [0, -5, 'a negative denominator'],
    [-1, 10, 'a negative numerator'],
    [11, 10, 'a numerator above the denominator'],
    [Number.NaN, 10, 'a NaN numerator'],
    [1, Number.POSITIVE_INFINITY, 'an infinite denominator'],
  ])('is undefined for %d/%d (%s)', (r, n) => {
    expect(wilsonInterval(r, n)).toBeUndefined();
  });

  it('widens with confidence and refuses a confidence outside (0, 1)', () => {
    const i90 = wilsonInterval(30, 100, 0.9);
    const i95 = wilsonInterval(30, 100);
    const i998 = wilsonInterval(30, 100, 0.998);
    expect(i90 && i95 && i998).toBeTruthy();
    if (!i90 || !i95 || !i998) return;
    expect(i90.lower).toBeGreaterThan(i95.lower);
    expect(i95.lower).toBeGreaterThan(i998.lower);
    expect(i90.upper).toBeLessThan(i95.upper);
    expect(i95.upper).toBeLessThan(i998.upper);
    // 99.8% is the other level Fingertips publishes.
    const independent = textbookWilson(30, 100, 3.090232306167813);
    expect(i998.lower).toBeCloseTo(independent.lower, 12);
    expect(i998.upper).toBeCloseTo(independent.upper, 12);
    for (const bad of [0, 1, -0.5, 95, Number.NaN]) {
      expect(() => wilsonInterval(1, 2, bad)).toThrow(RangeError);
    }
  });

  it('property: lower ≤ p ≤ upper, within [0, 1], and agrees with the textbook form', () => {
    const random = mulberry32(20250401);
    for (let i = 0; i < 5000; i++) {
      const n = 1 + Math.floor(random() * (random() < 0.5 ? 30 : 100000));
      const r = Math.floor(random() * (n + 1));
      const interval = wilsonInterval(r, n);
      expect(interval).toBeDefined();
      if (!interval) continue;
      const p = r / n;
      expect(interval.lower).toBeGreaterThanOrEqual(0);
      expect(interval.upper).toBeLessThanOrEqual(1);
      expect(interval.lower).toBeLessThanOrEqual(p);
      expect(interval.upper).toBeGreaterThanOrEqual(p);
      expect(interval.lower).toBeLessThan(interval.upper);
      const independent = textbookWilson(r, n);
      expect(Math.abs(interval.lower - Math.max(0, independent.lower))).toBeLessThan(1e-12);
      expect(Math.abs(interval.upper - Math.min(1, independent.upper))).toBeLessThan(1e-12);
    }
  });

  it('property: narrower as n grows with p fixed', () => {
    for (const [r0, n0] of [
      [0, 10],
      [1, 10],
      [1, 4],
      [1, 2],
      [7, 8],
      [1, 1],
    ] as const) {
      let previousWidth = Number.POSITIVE_INFINITY;
      for (let k = 1; k <= 2048; k *= 2) {
        const interval = wilsonInterval(r0 * k, n0 * k);
        expect(interval).toBeDefined();
        if (!interval) continue;
        const width = interval.upper - interval.lower;
        expect(width).toBeLessThan(previousWidth);
        previousWidth = width;
      }
    }
  });
});

describe('criticalValue and inverseNormal', () => {
  it('uses 1.959963984540054 for 95%', () => {
    expect(criticalValue(0.95)).toBeCloseTo(1.959963984540054, 14);
    expect(criticalValue(0.998)).toBeCloseTo(3.090232306167813, 14);
  });

  it.each([
    [0.5, 0],
    [0.975, 1.959963984540054],
    [0.025, -1.959963984540054],
    [0.999, 3.090232306167813],
    [0.001, -3.090232306167813],
    [0.8413447460685429, 1],
    [1e-10, -6.361340902404056],
  ])('Acklam approximation of Φ⁻¹(%f) ≈ %f', (p, z) => {
    // Acklam's relative error bound is 1.15e-9.
    expect(Math.abs(inverseNormal(p) - z)).toBeLessThanOrEqual(1.2e-9 * Math.max(1, Math.abs(z)));
  });

  it('falls back to the approximation for other levels', () => {
    // 97%: z = Φ⁻¹(0.985) = 2.1700903775845606.
    expect(Math.abs(criticalValue(0.97) - 2.1700903775845606)).toBeLessThan(3e-9);
    expect(() => inverseNormal(0)).toThrow(RangeError);
    expect(() => inverseNormal(1)).toThrow(RangeError);
  });
});

describe('compareWithBenchmark', () => {
  const interval = { lower: 0.4, upper: 0.6 };

  it.each([
    ['higher', 0.3, 'better'],
    ['higher', 0.7, 'worse'],
    ['higher', 0.5, 'similar'],
    ['lower', 0.3, 'worse'],
    ['lower', 0.7, 'better'],
    ['lower', 0.5, 'similar'],
    ['neither', 0.3, 'not compared'],
    ['neither', 0.7, 'not compared'],
    ['neither', 0.5, 'not compared'],
  ] as const)('polarity %s, benchmark %f → %s', (polarity, benchmark, expected) => {
    expect(compareWithBenchmark(interval, benchmark, polarity)).toBe(expected);
  });

  it('treats a benchmark exactly on a limit as inside the interval (similar)', () => {
    expect(compareWithBenchmark(interval, 0.4, 'higher')).toBe('similar');
    expect(compareWithBenchmark(interval, 0.6, 'higher')).toBe('similar');
    expect(compareWithBenchmark(interval, 0.4, 'lower')).toBe('similar');
    expect(compareWithBenchmark(interval, 0.6, 'lower')).toBe('similar');
  });

  it('does not compare without an interval or a benchmark', () => {
    expect(compareWithBenchmark(undefined, 0.5, 'higher')).toBe('not compared');
    expect(compareWithBenchmark(interval, undefined, 'higher')).toBe('not compared');
    expect(compareWithBenchmark(interval, Number.NaN, 'lower')).toBe('not compared');
  });

  it('works end to end with real intervals: breastfeeding against England 52.7%', () => {
    // 600/1000 = 60%, CI about 56.9% to 63.0%: significantly better.
    expect(compareWithBenchmark(wilsonInterval(600, 1000), 0.527, 'higher')).toBe('better');
    // 30/50 = 60%, CI about 46.2% to 72.4%: includes 52.7%.
    expect(compareWithBenchmark(wilsonInterval(30, 50), 0.527, 'higher')).toBe('similar');
    // Smoking at delivery, lower is better: 40/1000 against 7.4% is better.
    expect(compareWithBenchmark(wilsonInterval(40, 1000), 0.074, 'lower')).toBe('better');
    expect(compareWithBenchmark(wilsonInterval(150, 1000), 0.074, 'lower')).toBe('worse');
    expect(compareWithBenchmark(wilsonInterval(0, 0), 0.074, 'lower')).toBe('not compared');
  });
});

describe('changeFromPrevious', () => {
  it('returns the difference of rates as a fraction, and of each count', () => {
    const change = changeFromPrevious(
      { numerator: 60, denominator: 100 },
      { numerator: 45, denominator: 90 },
    );
    expect(change?.rateChange).toBeCloseTo(0.1, 12);
    expect(change?.numeratorChange).toBe(15);
    expect(change?.denominatorChange).toBe(10);
  });

  it('can be negative', () => {
    const change = changeFromPrevious({ numerator: 1, denominator: 4 }, { numerator: 3, denominator: 4 });
    expect(change).toEqual({ rateChange: -0.5, numeratorChange: -2, denominatorChange: 0 });
  });

  it('is undefined when either side is missing or has no rate', () => {
    expect(changeFromPrevious(undefined, { numerator: 1, denominator: 2 })).toBeUndefined();
    expect(changeFromPrevious({ numerator: 1, denominator: 2 }, undefined)).toBeUndefined();
    expect(changeFromPrevious(undefined, undefined)).toBeUndefined();
    expect(
      changeFromPrevious({ numerator: 1, denominator: 2 }, { numerator: 0, denominator: 0 }),
    ).toBeUndefined();
    expect(
      changeFromPrevious({ numerator: 0, denominator: 0 }, { numerator: 1, denominator: 2 }),
    ).toBeUndefined();
  });
});
