/**
 * One aggregation measurement in a fresh process: summarise 200 sites × 8
 * quarters of synthetic returns and write the programme workbook. Prints JSON.
 *
 *   node aggregate-measure.mjs TEMPLATES_DIR [--runs N]
 */

import { type AcceptedReturn, summarise } from '../../functions/src/aggregation/aggregate.js';
import { completeness } from '../../functions/src/aggregation/completeness.js';
import { syntheticReturn } from '../../functions/src/demo/synthetic-return.js';
import { formatPeriod, nextPeriod, type Period } from '../../functions/src/programme/periods.js';
import type { Site } from '../../functions/src/programme/sites.js';
import { loadReferenceData } from '../../functions/src/reference/reference-data.js';
import type { ReturnValues } from '../../functions/src/returns/return-values.js';
import { writeSummaryWorkbook } from '../../functions/src/summaries/write-summary.js';

const [templatesDir, ...flags] = process.argv.slice(2);
const runs = Number(flags[flags.indexOf('--runs') + 1] ?? 1) || 1;
const reference = loadReferenceData({ templatesDir: templatesDir as string });
const SITE_COUNT = 200;
const sites: Site[] = Array.from({ length: SITE_COUNT }, (_, index) => ({
  code: `S${String(index).padStart(3, '0')}`,
  name: `Synthetic partnership ${index}`,
  shortName: `Site ${index}`,
  contacts: ['data@example.org'],
}));
const quarters: Period[] = [];
for (
  let quarter: Period = { startYear: 2025, quarter: 1 };
  quarters.length < 8;
  quarter = nextPeriod(quarter)
)
  quarters.push(quarter);
const returns: AcceptedReturn[] = [];
for (const site of sites) {
  let previous: ReturnValues | undefined;
  for (const quarter of quarters) {
    const dictionary = reference.dictionaries.get('2025-26');
    const values = syntheticReturn(dictionary, site, quarter, { seed: 7, ...(previous ? { previous } : {}) });
    previous = values;
    returns.push({
      site: site.code,
      period: quarter,
      dictionaryVersion: '2025-26',
      submissionId: `${site.code}-${formatPeriod(quarter)}`,
      receivedAt: '2026-01-01T00:00:00Z',
      values,
    });
  }
}

// What the process holds before aggregating: Node, the reference data and the 1,600 returns themselves.
const inputRssMb = process.memoryUsage().rss / 1024 / 1024;
const times: number[] = [];
let bytes = 0;
for (let run = 0; run < runs; run++) {
  const started = performance.now();
  const summary = summarise({
    startYear: 2025,
    quarters,
    sites: sites.map((site) => site.code),
    returns,
    dictionaryFor: (version) => reference.dictionaries.get(version),
    dictionaryForPeriod: () => reference.dictionaries.get('2025-26'),
    benchmarks: reference.benchmarks,
  });
  const summarised = performance.now();
  const cells = completeness({
    sites: summary.sites,
    periods: quarters,
    programme: reference.programme,
    submissions: [],
    current: [],
    now: new Date('2027-06-01T00:00:00Z'),
  });
  const workbook = await writeSummaryWorkbook({
    summary,
    completeness: cells,
    sites,
    programme: reference.programme,
    benchmarks: reference.benchmarks,
    scope: 'quarter',
    generatedAt: new Date(),
  });
  times.push(performance.now() - started);
  if (process.env.BENCH_DETAIL)
    console.error({ summarise: summarised - started, write: performance.now() - summarised });
  bytes = workbook.length;
}
const sorted = [...times].sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({ first: times[0], median: sorted[Math.floor(sorted.length / 2)], bytes, returns: returns.length, inputRssMb, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
