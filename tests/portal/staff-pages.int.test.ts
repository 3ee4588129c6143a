/**
 * Funder staff's releases, charts and downloads over HTTP, against the local
 * stack as `npm start` runs it (returns uploaded to the emulated bucket and
 * checked by the real pipeline):
 *
 * - preview → confirm → listed; two staff confirming at once give one
 *   release and a clear message to the other; a preview made stale by a
 *   resubmission publishes nothing; a revision says what changed; refusals
 *   are said in words;
 * - the charts page draws what the returns say (rates recomputed here from
 *   the uploaded values, read back from the data table and from the SVG's
 *   geometry through its own axis ticks);
 * - downloads: bad input answered on the form, never a trace; CSV text that
 *   starts = + - @ made inert; the bucket-and-signed-link delivery the Lambda
 *   uses gives the same bytes as the stream.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoReleaseStore } from '../../functions/src/adapters/dynamodb-release-store.js';
import { S3PortalFiles } from '../../functions/src/adapters/s3-portal-files.js';
import { S3ReturnFiles } from '../../functions/src/adapters/s3-return-files.js';
import { PortalData } from '../../functions/src/portal/portal-data.js';
import { unseal } from '../../functions/src/portal/session.js';
import { checkDownload, deliverDownload } from '../../functions/src/portal/staff-downloads.js';
import type { ReturnValues } from '../../functions/src/returns/return-values.js';
import { testReference } from '../support/reference.js';
import { filledReturn, validValues, withItems } from '../support/returns.js';
import { type PortalClient, type PortalHarness, startPortalHarness } from './harness.js';

let harness: PortalHarness;
let staff: PortalClient;
let other: PortalClient;
let blk: PortalClient;
const reference = testReference();
const SITES = ['BLK', 'BFD', 'LAM'] as const;
const uploaded = new Map<string, ReturnValues>();

/** Text that a spreadsheet would run as a formula, in places a return can hold text. */
const HOSTILE = ['=HYPERLINK("http://evil.example","x")', '+SUM(1,2)', '-2+3', '@cmd'];

function withHostileText(values: ReturnValues): ReturnValues {
  const services = (values.tables.SERVICES ?? []).map((row, index) =>
    index < 3 ? { ...row, NAME: `${HOSTILE[index + 1]} ${String(row.NAME)}` } : row,
  );
  return {
    items: { ...values.items, 'NOTE.HIGHLIGHTS': HOSTILE[0] as string },
    tables: { ...values.tables, SERVICES: services },
  };
}

async function upload(site: string, values: ReturnValues, name: string): Promise<void> {
  await harness.stack.upload(`incoming/${site}/${name}.xlsx`, await filledReturn(values, site, '2025-26-Q1'));
}

/** Waits until the store's current returns for Q1 are exactly these submissions' values. */
async function currentIs(expected: number, changedSite?: string, before?: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const current = await harness.stack.store.currentReturns('2025-26-Q1');
    const changed = changedSite
      ? current.find((entry) => entry.site === changedSite)?.submissionId !== before
      : true;
    if (current.length === expected && changed) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error('the returns were never accepted');
}

async function csrfOf(client: PortalClient): Promise<string> {
  const session = client.cookies.get('portal-session');
  return (await unseal<{ csrf: string }>(harness.portal.sessionKey, 'session', session))?.csrf ?? '';
}

async function preview(client: PortalClient, period: string): Promise<{ status: number; page: string }> {
  const response = await client.fetch(`/staff/releases/preview?period=${encodeURIComponent(period)}`);
  return { status: response.status, page: await response.text() };
}

function draftOf(page: string): string {
  const draft = /name="draft" value="([^"]+)"/.exec(page)?.[1];
  if (!draft) throw new Error('the preview has no confirm form');
  return draft;
}

async function confirm(client: PortalClient, period: string, draft: string): Promise<Response> {
  return client.fetch('/staff/releases/publish', {
    method: 'POST',
    headers: { origin: harness.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf: await csrfOf(client), period, draft }).toString(),
  });
}

const text = (page: string) =>
  page
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

