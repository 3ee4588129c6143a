/**
 * Funder staff's pages beyond completeness: releases (choose, preview the
 * audit's verdict, confirm), charts, and filtered downloads. Templates only,
 * filled from what the use cases return.
 */
import { describePeriod, parsePeriod } from '../../programme/periods.js';
import type { ReleaseRecord } from '../../publication/release.js';
import type { PublishOutcome, ReleasePreview } from '../../submissions/publish-release.js';
import type { SuppressedCell } from '../../submissions/release-drafts.js';
import { html, raw, type SafeHtml } from '../html.js';
import type { StaffCharts } from '../staff-charts.js';
import type { DownloadChoices, DownloadError, DownloadField, DownloadRequest } from '../staff-downloads.js';
import type { ReleaseChoice, StaffReleases } from '../staff-releases.js';
import { when } from './layout.js';

export interface Banner {
  readonly tone: 'success' | 'important';
  readonly title: string;
  readonly text: string;
}

/** Names for the preview: an item's label and a site's name, from the reference data. */
export interface Names {
  readonly item: (id: string) => string;
  readonly site: (code: string) => string;
  /** Site codes in registry order. */
  readonly siteOrder: readonly string[];
}

function banner(message: Banner | undefined): SafeHtml | string {
  if (!message) return '';
  const success = message.tone === 'success';
  return html`<div class="govuk-notification-banner${success ? ' govuk-notification-banner--success' : ''}" role="${success ? 'alert' : 'region'}" aria-labelledby="banner-title" data-module="govuk-notification-banner">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="banner-title">${success ? 'Success' : 'Important'}</h2></div>
<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${message.title}</p><p class="govuk-body">${message.text}</p></div></div>`;
}

function releaseLabel(record: ReleaseRecord): string {
  return record.number === 1
    ? 'Release 1 (first release)'
    : `Release ${record.number} (revision ${record.number - 1})`;
}

export function staffReleasesPage(view: StaffReleases, message?: Banner): SafeHtml {
  const quarters = view.choices.filter((choice) => choice.scope === 'quarter');
  const years = view.choices.filter((choice) => choice.scope === 'year');
  // The latest quarter that has ended comes first: its returns are in, or due.
  const preferred = (quarters.find((choice) => choice.ended) ?? quarters[0])?.value;
  const option = (choice: ReleaseChoice) =>
    html`<option value="${choice.value}"${choice.value === preferred ? html` selected` : ''}>${choice.label}</option>`;
  return html`
${banner(message)}
<h1 class="govuk-heading-l">Publish a release</h1>
<p class="govuk-body">A release is the only way the programme's figures leave the funder: frozen, numbered, with small numbers suppressed and checked by the disclosure audit against every earlier release of the year. A later release of the same period is a revision and says what changed.</p>
${
  view.choices.length === 0
    ? html`<p class="govuk-body">No quarter of the programme has started yet, so there is nothing to publish.</p>`
    : html`<form method="get" action="/staff/releases/preview" novalidate>
<div class="govuk-form-group">
<label class="govuk-label govuk-label--s" for="period">Quarter or year to date</label>
<div id="period-hint" class="govuk-hint">You will see what would be published, and what the audit suppresses, before anything is published.</div>
<select class="govuk-select" id="period" name="period" aria-describedby="period-hint">
<optgroup label="Quarters">${quarters.map(option)}</optgroup>
<optgroup label="Year to date">${years.map(option)}</optgroup>
</select>
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">Preview the release</button>
</form>`
}
<h2 class="govuk-heading-m">Releases so far</h2>
${
  view.history.length === 0
    ? html`<p class="govuk-body">Nothing has been published yet.</p>`
    : view.history.map(
        (period) => html`<h3 class="govuk-heading-s">${period.title}</h3>
<table class="govuk-table staff-releases">
<caption class="govuk-visually-hidden">Releases of ${period.title}, newest first</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Release</th><th scope="col" class="govuk-table__header">Published</th><th scope="col" class="govuk-table__header">Returns used</th><th scope="col" class="govuk-table__header">What changed</th><th scope="col" class="govuk-table__header">Download</th></tr></thead>
<tbody class="govuk-table__body">${period.records.map(
          (record) => html`<tr class="govuk-table__row">
<th scope="row" class="govuk-table__header">${releaseLabel(record)}</th>
<td class="govuk-table__cell">${when(record.publishedAt)}<br><span class="govuk-body-s">by ${record.publishedBy}</span></td>
<td class="govuk-table__cell">${record.submissions.length}<br><span class="govuk-body-s">${record.audit.suppressed} cells suppressed</span></td>
<td class="govuk-table__cell govuk-body-s">${record.changes.length === 0 ? 'First release of this period.' : html`${record.changes.map((line) => html`<p class="govuk-body-s govuk-!-margin-bottom-1">${line}</p>`)}`}</td>
<td class="govuk-table__cell"><a class="govuk-link" href="/releases/${record.period}/release-${record.number}.xlsx" download>release-${record.number}.xlsx<span class="govuk-visually-hidden"> for ${period.title}</span></a></td>
</tr>`,
        )}</tbody></table>`,
      )
}`;
}

