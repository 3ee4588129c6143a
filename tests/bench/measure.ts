/**
 * One measurement in this process, printed as JSON: how long parsing and
 * validating a file takes (median of warm runs, and the first, cold run), its
 * floor (inflating every part and finding the `<c` elements with indexOf), and
 * this process's peak resident memory.
 *
 *   node measure.mjs FILE TEMPLATES_DIR [--runs N] [--floor]
 *
 * run.ts bundles this file with esbuild and runs it with plain node, as a
 * Lambda runs its bundle, so neither the TypeScript loader's time nor its
 * memory is counted.
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { loadReferenceData } from '../../functions/src/reference/reference-data.js';
import { validateReturn } from '../../functions/src/validation/validate-return.js';

const [file, templatesDir, ...flags] = process.argv.slice(2);
const runs = Number(flags[flags.indexOf('--runs') + 1] ?? 1) || 1;
const bytes = readFileSync(file as string);
const reference = loadReferenceData({ templatesDir: templatesDir as string });
const context = {
  dictionaries: reference.dictionaries,
  sites: reference.sites,
  programme: reference.programme,
  expectedSite: 'BLK',
  now: new Date('2026-02-15T10:00:00Z'),
};

const times: number[] = [];
let status = '';
let codes: string[] = [];
for (let run = 0; run < runs; run++) {
  const start = performance.now();
  const report = await validateReturn(bytes, context);
  times.push(performance.now() - start);
  status = report.status;
  codes = report.findings.map((finding) => finding.code);
}

let floor: number[] = [];
let cells = 0;
if (flags.includes('--floor')) {
  const entries = await listEntries(bytes);
  for (let run = 0; run < Math.max(3, Math.min(runs, 50)); run++) {
    const start = performance.now();
    cells = 0;
    for (const entry of entries) {
      const data = bytes.subarray(entry.start, entry.start + entry.compressedSize);
      const text = (entry.method === 8 ? inflateRawSync(data) : data).toString('latin1');
      if (!entry.name.startsWith('xl/worksheets/')) continue;
      for (let at = text.indexOf('<c '); at >= 0; at = text.indexOf('<c ', at + 3)) cells++;
    }
    floor.push(performance.now() - start);
  }
} else {
  floor = [];
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
process.stdout.write(
  `${JSON.stringify({
    first: times[0],
    median: median(times.slice(runs > 1 ? 1 : 0)),
    floor: floor.length ? median(floor) : undefined,
    cells,
    status,
    codes: [...new Set(codes)].slice(0, 3),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);

function listEntries(
  zip: Buffer,
): Promise<Array<{ name: string; start: number; compressedSize: number; method: number }>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, archive) => {
      if (error || !archive) return reject(error);
      const entries: Array<{ name: string; start: number; compressedSize: number; method: number }> = [];
      archive.on('entry', (entry: yauzl.Entry) => {
        const offset = entry.relativeOffsetOfLocalHeader;
        const start = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28);
        entries.push({
          name: entry.fileName,
          start,
          compressedSize: entry.compressedSize,
          method: entry.compressionMethod,
        });
        archive.readEntry();
      });
      archive.on('end', () => resolve(entries));
      archive.readEntry();
    });
  });
}
