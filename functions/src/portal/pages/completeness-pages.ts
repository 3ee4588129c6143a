/**
 * Funder staff's completeness pages: the site × quarter grid with its legend
 * and counts, what needs attention beside it, and the non-submitters list.
 * Every state is a coloured tag AND its words (WCAG 1.4.1): the colour helps,
 * the words carry the meaning.
 */
import {
  GRID_STATE_LABELS,
  GRID_STATES,
  type GridCell,
  type GridState,
} from '../../aggregation/completeness.js';
import { longDate } from '../../programme/periods.js';
import { formatBytes } from '../../reading/refusal.js';
import { html, type SafeHtml } from '../html.js';
import type { NonSubmitterList, StaffOverview } from '../staff-overview.js';
import { tag, when } from './layout.js';
import { submissionPath } from './site-pages.js';

/** govuk-frontend's tag colours, one per state, so the legend can be read by colour as well as by word. */
export const GRID_TONES: Record<GridState, string> = {
  'not-yet-due': 'grey',
  'due-soon': 'blue',
  late: 'orange',
  missing: 'red',
  received: 'purple',
  'not-accepted': 'magenta',
  accepted: 'green',
  'accepted-with-unexplained-warnings': 'yellow',
  queried: 'pink',
  'signed-off': 'turquoise',
};

function legendText(state: GridState, view: { dueSoonDays: number; missingAfterDays: number }): string {
  switch (state) {
    case 'not-yet-due':
      return `The due date is more than ${days(view.dueSoonDays)} away.`;
    case 'due-soon':
      return `Due within ${days(view.dueSoonDays)}; nothing accepted yet.`;
    case 'late':
      return `Past the due date and nothing sent; still being chased (up to ${days(view.missingAfterDays)} late).`;
    case 'missing':
      return `Nothing sent more than ${days(view.missingAfterDays)} after the due date: the quarter is read without it.`;
    case 'received':
      return 'A file has arrived and is being checked. Its quarter is known once it is read.';
    case 'not-accepted':
      return 'Files were sent but none was accepted; the partnership was told what to fix.';
    case 'accepted':
      return 'The funder holds an accepted return, awaiting review.';
    case 'accepted-with-unexplained-warnings':
      return 'Accepted, with warnings the partnership has not explained.';
    case 'queried':
      return 'Funder staff have asked the partnership about the return.';
    case 'signed-off':
      return 'Funder staff have signed the return off; it is locked.';
    default:
      return state satisfies never;
  }
}

export function days(count: number): string {
  return `${count.toLocaleString('en-GB')} day${count === 1 ? '' : 's'}`;
}

export function nonSubmittersPath(period: string): string {
  return `/staff/non-submitters?period=${encodeURIComponent(period)}`;
}

function dueIn(cell: GridCell): string {
  if (cell.daysToDue === undefined) return '';
  return cell.daysToDue === 0 ? 'due today' : `due in ${days(cell.daysToDue)}`;
}

/** The facts under a cell's tag: lateness, due date, warnings, what is waiting. */
function cellDetail(cell: GridCell): string[] {
  const lines: string[] = [];
  const late = cell.daysLate > 0 ? `${days(cell.daysLate)} late` : undefined;
  switch (cell.status) {
    case 'accepted':
    case 'accepted-with-unexplained-warnings':
    case 'queried':
    case 'signed-off':
      lines.push(late ? `sent ${late}` : 'sent on time');
      if (cell.unexplainedWarnings > 0)
        lines.push(
          `${cell.unexplainedWarnings} ${cell.unexplainedWarnings === 1 ? 'warning' : 'warnings'} unexplained`,
        );
      if (cell.notReported.length > 0)
        lines.push(
          `${cell.notReported.length} ${cell.notReported.length === 1 ? 'item' : 'items'} not reported`,
        );
      if (cell.pending.length > 0) lines.push('a newer file is being checked');
      break;
    case 'not-accepted':
      lines.push(`${cell.submissions} ${cell.submissions === 1 ? 'file' : 'files'}, none accepted`);
      lines.push(late ?? dueIn(cell));
      break;
    case 'received': {
      const first = cell.pending[0];
      if (first) lines.push(`arrived ${when(first.receivedAt)}`);
      lines.push(late ?? dueIn(cell));
      break;
    }
    case 'late':
    case 'missing':
      if (late) lines.push(late);
      break;
    default:
      lines.push(dueIn(cell));
  }
  return lines.filter((line) => line !== '');
}

