/**
 * Loads a data dictionary file and checks it whole: the schema first, then every
 * cross-reference (IDs unique and valid Excel names, rules and indicators naming
 * real items of the right type, message placeholders the rule kind fills). All
 * problems are reported together; a dictionary that loads is safe to use, so no
 * check is left to be discovered while validating someone's return.
 *
 * input: a YAML file → output: a Dictionary (the model everything else derives from)
 */
import { type Period, parsePeriod } from '../programme/periods.js';
import { checkWithSchema, formatPath, parseYamlText, readYamlFile } from '../programme/reference-file.js';
import { definedNameProblem } from './excel-names.js';
import { type ItemExpression, parseExpression } from './expression.js';
import { ALL_ITEMS_LABEL, CANNOT_REPORT_LABEL } from './reporting-policy.js';
import { placeholdersIn, RULE_PLACEHOLDERS } from './rule-placeholders.js';
import {
  type DictionaryFile,
  dictionaryFileSchema,
  type IndicatorSpec,
  type ItemSpec,
  type RuleSpec,
  type SectionSpec,
  type TableColumnSpec,
  type TableSpec,
} from './schema.js';
import {
  ALL_ITEMS_CODE,
  CANNOT_REPORT_CODE,
  type ColumnRoleOf,
  columnRolesOf,
  DERIVED_CODE_LISTS,
  TABLE_ROLE_NAMES,
  TABLE_ROLES,
  type TableRoleName,
} from './table-roles.js';

export interface Code {
  readonly code: string;
  readonly label: string;
  /** How the choice reads in a dropdown, when not the bare code: `Referrals received (QUAL.REFERRALS)`. */
  readonly display?: string;
}

export type Item = ItemSpec & {
  readonly sectionSpec: SectionSpec;
  /** What the item is, standing alone: its `name`, or its label when that reads alone. */
  readonly name: string;
};

export interface TableColumn extends TableColumnSpec {
  /** The defined name over the column's input cells, e.g. `SERVICES.SESSIONS`. */
  readonly name: string;
}

export interface Table extends Omit<TableSpec, 'columns'> {
  readonly columns: readonly TableColumn[];
  readonly sectionSpec: SectionSpec;
}

/** A table that plays a role, and the column playing each part of it. */
export interface RoleTable<R extends TableRoleName> {
  readonly table: Table;
  readonly columns: { readonly [C in ColumnRoleOf<R>]: TableColumn };
}

export interface Indicator extends IndicatorSpec {
  readonly numeratorExpression: ItemExpression;
  readonly denominatorExpression: ItemExpression;
}

export type Rule = RuleSpec & {
  /** Parsed item expressions of ratio rules. */
  readonly expressions?: { readonly numerator: ItemExpression; readonly denominator: ItemExpression };
};

export interface Dictionary {
  readonly version: string;
  readonly title: string;
  readonly programme: string;
  readonly appliesFrom: Period;
  readonly file: string;
  readonly sections: readonly SectionSpec[];
  readonly items: readonly Item[];
  readonly tables: readonly Table[];
  readonly indicators: readonly Indicator[];
  readonly rules: readonly Rule[];
  readonly codeLists: ReadonlyMap<string, readonly Code[]>;
  /** The services table, by role: aggregation's "services by domain" reads it. */
  readonly services: RoleTable<'services'>;
  /** The explanations table, by role: validation matches warnings against it. */
  readonly explanations: RoleTable<'explanations'>;
  item(id: string): Item | undefined;
  table(id: string): Table | undefined;
  rule(id: string): Rule | undefined;
  /** The items of one type, such as the one `site` and one `period` item. */
  itemsOfType(type: Item['type']): readonly Item[];
}

const NUMERIC_TYPES = new Set(['count', 'money']);

export function loadDictionary(file: string): Dictionary {
  return buildDictionary(file, readYamlFile(file));
}

export function loadDictionaryText(file: string, text: string): Dictionary {
  return buildDictionary(file, parseYamlText(file, text));
}

export function buildDictionary(file: string, data: unknown): Dictionary {
  const spec = checkWithSchema(file, dictionaryFileSchema, data, (parsed) =>
    crossReferenceProblems(parsed, data),
  );
  return assemble(file, spec);
}

