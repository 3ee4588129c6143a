/**
 * The function bundles as esbuild leaves them in the cloud assembly: built
 * from the handler modules the local stack also runs, without exceljs in the
 * validator, carrying the reference files, and loadable by Node as they are.
 * The bundle's source map lists every source file that contributed code, so
 * it is the inventory these tests read.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadReferenceData } from '../../functions/src/reference/reference-data.js';
import { REPOSITORY_ROOT } from '../../infra/constructs/returns-function.js';
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

  it('carries the reference files at TEMPLATES_DIR, and they load', () => {
    const reference = loadReferenceData({ templatesDir: join(dir, 'templates') });
    expect(reference.sites.find('BLK')).toBeDefined();
    expect(statSync(join(dir, 'templates', 'dictionaries')).isDirectory()).toBe(true);
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
      TEMPLATES_DIR: join(dir, 'templates'),
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
        '--enable-source-maps',
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