function gridCell(cell: GridCell, siteName: string, started: boolean): SafeHtml {
  const label = tag(GRID_STATE_LABELS[cell.status], GRID_TONES[cell.status]);
  const where = html`<span class="govuk-visually-hidden"> ${siteName} ${cell.period}</span>`;
  const href = cell.submissionId
    ? submissionPath(cell.period, cell.submissionId)
    : started
      ? `${nonSubmittersPath(cell.period)}#site-${cell.site}`
      : undefined;
  const detail = cellDetail(cell);
  return html`<td class="govuk-table__cell portal-grid__cell portal-grid__cell--${cell.status}">${
    href ? html`<a class="govuk-link portal-grid__link" href="${href}">${label}${where}</a>` : label
  }${detail.length > 0 ? html`<span class="portal-grid__detail">${detail.join('; ')}</span>` : ''}</td>`;
}

function outOf(count: number, expected: number): string {
  return `${count} of ${expected}`;
}

function percent(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

export function staffPage(view: StaffOverview, years: readonly string[]): SafeHtml {
  const started = new Set(
    view.quarters.filter((quarter) => quarter.started).map((quarter) => quarter.period),
  );
  return html`
<h1 class="govuk-heading-l">Completeness<span class="govuk-caption-m">${view.year}, as at ${when(view.now)}</span></h1>
${years.length > 1 ? html`<nav aria-label="Years"><p class="govuk-body">Other years: ${years.map((year, index) => html`${index > 0 ? ', ' : ''}${year === view.year ? html`<strong>${year}</strong>` : html`<a class="govuk-link" href="/staff?year=${year}">${year}</a>`}`)}</p></nav>` : ''}
${attentionSummary(view)}
<div class="portal-grid-wrapper">
<table class="govuk-table portal-grid">
<caption class="govuk-table__caption govuk-table__caption--m">Returns by partnership and quarter, ${view.year}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Partnership</th>${view.quarters.map(
    (quarter) =>
      html`<th scope="col" class="govuk-table__header">${quarter.title}<span class="portal-grid__detail">${quarter.months}; due ${longDate(quarter.dueDate)}</span></th>`,
  )}</tr></thead>
<tbody class="govuk-table__body">${view.rows.map(
    (row) =>
      html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${row.name}</th>${row.cells.map((cell) => gridCell(cell, row.name, started.has(cell.period)))}</tr>`,
  )}</tbody>
<tfoot class="portal-grid__totals">
<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">Sent something</th>${view.quarters.map(
    (quarter) =>
      html`<td class="govuk-table__cell">${quarter.tally.expected > 0 ? outOf(quarter.tally.received, quarter.tally.expected) : 'not yet expected'}</td>`,
  )}</tr>
<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">Accepted</th>${view.quarters.map(
    (quarter) =>
      html`<td class="govuk-table__cell">${quarter.tally.expected > 0 ? outOf(quarter.tally.accepted, quarter.tally.expected) : 'not yet expected'}</td>`,
  )}</tr>
<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">On time</th>${view.quarters.map(
    (quarter) =>
      html`<td class="govuk-table__cell">${quarter.tally.onTimeRate === undefined ? `not yet due` : `${outOf(quarter.tally.onTime, quarter.tally.expected)} (${percent(quarter.tally.onTimeRate)})`}</td>`,
  )}</tr>
<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">Without an accepted return</th>${view.quarters.map(
    (quarter) => {
      const without = view.rows.length - quarter.tally.accepted;
      return html`<td class="govuk-table__cell">${
        started.has(quarter.period)
          ? html`<a class="govuk-link" href="${nonSubmittersPath(quarter.period)}">${without} ${without === 1 ? 'partnership' : 'partnerships'}<span class="govuk-visually-hidden"> for ${quarter.title}</span></a>`
          : 'quarter not started'
      }</td>`;
    },
  )}</tr>
</tfoot>
</table>
</div>
<h2 class="govuk-heading-m" id="legend">What each status means</h2>
<ul class="govuk-list portal-legend">${GRID_STATES.map(
    (state) => html`<li>${tag(GRID_STATE_LABELS[state], GRID_TONES[state])} ${legendText(state, view)}</li>`,
  )}</ul>
