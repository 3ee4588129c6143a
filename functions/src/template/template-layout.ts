/**
 * Where each item and table column sits in the generated template. Derived from
 * the dictionary alone, so the template writer and its tests agree on it; the
 * reader never relies on it (it finds items by their defined names, which move
 * with any row a user inserts).
 */
import type { Dictionary, Item, Table } from '../dictionary/load-dictionary.js';
import type { SectionSpec } from '../dictionary/schema.js';

export const INSTRUCTIONS_SHEET = 'Instructions';
export const META_SHEET = '_meta';
/** Identifies a workbook as this product's template, whatever its version. */
export const TEMPLATE_ID = 'monitoring-returns/quarterly-return';

/** Column letters of a section sheet. `required` says Required or Optional in words, never by colour alone. */
export const COLUMNS = {
  id: 'A',
  label: 'B',
  value: 'C',
  required: 'D',
  unit: 'E',
  definition: 'F',
  last: 'I',
} as const;
/** The number of the last column, where merged text ends. */
export const LAST_COLUMN = 9;
/** Table columns start under the label column. */
export const TABLE_FIRST_COLUMN = 2;
export const HEADER_ROW = 5;

/** How a return is sent, from the programme's settings. */
export function howToSend(portalUrl: string | undefined, helpEmail: string): string {
  return portalUrl
    ? `Save the workbook and upload it on the portal at ${portalUrl} for your partnership, keeping the file name ending .xlsx.`
    : `Save the workbook and send it to the funder as agreed for your partnership. If you are not sure how, email ${helpEmail}.`;
}

/** What happens after sending, in the words the Instructions sheet and the CLI both use. */
export const WHAT_HAPPENS_NEXT =
  'Within minutes of sending it you receive an email saying whether the return is accepted, listing anything to fix or explain, each with its sheet and cell, and, when there is anything to look at, a copy of your own workbook with those cells highlighted.';

/** Marks a required item on its sheet, beside the label and in its own column; never colour alone. */
export const REQUIRED_MARK = 'Required';

export type SheetRow =
  | { readonly kind: 'group'; readonly row: number; readonly title: string }
  | { readonly kind: 'item'; readonly row: number; readonly item: Item }
  | { readonly kind: 'table-title'; readonly row: number; readonly table: Table }
  | { readonly kind: 'table-header'; readonly row: number; readonly table: Table }
  /** Under a table's header: what each column means, from the dictionary. */
  | { readonly kind: 'table-definitions'; readonly row: number; readonly table: Table };

export interface TablePlacement {
  readonly table: Table;
  readonly titleRow: number;
  readonly headerRow: number;
  readonly definitionsRow: number;
  readonly firstRow: number;
  readonly lastRow: number;
}

export interface SectionLayout {
  readonly section: SectionSpec;
  readonly rows: readonly SheetRow[];
  readonly tables: readonly TablePlacement[];
}

export function layoutSections(dictionary: Dictionary): SectionLayout[] {
  return dictionary.sections.map((section) => {
    const rows: SheetRow[] = [];
    const tables: TablePlacement[] = [];
    let row = HEADER_ROW + 1;
    let group: string | undefined;
    for (const item of dictionary.items.filter((candidate) => candidate.section === section.id)) {
      if (item.group && item.group !== group) {
        if (rows.length > 0) row++; // a blank row before each new group
        rows.push({ kind: 'group', row: row++, title: item.group });
      }
      group = item.group;
      rows.push({ kind: 'item', row: row++, item });
    }
    for (const table of dictionary.tables.filter((candidate) => candidate.section === section.id)) {
      row += 1;
      const titleRow = row++;
      rows.push({ kind: 'table-title', row: titleRow, table });
      const headerRow = row++;
      rows.push({ kind: 'table-header', row: headerRow, table });
      const definitionsRow = row++;
      rows.push({ kind: 'table-definitions', row: definitionsRow, table });
      tables.push({
        table,
        titleRow,
        headerRow,
        definitionsRow,
        firstRow: row,
        lastRow: row + table.rows - 1,
      });
      row += table.rows;
    }
    return { section, rows, tables };
  });
}
