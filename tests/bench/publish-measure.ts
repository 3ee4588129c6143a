/**
 * The portal's publishing in a fresh process, as the portal Lambda runs it:
 * 5 sites × 4 quarters of synthetic returns; each quarter, then the year to
 * date, previewed (every check and the disclosure audit, kept as a draft)
 * and confirmed (the draft published: workbook, CSV, record), on in-memory
 * ports. Prints JSON: the year to date's preview and confirm, the slowest
 * preview, the first call (which loads HiGHS and exceljs), and a floor: the
 * year's summary alone, computed in the same process.
 *
 *   node --import tsx publish-measure.ts
 */
import { summarise } from '../../functions/src/aggregation/aggregate.js';
import { syntheticReturn } from '../../functions/src/demo/synthetic-return.js';
import { formatPeriod, type Period } from '../../functions/src/programme/periods.js';
import type { ReleaseRecord } from '../../functions/src/publication/release.js';
import { loadReferenceData } from '../../functions/src/reference/reference-data.js';
import type { ReturnValues } from '../../functions/src/returns/return-values.js';
import type { CurrentReturn } from '../../functions/src/returns/submission.js';
import { toAccepted } from '../../functions/src/submissions/aggregate-period.js';
import { publishRelease } from '../../functions/src/submissions/publish-release.js';

const reference = loadReferenceData();
const dictionary = reference.dictionaries.get('2025-26');
const quarters: Period[] = ([1, 2, 3, 4] as const).map((quarter) => ({ startYear: 2025, quarter }));
const current: CurrentReturn[] = [];
reference.sites.sites.forEach((site, index) => {
  let previous: ReturnValues | undefined;
  for (const quarter of quarters) {
    const values = syntheticReturn(dictionary, site, quarter, {
      seed: 7,
      scale: 0.3 + index * 0.2,
      ...(previous ? { previous } : {}),
    });
    previous = values;
    current.push({
      site: site.code,
      period: formatPeriod(quarter),
      dictionaryVersion: '2025-26',
      submissionId: `${site.code}-Q${quarter.quarter}`,
      receivedAt: '2026-01-01T00:00:00Z',
      values,
    } as unknown as CurrentReturn);
  }
});

const objects = new Map<string, Buffer>();
const records = new Map<string, ReleaseRecord[]>();
const deps = {
  store: { yearOverview: async () => ({ submissions: [], current }), review: async () => undefined },
  files: {
    head: async (key: string) =>
      objects.has(key) ? { key, size: objects.get(key)?.length ?? 0 } : undefined,
    read: async (key: string) => objects.get(key) as Buffer,
    write: async (key: string, bytes: Buffer | string) => void objects.set(key, Buffer.from(bytes)),
    linkTo: async () => '',
    list: async () => ({ objects: [], truncated: false }),
  },
  releases: {
    listReleases: async (period: string) => records.get(period) ?? [],
    recordRelease: async (record: ReleaseRecord) => {
      records.set(record.period, [...(records.get(record.period) ?? []), record]);
      return { recorded: true } as const;
    },
  },
  reference,
  log: { info() {}, warn() {}, error() {} },
  clock: () => new Date('2026-12-01T10:00:00Z'),
};

const timings: Array<{ target: string; preview: number; confirm: number; quantities: number }> = [];
for (const target of ['2025-26-Q1', '2025-26-Q2', '2025-26-Q3', '2025-26-Q4', '2025-26']) {
  const request = target.length === 7 ? { year: target } : { period: target };
  let started = performance.now();
  const preview = await publishRelease(deps, { ...request, publishedBy: 'bench', preview: true });
  const previewMs = performance.now() - started;
  if (preview.outcome !== 'preview') throw new Error(`${target}: ${preview.message}`);
  started = performance.now();
  const published = await publishRelease(deps, {
    ...request,
    publishedBy: 'bench',
    draft: preview.preview.draftId,
  });
  if (published.outcome !== 'published') throw new Error(`${target}: ${published.message}`);
  timings.push({
    target,
    preview: previewMs,
    confirm: performance.now() - started,
    quantities: preview.preview.audit.quantities,
  });
}

const floorStarted = performance.now();
summarise({
  startYear: 2025,
  quarters,
  sites: reference.sites.sites.map((site) => site.code),
  returns: current.map(toAccepted),
  dictionaryFor: (version) => reference.dictionaries.get(version),
  dictionaryForPeriod: (quarter) => reference.dictionaries.forPeriod(quarter),
  benchmarks: reference.benchmarks,
});
const floor = performance.now() - floorStarted;
const year = timings.at(-1) as (typeof timings)[number];
console.log(
  JSON.stringify({
    yearPreview: year.preview,
    yearConfirm: year.confirm,
    yearQuantities: year.quantities,
    slowestPreview: Math.max(...timings.map((entry) => entry.preview)),
    first: (timings[0]?.preview ?? 0) + (timings[0]?.confirm ?? 0),
    floor,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
