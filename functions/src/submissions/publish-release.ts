/**
 * Publish a release: the one way figures leave the funder.
 *
 * input: a quarter (`2025-26-Q3`) or a financial year (`2025-26`, the year to
 *        date), and who is publishing
 * steps: check the period has started and has accepted returns → summarise
 *        from the store's current returns → read every earlier release of
 *        the financial year (their internal records) → choose what to hide
 *        and audit it with all of them (refuse, naming the cells, if the
 *        audit cannot pass) → write the workbook, CSV and internal record
 *        under this attempt's own keys → record the release, on condition
 *        that its number is free (the record makes the release exist) →
 *        copy the files to published/{PERIOD}/release-{n}.xlsx and .csv
 * output: a PublishOutcome: published, refused (with why) or conflict
 *
 * Nothing is half-published: until the record is written, nothing under
 * published/ has changed, and an attempt's own files (under
 * releases/{PERIOD}/attempts/) are never read by anyone. If the process dies
 * after the record and before the copy, the next publish or list of that
 * period finishes the copy from the attempt's files, which the record names.
 */
import { randomUUID } from 'node:crypto';
import { type AcceptedReturn, summarise } from '../aggregation/aggregate.js';
import {
  describePeriod,
  formatPeriod,
  formatYear,
  type Period,
  parsePeriod,
  parseYear,
  quartersOfYear,
  today,
} from '../programme/periods.js';
import {
  auditTable,
  type InternalRecord,
  prepareRelease,
  type ReleaseRecord,
  type ReleaseScope,
  rulesForRecord,
  sameSubmissions,
  usedSubmissions,
} from '../publication/release.js';
import type { ReferenceData } from '../reference/reference-data.js';
import { usableForRelease } from '../returns/review.js';
import { publishedCsv, writePublishedWorkbook } from '../summaries/write-published.js';
import { toAccepted } from './aggregate-period.js';
import type { Log, ReleaseStore, ReturnFiles, SubmissionStore } from './ports.js';
import { basisOf, type SuppressedCell, saveDraft, suppressedCells, useDraft } from './release-drafts.js';

export interface PublishReleaseDeps {
  readonly store: Pick<SubmissionStore, 'yearOverview' | 'review'>;
  readonly files: ReturnFiles;
  readonly releases: ReleaseStore;
  readonly reference: ReferenceData;
  readonly log: Log;
  readonly clock: () => Date;
}

export type PublishRequest = (
  | { readonly period: string; readonly publishedBy: string }
  | { readonly year: string; readonly publishedBy: string }
) &
  PublishMode;

/**
 * The portal's two steps (release-drafts.ts): `preview` runs every check and
 * the audit and keeps the outcome as a draft, publishing nothing; `draft`
 * publishes that draft if nothing it was prepared from has changed since.
 */
export interface PublishMode {
  readonly preview?: boolean;
  readonly draft?: string;
}

/** What a preview says would be published: the audit's verdict, for a person to confirm. */
export interface ReleasePreview {
  readonly draftId: string;
  readonly period: string;
  readonly scope: ReleaseScope;
  readonly title: string;
  readonly number: number;
  readonly previous?: ReleaseRecord;
  readonly changes: readonly string[];
  readonly quarters: readonly string[];
  readonly submissions: ReleaseRecord['submissions'];
  readonly suppressed: readonly SuppressedCell[];
  readonly audit: ReleaseRecord['audit'];
  readonly earlierReleases: number;
}

export type RefusalReason =
  | 'bad-period'
  | 'not-started'
  | 'no-returns'
  | 'not-signed-off'
  | 'unchanged'
  | 'audit'
  | 'stale';

export type PublishOutcome =
  | { readonly outcome: 'published'; readonly release: ReleaseRecord; readonly message: string }
  | { readonly outcome: 'preview'; readonly preview: ReleasePreview; readonly message: string }
  | {
      readonly outcome: 'refused';
      readonly reason: RefusalReason;
      readonly message: string;
      /** For an audit refusal: each count that could be narrowed too far, with its interval. */
      readonly failures?: readonly string[];
    }
  | { readonly outcome: 'conflict'; readonly message: string; readonly holder?: ReleaseRecord };

