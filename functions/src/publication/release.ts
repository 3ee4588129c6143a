/**
 * A release: figures that leave the funder, published deliberately, frozen
 * and numbered. This module prepares one from a summary and the releases
 * before it (choose what to hide, audit it with every earlier release of the
 * year, say what changed); storing it is the publish-release use case's job.
 *
 * Two records: the release record (public facts: number, date, who, the
 * submissions used, the audit's verdict) and the internal record (the model,
 * every true value and the audit's table of intervals), which never goes into
 * a published file.
 *
 * Pure apart from the solver (WebAssembly, in process).
 */
import type { AcceptedReturn, ProgrammeSummary } from '../aggregation/aggregate.js';
import { formatPeriod } from '../programme/periods.js';
import { type AuditedRelease, type AuditRow, describeFailure } from './audit.js';
import type { CellId, PublishedValue } from './disclosure.js';
import { type LinearRule, type ReleaseCell, type ReleaseModel, releaseModel } from './release-cells.js';
import { informationCost, protectRelease } from './suppression.js';

export type ReleaseScope = 'quarter' | 'year';

export interface UsedSubmission {
  readonly site: string;
  readonly period: string;
  readonly submissionId: string;
}

export interface ReleaseRecord {
  /** `2025-26-Q3` for a quarter, `2025-26` for a year to date. */
  readonly period: string;
  readonly scope: ReleaseScope;
  readonly number: number;
  readonly publishedAt: string;
  readonly publishedBy: string;
  /** The quarters the figures cover. */
  readonly quarters: readonly string[];
  readonly submissions: readonly UsedSubmission[];
  /** What changed since the previous release of the same period, in plain sentences (empty for the first). */
  readonly changes: readonly string[];
  /** Bucket keys: the published workbook and CSV, and the internal record. */
  readonly files: { readonly workbook: string; readonly csv: string; readonly internal: string };
  readonly audit: {
    readonly quantities: number;
    readonly lps: number;
    readonly milliseconds: number;
    readonly suppressed: number;
    readonly secondary: number;
  };
}

/** What the audit needs of a release later, and what staff may need to check it: never published. */
export interface InternalRecord {
  readonly version: 1;
  readonly record: ReleaseRecord;
  readonly cells: readonly ReleaseCell[];
  readonly groups: ReleaseModel['groups'];
  /** JSON has no Infinity: an open end of a rule is null. */
  readonly rules: ReadonlyArray<
    Omit<LinearRule, 'lower' | 'upper'> & { lower: number | null; upper: number | null }
  >;
  readonly values: ReadonlyArray<readonly [string, number]>;
  readonly published: ReadonlyArray<readonly [CellId, PublishedValue]>;
  /** The audit's table: each protected quantity, its true value and the interval an intruder could compute. */
  readonly audit: ReadonlyArray<Omit<AuditRow, 'upper'> & { readonly upper: number | null }>;
}

export const seriesOf = (period: string, scope: ReleaseScope): string =>
  scope === 'quarter' ? period : `${period} year to date`;

export const releaseName = (period: string, scope: ReleaseScope, number: number): string =>
  `${scope === 'quarter' ? period : `${period} year to date`} release ${number}`;

/** An earlier release as the intruder holds it, from its internal record. */
export function auditedFromInternal(internal: InternalRecord): AuditedRelease {
  const { record } = internal;
  return {
    name: releaseName(record.period, record.scope, record.number),
    series: seriesOf(record.period, record.scope),
    cells: internal.cells,
    published: new Map(internal.published),
    groups: internal.groups,
  };
}

export interface PreparedRelease {
  readonly outcome: 'ready';
  readonly model: ReleaseModel;
  readonly published: ReadonlyMap<CellId, PublishedValue>;
  readonly primary: number;
  readonly secondary: number;
  readonly auditRows: readonly AuditRow[];
  readonly lps: number;
  readonly milliseconds: number;
  readonly changes: readonly string[];
  readonly submissions: readonly UsedSubmission[];
}

export interface RefusedRelease {
  readonly outcome: 'refused';
  /** One line per quantity the audit could not protect. */
  readonly failures: readonly string[];
}

export interface PrepareInput {
  readonly summary: ProgrammeSummary;
  readonly scope: ReleaseScope;
  readonly period: string;
  readonly number: number;
  /** Every earlier release of the same financial year, oldest first. */
  readonly earlier: readonly InternalRecord[];
  readonly siteName: (code: string) => string;
}

