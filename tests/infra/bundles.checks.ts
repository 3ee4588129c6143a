/**
 * The function bundles as esbuild leaves them in the cloud assembly: built
 * from the handler modules the local stack also runs, without exceljs in the
 * validator, carrying the reference data compiled rather than the YAML and its
 * parser, without the packages the functions never use (BUNDLE_ALIASES), and
 * loadable by Node as they are. The bundle's source map lists every source
 * file that contributed code, so it is the inventory these tests read.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preflight } from '../../functions/src/reading/preflight.js';
import {
  compileReferenceData,
  referenceDataFromCompiled,
} from '../../functions/src/reference/compiled-reference-data.js';
import { loadReferenceData } from '../../functions/src/reference/reference-data.js';
import {
  BUNDLE_ALIASES,
  BUNDLE_DEFINE,
  BUNDLE_INJECT,
  COMPILED_REFERENCE_FILE,
  CREATE_REQUIRE_BANNER,
  REPOSITORY_ROOT,
} from '../../infra/constructs/returns-function.js';
import { HANDLER_ENTRIES } from '../../infra/stacks/processing-stack.js';
import { type Synthesized, synthesized } from './synth.js';

let app: Synthesized;

beforeAll(() => {
  app = synthesized();
});

const functions = {
  validator: () => app.processing.validator,
  aggregator: () => app.processing.aggregator,
} as const;

/** Absolute paths of the files the bundle was built from. */
function bundledSources(dir: string): string[] {
  const map = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as { sources: string[] };
  return map.sources.map((source) => resolve(dir, source));
}

const packagesIn = (sources: string[]) =>
  new Set(sources.flatMap((s) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(s)?.[1] ?? []));

