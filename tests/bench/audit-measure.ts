/**
 * One disclosure-audit measurement in a fresh process: N sites × 4 quarters
 * of synthetic returns (sizes varied so that many counts are 1 to 7), the
 * four quarter releases and the year to date as primary suppression and
 * rounding leave them, audited together as an intruder holding all five
 * would. Prints JSON. The floor is building the five releases' models
 * (summaries and cells) in the same process.
 *
 *   node --import tsx audit-measure.ts SITES
 */
import { type AcceptedReturn, summarise } from '../../functions/src/aggregation/aggregate.js';
import { syntheticReturn } from '../../functions/src/demo/synthetic-return.js';
import type { Period } from '../../functions/src/programme/periods.js';
import type { Site } from '../../functions/src/programme/sites.js';
import { type AuditedRelease, auditReleases } from '../../functions/src/publication/audit.js';
import { publishedCount } from '../../functions/src/publication/disclosure.js';
import { type LinearRule, releaseModel } from '../../functions/src/publication/release-cells.js';
import { loadReferenceData } from '../../functions/src/reference/reference-data.js';
import type { ReturnValues } from '../../functions/src/returns/return-values.js';

const siteCount = Number(process.argv[2] ?? 5);
const reference = loadReferenceData();
const dictionary = reference.dictionaries.get('2025-26');
const sites: Site[] = Array.from({ length: siteCount }, (_, index) => ({
  code: `S${String(index).padStart(3, '0')}`,
  name: `Synthetic partnership ${index}`,
  shortName: `Site ${index}`,
  contacts: ['data@example.org'],
}));
const quarters: Period[] = ([1, 2, 3, 4] as const).map((quarter) => ({ startYear: 2025, quarter }));
const returns: AcceptedReturn[] = [];
sites.forEach((site, index) => {
  let previous: ReturnValues | undefined;
  for (const quarter of quarters) {
    const values = syntheticReturn(dictionary, site, quarter, {
      seed: 7,
      scale: 0.3 + (index % 5) * 0.2,
      ...(previous ? { previous } : {}),
    });
    previous = values;
    returns.push({
      site: site.code,
      period: quarter,
      dictionaryVersion: '2025-26',
      submissionId: `${site.code}-Q${quarter.quarter}`,
      receivedAt: '2026-01-01T00:00:00Z',
      values,
    });
  }
});

const started = performance.now();
const releases: AuditedRelease[] = [];
const rules = new Map<string, LinearRule>();
const values = new Map<string, number>();
for (const [last, scope] of [
  [1, 'quarter'],
  [2, 'quarter'],
  [3, 'quarter'],
  [4, 'quarter'],
  [4, 'year'],
] as const) {
  const summary = summarise({
    startYear: 2025,
    quarters: quarters.slice(0, last),
    sites: sites.map((site) => site.code),
    returns,
    dictionaryFor: () => dictionary,
    dictionaryForPeriod: () => dictionary,
    benchmarks: reference.benchmarks,
  });
  const model = releaseModel(summary, scope);
  for (const rule of model.rules) rules.set(rule.id, rule);
  for (const [variable, value] of model.values) values.set(variable, value);
  releases.push({
    name: `${scope} ${last}`,
    series: `${scope} ${last}`,
    cells: model.cells,
    published: new Map(model.cells.map((cell) => [cell.cell, publishedCount(cell.trueValue)])),
    groups: model.groups,
  });
}
const floor = performance.now() - started;
const audit = await auditReleases({ releases, rules: [...rules.values()], values });
process.stdout.write(
  `${JSON.stringify({
    sites: siteCount,
    floor,
    audit: audit.milliseconds,
    quantities: audit.rows.length,
    lps: audit.lps,
    unknowns: values.size,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
