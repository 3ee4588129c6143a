/**
 * The values of one return, keyed by the dictionary's IDs: what validation
 * accepts, what the store keeps and what aggregation adds up. A missing key
 * means "not reported", never zero.
 */

/** count and money are numbers; date is an ISO date (`2025-09-30`); every other type is text. */
export type ItemValue = number | string;

export type TableRow = Readonly<Record<string, ItemValue>>;

export interface ReturnValues {
  /** Item ID → value, for every item that was reported. */
  readonly items: Readonly<Record<string, ItemValue>>;
  /** Table ID → its used rows in sheet order, each column ID → value. */
  readonly tables: Readonly<Record<string, readonly TableRow[]>>;
  /**
   * Required items the return says it cannot report this quarter (in its
   * explanations table), left blank: not reported, never zero. Absent when none.
   */
  readonly notReported?: readonly string[];
}

export function numberValue(values: ReturnValues, itemId: string): number | undefined {
  const value = values.items[itemId];
  return typeof value === 'number' ? value : undefined;
}
