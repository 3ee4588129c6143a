/**
 * Finding the items in a returned workbook. First by defined name, the
 * template's public contract, so a row inserted by the user moves nothing; if
 * names were lost (some tools drop them), by the item ID written in column A
 * of the template's rows, then by the cell the template recorded in `_meta`.
 * A workbook that is not the funder's template at all is refused here, and the
 * dictionary version recorded in the workbook chooses the dictionary.
 *
 * input: WorkbookContents, the known dictionaries → output: item and table-column locations
 */
import type { DictionaryRegistry } from '../dictionary/dictionary-registry.js';
import type { Dictionary } from '../dictionary/load-dictionary.js';
import {
  type Area,
  columnIndex,
  parseCellRef,
  resolveReference,
  type WorkbookContents,
} from '../reading/read-workbook.js';
import { COLUMNS, META_SHEET, TEMPLATE_ID } from '../template/template-layout.js';
import type { CellLocation, Finding } from './findings.js';

export interface TemplateMetadata {
  readonly templateId?: string;
  readonly dictionaryVersion?: string;
  readonly site?: string;
  readonly period?: string;
  /** Item or column name → where the template first placed it. */
  readonly placements: ReadonlyMap<string, Area>;
}

export interface LocatedReturn {
  readonly dictionary: Dictionary;
  readonly metadata: TemplateMetadata;
  readonly items: ReadonlyMap<string, CellLocation>;
  /** Table column name (`SERVICES.SESSIONS`) → its input cells, top to bottom. */
  readonly columns: ReadonlyMap<string, Area>;
  /** Problems found while locating (a fatal one means nothing else can be checked). */
  readonly findings: readonly Finding[];
}

export type LocateOutcome = { readonly located: LocatedReturn } | { readonly fatal: Finding };

const FALLBACK_ID_COLUMN = columnIndex(COLUMNS.id);
const FALLBACK_VALUE_COLUMN = columnIndex(COLUMNS.value);

export function locateItems(contents: WorkbookContents, dictionaries: DictionaryRegistry): LocateOutcome {
  const metadata = readMetadata(contents);
  const names = new Map<string, Area[]>();
  for (const name of contents.definedNames) {
    const key = name.name.toUpperCase();
    // A workbook-scoped name is the contract; a sheet-scoped one (made by copying a sheet) will do.
    if (names.has(key) && name.localSheetId !== undefined) continue;
    const areas = resolveReference(name.formula, contents.tables);
    if (areas) names.set(key, areas);
  }

  const dictionary = chooseDictionary(metadata, names, dictionaries);
  if ('fatal' in dictionary) return dictionary;

  const sheetNames = new Set(contents.sheets.map((sheet) => sheet.name));
  const idIndex = indexItemIds(contents);
  const items = new Map<string, CellLocation>();
  const recovered: string[] = [];
  const lost: string[] = [];
  for (const item of dictionary.dictionary.items) {
    const areas = names.get(item.id.toUpperCase());
    const area = areas?.length === 1 ? areas[0] : undefined;
    if (area && area.top === area.bottom && area.left === area.right && sheetNames.has(area.sheet)) {
      items.set(item.id, { sheet: area.sheet, row: area.top, column: area.left });
      continue;
    }
    const byId = idIndex.get(item.id.toUpperCase());
    const placed = metadata.placements.get(item.id);
    if (byId) items.set(item.id, byId);
    else if (placed && sheetNames.has(placed.sheet))
      items.set(item.id, { sheet: placed.sheet, row: placed.top, column: placed.left });
    else {
      lost.push(item.id);
      continue;
    }
    recovered.push(item.id);
  }

  const columns = new Map<string, Area>();
  for (const table of dictionary.dictionary.tables) {
    for (const column of table.columns) {
      const areas = names.get(column.name.toUpperCase());
      const area = areas?.length === 1 ? areas[0] : undefined;
      if (area && area.left === area.right && sheetNames.has(area.sheet)) {
        columns.set(column.name, area);
        continue;
      }
      const placed = metadata.placements.get(column.name);
      if (placed && sheetNames.has(placed.sheet)) {
        columns.set(column.name, placed);
        recovered.push(column.name);
      } else if (column !== dictionary.dictionary.explanations.columns.item) {
        lost.push(column.name);
      }
      // A template made before explanations named their item has no item column: its rows
      // still read, and each is pointed out as not saying which item it explains.
    }
  }

  const findings: Finding[] = [];
  if (recovered.length > 0) {
    findings.push({
      code: 'template.names_missing',
      severity: 'warning',
      message: `${recovered.length === 1 ? 'One of the workbook’s named cells was' : `${recovered.length} of the workbook’s named cells were`} missing or broken (${abbreviateList(recovered)}), so ${recovered.length === 1 ? 'it was' : 'they were'} found by ${recovered.length === 1 ? 'its' : 'their'} item ID on the sheet instead. Your figures were still checked; to be safe, please start next quarter’s return from a fresh template.`,
      cells: [],
    });
  }
  if (lost.length > 0) {
    findings.push({
      code: 'template.items_missing',
      severity: 'error',
      message: `The workbook has no cell for ${abbreviateList(lost)}: ${lost.length === 1 ? 'its row seems to have' : 'their rows seem to have'} been deleted. Please copy your figures into a fresh template and send it again.`,
      cells: [],
    });
  }
  return { located: { dictionary: dictionary.dictionary, metadata, items, columns, findings } };
}

