/**
 * What a site does when it cannot report a required figure (agreed with the
 * partnerships in December 2026). One sentence, said in the same words
 * wherever a grant holder meets it: the template's Instructions sheet, the
 * "N/A" and missing-figure messages, the explanations table and the emails.
 */

/** The choice in the explanations table's first column for an item that cannot be reported. */
export const CANNOT_REPORT_LABEL = 'Cannot report this item this quarter';

/** The choice in the explanations table's item column for every item a warning is about. */
export const ALL_ITEMS_LABEL = 'All items (for this rule)';

/** The policy itself, as one sentence. */
export const CANNOT_REPORT_POLICY = `If you cannot report a figure this quarter, leave its cell blank and add a row to the explanations table choosing “${CANNOT_REPORT_LABEL}”, the item and why: the return is then accepted with a warning, and the figure is shown as not reported, never as zero.`;
