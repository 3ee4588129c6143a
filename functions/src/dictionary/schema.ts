/**
 * The shape of a data dictionary file. The schema checks each field; the
 * cross-references (a rule naming an item that does not exist, a duplicate ID)
 * are checked in load-dictionary.ts, where the whole file is in view.
 */
import * as z from 'zod';
import { COLUMN_ROLE_NAMES, ITEM_TYPES, TABLE_ROLE_NAMES } from './table-roles.js';

export const AGGREGATIONS = ['sum', 'unique_quarter', 'unique_ytd', 'snapshot', 'text'] as const;
export const SEVERITIES = ['fatal', 'error', 'warning'] as const;
export const POLARITIES = ['higher', 'lower', 'neither'] as const;
export const QUESTIONS = ['how_much', 'how_well', 'better_off'] as const;

export type Aggregation = (typeof AGGREGATIONS)[number];
export type Severity = (typeof SEVERITIES)[number];
export type Polarity = (typeof POLARITIES)[number];
export type Question = (typeof QUESTIONS)[number];

const text = z.string().trim().min(1, 'should not be empty');
const periodText = z.string().regex(/^\d{4}-\d{2}-Q[1-4]$/, 'should be a quarter like 2025-26-Q1');

/** Fields shared by items and table columns: what a value is and how it may be filled in. */
const valueFields = {
  label: text,
  definition: text,
  type: z.enum(ITEM_TYPES),
  min: z.number().min(0).optional(),
  maxLength: z.int().min(1).max(32_767).optional(),
  codeList: z.string().optional(),
  aggregation: z.enum(AGGREGATIONS),
};

export const itemSchema = z.strictObject({
  id: text,
  section: text,
  group: text.optional(),
  /**
   * What the item is when it stands alone, in messages and summaries, where the
   * label leans on its group or the row above ("of which under 2,500 g").
   * Defaults to the label.
   */
  name: text.optional(),
  unit: text,
  required: z.boolean(),
  /** R14: largest relative change against the site's recent quarters before a warning. */
  outlierTolerance: z.number().positive().max(100).optional(),
  /** A headline figure: echoed back in the acceptance email, so a typo shows at a glance. */
  headline: z.boolean().optional(),
  ...valueFields,
});

export const tableColumnSchema = z.strictObject({
  id: text,
  /** The part the column plays in its table's role (see table-roles.ts). */
  role: z.enum(COLUMN_ROLE_NAMES).optional(),
  ...valueFields,
});

export const tableSchema = z.strictObject({
  id: text,
  /** The part the table plays for the product's own logic (see table-roles.ts). */
  role: z.enum(TABLE_ROLE_NAMES as [string, ...string[]]).optional(),
  section: text,
  label: text,
  definition: text,
  rows: z.int().min(1).max(1000),
  columns: z.array(tableColumnSchema).min(1),
});

export const sectionSchema = z.strictObject({
  id: text,
  /** The worksheet's name: at most 31 characters, none of : \ / ? * [ ] (Excel's limits). */
  sheet: text.max(31).regex(/^[^:\\/?*[\]']+$/, "should not contain : \\ / ? * [ ] or '"),
  title: text,
  question: z.enum(QUESTIONS).optional(),
});

export const indicatorSchema = z.strictObject({
  id: text,
  label: text,
  question: z.enum(QUESTIONS),
  domain: text.optional(),
  numerator: text,
  denominator: text,
  polarity: z.enum(POLARITIES),
});

const ruleBase = {
  id: z.string().regex(/^R\d{2,3}$/, 'should be R followed by digits, like R07'),
  severity: z.enum(SEVERITIES),
  title: text,
  message: text,
};

const itemRef = text;

export const ruleSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...ruleBase,
    kind: z.literal('sum_equals'),
    parts: z.array(itemRef).min(2),
    total: itemRef,
    tolerance: z.number().min(0).default(0),
  }),
  z.strictObject({
    ...ruleBase,
    kind: z.literal('compare'),
    left: itemRef,
    op: z.enum(['<=', '>=', '<', '>', '=']),
    right: itemRef,
    equalInFirstQuarter: z.boolean().default(false),
    firstQuarterMessage: text.optional(),
  }),
  z.strictObject({ ...ruleBase, kind: z.literal('not_below_previous'), item: itemRef }),
  z.strictObject({
    ...ruleBase,
    kind: z.literal('of_which'),
    pairs: z.array(z.strictObject({ part: itemRef, total: itemRef })).min(1),
  }),
  z.strictObject({
    ...ruleBase,
    kind: z.literal('ratio_at_least'),
    numerator: text,
    denominator: text,
    threshold: z.number().min(0).max(1),
  }),
  z.strictObject({
    ...ruleBase,
    kind: z.literal('ratio_below'),
    numerator: text,
    denominator: text,
    threshold: z.number().min(0).max(1),
  }),
  z.strictObject({
    ...ruleBase,
    kind: z.literal('ordered'),
    levels: z.array(z.array(itemRef).min(1)).min(2),
  }),
  z.strictObject({
    ...ruleBase,
    kind: z.literal('table_totals'),
    table: text,
    totals: z.array(z.strictObject({ column: text, total: itemRef })),
    unique: text.optional(),
    requiredInUsedRows: z.array(text).default([]),
    duplicateMessage: text,
    incompleteRowMessage: text,
  }),
  z.strictObject({
    ...ruleBase,
    kind: z.literal('outlier'),
    lookback: z.int().min(1).max(12),
    minimumChange: z.number().min(0).default(0),
  }),
  z.strictObject({
    ...ruleBase,
    kind: z.literal('if_positive_then_positive'),
    // Not `if`/`then`: an object with a `then` field looks like a promise to JavaScript.
    whenPositive: itemRef,
    alsoPositive: itemRef,
  }),
  z.strictObject({
    ...ruleBase,
    kind: z.literal('identity'),
    siteItem: itemRef,
    periodItem: itemRef,
    periodMessage: text,
  }),
]);

export const dictionaryFileSchema = z.strictObject({
  version: z.string().regex(/^\d{4}-\d{2}$/, 'should be a financial year like 2025-26'),
  title: text,
  programme: text,
  appliesFrom: periodText,
  sections: z.array(sectionSchema).min(1),
  codeLists: z.record(z.string(), z.array(z.strictObject({ code: text, label: text })).min(1)).default({}),
  items: z.array(itemSchema).min(1),
  tables: z.array(tableSchema).default([]),
  indicators: z.array(indicatorSchema).default([]),
  rules: z.array(ruleSchema).default([]),
});

export type DictionaryFile = z.output<typeof dictionaryFileSchema>;
export type ItemSpec = z.output<typeof itemSchema>;
export type TableSpec = z.output<typeof tableSchema>;
export type TableColumnSpec = z.output<typeof tableColumnSchema>;
export type SectionSpec = z.output<typeof sectionSchema>;
export type IndicatorSpec = z.output<typeof indicatorSchema>;
export type RuleSpec = z.output<typeof ruleSchema>;
export type RuleKind = RuleSpec['kind'];
