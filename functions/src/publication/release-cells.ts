/**
 * What a release publishes, said as linear algebra: every count cell of the
 * published tables as a sum of the underlying return values, the additive
 * groups the tables show (breakdowns and their totals, sites and the
 * programme), and the rules every accepted return is known to satisfy.
 *
 * This is the intruder's model, and the audit's. The unknowns are the values
 * of each *submission* (`site|period|item|submissionId`): a site that did not
 * resubmit has the same unknowns in every release that uses its return, so two
 * releases of one quarter, or a quarter and its year to date, are tied
 * together exactly as an intruder holding both would tie them.
 *
 * Pure: no I/O.
 */
import type { AcceptedReturn, ProgrammeSummary } from '../aggregation/aggregate.js';
import type { Dictionary, Item } from '../dictionary/load-dictionary.js';
import { comparePeriods, formatPeriod, type Period } from '../programme/periods.js';
import type { CellId, Relation, TrueValue } from './disclosure.js';

export const PROGRAMME_COLUMN = 'PROGRAMME';

/** One unknown of the model with its coefficient. */
export interface Term {
  readonly variable: string;
  readonly coefficient: number;
}

/** A published count cell: its place, what it is made of, and its true value. */
export interface ReleaseCell {
  readonly cell: CellId;
  readonly item: string;
  readonly column: string;
  /** Empty for `x` (nothing reported) and `z` (not applicable). */
  readonly terms: readonly Term[];
  readonly trueValue: TrueValue;
}

/** A linear fact every accepted return satisfies: lower ≤ Σ coefficient·value ≤ upper. */
export interface LinearRule {
  readonly id: string;
  readonly terms: readonly Term[];
  readonly lower: number;
  readonly upper: number;
}

export interface ReleaseModel {
  readonly cells: readonly ReleaseCell[];
  /** Additive groups as published: the total equals the sum of the parts. */
  readonly groups: readonly Relation[];
  /** The value of every unknown the cells use (kept private: the audit's answer key). */
  readonly values: ReadonlyMap<string, number>;
  /** The published rules over those unknowns (error rules R01–R13 that involve counts only). */
  readonly rules: readonly LinearRule[];
}

export const cellId = (item: string, column: string): CellId => `${item}|${column}`;
export const variableOf = (entry: AcceptedReturn, item: string): string =>
  `${entry.site}|${formatPeriod(entry.period)}|${item}|${entry.submissionId}`;

/**
 * The model of the count cells a release of `summary` publishes: the last
 * quarter's site and programme columns (`quarter`), or each site's and the
 * programme's year to date (`year`). Year-to-date cells follow the summary's
 * own rules (sum items add the quarters; snapshot and unique-YTD items take one
 * quarter), and are checked against the summary's figures, so the model can
 * never drift from what is published.
 */
