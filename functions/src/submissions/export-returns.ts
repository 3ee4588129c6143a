/**
 * Export returns: the use case behind filtered downloads (`returns export`,
 * and the portal's download page to come).
 *
 * input: a checked filter, a format and a stream to write to
 * steps: for each quarter of the range, oldest first: read its current
 *        returns (one query) → keep the filter's sites, in registry order →
 *        turn each into tidy rows by its own dictionary version → write them
 * output: how many rows and returns were written
 *
 * One quarter's returns are held at a time, so the size of an export is
 * bounded by the stream, not by memory.
 */

import type { Writable } from 'node:stream';
import { ReturnsError } from '../errors.js';
import { formatPeriod } from '../programme/periods.js';
import type { ReferenceData } from '../reference/reference-data.js';
import {
  type ExportFilter,
  type ExportFormat,
  type ExportRow,
  periodsOf,
  rowsOfReturn,
  writeExport,
} from '../summaries/tidy-export.js';
import type { SubmissionStore } from './ports.js';

export interface ExportReturnsDeps {
  readonly store: Pick<SubmissionStore, 'currentReturns'>;
  readonly reference: Pick<ReferenceData, 'dictionaries' | 'sites'>;
  readonly clock: () => Date;
}

export async function exportReturns(
  deps: ExportReturnsDeps,
  filter: ExportFilter,
  format: ExportFormat,
  out: Writable,
  source: string,
): Promise<{ rows: number; returns: number }> {
  const counted = { returns: 0 };
  const rows = await writeExport(format, exportRows(deps, filter, counted), out, {
    filter,
    generatedAt: deps.clock(),
    source,
  });
  return { rows, returns: counted.returns };
}

export async function* exportRows(
  deps: ExportReturnsDeps,
  filter: ExportFilter,
  counted: { returns: number } = { returns: 0 },
): AsyncGenerator<ExportRow> {
  const order = deps.reference.sites.sites.map((site) => site.code);
  const rank = (site: string) => (order.includes(site) ? order.indexOf(site) : order.length);
  for (const period of periodsOf(filter)) {
    const returns = (await deps.store.currentReturns(formatPeriod(period)))
      .filter((entry) => filter.sites.length === 0 || filter.sites.includes(entry.site))
      .sort((a, b) => rank(a.site) - rank(b.site) || a.site.localeCompare(b.site));
    for (const entry of returns) {
      const dictionary = deps.reference.dictionaries.find(entry.dictionaryVersion);
      if (!dictionary) {
        // A stored return whose dictionary file is gone: the reference data is broken, not the request.
        throw new ReturnsError(
          `${entry.site} ${entry.period} was made with dictionary ${entry.dictionaryVersion}, which is not in templates/dictionaries`,
        );
      }
      counted.returns++;
      yield* rowsOfReturn(entry, dictionary, filter);
    }
  }
}
