/**
 * The reference data compiled: the YAML files parsed and checked once, at
 * build time, and kept as the plain data their schemas produced. A Lambda
 * bundle carries this instead of the YAML and pays neither the parser nor the
 * checks at cold start (together about a quarter of a second, cold); the CLI,
 * the local stack and the tests still read and check the YAML each time.
 *
 * input: templates/ → output: CompiledReferenceData (JSON) → ReferenceData
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { DictionaryRegistry } from '../dictionary/dictionary-registry.js';
import { assemble } from '../dictionary/load-dictionary.js';
import { type DictionaryFile, dictionaryFileSchema } from '../dictionary/schema.js';
import { type Benchmark, Benchmarks } from '../programme/benchmarks.js';
import { Programme } from '../programme/programme.js';
import { readYamlFile } from '../programme/reference-file.js';
import { type Site, SiteRegistry } from '../programme/sites.js';
import {
  loadReferenceData,
  type ReferenceData,
  type ReferenceDataOptions,
  TEMPLATES_DIR,
} from './reference-data.js';

/** Bumped when the shape changes, so a bundle never reads data it cannot understand. */
export const COMPILED_FORMAT = 'monitoring-returns/reference-data@1';

export interface CompiledReferenceData {
  readonly format: typeof COMPILED_FORMAT;
  readonly dictionaries: ReadonlyArray<{ readonly file: string; readonly spec: DictionaryFile }>;
  readonly sites: readonly Site[];
  readonly programme: Programme['settings'];
  readonly benchmarks: readonly Benchmark[];
}

/**
 * Reads and checks every reference file exactly as loadReferenceData does (so a
 * broken file fails the build with the usual path-and-message list), then keeps
 * what the checks produced.
 */
export function compileReferenceData(options: ReferenceDataOptions = {}): CompiledReferenceData {
  const reference = loadReferenceData(options);
  // Named from the folder above templates/, so the same files compile to the same bytes on any machine.
  const base = dirname(options.templatesDir ?? TEMPLATES_DIR);
  return {
    format: COMPILED_FORMAT,
    // The file passed its schema and cross-checks a moment ago; this is its checked output again.
    dictionaries: reference.dictionaries.versions.map((dictionary) => ({
      file: relative(base, dictionary.file),
      spec: dictionaryFileSchema.parse(readYamlFile(dictionary.file)),
    })),
    sites: reference.sites.sites,
    programme: reference.programme.settings,
    benchmarks: reference.benchmarks.entries,
  };
}

/** The same ReferenceData loadReferenceData gives, from compiled data, with no parsing or checking. */
export function referenceDataFromCompiled(compiled: CompiledReferenceData): ReferenceData {
  if (compiled.format !== COMPILED_FORMAT) {
    throw new Error(
      `compiled reference data is ${String(compiled.format)}; this code reads ${COMPILED_FORMAT}`,
    );
  }
  return {
    dictionaries: new DictionaryRegistry(compiled.dictionaries.map(({ file, spec }) => assemble(file, spec))),
    sites: new SiteRegistry(compiled.sites),
    programme: new Programme(compiled.programme),
    benchmarks: new Benchmarks(compiled.benchmarks),
  };
}

/**
 * loadReferenceData with a memory: the checked result is kept in `cacheDir`
 * under a digest of every reference file's name and bytes, so a command run
 * again on the same files skips parsing and checking them (most of a fresh
 * `returns validate`). Any change to a file, or a new file, makes a new digest
 * and a full check; a file that fails its check is never kept. The cache
 * belongs to the code that wrote it: bin/returns.js keeps it beside the CLI
 * bundle, which is rebuilt (and the cache emptied) whenever a source changes.
 */
export function loadReferenceDataThroughCache(
  options: ReferenceDataOptions,
  cacheDir: string,
): ReferenceData {
  const digest = referenceDigest(options);
  const cached = join(cacheDir, `${digest}.json`);
  try {
    return referenceDataFromCompiled(JSON.parse(readFileSync(cached, 'utf8')) as CompiledReferenceData);
  } catch {
    // Not there yet (or unreadable): read and check the files as loadReferenceData does.
  }
  const compiled = compileReferenceData(options);
  try {
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${cached}.${process.pid}`;
    writeFileSync(partial, JSON.stringify(compiled));
    renameSync(partial, cached);
  } catch {
    // A cache that cannot be written only costs the next run its speed.
  }
  return referenceDataFromCompiled(compiled);
}

/** The files loadReferenceData reads, in the order it reads them, digested with their names. */
function referenceDigest(options: ReferenceDataOptions): string {
  const dir = options.templatesDir ?? TEMPLATES_DIR;
  const files = [join(dir, 'dictionaries'), ...(options.extraDictionaryDirs ?? [])].flatMap((folder) =>
    readdirSync(folder)
      .filter((name) => name.endsWith('.yaml'))
      .sort()
      .map((name) => join(folder, name)),
  );
  files.push(join(dir, 'sites.yaml'), join(dir, 'programme.yaml'), join(dir, 'benchmarks', 'england.yaml'));
  const hash = createHash('sha256').update(COMPILED_FORMAT);
  for (const file of files) hash.update(`\0${file}\0`).update(readFileSync(file));
  return hash.digest('hex').slice(0, 32);
}
