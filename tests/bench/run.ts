/**
 * `npm run bench`: the speed and memory figures the issues set targets for,
 * each beside a floor measured in the same run on this machine, as a ratio.
 * Figures, never assertions: these machines are shared and noisy.
 *
 * Each measurement runs in a fresh process (tests/bench/measure.ts), so the
 * first-run time is what a cold Lambda or a one-off command sees and the peak
 * memory is that file's own. Cold starts (the CLI, the real Lambda bundles) are
 * in tests/bench/cold-start.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { TEMPLATES_DIR } from '../../functions/src/reference/reference-data.js';
import { makeHostileCases } from '../fixtures/hostile-workbooks.js';
import { filledReturn, validValues } from '../support/returns.js';
import { measureBundles, measureCliColdStart } from './cold-start.js';
import { withPastedSheet, withWholeColumnValidation } from './fixtures.js';

interface Measurement {
  first: number;
  median: number;
  floor?: number;
  cells: number;
  status: string;
  codes: string[];
  maxRssMb: number;
}

// `npm run bench -- load`: the deadline-day burst on the local stack (tests/bench/load.ts), on its own.
if (process.argv.includes('load')) {
  await (await import('./load.js')).runLoadBench(process.argv.slice(2));
  process.exit(0);
}

const folder = mkdtempSync(join(tmpdir(), 'bench-'));
/** Bundles a measuring script, so it runs under plain node as a Lambda bundle would. */
async function bundleScript(name: string): Promise<string> {
  const outfile = join(folder, `${name}.mjs`);
  await build({
    entryPoints: [join(import.meta.dirname, `${name}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return outfile;
}
const measurer = await bundleScript('measure');
const measure = (name: string, bytes: Buffer, runs: number, floor = true): Measurement & { wall: number } => {
  const file = join(folder, `${name}.xlsx`);
  writeFileSync(file, bytes);
  const started = performance.now();
  const output = execFileSync(
    process.execPath,
    [measurer, file, TEMPLATES_DIR, '--runs', String(runs), ...(floor ? ['--floor'] : [])],
    { encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  return { ...(JSON.parse(output) as Measurement), wall: performance.now() - started };
};
const ms = (value: number | undefined) =>
  value === undefined ? '—' : value < 10 ? value.toFixed(2) : value.toFixed(0);
const pad = (text: string, width: number) => text.padStart(width);

try {
  const filled = await filledReturn(validValues());
  console.log(
    'Parse + validate (each in a fresh process; median of warm runs; floor = inflate every part + indexOf over <c>)\n',
  );
  console.log(
    ['workbook', 'cells', 'first ms', 'median ms', 'floor ms', 'x floor', 'cells/s', 'peak MB', 'result']
      .map((h, i) => (i === 0 ? h.padEnd(34) : pad(h, 10)))
      .join(''),
  );
  const rows: Array<[string, Buffer, number]> = [
    ['filled 2025-26 return', filled, 200],
    ['return + 3k pasted cells', withPastedSheet(filled, 3_000), 200],
    ['return + 50k pasted cells', withPastedSheet(filled, 50_000), 30],
    ['return + 1M pasted cells', withPastedSheet(filled, 1_000_000), 5],
    ['return + whole-column validation', withWholeColumnValidation(filled), 200],
  ];
  const results = new Map<string, Measurement>();
  for (const [name, bytes, runs] of rows) {
    // Speed from many runs in one process; first-run time and peak memory from a process that validates once.
    const once = measure(name.replace(/\W+/g, '-'), bytes, 1, false);
    const result = {
      ...measure(name.replace(/\W+/g, '-'), bytes, runs),
      first: once.first,
      maxRssMb: once.maxRssMb,
    };
    results.set(name, result);
    console.log(
      [
        name.padEnd(34),
        pad(result.cells.toLocaleString('en-GB'), 10),
        pad(ms(result.first), 10),
        pad(ms(result.median), 10),
        pad(ms(result.floor), 10),
        pad(result.floor ? (result.median / result.floor).toFixed(1) : '—', 10),
        pad(Math.round(result.cells / (result.median / 1000)).toLocaleString('en-GB'), 10),
        pad(result.maxRssMb.toFixed(0), 10),
        pad(result.status, 10),
      ].join(''),
    );
  }
  const base = results.get('filled 2025-26 return');
  const dv = results.get('return + whole-column validation');
  if (base && dv)
    console.log(`\nWhole-column validation adds ${ms(dv.median - base.median)} ms (median against median).`);
  console.log(
    'Targets: 3k-cell return ≤ 5 ms warm, ≤ 20 ms first run; 1M cells ≤ 1 s and ≤ 200 MB; whole-column validations ≤ 10 ms.',
  );
  console.log(
    'Peak memory includes Node itself and the loaded reference data: compare the "empty" row below, which reads nothing.',
  );

  console.log(
    '\nHostile files (fresh process each; targets: under 5 s and 300 MB; every one refused or, for declared ranges Excel writes, read as clean)\n',
  );
  console.log(
    ['file', 'bytes', 'validate ms', 'process ms', 'peak MB', 'finding']
      .map((h, i) => (i === 0 ? h.padEnd(24) : i === 5 ? `  ${h}` : pad(h, 12)))
      .join(''),
  );
  for (const hostile of makeHostileCases({ sheet: 'How much' })) {
    const bytes = await hostile.build(filled);
    const result = measure(`hostile-${hostile.name}`, bytes, 1, false);
    console.log(
      [
        hostile.name.padEnd(24),
        pad(bytes.length.toLocaleString('en-GB'), 12),
        pad(ms(result.first), 12),
        pad(ms(result.wall), 12),
        pad(result.maxRssMb.toFixed(0), 12),
        `  ${result.codes[0] ?? result.status}`,
      ].join(''),
    );
  }

  const aggregator = await bundleScript('aggregate-measure');
  const runAggregation = (runs: number) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        ['--no-deprecation', aggregator, TEMPLATES_DIR, '--runs', String(runs)],
        {
          encoding: 'utf8',
          env: { ...process.env, NODE_OPTIONS: '' },
        },
      ),
    ) as {
      first: number;
      median: number;
      bytes: number;
      returns: number;
      inputRssMb: number;
      maxRssMb: number;
    };
  const aggregationOnce = runAggregation(1);
  const aggregation = runAggregation(3);
  console.log(
    '\nAggregate 200 sites × 8 quarters (1,600 synthetic returns) and write the programme workbook',
  );
  console.log(
    `  median ${ms(aggregation.median)} ms over 3 runs, first run ${ms(aggregationOnce.first)} ms; workbook ${(aggregation.bytes / 1024 / 1024).toFixed(1)} MB; ` +
      `peak ${aggregationOnce.maxRssMb.toFixed(0)} MB, of which ${aggregationOnce.inputRssMb.toFixed(0)} MB was held before aggregating (Node, reference data, the returns)`,
  );
  console.log('  Targets: ≤ 2 s and ≤ 300 MB.');

  console.log('\nDisclosure audit (HiGHS LP), the four quarter releases and the year to date together');
  for (const sites of [5, 200]) {
    const script = join(import.meta.dirname, 'audit-measure.ts');
    const run = JSON.parse(
      execFileSync(process.execPath, ['--no-deprecation', '--import', 'tsx', script, String(sites)], {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
      }),
    ) as {
      audit: number;
      floor: number;
      quantities: number;
      lps: number;
      unknowns: number;
      maxRssMb: number;
    };
    console.log(
      `  ${sites} sites × 4 quarters: ${ms(run.audit)} ms for ${run.quantities} protected quantities (${run.lps} LPs over ${run.unknowns} unknowns), ` +
        `${(run.audit / run.floor).toFixed(1)}× building the releases' models (${ms(run.floor)} ms); peak ${run.maxRssMb.toFixed(0)} MB`,
    );
  }

  // The portal's preview-then-confirm, as staff publish from /staff/releases (API Gateway answers at 30 s).
  const publishing = JSON.parse(
    execFileSync(
      process.execPath,
      ['--no-deprecation', '--import', 'tsx', join(import.meta.dirname, 'publish-measure.ts')],
      { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
    ),
  ) as {
    yearPreview: number;
    yearConfirm: number;
    yearQuantities: number;
    slowestPreview: number;
    first: number;
    floor: number;
    maxRssMb: number;
  };
  console.log('\nPublishing from the portal, 5 sites × 4 quarters: each quarter, then the year to date');
  console.log(
    `  year to date: preview ${ms(publishing.yearPreview)} ms (${publishing.yearQuantities} protected quantities), confirm ${ms(publishing.yearConfirm)} ms; ` +
      `${(publishing.yearPreview / publishing.floor).toFixed(0)}× summarising the year (${ms(publishing.floor)} ms); slowest preview ${ms(publishing.slowestPreview)} ms; ` +
      `first preview and confirm in a process ${ms(publishing.first)} ms (HiGHS and exceljs loading); peak ${publishing.maxRssMb.toFixed(0)} MB`,
  );
  console.log("  Target: well inside API Gateway's 30 s.");

  const returnFile = join(folder, 'cold-start-return.xlsx');
  writeFileSync(returnFile, filled);
  measureCliColdStart(returnFile);
  measureBundles(folder);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
