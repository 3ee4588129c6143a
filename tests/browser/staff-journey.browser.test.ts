/**
 * Funder staff's whole journey across the staff pages, in one real browser
 * (playwright-core driving Debian's Chromium), with axe-core on every page:
 * see completeness → open the late partnership's cell (the non-submitters
 * list) → open an accepted return with a warning and query it → as that
 * partnership's user (a second browser context) see the query and upload a
 * correction through the page's own form → as staff see it back to awaiting
 * review and sign it off → the grid says signed off → publish the quarter's
 * release (preview, confirm) and see it listed → download a filtered CSV that
 * holds the corrected figure. Skipped, with a note, where Chromium is not
 * installed (CI requires it).
 *
 * The stack and the portal share a clock that starts at 25 January 2026 and
 * runs on with real time (the query must come before the correction that
 * answers it), and the test delivers each upload's S3 event itself with the
 * time it chooses, so on any day 2025-26 Q2 (due 30 October 2025) reads:
 *
 *   BLK, BFD, NOT  accepted on time
 *   LAM            accepted on time, one warning unexplained (R05: more
 *                  children reached than live in the wards): queried, corrected
 *   SEN            nothing sent: late (87 days)
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRealS3Event } from '../../functions/src/local/local-stack.js';
import type { ReturnValues } from '../../functions/src/returns/return-values.js';
import { type PortalHarness, startPortalHarness } from '../portal/harness.js';
import { filledReturn, validYear, withItems } from '../support/returns.js';
import { axeViolations, chromiumInstalled, launchChromium } from './browser-support.js';

const hasChromium = chromiumInstalled('the staff journey browser test');

const START = new Date('2026-01-25T10:00:00Z').getTime();
const startedAt = Date.now();
const clock = () => new Date(START + (Date.now() - startedAt));
const PERIOD = '2025-26-Q2';
const SCREENSHOTS = join(tmpdir(), 'portal-screenshots');

let harness: PortalHarness;
let browser: Browser;
let lambeth: ReturnValues;
let sequencer = 0;

/** Delivers the S3 event of an object already under incoming/, as if it arrived at `at`. */
async function deliver(key: string, size: number, at: string): Promise<void> {
  sequencer += 1;
  await harness.stack.stack.deliver(
    asRealS3Event({
      Records: [
        {
          eventVersion: '2.0',
          eventSource: 'aws:s3',
          awsRegion: 'us-east-1',
          eventTime: at,
          eventName: 'ObjectCreated:Put',
          s3: {
            bucket: { name: harness.stack.stack.bucket },
            object: { key, size, sequencer: sequencer.toString(16).padStart(4, '0') },
          },
        },
      ],
    }),
  );
}

function q2(site: string, seed: number): ReturnValues {
  const values = validYear(site, 2025, seed)[1]?.values;
  if (!values) throw new Error('no values');
  return values;
}

beforeAll(async () => {
  if (!hasChromium) return;
  harness = await startPortalHarness({ clock }, { clock, deliverEvents: false, sweepIntervalMs: 0 });
  lambeth = q2('LAM', 33);
  const returns: Array<[string, ReturnValues]> = [
    ['BLK', q2('BLK', 31)],
    ['BFD', q2('BFD', 32)],
    ['LAM', withItems(lambeth, { 'REACH.ELIG_POP': (lambeth.items['REACH.CHILD_YTD'] as number) - 1 })],
    ['NOT', q2('NOT', 34)],
  ];
  for (const [index, [site, values]] of returns.entries()) {
    const key = `incoming/${site}/q2.xlsx`;
    const bytes = await filledReturn(values, site, PERIOD);
    await harness.stack.upload(key, bytes);
    await deliver(key, bytes.length, `2025-10-2${index}T09:00:00.000Z`);
  }
  await harness.stack.stack.idle();
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
});

/** axe-core's WCAG 2.2 AA rules and best practice on the page as it stands, and a screenshot of it. */
async function audit(page: Page, name: string): Promise<void> {
  expect(await axeViolations(page, name, 'wcag22')).toEqual([]);
  await page.screenshot({ path: join(SCREENSHOTS, `portal-journey-${name}.png`), fullPage: true });
}