function suppressedTable(cells: readonly SuppressedCell[], names: Names): SafeHtml {
  if (cells.length === 0) {
    return html`<p class="govuk-body">No cell needs to be suppressed: every count is 0 or at least 8.</p>`;
  }
  const primary = cells.filter((cell) => cell.why === 'primary').length;
  return html`<p class="govuk-body">${cells.length} ${cells.length === 1 ? 'cell is' : 'cells are'} shown as <strong>c</strong> (confidential): ${primary} because the count is from 1 to 7, and ${cells.length - primary} more so that none of those can be worked out from a total, a breakdown or an earlier release.</p>
<details class="govuk-details"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">Every suppressed cell</span></summary>
<div class="govuk-details__text"><table class="govuk-table">
<caption class="govuk-visually-hidden">Suppressed cells</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Figure</th><th scope="col" class="govuk-table__header">For</th><th scope="col" class="govuk-table__header">Why</th></tr></thead>
<tbody class="govuk-table__body">${cells.map(
    (cell) =>
      html`<tr class="govuk-table__row"><td class="govuk-table__cell">${names.item(cell.item)}</td><td class="govuk-table__cell">${cell.column === 'programme' ? 'Programme total' : names.site(cell.column)}</td><td class="govuk-table__cell">${cell.why === 'primary' ? 'A count from 1 to 7' : 'Hidden so a small count cannot be worked out'}</td></tr>`,
  )}</tbody></table></div></details>`;
}

function readyPreview(preview: ReleasePreview, csrf: string, names: Names): SafeHtml {
  const used = new Set(preview.submissions.map((entry) => entry.site));
  const sites = names.siteOrder.filter((site) => used.has(site));
  return html`
<h1 class="govuk-heading-l">Publish release ${preview.number} of ${preview.title}?</h1>
<div class="govuk-panel govuk-panel--confirmation staff-verdict"><h2 class="govuk-panel__title govuk-!-font-size-27">The disclosure audit passed</h2>
<div class="govuk-panel__body govuk-!-font-size-19">No protected count could be narrowed to fewer than 8 possible values${preview.earlierReleases === 0 ? ' (there are no earlier releases of the year to check it against)' : `, with this release and the ${preview.earlierReleases === 1 ? 'one earlier release' : `${preview.earlierReleases} earlier releases`} of the year taken together`}.</div></div>
<p class="govuk-body"><strong>Nothing has been published yet.</strong> Check what would be published, then confirm at the bottom of the page.</p>
<h2 class="govuk-heading-m">What would be published</h2>
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Release</dt><dd class="govuk-summary-list__value">${preview.number === 1 ? `Release 1, the first release of ${preview.title}` : `Release ${preview.number}, a revision of release ${preview.previous?.number ?? preview.number - 1}`}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Quarters covered</dt><dd class="govuk-summary-list__value">${preview.quarters.map(quarterName).join(', ')}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Returns used</dt><dd class="govuk-summary-list__value">${preview.submissions.length} accepted ${preview.submissions.length === 1 ? 'return' : 'returns'}, from ${sites.map((site) => names.site(site)).join(', ')}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Files</dt><dd class="govuk-summary-list__value">release-${preview.number}.xlsx and release-${preview.number}.csv, for anyone signed in</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Audit</dt><dd class="govuk-summary-list__value">${preview.audit.quantities} protected quantities checked with ${preview.audit.lps} linear programmes in ${(preview.audit.milliseconds / 1000).toFixed(1)} s</dd></div>
</dl>
${
  preview.previous
    ? html`<h2 class="govuk-heading-m">What changed since release ${preview.previous.number}</h2>
<p class="govuk-body-s">Release ${preview.previous.number} was published ${when(preview.previous.publishedAt)} by ${preview.previous.publishedBy}.</p>
${preview.changes.map((line) => html`<p class="govuk-body">${line}</p>`)}
<p class="govuk-body">This notice goes on the release's Notes sheet.</p>`
    : ''
}
<h2 class="govuk-heading-m">Suppressed cells</h2>
${suppressedTable(preview.suppressed, names)}
<form method="post" action="/staff/releases/publish" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="period" value="${preview.period}">
<input type="hidden" name="draft" value="${preview.draftId}">
<div class="govuk-button-group">
<button type="submit" class="govuk-button" data-module="govuk-button">Publish release ${preview.number}</button>
<a class="govuk-link" href="/staff/releases">Cancel</a>
</div>
</form>`;
}

/** The preview: what would be published and the audit's verdict, or why nothing can be. */
export function releasePreviewPage(
  outcome: PublishOutcome,
  csrf: string,
  names: Names,
  title: string,
): SafeHtml {
  if (outcome.outcome === 'preview') return readyPreview(outcome.preview, csrf, names);
  const audit = outcome.outcome === 'refused' && outcome.reason === 'audit';
  const [first] = outcome.message.split('\n');
  return html`
