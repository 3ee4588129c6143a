/**
 * The review forms in a real browser (playwright-core, Debian's Chromium),
 * with axe-core on each page: funder staff query a return and sign it off;
 * the site sees the question and replies. Screenshots go to the system's
 * temporary folder (portal-review-*.png). Skipped, with a note, where
 * Chromium is not installed (CI requires it).
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PortalHarness, postUpload, startPortalHarness } from '../portal/harness.js';
import { filledReturn, validValues, withItems } from '../support/returns.js';
import { axeViolations, chromiumInstalled, launchChromium } from './browser-support.js';

const hasChromium = chromiumInstalled('the review browser test');
const SCREENSHOTS = join(tmpdir(), 'portal-screenshots');
/** The pages the README shows: with UPDATE_SCREENSHOTS=1 these go to docs/ instead. */
const README_PAGES = new Set(['staff-queried', 'site-queried', 'staff-signed-off']);

let harness: PortalHarness;
let browser: Browser;
let submission: string;

beforeAll(async () => {
  if (!hasChromium) return;
  harness = await startPortalHarness();
  browser = await launchChromium();
  const blk = harness.client();
  await blk.signInAs('blk-demo');
  // A warning left unexplained, so signing off asks why.
  const base = validValues('BLK', '2025-26-Q2', 4);
  const maternities = base.items['SATOD.MAT'] as number;
  const smokers = base.items['SATOD.SMOKER'] as number;
  const unknown = Math.ceil(maternities * 0.1);
  const values = withItems(base, {
    'SATOD.UNKNOWN': unknown,
    'SATOD.NONSMOKER': maternities - smokers - unknown,
  });
  const response = await postUpload(await blk.uploadForm(), await filledReturn(values, 'BLK', '2025-26-Q2'));
  submission = await harness.checked(
    blk,
    new URL(response.headers.get('location') as string).pathname.split('/').pop() as string,
  );
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
});

async function audit(page: Page, name: string): Promise<void> {
  expect(await axeViolations(page, name)).toEqual([]);
  const folder = process.env.UPDATE_SCREENSHOTS && README_PAGES.has(name) ? 'docs' : SCREENSHOTS;
  await page.screenshot({ path: join(folder, `portal-review-${name}.png`), fullPage: true });
}

async function signedIn(who: RegExp): Promise<Page> {
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${harness.url}/sign-in?next=${encodeURIComponent(submission)}`);
  await page.getByRole('button', { name: who }).click();
  await page.waitForURL((url) => url.pathname === submission);
  return page;
}

describe.skipIf(!hasChromium)('the review forms', () => {
  it('staff query, the site replies, staff sign off with a reason for the unexplained warning', async () => {
    const staff = await signedIn(/Sign in as Funder staff demo user/);
    await audit(staff, 'staff-awaiting');
    await staff
      .getByLabel('Query the site')
      .fill('Smoking status is unknown for 1 in 10 maternities: can you find out why?');
    await staff.getByRole('button', { name: 'Send query to the site' }).click();
    await staff.waitForURL(/done=query/);
    expect(await staff.getByText('Query sent to the site and shown on this page.').count()).toBe(1);
    await audit(staff, 'staff-queried');

    const site = await signedIn(/Sign in as Blackpool demo user/);
    expect(await site.getByText('Question from the funder').count()).toBe(1);
    await audit(site, 'site-queried');
    await site.getByLabel('Your reply to the funder').fill('The maternity unit changed systems in August.');
    await site.getByRole('button', { name: 'Send reply' }).click();
    await site.waitForURL(/done=reply/);

    await staff.goto(`${harness.url}${submission}`);
    // Signing off with an unexplained warning and no reason: refused beside the box.
    await staff.getByRole('button', { name: 'Sign off this return' }).click();
    expect(await staff.getByText('did not explain').count()).toBeGreaterThan(0);
    await audit(staff, 'staff-refused');
    await staff
      .getByLabel(/Why it can be signed off/)
      .fill('Explained in the reply: a change of maternity system.');
    await staff.getByRole('button', { name: 'Sign off this return' }).click();
    await staff.waitForURL(/done=sign-off/);
    expect(await staff.getByRole('button', { name: 'Reopen this return' }).count()).toBe(1);
    await audit(staff, 'staff-signed-off');
  }, 120_000);
});
