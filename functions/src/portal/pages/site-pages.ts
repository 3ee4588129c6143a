/** The grant holder's pages: templates only, filled from what the use cases return. */

import { CANNOT_REPORT_POLICY } from '../../dictionary/reporting-policy.js';
import { longDate } from '../../programme/periods.js';
import { formatBytes } from '../../reading/refusal.js';
import { type AuditRecord, MAX_REVIEW_TEXT, type ReviewAction } from '../../returns/review.js';
import { html, type SafeHtml } from '../html.js';
import type { UploadForm } from '../ports.js';
import type { Release } from '../releases.js';
import type { TemplateChoice } from '../templates.js';
import type { ReportFinding, ReviewPanel, SubmissionView } from '../view-submission.js';
import type { YourReturns } from '../your-returns.js';
import { tag, when } from './layout.js';

export function submissionPath(period: string, submissionId: string): string {
  return `/returns/${encodeURIComponent(period)}/submissions/${encodeURIComponent(submissionId)}`;
}

export function yourReturnsPage(view: YourReturns, siteName: string, years: readonly string[]): SafeHtml {
  return html`
<h1 class="govuk-heading-l">Your returns<span class="govuk-caption-m">${siteName}, ${view.year}</span></h1>
${
  view.checking.length > 0
    ? html`<div class="govuk-notification-banner" role="region" aria-labelledby="checking-title">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="checking-title">Received and checking</h2></div>
<div class="govuk-notification-banner__content">${view.checking.map(
        (upload) =>
          html`<p class="govuk-body">A file you sent on ${when(upload.receivedAt)} is being checked. <a class="govuk-notification-banner__link" href="/uploads/${upload.uploadId}">See its result</a>.</p>`,
      )}</div></div>`
    : ''
}
<p class="govuk-body">Each quarter's due date is shown below. <a class="govuk-link" href="/upload">Upload and check a return</a> or <a class="govuk-link" href="/templates">get a blank template</a>.</p>
<table class="govuk-table">
<caption class="govuk-table__caption govuk-table__caption--m">Quarters of ${view.year}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">
<th scope="col" class="govuk-table__header">Quarter</th>
<th scope="col" class="govuk-table__header">Due</th>
<th scope="col" class="govuk-table__header">Status</th>
<th scope="col" class="govuk-table__header">What you sent</th>
</tr></thead>
<tbody class="govuk-table__body">
${view.quarters.map(
  (quarter) => html`<tr class="govuk-table__row">
<th scope="row" class="govuk-table__header">${quarter.title}<br><span class="govuk-body-s">${quarter.months}</span></th>
<td class="govuk-table__cell portal-nowrap">${longDate(quarter.dueDate)}</td>
<td class="govuk-table__cell">${tag(quarter.status, quarter.tone)}${quarter.review ? html`<p class="govuk-body-s govuk-!-margin-top-2 govuk-!-margin-bottom-0">${quarter.review}</p>` : ''}${quarter.next ? html`<p class="govuk-body-s govuk-!-margin-top-2 govuk-!-margin-bottom-0">${quarter.next}</p>` : ''}</td>
<td class="govuk-table__cell">${
    quarter.sent.length === 0
      ? html`<span class="govuk-body-s">Nothing yet</span>`
      : html`<ul class="govuk-list govuk-body-s">${quarter.sent.map(
          (file) =>
            html`<li><a class="govuk-link" href="${submissionPath(file.period, file.submissionId)}">${when(file.receivedAt)}</a>${file.uploadedBy ? html` by ${file.uploadedBy}` : ''}: ${file.outcome}${file.current ? ' (this is the return we hold)' : ''}</li>`,
        )}</ul>`
  }</td>
</tr>`,
)}
</tbody></table>
${years.length > 1 ? html`<nav aria-label="Other years"><p class="govuk-body">Other years: ${years.map((year, index) => html`${index > 0 ? ', ' : ''}<a class="govuk-link" href="/returns?year=${year}">${year}</a>`)}</p></nav>` : ''}`;
}