/** Builds the model from a checked file; compiled reference data (reference/) calls it without the checks. */
export function assemble(file: string, spec: DictionaryFile): Dictionary {
  const sectionById = new Map(spec.sections.map((section) => [section.id, section]));
  const items: Item[] = spec.items.map((item) => ({
    ...item,
    sectionSpec: sectionById.get(item.section) as SectionSpec,
    name: item.name ?? item.label,
  }));
  const tables: Table[] = spec.tables.map((table) => ({
    ...table,
    sectionSpec: sectionById.get(table.section) as SectionSpec,
    columns: table.columns.map((column) => ({ ...column, name: `${table.id}.${column.id}` })),
  }));
  const expression = (text: string) => (parseExpression(text) as { expression: ItemExpression }).expression;
  const indicators: Indicator[] = spec.indicators.map((indicator) => ({
    ...indicator,
    numeratorExpression: expression(indicator.numerator),
    denominatorExpression: expression(indicator.denominator),
  }));
  const rules: Rule[] = spec.rules.map((rule) =>
    rule.kind === 'ratio_at_least' || rule.kind === 'ratio_below'
      ? {
          ...rule,
          expressions: { numerator: expression(rule.numerator), denominator: expression(rule.denominator) },
        }
      : rule,
  );
  const codeLists = new Map<string, readonly Code[]>(Object.entries(spec.codeLists));
  const warnings = rules
    .filter((rule) => rule.severity === 'warning')
    .map((rule) => ({ code: rule.id, label: rule.title, display: `${rule.title} (${rule.id})` }));
  codeLists.set(DERIVED_CODE_LISTS.warnings, warnings);
  codeLists.set(DERIVED_CODE_LISTS.explanationKinds, [
    ...warnings,
    { code: CANNOT_REPORT_CODE, label: CANNOT_REPORT_LABEL, display: CANNOT_REPORT_LABEL },
  ]);
  codeLists.set(DERIVED_CODE_LISTS.returnItems, [
    { code: ALL_ITEMS_CODE, label: ALL_ITEMS_LABEL, display: ALL_ITEMS_LABEL },
    ...items
      // Figures only: warnings are about them, and only they are summed, so only they can be "not reported".
      .filter((item) => NUMERIC_TYPES.has(item.type))
      .map((item) => ({ code: item.id, label: item.name, display: `${item.name} (${item.id})` })),
  ]);
  const itemById = new Map(items.map((item) => [item.id, item]));
  const tableById = new Map(tables.map((table) => [table.id, table]));
  // The load check guarantees each role exactly once, so these lookups cannot miss.
  const roleTable = <R extends TableRoleName>(role: R): RoleTable<R> => {
    const table = tables.find((candidate) => candidate.role === role) as Table;
    const columns = Object.fromEntries(
      Object.keys(columnRolesOf(role)).map((columnRole) => [
        columnRole,
        table.columns.find((column) => column.role === columnRole) as TableColumn,
      ]),
    ) as RoleTable<R>['columns'];
    return { table, columns };
  };
  const ruleById = new Map(rules.map((rule) => [rule.id, rule]));
  return {
    version: spec.version,
    title: spec.title,
    programme: spec.programme,
    appliesFrom: (parsePeriod(spec.appliesFrom) as { period: Period }).period,
    file,
    sections: spec.sections,
    items,
    tables,
    indicators,
    rules,
    codeLists,
    services: roleTable('services'),
    explanations: roleTable('explanations'),
    item: (id) => itemById.get(id),
    table: (id) => tableById.get(id),
    rule: (id) => ruleById.get(id),
    itemsOfType: (type) => items.filter((item) => item.type === type),
  };
}

