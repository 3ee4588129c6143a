/**
 * Published releases: what the funder has deliberately published, with
 * disclosure control applied, under published/ (a quarter or a year to date,
 * numbered; a later number is a revision). This is all a site may download of
 * the programme's figures: the unsuppressed programme workbooks under
 * summaries/ hold other sites' small counts and are for staff alone.
 */
import { describePeriod, formatYear, parsePeriod, parseYear } from '../programme/periods.js';
import { NotFound } from './authorise.js';
import type { PortalData } from './portal-data.js';

export interface Release {
  readonly key: string;
  /** The period as in the key: `2025-26-Q2`, or a year `2025-26` for a year to date. */
  readonly period: string;
  readonly title: string;
  readonly number: number;
  readonly fileName: string;
  readonly publishedAt: string;
  readonly bytes: number;
}

const RELEASE_KEY = /^published\/([^/]+)\/(release-(\d{1,4})\.xlsx)$/;

function releaseTitle(period: string): string | undefined {
  const quarter = parsePeriod(period);
  if ('period' in quarter) return describePeriod(quarter.period);
  const year = parseYear(period);
  return 'startYear' in year ? `${formatYear(year.startYear)} year to date` : undefined;
}

export async function listReleases(data: PortalData): Promise<Release[]> {
  const objects = await data.list('published/');
  return objects
    .flatMap((object) => {
      const match = RELEASE_KEY.exec(object.key);
      const title = match ? releaseTitle(match[1] as string) : undefined;
      if (!match || !title) return [];
      return [
        {
          key: object.key,
          period: match[1] as string,
          title,
          number: Number(match[3]),
          fileName: match[2] as string,
          publishedAt: object.lastModified,
          bytes: object.size,
        },
      ];
    })
    .sort((a, b) => b.period.localeCompare(a.period) || b.number - a.number);
}

export async function releaseDownload(
  data: PortalData,
  period: string,
  fileName: string,
  expiresInSeconds: number,
): Promise<string> {
  const key = `published/${period}/${fileName}`;
  if (!RELEASE_KEY.test(key) || !releaseTitle(period)) throw new NotFound();
  if (!(await data.head(key))) throw new NotFound();
  return data.signDownload(key, `${period} ${fileName}`, expiresInSeconds);
}
