/**
 * Funder staff's completeness pages in a real browser (playwright-core driving
 * Debian's Chromium), with axe-core on every page: the grid, the
 * non-submitters list and its CSV download, a cell's link to the return, and
 * a bad quarter in the address. Skipped, with a note, where Chromium is not
 * installed (CI requires it).
 *
 * The stack and the portal share a fixed clock, 25 January 2026, and the test
 * delivers each upload's S3 event itself with the time it chooses, so the
 * grid shows the same states on any day:
 *
 *            Q1 (due 30 July 2025)      Q2 (due 30 October)            Q3 (due 30 January)  Q4
 *   BLK      accepted on time           accepted on time               due soon            not yet due
 *   BFD      accepted 5 days late       not accepted (errors)          due soon            not yet due
 *   LAM      accepted on time           accepted, warning unexplained  due soon            not yet due
 *   NOT      missing (179 days late)    received, never checked        due soon            not yet due
 *   SEN      accepted on time           late (87 days)                 due soon            not yet due
 *
 * and beside the grid a file no quarter could take (SEN, empty) and an upload
 * no site could claim. UPDATE_SCREENSHOTS=1 writes the README's pictures,
 * docs/portal-staff-completeness.png and docs/portal-staff-non-submitters.png.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRealS3Event } from '../../functions/src/local/local-stack.js';
import { type PortalHarness, startPortalHarness } from '../portal/harness.js';
import { filledReturn, validYear, withItems } from '../support/returns.js';
import { axeViolations, chromiumInstalled, launchChromium } from './browser-support.js';

const hasChromium = chromiumInstalled('the staff completeness browser tests');

const NOW = new Date('2026-01-25T10:00:00Z');
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? 'docs' : join(tmpdir(), 'portal-screenshots');

let harness: PortalHarness;
let browser: Browser;
let dataDir: string;
let sequencer = 0;

/** Stores a file under incoming/ and delivers its S3 event as if it arrived at `at`. */
async function arrive(key: string, bytes: Buffer, at: string): Promise<void> {
  await harness.stack.upload(key, bytes);
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
            object: { key, size: bytes.length, sequencer: sequencer.toString(16).padStart(4, '0') },
          },
        },
      ],
    }),
  );
}

async function returnFor(site: string, quarter: 1 | 2, change?: (items: Record<string, unknown>) => object) {
  const values = validYear(site, 2025, 7)[quarter - 1]?.values;
  if (!values) throw new Error('no values');
  const changed = change ? withItems(values, change(values.items) as never) : values;
  return filledReturn(changed, site, `2025-26-Q${quarter}`);
}

