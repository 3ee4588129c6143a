/**
 * The emails a review sends or shapes: the query to the site (the return, the
 * quarter and the question named, the question quoted as written and escaped,
 * the two ways to answer, the page linked), and the feedback for a file sent
 * to a signed-off quarter, which must say honestly that it waits.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeFeedbackEmail } from '../../functions/src/feedback/feedback-email.js';
import { composeQueryEmail } from '../../functions/src/feedback/query-email.js';
import { testReference } from '../support/reference.js';
import { filledReturn, validate, validValues } from '../support/returns.js';

const reference = testReference();
const site = reference.sites.get('LAM');
const base = {
  site,
  period: { startYear: 2025, quarter: 2 } as const,
  programme: reference.programme,
  recipients: ['data@lambeth.example'],
  fileName: 'LEAP Q2 final.xlsx',
  receivedAt: '2025-10-21T14:05:00Z',
  submissionId: 'LAM-0123456789abcdef',
  message: 'Attendances fell by half against Q1.\n\nWas a service closed, or is <a row> missing?',
  askedBy: 'Ana Patel',
  askedAt: '2025-11-03T10:42:00Z',
};

describe('the query email', () => {
  it('names the return, the quarter and who asks; quotes the question; links to the page', () => {
    const email = composeQueryEmail({ ...base, portalUrl: 'https://returns.funder.example/' });
    expect(email.subject).toBe('Question about your Lambeth 2025-26 Q2 return');
    expect(email.to).toEqual(['data@lambeth.example']);
    expect(email.text).toContain(
      'Ana Patel at The National Lottery Community Fund has a question about your 2025-26 Q2 return (July to September 2025): LEAP Q2 final.xlsx, received 21 October 2025 at 15:05.',
    );
    expect(email.text).toContain('Your return is still accepted and counts as sent');
    expect(email.text).toContain(
      '> Attendances fell by half against Q1.\n>\n> Was a service closed, or is <a row> missing?',
    );
    expect(email.text).toContain(
      'https://returns.funder.example/returns/2025-26-Q2/submissions/LAM-0123456789abcdef',
    );
    expect(email.text).toContain('reply on the return’s page on the portal');
    expect(email.html).toContain('is &lt;a row&gt; missing?');
    expect(email.html).not.toContain('<a row>');
    const out = join(tmpdir(), 'review-emails');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'query.html'), email.html);
  });

  it('without a portal, says to reply to the help address', () => {
    const email = composeQueryEmail(base);
    expect(email.text).toContain(`reply to ${reference.programme.helpEmail} and say why`);
    expect(email.text).not.toContain('http');
  });
});

describe('the feedback for a file sent to a signed-off quarter', () => {
  it('says the return was signed off, that this file waits for the funder, and that figures are unchanged', async () => {
    const report = await validate(await filledReturn(validValues('BLK', '2025-26-Q2', 3)), {
      fileName: 'q2 v2.xlsx',
    });
    const email = composeFeedbackEmail({
      report,
      site: reference.sites.get('BLK'),
      programme: reference.programme,
      recipients: ['data@blackpool.example'],
      fileName: 'q2 v2.xlsx',
      receivedAt: '2025-11-10T09:00:00Z',
      reference: 'BLK-0123456789abcdef',
      effect: { kind: 'proposed-revision', signedOffAt: '2025-11-04T12:00:00Z' },
      today: '2025-11-10',
    });
    expect(email.text).toContain(
      'Your 2025-26 Q2 return was already signed off by the funder on 4 November 2025, so this file does not replace it yet: it waits as a proposed revision until the funder accepts it.',
    );
    expect(email.text).toContain('the programme figures are unchanged');
    expect(email.text).not.toContain('it will replace this one');
  });
});