<h1 class="govuk-heading-l">${title} cannot be published</h1>
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>${first ?? outcome.message}</strong></div>
${
  audit && outcome.outcome === 'refused' && outcome.failures
    ? html`<h2 class="govuk-heading-m">The counts the audit could not protect</h2>
<p class="govuk-body">Each could be worked out, from this release and those already published, to within fewer than 8 possible values:</p>
<ul class="govuk-list govuk-list--bullet">${outcome.failures.map((line) => html`<li>${line}</li>`)}</ul>
<p class="govuk-body">An earlier release already narrows these counts, so no further suppression can protect them. Speak to the programme's analyst before publishing this period.</p>`
    : ''
}
<p class="govuk-body"><a class="govuk-link" href="/staff/releases">Choose another period</a></p>`;
}

export function staffChartsPage(view: StaffCharts, years: readonly string[]): SafeHtml {
  const charts = [...view.indicators, ...view.counts];
  const section = (
    chart: StaffCharts['indicators'][number],
  ) => html`<section class="staff-chart" aria-labelledby="${chart.id}-heading">
<h3 class="govuk-heading-s" id="${chart.id}-heading">${chart.title}</h3>
<div class="staff-chart__figure">${raw(chart.svg)}</div>
<div class="staff-chart__table" role="region" aria-label="${chart.title}: the figures" tabindex="0">${raw(chart.tableHtml)}</div>
</section>`;
  return html`
<h1 class="govuk-heading-l">Charts<span class="govuk-caption-m">${view.year}, from the accepted returns held now</span></h1>
${
  charts.length === 0
    ? html`<p class="govuk-body">There are no accepted returns for ${view.year} yet, so there is nothing to draw.</p>`
    : html`<p class="govuk-body">Each indicator for the programme and each partnership, quarter by quarter, from ${view.returns} accepted ${view.returns === 1 ? 'return' : 'returns'}. The shaded band is the 95% confidence interval (Wilson); the dashed red line is the England value, where there is one. A hollow point means the partnerships reporting changed from the quarter before, so the change is not like-for-like: the table beside each chart gives the like-for-like change, in percentage points (pp). These are exact figures for funder staff, not suppressed: publish them only through a release.</p>
<nav aria-label="Charts on this page"><h2 class="govuk-heading-s">On this page</h2><ul class="govuk-list staff-chart-index">${charts.map((chart) => html`<li><a class="govuk-link" href="#${chart.id}-heading">${chart.title}</a></li>`)}</ul></nav>
<h2 class="govuk-heading-m">Indicators</h2>
${view.indicators.map(section)}
<h2 class="govuk-heading-m">Counts</h2>
${view.counts.map(section)}`
}
${years.length > 1 ? html`<nav aria-label="Other years"><p class="govuk-body">Other years: ${years.map((year, index) => html`${index > 0 ? ', ' : ''}<a class="govuk-link" href="/staff/charts?year=${year}">${year}</a>`)}</p></nav>` : ''}`;
}

const FIELD_TARGET: Record<DownloadField, string> = {
  from: 'from',
  to: 'to',
  sites: 'sites-0',
  sections: 'sections-0',
  domains: 'domains-0',
  format: 'format-0',
};

export function staffDownloadsPage(
  choices: DownloadChoices,
  asked: DownloadRequest,
  errors: readonly DownloadError[] = [],
): SafeHtml {
  const errorOf = (field: DownloadField) => errors.filter((error) => error.field === field);
  const groupClass = (field: DownloadField) =>
    `govuk-form-group${errorOf(field).length > 0 ? ' govuk-form-group--error' : ''}`;
  const messages = (field: DownloadField) =>
    errorOf(field).map(
      (error) =>
        html`<p id="${field}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${error.message}</p>`,
    );
  const describedBy = (field: DownloadField, hint?: string) =>
    [hint, errorOf(field).length > 0 ? `${field}-error` : undefined].filter(Boolean).join(' ');
  const lastPeriod = choices.periods.at(-1)?.value;
  const select = (field: 'from' | 'to', label: string, fallback: string | undefined) => {
    const chosen = asked[field] ?? fallback;
    const known = choices.periods.some((period) => period.value === chosen);
    return html`<div class="${groupClass(field)}">
<label class="govuk-label govuk-label--s" for="${field}">${label}</label>
${messages(field)}
<select class="govuk-select${errorOf(field).length > 0 ? ' govuk-select--error' : ''}" id="${field}" name="${field}"${describedBy(field) ? html` aria-describedby="${describedBy(field)}"` : ''}>
${!known && chosen ? html`<option value="${chosen}" selected>${chosen}</option>` : ''}
${choices.periods.map((period) => html`<option value="${period.value}"${period.value === chosen ? html` selected` : ''}>${period.label}</option>`)}
</select></div>`;
  };
  const checkboxes = (
    field: 'sites' | 'sections' | 'domains',
    name: string,
    legend: string,
    hint: string,
    options: DownloadChoices['sites'],
  ) => {
    const picked = new Set(asked[field].map((value) => value.toUpperCase()));
    return html`<div class="${groupClass(field)}">
<fieldset class="govuk-fieldset" aria-describedby="${describedBy(field, `${field}-hint`)}">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${legend}</legend>
<div id="${field}-hint" class="govuk-hint">${hint}</div>
${messages(field)}
<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">
${options.map(
  (option, index) =>
    html`<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="${field}-${index}" name="${name}" type="checkbox" value="${option.value}"${picked.has(option.value.toUpperCase()) ? html` checked` : ''}><label class="govuk-label govuk-checkboxes__label" for="${field}-${index}">${option.label}</label></div>`,
)}
</div></fieldset></div>`;
  };
  const formats = [
    ['csv', 'CSV (opens in Excel; text that looks like a formula is made harmless)'],
    ['xlsx', 'Excel workbook (.xlsx), with an About sheet'],
    ['json', 'JSON, for analysts'],
  ] as const;
  const format = asked.format ?? 'csv';
  return html`
${
  errors.length > 0
    ? html`<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert">
