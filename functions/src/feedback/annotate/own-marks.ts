/**
 * What the annotation adds, and how it is recognised when the person sends
 * the annotated copy back (fixing the cells where they were marked is the
 * natural thing to do). Each mark is chosen to survive a re-save by Excel and
 * by LibreOffice, which renumber styles, rewrite drawings and (LibreOffice)
 * drop notes' authors and hidden flags:
 *
 * - highlights are conditional formatting rules whose formula names us;
 * - notes begin with the line `Return checker:` (as Excel heads a note with
 *   its author's name), or, merged into the person's own note, with a blank
 *   line and that line;
 * - the Feedback sheet carries a sheet-scoped defined name (names follow a
 *   sheet through renaming and moving, and LibreOffice keeps them).
 */

export type Severity = 'error' | 'warning';

/**
 * The highlight of each severity: a fill clearly apart from the template's
 * pale yellow input cells (FFF2CC) and from each other, and a border whose
 * line differs too, so the difference never rests on colour alone.
 */
export const HIGHLIGHT_COLOURS = { error: 'FFF4A3A3', warning: 'FFFFCB8F' } as const;
export const HIGHLIGHT_BORDERS = {
  error: { style: 'thin', rgb: 'FFC00000' },
  warning: { style: 'dashed', rgb: 'FFB45F06' },
} as const;
/** The template's input cells, for the legend. */
export const INPUT_COLOUR = 'FFFFF2CC';

/** The author of the notes the annotation adds (Excel shows it; LibreOffice drops it on saving). */
export const NOTE_AUTHOR = 'Return checker';
/** The first line of every note we write, and what we recognise a note of ours by. */
export const NOTE_HEADING = 'Return checker:';

/** The formula of our highlighting rules: always true, and saying whose it is to anyone who opens the rule. */
export function ownRuleFormula(severity: Severity): string {
  return `"Return checker: ${severity}"<>""`;
}
/** Our rules' formulas, as we wrote them or as a spreadsheet program wrote them back. */
export const OWN_RULE_FORMULA = /^\s*=?\s*"Return checker: (?:error|warning)"\s*<>\s*""\s*$/;

/** The sheet-scoped name that marks our Feedback sheet. */
export const FEEDBACK_MARKER_NAME = 'ReturnChecker.Feedback';
