import { completeness } from '../aggregation/completeness.js';
import { UsageError } from '../errors.js';
import { count } from '../feedback/wording.js';
import {
  describePeriod,
  type Period,
  parseYear,
  periodFromUser,
  quartersOfYear,
} from '../programme/periods.js';
import { buildSummaries } from '../submissions/aggregate-period.js';
import { toCsv } from '../summaries/write-csv.js';
import { TIDY_HEADINGS, tidyRows } from '../summaries/write-summary.js';
import type { Command } from './command.js';
import { writeOutputFile } from './output.js';
import { cliReferenceData } from './reference.js';
import { connectToStack } from './stack-connection.js';

export const summaryCommand: Command = {
  usage:
    'returns summary (--period 2025-26-Q2 | --year 2025-26) [--published | --csv [--with-personal-data]] --out FILE',
  options: {
    period: { type: 'string' },
    year: { type: 'string' },
    published: { type: 'boolean', default: false },
    csv: { type: 'boolean', default: false },
    'with-personal-data': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
  async run(values) {
    const out = values.out as string | undefined;
    if (!out) throw new UsageError(`Please give --out.\nUsage: ${this.usage}`);
    if (Boolean(values.period) === Boolean(values.year))
      throw new UsageError(`Give either --period or --year.\nUsage: ${this.usage}`);
    if (values.published && values.csv) throw new UsageError('Give --published or --csv, not both.');
    const extension = values.csv ? '.csv' : '.xlsx';
    if (!out.toLowerCase().endsWith(extension))
      throw new UsageError(`The output file should end in ${extension}, not "${out}".`);
    const reference = cliReferenceData();
    let period: Period;
    if (values.period) {
      period = reference.programme.requirePeriod(periodFromUser(values.period as string));
    } else {
      const parsed = parseYear(values.year as string);
      if ('problem' in parsed) throw new UsageError(`${parsed.problem}.`);
      period = reference.programme.requirePeriod({ startYear: parsed.startYear, quarter: 4 });
    }
    const stack = connectToStack();
    try {
      const overview = await stack.store.yearOverview(
        `${period.startYear}-${String((period.startYear + 1) % 100).padStart(2, '0')}`,
      );
      const scope = values.year ? 'year' : 'quarter';
      const built = await buildSummaries({ reference, clock: () => new Date() }, period, overview, scope);
      let bytes: Buffer;
      if (values.csv) {
        const cells = completeness({
          sites: built.summary.sites,
          periods: quartersOfYear(period.startYear),
          programme: reference.programme,
          submissions: overview.submissions,
          current: overview.current,
          now: new Date(),
        });
        bytes = Buffer.from(
          toCsv(
            TIDY_HEADINGS,
            // Contact and sign-off names and emails only when asked for: a CSV travels further than the workbook.
            [
              ...tidyRows(built.summary, reference.sites.sites, cells, {
                personalData: values['with-personal-data'] === true,
              }),
            ].map((row) => row.values),
          ),
          'utf8',
        );
      } else {
        bytes = values.published ? await built.published() : built.programme;
      }
      const written = await writeOutputFile(out, bytes);
      const what = values.year ? `${values.year} year to date` : describePeriod(period);
      process.stdout.write(
        `Wrote the ${values.published ? 'published ' : ''}${values.csv ? 'data (CSV) ' : ''}summary for ${what} from ${count(built.returns, 'accepted return')} (${describePeriod({ ...period, quarter: 1 })} to Q${period.quarter}) on ${stack.where}:\n  ${written}\n`,
      );
      if (!values.year && built.quarterReturns === 0) {
        process.stdout.write(
          `There are no accepted returns for ${describePeriod(period)} itself yet; the workbook says so.\n`,
        );
      }
      return 0;
    } finally {
      stack.close();
    }
  },
};