/** Every problem that needs the whole file in view, each as `path: message`. */
function crossReferenceProblems(spec: DictionaryFile, raw: unknown): string[] {
  const problems: string[] = [];
  const at = (path: PropertyKey[], message: string) => problems.push(`${formatPath(path, raw)}: ${message}`);

  if ('problem' in parsePeriod(spec.appliesFrom))
    at(['appliesFrom'], `"${spec.appliesFrom}" is not a real quarter`);

  // Sections: unique IDs and sheet names (Excel compares sheet names ignoring case).
  const sectionIds = new Set<string>();
  const sheetNames = new Set<string>();
  spec.sections.forEach((section, index) => {
    if (sectionIds.has(section.id))
      at(['sections', index, 'id'], `the section ID ${section.id} is used twice`);
    sectionIds.add(section.id);
    const sheet = section.sheet.toLowerCase();
    if (sheetNames.has(sheet) || ['instructions', '_meta', 'feedback'].includes(sheet)) {
      at(['sections', index, 'sheet'], `the sheet name "${section.sheet}" is already taken`);
    }
    sheetNames.add(sheet);
  });

  // Every name a workbook will carry must be unique (Excel compares names ignoring case).
  const names = new Map<string, string>();
  const claimName = (name: string, path: PropertyKey[], what: string) => {
    const problem = definedNameProblem(name);
    if (problem) at(path, `${name} ${problem}`);
    const key = name.toUpperCase();
    const earlier = names.get(key);
    if (earlier) at(path, `${name} is also the ID of ${earlier}; IDs must be unique`);
    else names.set(key, `the ${what} at ${formatPath(path.slice(0, -1), raw)}`);
  };

  const codeListNames = new Set([...Object.keys(spec.codeLists), ...Object.values(DERIVED_CODE_LISTS)]);
  const checkValueFields = (
    field: ItemSpec | TableColumnSpec,
    path: PropertyKey[],
    { allowIdentity }: { allowIdentity: boolean },
  ) => {
    const numeric = NUMERIC_TYPES.has(field.type);
    if ((field.type === 'text' || field.type === 'email') && field.maxLength === undefined) {
      at([...path, 'maxLength'], `a ${field.type} value needs a maxLength`);
    }
    if (field.type === 'code') {
      if (!field.codeList) at([...path, 'codeList'], 'a code value needs a codeList');
      else if (!codeListNames.has(field.codeList)) {
        at(
          [...path, 'codeList'],
          `there is no code list "${field.codeList}" (there are ${[...codeListNames].join(', ')})`,
        );
      }
    } else if (field.codeList)
      at([...path, 'codeList'], `only a code value has a codeList, and this is ${field.type}`);
    if (field.min !== undefined && !numeric)
      at([...path, 'min'], `only a count or money value has a minimum`);
    if (field.type === 'count' && field.min !== undefined && !Number.isInteger(field.min)) {
      at([...path, 'min'], 'the minimum of a count should be a whole number');
    }
    if (numeric && field.aggregation === 'text') {
      at([...path, 'aggregation'], `a ${field.type} value needs a numeric aggregation, not text`);
    }
    if (!numeric && field.aggregation !== 'text') {
      at(
        [...path, 'aggregation'],
        `a ${field.type} value cannot be added up: its aggregation should be text`,
      );
    }
    if (!allowIdentity && (field.type === 'site' || field.type === 'period')) {
      at([...path, 'type'], `a table column cannot be of type ${field.type}`);
    }
  };

  spec.items.forEach((item, index) => {
    const path = ['items', index];
    claimName(item.id, [...path, 'id'], 'item');
    if ([ALL_ITEMS_CODE, CANNOT_REPORT_CODE].includes(item.id.toUpperCase()))
      at(
        [...path, 'id'],
        `${item.id} is kept for the explanations table's choices; please choose another ID`,
      );
    if (!sectionIds.has(item.section)) at([...path, 'section'], `there is no section "${item.section}"`);
    checkValueFields(item, path, { allowIdentity: true });
    if (item.outlierTolerance !== undefined && !NUMERIC_TYPES.has(item.type)) {
      at([...path, 'outlierTolerance'], `only a count or money item can have an outlier tolerance`);
    }
    if (item.outlierTolerance !== undefined && item.aggregation === 'unique_ytd') {
      at(
        [...path, 'outlierTolerance'],
        'a year-to-date count grows through the year, so quarter-on-quarter outliers mean nothing',
      );
    }
  });
  for (const type of ['site', 'period'] as const) {
    const count = spec.items.filter((item) => item.type === type).length;
    if (count !== 1)
      at(
        ['items'],
        `there should be exactly one item of type ${type} (there ${count === 1 ? 'is' : 'are'} ${count})`,
      );
  }

  spec.tables.forEach((table, index) => {
    const path = ['tables', index];
    if (!sectionIds.has(table.section)) at([...path, 'section'], `there is no section "${table.section}"`);
    const columnIds = new Set<string>();
    table.columns.forEach((column, columnIndex) => {
      if (columnIds.has(column.id))
        at([...path, 'columns', columnIndex, 'id'], `the column ${column.id} is listed twice`);
      columnIds.add(column.id);
      claimName(`${table.id}.${column.id}`, [...path, 'columns', columnIndex, 'id'], 'table column');
      checkValueFields(column, [...path, 'columns', columnIndex], { allowIdentity: false });
    });
  });

  checkRoles(spec, at);

  const itemById = new Map(spec.items.map((item) => [item.id, item]));
  const requireItem = (id: string, path: PropertyKey[], { numeric }: { numeric: boolean }) => {
    const item = itemById.get(id);
    if (!item) at(path, `there is no item ${id}${suggest(id, itemById.keys())}`);
    else if (numeric && !NUMERIC_TYPES.has(item.type)) at(path, `${id} is ${item.type}, not a number`);
  };
  const requireExpression = (text: string, path: PropertyKey[]) => {
    const parsed = parseExpression(text);
    if ('problem' in parsed) at(path, parsed.problem);
    else for (const term of parsed.expression.terms) requireItem(term.itemId, path, { numeric: true });
  };

  // Indicator domains are the services table's outcome domains.
  const domainList =
    spec.tables.find((table) => table.role === 'services')?.columns.find((column) => column.role === 'domain')
      ?.codeList ?? 'domain';
  spec.indicators.forEach((indicator, index) => {
    claimName(indicator.id, ['indicators', index, 'id'], 'indicator');
    requireExpression(indicator.numerator, ['indicators', index, 'numerator']);
    requireExpression(indicator.denominator, ['indicators', index, 'denominator']);
    if (indicator.domain && !spec.codeLists[domainList]?.some((code) => code.code === indicator.domain)) {
      at(['indicators', index, 'domain'], `"${indicator.domain}" is not in the ${domainList} code list`);
    }
  });

  const ruleIds = new Set<string>();
  spec.rules.forEach((rule, index) => {
    const path = ['rules', index];
    if (ruleIds.has(rule.id)) at([...path, 'id'], `the rule ID ${rule.id} is used twice`);
    ruleIds.add(rule.id);
    checkRuleReferences(rule, path, { requireItem, requireExpression, at, spec });
    const fields = RULE_PLACEHOLDERS[rule.kind] as Record<string, readonly string[]>;
    for (const [field, allowed] of Object.entries(fields)) {
      const template = (rule as unknown as Record<string, unknown>)[field];
      if (typeof template !== 'string') continue;
      for (const name of placeholdersIn(template)) {
        if (!allowed.includes(name)) {
          at(
            [...path, field],
            `{${name}} is not filled by a ${rule.kind} rule (it fills ${allowed.map((p) => `{${p}}`).join(', ')})`,
          );
        }
      }
    }
  });
  return problems;
}

