/** `returns review`: a site-quarter's review and its audit trail, from the stack's table. */
import { UsageError } from '../errors.js';
import { ukDateTime } from '../feedback/wording.js';
import { describePeriod, formatPeriod, periodFromUser } from '../programme/periods.js';
import { REVIEW_STATE_LABELS } from '../returns/review.js';
import type { Command } from './command.js';
import { cliReferenceData } from './reference.js';
import { connectToStack } from './stack-connection.js';

export const reviewCommand: Command = {
  usage: 'returns review --site BLK --period 2025-26-Q2 [--json]',
  options: {
    site: { type: 'string' },
    period: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  async run(values) {
    if (typeof values.site !== 'string' || typeof values.period !== 'string')
      throw new UsageError(`Please give --site and --period.\nUsage: ${this.usage}`);
    const reference = cliReferenceData();
    const site = reference.sites.get(values.site);
    const period = reference.programme.requirePeriod(periodFromUser(values.period));
    const key = formatPeriod(period);
    const stack = connectToStack();
    try {
      const [review, trail, current] = await Promise.all([
        stack.store.review(site.code, key),
        stack.store.reviewTrail(site.code, key),
        stack.store.currentReturn(site.code, key),
      ]);
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ review: review ?? null, trail }, null, 2)}\n`);
        return 0;
      }
      const title = `${site.name}, ${describePeriod(period)}`;
      if (!current) {
        process.stdout.write(`${title}: no accepted return on ${stack.where}, so nothing to review.\n`);
        return 0;
      }
      const state = review ? REVIEW_STATE_LABELS[review.state] : REVIEW_STATE_LABELS['awaiting-review'];
      const lines = [
        `${title}: ${state} (current return ${current.submissionId}, review version ${review?.version ?? 0})`,
        ...(review?.proposedRevision
          ? [
              `A proposed revision waits: ${review.proposedRevision.submissionId}, received ${ukDateTime(review.proposedRevision.receivedAt)}.`,
            ]
          : []),
        '',
        ...(trail.length === 0
          ? ['Nobody has acted on it yet.']
          : trail.map(
              (record) =>
                `${ukDateTime(record.at)}  ${record.actor.name}${record.actor.role === 'staff' ? ' (funder)' : ''}: ${record.action} (${REVIEW_STATE_LABELS[record.from]} → ${REVIEW_STATE_LABELS[record.to]}), ${record.submissionId}${record.text ? `\n    ${record.text.replace(/\n/g, '\n    ')}` : ''}`,
            )),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      stack.close();
    }
  },
};
