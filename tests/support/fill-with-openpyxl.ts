/**
 * Fills a template with Python's openpyxl (tests/support/fill_with_openpyxl.py),
 * an independent program, as a partnership's own tooling might. Guard its
 * callers with `hasOpenpyxl` from outside-programs.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReturnValues } from '../../functions/src/returns/return-values.js';
import { mustHave } from './outside-programs.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./fill_with_openpyxl.py', import.meta.url));

export function fillWithOpenpyxl(template: Buffer, values: ReturnValues): Buffer {
  mustHave('openpyxl');
  const folder = mkdtempSync(join(tmpdir(), 'fill-openpyxl-'));
  try {
    const templateFile = join(folder, 'template.xlsx');
    const valuesFile = join(folder, 'values.json');
    const outFile = join(folder, 'filled.xlsx');
    writeFileSync(templateFile, template);
    writeFileSync(valuesFile, JSON.stringify(values));
    try {
      execFileSync(PYTHON, [SCRIPT, templateFile, valuesFile, outFile], { stdio: 'pipe' });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
      throw new Error(`fill_with_openpyxl.py failed: ${stderr || String(error)}`);
    }
    return readFileSync(outFile);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
