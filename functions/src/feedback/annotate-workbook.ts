/**
 * The public entry of the annotated copy, where its callers (receiving an
 * upload, the `returns validate` command) have always found it. The work is
 * in ./annotate/, one file per seam of the workbook it edits.
 */
export {
  type AnnotateOptions,
  annotateWorkbook,
  FEEDBACK_SHEET_NAME,
  HIGHLIGHT_COLOURS,
  MAX_NOTE_LENGTH,
  NOTE_AUTHOR,
  NOTE_HEADING,
  resultSentence,
} from './annotate/annotate-workbook.js';
