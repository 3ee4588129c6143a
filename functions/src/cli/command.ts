import type { parseArgs } from 'node:util';

/**
 * One `returns` sub-command. Its one-line summary lives in main.ts's table, so
 * the help can list every command without loading any of them.
 */
export interface Command {
  readonly usage: string;
  readonly options: NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  /** Returns the exit code. */
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}