/**
 * Each table role the product reads is given to exactly one table, and each of
 * its column roles to exactly one column of a fitting type: a renamed column
 * then still means what it meant, and a missing one stops the load rather than
 * being read as nothing.
 */
function checkRoles(spec: DictionaryFile, at: (path: PropertyKey[], message: string) => void): void {
  const describeTable = (index: number) => `tables[${index}] (${spec.tables[index]?.id})`;
  for (const role of TABLE_ROLE_NAMES) {
    const holders = spec.tables.flatMap((table, index) => (table.role === role ? [index] : []));
    if (holders.length === 0) {
      at(
        ['tables'],
        `no table has the role ${role}; one table must be ${TABLE_ROLES[role].what}, marked \`role: ${role}\``,
      );
    }
    for (const index of holders.slice(1)) {
      at(
        ['tables', index, 'role'],
        `the role ${role} is already given to ${describeTable(holders[0] as number)}; each role belongs to one table`,
      );
    }
  }
  spec.tables.forEach((table, tableIndex) => {
    const path = ['tables', tableIndex];
    if (!table.role) {
      table.columns.forEach((column, columnIndex) => {
        if (column.role)
          at(
            [...path, 'columns', columnIndex, 'role'],
            `the column has the role ${column.role}, but its table has no role`,
          );
      });
      return;
    }
    const roles = columnRolesOf(table.role as TableRoleName);
    table.columns.forEach((column, columnIndex) => {
      const columnPath = [...path, 'columns', columnIndex];
      if (!column.role) return; // a column the product's logic does not read, such as a note
      const wanted = roles[column.role];
      if (!wanted) {
        at(
          [...columnPath, 'role'],
          `${column.role} is not a role in the ${table.role} table (its roles are ${Object.keys(roles).join(', ')})`,
        );
        return;
      }
      const earlier = table.columns.findIndex((other) => other.role === column.role);
      if (earlier !== columnIndex) {
        at(
          [...columnPath, 'role'],
          `the role ${column.role} is already given to the column ${table.columns[earlier]?.id}; each role belongs to one column`,
        );
      }
      if (!wanted.types.includes(column.type)) {
        at(
          [...columnPath, 'type'],
          `the ${column.role} column (${wanted.what}) should be ${wanted.types.join(' or ')}, not ${column.type}`,
        );
      } else if (wanted.codeList && column.codeList !== wanted.codeList) {
        at(
          [...columnPath, 'codeList'],
          `the ${column.role} column (${wanted.what}) should use the code list ${wanted.codeList}`,
        );
      }
    });
    for (const [columnRole, wanted] of Object.entries(roles)) {
      if (!table.columns.some((column) => column.role === columnRole)) {
        at(
          [...path, 'columns'],
          `no column has the role ${columnRole}; the ${table.role} table needs a column for ${wanted.what}, marked \`role: ${columnRole}\``,
        );
      }
    }
  });
}