<h2 class="govuk-error-summary__title">There is a problem</h2>
<div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list">${errors.map((error) => html`<li><a href="#${FIELD_TARGET[error.field]}">${error.message}</a></li>`)}</ul></div>
</div></div>`
    : ''
}
<h1 class="govuk-heading-l">Download returns</h1>
<p class="govuk-body">The accepted returns as stored, as tidy data: one row for each partnership, quarter and item (and each row of the services table), with the item's unit and the dictionary version the return was made with. A blank in a return is "not reported", never zero. These are exact figures, not suppressed: they are for funder staff.</p>
<form method="get" action="/staff/downloads/file" novalidate>
<div class="staff-downloads__range">
${select('from', 'From', choices.periods[0]?.value)}
${select('to', 'To', lastPeriod)}
</div>
<p class="govuk-body-s">At most ${choices.maxQuarters} quarters (${choices.maxQuarters / 4} years) in one download.</p>
${checkboxes('sites', 'site', 'Partnerships', 'Leave all unticked for every partnership.', choices.sites)}
${checkboxes('sections', 'section', 'Sections of the return', 'Leave all unticked for every section.', choices.sections)}
${checkboxes('domains', 'domain', 'Outcome domains', 'Each domain brings the items of its indicators, spend on it, and its rows of the services table. Sections and domains ticked together give the rows of both.', choices.domains)}
<div class="${groupClass('format')}">
<fieldset class="govuk-fieldset"${errorOf('format').length > 0 ? html` aria-describedby="format-error"` : ''}>
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Format</legend>
${messages('format')}
<div class="govuk-radios govuk-radios--small" data-module="govuk-radios">
${formats.map(
  ([value, label], index) =>
    html`<div class="govuk-radios__item"><input class="govuk-radios__input" id="format-${index}" name="format" type="radio" value="${value}"${value === format ? html` checked` : ''}><label class="govuk-label govuk-radios__label" for="format-${index}">${label}</label></div>`,
)}
</div></fieldset></div>
<button type="submit" class="govuk-button" data-module="govuk-button">Download</button>
</form>`;
}

/** `2025-26-Q2` as people say it: 2025-26 Q2. */
function quarterName(value: string): string {
  const parsed = parsePeriod(value);
  return 'period' in parsed ? describePeriod(parsed.period) : value;
}
