/**
 * CSV for people who open it in a spreadsheet. A cell that starts with = + - @
 * (or a tab or carriage return) is a formula to Excel, so text from returns
 * that starts that way is prefixed with an apostrophe, as OWASP advises for
 * CSV injection; numbers are written as numbers.
 */
export function toCsv(headings: readonly string[], rows: Iterable<ReadonlyArray<string | number>>): string {
  const lines = [headings.map(csvCell).join(',')];
  for (const row of rows) lines.push(row.map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function csvCell(value: string | number): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