beforeAll(async () => {
  harness = await startPortalHarness({
    extraUsers: [
      {
        accountId: 'staff-two',
        email: 'second@funder.example',
        name: 'Sam Second',
        groups: ['funder-staff'],
        role: 'funder staff',
      },
    ],
  });
  [staff, other, blk] = [harness.client(), harness.client(), harness.client()];
  await staff.signInAs('staff-demo');
  await other.signInAs('staff-two');
  await blk.signInAs('blk-demo');
  for (const [index, site] of SITES.entries()) {
    const values =
      index === 0
        ? withHostileText(validValues(site, '2025-26-Q1', 11))
        : validValues(site, '2025-26-Q1', 11 + index);
    uploaded.set(site, values);
    await upload(site, values, `first-${site}`);
  }
  await currentIs(SITES.length);
}, 180_000);

afterAll(async () => {
  await harness?.stop();
});

describe('publishing a release from the portal', () => {
  it('says plainly why a period cannot be published, and publishes nothing', async () => {
    const notStarted = await preview(staff, '2026-27-Q4');
    expect(notStarted.status).toBe(200);
    expect(text(notStarted.page)).toContain('has not started yet, so there is nothing to publish');
    const noReturns = await preview(staff, '2025-26-Q2');
    expect(text(noReturns.page)).toContain('There are no accepted returns for 2025-26 Q2');
    expect(noReturns.page).not.toContain('name="draft"');
    const nonsense = await preview(staff, '2025-26-Q9');
    expect(nonsense.status).toBe(400);
    expect(text(nonsense.page)).toContain('has no quarter 9');
    expect(await harness.stack.store.currentReturns('2025-26-Q1')).toHaveLength(SITES.length);
    expect((await staff.fetch('/releases').then((r) => r.text())).includes('release-1.xlsx')).toBe(false);
  });

  it('previews the audit’s verdict, and two staff confirming at once make one release', async () => {
    const first = await preview(staff, '2025-26-Q1');
    const second = await preview(other, '2025-26-Q1');
    expect(first.status).toBe(200);
    const words = text(first.page);
    expect(words).toContain('Publish release 1 of 2025-26 Q1?');
    expect(words).toContain('The disclosure audit passed');
    expect(words).toContain('Nothing has been published yet');
    expect(words).toContain(
      '3 accepted returns, from Blackpool Better Start, Better Start Bradford, Lambeth',
    );
    expect(words).toMatch(
      /\d+ cells? (is|are) shown as c \(confidential\): \d+ because the count is from 1 to 7/,
    );
    // Nothing is published by a preview.
    expect(await harness.stack.stack.clients.s3.send(listPublished())).toMatchObject({ KeyCount: 0 });

    const [a, b] = await Promise.all([
      confirm(staff, '2025-26-Q1', draftOf(first.page)),
      confirm(other, '2025-26-Q1', draftOf(second.page)),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([303, 409]);
    const loser = a.status === 409 ? a : b;
    expect(text(await loser.text())).toMatch(
      /Someone else published release 1 of 2025-26 Q1|Release 1 has been published since this preview was made, so this one was not published/,
    );
    const winner = a.status === 303 ? a : b;
    expect(winner.headers.get('location')).toBe('/staff/releases?published=2025-26-Q1&release=1');
    const records = await releaseStore().listReleases('2025-26-Q1');
    expect(records.map((record) => record.number)).toEqual([1]);
    // The confirm published the preview's audited outcome: the audit did not run again.
    const winnerDraft = draftOf((a.status === 303 ? first : second).page);
    const draft = JSON.parse(
      (
        await new S3ReturnFiles(harness.stack.stack.clients.s3, harness.stack.stack.bucket).read(
          `releases/2025-26-Q1/drafts/${winnerDraft}.json`,
        )
      ).toString(),
    ) as { prepared: { milliseconds: number; lps: number } };
    expect(records[0]?.audit.milliseconds).toBe(Math.round(draft.prepared.milliseconds));
    expect(records[0]?.audit.lps).toBe(draft.prepared.lps);

    const listed = text(await (await staff.fetch(winner.headers.get('location') as string)).text());
    expect(listed).toContain('Release 1 of 2025-26 Q1 is published');
    expect(listed).toContain('Release 1 (first release)');
    expect(listed).toContain('First release of this period.');
    // A grant holder sees it among the published releases.
    expect(await (await blk.fetch('/releases')).text()).toContain('/releases/2025-26-Q1/release-1.xlsx');
  });

  it('refuses a release that would change nothing', async () => {
    const again = await preview(staff, '2025-26-Q1');
    expect(text(again.page)).toContain('Release 1 of 2025-26 Q1 already uses exactly these returns');
    expect(again.page).not.toContain('name="draft"');
  });

  it('a preview made stale by a resubmission publishes nothing; the fresh one is a revision that says why', async () => {
    const year = await preview(staff, '2025-26');
    expect(text(year.page)).toContain('Publish release 1 of the 2025-26 year to date?');
    const before = (await harness.stack.store.currentReturns('2025-26-Q1')).find(
      (entry) => entry.site === 'BFD',
    );
    const corrected = withItems(uploaded.get('BFD') as ReturnValues, {
      'ACT.SESSIONS': Number((uploaded.get('BFD') as ReturnValues).items['ACT.SESSIONS']),
      'NOTE.HIGHLIGHTS': 'Corrected after a data audit',
    });
    await upload('BFD', corrected, 'corrected-BFD');
    await currentIs(SITES.length, 'BFD', before?.submissionId);

    const stale = await confirm(staff, '2025-26', draftOf(year.page));
    expect(stale.status).toBe(409);
    expect(text(await stale.text())).toContain('have changed since this preview was made');
    const ytd = await releaseStore().listReleases('2025-26');
    expect(ytd).toHaveLength(0);

    const revision = await preview(staff, '2025-26-Q1');
    const words = text(revision.page);
    expect(words).toContain('Publish release 2 of 2025-26 Q1?');
    expect(words).toContain('What changed since release 1');
    expect(words).toContain('Revised because Better Start Bradford (2025-26-Q1) sent a corrected return');
    const published = await confirm(staff, '2025-26-Q1', draftOf(revision.page));
    expect(published.status).toBe(303);
    const listed = text(await (await staff.fetch('/staff/releases')).text());
    expect(listed).toContain('Release 2 (revision 1)');
    expect(listed).toContain('This release revises release 1');
  });

  it('a confirm without a preview, or with a made-up draft, publishes nothing', async () => {
    const made = await confirm(staff, '2025-26', '00000000-0000-4000-8000-000000000000');
    expect(made.status).toBe(409);
    expect(text(await made.text())).toContain('That preview is no longer available');
    const traversal = await confirm(staff, '2025-26', '../../published/2025-26-Q1/release-1');
    expect(traversal.status).toBe(409);
  });
});

function listPublished() {
  return new ListObjectsV2Command({ Bucket: harness.stack.stack.bucket, Prefix: 'published/' });
}

function releaseStore(): DynamoReleaseStore {
  return new DynamoReleaseStore(
    DynamoDBDocumentClient.from(harness.stack.stack.clients.dynamodb, {
      marshallOptions: { removeUndefinedValues: true },
    }),
    harness.stack.stack.table,
  );
}

describe('charts', () => {
  /** The programme's rate for an indicator, from the uploaded values alone. */
  const expectedRate = (indicatorId: string, values: readonly ReturnValues[]) => {
    const indicator = reference.dictionaries
      .get('2025-26')
      .indicators.find((entry) => entry.id === indicatorId);
    if (!indicator) throw new Error(indicatorId);
    const sum = (terms: typeof indicator.numeratorExpression.terms) =>
      values.reduce(
        (total, entry) =>
          total + terms.reduce((part, term) => part + term.sign * Number(entry.items[term.itemId]), 0),
        0,
      );
    return sum(indicator.numeratorExpression.terms) / sum(indicator.denominatorExpression.terms);
  };

  it('draws every indicator as the returns say, in the SVG and in the table beside it', async () => {
    const response = await staff.fetch('/staff/charts?year=2025-26');
    expect(response.status).toBe(200);
    const page = await response.text();
    const current = await harness.stack.store.currentReturns('2025-26-Q1');
    const values = current.map((entry) => entry.values);
    for (const indicator of reference.dictionaries.get('2025-26').indicators) {
      const start = page.indexOf(`<svg xmlns="http://www.w3.org/2000/svg" id="chart-${indicator.id}"`);
      expect(start, indicator.id).toBeGreaterThan(-1);
      const svg = page.slice(start, page.indexOf('</svg>', start));
      expect(svg).toContain(`aria-labelledby="chart-${indicator.id}-title chart-${indicator.id}-desc"`);
      const panel = /<g class="panel" data-unit="programme">([\s\S]*?)<\/g>/.exec(svg)?.[1] as string;
      const point =
        /<circle class="rate"[^>]*data-period="2025-26-Q1" data-rate="([^"]+)"[^>]*cy="([^"]+)"/.exec(panel);
      const rate = expectedRate(indicator.id, values);
      expect(Number(point?.[1]), indicator.id).toBeCloseTo(rate, 10);
      // The point's height, read back through the two outermost ticks drawn beside it.
      const ticks = [...panel.matchAll(/<text class="tick" data-value="([^"]+)" x="[^"]+" y="([^"]+)"/g)].map(
        (match) => ({ value: Number(match[1]), y: Number(match[2]) - 4 }),
      );
      const [low, high] = [ticks[0], ticks.at(-1)] as [
        { value: number; y: number },
        { value: number; y: number },
      ];
      const read = low.value + ((Number(point?.[2]) - low.y) / (high.y - low.y)) * (high.value - low.value);
      expect(Math.abs(read - rate), indicator.id).toBeLessThan(0.0005);
      // The table beside the chart says the same, as a percentage, with its counts.
      const table = page.slice(page.indexOf(`id="chart-${indicator.id}-table"`));
      const row = /<tr><th scope="row">Programme<\/th><td>2025-26 Q1<\/td><td>([^<]+)<\/td>/.exec(table);
      expect(row?.[1], indicator.id).toBe(`${(rate * 100).toFixed(1)}%`);
    }
    // A count, with sites reporting under its bar.
    const children = values.reduce((total, entry) => total + Number(entry.items['REACH.CHILD_Q']), 0);
    expect(page).toMatch(new RegExp(`class="bar" data-period="2025-26-Q1" data-value="${children}"`));
    expect(page).toContain('class="sites-reporting" data-period="2025-26-Q1" data-sites="3"');
    // The CSP forbids inline style: the charts use presentation attributes and classes only.
    expect(page).not.toMatch(/style="/);
  });
});

describe('filtered downloads', () => {
  const file = (query: string) => staff.fetch(`/staff/downloads/file?${query}`);

  it.each([
    [
      'a range of 100 years',
      'from=2025-26-Q1&to=2124-25-Q4&format=csv',
      'is 400 quarters (100 years); one download covers at most 40 quarters',
    ],
    ['an unknown site', 'from=2025-26-Q1&to=2025-26-Q1&site=XYZ&format=csv', 'There is no site "XYZ"'],
    ['an unknown section', 'from=2025-26-Q1&to=2025-26-Q1&section=Q&format=csv', 'There is no section "Q"'],
    [
      'an unknown domain',
      'from=2025-26-Q1&to=2025-26-Q1&domain=ART&format=csv',
      'There is no outcome domain "ART"',
    ],
    ['a range that runs backwards', 'from=2025-26-Q4&to=2025-26-Q1&format=csv', 'The range runs backwards'],
    [
      'a quarter that is not one',
      'from=2025-26-Q7&to=2025-26-Q1&format=csv',
      'The first quarter: "2025-26-Q7" has no quarter 7',
    ],
    ['no format', 'from=2025-26-Q1&to=2025-26-Q1&format=pdf', '"pdf" is not a format we write'],
  ])('%s is answered on the form, never with a trace', async (_, query, message) => {
    const response = await file(query);
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain('govuk-error-summary');
    expect(text(page)).toContain(message);
    expect(page).not.toMatch(/\bat [\w.]+ \(|Error: [A-Z]\w+Error|node_modules/);
    // What was asked stays chosen.
    expect(page).toMatch(/<form method="get" action="\/staff\/downloads\/file"/);
  });

  it('streams the tidy CSV, with text that starts = + - @ made inert', async () => {
    const response = await file('from=2025-26-Q1&to=2025-26-Q1&site=BLK&site=BFD&format=csv');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="returns-2025-26-Q1.csv"');
    const csv = (await response.text()).replace(/^\uFEFF/, '');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe(
      'Period,Site,Dictionary version,Section,Item ID,Item,Table row,Value,Unit,Reported,Submission,Received',
    );
    const sites = new Set(lines.slice(1).map((line) => line.split(',')[1]));
    expect([...sites].sort()).toEqual(['BFD', 'BLK']);
    // Each hostile text, as it went in, appears only behind an apostrophe: never at a cell's start.
    for (const hostile of HOSTILE) {
      const quoted = `"'${hostile.replaceAll('"', '""')}`;
      const apostrophed = `'${hostile}`;
      expect(csv.includes(quoted) || csv.includes(apostrophed), hostile).toBe(true);
      expect(csv, hostile).not.toMatch(
        new RegExp(`(^|,)"?${hostile.slice(0, 2).replace(/[+@=-]/g, '\\$&')}`, 'm'),
      );
    }
    const highlights = lines.find((line) => line.includes('NOTE.HIGHLIGHTS'));
    expect(highlights).toContain("'=HYPERLINK");
    // Units and the dictionary version on every row.
    expect(lines.find((line) => line.includes(',ACT.SESSIONS,'))).toMatch(
      /,2025-26,B,ACT\.SESSIONS,.*,sessions,yes,/,
    );
  });

  it('gives JSON and Excel too; a section and a domain narrow the rows', async () => {
    const json = await file('from=2025-26-Q1&to=2025-26-Q1&section=E&format=json');
    expect(json.headers.get('content-type')).toContain('application/json');
    const body = (await json.json()) as { rows: Array<{ section: string; unit: string }> };
    expect(body.rows.length).toBe(
      3 * reference.dictionaries.get('2025-26').items.filter((item) => item.section === 'E').length,
    );
    expect(new Set(body.rows.map((row) => row.section))).toEqual(new Set(['E']));
    const xlsx = await file('from=2025-26-Q1&to=2025-26-Q1&domain=DN&format=xlsx');
    expect(xlsx.status).toBe(200);
    expect(
      Buffer.from(await xlsx.arrayBuffer())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
  });

  it('behind API Gateway the same file goes via the bucket and a signed link, for staff only', async () => {
    const { s3 } = harness.stack.stack.clients;
    const bucket = harness.stack.stack.bucket;
    const staffPrincipal = { kind: 'staff', username: 'staff-demo', displayName: 'Staff' } as const;
    const data = new PortalData(
      staffPrincipal,
      harness.stack.store,
      new S3PortalFiles(s3, bucket),
      { create: async () => Promise.reject(new Error('not here')) },
      {
        releases: releaseStore(),
        files: new S3ReturnFiles(s3, bucket),
        exportDelivery: 'bucket',
      },
    );
    const checked = checkDownload(
      {
        from: '2025-26-Q1',
        to: '2025-26-Q1',
        sites: ['BLK', 'BFD'],
        sections: [],
        domains: [],
        format: 'csv',
      },
      reference,
    );
    if ('errors' in checked) throw new Error('the filter should be fine');
    const delivery = await deliverDownload(
      data,
      { reference, clock: () => new Date(), log: { info() {}, warn() {}, error() {} } },
      checked.filter,
      checked.format,
      60,
    );
    expect(delivery.kind).toBe('link');
    const url = (delivery as { url: string }).url;
    expect(new URL(url).pathname).toMatch(/\/exports\/[0-9a-f-]{36}\/returns-2025-26-Q1\.csv$/);
    const viaBucket = await (await fetch(url)).text();
    const streamed = await (await file('from=2025-26-Q1&to=2025-26-Q1&site=BLK&site=BFD&format=csv')).text();
    expect(viaBucket).toBe(streamed);
    // A site user's PortalData may neither write nor sign an export.
    const site = new PortalData(
      { kind: 'site', site: 'BLK', username: 'blk-demo', displayName: 'B' },
      harness.stack.store,
      new S3PortalFiles(s3, bucket),
      { create: async () => Promise.reject(new Error('not here')) },
      { releases: releaseStore(), files: new S3ReturnFiles(s3, bucket), exportDelivery: 'bucket' },
    );
    const key = new URL(url).pathname.split(`/${bucket}/`)[1] as string;
    await expect(site.signDownload(key, 'x.csv', 60)).rejects.toThrow('not found');
    await expect(site.writeExport(key, Buffer.from('x'), 'text/csv')).rejects.toThrow('not found');
    await expect(site.currentReturns('2025-26-Q1')).rejects.toThrow('not found');
  });
});
