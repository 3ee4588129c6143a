/**
 * Filtered downloads for funder staff: the form's choices → the same checked
 * filter `returns export` uses → the tidy export (submissions/
 * export-returns.ts), one row per site × quarter × item with units and
 * dictionary version, built from the stored returns one quarter at a time.
 *
 * Delivery depends on the runtime (StaffStores.exportDelivery): on a Node
 * server the response streams as rows are written; behind API Gateway, which
 * buffers a Lambda's answer and takes at most 6 MB, the file is written under
 * exports/ and the browser is sent a link signed for a minute.
 *
 * Each field is checked on its own, so the form can show every problem at once
 * next to its field, in words fit for a person (never the CLI's --options).
 */
import { randomUUID } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { ReturnsError } from '../errors.js';
import { describePeriod, formatPeriod, type Period, periodContaining, today } from '../programme/periods.js';
import type { ReferenceData } from '../reference/reference-data.js';
import { exportReturns } from '../submissions/export-returns.js';
import type { Log } from '../submissions/ports.js';
import {
  checkExportRequest,
  EXPORT_FORMATS,
  type ExportFilter,
  type ExportFormat,
  MAX_EXPORT_QUARTERS,
} from '../summaries/tidy-export.js';
import type { PortalData } from './portal-data.js';

/** What the form sent, as typed (query parameters; repeated for the lists). */
export interface DownloadRequest {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly sites: readonly string[];
  readonly sections: readonly string[];
  readonly domains: readonly string[];
  readonly format?: string | undefined;
}

export type DownloadField = 'from' | 'to' | 'sites' | 'sections' | 'domains' | 'format';

export interface DownloadError {
  readonly field: DownloadField;
  readonly message: string;
}

export interface DownloadChoices {
  readonly periods: ReadonlyArray<{ readonly value: string; readonly label: string }>;
  readonly sites: ReadonlyArray<{ readonly value: string; readonly label: string }>;
  readonly sections: ReadonlyArray<{ readonly value: string; readonly label: string }>;
  readonly domains: ReadonlyArray<{ readonly value: string; readonly label: string }>;
  readonly maxQuarters: number;
}

export const FORMAT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** The quarters of the programme so far, the sites, and the current dictionary's sections and domains. */
export function downloadChoices(reference: ReferenceData, now: Date): DownloadChoices {
  const { programme } = reference;
  const latest = periodContaining(today(now));
  const periods: Period[] = [];
  for (let year = programme.firstPeriod.startYear; year <= programme.lastPeriod.startYear; year++) {
    for (let quarter = 1; quarter <= 4; quarter++) {
      const period = { startYear: year, quarter } as Period;
      if (year * 4 + quarter <= latest.startYear * 4 + latest.quarter) periods.push(period);
    }
  }
  const dictionary = reference.dictionaries.forPeriod(periods.at(-1) ?? (programme.firstPeriod as Period));
  return {
    periods: periods.map((period) => ({ value: formatPeriod(period), label: describePeriod(period) })),
    sites: reference.sites.sites.map((site) => ({ value: site.code, label: site.name })),
    sections: dictionary.sections.map((section) => ({
      value: section.id,
      label: `${section.id}: ${section.title}`,
    })),
    domains: (dictionary.codeLists.get('domain') ?? []).map((code) => ({
      value: code.code,
      label: code.label,
    })),
    maxQuarters: MAX_EXPORT_QUARTERS,
  };
}

/** The CLI's words for its options, as the form names the same fields. */
function forTheForm(message: string): string {
  return message
    .replace(/^--from: /, 'The first quarter: ')
    .replace(/^--to: /, 'The last quarter: ')
    .replace(/^"(.+)" is not a quarter: write it like/, '"$1" is not a quarter: choose one like');
}

