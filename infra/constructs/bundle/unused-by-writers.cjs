/**
 * Stands in, inside the Lambda bundles, for packages that exceljs and archiver
 * load but use only to READ workbooks or to zip files from disk (the list and
 * the reasons are in infra/constructs/returns-function.ts, BUNDLE_ALIASES). The
 * functions only write workbooks, from memory, so loading these at every cold
 * start is waste. Requiring the stub is harmless; using it throws, naming why.
 */
const refuse = () => {
  throw new Error(
    "This Lambda bundle only writes workbooks: exceljs's reader and archiver's file and tar support were left out (BUNDLE_ALIASES in infra/constructs/returns-function.ts). Read uploads with functions/src/reading.",
  );
};
// exceljs's reader calls tmp.setGracefulCleanup() as it loads; with no temporary files there is nothing to clean.
const harmless = new Set(['setGracefulCleanup']);
module.exports = new Proxy(refuse, {
  get: (_target, key) => (key === '__esModule' ? false : harmless.has(key) ? () => {} : refuse),
  apply: refuse,
  construct: refuse,
});
