/**
 * Table roles: which of the dictionary's tables the product's own logic reads,
 * and which column plays each part. The code never names a table or column ID:
 * it asks for the services table's `attendances` column, and the dictionary
 * says which column that is. Renaming a column in the dictionary then renames
 * it everywhere, instead of silently reading nothing.
 *
 * Every role here is needed by the code (aggregation reads the services table,
 * validation the explanations table), so each must be given exactly once, to a
 * column of a fitting type; load-dictionary.ts checks that.
 */
/** The kinds of value an item or table column holds (here, below the schema, because roles name them). */
export const ITEM_TYPES = ['count', 'money', 'date', 'text', 'email', 'code', 'site', 'period'] as const;
export type ItemType = (typeof ITEM_TYPES)[number];

/** Code lists the product derives from the dictionary itself rather than reading from the file. */
export const DERIVED_CODE_LISTS = {
  /** The warning rules, by rule ID: what an explanation row can explain. */
  warnings: 'warning_rules',
  /** The warning rules and "cannot report": what an explanation row is about. */
  explanationKinds: 'explanation_kinds',
  /** The items an explanation row can name, and "all items". */
  returnItems: 'return_items',
} as const;

interface ColumnRoleSpec {
  /** How the role is described in a load error. */
  readonly what: string;
  readonly types: readonly ItemType[];
  /** For a code column, the code list it must use. */
  readonly codeList?: string;
}

interface TableRoleSpec {
  readonly what: string;
  readonly columns: Readonly<Record<string, ColumnRoleSpec>>;
}

export const TABLE_ROLES = {
  services: {
    what: 'the services table (one row per service; summarised by outcome domain)',
    columns: {
      service_name: { what: 'the service name', types: ['text'] },
      domain: { what: 'the outcome domain', types: ['code'] },
      sessions: { what: 'sessions delivered', types: ['count'] },
      attendances: { what: 'attendances', types: ['count'] },
      unique_users: { what: 'unique users', types: ['count'] },
      completed: { what: 'families completing', types: ['count'] },
    },
  },
  explanations: {
    what: 'the explanations table (one row per warning explained, or item that cannot be reported)',
    columns: {
      rule: {
        what: 'the warning rule explained, or "cannot report"',
        types: ['code'],
        codeList: DERIVED_CODE_LISTS.explanationKinds,
      },
      item: {
        what: 'the item the row is about, or "all items"',
        types: ['code'],
        codeList: DERIVED_CODE_LISTS.returnItems,
      },
      explanation: { what: 'the explanation', types: ['text'] },
    },
  },
} as const satisfies Record<string, TableRoleSpec>;

export type TableRoleName = keyof typeof TABLE_ROLES;
export type ColumnRoleOf<R extends TableRoleName> = keyof (typeof TABLE_ROLES)[R]['columns'];

export const TABLE_ROLE_NAMES = Object.keys(TABLE_ROLES) as TableRoleName[];
export const COLUMN_ROLE_NAMES = [
  ...new Set(Object.values(TABLE_ROLES).flatMap((role) => Object.keys(role.columns))),
] as [string, ...string[]];

export function columnRolesOf(role: TableRoleName): Readonly<Record<string, ColumnRoleSpec>> {
  return TABLE_ROLES[role].columns;
}

/**
 * The code an explanation row uses to say an item cannot be reported this
 * quarter, and the code for "every item the rule warns about". Stored in a
 * return's values as written here.
 */
export const CANNOT_REPORT_CODE = 'CANNOT_REPORT';
export const ALL_ITEMS_CODE = 'ALL';
