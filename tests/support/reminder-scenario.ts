/**
 * One quarter of returns for the reminder tests, 2025-26 Q2 (July to September
 * 2025, due 30 October 2025, so reminders on 20 October and chasers on 31
 * October), with every 2025-26 Q1 return accepted in July:
 *
 *   BLK accepted 15 October, before the reminder: never reminded or chased
 *   BFD sent a file with errors on 18 October and nothing since: reminded and chased
 *   LAM accepted 25 October, after the reminder: reminded, not chased
 *   NOT accepted 3 November, late: reminded and chased
 *   SEN sends nothing: reminded and chased
 */
import type { CurrentReturn, Submission } from '../../functions/src/returns/submission.js';

const counts = { fatal: 0, errors: 0, warnings: 0, unexplainedWarnings: 0 };

function submission(
  site: string,
  period: string,
  receivedAt: string,
  status: Submission['status'],
): Submission {
  return {
    submissionId: `${site}-${period}-${receivedAt.slice(0, 10)}`,
    site,
    period,
    s3Key: `incoming/${site}/${site}-${period}.xlsx`,
    sha256: '0'.repeat(64),
    bytes: 1000,
    receivedAt,
    sequencer: '1',
    status,
    counts: status === 'rejected' ? { ...counts, errors: 3 } : counts,
    dictionaryVersion: '2025-26',
    archiveKey: `archive/${site}/${period}/x.xlsx`,
    reportKey: `feedback/${site}/${period}/x/report.json`,
    emailState: 'sent',
    emailAttempts: 1,
    emailTo: [],
  };
}

function current(site: string, period: string, receivedAt: string): CurrentReturn {
  return {
    site,
    period,
    submissionId: `${site}-${period}-${receivedAt.slice(0, 10)}`,
    receivedAt,
    sequencer: '1',
    status: 'accepted',
    dictionaryVersion: '2025-26',
    counts,
    values: { items: { 'META.CONTACT_EMAIL': `named.person@${site.toLowerCase()}.example` }, tables: {} },
  };
}

const SITES = ['BLK', 'BFD', 'LAM', 'NOT', 'SEN'];
const Q2_ACCEPTED: Record<string, string> = {
  BLK: '2025-10-15T09:00:00Z',
  LAM: '2025-10-25T09:00:00Z',
  NOT: '2025-11-03T09:00:00Z',
};

export function quarterScenario(): { submissions: Submission[]; current: CurrentReturn[] } {
  const submissions: Submission[] = [];
  const currents: CurrentReturn[] = [];
  for (const site of SITES) {
    const q1 = '2025-07-20T09:00:00Z';
    submissions.push(submission(site, '2025-26-Q1', q1, 'accepted'));
    currents.push(current(site, '2025-26-Q1', q1));
  }
  for (const [site, at] of Object.entries(Q2_ACCEPTED)) {
    submissions.push(submission(site, '2025-26-Q2', at, 'accepted'));
    currents.push(current(site, '2025-26-Q2', at));
  }
  submissions.push(submission('BFD', '2025-26-Q2', '2025-10-18T14:30:00Z', 'rejected'));
  return { submissions, current: currents };
}

/** Every (kind, site) the quarter should send for 2025-26 Q2, and on which day. */
export const EXPECTED_SITE_NOTICES = [
  '2025-10-20 reminder BFD',
  '2025-10-20 reminder LAM',
  '2025-10-20 reminder NOT',
  '2025-10-20 reminder SEN',
  '2025-10-31 chaser BFD',
  '2025-10-31 chaser NOT',
  '2025-10-31 chaser SEN',
];

/**
 * The days a digest goes from 1 October to 31 December 2025: each Monday, and
 * on 1 October (a Wednesday) the digest of the week it falls in, caught up.
 */
export const EXPECTED_DIGEST_DAYS = [
  '2025-10-01',
  '2025-10-06',
  '2025-10-13',
  '2025-10-20',
  '2025-10-27',
  '2025-11-03',
  '2025-11-10',
  '2025-11-17',
  '2025-11-24',
  '2025-12-01',
  '2025-12-08',
  '2025-12-15',
  '2025-12-22',
  '2025-12-29',
];
