/**
 * Stands in for the `yaml` package inside the Lambda bundles (an esbuild alias
 * in infra/constructs/returns-function.ts). They carry the reference data
 * compiled and checked at bundle time, so a YAML parse there is a mistake that
 * deserves a clear message, not 113 KB of parser loaded at every cold start.
 */
export function parseDocument(): never {
  throw new Error(
    'This Lambda bundle has no YAML parser: it carries compiled reference data (RETURNS_COMPILED_REFERENCE). Load it with loadRuntimeReferenceData.',
  );
}
