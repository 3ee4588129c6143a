/** Reference data for tests: the real templates/ folder plus the test-only 2026-27 dictionary. */
import { fileURLToPath } from 'node:url';
import { type Period, parsePeriod } from '../../functions/src/programme/periods.js';
import { loadReferenceData, type ReferenceData } from '../../functions/src/reference/reference-data.js';
import { writeTemplate } from '../../functions/src/template/write-template.js';

export const NEXT_YEAR_DICTIONARY_DIR = fileURLToPath(new URL('../fixtures/dictionaries/', import.meta.url));

export const TEST_PORTAL_URL = 'https://returns.funder.example';

let cached: ReferenceData | undefined;
export function testReference(): ReferenceData {
  cached ??= loadReferenceData({
    extraDictionaryDirs: [NEXT_YEAR_DICTIONARY_DIR],
    // As a deployed stack sets it: templates and emails name the portal.
    portalUrl: TEST_PORTAL_URL,
  });
  return cached;
}

export function period(text: string): Period {
  return (parsePeriod(text) as { period: Period }).period;
}

export async function blankTemplate(
  siteCode = 'BLK',
  periodText = '2025-26-Q2',
  version?: string,
): Promise<Buffer> {
  const reference = testReference();
  const p = period(periodText);
  return writeTemplate({
    dictionary: version ? reference.dictionaries.get(version) : reference.dictionaries.forPeriod(p),
    programme: reference.programme,
    site: reference.sites.get(siteCode),
    sites: reference.sites.sites,
    period: p,
    generatedAt: new Date('2025-10-01T09:00:00Z'),
  });
}