export async function prepareRelease(input: PrepareInput): Promise<PreparedRelease | RefusedRelease> {
  const model = releaseModel(input.summary, input.scope);
  const earlierRules = input.earlier.flatMap((internal) => rulesFromRecord(internal.rules));
  const earlierValues = new Map(input.earlier.flatMap((internal) => internal.values));
  const protectedRelease = await protectRelease({
    name: releaseName(input.period, input.scope, input.number),
    series: seriesOf(input.period, input.scope),
    model,
    earlier: input.earlier.map(auditedFromInternal),
    earlierRules,
    earlierValues,
    cost: informationCost(input.summary.dictionary),
  });
  if (!protectedRelease.audit.passed) {
    return { outcome: 'refused', failures: protectedRelease.audit.failures.map(describeFailure) };
  }
  const submissions = usedSubmissions(input.summary, input.scope);
  const previous = [...input.earlier]
    .reverse()
    .find((internal) => internal.record.period === input.period && internal.record.scope === input.scope);
  return {
    outcome: 'ready',
    model,
    published: protectedRelease.published,
    primary: protectedRelease.primary.size,
    secondary: protectedRelease.secondary.size,
    auditRows: protectedRelease.audit.rows,
    lps: protectedRelease.audit.lps,
    milliseconds: protectedRelease.audit.milliseconds,
    changes: previous ? describeChanges(previous.record, submissions, input.siteName) : [],
    submissions,
  };
}

export function usedSubmissions(summary: ProgrammeSummary, scope: ReleaseScope): UsedSubmission[] {
  const last = summary.quarters.at(-1);
  return summary.returns
    .filter((entry: AcceptedReturn) => scope === 'year' || entry.period.quarter === last?.quarter)
    .map((entry) => ({
      site: entry.site,
      period: formatPeriod(entry.period),
      submissionId: entry.submissionId,
    }))
    .sort((a, b) => (a.period + a.site < b.period + b.site ? -1 : 1));
}

/** Whether a new release would use exactly the submissions of the previous one. */
export function sameSubmissions(a: readonly UsedSubmission[], b: readonly UsedSubmission[]): boolean {
  const key = (list: readonly UsedSubmission[]) =>
    list
      .map((entry) => `${entry.period}:${entry.site}:${entry.submissionId}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}

/** What changed since the previous release and why, in the words of a revisions notice. */
export function describeChanges(
  previous: ReleaseRecord,
  now: readonly UsedSubmission[],
  siteName: (code: string) => string,
): string[] {
  const before = new Map(previous.submissions.map((entry) => [`${entry.site} ${entry.period}`, entry]));
  const after = new Map(now.map((entry) => [`${entry.site} ${entry.period}`, entry]));
  const lines: string[] = [];
  const resubmitted: string[] = [];
  const added: string[] = [];
  const dropped: string[] = [];
  for (const [key, entry] of after) {
    const old = before.get(key);
    const label = `${siteName(entry.site)} (${entry.period})`;
    if (!old) added.push(label);
    else if (old.submissionId !== entry.submissionId) resubmitted.push(label);
  }
  for (const [key, entry] of before)
    if (!after.has(key)) dropped.push(`${siteName(entry.site)} (${entry.period})`);
  const intro = `This release revises release ${previous.number}, published on ${previous.publishedAt.slice(0, 10)}.`;
  lines.push(intro);
  if (resubmitted.length > 0)
    lines.push(
      `Revised because ${list(resubmitted)} sent a corrected return, which replaces the one used before; their figures and the programme totals may have changed.`,
    );
  if (added.length > 0)
    lines.push(
      `Now includes ${list(added)}, whose return had not been accepted when release ${previous.number} was made.`,
    );
  if (dropped.length > 0)
    lines.push(`No longer includes ${list(dropped)}: the return used before is no longer the accepted one.`);
  return lines;
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** The internal record's audit table, JSON-safe (an unbounded interval's upper end is null). */
export function auditTable(rows: readonly AuditRow[]): InternalRecord['audit'] {
  return rows.map((row) => ({ ...row, upper: row.upper === Infinity ? null : row.upper }));
}

/** Rules as the internal record keeps them (open ends as null), and back. */
export function rulesForRecord(rules: readonly LinearRule[]): InternalRecord['rules'] {
  return rules.map((rule) => ({
    ...rule,
    lower: Number.isFinite(rule.lower) ? rule.lower : null,
    upper: Number.isFinite(rule.upper) ? rule.upper : null,
  }));
}

export function rulesFromRecord(rules: InternalRecord['rules']): LinearRule[] {
  return rules.map((rule) => ({ ...rule, lower: rule.lower ?? -Infinity, upper: rule.upper ?? Infinity }));
}
