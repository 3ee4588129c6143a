/**
 * Writing text into the XML of a workbook part. One escaper for every writer
 * (the annotated copy, the summary workbooks), so a character XML 1.0 cannot
 * carry is dropped the same way everywhere.
 */

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding what XML 1.0 cannot carry is the point
const NEEDS_WORK = /[&<>"'\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing what XML 1.0 cannot carry is the point
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Text or an attribute value, escaped; characters XML 1.0 cannot carry are dropped. */
export function escapeXml(text: string): string {
  if (!NEEDS_WORK.test(text)) return text;
  return text
    .replace(XML_INVALID, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/**
 * Text for a cell's or a note's `<t>`: escaped, with CR dropped, and `_xHHHH_`
 * kept literal (OOXML reads it as an escaped character, so its `_` is escaped).
 */
export function escapeCellText(text: string): string {
  return escapeXml(text.replace(/\r\n?/g, '\n').replace(/_(x[0-9A-Fa-f]{4}_)/g, '_x005F_$1'));
}
