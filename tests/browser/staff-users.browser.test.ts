/**
 * Funder staff manage who has access, in a real browser (playwright-core and
 * Debian's Chromium, against the local stack as `npm start` runs it), with
 * axe-core on every page: open "Who has access" → invite a person with
 * mistakes (the error summary) → invite them to Blackpool → they appear in
 * the list and on the sign-in page, and sign in to Blackpool's pages → staff
 * remove them behind the confirmation page → they are gone from both.
 * Skipped, with a note, where Chromium is not installed (CI requires it).
 *
 * Screenshots go to the system's temporary folder; UPDATE_SCREENSHOTS=1 writes
 * the list's to docs/portal-staff-users.png for the README instead.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PortalHarness, startPortalHarness } from '../portal/harness.js';
import { axeViolations, chromiumInstalled, launchChromium } from './browser-support.js';

const hasChromium = chromiumInstalled('the staff users browser test');

const UPDATE = Boolean(process.env.UPDATE_SCREENSHOTS);
const SCREENSHOTS = join(tmpdir(), 'portal-screenshots');

let harness: PortalHarness;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  harness = await startPortalHarness();
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
});

/** axe-core's rules on the page as it stands (no violations), and a screenshot of it. */
async function audit(page: Page, name: string): Promise<void> {
  expect(await axeViolations(page, name)).toEqual([]);
  const path =
    UPDATE && name === 'staff-users'
      ? join('docs', 'portal-staff-users.png')
      : join(SCREENSHOTS, `portal-${name}.png`);
  await page.screenshot({ path, fullPage: true });
}

async function newPage(): Promise<Page> {
  // axe-core is injected, which the portal's CSP (rightly) would block.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1100, height: 900 } });
  return context.newPage();
}

describe.runIf(hasChromium)('funder staff manage who has access', () => {
  it('invite a person to Blackpool → they appear and can sign in → remove them', async () => {
    const page = await newPage();
    try {
      await page.goto(`${harness.url}/sign-in`);
      await page.getByRole('button', { name: /Sign in as Funder staff demo user/ }).click();
      await page.waitForURL(/\/staff$/);
      await page.getByRole('link', { name: 'Who has access' }).click();
      await page.waitForURL(/\/staff\/users$/);
      await expect(page.locator('h1').textContent()).resolves.toBe('Who has access');
      await audit(page, 'staff-users-before');

      await page.getByRole('button', { name: 'Invite a person' }).click();
      await page.waitForURL(/\/staff\/users\/invite$/);
      await audit(page, 'staff-invite');

      // A shared mailbox and no partnership chosen: the error summary, linked to each field.
      await page.getByLabel('Email address').fill('office@blackpool.example');
      await page.getByLabel('Full name').fill('Jo Bloggs');
      await page.getByRole('button', { name: 'Send invitation' }).click();
      const summary = page.locator('.govuk-error-summary');
      await expect(summary.textContent()).resolves.toContain('No shared mailboxes: invite a named person');
      await expect(summary.textContent()).resolves.toContain(
        'Select the partnership whose returns they send',
      );
      await expect(page.getByLabel('Full name').inputValue()).resolves.toBe('Jo Bloggs');
      await audit(page, 'staff-invite-errors');
      await summary.getByRole('link', { name: /No shared mailboxes/ }).click();
      await expect(page.evaluate('document.activeElement.id')).resolves.toBe('invite-email');

      await page.getByLabel('Email address').fill('jo.bloggs@blackpool.example');
      await page.getByLabel('Blackpool Better Start').check();
      await page.getByRole('button', { name: 'Send invitation' }).click();
      await page.waitForURL(/\/staff\/users$/);
      await expect(page.locator('.govuk-notification-banner').textContent()).resolves.toContain(
        'Jo Bloggs has been invited (Blackpool Better Start)',
      );
      const blackpool = page.locator('table[aria-labelledby="group-blk"]');
      await expect(blackpool.textContent()).resolves.toContain('jo.bloggs@blackpool.example');
      await expect(blackpool.textContent()).resolves.toContain('Invited');
      await audit(page, 'staff-users');

      // The invited person, in another browser: on the sign-in page, and into Blackpool's pages.
      const jo = await newPage();
      await jo.goto(`${harness.url}/sign-in`);
      await jo.getByRole('button', { name: /Sign in as Jo Bloggs/ }).click();
      await jo.waitForURL(/\/returns$/);
      await expect(jo.locator('header').textContent()).resolves.toContain('Blackpool');
      await jo.context().close();

      await page.reload();
      await expect(blackpool.textContent()).resolves.toContain('Active');
      await page.getByRole('link', { name: 'Remove Jo Bloggs' }).click();
      await page.waitForURL(/\/remove$/);
      await expect(page.locator('h1').textContent()).resolves.toBe("Remove Jo Bloggs's access?");
      await audit(page, 'staff-remove');
      await page.getByRole('button', { name: 'Remove access' }).click();
      await page.waitForURL(/\/staff\/users$/);
      await expect(page.locator('.govuk-notification-banner').textContent()).resolves.toContain(
        'jo.bloggs@blackpool.example no longer has access',
      );
      await expect(blackpool.textContent()).resolves.not.toContain('jo.bloggs@blackpool.example');
      await audit(page, 'staff-users-after');

      const signIn = await newPage();
      await signIn.goto(`${harness.url}/sign-in`);
      await expect(signIn.getByRole('button', { name: /Sign in as Jo Bloggs/ }).count()).resolves.toBe(0);
      await signIn.context().close();
    } finally {
      await page.context().close();
    }
  }, 120_000);
});
