/**
 * Excel's rules for defined names. Item IDs are the template's defined names
 * (the public contract that outside tools rely on), so an ID Excel would refuse,
 * or read as a cell reference, is caught when the dictionary is loaded.
 */
import { columnLetters, columnNumber } from '../xlsx/cell-references.js';

// The one implementation, re-exported where the dictionary's users have always found it.
export { columnLetters, columnNumber };

const NAME_PATTERN = /^[A-Za-z_\\][A-Za-z0-9_.\\]*$/;
const A1_REFERENCE = /^([A-Za-z]{1,3})(\d+)$/;
const R1C1_REFERENCE = /^[Rr](\d*)[Cc](\d*)$|^[RrCc]\d*$/;

/** Returns why a name is not a valid workbook-level defined name, or undefined when it is. */
export function definedNameProblem(name: string): string | undefined {
  if (name.length > 255) return 'is longer than the 255 characters Excel allows in a name';
  if (!NAME_PATTERN.test(name)) {
    return 'is not a valid Excel name: start with a letter or _, then use only letters, digits, _ and .';
  }
  const a1 = A1_REFERENCE.exec(name);
  if (a1 && columnNumber(a1[1] as string) <= 16_384) return 'reads as a cell reference in Excel';
  if (R1C1_REFERENCE.test(name)) return 'reads as an R1C1 cell reference in Excel';
  if (/^(TRUE|FALSE)$/i.test(name)) return 'is a reserved word in Excel';
  return undefined;
}

/** `'Better off'` for a name that needs quoting in a formula, `About` otherwise. */
export function quoteSheetName(sheet: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(sheet) && !A1_REFERENCE.test(sheet)
    ? sheet
    : `'${sheet.replaceAll("'", "''")}'`;
}
