/**
 * The portal in a real browser: playwright-core driving Debian's Chromium
 * against the local stack as `npm start` runs it. A grant holder's journey
 * (sign in as BLK → download the template → upload a file with errors → see
 * the findings → download the annotated copy → upload the corrected file →
 * accepted), walked three times: with a mouse and axe-core on every page,
 * by keyboard alone, and with JavaScript disabled. As BLK, a BFD page is 404.
 * Skipped, with a note, where Chromium is not installed (CI requires it).
 *
 * Screenshots go to the system's temporary folder; UPDATE_SCREENSHOTS=1 writes
 * them to docs/portal-*.png for the README instead.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticReturn } from '../../functions/src/demo/synthetic-return.js';
import { describePeriod, type Period, parsePeriod } from '../../functions/src/programme/periods.js';
import type { ReturnValues } from '../../functions/src/returns/return-values.js';
import { fillTemplate } from '../../functions/src/template/fill-template.js';
import { type PortalHarness, postUpload, startPortalHarness } from '../portal/harness.js';
import { testReference } from '../support/reference.js';
import { filledReturn, validValues } from '../support/returns.js';
import { axeViolations, chromiumInstalled, launchChromium } from './browser-support.js';

const hasChromium = chromiumInstalled('the browser tests');

const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? 'docs' : join(tmpdir(), 'portal-screenshots');
/** The pages the README shows; the others are screenshotted only to the temporary folder. */
const README_PAGES = new Set([
  'start',
  'your-returns-after',
  'templates',
  'upload',
  'checking',
  'submission-with-errors',
  'submission-accepted',
  'releases',
  // staff-completeness: staff-completeness.browser.test.ts takes the README's picture, with a fixed clock.
  'not-found',
]);

type Mode = 'mouse' | 'keyboard' | 'no-js';

let harness: PortalHarness;
let browser: Browser;
let bfdSubmission: string;
const audited = new Set<string>();

beforeAll(async () => {
  if (!hasChromium) return;
  harness = await startPortalHarness();
  browser = await launchChromium();
  // Bradford's return, sent over HTTP: the page Blackpool must not see.
  const bfd = harness.client();
  await bfd.signInAs('bfd-demo');
  const response = await postUpload(
    await bfd.uploadForm(),
    await filledReturn(validValues('BFD', '2025-26-Q2'), 'BFD', '2025-26-Q2'),
  );
  bfdSubmission = await harness.checked(
    bfd,
    new URL(response.headers.get('location') as string).pathname.split('/').pop() as string,
  );
  await harness.stack.stack.clients.s3.send(
    new PutObjectCommand({
      Bucket: harness.stack.stack.bucket,
      Key: 'published/2025-26-Q1/release-1.xlsx',
      Body: Buffer.from('a release'),
    }),
  );
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
});

async function newContext(
  mode: Mode,
): Promise<{ context: BrowserContext; page: Page; cspViolations: string[] }> {
  const context = await browser.newContext({
    acceptDownloads: true,
    javaScriptEnabled: mode !== 'no-js',
    // Only the mouse journey injects axe-core, which the portal's CSP (rightly) would block.
    bypassCSP: mode === 'mouse',
    viewport: { width: 1100, height: 900 },
  });
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return { context, page, cspViolations };
}

/** axe-core's WCAG 2.2 AA rules and best practice on the page as it stands, and a screenshot of it. */
async function audit(page: Page, mode: Mode, name: string): Promise<void> {
  if (mode !== 'mouse') return;
  expect(await axeViolations(page, name)).toEqual([]);
  audited.add(name);
  if (SCREENSHOTS === 'docs' && !README_PAGES.has(name)) return;
  await page.screenshot({ path: join(SCREENSHOTS, `portal-${name}.png`), fullPage: true });
}

/** Moves focus with Tab alone until it rests on the element whose text (or id) matches. */
async function tabTo(page: Page, target: RegExp): Promise<void> {
  for (let presses = 0; presses < 80; presses++) {
    await page.keyboard.press('Tab');
    const focused = (await page.evaluate(
      'document.activeElement ? [(document.activeElement.innerText || document.activeElement.value || "").trim(), document.activeElement.id] : []',
    )) as string[];
    if (focused.some((text) => target.test(text))) return;
  }
  throw new Error(`Tab never reached ${target} on ${page.url()}`);
}

/** Follows a link or presses a button: by mouse, or by Tab and Enter. */
async function activate(
  page: Page,
  mode: Mode,
  name: RegExp,
  role: 'link' | 'button' = 'link',
): Promise<void> {
  if (mode === 'keyboard') {
    await tabTo(page, name);
    await page.keyboard.press('Enter');
  } else {
    await page.getByRole(role, { name }).first().click();
  }
}

async function download(page: Page, mode: Mode, name: RegExp): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), activate(page, mode, name)]);
  return readFileSync(await (file as Download).path());
}

async function chooseFile(page: Page, mode: Mode, file: Buffer): Promise<void> {
  const payload = {
    name: 'return.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: file,
  };
  if (mode === 'keyboard') {
    await tabTo(page, /^file$/);
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
    await chooser.setFiles(payload);
  } else {
    await page.setInputFiles('#file', payload);
  }
}