export function releaseModel(summary: ProgrammeSummary, scope: 'quarter' | 'year'): ReleaseModel {
  const dictionary = summary.dictionary;
  const last = summary.quarters.at(-1) as Period;
  const values = new Map<string, number>();
  const countItems = dictionary.items.filter((item) => item.type === 'count');
  const returnsOf = (site: string): AcceptedReturn[] =>
    summary.returns
      .filter((entry) => entry.site === site)
      .filter((entry) => (scope === 'quarter' ? comparePeriods(entry.period, last) === 0 : true))
      .sort((a, b) => comparePeriods(a.period, b.period));
  const termOf = (entry: AcceptedReturn, item: string): Term | undefined => {
    const value = entry.values.items[item];
    if (typeof value !== 'number') return undefined;
    const variable = variableOf(entry, item);
    values.set(variable, value);
    return { variable, coefficient: 1 };
  };

  const cells: ReleaseCell[] = [];
  const siteTerms = new Map<string, readonly Term[] | 'z'>();
  for (const item of countItems) {
    const programmeTerms: Term[] = [];
    let anySite = false;
    let notApplicable = false;
    for (const site of summary.sites) {
      const terms = siteCellTerms(item, returnsOf(site), scope, termOf, summary);
      siteTerms.set(cellId(item.id, site), terms);
      if (terms === 'z') {
        notApplicable = true;
        cells.push({ cell: cellId(item.id, site), item: item.id, column: site, terms: [], trueValue: 'z' });
        continue;
      }
      if (terms.length > 0) anySite = true;
      programmeTerms.push(...terms);
      cells.push({
        cell: cellId(item.id, site),
        item: item.id,
        column: site,
        terms,
        trueValue: terms.length === 0 ? 'x' : sumOf(terms, values),
      });
    }
    cells.push({
      cell: cellId(item.id, PROGRAMME_COLUMN),
      item: item.id,
      column: PROGRAMME_COLUMN,
      terms: notApplicable ? [] : programmeTerms,
      trueValue: notApplicable ? 'z' : anySite ? sumOf(programmeTerms, values) : 'x',
    });
  }
  checkAgainstSummary(cells, summary, scope, last);

  const numeric = new Set(
    cells.filter((cell) => typeof cell.trueValue === 'number').map((cell) => cell.cell),
  );
  const groups: Relation[] = [];
  for (const item of countItems) {
    const parts = summary.sites.map((site) => cellId(item.id, site)).filter((cell) => numeric.has(cell));
    if (numeric.has(cellId(item.id, PROGRAMME_COLUMN)) && parts.length > 0) {
      groups.push({ total: cellId(item.id, PROGRAMME_COLUMN), parts });
    }
  }
  for (const rule of dictionary.rules) {
    if (rule.kind !== 'sum_equals' || dictionary.item(rule.total)?.type !== 'count') continue;
    for (const column of [...summary.sites, PROGRAMME_COLUMN]) {
      const members = [rule.total, ...rule.parts].map((item) => cellId(item, column));
      if (members.every((cell) => numeric.has(cell))) {
        groups.push({
          total: cellId(rule.total, column),
          parts: rule.parts.map((item) => cellId(item, column)),
        });
      }
    }
  }
  const used = summary.returns.filter((entry) =>
    scope === 'quarter' ? comparePeriods(entry.period, last) === 0 : true,
  );
  return { cells, groups, values, rules: returnRules(dictionary, used) };
}

function siteCellTerms(
  item: Item,
  ofSite: readonly AcceptedReturn[],
  scope: 'quarter' | 'year',
  termOf: (entry: AcceptedReturn, item: string) => Term | undefined,
  summary: ProgrammeSummary,
): readonly Term[] | 'z' {
  if (scope === 'quarter') {
    const entry = ofSite[0];
    const term = entry ? termOf(entry, item.id) : undefined;
    return term ? [term] : [];
  }
  if (!summary.commonItems.has(item.id)) return [];
  // A site with no accepted return this year has nothing to show (x), as the summary says, not z.
  if (ofSite.length === 0) return [];
  if (item.aggregation === 'unique_quarter') return 'z';
  const reported = ofSite
    .map((entry) => termOf(entry, item.id))
    .filter((term): term is Term => term !== undefined);
  if (item.aggregation === 'sum') return reported;
  const latest = reported.at(-1);
  return latest ? [latest] : [];
}

function sumOf(terms: readonly Term[], values: ReadonlyMap<string, number>): number {
  return terms.reduce((sum, term) => sum + term.coefficient * (values.get(term.variable) ?? 0), 0);
}

/** The model must publish what the summary says; a difference is a defect, never a release. */
function checkAgainstSummary(
  cells: readonly ReleaseCell[],
  summary: ProgrammeSummary,
  scope: 'quarter' | 'year',
  last: Period,
): void {
  const period = formatPeriod(last);
  for (const cell of cells) {
    const level =
      cell.column === PROGRAMME_COLUMN
        ? scope === 'quarter'
          ? summary.programmeQuarter.get(period)
          : summary.programmeYearToDate
        : scope === 'quarter'
          ? summary.siteQuarter.get(`${cell.column} ${period}`)
          : summary.siteYearToDate.get(cell.column);
    const figure = level?.items.get(cell.item);
    const expected: TrueValue = figure?.notApplicable
      ? 'z'
      : figure?.value === undefined
        ? 'x'
        : figure.value;
    if (expected !== cell.trueValue) {
      throw new Error(
        `release model for ${cell.cell} gives ${String(cell.trueValue)} but the summary has ${String(expected)}`,
      );
    }
  }
}

