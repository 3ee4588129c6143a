/**
 * The reference files under templates/: dictionaries, site registry, reporting
 * programme calendar and benchmarks, loaded and checked together at start-up.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DictionaryRegistry } from '../dictionary/dictionary-registry.js';
import { Benchmarks } from '../programme/benchmarks.js';
import { Programme } from '../programme/programme.js';
import { SiteRegistry } from '../programme/sites.js';

export interface ReferenceData {
  readonly dictionaries: DictionaryRegistry;
  readonly sites: SiteRegistry;
  readonly programme: Programme;
  readonly benchmarks: Benchmarks;
}

/** The repository's templates/ folder. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../../templates/', import.meta.url));

export interface ReferenceDataOptions {
  /** Folder holding dictionaries/, sites.yaml and programme.yaml. */
  readonly templatesDir?: string;
  /** Further dictionary folders, such as a test-only next-year version. */
  readonly extraDictionaryDirs?: readonly string[];
  /** The portal's address, where the runtime knows it (PORTAL_URL): wins over programme.yaml. */
  readonly portalUrl?: string;
}

export function loadReferenceData(options: ReferenceDataOptions = {}): ReferenceData {
  const dir = options.templatesDir ?? TEMPLATES_DIR;
  const dictionaries = DictionaryRegistry.load([
    join(dir, 'dictionaries'),
    ...(options.extraDictionaryDirs ?? []),
  ]);
  return {
    dictionaries,
    sites: SiteRegistry.load(join(dir, 'sites.yaml')),
    programme: Programme.load(join(dir, 'programme.yaml')).withPortalUrl(options.portalUrl),
    benchmarks: Benchmarks.load(
      join(dir, 'benchmarks', 'england.yaml'),
      new Set(
        dictionaries.versions.flatMap((dictionary) => dictionary.indicators.map((indicator) => indicator.id)),
      ),
    ),
  };
}
