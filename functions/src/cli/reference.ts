import { loadReferenceDataThroughCache } from '../reference/compiled-reference-data.js';
import { loadReferenceData, type ReferenceData } from '../reference/reference-data.js';

/**
 * The reference data the CLI works with: the checkout's templates/ folder, or
 * another one named by RETURNS_TEMPLATES_DIR (a funder's own copy, or a test's),
 * read and checked. bin/returns.js names a cache in RETURNS_REFERENCE_CACHE, so
 * files already checked unchanged are not parsed and checked again.
 */
export function cliReferenceData(): ReferenceData {
  const templatesDir = process.env.RETURNS_TEMPLATES_DIR;
  const options = templatesDir ? { templatesDir } : {};
  const cache = process.env.RETURNS_REFERENCE_CACHE;
  return cache ? loadReferenceDataThroughCache(options, cache) : loadReferenceData(options);
}
