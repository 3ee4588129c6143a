/**
 * Real outside programs the tests compare against: Python's openpyxl (an
 * independent xlsx reader) and LibreOffice (an independent spreadsheet that
 * re-saves our files). `.ci/run` installs both from Debian's packages. On a
 * developer's machine without them those tests are skipped with the reason
 * printed; in CI a missing program fails the run instead of passing quietly.
 *
 * RETURNS_TESTS_WITHOUT=openpyxl,libreoffice hides them on a machine that has
 * them, to see the skips as a machine without them would.
 *
 * A test that needs one must not call it while vitest collects the file (in a
 * describe body or at the top level): vitest runs the bodies of skipped
 * describes too, to list their tests. Work belongs in beforeAll or the test.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const PROBE = fileURLToPath(new URL('./xlsx_probe.py', import.meta.url));

const hidden = new Set(
  (process.env.RETURNS_TESTS_WITHOUT ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean),
);

function available(key: string, check: () => boolean, what: string): boolean {
  if (hidden.has(key)) {
    console.warn(`Skipping the tests that need ${what}: RETURNS_TESTS_WITHOUT hides it.`);
    return false;
  }
  const ok = (() => {
    try {
      return check();
    } catch {
      return false;
    }
  })();
  if (!ok && process.env.CI) throw new Error(`${what} is required in CI: .ci/run should have installed it`);
  if (!ok) console.warn(`Skipping the tests that need ${what}: it is not installed here (see .ci/run).`);
  return ok;
}

export const hasOpenpyxl = available(
  'openpyxl',
  () => spawnSync(PYTHON, ['-c', 'import openpyxl'], { stdio: 'ignore' }).status === 0,
  "Python's openpyxl (Debian package python3-openpyxl)",
);

export const hasLibreOffice = available(
  'libreoffice',
  () => existsSync('/usr/bin/soffice'),
  'LibreOffice (Debian package libreoffice-calc-nogui)',
);

export interface ProbedWorkbook {
  sheets: Array<{
    title: string;
    state: string;
    protected: boolean;
    freeze: string | null;
    /** Rows repeated at the top of each printed page, like `$5:$5`. */
    printTitleRows: string | null;
  }>;
  epoch1904: boolean;
  names: Record<
    string,
    {
      localSheetId: number | null;
      targets: Array<{ sheet: string; ref: string; value: unknown; locked: boolean }>;
    }
  >;
  validations: Record<
    string,
    Array<{
      sqref: string;
      type: string;
      operator: string | null;
      formula1: string | null;
      promptTitle: string | null;
      prompt: string | null;
      error: string | null;
      showInputMessage: boolean;
    }>
  >;
  cells: Record<string, Record<string, unknown>>;
}

/**
 * Throws if a test reaches a program it was told is missing: on a machine
 * without it the call would fail the same way, so a guard that lets it through
 * shows up here rather than on someone else's laptop.
 */
export function mustHave(key: 'openpyxl' | 'libreoffice'): void {
  if (hidden.has(key))
    throw new Error(
      `${key} is hidden by RETURNS_TESTS_WITHOUT, yet a test called it: guard the test with has…`,
    );
}

/** Reads a workbook with openpyxl. */
export function probeWorkbook(
  bytes: Buffer,
  options: { cells?: string[]; dataOnly?: boolean } = {},
): ProbedWorkbook {
  mustHave('openpyxl');
  const folder = mkdtempSync(join(tmpdir(), 'probe-'));
  try {
    const file = join(folder, 'workbook.xlsx');
    writeFileSync(file, bytes);
    const args = [PROBE, file];
    if (options.dataOnly) args.push('--data-only');
    if (options.cells?.length) args.push('--cells', ...options.cells);
    return JSON.parse(execFileSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Opens a workbook in LibreOffice and saves it again as .xlsx, as a partnership's analyst might. */
export function resaveWithLibreOffice(bytes: Buffer, name = 'workbook.xlsx'): Buffer {
  mustHave('libreoffice');
  const folder = mkdtempSync(join(tmpdir(), 'libreoffice-'));
  try {
    const input = join(folder, 'in', name);
    execFileSync('mkdir', ['-p', join(folder, 'in'), join(folder, 'out')]);
    writeFileSync(input, bytes);
    // A private profile, so parallel runs do not fight over one user installation.
    execFileSync(
      '/usr/bin/soffice',
      [
        `-env:UserInstallation=file://${join(folder, 'profile')}`,
        '--headless',
        '--calc',
        '--convert-to',
        'xlsx:Calc MS Excel 2007 XML',
        '--outdir',
        join(folder, 'out'),
        input,
      ],
      { stdio: 'pipe', timeout: 120_000 },
    );
    return readFileSync(join(folder, 'out', basename(name)));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