export function uploadForm(
  form: UploadForm & { uploadId: string },
  maxBytes: number,
  heading: string,
): SafeHtml {
  return html`
<div class="govuk-error-summary" id="upload-problem" tabindex="-1" hidden>
<div role="alert"><h2 class="govuk-error-summary__title">There is a problem</h2>
<div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list"><li><a href="#file">Choose a file</a></li></ul></div></div></div>
<form method="post" action="${form.url}" enctype="multipart/form-data" data-upload-form data-max-bytes="${maxBytes}" data-expires-at="${form.expiresAt}" novalidate>
${Object.entries(form.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<div class="govuk-form-group">
<h2 class="govuk-label-wrapper"><label class="govuk-label govuk-label--m" for="file">${heading}</label></h2>
<div id="file-hint" class="govuk-hint">The Excel workbook (.xlsx) you filled in from the template, at most ${formatBytes(maxBytes)}. We check it straight away and show you the result on the next page.</div>
<p id="file-error" class="govuk-error-message" hidden><span class="govuk-visually-hidden">Error:</span><span></span></p>
<input class="govuk-file-upload" id="file" name="file" type="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" aria-describedby="file-hint">
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">Upload and check</button>
<p class="govuk-body-s">This form works until ${when(form.expiresAt)}. If it has expired, <a class="govuk-link" href="/upload">open a fresh one</a>.</p>
</form>`;
}

export function uploadPage(
  form: UploadForm & { uploadId: string },
  maxBytes: number,
  siteName: string,
): SafeHtml {
  return html`
<h1 class="govuk-heading-l">Upload and check a return<span class="govuk-caption-m">${siteName}</span></h1>
<p class="govuk-body">Upload the return you filled in. It is checked against the data dictionary within a minute, and you see every problem with its sheet and cell. If anything needs fixing, correct the file and upload it again: the latest accepted file for a quarter is the one we hold.</p>
${uploadForm(form, maxBytes, 'Choose your return')}`;
}

export function checkingPage(receivedAt: string | undefined, minutes: number, uploadId: string): SafeHtml {
  const slow = minutes >= 5;
  return html`
<h1 class="govuk-heading-l">Received and checking</h1>
<div data-refresh-seconds="${slow ? 30 : 3}">
<p class="govuk-body">We have your file${receivedAt ? html`, received ${when(receivedAt)}` : ''}, and we are checking it now. This usually takes less than a minute.</p>
${slow ? html`<p class="govuk-body">It is taking longer than usual. You do not need to send it again: we will also email you the result. If nothing has arrived within the hour, contact the <a class="govuk-link" href="/help">help desk</a>.</p>` : ''}
<p class="govuk-body portal-js-only">This page updates itself.</p>
<p class="govuk-body"><a class="govuk-button govuk-button--secondary" href="/uploads/${uploadId}">Check again</a></p>
</div>`;
}

function findingPlace(finding: ReportFinding): SafeHtml {
  if (!finding.sheet) return html`<span class="govuk-body-s">The whole file</span>`;
  return html`${finding.sheet}${finding.cell ? html`<br><span class="portal-nowrap">${finding.cell}</span>` : ''}`;
}

function whatToDo(finding: ReportFinding): SafeHtml {
  if (finding.severity === 'warning') {
    return finding.explanation
      ? html`Explained: “${finding.explanation}”`
      : html`Check the figure. If it is right, add a row for ${finding.ruleId ?? finding.code}${finding.itemId ? html` and ${finding.itemId}` : ''} to the explanations table saying why.`;
  }
  if (finding.severity === 'fatal') return html`Fix this and upload the file again.`;
  return finding.expected
    ? html`Correct it: expected ${finding.expected}.`
    : html`Correct the value and upload the file again.`;
}

function findingsTable(caption: string, findings: readonly ReportFinding[], id: string): SafeHtml {
  if (findings.length === 0) return html``;
  return html`<table class="govuk-table portal-findings" id="${id}">
<caption class="govuk-table__caption govuk-table__caption--m">${caption}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">
<th scope="col" class="govuk-table__header">Sheet and cell</th>
<th scope="col" class="govuk-table__header">What we found</th>
<th scope="col" class="govuk-table__header">What was there</th>
<th scope="col" class="govuk-table__header">What to do</th>
</tr></thead><tbody class="govuk-table__body">
${findings.map(
  (finding) => html`<tr class="govuk-table__row">
<td class="govuk-table__cell">${findingPlace(finding)}</td>
<td class="govuk-table__cell">${finding.message}</td>
<td class="govuk-table__cell">${finding.value ?? html`<span class="govuk-body-s">–</span>`}</td>
<td class="govuk-table__cell">${whatToDo(finding)}</td>
</tr>`,
)}
</tbody></table>`;
}

