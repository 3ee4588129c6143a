/**
 * The build step that compiles the reference data for a bundle:
 *   node --import tsx functions/src/reference/write-compiled-reference-data.ts OUT.json [TEMPLATES_DIR]
 * A file that fails its checks fails the build, with the same list of
 * problems the CLI would print.
 */
import { writeFileSync } from 'node:fs';
import { ReferenceDataError } from '../errors.js';
import { compileReferenceData } from './compiled-reference-data.js';

const [out, templatesDir] = process.argv.slice(2);
if (!out) {
  process.stderr.write('usage: write-compiled-reference-data.ts OUT.json [TEMPLATES_DIR]\n');
  process.exit(2);
}
try {
  writeFileSync(out, JSON.stringify(compileReferenceData(templatesDir ? { templatesDir } : {})));
} catch (error) {
  if (!(error instanceof ReferenceDataError)) throw error;
  process.stderr.write(`The reference data cannot be compiled: ${error.message}\n`);
  process.exit(1);
}
