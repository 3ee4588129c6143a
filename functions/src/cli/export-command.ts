/**
 * `returns export`: a filtered download of the stored returns, tidy (one row
 * per site × period × item), as CSV, JSON or xlsx. Streamed to a temporary
 * file beside the target and renamed into place only when complete, so a
 * failure never leaves half a file under the name asked for.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { UsageError } from '../errors.js';
import { exportReturns } from '../submissions/export-returns.js';
import {
  checkExportRequest,
  describeFilter,
  EXPORT_FORMATS,
  type ExportFormat,
} from '../summaries/tidy-export.js';
import type { Command } from './command.js';
import { cliReferenceData } from './reference.js';
import { connectToStack } from './stack-connection.js';

export const exportCommand: Command = {
  usage:
    'returns export --from 2025-26-Q1 --to 2025-26-Q4 [--site BLK ...] [--section B ...] [--domain DN ...] --format csv|json|xlsx --out FILE',
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    site: { type: 'string', multiple: true },
    section: { type: 'string', multiple: true },
    domain: { type: 'string', multiple: true },
    format: { type: 'string' },
    out: { type: 'string' },
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new UsageError(`Usage: ${this.usage}`);
    const format = values.format as string | undefined;
    if (!format || !(EXPORT_FORMATS as readonly string[]).includes(format)) {
      throw new UsageError(
        `${format ? `"${format}" is not a format we write.` : 'Please give --format.'} Choose --format csv, json or xlsx.`,
      );
    }
    const out = values.out as string | undefined;
    if (!out) throw new UsageError(`Please give --out.\nUsage: ${this.usage}`);
    if (!out.toLowerCase().endsWith(`.${format}`)) {
      throw new UsageError(`The output file should end in .${format}, not "${out}".`);
    }
    const reference = cliReferenceData();
    const list = (value: unknown) => (value as string[] | undefined) ?? [];
    const filter = checkExportRequest(
      {
        ...(values.from ? { from: values.from as string } : {}),
        ...(values.to ? { to: values.to as string } : {}),
        sites: list(values.site),
        sections: list(values.section),
        domains: list(values.domain),
      },
      reference,
    );
    const target = resolve(out);
    const folder = dirname(target);
    const isFolder = await stat(folder).then(
      (found) => found.isDirectory(),
      () => false,
    );
    if (!isFolder) throw new UsageError(`Cannot write ${target}: the folder ${folder} does not exist.`);

    const stack = connectToStack();
    const temporary = join(folder, `.${basename(target)}.${process.pid}.partial`);
    const file = createWriteStream(temporary);
    try {
      const written = await exportReturns(
        { store: stack.store, reference, clock: () => new Date() },
        filter,
        format as ExportFormat,
        file,
        `the stored returns on ${stack.where}`,
      );
      file.end();
      await finished(file);
      await rename(temporary, target);
      process.stdout.write(
        `Wrote ${written.rows.toLocaleString('en-GB')} rows from ${written.returns} returns (${describeFilter(filter)}) to\n  ${target}\n`,
      );
      if (written.returns === 0) {
        process.stdout.write('No accepted return matches the filter: the file has the headings only.\n');
      }
      return 0;
    } catch (error) {
      file.destroy();
      await rm(temporary, { force: true });
      throw error;
    } finally {
      stack.close();
    }
  },
};