<p class="govuk-body">Days late count from the due date: for an accepted return, to the day its first accepted file arrived; otherwise, to today. On time means an accepted file arrived by the due date.</p>
${pendingSection(view)}
${unreadableSection(view)}
${unroutableSection(view)}`;
}

function attentionSummary(view: StaffOverview): SafeHtml {
  const items: SafeHtml[] = [];
  if (view.pending.length > 0)
    items.push(
      html`<li><a class="govuk-link" href="#pending">${view.pending.length} ${view.pending.length === 1 ? 'file' : 'files'} received and not yet checked</a></li>`,
    );
  if (view.unreadable.length > 0)
    items.push(
      html`<li><a class="govuk-link" href="#unreadable">${view.unreadable.length} ${view.unreadable.length === 1 ? 'file' : 'files'} that could not be read as any quarter’s return</a></li>`,
    );
  if (view.unroutable.length > 0)
    items.push(
      html`<li><a class="govuk-link" href="#unroutable">${view.unroutable.length} ${view.unroutable.length === 1 ? 'upload' : 'uploads'} no partnership could claim</a></li>`,
    );
  if (items.length === 0) return html``;
  return html`<div class="govuk-inset-text"><p class="govuk-body govuk-!-margin-bottom-1">Also needs attention, below the grid:</p><ul class="govuk-list govuk-list--bullet govuk-!-margin-bottom-0">${items}</ul></div>`;
}

function pendingSection(view: StaffOverview): SafeHtml {
  if (view.pending.length === 0) return html``;
  const now = Date.parse(view.now);
  return html`<h2 class="govuk-heading-m" id="pending">Files received and not yet checked</h2>
