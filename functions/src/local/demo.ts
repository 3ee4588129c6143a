/**
 * The demonstration a newcomer sees on the first `npm start`: the two latest
 * quarters whose returns are due, for all five partnerships, made by the
 * synthetic return generator and uploaded to the local S3 exactly as a grant
 * holder would, so they go through the whole pipeline. Each arrives a few days
 * before its due date (as if sent then), so the staff pages open on the
 * current year with something to show. Bradford's second quarter has errors
 * (so it is rejected and its first quarter stands); Lambeth's has a warning it
 * explains.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { uploadKey } from '../config/uploads.js';
import { syntheticReturn, withExplanations } from '../demo/synthetic-return.js';
import type { Dictionary } from '../dictionary/load-dictionary.js';
import {
  addDays,
  comparePeriods,
  formatPeriod,
  type Period,
  periodContaining,
  previousPeriod,
  today as todayOf,
} from '../programme/periods.js';
import type { Programme } from '../programme/programme.js';
import type { ReferenceData } from '../reference/reference-data.js';
import type { ReturnValues } from '../returns/return-values.js';
import { fillTemplate } from '../template/fill-template.js';
import { writeTemplate } from '../template/write-template.js';

export interface DemoUpload {
  readonly site: string;
  readonly period: string;
  readonly key: string;
  readonly note: string;
}

/** Where the demonstration's uploads go, and when each counts as received. */
export interface DemoTarget {
  readonly s3: S3Client;
  readonly bucket: string;
  arriveAt(key: string, at: string): void;
  /** Resolves once everything uploaded so far has been handled. */
  settle(): Promise<void>;
}

/**
 * The two latest quarters due by `asOf` (the programme's first two if none is
 * due yet): a quarter's return can be sent once it has ended, and these have
 * had their due dates, so the demonstration's returns are all in the past.
 */
export function demoQuarters(programme: Programme, asOf: Date): [Period, Period] {
  const today = todayOf(asOf);
  let latest = periodContaining(today);
  while (comparePeriods(latest, programme.firstPeriod) > 0 && programme.dueDate(latest) >= today) {
    latest = previousPeriod(latest);
  }
  if (comparePeriods(latest, programme.firstPeriod) <= 0) {
    const first = programme.firstPeriod;
    return [first, { startYear: first.startYear, quarter: 2 }];
  }
  return [previousPeriod(latest), latest];
}

export async function loadDemo(
  reference: ReferenceData,
  target: DemoTarget,
  asOf: Date,
): Promise<DemoUpload[]> {
  const uploads: DemoUpload[] = [];
  const previous = new Map<string, ReturnValues>();
  const quarters = demoQuarters(reference.programme, asOf);
  for (const [index, period] of quarters.entries()) {
    const second = index === 1;
    const dictionary = reference.dictionaries.forPeriod(period);
    const dueDate = reference.programme.dueDate(period);
    for (const [order, site] of reference.sites.sites.entries()) {
      let values = syntheticReturn(dictionary, site, period, {
        seed: period.startYear,
        ...(previous.has(site.code) ? { previous: previous.get(site.code) } : {}),
      });
      previous.set(site.code, values);
      let note = 'valid';
      if (second && site.code === 'BFD') {
        values = withErrors(values);
        note = `has errors: rejected, and its ${formatPeriod(quarters[0])} return stands`;
      } else if (second && site.code === 'LAM') {
        values = withExplainedWarning(dictionary, values);
        note = 'accepted with a warning it explains';
      }
      const template = await writeTemplate({
        dictionary,
        programme: reference.programme,
        site,
        sites: reference.sites.sites,
        period,
      });
      const key = uploadKey(site.code, `${site.shortName} ${formatPeriod(period)} return.xlsx`);
      // A few days before the due date, each partnership on its own day and hour.
      target.arriveAt(
        key,
        `${addDays(dueDate, -(2 + order))}T${String(9 + order).padStart(2, '0')}:30:00.000Z`,
      );
      await target.s3.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: key,
          Body: await fillTemplate(template, values),
        }),
      );
      uploads.push({ site: site.code, period: formatPeriod(period), key, note });
    }
    // The second quarter is checked against the first's accepted returns (R04, R14), so let those land first.
    await target.settle();
  }
  return uploads;
}

/** Breastfeeding statuses that do not add up (R07) and "N/A" in a count. */
function withErrors(values: ReturnValues): ReturnValues {
  const items = { ...values.items };
  items['BF.TOTAL'] = (items['BF.TOTAL'] as number) - 4;
  items['REACH.PARENT_Q'] = 'N/A';
  return { ...values, items };
}

/** Breastfeeding status unknown for about 8% (R08), with the partnership's explanation. */
function withExplainedWarning(dictionary: Dictionary, values: ReturnValues): ReturnValues {
  const items = { ...values.items };
  const due = items['BF.DUE'] as number;
  const unknown = Math.ceil(due * 0.08);
  const shift = unknown - (items['BF.UNKNOWN'] as number);
  const none = items['BF.NONE'] as number;
  items['BF.UNKNOWN'] = unknown;
  if (none >= shift) items['BF.NONE'] = none - shift;
  else {
    items['BF.NONE'] = 0;
    items['BF.TOTAL'] = (items['BF.TOTAL'] as number) - (shift - none);
  }
  return withExplanations(dictionary, { ...values, items }, [
    {
      rule: 'R08',
      item: 'BF.UNKNOWN',
      explanation:
        'Our health visiting provider moved to a new records system in August; breastfeeding status was not captured at some 6–8 week checks while staff were trained.',
    },
  ]);
}