/** After "Upload and check": the checking page, then (by itself, or by "Check again" without JavaScript) the result. */
async function awaitResult(page: Page, mode: Mode, before: string): Promise<void> {
  await page.waitForURL((url) => url.href !== before && /^\/(uploads|returns)\//.test(url.pathname));
  if (page.url().includes('/uploads/') && !audited.has('checking')) await audit(page, mode, 'checking');
  for (let attempt = 0; attempt < 60 && !page.url().includes('/submissions/'); attempt++) {
    if (mode === 'no-js') {
      await page.waitForTimeout(300);
      await page.getByRole('link', { name: 'Check again' }).click();
      await page.waitForLoadState();
    } else {
      await page.waitForURL(/\/submissions\//, { timeout: 1000 }).catch(() => undefined);
    }
  }
  expect(page.url()).toMatch(/\/returns\/[^/]+\/submissions\/BLK-[0-9a-f]{16}$/);
}

async function upload(page: Page, mode: Mode): Promise<void> {
  const before = page.url();
  await activate(page, mode, /^Upload and check$/, 'button');
  await awaitResult(page, mode, before);
}

/** Values for a quarter's return, from the synthetic return generator. */
function valuesFor(period: Period, seed: number): ReturnValues {
  const reference = testReference();
  return syntheticReturn(reference.dictionaries.forPeriod(period), reference.sites.get('BLK'), period, {
    seed,
  });
}

async function journey(mode: Mode, seed: number): Promise<void> {
  const { context, page, cspViolations } = await newContext(mode);
  try {
    await page.goto(`${harness.url}/`);
    await audit(page, mode, 'start');
    await activate(page, mode, /^Sign in$/);
    await page.waitForURL(/\/interaction\//);
    await activate(page, mode, /Sign in as Blackpool demo user/, 'button');
    await page.waitForURL(/\/returns$/);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Your returns');
    await audit(page, mode, 'your-returns');

    await activate(page, mode, /^Templates$/);
    await page.waitForURL(/\/templates$/);
    await audit(page, mode, 'templates');
    // The first template offered is the quarter due next, marked so; its link names the quarter.
    const suggestedLink = (await page.locator('li:has(.govuk-tag) a').first().getAttribute('href')) as string;
    const period = (parsePeriod(suggestedLink.split('/')[2] as string) as { period: Period }).period;
    const template = await download(page, mode, new RegExp(`^Blank template for ${describePeriod(period)}$`));
    expect(template.subarray(0, 2).toString()).toBe('PK');

    const values = valuesFor(period, seed);
    const broken = {
      ...values,
      items: { ...values.items, 'BF.TOTAL': (values.items['BF.TOTAL'] as number) - 4 },
    };
    await activate(page, mode, /^Upload and check$/);
    await page.waitForURL(/\/upload$/);
    await audit(page, mode, 'upload');
    await chooseFile(page, mode, await fillTemplate(template, broken));
    await upload(page, mode);
    const rejected = await page.locator('main').textContent();
    expect(rejected).toContain('Not accepted');
    expect(rejected).toMatch(/Errors: these must be fixed/);
    expect(rejected).toMatch(/Breastfeeding at 6–8 weeks/);
    await audit(page, mode, 'submission-with-errors');

    const annotated = await download(page, mode, /Download your file with the problems marked/);
    expect(annotated.subarray(0, 2).toString()).toBe('PK');
    expect(annotated.toString('latin1')).toContain('xl/worksheets/');

    await chooseFile(page, mode, await fillTemplate(template, values));
    await upload(page, mode);
    const accepted = await page.locator('main').textContent();
    expect(accepted).toMatch(/Accepted/);
    expect(accepted).not.toContain('Not accepted');
    await audit(page, mode, 'submission-accepted');

    if (mode === 'mouse') {
      await page.goto(`${harness.url}/returns`);
      await audit(page, mode, 'your-returns-after');
      const notFound = await page.goto(`${harness.url}${bfdSubmission}`);
      expect(notFound?.status()).toBe(404);
      await expect(page.locator('h1').textContent()).resolves.toBe('Page not found');
      await audit(page, mode, 'not-found');
      await page.goto(`${harness.url}/releases`);
      await audit(page, mode, 'releases');
      for (const info of ['help', 'accessibility', 'privacy']) {
        await page.goto(`${harness.url}/${info}`);
        await audit(page, mode, info);
      }
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/signed-out$/);
      await audit(page, mode, 'signed-out');
    }
    expect(cspViolations).toEqual([]);
  } finally {
    await context.close();
  }
}

describe.runIf(hasChromium)('the portal in a real browser', () => {
  it('a grant holder’s journey, with axe-core on every page: no violations', async () => {
    await journey('mouse', 101);
  }, 120_000);

  it('funder staff see completeness, and open a site’s return from it', async () => {
    const { context, page } = await newContext('mouse');
    try {
      await page.goto(`${harness.url}/sign-in`);
      await page.getByRole('button', { name: /Sign in as Funder staff demo user/ }).click();
      await page.waitForURL(/\/staff$/);
      await page.goto(`${harness.url}/staff?year=2025-26`);
      await audit(page, 'mouse', 'staff-completeness');
      await page.getByRole('link', { name: /Better Start Bradford 2025-26-Q2/ }).click();
      await expect(page.locator('h1').textContent()).resolves.toContain('2025-26 Q2 return');
      await expect(page.locator('form[data-upload-form]').count()).resolves.toBe(0);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('the same journey by keyboard alone', async () => {
    await journey('keyboard', 202);
  }, 120_000);

  it('the same journey with JavaScript disabled', async () => {
    await journey('no-js', 303);
  }, 120_000);
});
