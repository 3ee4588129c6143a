/**
 * `returns` as a fresh process, the way a person runs it: bin/returns.js runs
 * the CLI from a bundle it builds when a source changes, and keeps the checked
 * reference files in a cache. What must hold: the same answers as the sources
 * give, and a changed reference file is checked again, never taken from the
 * cache. (Its speed is in `npm run bench`, not asserted here.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMPLATES_DIR } from '../../functions/src/reference/reference-data.js';
import { REPOSITORY_ROOT } from '../../infra/constructs/returns-function.js';
import { filledReturn, validValues } from '../support/returns.js';

let folder: string;
let returnFile: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'cli-process-'));
  returnFile = join(folder, 'blk.xlsx');
  writeFileSync(returnFile, await filledReturn(validValues()));
  // A cache of our own, so this file neither reads nor disturbs the checkout's.
  env = { ...process.env, NODE_OPTIONS: '', RETURNS_REFERENCE_CACHE: join(folder, 'reference-cache') };
  delete env.RETURNS_TEMPLATES_DIR;
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const returns = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [join(REPOSITORY_ROOT, 'bin', 'returns.js'), ...args], {
    encoding: 'utf8',
    env: { ...env, ...extra },
    timeout: 120_000,
  });

describe('returns, run as a process', () => {
  it('validates a return from the bundled CLI as it does from the sources', () => {
    const bundled = returns(['validate', returnFile, '--json']);
    const sources = returns(['validate', returnFile, '--json'], { RETURNS_FROM_SOURCES: '1' });
    expect(bundled.stderr).toBe('');
    expect(bundled.status).toBe(0);
    const strip = (text: string) => ({ ...JSON.parse(text), checkedAt: undefined });
    expect(strip(bundled.stdout)).toEqual(strip(sources.stdout));
    expect(strip(bundled.stdout).status).toBe('accepted');
    expect(readdirSync(join(folder, 'reference-cache'))).toHaveLength(1);
  });

  it('checks a changed reference file again rather than using what it checked before', () => {
    const templates = join(folder, 'templates');
    cpSync(TEMPLATES_DIR, templates, { recursive: true });
    expect(returns(['validate', returnFile], { RETURNS_TEMPLATES_DIR: templates }).status).toBe(0);

    const file = join(templates, 'dictionaries', '2025-26.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('aggregation: snapshot', 'aggregation: avg'));
    const broken = returns(['validate', returnFile], { RETURNS_TEMPLATES_DIR: templates });

    expect(broken.status).toBe(2);
    expect(broken.stderr).toContain('items[6] (REACH.ELIG_POP).aggregation: "avg" is not one of sum');
    expect(broken.stderr).not.toMatch(/\n\s+at /);
  });

  it('lists every command without loading any', () => {
    const help = execFileSync(process.execPath, [join(REPOSITORY_ROOT, 'bin', 'returns.js'), '--help'], {
      encoding: 'utf8',
      env,
    });
    for (const name of ['template', 'validate', 'local', 'submit', 'status', 'summary'])
      expect(help).toMatch(new RegExp(`^  ${name} `, 'm'));
  });
});
