/** The `returns` command as a person meets it: one plain line for each mistake, nothing half-written. */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../functions/src/cli/main.js';
import { TEMPLATES_DIR } from '../../functions/src/reference/reference-data.js';

let stdout = '';
let stderr = '';
let folder = '';
beforeEach(() => {
  stdout = '';
  stderr = '';
  folder = mkdtempSync(join(tmpdir(), 'cli-'));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.RETURNS_TEMPLATES_DIR;
});

describe('returns template', () => {
  it('writes a template and says where', async () => {
    const out = join(folder, 'blk.xlsx');
    expect(await main(['template', '--site', 'BLK', '--period', '2025-26-Q2', '--out', out])).toBe(0);
    expect(readFileSync(out).subarray(0, 2).toString()).toBe('PK');
    expect(stdout).toContain(out);
  });

  it.each([
    [
      ['--site', 'XYZ', '--period', '2025-26-Q2'],
      'There is no site "XYZ". The sites are BLK (Blackpool), BFD (Bradford)',
    ],
    [['--site', 'BLK', '--period', '2025-26-Q5'], '"2025-26-Q5" has no quarter 5'],
    [
      ['--site', 'BLK', '--period', '2025-27-Q1'],
      '"2025-27-Q1" is not a financial year: 2025 is followed by 26',
    ],
    [['--site', 'BLK', '--period', '2024-25-Q4'], '2024-25-Q4 is outside the programme'],
    [
      ['--site', 'BLK', '--period', '2025-26-Q2', '--version', '2031-32'],
      'There is no dictionary version "2031-32"',
    ],
    [['--period', '2025-26-Q2'], 'Please give --site.'],
    [['--site', 'BLK', '--period', '2025-26-Q2', '--colour', 'red'], "There is no option '--colour'"],
  ])('refuses %j with one clear line and writes nothing', async (args, message) => {
    const out = join(folder, 'out.xlsx');
    expect(await main(['template', ...args, '--out', out])).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(readdirSync(folder)).toEqual([]);
  });

  it('says plainly when the output cannot be written', async () => {
    const out = join(folder, 'no-such-folder', 'blk.xlsx');
    expect(await main(['template', '--site', 'BLK', '--period', '2025-26-Q2', '--out', out])).toBe(2);
    expect(stderr).toBe(
      `returns: Cannot write ${out}: the folder ${join(folder, 'no-such-folder')} does not exist.\n`,
    );
  });

  it('lists every problem in a broken dictionary and writes nothing', async () => {
    const templates = join(folder, 'templates');
    cpSync(TEMPLATES_DIR, templates, { recursive: true });
    const file = join(templates, 'dictionaries', '2025-26.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('aggregation: snapshot', 'aggregation: avg')
        .replace('total: REACH.CHILD_Q', 'total: REACH.CHILD_QQ'),
    );
    process.env.RETURNS_TEMPLATES_DIR = templates;
    const out = join(folder, 'blk.xlsx');
    expect(await main(['template', '--site', 'BLK', '--period', '2025-26-Q2', '--out', out])).toBe(2);
    expect(stderr).toContain('2025-26.yaml has 2 problems');
    expect(stderr).toContain(
      'items[6] (REACH.ELIG_POP).aggregation: "avg" is not one of sum, unique_quarter',
    );
    expect(stderr).toContain(
      'rules[0] (R01).total: there is no item REACH.CHILD_QQ (did you mean REACH.CHILD_Q?)',
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe('returns templates', () => {
  it('writes every site’s template for a quarter', async () => {
    expect(await main(['templates', '--period', '2025-26-Q3', '--out-dir', folder])).toBe(0);
    expect(readdirSync(folder).sort()).toEqual(
      ['BFD', 'BLK', 'LAM', 'NOT', 'SEN'].map((code) => `${code}-2025-26-Q3.xlsx`),
    );
  });
});

describe('returns dictionary', () => {
  it('prints the whole dictionary as Markdown', async () => {
    expect(await main(['dictionary', '--format', 'md'])).toBe(0);
    for (const text of [
      '# Common Outcomes Framework',
      '| BF.UNKNOWN |',
      '| R16 |',
      '| IND.SATOD |',
      '| SERVICES.DOMAIN |',
      'unique_ytd',
    ]) {
      expect(stdout).toContain(text);
    }
  });

  it('renders HTML with every item, escaped', async () => {
    expect(await main(['dictionary', '--format', 'html'])).toBe(0);
    expect(stdout).toMatch(/^<!DOCTYPE html>/);
    expect(stdout).toContain('<td>ASQ.ALL5</td>');
    expect(stdout).toContain('&#39;Of which&#39; counts');
  });

  it('refuses an unknown format', async () => {
    expect(await main(['dictionary', '--format', 'pdf'])).toBe(2);
    expect(stderr).toBe('returns: There is no format "pdf": choose md or html.\n');
  });
});

describe('returns validate', () => {
  it('exits 0 for an accepted return, 1 for a rejected one, and writes an annotated copy', async () => {
    const { filledReturn, validValues, withItems } = await import('../support/returns.js');
    const good = join(folder, 'good.xlsx');
    writeFileSync(good, await filledReturn(validValues()));
    // The real clock: sign-off dates in 2025 are in the past.
    expect(await main(['validate', good, '--site', 'BLK'])).toBe(0);
    expect(stdout).toMatch(/^Blackpool 2025-26 Q2 return \(good\.xlsx\): accepted\./);

    stdout = '';
    const values = validValues();
    const bad = join(folder, 'bad.xlsx');
    writeFileSync(
      bad,
      await filledReturn(withItems(values, { 'BF.NONE': (values.items['BF.NONE'] as number) + 1 })),
    );
    const annotated = join(folder, 'bad with feedback.xlsx');
    expect(await main(['validate', bad, '--json', '--annotated', annotated])).toBe(1);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({
      schema: 'monitoring-returns/validation-report',
      schemaVersion: 1,
      status: 'rejected',
    });
    expect(report.findings.map((finding: { code: string }) => finding.code)).toEqual(['R07']);
    expect(readFileSync(annotated).subarray(0, 2).toString()).toBe('PK');
  });

  it('refuses a file larger than the cap without reading it', async () => {
    const big = join(folder, 'big.xlsx');
    writeFileSync(big, Buffer.alloc(2 * 1024 * 1024, 1));
    expect(await main(['validate', big, '--max-size-mb', '1'])).toBe(1);
    expect(stdout).toContain('This file is 2.0 MB, larger than the 1.0 MB a monitoring return can be.');
  });

  it('exits 2 with one line for a file that does not exist', async () => {
    expect(await main(['validate', join(folder, 'nope.xlsx')])).toBe(2);
    expect(stderr).toBe(`returns: There is no file ${join(folder, 'nope.xlsx')}.\n`);
  });

  it('prints the report schema', async () => {
    expect(await main(['validate', '--json-schema'])).toBe(0);
    expect(JSON.parse(stdout).properties.schemaVersion).toEqual({ type: 'number', const: 1 });
  });
});

describe('returns publish', () => {
  it('asks for a quarter or a year, and says when the stack is not running, publishing nothing', async () => {
    expect(await main(['publish'])).toBe(2);
    expect(stderr).toMatch(/^returns: Give either --period or --year\.\nUsage: returns publish/);
    stderr = '';
    process.env.RETURNS_LOCAL_DIR = folder;
    try {
      expect(await main(['publish', '--period', '2025-26-Q3'])).toBe(2);
      expect(stderr).toBe(
        'returns: The local stack is not running. Start it with "npm start" in another terminal, then try again.\n',
      );
    } finally {
      delete process.env.RETURNS_LOCAL_DIR;
    }
  });
});