beforeAll(async () => {
  if (!hasChromium) return;
  dataDir = mkdtempSync(join(tmpdir(), 'staff-grid-'));
  harness = await startPortalHarness(
    { clock: () => NOW },
    { clock: () => NOW, deliverEvents: false, sweepIntervalMs: 0, dataDir },
  );
  await arrive('incoming/BLK/q1.xlsx', await returnFor('BLK', 1), '2025-07-20T09:00:00.000Z');
  await arrive('incoming/BLK/q2.xlsx', await returnFor('BLK', 2), '2025-10-28T09:00:00.000Z');
  await arrive('incoming/BFD/q1.xlsx', await returnFor('BFD', 1), '2025-08-04T09:00:00.000Z');
  await arrive(
    'incoming/BFD/q2.xlsx',
    await returnFor('BFD', 2, (items) => ({ 'BF.TOTAL': (items['BF.TOTAL'] as number) - 4 })),
    '2025-10-20T09:00:00.000Z',
  );
  await arrive('incoming/LAM/q1.xlsx', await returnFor('LAM', 1), '2025-07-25T09:00:00.000Z');
  // More children reached this year than live in the wards: R05's warning, with no explanation row.
  await arrive(
    'incoming/LAM/q2.xlsx',
    await returnFor('LAM', 2, (items) => ({ 'REACH.ELIG_POP': (items['REACH.CHILD_YTD'] as number) - 1 })),
    '2025-10-29T09:00:00.000Z',
  );
  await arrive('incoming/SEN/q1.xlsx', await returnFor('SEN', 1), '2025-07-28T09:00:00.000Z');
  await arrive('incoming/SEN/empty.xlsx', Buffer.alloc(0), '2025-11-10T09:00:00.000Z');
  await arrive('incoming/stray return.xlsx', Buffer.from('PK'), '2025-11-12T16:30:00.000Z');
  // Nottingham's file arrived on 3 November and its event never came: stored, never checked.
  await harness.stack.upload('incoming/NOT/pending.xlsx', await returnFor('NOT', 2));
  const stored = join(
    dataDir,
    's3',
    harness.stack.stack.bucket,
    'incoming',
    'NOT',
    'pending.xlsx._S3rver_object',
  );
  const arrived = new Date('2025-11-03T12:00:00Z');
  utimesSync(stored, arrived, arrived);
  await harness.stack.stack.idle();

  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function audit(page: Page, name?: string): Promise<void> {
  expect(await axeViolations(page, page.url())).toEqual([]);
  if (name) await page.screenshot({ path: join(SCREENSHOTS, `portal-${name}.png`), fullPage: true });
}

/** Each cell of a partnership's row, as its words read. */
async function row(page: Page, partnership: string): Promise<string[]> {
  return page
    .locator(`table.portal-grid tbody tr:has(th:text-is("${partnership}")) td`)
    .allInnerTexts()
    .then((cells) => cells.map((text) => text.replace(/\s+/g, ' ').trim()));
}

describe.runIf(hasChromium)('funder staff’s completeness pages in a real browser', () => {
  it('the grid, the non-submitters list and its CSV, with axe-core on every page', async () => {
    const context = await browser.newContext({
      acceptDownloads: true,
      // axe-core is injected, which the portal's CSP (rightly) would block.
      bypassCSP: true,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    try {
      await page.goto(`${harness.url}/sign-in`);
      await page.getByRole('button', { name: /Sign in as Funder staff demo user/ }).click();
      await page.waitForURL(/\/staff$/);
      await page.goto(`${harness.url}/staff?year=2025-26`);
      await audit(page, 'staff-completeness');

      // Every cell in words (the colour only helps), with days late where there are any.
      expect(await row(page, 'Blackpool Better Start')).toEqual([
        expect.stringMatching(/^accepted Blackpool Better Start 2025-26-Q1 sent on time$/),
        expect.stringMatching(/^accepted .* sent on time$/),
        expect.stringMatching(/^due soon .* due in 5 days$/),
        expect.stringMatching(/^not yet due .* due in 95 days$/),
      ]);
      const bradford = await row(page, 'Better Start Bradford');
      expect(bradford[0]).toMatch(/^accepted .* sent 5 days late$/);
      expect(bradford[1]).toMatch(/^not accepted .* 1 file, none accepted; 87 days late$/);
      expect((await row(page, 'Lambeth Early Action Partnership'))[1]).toMatch(
        /^accepted, warnings unexplained .* sent on time; [1-9]\d* warnings? unexplained$/,
      );
      const nottingham = await row(page, 'Small Steps Big Changes Nottingham');
      expect(nottingham[0]).toMatch(/^missing .* 179 days late$/);
      expect(nottingham[1]).toMatch(
        /^received, not yet checked .* arrived 3 November 2025 at 12:00; 87 days late$/,
      );
      expect((await row(page, 'A Better Start Southend'))[1]).toMatch(/^late .* 87 days late$/);

      const totals = await page.locator('table.portal-grid tfoot tr').allInnerTexts();
      expect(totals.map((line) => line.replace(/\s+/g, ' ').trim())).toEqual([
        'Sent something 4 of 5 4 of 5 0 of 5 not yet expected',
        'Accepted 4 of 5 2 of 5 0 of 5 not yet expected',
        'On time 3 of 5 (60%) 2 of 5 (40%) not yet due not yet due',
        'Without an accepted return 1 partnership for 2025-26 Q1 3 partnerships for 2025-26 Q2 5 partnerships for 2025-26 Q3 5 partnerships for 2025-26 Q4',
      ]);
      await expect(page.locator('ul.portal-legend li').count()).resolves.toBe(10);
      const main = (await page.locator('main').allInnerTexts()).join(' ').replace(/\s+/g, ' ');
      expect(main).toMatch(
        /Files received and not yet checked.*Small Steps Big Changes Nottingham 3 November 2025 at 12:00 82 days/,
      );
      expect(main).toMatch(
        /Files that could not be read as any quarter’s return.*A Better Start Southend 10 November 2025/,
      );
      expect(main).toMatch(
        /Uploads no partnership could claim.*incoming\/stray return\.xlsx 12 November 2025 at 16:30 2 bytes Not in a site folder/,
      );

      // A not-accepted cell opens the return, with its findings.
      await page.getByRole('link', { name: /not accepted Better Start Bradford 2025-26-Q2/ }).click();
      await expect(page.locator('h1').textContent()).resolves.toContain('2025-26 Q2 return');
      await audit(page);
      await page.goBack();

      await page.getByRole('link', { name: /3 partnerships for 2025-26 Q2/ }).click();
      await page.waitForURL(/\/staff\/non-submitters\?period=2025-26-Q2$/);
      await audit(page, 'staff-non-submitters');
      const listed = await page.locator('table.portal-non-submitters tbody tr').allInnerTexts();
      expect(listed.map((line) => line.replace(/\s+/g, ' ').trim())).toEqual([
        expect.stringMatching(
          /^Better Start Bradford monitoring@betterstartbradford\.example not accepted 87 days late 20 October 2025 at 10:00: Not accepted$/,
        ),
        expect.stringMatching(
          /^Small Steps Big Changes Nottingham ssbc\.performance@nottingham\.example received, not yet checked 87 days late A file that arrived 3 November 2025 at 12:00 \(.*\) is being checked$/,
        ),
        expect.stringMatching(
          /^A Better Start Southend abss\.data@southend\.example late 87 days late Nothing yet$/,
        ),
      ]);

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: /Download this list as a spreadsheet/ }).click(),
      ]);
      expect((download as Download).suggestedFilename()).toBe('non-submitters-2025-26-Q2.csv');
      const csv = readFileSync(await (download as Download).path(), 'utf8').replace(/^\ufeff/, '');
      expect(csv.trimEnd().split('\r\n')).toEqual([
        'Site code,Partnership,Quarter,Status,Due date,Days late,Contacts,Files sent,Last file received (UTC),Last file sent by,Last file result,Being checked',
        'BFD,Better Start Bradford,2025-26-Q2,not accepted,2025-10-30,87,monitoring@betterstartbradford.example,1,2025-10-20 09:00,,Not accepted,0',
        'NOT,Small Steps Big Changes Nottingham,2025-26-Q2,"received, not yet checked",2025-10-30,87,ssbc.performance@nottingham.example,0,,,,1',
        'SEN,A Better Start Southend,2025-26-Q2,late,2025-10-30,87,abss.data@southend.example,0,,,,0',
      ]);

      // A quarter that cannot be is a plain page, never a stack trace.
      const bad = await page.goto(`${harness.url}/staff/non-submitters?period=2025-26-Q5`);
      expect(bad?.status()).toBe(400);
      await expect(page.locator('h1').textContent()).resolves.toBe('Check the quarter');
      await audit(page);
    } finally {
      await context.close();
    }
  }, 120_000);
});
