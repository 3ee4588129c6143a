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
import { writeTemplate } from '../template/write-template.js';
import { NotFound } from './authorise.js';

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

export async function blankTemplate(
  reference: ReferenceData,
  site: string,
  periodText: string,
  now: Date,
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
  });
  return { fileName: `${siteRecord.shortName} ${formatPeriod(period)} return.xlsx`, bytes };
}