/** What the review forms need: the session's CSRF token, and after a refusal what was wrong and what was typed. */
export interface ReviewForms {
  readonly csrf: string;
  /** A notice after an action that worked ("Query sent to the site"). */
  readonly done?: string;
  readonly problem?: {
    readonly action: ReviewAction['kind'];
    readonly message: string;
    readonly text?: string;
  };
}

export function submissionPage(
  view: SubmissionView,
  correction: (UploadForm & { uploadId: string }) | undefined,
  maxBytes: number,
  reviewForms?: ReviewForms,
): SafeHtml {
  const { submission, counts } = view;
  const base = submissionPath(view.periodPath, submission.submissionId);
  const warningsToExplain = counts.unexplainedWarnings;
  return html`
${
  reviewForms?.problem
    ? html`<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert"><h2 class="govuk-error-summary__title">There is a problem</h2>
<div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list"><li><a href="#review-${reviewForms.problem.action}">${reviewForms.problem.message}</a></li></ul></div></div></div>`
    : ''
}
${reviewForms?.done ? html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="review-done-title"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="review-done-title">Done</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${reviewForms.done}</p></div></div>` : ''}
<h1 class="govuk-heading-l">${view.periodTitle} return<span class="govuk-caption-m">${view.siteName}, sent ${when(submission.receivedAt)}${view.uploadedBy ? html` by ${view.uploadedBy}` : ''}</span></h1>
<p class="govuk-body portal-status">${tag(view.outcome, view.tone)}${view.review ? html` ${tag(view.review.summary, view.review.state === 'signed-off' ? 'green' : view.review.state === 'queried' ? 'orange' : 'grey')}` : ''}</p>
${view.review?.query && view.review.isCurrent ? openQuery(view.review) : ''}
<ul class="portal-counts">
<li class="${counts.fatal + counts.errors > 0 ? 'portal-counts--error' : ''}"><span class="govuk-heading-m govuk-!-margin-bottom-0">${counts.errors + counts.fatal}</span> ${counts.errors + counts.fatal === 1 ? 'error' : 'errors'} to fix</li>
<li class="${warningsToExplain > 0 ? 'portal-counts--warning' : ''}"><span class="govuk-heading-m govuk-!-margin-bottom-0">${counts.warnings}</span> ${counts.warnings === 1 ? 'warning' : 'warnings'}, ${warningsToExplain} to explain</li>
</ul>
${view.unreadable.length + view.errors.length === 0 && counts.warnings === 0 ? html`<p class="govuk-body">No problems found. Thank you.</p>` : ''}
${findingsTable('Why the file could not be checked', view.unreadable, 'unreadable')}
${findingsTable('Errors: these must be fixed before the return is accepted', view.errors, 'errors')}
${findingsTable('Warnings: the return is accepted, but please explain each one', view.warnings, 'warnings')}
${view.checksNotRun.length > 0 ? html`<h2 class="govuk-heading-s">Not checked</h2><ul class="govuk-list govuk-list--bullet">${view.checksNotRun.map((check) => html`<li>${check.ruleId} ${check.title}: ${check.reason}.</li>`)}</ul>` : ''}
<h2 class="govuk-heading-m">Downloads</h2>
<ul class="govuk-list">
${view.canDownloadAnnotated ? html`<li><a class="govuk-link" href="${base}/annotated" download>Download your file with the problems marked</a> (each problem cell highlighted, with a note, and a Feedback sheet)</li>` : ''}
${view.canDownloadOriginal ? html`<li><a class="govuk-link" href="${base}/original" download>Download the file as you sent it</a></li>` : ''}
</ul>
${view.review ? reviewSection(view.review, view.periodPath, base, reviewForms) : ''}
${correction ? uploadForm(correction, maxBytes, submission.status === 'rejected' ? 'Upload a corrected file' : view.review?.state === 'signed-off' ? 'Propose a revision (the funder accepts it before it replaces the signed-off return)' : 'Upload a new version of this return') : ''}`;
}

const ACTION_WORDS: Record<AuditRecord['action'], string> = {
  'sign-off': 'Signed off',
  query: 'Query sent to the site',
  reply: 'Reply from the site',
  reopen: 'Reopened',
  'accept-revision': 'Proposed revision accepted',
  'decline-revision': 'Proposed revision declined',
  'upload-current': 'New file became the current return',
  'upload-proposed': 'New file held as a proposed revision',
};