describe.each(['validator', 'aggregator'] as const)('the %s bundle', (name) => {
  let dir: string;
  beforeAll(() => {
    dir = app.assetDir(functions[name]().function);
  });

  it('is built from its handler entry point', () => {
    expect(functions[name]().entry).toBe(HANDLER_ENTRIES[name]);
    expect(bundledSources(dir)).toContain(join(REPOSITORY_ROOT, HANDLER_ENTRIES[name]));
  });

  it('carries the reference data compiled, equal to the YAML read and checked, and not the YAML itself', () => {
    const compiled = JSON.parse(readFileSync(join(dir, COMPILED_REFERENCE_FILE), 'utf8'));
    const fromBundle = referenceDataFromCompiled(compiled);
    const fromYaml = loadReferenceData();
    expect(fromBundle.sites.sites).toEqual(fromYaml.sites.sites);
    expect(fromBundle.programme.settings).toEqual(fromYaml.programme.settings);
    expect(fromBundle.benchmarks.entries).toEqual(fromYaml.benchmarks.entries);
    expect(fromBundle.dictionaries.versions.map((d) => d.version)).toEqual(
      fromYaml.dictionaries.versions.map((d) => d.version),
    );
    expect(existsSync(join(dir, 'templates'))).toBe(false);
  });

  it('leaves out the YAML parser, zod’s translations and the packages only readers use', () => {
    const sources = bundledSources(dir);
    const packages = packagesIn(sources);
    for (const name of Object.keys(BUNDLE_ALIASES)) expect(packages, name).not.toContain(name);
    for (const name of ['bluebird', 'fstream', 'big-integer', '@aws-sdk/nested-clients'])
      expect(packages, name).not.toContain(name);
    const locales = sources.filter((source) => /node_modules\/zod\/.*\/locales\//.test(source));
    expect(locales.map((source) => source.replace(/.*\/locales\//, ''))).toEqual(['en.js']);
  });

  it('bundles the AWS SDK it was tested with rather than relying on the runtime copy', () => {
    expect(packagesIn(bundledSources(dir))).toContain('@aws-sdk/client-s3');
  });

  it('loads in Node as an ES module and exports the handler', () => {
    const environment: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'eu-west-2',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      BUCKET_NAME: 'returns-bucket',
      TABLE_NAME: 'returns-table',
      // Not read: the bundle carries compiled reference data, so a folder that does not exist is fine.
      TEMPLATES_DIR: join(dir, 'no-such-folder'),
      ...(name === 'validator'
        ? {
            SENDER_EMAIL: 'returns@example.org',
            RETURN_ACCEPTED_QUEUE_URL: 'https://sqs.eu-west-2.amazonaws.com/123456789012/accepted.fifo',
          }
        : {}),
    };
    const url = pathToFileURL(join(dir, 'index.mjs')).href;
    const output = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(url)}); console.log(typeof m.handler);`,
      ],
      { env: environment, encoding: 'utf8', timeout: 30_000 },
    );
    expect(output.trim()).toBe('function');
  });
});

describe('what the validator bundle holds', () => {
  it('wraps the handler chain the local stack runs', () => {
    const localStack = readFileSync(join(REPOSITORY_ROOT, 'functions/src/local/local-stack.ts'), 'utf8');
    expect(localStack).toContain("from '../handlers/validate-return-handler.js'");
    expect(bundledSources(app.assetDir(app.processing.validator.function))).toContain(
      join(REPOSITORY_ROOT, 'functions/src/handlers/validate-return-handler.ts'),
    );
  });

  it('does not carry exceljs, which only writes templates and summaries', () => {
    const sources = bundledSources(app.assetDir(app.processing.validator.function));
    const excel = sources.filter((s) => s.includes('node_modules/exceljs/'));
    expect(excel).toEqual([]);
    // exceljs's own dependencies would betray it too.
    expect(
      [...packagesIn(sources)].filter((p) => ['jszip', 'unzipper', 'archiver', 'fast-csv'].includes(p)),
    ).toEqual([]);
  });

  it('the aggregator does carry exceljs (so the check above can see it)', () => {
    const sources = bundledSources(app.assetDir(app.processing.aggregator.function));
    expect(packagesIn(sources)).toContain('exceljs');
  });
});

describe('a bundle built as the functions are', () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'returns-bundle-'));
  });
  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('still writes both summary workbooks without the stubbed packages, and maps a stack trace to the sources', async () => {
    const outfile = join(folder, 'index.mjs');
    await build({
      entryPoints: [join(REPOSITORY_ROOT, 'tests/infra/fixtures/write-summaries-entry.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      mainFields: ['module', 'main'],
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      banner: { js: CREATE_REQUIRE_BANNER },
      inject: BUNDLE_INJECT,
      define: BUNDLE_DEFINE,
      alias: BUNDLE_ALIASES,
      logLevel: 'error',
    });
    writeFileSync(join(folder, COMPILED_REFERENCE_FILE), JSON.stringify(compileReferenceData()));
    // The disclosure audit's solver loads its WebAssembly from beside the bundle, as a function that
    // publishes must carry it (ReturnsFunction's bundledFiles).
    copyFileSync(join(REPOSITORY_ROOT, 'node_modules/highs/build/highs.wasm'), join(folder, 'highs.wasm'));

    const sizes = JSON.parse(
      execFileSync(process.execPath, [outfile], { encoding: 'utf8', timeout: 60_000 }).trim(),
    ) as Record<string, number>;
    expect(sizes.programme).toBeGreaterThan(10_000);
    for (const name of ['programme', 'published']) {
      // Our own bounded reader opens them: a whole zip, with the parts a workbook has.
      const zip = await preflight(readFileSync(join(folder, `${name}.xlsx`)));
      expect(zip.has('xl/workbook.xml'), name).toBe(true);
    }

    // An error thrown inside the bundle, its stack read: the frames name the TypeScript sources.
    rmSync(join(folder, COMPILED_REFERENCE_FILE));
    const trace = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `try { await import(${JSON.stringify(pathToFileURL(outfile).href)}); } catch (error) { console.log(error.stack); }`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(trace).toMatch(/functions\/src\/reference\/runtime-reference-data\.ts:\d+:\d+/);
  });
});
