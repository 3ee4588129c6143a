/**
 * Funder staff publish a release from the portal: choose a quarter or a year
 * to date → preview (the publish use case runs every check and the disclosure
 * audit, and keeps its outcome as a draft) → confirm (publishes that draft if
 * nothing changed since). The use case is the CLI's (submissions/
 * publish-release.ts); this module only turns the portal's form into its
 * request and lists what has been published, with revision notes.
 */
import {
  comparePeriods,
  describePeriod,
  formatPeriod,
  formatYear,
  periodContaining,
  periodEnd,
  quartersOfYear,
  today,
} from '../programme/periods.js';
import type { ReleaseRecord } from '../publication/release.js';
import type { ReferenceData } from '../reference/reference-data.js';
import type { Log } from '../submissions/ports.js';
import {
  listReleases,
  type PublishOutcome,
  type PublishRequest,
  publishRelease,
} from '../submissions/publish-release.js';
import type { PortalData } from './portal-data.js';

export interface ReleaseChoice {
  /** The form's value: `2025-26-Q2`, or `2025-26` for the year to date. */
  readonly value: string;
  readonly label: string;
  readonly scope: 'quarter' | 'year';
  /** A quarter that has ended: its returns can be in. The form offers the latest of these first. */
  readonly ended: boolean;
}

export interface ReleaseHistory {
  readonly period: string;
  readonly title: string;
  readonly records: readonly ReleaseRecord[];
}

export interface StaffReleases {
  readonly choices: readonly ReleaseChoice[];
  /** Periods with at least one release, newest first; each period's releases newest first. */
  readonly history: readonly ReleaseHistory[];
}

export interface PublishingContext {
  readonly reference: ReferenceData;
  readonly log: Log;
  readonly clock: () => Date;
}

// Loose on purpose: the use case says what is wrong with a quarter such as 2025-26-Q9.
const QUARTER_VALUE = /^\d{4}-\d{2}-Q\d{1,2}$/;
const YEAR_VALUE = /^\d{4}-\d{2}$/;

/** Every quarter that has started and every year begun, newest first: what staff may ask to publish. */
export function releaseChoices(reference: ReferenceData, now: Date): ReleaseChoice[] {
  const { programme } = reference;
  const latest = periodContaining(today(now));
  const choices: ReleaseChoice[] = [];
  for (let year = programme.firstPeriod.startYear; year <= programme.lastPeriod.startYear; year++) {
    const started = quartersOfYear(year).filter(
      (quarter) => comparePeriods(quarter, latest) <= 0 && programme.hasStarted(quarter, today(now)),
    );
    if (started.length === 0) continue;
    choices.push({
      value: formatYear(year),
      label: `${formatYear(year)} year to date`,
      scope: 'year',
      ended: false,
    });
    for (const quarter of started) {
      choices.push({
        value: formatPeriod(quarter),
        label: describePeriod(quarter),
        scope: 'quarter',
        ended: periodEnd(quarter) < today(now),
      });
    }
  }
  return choices.reverse();
}

export async function staffReleases(
  data: PortalData,
  reference: ReferenceData,
  now: Date,
): Promise<StaffReleases> {
  const choices = releaseChoices(reference, now);
  const history: ReleaseHistory[] = [];
  // The use case's own listing: it also finishes a copy to published/ that a failed process left undone.
  const stores = data.publishing();
  for (const choice of choices) {
    const records = await listReleases(stores, choice.value);
    if (records.length > 0) {
      history.push({ period: choice.value, title: choice.label, records: [...records].reverse() });
    }
  }
  return { choices, history };
}

/** The form's period as the use case's request; undefined when it is neither a quarter nor a year. */
function requestFor(value: string | undefined, publishedBy: string): PublishRequest | undefined {
  if (value && QUARTER_VALUE.test(value)) return { period: value, publishedBy };
  if (value && YEAR_VALUE.test(value)) return { year: value, publishedBy };
  return undefined;
}

const NO_PERIOD: PublishOutcome = {
  outcome: 'refused',
  reason: 'bad-period',
  message: 'Choose a quarter or a year to date to publish.',
};

export async function previewRelease(
  data: PortalData,
  context: PublishingContext,
  value: string | undefined,
  publishedBy: string,
): Promise<PublishOutcome> {
  const request = requestFor(value, publishedBy);
  if (!request) return NO_PERIOD;
  return publishRelease({ ...data.publishing(), ...context }, { ...request, preview: true });
}

export async function confirmRelease(
  data: PortalData,
  context: PublishingContext,
  value: string | undefined,
  draftId: string | undefined,
  publishedBy: string,
): Promise<PublishOutcome> {
  const request = requestFor(value, publishedBy);
  if (!request) return NO_PERIOD;
  if (!draftId) {
    return {
      outcome: 'refused',
      reason: 'stale',
      message: 'Look at the preview before publishing. Nothing was published.',
    };
  }
  return publishRelease({ ...data.publishing(), ...context }, { ...request, draft: draftId });
}
