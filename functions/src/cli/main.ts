/**
 * The `returns` command: one entry point, one sub-command per job. Mistakes of
 * the person typing (an unknown site, an impossible quarter, a path that cannot
 * be written) end with one plain line and exit code 2; nothing they do should
 * show them a stack trace.
 */
import { parseArgs } from 'node:util';
import { ReferenceDataError, ReturnsError, UsageError } from '../errors.js';
import type { Command } from './command.js';

export type { Command } from './command.js';

interface CommandEntry {
  readonly summary: string;
  /**
   * Each command is loaded only when it is called: `returns validate` should not
   * pay for the emulators, the AWS SDK or exceljs, which other commands need.
   */
  load(): Promise<Command>;
}

const COMMANDS: Record<string, CommandEntry> = {
  template: {
    summary: "Write one site's blank return template for a quarter.",
    load: async () => (await import('./template-command.js')).templateCommand,
  },
  templates: {
    summary:
      "Write every site's blank template for a quarter (the current quarter unless --period is given).",
    load: async () => (await import('./template-command.js')).templatesCommand,
  },
  dictionary: {
    summary: 'Print the data dictionary for people: sections, items, definitions, rules and indicators.',
    load: async () => (await import('./dictionary-command.js')).dictionaryCommand,
  },
  validate: {
    summary: 'Check a filled-in return against the data dictionary, as the funder will when it is sent.',
    load: async () => (await import('./validate-command.js')).validateCommand,
  },
  local: {
    summary:
      'Run the whole pipeline on this machine with local S3, DynamoDB and email (npm start runs this).',
    load: async () => (await import('./local-command.js')).localCommand,
  },
  submit: {
    summary: 'Send a filled-in return to the stack, as a grant holder does (uploads to incoming/SITE/).',
    load: async () => (await import('./stack-commands.js')).submitCommand,
  },
  status: {
    summary: 'Show which sites have sent which quarters: accepted, rejected, missing, late or not yet due.',
    load: async () => (await import('./stack-commands.js')).statusCommand,
  },
  submissions: {
    summary: "List a site's submissions: when each arrived, its result, and whether its email was sent.",
    load: async () => (await import('./stack-commands.js')).submissionsCommand,
  },
  review: {
    summary:
      "Show a site-quarter's review (awaiting review, queried, signed off) and who did what, when and why.",
    load: async () => (await import('./review-command.js')).reviewCommand,
  },
  summary: {
    summary: 'Write the programme summary workbook for a quarter or a year, from the returns on the stack.',
    load: async () => (await import('./summary-command.js')).summaryCommand,
  },
  remind: {
    summary: 'Send (or with --dry-run, list) the reminders, chasers and staff digest due today.',
    load: async () => (await import('./remind-command.js')).remindCommand,
  },
  export: {
    summary:
      'Download the stored returns as tidy rows (CSV, JSON or xlsx), filtered by site, section and period.',
    load: async () => (await import('./export-command.js')).exportCommand,
  },
  publish: {
    summary:
      'Publish a quarter or a year to date as a numbered release, after the disclosure audit clears it.',
    load: async () => (await import('./publish-command.js')).publishCommand,
  },
  redrive: {
    summary: 'Move dead-lettered upload and recompute messages back to their queues, and say what moved.',
    load: async () => (await import('./redrive-command.js')).redriveCommand,
  },
};

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(helpText());
    return name ? 0 : 2;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    process.stderr.write(`returns: there is no command "${name}".\n\n${helpText()}`);
    return 2;
  }
  try {
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${entry.summary}\n\nUsage: ${command.usage}\n`);
      return 0;
    }
    const { values, positionals } = parseCommandLine(command, rest);
    return await command.run(values as Record<string, string | boolean | undefined>, positionals);
  } catch (error) {
    return reportFailure(error);
  }
}

function parseCommandLine(command: Command, args: readonly string[]) {
  try {
    return parseArgs({ args: [...args], options: command.options, allowPositionals: true, strict: true });
  } catch (cause) {
    // Node's messages name the option; say it in the user's terms and show the usage.
    const message = (cause as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(
      `${message.replace(/^Unknown option/, 'There is no option')}.\nUsage: ${command.usage}`,
      { cause },
    );
  }
}

export function reportFailure(error: unknown): number {
  if (error instanceof ReferenceDataError) {
    process.stderr.write(`returns: ${error.message}\n`);
    return 2;
  }
  if (error instanceof ReturnsError && error.expose) {
    process.stderr.write(`returns: ${error.message}\n`);
    return 2;
  }
  // An internal fault: say so plainly; the detail is for whoever maintains the tool.
  process.stderr.write(
    `returns: something went wrong inside the tool, not with your input. ${
      process.env.RETURNS_DEBUG
        ? ''
        : 'Run again with RETURNS_DEBUG=1 to see the details, and send them to the maintainers.'
    }\n`,
  );
  if (process.env.RETURNS_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  return 2;
}

function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return `returns: quarterly monitoring returns, from template to programme summary.

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
  .join('\n')}

Run "returns COMMAND --help" for a command's options.
`;
}
