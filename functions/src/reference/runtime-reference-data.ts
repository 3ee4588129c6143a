/**
 * The reference data a runtime root starts with. In a Lambda bundle: the
 * compiled data it carries (infra/constructs/returns-function.ts compiles it
 * at bundle time, beside index.mjs, and defines RETURNS_COMPILED_REFERENCE as
 * its name), read with no YAML parser and no checks. Run from the sources (the
 * local stack, the tests): the YAML, read and checked as loadReferenceData does.
 */
import { readFileSync } from 'node:fs';
import { type CompiledReferenceData, referenceDataFromCompiled } from './compiled-reference-data.js';
import { loadReferenceData, type ReferenceData, type ReferenceDataOptions } from './reference-data.js';

export function loadRuntimeReferenceData(options: ReferenceDataOptions = {}): ReferenceData {
  // Replaced by a string literal when bundled (esbuild define), so the YAML branch drops out.
  const compiled = process.env.RETURNS_COMPILED_REFERENCE;
  if (!compiled) return loadReferenceData(options);
  const file = new URL(compiled, import.meta.url);
  const reference = referenceDataFromCompiled(
    JSON.parse(readFileSync(file, 'utf8')) as CompiledReferenceData,
  );
  return options.portalUrl
    ? { ...reference, programme: reference.programme.withPortalUrl(options.portalUrl) }
    : reference;
}

/** The reference data for a function's parsed settings: where the files are, and its portal's address. */
export function referenceForSettings(settings: {
  readonly TEMPLATES_DIR?: string | undefined;
  readonly PORTAL_URL?: string | undefined;
}): ReferenceData {
  return loadRuntimeReferenceData({
    ...(settings.TEMPLATES_DIR ? { templatesDir: settings.TEMPLATES_DIR } : {}),
    ...(settings.PORTAL_URL ? { portalUrl: settings.PORTAL_URL } : {}),
  });
}
