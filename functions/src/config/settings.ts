/**
 * Configuration, parsed once at start from the environment, with no
 * placeholder defaults: a missing TABLE_NAME fails the cold start with a clear
 * message, never as an empty table name at the first write. Each function
 * declares exactly the keys it reads; the CDK app sets exactly these (a test
 * checks they match), so this file is the one source of truth for both.
 */
import * as z from 'zod';
import { ReturnsError } from '../errors.js';

const name = z.string().trim().min(1);
/** Where the reference files (dictionaries, sites, programme) are; the bundle ships them beside the code. */
const templatesDir = name.optional();
const positive = (fallback: number) => z.coerce.number().positive().default(fallback);
/** The portal's address, where one is deployed: templates and emails name it, and emails link to a return's page. */
const portalUrl = z.url({ protocol: /^https?$/ }).optional();

export const validatorSettingsSchema = z.object({
  BUCKET_NAME: name,
  TABLE_NAME: name,
  /** The verified SES identity feedback is sent from. */
  SENDER_EMAIL: z.email(),
  /** Optional: SES configuration set for bounce and complaint handling. */
  SES_CONFIGURATION_SET: name.optional(),
  /** FIFO queue the ReturnAccepted events go to, grouped by quarter. */
  RETURN_ACCEPTED_QUEUE_URL: z.url(),
  MAX_UPLOAD_MB: positive(10),
  FEEDBACK_LINK_DAYS: positive(7),
  /** The first retry of a failed feedback email, in seconds; later ones double, up to an hour. */
  EMAIL_RETRY_SECONDS: positive(300),
  TEMPLATES_DIR: templatesDir,
  PORTAL_URL: portalUrl,
});

/** The reconciling sweep sends feedback and processes uploads as the validator does, and escalates. */
export const sweepSettingsSchema = validatorSettingsSchema.extend({
  /** Where feedback that could not be delivered for a day is reported. */
  OPERATIONS_EMAIL: z.email(),
  /** An upload younger than this may still have its S3 event on the way. */
  SWEEP_GRACE_SECONDS: positive(600),
  /** Feedback undelivered this long after it was first owed is escalated. */
  ESCALATE_AFTER_HOURS: positive(24),
});

export const aggregatorSettingsSchema = z.object({
  BUCKET_NAME: name,
  TABLE_NAME: name,
  TEMPLATES_DIR: templatesDir,
});

/** The daily reminder function: reads the table, claims notices in it, and sends through SES. */
export const reminderSettingsSchema = z.object({
  TABLE_NAME: name,
  SENDER_EMAIL: z.email(),
  SES_CONFIGURATION_SET: name.optional(),
  TEMPLATES_DIR: templatesDir,
  PORTAL_URL: portalUrl,
});

export type ValidatorSettings = z.infer<typeof validatorSettingsSchema>;
export type AggregatorSettings = z.infer<typeof aggregatorSettingsSchema>;
export type SweepSettings = z.infer<typeof sweepSettingsSchema>;

export class ConfigurationError extends ReturnsError {}

export function parseSettings<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.')}: ${issue.input === undefined ? 'is not set' : issue.message}`,
  );
  throw new ConfigurationError(`The function's configuration is incomplete: ${problems.join('; ')}`);
}
