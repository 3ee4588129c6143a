/**
 * Statistics for indicators (rates): the Wilson score confidence interval,
 * comparison with a benchmark, and change against the previous period.
 *
 * The interval is the Wilson score interval without continuity correction, as
 * public-health indicator profiles use it (OHID Fingertips; PHE "Technical
 * guide: confidence intervals"): for r events out of n, p = r / n,
 *
 *   lower, upper = (2r + z² ∓ z·√(z² + 4r(1 − p))) / (2(n + z²))
 *
 * which is the textbook form (p + z²/2n ∓ z·√(p(1 − p)/n + z²/4n²)) / (1 + z²/n)
 * multiplied through by 2n. At r = 0 the lower limit is exactly 0 and at r = n
 * the upper limit is exactly 1 (the formula gives them only up to rounding).
 *
 * All rates here are fractions (0.527, not 52.7), and so must benchmarks be.
 *
 * Pure: no I/O.
 */

export interface Interval {
  readonly lower: number;
  readonly upper: number;
}

export type Polarity = 'higher' | 'lower' | 'neither';
export type BenchmarkComparison = 'better' | 'similar' | 'worse' | 'not compared';

export interface Counts {
  readonly numerator: number;
  readonly denominator: number;
}

export interface Change {
  /** Current rate minus previous rate, as a fraction: 0.03 is three percentage points. */
  readonly rateChange: number;
  readonly numeratorChange: number;
  readonly denominatorChange: number;
}

/**
 * Two-sided standard normal critical values z = Φ⁻¹(1 − (1 − confidence)/2)
 * for the levels indicator profiles use, correctly rounded to double precision
 * (computed to 30 digits with mpmath). Other levels fall back to Acklam's
 * approximation (relative error below 1.15e-9, far finer than any published
 * interval needs).
 */
const EXACT_Z: ReadonlyMap<number, number> = new Map([
  [0.8, 1.2815515655446004],
  [0.9, 1.6448536269514726],
  [0.95, 1.9599639845400543],
  [0.98, 2.326347874040841],
  [0.99, 2.575829303548901],
  [0.995, 2.8070337683438042],
  [0.998, 3.0902323061678136],
  [0.999, 3.290526731491895],
]);

/** The two-sided critical value for a confidence level strictly between 0 and 1. */
export function criticalValue(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be strictly between 0 and 1, got ${confidence}`);
  }
  return EXACT_Z.get(confidence) ?? inverseNormal(1 - (1 - confidence) / 2);
}

/**
 * The standard normal quantile Φ⁻¹(p) for 0 < p < 1, by Peter J. Acklam's
 * rational approximation (relative error < 1.15e-9 over the whole range).
 */
export function inverseNormal(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be strictly between 0 and 1, got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  const tail = (q: number) =>
    (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  if (p < low) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - low) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/**
 * Wilson score interval for numerator / denominator. Undefined when there is
 * no proportion to bound: a denominator that is not positive, a negative
 * numerator, a numerator above the denominator, or a non-finite input.
 * Throws RangeError for a confidence level outside (0, 1): that is a
 * programming error, not a data condition.
 */
export function wilsonInterval(
  numerator: number,
  denominator: number,
  confidence = 0.95,
): Interval | undefined {
  const z = criticalValue(confidence);
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator)) return undefined;
  if (denominator <= 0 || numerator < 0 || numerator > denominator) return undefined;
  const r = numerator;
  const n = denominator;
  const p = r / n;
  const z2 = z * z;
  const spread = z * Math.sqrt(z2 + 4 * r * (1 - p));
  const scale = 2 * (n + z2);
  const lower = r === 0 ? 0 : Math.max(0, (2 * r + z2 - spread) / scale);
  const upper = r === n ? 1 : Math.min(1, (2 * r + z2 + spread) / scale);
  return { lower, upper };
}

/**
 * Whether a value is significantly better, similar or worse than a benchmark:
 * significant when the interval excludes the benchmark (a benchmark exactly
 * on a limit counts as included: similar). Polarity says which side is better.
 * 'not compared' when there is no interval, no benchmark, or the indicator has
 * no polarity ('neither': reporting merely higher/lower is not asked for).
 */
export function compareWithBenchmark(
  interval: Interval | undefined,
  benchmark: number | undefined,
  polarity: Polarity,
): BenchmarkComparison {
  if (interval === undefined || benchmark === undefined || !Number.isFinite(benchmark)) return 'not compared';
  if (polarity === 'neither') return 'not compared';
  const above = interval.lower > benchmark;
  const below = interval.upper < benchmark;
  if (!above && !below) return 'similar';
  if (polarity === 'higher') return above ? 'better' : 'worse';
  return below ? 'better' : 'worse';
}

/**
 * Change against the previous period. Undefined when either period is absent
 * or has no rate (denominator not positive, or a non-finite figure).
 */
export function changeFromPrevious(
  current: Counts | undefined,
  previous: Counts | undefined,
): Change | undefined {
  if (current === undefined || previous === undefined) return undefined;
  if (!hasRate(current) || !hasRate(previous)) return undefined;
  return {
    rateChange: current.numerator / current.denominator - previous.numerator / previous.denominator,
    numeratorChange: current.numerator - previous.numerator,
    denominatorChange: current.denominator - previous.denominator,
  };
}

function hasRate(counts: Counts): boolean {
  return Number.isFinite(counts.numerator) && Number.isFinite(counts.denominator) && counts.denominator > 0;
}