export const RELEASE_KEYS = {
  published: (period: string, number: number, extension: 'xlsx' | 'csv') =>
    `published/${period}/release-${number}.${extension}`,
  attempt: (period: string, attempt: string) => `releases/${period}/attempts/${attempt}/`,
} as const;

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Every release of a quarter or year to date, oldest first, with any interrupted copy finished. */
export async function listReleases(
  deps: Pick<PublishReleaseDeps, 'releases' | 'files'>,
  period: string,
): Promise<ReleaseRecord[]> {
  const records = await deps.releases.listReleases(period);
  for (const record of records) await finishCopy(deps.files, record);
  return records;
}

export async function publishRelease(
  deps: PublishReleaseDeps,
  request: PublishRequest,
): Promise<PublishOutcome> {
  const target = parseTarget(request);
  if ('problem' in target) return { outcome: 'refused', reason: 'bad-period', message: target.problem };
  const { scope, key } = target;
  const { reference } = deps;
  const now = deps.clock();
  if (!reference.programme.includes({ startYear: target.startYear, quarter: 1 })) {
    return {
      outcome: 'refused',
      reason: 'bad-period',
      message: `${key} is outside the programme, which runs ${reference.programme.describeRange()}. Nothing was published.`,
    };
  }
  const year = formatYear(target.startYear);

  const started = quartersOfYear(target.startYear).filter(
    (quarter) =>
      reference.programme.hasStarted(quarter, today(now)) &&
      (scope === 'year' || quarter.quarter <= target.quarter),
  );
  if (scope === 'quarter' && !started.some((quarter) => quarter.quarter === target.quarter)) {
    return {
      outcome: 'refused',
      reason: 'not-started',
      message: `${describeKey(key, scope)} has not started yet, so there is nothing to publish. Nothing was published.`,
    };
  }
  if (started.length === 0) {
    return {
      outcome: 'refused',
      reason: 'not-started',
      message: `The ${year} financial year has not started yet, so there is nothing to publish. Nothing was published.`,
    };
  }

  const overview = await deps.store.yearOverview(year);
  const returns: AcceptedReturn[] = overview.current.map(toAccepted);
  const last = started.at(-1) as Period;
  const ofScope = returns.filter(
    (entry) => entry.period.quarter <= last.quarter && entry.period.startYear === target.startYear,
  );
  const accepted = ofScope.filter((entry) => scope === 'year' || entry.period.quarter === last.quarter);
  if (accepted.length === 0) {
    return {
      outcome: 'refused',
      reason: 'no-returns',
      message: `There are no accepted returns for ${scope === 'quarter' ? describePeriod(last) : `${year} so far`}, so there is nothing to publish. Nothing was published.`,
    };
  }
  const { signedOffOnly } = reference.programme.releases;
  if (signedOffOnly) {
    // Only a return whose review is signed off, and about this very file, may leave the funder. Each
    // review is read consistently (a GetItem each, at most 4 quarters × the sites): the by-year index
    // is eventually consistent, and a sign-off a moment ago must count.
    const signedOff: AcceptedReturn[] = [];
    for (const entry of ofScope) {
      const review = await deps.store.review(entry.site, formatPeriod(entry.period));
      if (usableForRelease(review, true) && review?.submissionId === entry.submissionId)
        signedOff.push(entry);
    }
    if (!signedOff.some((entry) => scope === 'year' || entry.period.quarter === last.quarter)) {
      return {
        outcome: 'refused',
        reason: 'not-signed-off',
        message: `The programme publishes only signed-off returns (releases: signedOffOnly in programme.yaml), and none of the ${accepted.length} accepted ${accepted.length === 1 ? 'return' : 'returns'} for ${scope === 'quarter' ? describePeriod(last) : `${year} so far`} is signed off yet. Sign them off on each return's page on the portal first. Nothing was published.`,
      };
    }
    ofScope.splice(0, ofScope.length, ...signedOff);
  }

  const summary = summarise({
    startYear: target.startYear,
    quarters: started,
    sites: reference.sites.sites.map((site) => site.code),
    returns: ofScope,
    dictionaryFor: (version) => reference.dictionaries.get(version),
    dictionaryForPeriod: (quarter) => reference.dictionaries.forPeriod(quarter),
    benchmarks: reference.benchmarks,
  });

  const periodsOfYear = [...quartersOfYear(target.startYear).map(formatPeriod), year];
  const earlierRecords: ReleaseRecord[] = [];
  for (const period of periodsOfYear) earlierRecords.push(...(await listReleases(deps, period)));
  earlierRecords.sort((a, b) => (a.publishedAt < b.publishedAt ? -1 : a.publishedAt > b.publishedAt ? 1 : 0));
  const earlier: InternalRecord[] = [];
  for (const record of earlierRecords) {
    earlier.push(
      JSON.parse((await deps.files.read(record.files.internal)).toString('utf8')) as InternalRecord,
    );
  }
  const ofThisPeriod = earlierRecords.filter((record) => record.period === key);
  const previous = ofThisPeriod.at(-1);
  const number = (previous?.number ?? 0) + 1;
  const submissions = usedSubmissions(summary, scope);
  if (
    previous &&
    sameSubmissions(previous.submissions, submissions) &&
    sameQuarters(previous, summary.quarters)
  ) {
    return {
      outcome: 'refused',
      reason: 'unchanged',
      message: `Release ${previous.number} of ${describeKey(key, scope)} already uses exactly these returns (published ${previous.publishedAt.slice(0, 10)} by ${previous.publishedBy}); a new release would change nothing. Nothing was published.`,
    };
  }

  const siteName = (code: string) => reference.sites.sites.find((site) => site.code === code)?.name ?? code;
  // A confirmed preview publishes its draft's audited outcome rather than run the audit again.
  const basis = basisOf(number, summary.quarters.map(formatPeriod), submissions, earlierRecords);
  const drafted = request.draft ? await useDraft(deps.files, key, request.draft, basis) : undefined;
  if (drafted?.outcome === 'stale') return { outcome: 'refused', reason: 'stale', message: drafted.message };
  const prepared =
    drafted?.prepared ?? (await prepareRelease({ summary, scope, period: key, number, earlier, siteName }));
  if (prepared.outcome === 'refused') {
    deps.log.warn('release refused by the disclosure audit', {
      period: key,
      failures: prepared.failures.length,
    });
    return {
      outcome: 'refused',
      reason: 'audit',
      message: `The disclosure audit refused ${describeKey(key, scope)}: with the releases already published, ${prepared.failures.length === 1 ? 'one protected count' : `${prepared.failures.length} protected counts`} could be narrowed to fewer than 8 possible values, and no further suppression protects ${prepared.failures.length === 1 ? 'it' : 'them'}. Nothing was published. The counts:\n${prepared.failures.map((line) => `  - ${line}`).join('\n')}`,
      failures: prepared.failures,
    };
  }
  if (request.preview) {
    const draftId = await saveDraft(deps.files, {
      period: key,
      preparedAt: now,
      preparedBy: request.publishedBy,
      basis,
      prepared,
    });
    const suppressed = suppressedCells(prepared);
    return {
      outcome: 'preview',
      message: `Release ${number} of ${describeKey(key, scope)} passes the disclosure audit and is ready to publish. Nothing has been published yet.`,
      preview: {
        draftId,
        period: key,
        scope,
        title: describeKey(key, scope),
        number,
        ...(previous ? { previous } : {}),
        changes: prepared.changes,
        quarters: basis.quarters,
        submissions,
        suppressed,
        audit: {
          quantities: prepared.auditRows.length,
          lps: prepared.lps,
          milliseconds: Math.round(prepared.milliseconds),
          suppressed: suppressed.length,
          secondary: prepared.secondary,
        },
        earlierReleases: earlier.length,
      },
    };
  }

  const attempt = randomUUID();
  const prefix = RELEASE_KEYS.attempt(key, attempt);
  const record: ReleaseRecord = {
    period: key,
    scope,
    number,
    publishedAt: now.toISOString(),
    publishedBy: request.publishedBy,
    quarters: summary.quarters.map(formatPeriod),
    submissions,
    changes: prepared.changes,
    files: {
      workbook: `${prefix}release-${number}.xlsx`,
      csv: `${prefix}release-${number}.csv`,
      internal: `${prefix}internal.json`,
    },
    audit: {
      quantities: prepared.auditRows.length,
      lps: prepared.lps,
      milliseconds: Math.round(prepared.milliseconds),
      suppressed: [...prepared.published.values()].filter((value) => value === 'c').length,
      secondary: prepared.secondary,
    },
  };
  const workbookInput = {
    summary,
    sites: reference.sites.sites,
    programme: reference.programme,
    scope,
    generatedAt: now,
    benchmarks: reference.benchmarks,
    published: prepared.published,
    release: {
      number,
      publishedBy: request.publishedBy,
      changes: prepared.changes,
      ...(signedOffOnly
        ? {
            basis:
              'Only returns signed off by funder staff are included: a return still awaiting review or queried is left out until it is signed off, and a later release will include it.',
          }
        : {}),
    },
  } as const;
  const internal: InternalRecord = {
    version: 1,
    record,
    cells: prepared.model.cells,
    groups: prepared.model.groups,
    rules: rulesForRecord(prepared.model.rules),
    values: [...prepared.model.values],
    published: [...prepared.published],
    audit: auditTable(prepared.auditRows),
  };
  // Files first, under this attempt's own keys; the record last, with a condition.
  await deps.files.write(record.files.workbook, await writePublishedWorkbook(workbookInput), XLSX);
  await deps.files.write(record.files.csv, await publishedCsv(workbookInput), 'text/csv; charset=utf-8');
  await deps.files.write(record.files.internal, JSON.stringify(internal), 'application/json');
  const written = await deps.releases.recordRelease(record);
  if (!written.recorded) {
    const holder = written.holder;
    return {
      outcome: 'conflict',
      message: `Someone else published release ${number} of ${describeKey(key, scope)}${holder ? ` (${holder.publishedBy}, at ${holder.publishedAt.slice(11, 16)} UTC)` : ''} while this one was being prepared, so this one was not published. Look at their release first; publish again only if it is still needed.`,
      ...(holder ? { holder } : {}),
    };
  }
  await finishCopy(deps.files, record);
  deps.log.info('release published', { period: key, number, publishedBy: request.publishedBy });
  return {
    outcome: 'published',
    release: record,
    message: `Published release ${number} of ${describeKey(key, scope)}${previous ? ` (a revision of release ${previous.number})` : ''}: ${RELEASE_KEYS.published(key, number, 'xlsx')} and .csv, from ${submissions.length} ${signedOffOnly ? 'signed-off ' : ''}${submissions.length === 1 ? 'return' : 'returns'}. The disclosure audit checked ${record.audit.quantities} protected counts against ${earlier.length === 0 ? 'no earlier releases' : `${earlier.length} earlier release${earlier.length === 1 ? '' : 's'}`}.`,
  };
}