function chooseDictionary(
  metadata: TemplateMetadata,
  names: ReadonlyMap<string, Area[]>,
  dictionaries: DictionaryRegistry,
): { dictionary: Dictionary } | { fatal: Finding } {
  const overlap = (dictionary: Dictionary) =>
    dictionary.items.filter((item) => names.has(item.id.toUpperCase())).length / dictionary.items.length;
  const isTemplate =
    metadata.templateId === TEMPLATE_ID || dictionaries.versions.some((d) => overlap(d) >= 0.5);
  if (!isTemplate) {
    return {
      fatal: {
        code: 'template.not_template',
        severity: 'fatal',
        message:
          'This workbook is not the funder’s quarterly monitoring template, so it cannot be checked. Please download the template for your partnership and quarter, copy your figures into it, and send that.',
        cells: [],
      },
    };
  }
  if (metadata.dictionaryVersion) {
    const dictionary = dictionaries.find(metadata.dictionaryVersion);
    if (dictionary) return { dictionary };
    return {
      fatal: {
        code: 'template.unknown_version',
        severity: 'fatal',
        message: `This workbook was made from version ${metadata.dictionaryVersion} of the template, which this service does not know (it knows ${dictionaries.describeVersions()}). Please download a current template, copy your figures into it, and send that.`,
        value: metadata.dictionaryVersion,
        cells: [],
      },
    };
  }
  // The metadata sheet was lost: the version whose items the names match best.
  const best = [...dictionaries.versions].sort((a, b) => overlap(b) - overlap(a))[0] as Dictionary;
  return { dictionary: best };
}

/** Reads the `_meta` sheet's key/value rows and placements (columns A to D). */
function readMetadata(contents: WorkbookContents): TemplateMetadata {
  const sheet = contents.sheets.find((candidate) => candidate.name.toLowerCase() === META_SHEET)?.name;
  const values = new Map<string, string>();
  const placements = new Map<string, Area>();
  if (sheet) {
    const rows = new Map<number, string[]>();
    for (const cell of contents.cellsOf(sheet)) {
      if (cell.column > 4 || cell.value?.type !== 'string') continue;
      const row = rows.get(cell.row) ?? [];
      row[cell.column - 1] = cell.value.text;
      rows.set(cell.row, row);
    }
    for (const [key, value, placedSheet, cells] of rows.values()) {
      if (!key || !value) continue;
      if ((key === 'item' || key === 'column') && placedSheet && cells) {
        const area = areaOf(placedSheet, cells);
        if (area) placements.set(value, area);
      } else {
        values.set(key, value);
      }
    }
  }
  const get = (key: string) => values.get(key)?.trim() || undefined;
  return {
    ...optional('templateId', get('templateId')),
    ...optional('dictionaryVersion', get('dictionaryVersion')),
    ...optional('site', get('site')),
    ...optional('period', get('period')),
    placements,
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function areaOf(sheet: string, cells: string): Area | undefined {
  const [from, to = from] = cells.split(':') as [string, string?];
  const start = parseCellRef(from);
  const end = parseCellRef(to as string);
  if (!start || !end) return undefined;
  return { sheet, top: start.row, left: start.column, bottom: end.row, right: end.column };
}

/** Item IDs written in column A of the sheets, pointing at column C of the same row. */
function indexItemIds(contents: WorkbookContents): Map<string, CellLocation> {
  const index = new Map<string, CellLocation>();
  for (const sheet of contents.sheets) {
    if (sheet.name.toLowerCase() === META_SHEET) continue;
    for (const cell of contents.cellsOf(sheet.name)) {
      if (cell.column !== FALLBACK_ID_COLUMN || cell.value?.type !== 'string') continue;
      const id = cell.value.text.trim().toUpperCase();
      if (id.includes('.') && !index.has(id))
        index.set(id, { sheet: sheet.name, row: cell.row, column: FALLBACK_VALUE_COLUMN });
    }
  }
  return index;
}

function abbreviateList(ids: readonly string[], max = 6): string {
  return ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')} and ${ids.length - max} more`;
}
