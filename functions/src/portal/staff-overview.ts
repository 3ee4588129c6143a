/**
 * Funder staff's starting page (part 2 builds on it): the completeness of
 * every site for a year, from one query of the year's records.
 */
import { type CompletenessCell, completeness } from '../aggregation/completeness.js';
import { formatYear, quartersOfYear } from '../programme/periods.js';
import type { ReferenceData } from '../reference/reference-data.js';
import type { PortalData } from './portal-data.js';

export interface StaffOverview {
  readonly year: string;
  readonly periods: readonly string[];
  readonly rows: readonly {
    readonly site: string;
    readonly name: string;
    readonly cells: readonly CompletenessCell[];
  }[];
}

export async function staffOverview(
  data: PortalData,
  reference: ReferenceData,
  startYear: number,
  now: Date,
): Promise<StaffOverview> {
  const year = formatYear(startYear);
  const { submissions, current } = await data.yearOverview(year);
  const periods = quartersOfYear(startYear).filter((period) => reference.programme.includes(period));
  const sites = reference.sites.sites.map((site) => site.code);
  const cells = completeness({ sites, periods, programme: reference.programme, submissions, current, now });
  return {
    year,
    periods: cells.slice(0, periods.length).map((cell) => cell.period),
    rows: reference.sites.sites.map((site) => ({
      site: site.code,
      name: site.name,
      cells: cells.filter((cell) => cell.site === site.code),
    })),
  };
}