/** Copies a recorded release's files to their published names, if not there yet. */
async function finishCopy(files: ReturnFiles, record: ReleaseRecord): Promise<void> {
  const copies: Array<[string, string, string]> = [
    [record.files.workbook, RELEASE_KEYS.published(record.period, record.number, 'xlsx'), XLSX],
    [
      record.files.csv,
      RELEASE_KEYS.published(record.period, record.number, 'csv'),
      'text/csv; charset=utf-8',
    ],
  ];
  for (const [from, to, type] of copies) {
    if (await files.head(to)) continue;
    await files.write(to, await files.read(from), type);
  }
}

function parseTarget(
  request: PublishRequest,
): { scope: ReleaseScope; key: string; startYear: number; quarter: number } | { problem: string } {
  if ('period' in request) {
    const parsed = parsePeriod(request.period);
    if ('problem' in parsed) return { problem: `"${request.period}" is not a quarter: ${parsed.problem}.` };
    return {
      scope: 'quarter',
      key: formatPeriod(parsed.period),
      startYear: parsed.period.startYear,
      quarter: parsed.period.quarter as number,
    };
  }
  const parsed = parseYear(request.year);
  if ('problem' in parsed)
    return { problem: `"${request.year}" is not a financial year: ${parsed.problem}.` };
  return { scope: 'year', key: formatYear(parsed.startYear), startYear: parsed.startYear, quarter: 4 };
}

function describeKey(key: string, scope: ReleaseScope): string {
  if (scope === 'year') return `the ${key} year to date`;
  const parsed = parsePeriod(key) as { period: Period };
  return describePeriod(parsed.period);
}

function sameQuarters(record: ReleaseRecord, quarters: readonly Period[]): boolean {
  return record.quarters.join(',') === quarters.map(formatPeriod).join(',');
}