function paragraphs(text: string): SafeHtml[] {
  return text.split(/\r?\n\s*\r?\n/).map((part) => html`<p class="govuk-body">${part}</p>`);
}

function openQuery(review: ReviewPanel): SafeHtml {
  const query = review.query as NonNullable<ReviewPanel['query']>;
  const asked = review.trail.find((record) => record.action === 'query' && record.at === query.at);
  return html`<div class="govuk-inset-text" id="open-query">
<h2 class="govuk-heading-s">Question from the funder</h2>
${paragraphs(query.message)}
<p class="govuk-body-s">Asked by ${asked?.actor.name ?? query.by} on ${when(query.at)}. Answer by replying below or by uploading a corrected file.</p>
</div>`;
}

function reviewSection(
  review: ReviewPanel,
  period: string,
  base: string,
  forms: ReviewForms | undefined,
): SafeHtml {
  const typed = (kind: ReviewAction['kind']) =>
    forms?.problem?.action === kind ? (forms.problem.text ?? '') : '';
  const error = (kind: ReviewAction['kind']) =>
    forms?.problem?.action === kind
      ? html`<p class="govuk-error-message" id="review-${kind}-error"><span class="govuk-visually-hidden">Error:</span> ${forms.problem.message}</p>`
      : '';
  const form = (
    kind: ReviewAction['kind'],
    button: string,
    field: { label: string; hint: string; required: boolean } | undefined,
    path = 'review',
    secondary = false,
  ) => html`<form method="post" action="${base}/${path}" novalidate class="portal-review-form">
<input type="hidden" name="csrf" value="${forms?.csrf ?? ''}">
<input type="hidden" name="action" value="${kind}">
<input type="hidden" name="version" value="${String(review.version)}">
${
  field
    ? html`<div class="govuk-form-group${forms?.problem?.action === kind ? ' govuk-form-group--error' : ''}">
<label class="govuk-label govuk-label--s" for="review-${kind}">${field.label}</label>
<div class="govuk-hint" id="review-${kind}-hint">${field.hint}</div>
${error(kind)}
<textarea class="govuk-textarea${forms?.problem?.action === kind ? ' govuk-textarea--error' : ''}" id="review-${kind}" name="text" rows="4" maxlength="${String(MAX_REVIEW_TEXT)}" aria-describedby="review-${kind}-hint${forms?.problem?.action === kind ? ` review-${kind}-error` : ''}"${field.required ? html` required` : ''}>${typed(kind)}</textarea>
</div>`
    : html`<span id="review-${kind}">${error(kind)}</span>`
}
<button type="submit" class="govuk-button${secondary ? ' govuk-button--secondary' : ''}" data-module="govuk-button">${button}</button>
</form>`;
  const limit = `Up to ${MAX_REVIEW_TEXT.toLocaleString('en-GB')} characters.`;
  const offered = new Set(review.actions);
  const warnings = review.unexplainedWarnings;
  return html`<h2 class="govuk-heading-m" id="review">Funder review</h2>
${
  review.proposedRevision && !review.isProposed
    ? html`<p class="govuk-body">A later file, received ${when(review.proposedRevision.receivedAt)}, waits as a proposed revision: <a class="govuk-link" href="${submissionPath(period, review.proposedRevision.submissionId)}">see the proposed revision</a>.</p>`
    : ''
}
${
  !review.isCurrent && review.currentSubmissionId
    ? html`<p class="govuk-body"><a class="govuk-link" href="${submissionPath(period, review.currentSubmissionId)}">See the current return for this quarter</a>.</p>`
    : ''
}
${
  offered.has('sign-off')
    ? form(
        'sign-off',
        'Sign off this return',
        warnings > 0
          ? {
              label: `Why it can be signed off with ${warnings === 1 ? 'a warning' : `${warnings} warnings`} the site did not explain`,
              hint: `Recorded with the sign-off. The site's people see it in the record of actions. ${limit}`,
              required: true,
            }
          : {
              label: 'Note (optional)',
              hint: `Recorded with the sign-off. The site's people see it in the record of actions. ${limit}`,
              required: false,
            },
      )
    : ''
}
${
  offered.has('query')
    ? form(
        'query',
        'Send query to the site',
        {
          label: 'Query the site',
          hint: `Say what the site should look at. It is emailed to the site's contacts and shown on this page; they answer by replying here or by uploading a corrected file. ${limit}`,
          required: true,
        },
        'review',
        true,
      )
    : ''
}
${
  offered.has('accept-revision')
    ? form('accept-revision', 'Accept the proposed revision', {
        label: 'Note (optional)',
        hint: `The revision becomes the current return and needs review of its own; the programme figures are recomputed. The site's people see it in the record of actions. ${limit}`,
        required: false,
      })
    : ''
}
${
  offered.has('decline-revision')
    ? form(
        'decline-revision',
        'Decline the proposed revision',
        {
          label: 'Why decline it',
          hint: `The signed-off return stands; the declined file stays on record. The site's people see it in the record of actions. ${limit}`,
          required: true,
        },
        'review',
        true,
      )
    : ''
}
${
  offered.has('reopen')
    ? form(
        'reopen',
        'Reopen this return',
        {
          label: 'Why reopen it',
          hint: `It goes back to awaiting review, and can then be queried or signed off again. The site's people see it in the record of actions. ${limit}`,
          required: true,
        },
        'review',
        true,
      )
    : ''
}
${
  offered.has('reply')
    ? form(
        'reply',
        'Send reply',
        {
          label: 'Your reply to the funder',
          hint: `Shown with the return and recorded. If a figure needs correcting, upload a corrected file instead. ${limit}`,
          required: true,
        },
        'reply',
      )
    : ''
}
${
  review.trail.length === 0
    ? html`<p class="govuk-body">No one has acted on this quarter's return yet.</p>`
    : html`<table class="govuk-table">
<caption class="govuk-table__caption govuk-table__caption--s">Record of actions on this quarter, newest first</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">When</th><th scope="col" class="govuk-table__header">Who</th><th scope="col" class="govuk-table__header">What</th><th scope="col" class="govuk-table__header">Why, or what they said</th></tr></thead>
<tbody class="govuk-table__body">${review.trail.map(
        (record) =>
          html`<tr class="govuk-table__row"><td class="govuk-table__cell">${when(record.at)}</td><td class="govuk-table__cell">${record.actor.name}${record.actor.role === 'staff' ? ' (funder)' : ''}</td><td class="govuk-table__cell">${ACTION_WORDS[record.action]}</td><td class="govuk-table__cell portal-review-text">${record.text ?? ''}</td></tr>`,
      )}</tbody></table>`
}`;
}

export function templatesPage(choices: readonly TemplateChoice[], siteName: string): SafeHtml {
  return html`
