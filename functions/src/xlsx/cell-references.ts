/**
 * A1 cell references: Excel's grid, its column letters and their numbers. The
 * one place they are computed, for the reader, the dictionary's name checks
 * and every writer (a column past Z is `AA`, not `[`).
 */

export const EXCEL_MAX_ROW = 1_048_576;
export const EXCEL_MAX_COLUMN = 16_384;

/** `A` → 1, `xfd` → 16384 (either case). */
export function columnNumber(letters: string): number {
  let column = 0;
  for (let index = 0; index < letters.length; index++)
    column = column * 26 + ((letters.charCodeAt(index) | 32) - 96);
  return column;
}

/** 1 → `A`, 27 → `AA`, 16384 → `XFD`. */
export function columnLetters(column: number): string {
  let n = column;
  let letters = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    letters = String.fromCharCode(65 + rem) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

/** `C12` → { row: 12, column: 3 }, or undefined outside Excel's grid. */
export function parseCellRef(ref: string): { row: number; column: number } | undefined {
  let index = 0;
  let column = 0;
  for (; index < ref.length && index < 4; index++) {
    const code = ref.charCodeAt(index) | 32;
    if (code < 97 || code > 122) break;
    column = column * 26 + (code - 96);
  }
  if (index === 0 || column > EXCEL_MAX_COLUMN) return undefined;
  const row = Number(ref.slice(index));
  if (!Number.isInteger(row) || row < 1 || row > EXCEL_MAX_ROW || ref.length - index > 7) return undefined;
  return { row, column };
}
