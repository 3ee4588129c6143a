/**
 * The demonstration a newcomer sees on the first `npm start`: 2025-26 Q1 and
 * Q2 returns for all five partnerships, made by the synthetic return generator
 * and uploaded to the local S3 exactly as a grant holder would, so they go
 * through the whole pipeline. Bradford's Q2 has errors (so it is rejected and
 * its Q1 stands); Lambeth's Q2 has a warning it explains.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { uploadKey } from '../config/uploads.js';
import { syntheticReturn, withExplanations } from '../demo/synthetic-return.js';
import type { Dictionary } from '../dictionary/load-dictionary.js';
import { formatPeriod, type Period } from '../programme/periods.js';
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

export async function loadDemo(
  reference: ReferenceData,
  s3: S3Client,
  bucket: string,
  settle: () => Promise<void>,
): Promise<DemoUpload[]> {
  const uploads: DemoUpload[] = [];
  const previous = new Map<string, ReturnValues>();
  for (const quarter of [1, 2] as const) {
    const period: Period = { startYear: 2025, quarter };
    const dictionary = reference.dictionaries.forPeriod(period);
    for (const site of reference.sites.sites) {
      let values = syntheticReturn(dictionary, site, period, {
        seed: 2025,
        ...(previous.has(site.code) ? { previous: previous.get(site.code) } : {}),
      });
      previous.set(site.code, values);
      let note = 'valid';
      if (quarter === 2 && site.code === 'BFD') {
        values = withErrors(values);
        note = 'has errors: rejected, and its Q1 return stands';
      } else if (quarter === 2 && site.code === 'LAM') {
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
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: await fillTemplate(template, values) }),
      );
      uploads.push({ site: site.code, period: formatPeriod(period), key, note });
    }
    // Q2 is checked against Q1's accepted returns (R04, R14), so let Q1 land first.
    await settle();
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
