/**
 * Release drafts: the portal's "preview, then confirm" without running the
 * disclosure audit twice.
 *
 * input: a prepared release (the audit passed) and what it was prepared from
 * steps: preview → the audit's outcome is kept as a draft under
 *        releases/{PERIOD}/drafts/{id}.json (the model, what to publish, the
 *        audit's table, and the basis: the number, the submissions used, the
 *        quarters and the earlier releases it was audited against) →
 *        confirm → the draft is read back and used only if its basis is still
 *        exactly what a publication now would use; otherwise it is stale and
 *        the person is asked to look at a fresh preview
 * output: the PreparedRelease publish-release.ts writes, or why not
 *
 * A draft is never published by itself and never read by anyone outside the
 * use case: it holds true values, like the internal record it becomes.
 */
import { randomUUID } from 'node:crypto';
import type { AuditRow } from '../publication/audit.js';
import type { CellId, PublishedValue } from '../publication/disclosure.js';
import { isConfidential } from '../publication/disclosure.js';
import {
  type InternalRecord,
  type PreparedRelease,
  type ReleaseRecord,
  rulesForRecord,
  rulesFromRecord,
  sameSubmissions,
  type UsedSubmission,
} from '../publication/release.js';
import { PROGRAMME_COLUMN, type ReleaseCell } from '../publication/release-cells.js';
import type { ReturnFiles } from './ports.js';

/** What a draft was prepared from: publishing it is right only while all of this still holds. */
export interface DraftBasis {
  readonly number: number;
  readonly quarters: readonly string[];
  readonly submissions: readonly UsedSubmission[];
  /** The earlier releases of the year it was audited against, as `{period}#{number}`. */
  readonly earlier: readonly string[];
}

interface StoredDraft {
  readonly version: 1;
  readonly period: string;
  readonly preparedAt: string;
  readonly preparedBy: string;
  readonly basis: DraftBasis;
  readonly prepared: {
    readonly cells: InternalRecord['cells'];
    readonly groups: InternalRecord['groups'];
    readonly rules: InternalRecord['rules'];
    readonly values: InternalRecord['values'];
    readonly published: InternalRecord['published'];
    readonly audit: InternalRecord['audit'];
    readonly primary: number;
    readonly secondary: number;
    readonly lps: number;
    readonly milliseconds: number;
    readonly changes: readonly string[];
  };
}

const DRAFT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export const draftKey = (period: string, draftId: string) => `releases/${period}/drafts/${draftId}.json`;

export function basisOf(
  number: number,
  quarters: readonly string[],
  submissions: readonly UsedSubmission[],
  earlier: readonly ReleaseRecord[],
): DraftBasis {
  return {
    number,
    quarters,
    submissions,
    earlier: earlier.map((record) => `${record.period}#${record.number}`).sort(),
  };
}

function sameBasis(a: DraftBasis, b: DraftBasis): boolean {
  return (
    a.number === b.number &&
    a.quarters.join(',') === b.quarters.join(',') &&
    a.earlier.join(',') === b.earlier.join(',') &&
    sameSubmissions(a.submissions, b.submissions)
  );
}

/** Keeps a prepared release as a draft; returns its ID. */
export async function saveDraft(
  files: Pick<ReturnFiles, 'write'>,
  input: {
    period: string;
    preparedAt: Date;
    preparedBy: string;
    basis: DraftBasis;
    prepared: PreparedRelease;
  },
): Promise<string> {
  const id = randomUUID();
  const { prepared } = input;
  const draft: StoredDraft = {
    version: 1,
    period: input.period,
    preparedAt: input.preparedAt.toISOString(),
    preparedBy: input.preparedBy,
    basis: input.basis,
    prepared: {
      cells: prepared.model.cells,
      groups: prepared.model.groups,
      rules: rulesForRecord(prepared.model.rules),
      values: [...prepared.model.values],
      published: [...prepared.published],
      audit: prepared.auditRows.map((row) => ({ ...row, upper: row.upper === Infinity ? null : row.upper })),
      primary: prepared.primary,
      secondary: prepared.secondary,
      lps: prepared.lps,
      milliseconds: prepared.milliseconds,
      changes: prepared.changes,
    },
  };
  await files.write(draftKey(input.period, id), JSON.stringify(draft), 'application/json');
  return id;
}

export type DraftUse =
  | { readonly outcome: 'ready'; readonly prepared: PreparedRelease }
  | { readonly outcome: 'stale'; readonly message: string };

/** The draft's prepared release, if it was prepared from exactly what a publication now would use. */
export async function useDraft(
  files: Pick<ReturnFiles, 'head' | 'read'>,
  period: string,
  draftId: string,
  now: DraftBasis,
): Promise<DraftUse> {
  const missing = {
    outcome: 'stale',
    message:
      'That preview is no longer available. Look at the preview again before publishing. Nothing was published.',
  } as const;
  if (!DRAFT_ID.test(draftId)) return missing;
  const key = draftKey(period, draftId);
  if (!(await files.head(key))) return missing;
  const draft = JSON.parse((await files.read(key)).toString('utf8')) as StoredDraft;
  if (draft.version !== 1 || draft.period !== period) return missing;
  if (!sameBasis(draft.basis, now)) {
    return {
      outcome: 'stale',
      message:
        draft.basis.number !== now.number
          ? `Release ${draft.basis.number} has been published since this preview was made, so this one was not published. Look at the releases below and at a fresh preview before publishing again.`
          : 'The returns or releases have changed since this preview was made (a return was accepted or replaced), so it was not published. Look at the fresh preview below before publishing. Nothing was published.',
    };
  }
  const stored = draft.prepared;
  const prepared: PreparedRelease = {
    outcome: 'ready',
    model: {
      cells: stored.cells,
      groups: stored.groups,
      rules: rulesFromRecord(stored.rules),
      values: new Map(stored.values),
    },
    published: new Map(stored.published),
    primary: stored.primary,
    secondary: stored.secondary,
    auditRows: stored.audit.map((row) => ({ ...row, upper: row.upper ?? Infinity }) as AuditRow),
    lps: stored.lps,
    milliseconds: stored.milliseconds,
    changes: stored.changes,
    submissions: now.submissions,
  };
  return { outcome: 'ready', prepared };
}

/** One cell the release would show as `c`, and why. */
export interface SuppressedCell {
  readonly item: string;
  /** A site code, or `programme`. */
  readonly column: string;
  /** `primary`: a count from 1 to 7; `secondary`: hidden so that such a count cannot be worked out. */
  readonly why: 'primary' | 'secondary';
}

/** Every cell a prepared release hides, primary first, in the model's order. */
export function suppressedCells(prepared: PreparedRelease): SuppressedCell[] {
  const byId = new Map<CellId, ReleaseCell>(prepared.model.cells.map((cell) => [cell.cell, cell]));
  const hidden: SuppressedCell[] = [];
  for (const [id, value] of prepared.published as ReadonlyMap<CellId, PublishedValue>) {
    if (value !== 'c') continue;
    const cell = byId.get(id);
    if (!cell) continue;
    hidden.push({
      item: cell.item,
      column: cell.column === PROGRAMME_COLUMN ? 'programme' : cell.column,
      why: typeof cell.trueValue === 'number' && isConfidential(cell.trueValue) ? 'primary' : 'secondary',
    });
  }
  return hidden.sort((a, b) => (a.why === b.why ? 0 : a.why === 'primary' ? -1 : 1));
}
