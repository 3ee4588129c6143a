/**
 * `returns local` (what `npm start` runs): the whole pipeline on this machine.
 * Starts the emulators with data under .local/, creates the bucket and table,
 * wires S3 events to the same handler Lambda runs, loads the demonstration
 * returns on first start, prints where everything is, and stops cleanly on
 * Ctrl-C. A restart keeps the data.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createLogger, powertoolsLog } from '../adapters/powertools-observability.js';
import { UsageError } from '../errors.js';
import { count } from '../feedback/wording.js';
import { demoQuarters, loadDemo } from '../local/demo.js';
import { LOCAL_DEFAULTS, startLocalStack } from '../local/local-stack.js';
import { describePeriod, formatYear } from '../programme/periods.js';
import type { Log } from '../submissions/ports.js';
import type { Command } from './command.js';
import { cliReferenceData } from './reference.js';
import { localDir, type StackDescription } from './stack-connection.js';

export const localCommand: Command = {
  usage:
    'returns local [--no-demo] [--demo-as-of 2025-11-15]   (the demonstration is the two latest quarters due by that day, today by default; data in .local/ or RETURNS_LOCAL_DIR; ports LOCAL_S3_PORT, LOCAL_DYNAMODB_PORT, LOCAL_SES_PORT; RETURNS_LOG=json for JSON lines; RETURNS_REMINDERS=off for no reminder timer)',
  options: { 'no-demo': { type: 'boolean', default: false }, 'demo-as-of': { type: 'string' } },
  async run(values) {
    const dataDir = resolve(localDir());
    mkdirSync(dataDir, { recursive: true });
    const reference = cliReferenceData();
    const asOf = demoDate(values['demo-as-of']);
    const quarters = demoQuarters(reference.programme, asOf);
    const ports = {
      s3: port('LOCAL_S3_PORT', LOCAL_DEFAULTS.ports.s3),
      dynamodb: port('LOCAL_DYNAMODB_PORT', LOCAL_DEFAULTS.ports.dynamodb),
      ses: port('LOCAL_SES_PORT', LOCAL_DEFAULTS.ports.ses),
    };
    const log = consoleLog();
    // Loaded here, not at the top: every other returns command would otherwise pay for the portal's imports.
    const { LOCAL_PORTAL_PORTS, startPortalBesideStack } = await import('../local/local-portal.js');
    // The portal's address, for the templates and emails the stack makes (a test's port 0 is known only later).
    const portalPort = port('LOCAL_PORTAL_PORT', LOCAL_PORTAL_PORTS.portal);
    const withPortal =
      portalPort > 0
        ? { ...reference, programme: reference.programme.withPortalUrl(`http://127.0.0.1:${portalPort}`) }
        : reference;
    const stack = await startLocalStack({
      reference: withPortal,
      // RETURNS_REMINDERS=off: tests that count the stack's emails keep the timer's notices out of them.
      reminders: process.env.RETURNS_REMINDERS !== 'off',
      log,
      dataDir,
      ports,
      // Timings, for tests that kill the stack and want the sweep to finish up quickly.
      sweepIntervalMs: whole('RETURNS_SWEEP_INTERVAL_MS', LOCAL_DEFAULTS.sweepIntervalMs),
      sweepGraceSeconds: whole('RETURNS_SWEEP_GRACE_SECONDS', LOCAL_DEFAULTS.sweepGraceSeconds),
      emailClaimSeconds: whole('RETURNS_EMAIL_CLAIM_SECONDS', LOCAL_DEFAULTS.emailClaimSeconds),
    }).catch((cause: Error) => {
      throw new UsageError(cause.message, { cause });
    });
    const portal = await startPortalBesideStack(stack, withPortal, log, {
      usersFile: join(dataDir, 'portal-users.json'),
    }).catch(async (cause: Error) => {
      await stack.stop();
      throw new UsageError(`The portal could not start: ${cause.message}`, { cause });
    });
    const stackFile = join(dataDir, 'stack.json');
    const description: StackDescription = {
      endpoints: stack.endpoints,
      bucket: stack.bucket,
      table: stack.table,
      emailInbox: `${stack.endpoints.ses}/`,
      portal: portal.url,
      startedAt: new Date().toISOString(),
      pid: process.pid,
    };
    writeFileSync(stackFile, `${JSON.stringify(description, null, 2)}\n`);

    const out = (text = '') => process.stdout.write(`${text}\n`);
    out('The monitoring-returns local stack is running.');
    out();
    out(`  S3 (s3rver)             ${stack.endpoints.s3}    bucket ${stack.bucket}`);
    out(`  DynamoDB (dynalite)     ${stack.endpoints.dynamodb}    table ${stack.table}`);
    out(
      `  Email (aws-ses-v2-local) ${stack.endpoints.ses}    read the feedback emails at ${stack.endpoints.ses}/`,
    );
    out(`  Data                    ${dataDir}   (written to ${stackFile})`);
    out();
    for (const line of portal.lines) out(line);
    out();
    out('Send a return with the AWS CLI (any keys: the local S3 accepts S3RVER):');
    out(
      `  AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=eu-west-2 aws --endpoint-url ${stack.endpoints.s3} s3 cp ret.xlsx s3://${stack.bucket}/incoming/BLK/ret.xlsx`,
    );
    out('or with this tool:  npm run returns -- submit ret.xlsx --site BLK');
    out('Blank templates:    npm run returns -- templates --out-dir out');
    out(`What has arrived:   npm run returns -- status --year ${formatYear(quarters[1].startYear)}`);
    out();

    if (stack.tableCreated && !values['no-demo']) {
      out(
        `First start: loading the demonstration returns (${quarters.map(describePeriod).join(' and ')} for all five partnerships, each sent a few days before it was due)…`,
      );
      const uploads = await loadDemo(
        reference,
        {
          s3: stack.clients.s3,
          bucket: stack.bucket,
          arriveAt: (key, at) => stack.arriveAt(key, at),
          settle: async () => {
            await new Promise((resolvePending) => setTimeout(resolvePending, 50));
            await stack.idle();
          },
        },
        asOf,
      );
      for (const upload of uploads)
        if (upload.note !== 'valid') out(`  ${upload.site} ${upload.period}: ${upload.note}`);
      out(`Loaded ${count(uploads.length, 'return')}; their feedback emails are at ${stack.endpoints.ses}/`);
      out();
    }
    for (const object of stack.setAside)
      out(`Set aside a partly written object from the last run: ${object.key} (${object.why}).`);
    out('Ready. Press Ctrl-C to stop.');

    await new Promise<void>((resolveStop) => {
      const stop = () => resolveStop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    out('Stopping…');
    await portal.stop();
    await stack.stop();
    rmSync(stackFile, { force: true });
    out('Stopped. The data is kept for next time.');
    return 0;
  },
};

function whole(variable: string, fallback: number): number {
  const text = process.env[variable];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new UsageError(`${variable} should be a whole number, not "${text}".`);
  }
  return value;
}

function port(variable: string, fallback: number): number {
  const text = process.env[variable];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new UsageError(`${variable} should be a port number from 0 to 65535, not "${text}".`);
  }
  return value;
}

/** Pipeline events as short readable lines, for a person watching the terminal. */
function consoleLog(): Log {
  // The same JSON lines as in Lambda (Powertools' Logger), when asked for.
  const json = powertoolsLog(createLogger('monitoring-returns-local'));
  const show =
    (level: string) =>
    (message: string, detail: Record<string, unknown> = {}) => {
      if (process.env.RETURNS_LOG === 'json') return json[level as keyof Log](message, detail);
      const facts = ['site', 'period', 'status', 'subject', 'key', 'error']
        .filter((key) => detail[key] !== undefined)
        .map((key) => `${key}=${String(detail[key])}`)
        .join(' ');
      process.stderr.write(
        `${new Date().toISOString().slice(11, 19)} ${level === 'info' ? '' : `${level.toUpperCase()} `}${message}${facts ? ` (${facts})` : ''}\n`,
      );
    };
  return { info: show('info'), warn: show('warn'), error: show('error') };
}

/** The day the demonstration is loaded as of: today, or a date given for a repeatable demonstration. */
function demoDate(value: unknown): Date {
  if (value === undefined) return new Date();
  const text = String(value);
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T12:00:00Z`) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) {
    throw new UsageError(`--demo-as-of should be a date such as 2025-11-15, not "${text}".`);
  }
  return date;
}
