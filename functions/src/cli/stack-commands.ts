/** Commands that talk to a running stack: submit a return, and see what has arrived. */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { COMPLETENESS_LABELS, completeness } from '../aggregation/completeness.js';
import { uploadKey } from '../config/uploads.js';
import { UsageError } from '../errors.js';
import { findingsTally, SUBMISSION_STATUS_WORDS } from '../feedback/wording.js';
import {
  describePeriod,
  formatYear,
  type Period,
  parseYear,
  periodContaining,
  periodFromUser,
  quartersOfYear,
  today,
} from '../programme/periods.js';
import type { Submission, UnroutableUpload } from '../returns/submission.js';
import type { Command } from './command.js';
import { cliReferenceData } from './reference.js';
import { connectToStack } from './stack-connection.js';

/** What Excel sends; the validator reads the bytes, not this, but S3 shows it. */
const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export const submitCommand: Command = {
  usage: 'returns submit FILE.xlsx --site BLK',
  options: { site: { type: 'string' } },
  async run(values, positionals) {
    const [file, ...extra] = positionals;
    if (!file || extra.length > 0 || typeof values.site !== 'string')
      throw new UsageError(`Usage: ${this.usage}`);
    const site = cliReferenceData().sites.get(values.site);
    await stat(file).catch((cause) => {
      throw new UsageError(`There is no file ${file}.`, { cause });
    });
    const stack = connectToStack();
    try {
      const key = uploadKey(site.code, basename(file));
      await stack.files.write(key, await readFile(file), XLSX_CONTENT_TYPE);
      process.stdout.write(
        `Sent ${basename(file)} for ${site.name} to ${stack.where} as s3://${stack.bucket}/${key}.\nThe feedback email follows within a minute; "returns submissions --site ${site.code}" shows what happened.\n`,
      );
      return 0;
    } finally {
      stack.close();
    }
  },
};