/** Checks every field; returns the filter and format, or each problem with its field. */
export function checkDownload(
  request: DownloadRequest,
  reference: ReferenceData,
): { filter: ExportFilter; format: ExportFormat } | { errors: DownloadError[] } {
  const errors: DownloadError[] = [];
  const attempt = (field: DownloadField, check: () => void) => {
    try {
      check();
    } catch (error) {
      // UsageError and the registry's own refusals carry a message for a person; anything else is a fault.
      if (!(error instanceof ReturnsError) || !error.expose) throw error;
      errors.push({ field, message: forTheForm(error.message) });
    }
  };
  const range = { from: request.from, to: request.to };
  if (!request.from) errors.push({ field: 'from', message: 'Choose the first quarter to download.' });
  if (!request.to) errors.push({ field: 'to', message: 'Choose the last quarter to download.' });
  let rangeFine = false;
  if (request.from && request.to) {
    attempt('from', () => {
      checkExportRequest(range, reference);
      rangeFine = true;
    });
  }
  // Lists are checked over a range known to be good, so each gets its own message.
  const good = rangeFine ? range : undefined;
  const within = good ?? {
    from: formatPeriod(reference.programme.firstPeriod),
    to: formatPeriod(reference.programme.firstPeriod),
  };
  attempt('sites', () => checkExportRequest({ ...within, sites: request.sites }, reference));
  attempt('sections', () => checkExportRequest({ ...within, sections: request.sections }, reference));
  attempt('domains', () => checkExportRequest({ ...within, domains: request.domains }, reference));
  const format = request.format;
  if (!format || !(EXPORT_FORMATS as readonly string[]).includes(format)) {
    errors.push({
      field: 'format',
      message: format
        ? `"${format}" is not a format we write: choose CSV, Excel or JSON.`
        : 'Choose a format: CSV, Excel or JSON.',
    });
  }
  if (errors.length > 0) return { errors };
  const filter = checkExportRequest(
    {
      ...(good as { from: string; to: string }),
      sites: request.sites,
      sections: request.sections,
      domains: request.domains,
    },
    reference,
  );
  return { filter, format: format as ExportFormat };
}

export function exportFileName(filter: ExportFilter, format: ExportFormat): string {
  const from = formatPeriod(filter.from);
  const to = formatPeriod(filter.to);
  return `returns-${from === to ? from : `${from}-to-${to}`}.${format}`;
}

export type Delivery =
  | {
      readonly kind: 'stream';
      readonly body: ReadableStream;
      readonly fileName: string;
      readonly contentType: string;
    }
  | { readonly kind: 'link'; readonly url: string };

/**
 * Runs the export and delivers it as the runtime allows. A fault after the
 * first bytes of a stream has gone ends the download unfinished (the browser
 * says it failed), and is logged; nothing is half-written under exports/.
 */
export async function deliverDownload(
  data: PortalData,
  context: { readonly reference: ReferenceData; readonly clock: () => Date; readonly log: Log },
  filter: ExportFilter,
  format: ExportFormat,
  linkSeconds: number,
): Promise<Delivery> {
  const fileName = exportFileName(filter, format);
  const deps = {
    store: { currentReturns: (period: string) => data.currentReturns(period) },
    reference: context.reference,
    clock: context.clock,
  };
  const source = 'the stored returns (portal download)';
  if (data.exportDelivery === 'stream') {
    const out = new PassThrough();
    exportReturns(deps, filter, format, out, source).then(
      () => out.end(),
      (error: unknown) => {
        context.log.error('a filtered download failed while streaming', { error: String(error) });
        out.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
    return {
      kind: 'stream',
      body: Readable.toWeb(out) as unknown as ReadableStream,
      fileName,
      contentType: FORMAT_TYPES[format],
    };
  }
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      done();
    },
  });
  await exportReturns(deps, filter, format, sink, source);
  const key = `exports/${randomUUID()}/${fileName}`;
  await data.writeExport(key, Buffer.concat(chunks), FORMAT_TYPES[format]);
  return { kind: 'link', url: await data.signDownload(key, fileName, linkSeconds) };
}