<p class="govuk-body">Each is usually checked within a minute. One still here after ten minutes is stuck: the sweep tries it again every few minutes, and <code>returns redrive</code> moves anything dead-lettered back. Its quarter is known only once it is read, so the grid shows it under the quarter that had just ended when it arrived.</p>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--s">Files being checked</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Partnership</th><th scope="col" class="govuk-table__header">Arrived</th><th scope="col" class="govuk-table__header">Waiting</th><th scope="col" class="govuk-table__header">Size</th><th scope="col" class="govuk-table__header">Shown under</th><th scope="col" class="govuk-table__header">File</th></tr></thead>
<tbody class="govuk-table__body">${view.pending.map(
    (upload) =>
      html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${upload.siteName}</th><td class="govuk-table__cell">${when(upload.receivedAt)}</td><td class="govuk-table__cell">${waiting(now - Date.parse(upload.receivedAt))}</td><td class="govuk-table__cell portal-nowrap">${formatBytes(upload.bytes)}</td><td class="govuk-table__cell portal-nowrap">${upload.shownUnder}</td><td class="govuk-table__cell portal-break">${keyText(upload.key)}</td></tr>`,
  )}</tbody></table>`;
}

function waiting(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 1) return 'under a minute';
  if (minutes < 120) return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hours`;
  return days(Math.floor(hours / 24));
}

function unreadableSection(view: StaffOverview): SafeHtml {
  if (view.unreadable.length === 0) return html``;
  return html`<h2 class="govuk-heading-m" id="unreadable">Files that could not be read as any quarter’s return</h2>
<p class="govuk-body">An empty file, a document that is not a workbook, or a workbook that does not say its quarter: no cell of the grid can show it. Each partnership was emailed why.</p>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--s">Unreadable files since ${view.year} began</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Partnership</th><th scope="col" class="govuk-table__header">Arrived</th><th scope="col" class="govuk-table__header">Size</th><th scope="col" class="govuk-table__header">File</th><th scope="col" class="govuk-table__header">Result</th></tr></thead>
<tbody class="govuk-table__body">${view.unreadable.map(
    (submission) =>
      html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${submission.siteName}</th><td class="govuk-table__cell">${when(submission.receivedAt)}</td><td class="govuk-table__cell portal-nowrap">${formatBytes(submission.bytes)}</td><td class="govuk-table__cell portal-break">${keyText(submission.s3Key)}</td><td class="govuk-table__cell"><a class="govuk-link" href="${submissionPath('unreadable', submission.submissionId)}">Why it was not accepted<span class="govuk-visually-hidden">: ${submission.siteName}, ${when(submission.receivedAt)}</span></a></td></tr>`,
  )}</tbody></table>`;
}

function unroutableSection(view: StaffOverview): SafeHtml {
  if (view.unroutable.length === 0) return html``;
  const shown = view.unroutable.slice(0, 50);
  return html`<h2 class="govuk-heading-m" id="unroutable">Uploads no partnership could claim</h2>
<p class="govuk-body">These arrived in the upload folder but not in a partnership’s own folder, so nobody was emailed. Move each into <code>incoming/{SITE}/</code> (for example <code>incoming/BLK/</code>) to have it checked, or delete it.</p>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--s">Unclaimed uploads since ${view.year} began, newest first</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">File</th><th scope="col" class="govuk-table__header">Arrived</th><th scope="col" class="govuk-table__header">Size</th><th scope="col" class="govuk-table__header">Why</th></tr></thead>
<tbody class="govuk-table__body">${shown.map(
    (upload) =>
      html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header portal-break">${keyText(upload.key)}</th><td class="govuk-table__cell">${when(upload.receivedAt)}</td><td class="govuk-table__cell portal-nowrap">${formatBytes(upload.bytes)}</td><td class="govuk-table__cell">${sentence(upload.why)}</td></tr>`,
  )}</tbody></table>
${view.unroutable.length > shown.length ? html`<p class="govuk-body">And ${view.unroutable.length - shown.length} more; <code>returns status</code> lists them all.</p>` : ''}`;
}

/** An object key that may break after each slash rather than mid-name. */
function keyText(key: string): SafeHtml {
  return html`<code>${key.split('/').map((part, index) => html`${index > 0 ? html`/<wbr>` : ''}${part}`)}</code>`;
}

/** A reason recorded in lower case ("not in a site folder") as a sentence. */
function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

export function nonSubmittersPage(
  list: NonSubmitterList,
  otherQuarters: readonly { period: string; title: string }[],
): SafeHtml {
  const without = list.sites.length;
  return html`
<a class="govuk-back-link" href="/staff?year=${list.period.slice(0, 7)}">Back to completeness</a>
<h1 class="govuk-heading-l">Partnerships without an accepted return<span class="govuk-caption-m">${list.title}, due ${longDate(list.dueDate)}</span></h1>
${otherQuarters.length > 1 ? html`<nav aria-label="Quarters"><p class="govuk-body">Quarters: ${otherQuarters.map((quarter, index) => html`${index > 0 ? ', ' : ''}${quarter.period === list.period ? html`<strong>${quarter.title}</strong>` : html`<a class="govuk-link" href="${nonSubmittersPath(quarter.period)}">${quarter.title}</a>`}`)}</p></nav>` : ''}
<p class="govuk-body">${list.accepted} of ${list.expected} partnerships have an accepted return for ${list.title}.${without === 0 ? ' Every partnership has sent one.' : ` ${without === 1 ? 'This one has not' : `These ${without} have not`}, most overdue first.`}</p>
${
  without === 0
    ? ''
    : html`<p class="govuk-body"><a class="govuk-link" href="/staff/non-submitters.csv?period=${list.period}" download>Download this list as a spreadsheet (CSV)</a></p>
<table class="govuk-table portal-non-submitters">
<caption class="govuk-table__caption govuk-table__caption--m">Without an accepted return for ${list.title}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Partnership and its contacts</th><th scope="col" class="govuk-table__header">Status</th><th scope="col" class="govuk-table__header">What they have sent</th></tr></thead>
<tbody class="govuk-table__body">${list.sites.map(
        ({ site, cell, sent }) => html`<tr class="govuk-table__row" id="site-${site.code}">
<th scope="row" class="govuk-table__header">${site.name}<ul class="govuk-list govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0 portal-contacts">${site.contacts.map((email) => html`<li class="portal-break"><a class="govuk-link" href="mailto:${email}">${email}</a></li>`)}</ul></th>
<td class="govuk-table__cell">${tag(GRID_STATE_LABELS[cell.status], GRID_TONES[cell.status])}<span class="portal-grid__detail">${cell.daysLate > 0 ? `${days(cell.daysLate)} late` : cell.daysToDue === 0 ? 'due today' : cell.daysToDue !== undefined ? `due in ${days(cell.daysToDue)}` : ''}</span></td>
<td class="govuk-table__cell">${
          sent.length === 0 && cell.pending.length === 0
            ? html`<span class="govuk-body-s">Nothing yet</span>`
            : html`<ul class="govuk-list govuk-body-s govuk-!-margin-bottom-0">${cell.pending.map((upload) => html`<li>A file that arrived ${when(upload.receivedAt)} (${formatBytes(upload.bytes)}) is being checked</li>`)}${sent.map(
                (file) =>
                  html`<li><a class="govuk-link" href="${submissionPath(list.period, file.submissionId)}">${when(file.receivedAt)}</a>${file.uploadedBy ? html` by ${file.uploadedBy}` : ''}: ${file.outcome}</li>`,
              )}</ul>`
        }</td>
</tr>`,
      )}</tbody></table>`
}`;
}
