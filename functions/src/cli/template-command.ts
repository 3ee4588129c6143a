import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { count } from '../feedback/wording.js';
import {
  describePeriod,
  formatPeriod,
  type Period,
  periodContaining,
  periodFromUser,
  today,
} from '../programme/periods.js';
import type { Site } from '../programme/sites.js';
import type { ReferenceData } from '../reference/reference-data.js';
import { writeTemplate } from '../template/write-template.js';
import type { Command } from './command.js';
import { writeOutputFile } from './output.js';
import { cliReferenceData } from './reference.js';

export const templateCommand: Command = {
  usage: 'returns template --site BLK --period 2025-26-Q2 --out FILE.xlsx [--version 2025-26]',
  options: {
    site: { type: 'string' },
    period: { type: 'string' },
    out: { type: 'string' },
    version: { type: 'string' },
  },
  async run(values) {
    const site = required(values, 'site', this.usage);
    const periodText = required(values, 'period', this.usage);
    const out = required(values, 'out', this.usage);
    if (!out.toLowerCase().endsWith('.xlsx'))
      throw new UsageError(`The output file should end in .xlsx, not "${out}".`);
    const reference = cliReferenceData();
    const bytes = await templateFor(
      reference,
      reference.sites.get(site),
      periodFromUser(periodText),
      values.version as string | undefined,
    );
    const written = await writeOutputFile(out, bytes);
    process.stdout.write(`Wrote ${written}\n`);
    return 0;
  },
};

export const templatesCommand: Command = {
  usage: 'returns templates [--period 2025-26-Q2] [--out-dir out]',
  options: {
    period: { type: 'string' },
    'out-dir': { type: 'string', default: 'out' },
  },
  async run(values) {
    const reference = cliReferenceData();
    const period = values.period ? periodFromUser(values.period as string) : periodContaining(today());
    const folder = values['out-dir'] as string;
    const written: string[] = [];
    for (const site of reference.sites.sites) {
      const bytes = await templateFor(reference, site, period);
      written.push(
        await writeOutputFile(join(folder, `${site.code}-${formatPeriod(period)}.xlsx`), bytes, {
          createFolder: true,
        }),
      );
    }
    process.stdout.write(
      `Wrote the ${describePeriod(period)} templates for ${count(written.length, 'site')}:\n${written.map((file) => `  ${file}`).join('\n')}\n`,
    );
    return 0;
  },
};

async function templateFor(
  reference: ReferenceData,
  site: Site,
  period: Period,
  version?: string,
): Promise<Buffer> {
  reference.programme.requirePeriod(period);
  const dictionary = version ? reference.dictionaries.get(version) : reference.dictionaries.forPeriod(period);
  return writeTemplate({
    dictionary,
    programme: reference.programme,
    site,
    sites: reference.sites.sites,
    period,
  });
}

function required(values: Record<string, string | boolean | undefined>, name: string, usage: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '')
    throw new UsageError(`Please give --${name}.\nUsage: ${usage}`);
  return value.trim();
}
