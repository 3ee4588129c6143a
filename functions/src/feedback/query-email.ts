/**
 * The email that tells a site funder staff have a question about a return:
 * written like the feedback email. The point first (which return, which
 * quarter, that it still counts), then the question in the staff member's own
 * words, quoted as they wrote it, then the two ways to answer (a reply on the
 * return's page, or a corrected file) and who to ask. Text and HTML say the
 * same thing; the question is escaped, never read as markup.
 *
 * input: the site, quarter, file and the query → output: an email
 */

import { portalLinks } from '../config/portal-links.js';
import { describePeriod, formatPeriod, type Period, periodMonths } from '../programme/periods.js';
import type { Programme } from '../programme/programme.js';
import type { Site } from '../programme/sites.js';
import { type EmailBlock, emailHtml, emailText } from './email-html.js';
import type { FeedbackEmail } from './feedback-email.js';
import { ukDateTime } from './wording.js';

export interface QueryEmailContext {
  readonly site: Site;
  readonly period: Period;
  readonly programme: Programme;
  readonly recipients: readonly string[];
  /** The file the query is about, as it was uploaded, and when it arrived. */
  readonly fileName: string;
  readonly receivedAt: string;
  readonly submissionId: string;
  /** The question, as staff wrote it. */
  readonly message: string;
  /** Who asked (their name as the sign-in gives it). */
  readonly askedBy: string;
  readonly askedAt: string;
  /** The portal's address, for the link to the return's page. */
  readonly portalUrl?: string;
}

export function composeQueryEmail(context: QueryEmailContext): FeedbackEmail {
  const { site, period, programme } = context;
  const quarter = describePeriod(period);
  const subject = `Question about your ${site.shortName} ${quarter} return`;
  const page = context.portalUrl
    ? portalLinks.submission(context.portalUrl, formatPeriod(period), context.submissionId)
    : undefined;
  const blocks: EmailBlock[] = [
    { kind: 'paragraph', text: `Hello ${site.name} team,` },
    {
      kind: 'paragraph',
      strong: true,
      text: `${context.askedBy} at ${programme.funder} has a question about your ${quarter} return (${periodMonths(period)}): ${context.fileName}, received ${ukDateTime(context.receivedAt)}.`,
    },
    {
      kind: 'paragraph',
      text: 'Your return is still accepted and counts as sent; nothing is lost. Before it is signed off, please look at this:',
    },
    { kind: 'quote', text: context.message },
    { kind: 'heading', text: 'How to answer' },
    {
      kind: 'paragraph',
      text: page
        ? 'If the figures are right, reply on the return’s page on the portal and say why. If something needs correcting, correct the workbook and upload it again: the corrected file replaces this one and goes back to the funder for review.'
        : `If the figures are right, reply to ${programme.helpEmail} and say why. If something needs correcting, correct the workbook and send it again: the corrected file replaces this one and goes back to the funder for review.`,
    },
  ];
  if (page) blocks.push({ kind: 'link', text: `See the question and reply on the portal`, href: page });
  blocks.push({
    kind: 'paragraph',
    text: `Questions? Email ${programme.helpEmail}, quoting reference ${context.submissionId}.`,
  });
  blocks.push({ kind: 'paragraph', text: `${programme.funder}, ${programme.name} monitoring` });
  return {
    to: context.recipients,
    subject,
    text: `${emailText(blocks)}\n`,
    html: emailHtml(subject, blocks),
  };
}

export interface ReplyEmailContext {
  readonly site: Site;
  readonly period: Period;
  readonly programme: Programme;
  /** Funder staff: the programme's staff addresses. */
  readonly recipients: readonly string[];
  readonly fileName: string;
  readonly submissionId: string;
  /** The open query, as staff wrote it. */
  readonly query: string;
  readonly reply: string;
  readonly repliedBy: string;
  readonly repliedAt: string;
  readonly portalUrl?: string;
}

/** Tells funder staff a site has answered their query on the portal, with both texts. */
export function composeReplyEmail(context: ReplyEmailContext): FeedbackEmail {
  const { site, period } = context;
  const quarter = describePeriod(period);
  const subject = `${site.shortName} replied to the query about their ${quarter} return`;
  const blocks: EmailBlock[] = [
    {
      kind: 'paragraph',
      strong: true,
      text: `${context.repliedBy} of ${site.name} replied on ${ukDateTime(context.repliedAt)} to the query about their ${quarter} return (${context.fileName}):`,
    },
    { kind: 'quote', text: context.reply },
    { kind: 'paragraph', text: 'The query was:' },
    { kind: 'quote', text: context.query },
    {
      kind: 'paragraph',
      text: 'The return stays queried until someone signs it off or queries it again; the reply is recorded with it.',
    },
  ];
  if (context.portalUrl) {
    blocks.push({
      kind: 'link',
      text: 'Open the return on the portal to sign it off or ask again',
      href: portalLinks.submission(context.portalUrl, formatPeriod(period), context.submissionId),
    });
  }
  return {
    to: context.recipients,
    subject,
    text: `${emailText(blocks)}\n`,
    html: emailHtml(subject, blocks),
  };
}
