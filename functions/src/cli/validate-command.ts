import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import { annotateWorkbook } from '../feedback/annotate-workbook.js';
import { renderReportText } from '../feedback/render-report.js';
import { periodFromUser } from '../programme/periods.js';
import { DEFAULT_PREFLIGHT_LIMITS } from '../reading/preflight.js';
import { reportJsonSchema, type ValidationReport } from '../validation/report.js';
import { tooLargeReport, validateReturn } from '../validation/validate-return.js';
import type { Command } from './command.js';
import { writeOutputFile } from './output.js';
import { cliReferenceData } from './reference.js';

/** Exit codes: 0 accepted (perhaps with warnings), 1 rejected, 2 a usage or system error. */
export const validateCommand: Command = {
  usage:
    'returns validate FILE.xlsx [--site BLK] [--period 2025-26-Q2] [--json] [--annotated OUT.xlsx] [--max-size-mb 10] | returns validate --json-schema',
  options: {
    site: { type: 'string' },
    period: { type: 'string' },
    json: { type: 'boolean', default: false },
    annotated: { type: 'string' },
    'max-size-mb': { type: 'string' },
    'json-schema': { type: 'boolean', default: false },
  },
  async run(values, positionals) {
    if (values['json-schema']) {
      process.stdout.write(`${JSON.stringify(reportJsonSchema(), null, 2)}\n`);
      return 0;
    }
    const [file, ...extra] = positionals;
    if (!file || extra.length > 0)
      throw new UsageError(`Please give one file to check.\nUsage: ${this.usage}`);
    const reference = cliReferenceData();
    const site = values.site ? reference.sites.get(values.site as string).code : undefined;
    const period = values.period ? periodFromUser(values.period as string) : undefined;
    const limits = {
      ...DEFAULT_PREFLIGHT_LIMITS,
      maxFileBytes: maxFileBytes(values['max-size-mb'] as string | undefined),
    };
    const annotated = values.annotated as string | undefined;
    if (annotated && !annotated.toLowerCase().endsWith('.xlsx')) {
      throw new UsageError(`The annotated copy should end in .xlsx, not "${annotated}".`);
    }

    const size = await stat(file).then(
      (info) => {
        if (!info.isFile()) throw new UsageError(`${file} is not a file.`);
        return info.size;
      },
      (cause: NodeJS.ErrnoException) => {
        throw new UsageError(
          cause.code === 'ENOENT' ? `There is no file ${file}.` : `Cannot read ${file} (${cause.code}).`,
          { cause },
        );
      },
    );
    const name = basename(file);
    let report: ValidationReport;
    let bytes: Buffer | undefined;
    if (size > limits.maxFileBytes) {
      // Refused on its size alone: never read a file we would not accept into memory.
      report = tooLargeReport(size, limits, name);
    } else {
      bytes = await readFile(file);
      report = await validateReturn(bytes, {
        dictionaries: reference.dictionaries,
        sites: reference.sites,
        programme: reference.programme,
        fileName: name,
        preflightLimits: limits,
        ...(site ? { expectedSite: site } : {}),
        ...(period ? { expectedPeriod: period } : {}),
      });
    }

    process.stdout.write(
      values.json ? `${JSON.stringify(report, null, 2)}\n` : renderReportText(report, reference.sites),
    );
    if (annotated) {
      const copy = bytes ? await annotateWorkbook(bytes, report) : undefined;
      if (copy) {
        const written = await writeOutputFile(annotated, copy);
        process.stderr.write(`Wrote an annotated copy to ${written}\n`);
      } else {
        process.stderr.write('No annotated copy was written: the file could not be opened as a workbook.\n');
      }
    }
    return report.status === 'rejected' ? 1 : 0;
  },
};

function maxFileBytes(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PREFLIGHT_LIMITS.maxFileBytes;
  const megabytes = Number(text);
  if (!Number.isFinite(megabytes) || megabytes <= 0 || megabytes > 1024) {
    throw new UsageError(`--max-size-mb should be a number of megabytes between 0 and 1024, not "${text}".`);
  }
  return Math.round(megabytes * 1024 * 1024);
}
