/**
 * Facts both stacks need: the bucket's key prefixes and each function's size.
 * The handlers build their keys with KEYS in functions/src/submissions/ports.ts;
 * the infra tests check that those keys fall under these prefixes, so the
 * grants and lifecycle rules cannot drift from what the code writes.
 */
import { Duration } from 'aws-cdk-lib';

export const PREFIXES = {
  /** Uploads from the partnerships: incoming/{SITE}/….xlsx. Kept. */
  incoming: 'incoming/',
  /** The accepted bytes of every submission: archive/{SITE}/{PERIOD}/{id}.xlsx. Kept, never deleted. */
  archive: 'archive/',
  /** Validation report and annotated copy: feedback/{SITE}/{PERIOD}/{id}/…. Expires. */
  feedback: 'feedback/',
  /** Programme summaries: summaries/{PERIOD}/programme.xlsx and published.xlsx. Kept. */
  summaries: 'summaries/',
  /** Staff's filtered downloads in AWS: exports/{uuid}/returns-….csv, linked for a minute. Expires in a day. */
  exports: 'exports/',
} as const;

/** Where the NodejsFunction bundles put the reference files, and TEMPLATES_DIR says so. */
export const BUNDLED_TEMPLATES_DIR = '/var/task/templates';

export const FUNCTION_SIZING = {
  /**
   * One batch holds up to 5 uploads of at most MAX_UPLOAD_MB each, read and
   * annotated in parallel: memory for the unzipped XML, and CPU (which Lambda
   * scales with memory) for the parsing.
   */
  validator: { memoryMb: 1536, timeout: Duration.minutes(2), batchSize: 5 },
  /** Rebuilds one quarter's summary workbooks with exceljs from the table. */
  aggregator: { memoryMb: 1024, timeout: Duration.minutes(2), batchSize: 10 },
} as const;

/**
 * AWS's advice for SQS event sources: a visibility timeout of at least six
 * times the function's timeout, so a batch that Lambda retries after throttling
 * is not handed to a second invocation while the first still runs.
 */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export function visibilityTimeoutFor(functionTimeout: Duration): Duration {
  return Duration.seconds(functionTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR);
}

/** Receives before a message moves to its dead-letter queue: enough for a passing fault, few enough to alarm soon. */
export const MAX_RECEIVE_COUNT = 5;