async function signedIn(who: RegExp, next: string): Promise<Page> {
  // axe-core is injected, which the portal's CSP (rightly) would block.
  const context = await browser.newContext({
    acceptDownloads: true,
    bypassCSP: true,
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  await page.goto(`${harness.url}/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByRole('button', { name: who }).click();
  await page.waitForURL((url) => `${url.pathname}${url.search}` === next);
  return page;
}

/** A partnership's cell for Q2 in the grid, as its words read. */
async function q2Cell(page: Page, partnership: string): Promise<string> {
  const cells = await page
    .locator(`table.portal-grid tbody tr:has(th:text-is("${partnership}")) td`)
    .allInnerTexts();
  return (cells[1] ?? '').replace(/\s+/g, ' ').trim();
}

describe.runIf(hasChromium)('funder staff’s journey in a real browser', () => {
  it('completeness → query → the site’s correction → sign off → release → filtered CSV', async () => {
    const staff = await signedIn(/Sign in as Funder staff demo user/, '/staff?year=2025-26');
    await audit(staff, 'grid');
    expect(await q2Cell(staff, 'A Better Start Southend')).toMatch(/^late .* 87 days late$/);
    expect(await q2Cell(staff, 'Blackpool Better Start')).toMatch(/^accepted .* sent on time$/);
    expect(await q2Cell(staff, 'Lambeth Early Action Partnership')).toMatch(
      /^accepted, warnings unexplained .* 1 warning unexplained$/,
    );

    // The late partnership's cell opens the non-submitters list at its row.
    await staff.getByRole('link', { name: /^late A Better Start Southend 2025-26-Q2/ }).click();
    await staff.waitForURL(/\/staff\/non-submitters\?period=2025-26-Q2#site-SEN$/);
    await audit(staff, 'non-submitters');
    const listed = await staff.locator('table.portal-non-submitters tbody tr').allInnerTexts();
    expect(listed.map((line) => line.replace(/\s+/g, ' ').trim())).toEqual([
      expect.stringMatching(/^A Better Start Southend abss\.data@southend\.example late 87 days late/),
    ]);

    // Lambeth's return, accepted with a warning it did not explain: staff query it.
    await staff.getByRole('link', { name: 'Back to completeness' }).click();
    await staff
      .getByRole('link', {
        name: /^accepted, warnings unexplained Lambeth Early Action Partnership 2025-26-Q2/,
      })
      .click();
    await staff.waitForURL(/\/returns\/2025-26-Q2\/submissions\/LAM-/);
    const queried = staff.url();
    expect(await staff.locator('main').textContent()).toContain('awaiting the funder’s review');
    await audit(staff, 'awaiting-review');
    const question =
      'More children reached this year than live in the wards: is the eligible population the latest ONS estimate?';
    await staff.getByLabel('Query the site').fill(question);
    await staff.getByRole('button', { name: 'Send query to the site' }).click();
    await staff.waitForURL(/done=query/);
    await audit(staff, 'queried');
    const email = (await harness.stack.emails()).find((sent) => sent.body.text.includes(question));
    // Emailed to Lambeth's contacts, with a link to the page that shows it; and the grid says queried.
    expect(email?.destination.to).toContain('leap.data@lambeth.example');
    expect(email?.body.text).toContain(`${harness.url}${new URL(queried).pathname}`);
    await staff.goto(`${harness.url}/staff?year=2025-26`);
    expect(await q2Cell(staff, 'Lambeth Early Action Partnership')).toMatch(/^queried /);

    // Lambeth's user sees the question on the same page and uploads a corrected file through it.
    const site = await signedIn(/Sign in as Lambeth demo user/, new URL(queried).pathname);
    expect(await site.locator('#open-query').textContent()).toContain(question);
    await audit(site, 'site-queried');
    const corrected = await filledReturn(lambeth, 'LAM', PERIOD);
    // The page's script checks the form has not expired by the browser's own clock: let it share the portal's.
    await site.clock.setFixedTime(clock());
    await site.setInputFiles('#file', {
      name: 'lambeth-q2-corrected.xlsx',
      mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      buffer: corrected,
    });
    await site.getByRole('button', { name: 'Upload and check' }).click();
    await site.waitForURL((url) => url.pathname.startsWith('/uploads/'));
    const uploadId = new URL(site.url()).pathname.split('/').pop() as string;
    await deliver(`incoming/LAM/${uploadId}.xlsx`, corrected.length, clock().toISOString());
    await harness.stack.stack.idle();
    await site.waitForURL(/\/returns\/2025-26-Q2\/submissions\/LAM-/, { timeout: 15_000 });
    expect(site.url()).not.toBe(queried);
    const siteView = (await site.locator('main').textContent()) ?? '';
    expect(siteView).toMatch(/Accepted/);
    expect(siteView).toContain('No problems found');
    await audit(site, 'site-corrected');
    await site.context().close();

    // Back with staff: the corrected return awaits review; it is signed off.
    await staff.goto(`${harness.url}/staff?year=2025-26`);
    expect(await q2Cell(staff, 'Lambeth Early Action Partnership')).toMatch(/^accepted .* sent on time$/);
    await staff.getByRole('link', { name: /Lambeth Early Action Partnership 2025-26-Q2/ }).click();
    await staff.waitForURL(/\/returns\/2025-26-Q2\/submissions\/LAM-/);
    expect(staff.url()).toBe(site.url());
    const review = (await staff.locator('#review').evaluate((h) => h.parentElement?.textContent)) ?? '';
    expect(review).toContain('A corrected file answers the query');
    expect(await staff.locator('main').textContent()).toContain('awaiting the funder’s review');
    await staff.getByRole('button', { name: 'Sign off this return' }).click();
    await staff.waitForURL(/done=sign-off/);
    expect(await staff.getByRole('button', { name: 'Reopen this return' }).count()).toBe(1);
    await audit(staff, 'signed-off');
    await staff.goto(`${harness.url}/staff?year=2025-26`);
    expect(await q2Cell(staff, 'Lambeth Early Action Partnership')).toMatch(/^signed off /);
    await audit(staff, 'grid-signed-off');

    // The quarter's release: the audit's verdict first, then publish, then listed.
    await staff.getByRole('link', { name: 'Publish', exact: true }).click();
    await staff.waitForURL(/\/staff\/releases$/);
    await staff.getByLabel('Quarter or year to date').selectOption(PERIOD);
    await staff.getByRole('button', { name: 'Preview the release' }).click();
    await staff.waitForURL(/\/staff\/releases\/preview\?period=2025-26-Q2$/);
    expect(await staff.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Publish release 1 of 2025-26 Q2?',
    );
    expect(await staff.getByText('The disclosure audit passed').count()).toBe(1);
    await audit(staff, 'release-preview');
    await staff.getByRole('button', { name: 'Publish release 1' }).click();
    await staff.waitForURL(/\/staff\/releases\?published=2025-26-Q2&release=1$/);
    expect(await staff.getByText('Release 1 of 2025-26 Q2 is published').count()).toBe(1);
    expect(await staff.getByRole('rowheader', { name: 'Release 1 (first release)' }).count()).toBe(1);
    await audit(staff, 'release-published');

    // Lambeth's reach figures for Q2, as a CSV: the corrected eligible population is the one held.
    await staff.getByRole('link', { name: 'Downloads', exact: true }).click();
    await staff.waitForURL(/\/staff\/downloads$/);
    await audit(staff, 'downloads');
    await staff.getByLabel('From').selectOption(PERIOD);
    await staff.getByLabel('To').selectOption(PERIOD);
    await staff.getByLabel('Lambeth Early Action Partnership').check();
    await staff.getByLabel(/^B: /).check();
    const [file] = await Promise.all([
      staff.waitForEvent('download'),
      staff.getByRole('button', { name: 'Download' }).click(),
    ]);
    expect((file as Download).suggestedFilename()).toBe('returns-2025-26-Q2.csv');
    const csv = readFileSync(await (file as Download).path(), 'utf8').replace(/^\uFEFF/, '');
    const [header, ...rows] = csv.trim().split('\r\n');
    expect(header).toMatch(/^Period,Site,Dictionary version,Section,Item ID,Item,Table row,Value,/);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/^2025-26-Q2,LAM,2025-26,B,/);
    const eligible = rows.find((row) => row.split(',')[4] === 'REACH.ELIG_POP');
    expect(eligible).toContain(`,${lambeth.items['REACH.ELIG_POP']},`);
    expect(eligible).toContain(new URL(site.url()).pathname.split('/').pop());
    await staff.context().close();
  }, 150_000);
});
