/**
 * `returns publish`: publish a quarter or a year to date as a numbered
 * release, after the disclosure audit. Exit 0 published, 1 refused or beaten
 * to it by another publication (the message says why; nothing was
 * published), 2 usage or system error.
 */
import { userInfo } from 'node:os';
import { UsageError } from '../errors.js';
import { listReleases, publishRelease } from '../submissions/publish-release.js';
import type { Command } from './command.js';
import { cliReferenceData } from './reference.js';
import { connectToStack } from './stack-connection.js';

export const publishCommand: Command = {
  usage: 'returns publish (--period 2025-26-Q3 | --year 2025-26) [--by NAME] [--list]',
  options: {
    period: { type: 'string' },
    year: { type: 'string' },
    by: { type: 'string' },
    list: { type: 'boolean', default: false },
  },
  async run(values) {
    if (Boolean(values.period) === Boolean(values.year))
      throw new UsageError(`Give either --period or --year.\nUsage: ${this.usage}`);
    const reference = cliReferenceData();
    const stack = connectToStack();
    try {
      if (values.list) {
        const records = await listReleases(stack, (values.period ?? values.year) as string);
        if (records.length === 0) process.stdout.write('No releases yet.\n');
        for (const record of records) {
          process.stdout.write(
            `release ${record.number}  ${record.publishedAt.slice(0, 16).replace('T', ' ')}  ${record.publishedBy}  ${record.submissions.length} returns${record.changes.length > 0 ? `  (${record.changes.slice(1).join(' ')})` : ''}\n`,
          );
        }
        return 0;
      }
      const publishedBy =
        (values.by as string | undefined) ?? process.env.RETURNS_USER ?? userInfo().username;
      const outcome = await publishRelease(
        {
          store: stack.store,
          files: stack.files,
          releases: stack.releases,
          reference,
          clock: () => new Date(),
          log: { info() {}, warn() {}, error() {} },
        },
        values.period
          ? { period: values.period as string, publishedBy }
          : { year: values.year as string, publishedBy },
      );
      if (outcome.outcome === 'published') {
        process.stdout.write(`${outcome.message}\n`);
        return 0;
      }
      if (outcome.outcome === 'refused' && outcome.reason === 'bad-period')
        throw new UsageError(outcome.message);
      process.stderr.write(`returns: ${outcome.message}\n`);
      return 1;
    } finally {
      stack.close();
    }
  },
};
