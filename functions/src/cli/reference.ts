import { loadReferenceData, type ReferenceData } from '../reference/reference-data.js';

/**
 * The reference data the CLI works with: the checkout's templates/ folder, or
 * another one named by RETURNS_TEMPLATES_DIR (a funder's own copy, or a test's).
 */
export function cliReferenceData(): ReferenceData {
  const templatesDir = process.env.RETURNS_TEMPLATES_DIR;
  return loadReferenceData(templatesDir ? { templatesDir } : {});
}
