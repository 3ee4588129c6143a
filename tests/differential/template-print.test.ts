/**
 * The template as it prints: LibreOffice turns it into a PDF, pdftotext reads each page
 * and pdftoppm draws the first, as the issue asks (look at the picture once in a while).
 * A page that continues the services table starts with the table's header, never the
 * item grid's, and the Instructions say how to send the return.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasLibreOffice } from '../support/outside-programs.js';
import { blankTemplate, testReference } from '../support/reference.js';

const hasPoppler = existsSync('/usr/bin/pdftotext') && existsSync('/usr/bin/pdftoppm');

describe.runIf(hasLibreOffice && hasPoppler)('the template, printed by LibreOffice', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'template-print-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const workbook = join(folder, 'BLK.xlsx');
  writeFileSync(workbook, await blankTemplate('BLK', '2025-26-Q2'));
  execFileSync(
    '/usr/bin/soffice',
    [
      `-env:UserInstallation=file://${join(folder, 'profile')}`,
      '--headless',
      '--convert-to',
      'pdf',
      '--outdir',
      folder,
      workbook,
    ],
    { stdio: 'pipe', timeout: 120_000 },
  );
  const pdf = join(folder, 'BLK.pdf');
  const pages = execFileSync('/usr/bin/pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' })
    .split('\f')
    .filter((page) => page.trim() !== '');
  const firstLine = (page: string) =>
    page
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? '';

  it('says on the first page where to send it and what happens next', () => {
    const text = (pages[0] ?? '').replace(/\s+/g, ' ');
    expect(text).toContain('How to send it');
    expect(text).toContain(`upload it on the portal at ${testReference().programme.portalUrl}`);
    expect(text).toContain('What happens next');
  });

  it('repeats the services table’s header, not the item grid’s, on the pages the table runs over', () => {
    const howMuch = pages.filter((page) => page.includes('How much') && page.includes('Page '));
    expect(howMuch.length).toBeGreaterThan(1);
    const [first, ...rest] = howMuch;
    expect(firstLine(first ?? '')).toBe('B. How much did we do?');
    for (const page of rest) {
      expect(firstLine(page)).toMatch(/^Service name\s+Outcome domain/);
      expect(page).not.toMatch(/Item ID\s+Item\s+Your figure/);
    }
  });

  it('draws the Instructions page', () => {
    execFileSync('/usr/bin/pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', pdf, join(folder, 'page')]);
    const png = ['page-1.png', 'page-01.png'].map((name) => join(folder, name)).find(existsSync);
    expect(png && statSync(png).size).toBeGreaterThan(5_000);
  });
});