<h1 class="govuk-heading-l">Templates<span class="govuk-caption-m">${siteName}</span></h1>
<p class="govuk-body">Each template is made for your partnership and one quarter, from the current data dictionary. Fill in the yellow cells. ${CANNOT_REPORT_POLICY}</p>
<ul class="govuk-list">
${choices.map(
  (choice) =>
    html`<li><a class="govuk-link" href="/templates/${choice.period}/blank.xlsx" download>Blank template for ${choice.title}</a>${choice.suggested ? html` ${tag('Due next', 'blue')}` : ''} <span class="govuk-body-s">(due ${longDate(choice.dueDate)})</span><br><a class="govuk-link govuk-body-s" href="/templates/${choice.period}/with-last-figures.xlsx" download>The same, with your last accepted figures shown beside each cell</a></li>`,
)}
</ul>`;
}

export function releasesPage(releases: readonly Release[]): SafeHtml {
  return html`
<h1 class="govuk-heading-l">Published releases</h1>
<p class="govuk-body">The programme's figures as the funder has published them, with small numbers suppressed. A later release of the same period is a revision and says what changed.</p>
${
  releases.length === 0
    ? html`<p class="govuk-body">Nothing has been published yet.</p>`
    : html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">Releases</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Period</th><th scope="col" class="govuk-table__header">Release</th><th scope="col" class="govuk-table__header">Published</th><th scope="col" class="govuk-table__header">Download</th></tr></thead>
<tbody class="govuk-table__body">${releases.map(
        (
          release,
        ) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${release.title}</th><td class="govuk-table__cell">${release.number === 1 ? 'First release' : `Revision ${release.number - 1}`}</td><td class="govuk-table__cell">${when(release.publishedAt)}</td>
<td class="govuk-table__cell"><a class="govuk-link" href="/releases/${release.period}/${release.fileName}" download>${release.fileName}<span class="govuk-visually-hidden"> for ${release.title}</span></a> (${formatBytes(release.bytes)})</td></tr>`,
      )}</tbody></table>`
}`;
}