interface RuleCheckContext {
  requireItem(id: string, path: PropertyKey[], options: { numeric: boolean }): void;
  requireExpression(text: string, path: PropertyKey[]): void;
  at(path: PropertyKey[], message: string): void;
  spec: DictionaryFile;
}

function checkRuleReferences(rule: RuleSpec, path: PropertyKey[], context: RuleCheckContext): void {
  const { requireItem, requireExpression, at, spec } = context;
  const numeric = { numeric: true };
  switch (rule.kind) {
    case 'sum_equals':
      for (const [i, id] of rule.parts.entries()) requireItem(id, [...path, 'parts', i], numeric);
      requireItem(rule.total, [...path, 'total'], numeric);
      return;
    case 'compare':
      requireItem(rule.left, [...path, 'left'], numeric);
      requireItem(rule.right, [...path, 'right'], numeric);
      if (rule.equalInFirstQuarter && !rule.firstQuarterMessage) {
        at([...path, 'firstQuarterMessage'], 'a rule with equalInFirstQuarter needs a firstQuarterMessage');
      }
      return;
    case 'not_below_previous':
      requireItem(rule.item, [...path, 'item'], numeric);
      return;
    case 'of_which':
      rule.pairs.forEach((pair, i) => {
        requireItem(pair.part, [...path, 'pairs', i, 'part'], numeric);
        requireItem(pair.total, [...path, 'pairs', i, 'total'], numeric);
      });
      return;
    case 'ratio_at_least':
    case 'ratio_below':
      requireExpression(rule.numerator, [...path, 'numerator']);
      requireExpression(rule.denominator, [...path, 'denominator']);
      return;
    case 'ordered':
      for (const [i, level] of rule.levels.entries()) {
        for (const [j, id] of level.entries()) requireItem(id, [...path, 'levels', i, j], numeric);
      }
      return;
    case 'table_totals': {
      const table = spec.tables.find((candidate) => candidate.id === rule.table);
      if (!table) {
        at([...path, 'table'], `there is no table ${rule.table}`);
        return;
      }
      const columnIds = new Set(table.columns.map((column) => column.id));
      const requireColumn = (
        id: string,
        columnPath: PropertyKey[],
        { numeric: mustBeNumeric }: { numeric: boolean },
      ) => {
        const column = table.columns.find((candidate) => candidate.id === id);
        if (!column)
          at(columnPath, `the table ${table.id} has no column ${id} (it has ${[...columnIds].join(', ')})`);
        else if (mustBeNumeric && !NUMERIC_TYPES.has(column.type))
          at(columnPath, `${table.id}.${id} is not a number`);
      };
      rule.totals.forEach((total, i) => {
        requireColumn(total.column, [...path, 'totals', i, 'column'], numeric);
        requireItem(total.total, [...path, 'totals', i, 'total'], numeric);
      });
      if (rule.unique) requireColumn(rule.unique, [...path, 'unique'], { numeric: false });
      for (const [i, id] of rule.requiredInUsedRows.entries()) {
        requireColumn(id, [...path, 'requiredInUsedRows', i], { numeric: false });
      }
      return;
    }
    case 'outlier':
      return;
    case 'if_positive_then_positive':
      requireItem(rule.whenPositive, [...path, 'whenPositive'], numeric);
      requireItem(rule.alsoPositive, [...path, 'alsoPositive'], numeric);
      return;
    case 'identity': {
      const site = spec.items.find((item) => item.id === rule.siteItem);
      const period = spec.items.find((item) => item.id === rule.periodItem);
      if (site?.type !== 'site')
        at([...path, 'siteItem'], `${rule.siteItem} should be the item of type site`);
      if (period?.type !== 'period')
        at([...path, 'periodItem'], `${rule.periodItem} should be the item of type period`);
      return;
    }
  }
}

/** ` (did you mean BF.TOTAL?)` for a near miss. */
function suggest(id: string, known: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = id.length >= 8 ? 4 : 3;
  for (const candidate of known) {
    const distance = editDistance(id.toUpperCase(), candidate.toUpperCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best ? ` (did you mean ${best}?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

export type { IndicatorSpec, ItemSpec, RuleSpec, SectionSpec, TableSpec };
