/**
 * Funder staff's releases, charts and downloads in a real browser:
 * playwright-core driving Debian's Chromium against the local stack as
 * `npm start` runs it, with axe-core on every page. Five partnerships' Q1 and
 * Q2 returns go through the real pipeline first; then staff preview Q2's
 * release → publish it → see it listed (and a grant holder can download it),
 * look at the charts, and download a filtered CSV after correcting a mistake
 * on the form. Skipped, with a note, where Chromium is not installed (CI
 * requires it).
 *
 * Screenshots go to the system's temporary folder; UPDATE_SCREENSHOTS=1 writes
 * docs/portal-staff-{releases,charts,downloads}.png for the README instead.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PortalHarness, startPortalHarness } from '../portal/harness.js';
import { filledReturn, validYear } from '../support/returns.js';
import { axeViolations, chromiumInstalled, launchChromium } from './browser-support.js';

const hasChromium = chromiumInstalled('the staff browser tests');

const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? 'docs' : join(tmpdir(), 'portal-screenshots');
const README_PAGES = new Set(['staff-releases', 'staff-charts', 'staff-downloads']);
const SITES = ['BLK', 'BFD', 'LAM', 'NOT', 'SEN'];

let harness: PortalHarness;
let browser: Browser;
let page: Page;
const cspViolations: string[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  harness = await startPortalHarness();
  for (const [index, site] of SITES.entries()) {
    for (const { period, values } of validYear(site, 2025, 21 + index).slice(0, 2)) {
      const text = `2025-26-Q${period.quarter}`;
      await harness.stack.upload(`incoming/${site}/${text}.xlsx`, await filledReturn(values, site, text));
    }
  }
  for (let attempt = 0; attempt < 300; attempt++) {
    const counts = await Promise.all(
      ['2025-26-Q1', '2025-26-Q2'].map(
        async (period) => (await harness.stack.store.currentReturns(period)).length,
      ),
    );
    if (counts.every((count) => count === SITES.length)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  browser = await launchChromium();
  // axe-core is injected as a script, which the portal's CSP (rightly) would block.
  const context = await browser.newContext({
    acceptDownloads: true,
    bypassCSP: true,
    viewport: { width: 1100, height: 900 },
  });
  page = await context.newPage();
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
});

/** axe-core's WCAG 2.2 AA rules and best practice on the page as it stands, and a screenshot of it. */
async function audit(name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  expect(await axeViolations(page, name, 'wcag22')).toEqual([]);
  if (SCREENSHOTS === 'docs' && !README_PAGES.has(name)) return;
  await page.screenshot({
    path: join(SCREENSHOTS, `portal-${name}.png`),
    fullPage: options.fullPage ?? true,
  });
}

describe.skipIf(!hasChromium)('funder staff in a browser', () => {
  it('sign in, preview the audit’s verdict for Q2, publish it, and see it listed', async () => {
    await page.goto(`${harness.url}/sign-in`);
    await page.getByRole('button', { name: /Sign in as Funder staff demo user/ }).click();
    await page.waitForURL(/\/staff$/);
    await page.getByRole('link', { name: 'Publish', exact: true }).click();
    await page.waitForURL(/\/staff\/releases$/);
    await audit('staff-releases-choose');
    await page.getByLabel('Quarter or year to date').selectOption('2025-26-Q2');
    await page.getByRole('button', { name: 'Preview the release' }).click();
    await page.waitForURL(/\/staff\/releases\/preview\?period=2025-26-Q2$/);
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Publish release 1 of 2025-26 Q2?');
    expect(await page.getByText('The disclosure audit passed').count()).toBe(1);
    expect(await page.getByText(/10 accepted returns|5 accepted returns/).count()).toBe(1);
    await page.getByText('Every suppressed cell').click();
    await audit('staff-releases');
    await page.getByRole('button', { name: 'Publish release 1' }).click();
    await page.waitForURL(/\/staff\/releases\?published=2025-26-Q2&release=1$/);
    expect(await page.getByText('Release 1 of 2025-26 Q2 is published').count()).toBe(1);
    expect(await page.getByRole('rowheader', { name: 'Release 1 (first release)' }).count()).toBe(1);
    await audit('staff-releases-published');
    // Published for everyone signed in: it is on the releases page too.
    await page.getByRole('link', { name: 'Published releases' }).click();
    expect(await page.getByRole('link', { name: /release-1\.xlsx for 2025-26 Q2/ }).count()).toBe(1);
  });

  it('charts: every indicator with its interval band, England line and data table', async () => {
    await page.getByRole('link', { name: 'Charts', exact: true }).click();
    await page.waitForURL(/\/staff\/charts$/);
    // This year (2026-27) has no returns yet, and says so; the year before has two quarters.
    expect(await page.getByText('There are no accepted returns for 2026-27 yet').count()).toBe(1);
    await page.getByRole('link', { name: '2025-26', exact: true }).click();
    await page.waitForURL(/\/staff\/charts\?year=2025-26$/);
    const charts = page.locator('svg[role="img"]');
    expect(await charts.count()).toBeGreaterThanOrEqual(9);
    expect(await page.locator('#chart-IND\\.BF_68W .england').count()).toBe(6);
    expect(await page.locator('#chart-IND\\.BF_68W .band').count()).toBeGreaterThanOrEqual(6);
    expect(await page.locator('table.chart-data').count()).toBe(await charts.count());
    // Each chart is named by its title and described by its desc, for a screen reader.
    const name = await page.locator('#chart-IND\\.BF_68W').getAttribute('aria-labelledby');
    expect(name).toBe('chart-IND.BF_68W-title chart-IND.BF_68W-desc');
    await page.setViewportSize({ width: 1100, height: 1500 });
    await page.evaluate("document.getElementById('chart-IND.BF_68W-heading').scrollIntoView()");
    await audit('staff-charts', { fullPage: false });
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it('downloads: a mistake is answered on the form, then the CSV comes', async () => {
    await page.getByRole('link', { name: 'Downloads', exact: true }).click();
    await page.waitForURL(/\/staff\/downloads$/);
    await audit('staff-downloads');
    await page.getByLabel('From').selectOption('2025-26-Q2');
    await page.getByLabel('To').selectOption('2025-26-Q1');
    await page.getByRole('button', { name: 'Download' }).click();
    await page.waitForURL(/\/staff\/downloads\/file\?/);
    expect(await page.getByRole('alert').textContent()).toContain(
      'The range runs backwards: 2025-26-Q2 is after 2025-26-Q1.',
    );
    await audit('staff-downloads-error');
    await page.getByLabel('To').selectOption('2025-26-Q2');
    await page.getByLabel('Blackpool Better Start').check();
    await page.getByLabel(/^C: /).check();
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download' }).click(),
    ]);
    expect((file as Download).suggestedFilename()).toBe('returns-2025-26-Q2.csv');
    const csv = readFileSync(await (file as Download).path(), 'utf8').replace(/^\uFEFF/, '');
    const rows = csv.trim().split('\r\n').slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/^2025-26-Q2,BLK,2025-26,C,/);
    expect(cspViolations).toEqual([]);
  });
});