export const statusCommand: Command = {
  usage: 'returns status [--period 2025-26-Q2 | --year 2025-26] [--json]',
  options: {
    period: { type: 'string' },
    year: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  async run(values) {
    if (values.period && values.year) throw new UsageError('Give --period or --year, not both.');
    const reference = cliReferenceData();
    let periods: Period[];
    if (values.period) {
      periods = [reference.programme.requirePeriod(periodFromUser(values.period as string))];
    } else {
      const parsed = values.year
        ? parseYear(values.year as string)
        : { startYear: periodContaining(today()).startYear };
      if ('problem' in parsed) throw new UsageError(`${parsed.problem}.`);
      periods = quartersOfYear(parsed.startYear);
    }
    const year = formatYear((periods[0] as Period).startYear);
    const stack = connectToStack();
    try {
      const overview = await stack.store.yearOverview(year);
      const cells = completeness({
        sites: reference.sites.sites.map((site) => site.code),
        periods,
        programme: reference.programme,
        submissions: overview.submissions,
        current: overview.current,
        now: new Date(),
      });
      const attention = await attentionLists(stack, reference, year, overview.submissions);
      if (values.json) {
        // The grid, then what no cell can show: uploads no site could claim, files no quarter could take.
        process.stdout.write(
          `${JSON.stringify(
            {
              year,
              cells,
              unroutableUploads: attention.unroutable,
              unreadableFiles: attention.unreadable.map(({ values: _values, ...rest }) => rest),
              undeliveredEmails: attention.emails.map((submission) => ({
                submissionId: submission.submissionId,
                site: submission.site,
                ...(submission.period ? { period: submission.period } : {}),
                s3Key: submission.s3Key,
                emailState: submission.emailState,
              })),
            },
            null,
            2,
          )}\n`,
        );
        return 0;
      }
      const width =
        Math.max(...cells.map((cell) => COMPLETENESS_LABELS[cell.state].length + (cell.late ? 7 : 0))) + 3;
      const header = [
        'Site'.padEnd(12),
        ...periods.map((period) => describePeriod(period).padEnd(width)),
      ].join('');
      const lines = reference.sites.sites.map((site) =>
        [
          site.shortName.padEnd(12),
          ...periods.map((period) => {
            const cell = cells.find(
              (entry) => entry.site === site.code && entry.period === `${year}-Q${period.quarter}`,
            );
            if (!cell) return ''.padEnd(width);
            const late = cell.late && cell.state !== 'missing' ? ' (late)' : '';
            return `${COMPLETENESS_LABELS[cell.state]}${late}`.padEnd(width);
          }),
        ].join(''),
      );
      process.stdout.write(
        `Returns on ${stack.where}, ${year}\n\n${header.trimEnd()}\n${lines.map((line) => line.trimEnd()).join('\n')}\n\n` +
          'rejected: files were sent but none was accepted. late: accepted after the due date, or not accepted by it.\n',
      );
      process.stdout.write(needsAttention(attention));
      return 0;
    } finally {
      stack.close();
    }
  },
};

export const submissionsCommand: Command = {
  usage: 'returns submissions --site BLK [--period 2025-26-Q2] [--json]',
  options: {
    site: { type: 'string' },
    period: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  async run(values) {
    if (typeof values.site !== 'string') throw new UsageError(`Please give --site.\nUsage: ${this.usage}`);
    const reference = cliReferenceData();
    const site = reference.sites.get(values.site);
    const period = values.period ? periodFromUser(values.period as string) : undefined;
    const stack = connectToStack();
    try {
      const submissions = await stack.store.siteSubmissions(
        site.code,
        period ? `${formatYear(period.startYear)}-Q${period.quarter}` : undefined,
      );
      if (values.json) {
        process.stdout.write(
          `${JSON.stringify(
            submissions.map(({ values: _values, ...rest }) => rest),
            null,
            2,
          )}\n`,
        );
        return 0;
      }
      if (submissions.length === 0) {
        process.stdout.write(
          `${site.name} has sent no returns${period ? ` for ${describePeriod(period)}` : ''} to ${stack.where}.\n`,
        );
        return 0;
      }
      const rows = submissions.map((submission) => [
        submission.receivedAt.replace('T', ' ').slice(0, 16),
        submission.period ?? '(unreadable)',
        SUBMISSION_STATUS_WORDS[submission.status],
        findingsTally(submission.counts),
        `email ${submission.emailState}`,
        basename(submission.s3Key),
        submission.submissionId,
      ]);
      const headers = ['Received (UTC)', 'Quarter', 'Status', 'Findings', 'Email', 'File', 'Reference'];
      const widths = headers.map((header, column) =>
        Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
      );
      const format = (row: string[]) =>
        row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join('  ')
          .trimEnd();
      process.stdout.write(
        `${site.name}: submissions on ${stack.where}\n\n${[format(headers), ...rows.map(format)].join('\n')}\n`,
      );
      return 0;
    } finally {
      stack.close();
    }
  },
};

/**
 * What staff must look at beyond the grid: uploads no site could claim, files
 * that could not be read as any quarter's return (so no cell shows them), and
 * feedback emails still owed or escalated.
 */
async function attentionLists(
  stack: ReturnType<typeof connectToStack>,
  reference: ReturnType<typeof cliReferenceData>,
  year: string,
  yearSubmissions: readonly Submission[],
): Promise<{ unroutable: UnroutableUpload[]; unreadable: Submission[]; emails: Submission[] }> {
  const startYear = Number(year.slice(0, 4));
  // From the year's start on: an upload with no quarter may arrive late, after the year is over.
  const inYear = (iso: string) => iso >= `${startYear}-04-01`;
  const unroutable = (await stack.store.unroutableUploads()).filter((upload) => inYear(upload.receivedAt));
  const unreadable = (
    await Promise.all(reference.sites.sites.map((site) => stack.store.siteSubmissions(site.code)))
  )
    .flat()
    .filter((submission) => !submission.period && inYear(submission.receivedAt));
  const emails = [...yearSubmissions, ...unreadable].filter((submission) =>
    ['pending', 'sending', 'escalated', 'failed'].includes(submission.emailState),
  );
  return { unroutable, unreadable, emails };
}

/** The lists above as text for the terminal; empty when there is nothing. */
function needsAttention(lists: Awaited<ReturnType<typeof attentionLists>>): string {
  const { unroutable, unreadable, emails } = lists;
  const when = (iso: string) => iso.replace('T', ' ').slice(0, 16);
  const sections: string[] = [];
  if (unroutable.length > 0) {
    sections.push(
      `Uploads no site could claim (${unroutable.length}): nobody was emailed; move each to incoming/{SITE}/ or delete it.\n${unroutable
        .slice(0, 50)
        .map(
          (upload) => `  ${when(upload.receivedAt)}  ${upload.key}  (${upload.bytes} bytes): ${upload.why}`,
        )
        .join('\n')}${unroutable.length > 50 ? `\n  …and ${unroutable.length - 50} more` : ''}`,
    );
  }
  if (unreadable.length > 0) {
    sections.push(
      `Files that could not be read as any quarter's return (${unreadable.length}): each site was emailed why.\n${unreadable
        .map(
          (submission) =>
            `  ${when(submission.receivedAt)}  ${submission.site}  ${basename(submission.s3Key)}  (reference ${submission.submissionId})`,
        )
        .join('\n')}`,
    );
  }
  if (emails.length > 0) {
    sections.push(
      `Feedback emails not yet delivered (${emails.length}): pending ones are retried for a day, then escalated to operations.\n${emails
        .map(
          (submission) =>
            `  ${submission.site}  ${submission.period ?? '(unreadable)'}  ${basename(submission.s3Key)}  email ${submission.emailState}`,
        )
        .join('\n')}`,
    );
  }
  return sections.length > 0 ? `\n${sections.join('\n\n')}\n` : '';
}
