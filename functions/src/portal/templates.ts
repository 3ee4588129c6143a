/**
 * Templates: a site's blank template for any quarter of the programme that
 * has started, made on request by the same writer `returns template` uses.
 */
import {
  comparePeriods,
  describePeriod,
  formatPeriod,
  nextPeriod,
  type Period,
  parsePeriod,
  periodContaining,
  periodEnd,
  today as todayOf,
} from '../programme/periods.js';
import type { ReferenceData } from '../reference/reference-data.js';
import type { ReturnValues } from '../returns/return-values.js';
import { writeTemplate } from '../template/write-template.js';
import { NotFound } from './authorise.js';
import type { PortalData } from './portal-data.js';

export interface TemplateChoice {
  readonly period: string;
  readonly title: string;
  readonly dueDate: string;
  /** The quarter whose return is due next (the most recent to have ended). */
  readonly suggested: boolean;
}

/** The quarters a site can report on today, newest first. */
export function templateChoices(reference: ReferenceData, now: Date): TemplateChoice[] {
  const today = todayOf(now);
  const { programme } = reference;
  const choices: TemplateChoice[] = [];
  let suggested: Period | undefined;
  for (let period = programme.firstPeriod; programme.includes(period); period = nextPeriod(period)) {
    if (!programme.hasStarted(period, today)) break;
    if (periodEnd(period) < today) suggested = period;
    choices.push({
      period: formatPeriod(period),
      title: describePeriod(period),
      dueDate: programme.dueDate(period),
      suggested: false,
    });
  }
  const pick = suggested ?? periodContaining(today);
  return (
    choices
      .map((choice) => ({ ...choice, suggested: choice.period === formatPeriod(pick) }))
      // The quarter due next first, then the rest newest first.
      .sort(
        (a, b) =>
          Number(b.suggested) - Number(a.suggested) || comparePeriods(parsed(b.period), parsed(a.period)),
      )
  );
}

function parsed(text: string): Period {
  return (parsePeriod(text) as { period: Period }).period;
}

/**
 * A site's template with its last accepted return's figures shown beside each input (never as
 * values): the latest accepted quarter before this one. With none, the blank template.
 */
export async function templateWithLastFigures(
  data: PortalData,
  reference: ReferenceData,
  site: string,
  periodText: string,
  now: Date,
): Promise<{ fileName: string; bytes: Buffer }> {
  const wanted = parsePeriod(periodText);
  if (!('period' in wanted)) throw new NotFound();
  const before = (await data.siteSubmissions(site)).flatMap((submission) => {
    const parsedPeriod = submission.period ? parsePeriod(submission.period) : undefined;
    return submission.values &&
      parsedPeriod &&
      'period' in parsedPeriod &&
      (submission.status === 'accepted' || submission.status === 'accepted-with-warnings') &&
      comparePeriods(parsedPeriod.period, wanted.period) < 0
      ? [{ period: parsedPeriod.period, values: submission.values, receivedAt: submission.receivedAt }]
      : [];
  });
  // The current return of the latest quarter: its latest accepted upload.
  const last = before.sort(
    (a, b) => comparePeriods(b.period, a.period) || b.receivedAt.localeCompare(a.receivedAt),
  )[0];
  const template = await blankTemplate(reference, site, periodText, now, last);
  return last
    ? {
        ...template,
        fileName: template.fileName.replace(/ return\.xlsx$/, ' return (with last figures).xlsx'),
      }
    : template;
}

export async function blankTemplate(
  reference: ReferenceData,
  site: string,
  periodText: string,
  now: Date,
  lastAccepted?: { readonly period: Period; readonly values: ReturnValues },
): Promise<{ fileName: string; bytes: Buffer }> {
  const parsedPeriod = parsePeriod(periodText);
  if (!('period' in parsedPeriod)) throw new NotFound();
  const { period } = parsedPeriod;
  const siteRecord = reference.sites.find(site);
  if (
    !siteRecord ||
    !reference.programme.includes(period) ||
    !reference.programme.hasStarted(period, todayOf(now))
  ) {
    throw new NotFound();
  }
  const bytes = await writeTemplate({
    dictionary: reference.dictionaries.forPeriod(period),
    programme: reference.programme,
    site: siteRecord,
    sites: reference.sites.sites,
    period,
    generatedAt: now,
    ...(lastAccepted ? { lastAccepted } : {}),
  });
  return { fileName: `${siteRecord.shortName} ${formatPeriod(period)} return.xlsx`, bytes };
}
