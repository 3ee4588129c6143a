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

/** Column letters of a section sheet. */
export const COLUMNS = { id: 'A', label: 'B', value: 'C', unit: 'D', definition: 'E', last: 'H' } as const;
/** Table columns start under the label column. */
export const TABLE_FIRST_COLUMN = 2;
export const HEADER_ROW = 5;

export type SheetRow =
  | { readonly kind: 'group'; readonly row: number; readonly title: string }
  | { readonly kind: 'item'; readonly row: number; readonly item: Item }
  | { readonly kind: 'table-title'; readonly row: number; readonly table: Table }
  | { readonly kind: 'table-header'; readonly row: number; readonly table: Table };

export interface TablePlacement {
  readonly table: Table;
  readonly headerRow: number;
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
      rows.push({ kind: 'table-title', row: row++, table });
      rows.push({ kind: 'table-header', row, table });
      tables.push({ table, headerRow: row, firstRow: row + 1, lastRow: row + table.rows });
      row += table.rows + 1;
    }
    return { section, rows, tables };
  });
}
