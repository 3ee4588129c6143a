/**
 * The `returns` command: one entry point, one sub-command per job. Mistakes of
 * the person typing (an unknown site, an impossible quarter, a path that cannot
 * be written) end with one plain line and exit code 2; nothing they do should
 * show them a stack trace.
 */
import { parseArgs } from 'node:util';
import { ReferenceDataError, ReturnsError, UsageError } from '../errors.js';
import { dictionaryCommand } from './dictionary-command.js';
import { localCommand } from './local-command.js';
import { redriveCommand } from './redrive-command.js';
import { statusCommand, submissionsCommand, submitCommand } from './stack-commands.js';
import { summaryCommand } from './summary-command.js';
import { templateCommand, templatesCommand } from './template-command.js';
import { validateCommand } from './validate-command.js';

export interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly options: NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  /** Returns the exit code. */
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  template: templateCommand,
  templates: templatesCommand,
  dictionary: dictionaryCommand,
  validate: validateCommand,
  local: localCommand,
  submit: submitCommand,
  status: statusCommand,
  submissions: submissionsCommand,
  redrive: redriveCommand,
  summary: summaryCommand,
};

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(helpText());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`returns: there is no command "${name}".\n\n${helpText()}`);
    return 2;
  }
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${command.summary}\n\nUsage: ${command.usage}\n`);
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
