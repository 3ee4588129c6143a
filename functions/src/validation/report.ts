/**
 * The validation report: what `returns validate --json` prints, what the
 * pipeline stores beside each submission, and what the feedback email is
 * written from. Its shape is a versioned, documented contract: the zod schema
 * below is the definition (`returns validate --json-schema` prints it as JSON
 * Schema), and the tests check every report they make against it.
 */
import * as z from 'zod';
import { STATUSES } from '../returns/submission.js';
import { FINDING_SEVERITIES } from './findings.js';

export const REPORT_SCHEMA_ID = 'monitoring-returns/validation-report';
export const REPORT_SCHEMA_VERSION = 1;

const cellLocationSchema = z.object({
  sheet: z.string(),
  row: z.int().min(1),
  column: z.int().min(1),
});

export const findingSchema = z.object({
  code: z.string().describe('Stable code: a rule ID (R07), or file.*, template.*, value.*'),
  severity: z
    .enum(FINDING_SEVERITIES)
    .describe('fatal and error stop acceptance; a warning needs an explanation; a notice changes nothing'),
  message: z.string().describe('Plain English, for the person who filled in the return'),
  ruleId: z.string().optional(),
  itemId: z.string().optional(),
  itemLabel: z.string().optional(),
  sheet: z.string().optional(),
  cell: z.string().optional().describe('A1 reference or range on `sheet`'),
  value: z.string().optional().describe('What the cell held'),
  expected: z.string().optional(),
  cells: z.array(cellLocationSchema).readonly().describe('Every cell involved (1-based row and column)'),
  explanation: z.string().optional().describe("For a warning: the return's own explanation of it"),
});

const itemValueSchema = z.union([z.number(), z.string()]);

export const reportSchema = z.object({
  schema: z.literal(REPORT_SCHEMA_ID),
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  status: z.enum(STATUSES),
  checkedAt: z.iso.datetime(),
  file: z.object({
    name: z.string().optional(),
    bytes: z.int().min(0),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional()
      .describe('Absent when the file was too large to read'),
  }),
  site: z.string().optional().describe('Site code the return is for, when it could be read'),
  period: z.string().optional().describe('Quarter the return is for, like 2025-26-Q2'),
  dictionaryVersion: z.string().optional(),
  contactEmails: z
    .array(z.string())
    .readonly()
    .optional()
    .describe('Valid email addresses the return itself gives for its contact (feedback goes there too)'),
  counts: z.object({
    fatal: z.int(),
    errors: z.int(),
    warnings: z.int(),
    explainedWarnings: z.int(),
    unexplainedWarnings: z.int(),
  }),
  findings: z.array(findingSchema).readonly(),
  checksNotRun: z.array(z.object({ ruleId: z.string(), title: z.string(), reason: z.string() })).readonly(),
  values: z
    .object({
      items: z.record(z.string(), itemValueSchema).readonly(),
      tables: z
        .record(z.string(), z.array(z.record(z.string(), itemValueSchema).readonly()).readonly())
        .readonly(),
      notReported: z
        .array(z.string())
        .readonly()
        .optional()
        .describe('Item IDs the return says it cannot report this quarter: not reported, never zero'),
    })
    .optional()
    .describe('The return’s values, when it is accepted'),
});

export type ValidationReport = z.infer<typeof reportSchema>;

export function reportJsonSchema(): unknown {
  return z.toJSONSchema(reportSchema, { target: 'draft-2020-12' });
}
