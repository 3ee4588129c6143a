/**
 * Reference data compiled once and read back without parsing or checking: it
 * must be the same reference data the YAML gives, a cache of it must never
 * hide a changed file, and the runtime entry reads whichever it is given.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Dictionary } from '../../functions/src/dictionary/load-dictionary.js';
import { ReferenceDataError } from '../../functions/src/errors.js';
import { type Period, parsePeriod } from '../../functions/src/programme/periods.js';
import {
  compileReferenceData,
  loadReferenceDataThroughCache,
  referenceDataFromCompiled,
} from '../../functions/src/reference/compiled-reference-data.js';
import { loadReferenceData, TEMPLATES_DIR } from '../../functions/src/reference/reference-data.js';
import { loadRuntimeReferenceData } from '../../functions/src/reference/runtime-reference-data.js';

const folder = mkdtempSync(join(tmpdir(), 'compiled-reference-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.RETURNS_COMPILED_REFERENCE;
});

/** What a dictionary holds, without its lookup functions (which differ by identity only). */
function contents(dictionary: Dictionary) {
  const { item, table, rule, itemsOfType, file, ...rest } = dictionary;
  return { ...rest, codeLists: [...dictionary.codeLists.entries()] };
}

describe('compiled reference data', () => {
  it('gives the same reference data as the YAML read and checked, through JSON', () => {
    const fromYaml = loadReferenceData();
    const compiled = JSON.parse(JSON.stringify(compileReferenceData()));
    const fromCompiled = referenceDataFromCompiled(compiled);

    expect(fromCompiled.dictionaries.versions.map(contents)).toEqual(
      fromYaml.dictionaries.versions.map(contents),
    );
    const dictionary = fromCompiled.dictionaries.get('2025-26');
    expect(dictionary.item('BF.DUE')?.sectionSpec).toBe(
      dictionary.sections.find((s) => s.id === dictionary.item('BF.DUE')?.section),
    );
    expect(dictionary.rule('R07')?.severity).toBe('error');
    expect(fromCompiled.sites.sites).toEqual(fromYaml.sites.sites);
    expect(fromCompiled.programme.settings).toEqual(fromYaml.programme.settings);
    const q2 = (parsePeriod('2025-26-Q2') as { period: Period }).period;
    expect(fromCompiled.programme.includes(q2)).toBe(true);
    expect(fromCompiled.benchmarks.entries).toEqual(fromYaml.benchmarks.entries);
    expect(compiled.dictionaries[0].file).toBe('templates/dictionaries/2025-26.yaml');
  });

  it('refuses data in a format it does not know', () => {
    const compiled = { ...compileReferenceData(), format: 'monitoring-returns/reference-data@0' };
    expect(() => referenceDataFromCompiled(compiled as never)).toThrow(/reference-data@0/);
  });

  it('is read by the runtime entry when one is named, and the YAML is read otherwise', () => {
    const file = join(folder, 'reference-data.json');
    const compiled = compileReferenceData();
    writeFileSync(file, JSON.stringify({ ...compiled, sites: compiled.sites.slice(0, 1) }));
    process.env.RETURNS_COMPILED_REFERENCE = file;
    expect(loadRuntimeReferenceData().sites.sites.map((site) => site.code)).toEqual(['BLK']);
    delete process.env.RETURNS_COMPILED_REFERENCE;
    expect(loadRuntimeReferenceData().sites.sites).toHaveLength(5);
  });
});

describe('the reference data cache', () => {
  it('keeps what it checked, and checks a changed file again', () => {
    const templates = join(folder, 'templates');
    const cache = join(folder, 'cache');
    cpSync(TEMPLATES_DIR, templates, { recursive: true });

    const first = loadReferenceDataThroughCache({ templatesDir: templates }, cache);
    expect(readdirSync(cache)).toHaveLength(1);
    const again = loadReferenceDataThroughCache({ templatesDir: templates }, cache);
    expect(again.sites.sites).toEqual(first.sites.sites);
    expect(readdirSync(cache)).toHaveLength(1);

    const sites = join(templates, 'sites.yaml');
    writeFileSync(sites, readFileSync(sites, 'utf8').replace('code: BLK', 'code: blk'));
    expect(() => loadReferenceDataThroughCache({ templatesDir: templates }, cache)).toThrow(
      ReferenceDataError,
    );
    // Nothing kept for a file that failed its check.
    expect(readdirSync(cache)).toHaveLength(1);
  });
});