/**
 * The dictionary's error rules over counts, for each return used: what an
 * intruder reading the template knows every accepted return satisfies.
 * Warnings (R05, R08, R10, R14, R15) are left out: a return may break them
 * with an explanation, so they are not facts. Rules over money (R12) and the
 * services table (R13, whose rows are not published) add nothing about
 * published counts and are left out too.
 */
export function returnRules(dictionary: Dictionary, returns: readonly AcceptedReturn[]): LinearRule[] {
  const rules: LinearRule[] = [];
  const isCount = (id: string) => dictionary.item(id)?.type === 'count';
  for (const entry of returns) {
    const has = (id: string) => typeof entry.values.items[id] === 'number';
    const v = (id: string, coefficient = 1): Term => ({ variable: variableOf(entry, id), coefficient });
    const label = `${entry.site} ${formatPeriod(entry.period)} ${entry.submissionId}`;
    for (const rule of dictionary.rules) {
      if (rule.severity !== 'error') continue;
      switch (rule.kind) {
        case 'sum_equals': {
          const ids = [rule.total, ...rule.parts];
          if (!ids.every(isCount) || !ids.every(has)) break;
          rules.push({
            id: `${rule.id} ${label}`,
            terms: [v(rule.total, -1), ...rule.parts.map((part) => v(part))],
            lower: -rule.tolerance,
            upper: rule.tolerance,
          });
          break;
        }
        case 'compare': {
          if (!isCount(rule.left) || !isCount(rule.right) || !has(rule.left) || !has(rule.right)) break;
          const terms = [v(rule.left), v(rule.right, -1)];
          const equal = rule.op === '=' || (rule.equalInFirstQuarter && entry.period.quarter === 1);
          const [lower, upper] = equal
            ? [0, 0]
            : rule.op === '>='
              ? [0, Infinity]
              : rule.op === '>'
                ? [1, Infinity]
                : rule.op === '<='
                  ? [-Infinity, 0]
                  : [-Infinity, -1];
          rules.push({ id: `${rule.id} ${label}`, terms, lower, upper });
          break;
        }
        case 'of_which':
          for (const pair of rule.pairs) {
            if (!isCount(pair.part) || !has(pair.part) || !has(pair.total)) continue;
            rules.push({
              id: `${rule.id} ${label} ${pair.part}`,
              terms: [v(pair.total), v(pair.part, -1)],
              lower: 0,
              upper: Infinity,
            });
          }
          break;
        case 'ordered':
          rule.levels.slice(0, -1).forEach((level, index) => {
            const above = rule.levels[index + 1] ?? [];
            for (const lower of level) {
              for (const upper of above) {
                if (!isCount(lower) || !isCount(upper) || !has(lower) || !has(upper)) continue;
                rules.push({
                  id: `${rule.id} ${label} ${lower}≤${upper}`,
                  terms: [v(upper), v(lower, -1)],
                  lower: 0,
                  upper: Infinity,
                });
              }
            }
          });
          break;
        case 'not_below_previous': {
          if (!isCount(rule.item) || !has(rule.item)) break;
          const before = returns.find(
            (other) =>
              other.site === entry.site &&
              other.period.startYear === entry.period.startYear &&
              other.period.quarter === entry.period.quarter - 1 &&
              typeof other.values.items[rule.item] === 'number',
          );
          if (!before) break;
          rules.push({
            id: `${rule.id} ${label}`,
            terms: [v(rule.item), { variable: variableOf(before, rule.item), coefficient: -1 }],
            lower: 0,
            upper: Infinity,
          });
          break;
        }
        default:
          break;
      }
    }
  }
  return rules;
}
