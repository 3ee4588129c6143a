/**
 * The feedback email for the three results a grant holder meets: accepted (its
 * headline figures echoed from the dictionary), accepted with a warning to
 * explain, and not accepted (how many errors, in how many cells, which first).
 * Returns are real workbooks, filled and checked as the pipeline does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dictionary } from '../../functions/src/dictionary/load-dictionary.js';
import { composeFeedbackEmail, type FeedbackContext } from '../../functions/src/feedback/feedback-email.js';
import { Programme } from '../../functions/src/programme/programme.js';
import type { ValidationReport } from '../../functions/src/validation/report.js';
import { testReference } from '../support/reference.js';
import { filledReturn, validate, validValues, withItems } from '../support/returns.js';

const reference = testReference();
const dictionary = reference.dictionaries.get('2025-26');
const values = validValues('BLK', '2025-26-Q2', 11);
const ytd = values.items['REACH.CHILD_YTD'] as number;

const withoutPortal = new Programme({
  name: reference.programme.name,
  funder: reference.programme.funder,
  helpEmail: reference.programme.helpEmail,
  firstYear: '2025-26',
  years: 10,
  dueDaysAfterQuarterEnd: 30,
  dueDateOverrides: {},
});

const reports = {
  accepted: await validate(await filledReturn(values), { fileName: 'q2.xlsx' }),
  warnings: await validate(await filledReturn(withItems(values, { 'REACH.ELIG_POP': ytd - 1 })), {
    fileName: 'q2.xlsx',
  }),
  rejected: await validate(
    await filledReturn(
      withItems(values, { 'BF.TOTAL': (values.items['BF.TOTAL'] as number) - 3, 'REACH.PREG_Q': 'N/A' }),
    ),
    { fileName: 'q2.xlsx' },
  ),
};

function email(report: ValidationReport, context: Partial<FeedbackContext> = {}) {
  return composeFeedbackEmail({
    report,
    site: reference.sites.get('BLK'),
    programme: reference.programme,
    dictionary,
    recipients: ['data@blackpool.example'],
    fileName: 'q2.xlsx',
    receivedAt: '2026-02-14T07:49:00Z',
    reference: 'BLK-0123456789abcdef',
    effect: { kind: 'now-current' },
    today: '2026-02-14',
    ...(report.findings.length > 0
      ? { annotated: { fileName: 'q2 - with feedback.xlsx', content: Buffer.from('PK') } }
      : {}),
    ...context,
  });
}

describe('the email for an accepted return', () => {
  it('says it is accepted and echoes the dictionary’s headline figures as the return gave them', () => {
    expect(reports.accepted.status).toBe('accepted');
    const { subject, text, html } = email(reports.accepted);
    expect(subject).toBe('Blackpool 2025-26 Q2 return: accepted');
    expect(text).toContain('YOUR HEADLINE FIGURES');
    const headline = dictionary.items.filter((item) => item.headline);
    expect(headline.map((item) => item.id)).toEqual([
      'REACH.CHILD_Q',
      'REACH.CHILD_YTD',
      'ACT.SESSIONS',
      'FIN.SPEND_Q',
    ]);
    expect(text).toMatch(
      new RegExp(`Children aged 0–3 engaged this year to date: +${ytd.toLocaleString('en-GB')} children`),
    );
    const spend = (values.items['FIN.SPEND_Q'] as number).toLocaleString('en-GB', {
      minimumFractionDigits: 2,
    });
    expect(text).toMatch(new RegExp(`Spend this quarter: +£${spend.replace('.', '\\.')}\\n`));
    expect(html).toContain('<th scope="row"');
  });

  it('takes the headline figures from the dictionary, not from a list in the code', () => {
    const flagged: Dictionary = {
      ...dictionary,
      items: dictionary.items.map((item) => ({ ...item, headline: item.id === 'ACT.ATTEND' })),
    };
    const { text } = email(reports.accepted, { dictionary: flagged });
    expect(text).toMatch(/Attendances: +[\d,]+ attendances/);
    expect(text).not.toContain('Sessions delivered:');
  });

  it('links to the return’s page on the portal, and promises no link lifetime', () => {
    const { text } = email(reports.accepted, { annotatedLink: 'https://bucket.example/signed?X-Amz=1' });
    expect(text).toContain(
      'https://returns.funder.example/returns/2025-26-Q2/submissions/BLK-0123456789abcdef',
    );
    expect(text).not.toContain('bucket.example');
    expect(text).not.toMatch(/\d+ days/);
  });

  it('names the file it replaces, with its date and London time', () => {
    const { text } = email(reports.accepted, {
      effect: {
        kind: 'now-current',
        replacedReceivedAt: '2026-02-10T23:30:00Z',
        replacedFileName: 'Blackpool Q2 first go.xlsx',
      },
    });
    expect(text).toContain('It replaces Blackpool Q2 first go.xlsx, received 10 February 2026 at 23:30');
    // British Summer Time moves the date as well as the hour.
    const summer = email(reports.accepted, {
      effect: { kind: 'now-current', replacedReceivedAt: '2025-07-31T23:30:00Z', replacedFileName: 'a.xlsx' },
    });
    expect(summer.text).toContain('a.xlsx, received 1 August 2025 at 00:30');
  });
});

describe('the email for a return with a warning to explain', () => {
  it('is accepted, with the warning listed and its explanation asked for', () => {
    expect(reports.warnings.status).toBe('accepted-with-warnings');
    const { subject, text } = email(reports.warnings);
    expect(subject).toBe('Blackpool 2025-26 Q2 return: accepted, with 1 warning to explain');
    expect(text).toContain('has been accepted. It has 1 warning, listed below');
    expect(text).toContain('YOUR HEADLINE FIGURES');
    expect(text).toMatch(/WARNINGS\n\n1\. \[R05, How much, /);
  });

  it('without a portal, attaches the copy and drops the short-lived link', () => {
    const { text, attachments } = email(reports.warnings, {
      programme: withoutPortal,
      annotatedLink: 'https://bucket.example/signed?X-Amz=1',
    });
    expect(attachments?.[0]?.fileName).toBe('q2 - with feedback.xlsx');
    expect(text).toContain('Attached is your own workbook (q2 - with feedback.xlsx)');
    expect(text).not.toContain('bucket.example');
    expect(text).not.toContain('portal');
  });

  it('without a portal or an attachment, gives the link and says it is short-lived', () => {
    const { text } = email(reports.warnings, {
      programme: withoutPortal,
      annotated: undefined,
      annotatedLink: 'https://bucket.example/signed?X-Amz=1',
    });
    expect(text).toContain('https://bucket.example/signed?X-Amz=1');
    expect(text).toContain('This link stops working after a short time');
  });
});

describe('the email for a return that is not accepted', () => {
  const errors = reports.rejected.findings.filter((finding) => finding.severity === 'error');
  const cells = new Set(
    errors.flatMap((finding) => finding.cells.map((c) => `${c.sheet}!${c.row}:${c.column}`)),
  );

  it('says how many errors, in how many cells, and which to fix first', () => {
    expect(errors).toHaveLength(2);
    const { subject, text } = email(reports.rejected);
    expect(subject).toBe('Blackpool 2025-26 Q2 return: not accepted: 2 errors to fix');
    expect(text).toContain(`there are 2 errors to fix, involving ${cells.size} cells.`);
    expect(text).toContain(`Start with this one, the first in the workbook: ${errors[0]?.message}`);
    expect(errors[0]?.itemId).toBe('REACH.PREG_Q');
    expect(text).not.toContain('HEADLINE FIGURES');
  });

  it('names the accepted file that still stands', () => {
    const { text } = email(reports.rejected, {
      effect: {
        kind: 'rejected',
        standingReceivedAt: '2026-02-10T16:05:00Z',
        standingFileName: 'first.xlsx',
      },
    });
    expect(text).toContain(
      'Your earlier 2025-26 Q2 return (first.xlsx, received 10 February 2026 at 16:05), which was accepted, still stands',
    );
  });
});

describe('the email for a file that could not be checked, or an older one', () => {
  it('says it could not be checked and points to the portal to send another', async () => {
    const report = await validate(Buffer.from('not a workbook'), { fileName: 'notes.xlsx' });
    const { subject, text } = email(report, { fileName: 'notes.xlsx', effect: { kind: 'unreadable' } });
    expect(subject).toBe('Blackpool return (notes.xlsx): could not be checked');
    expect(text).toContain('We could not check it, for the reason below');
    expect(text).toContain('Upload a new file on the portal:\nhttps://returns.funder.example/');
  });

  it('names the later file that stands when an older one arrives late', () => {
    const { text } = email(reports.accepted, {
      effect: {
        kind: 'older-than-current',
        currentReceivedAt: '2026-02-14T09:00:00Z',
        currentFileName: 'q2 v2.xlsx',
      },
    });
    expect(text).toContain(
      'You have since sent a later 2025-26 Q2 return (q2 v2.xlsx, received 14 February 2026 at 09:00), so that one stands',
    );
  });
});

const chromium = '/usr/bin/chromium';
describe.runIf(existsSync(chromium))('the email, rendered by Chromium', () => {
  const folder = mkdtempSync(join(tmpdir(), 'feedback-email-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('renders to a picture', () => {
    const page = join(folder, 'email.html');
    writeFileSync(page, email(reports.rejected).html);
    const png = join(folder, 'email.png');
    execFileSync(
      chromium,
      ['--headless', '--no-sandbox', '--disable-gpu', `--screenshot=${png}`, '--window-size=900,1400', page],
      { stdio: 'ignore', timeout: 60_000 },
    );
    expect(statSync(png).size).toBeGreaterThan(10_000);
  });
});
