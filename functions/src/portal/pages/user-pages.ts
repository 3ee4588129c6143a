/** Funder staff's user pages: who has access, invite a person, remove a person (after a confirmation page). */
import type { SiteRegistry } from '../../programme/sites.js';
import { html, type SafeHtml } from '../html.js';
import {
  accessLabel,
  type FieldError,
  type InviteFields,
  STAFF_CHOICE,
  type UsersView,
} from '../portal-users.js';
import type { PersonStatus, PortalUser } from '../user-directory.js';
import { tag, when } from './layout.js';

export const USERS_PATH = '/staff/users';
export const INVITE_PATH = '/staff/users/invite';

export function resendPath(user: Pick<PortalUser, 'userId'>): string {
  return `${USERS_PATH}/${encodeURIComponent(user.userId)}/invitation`;
}

export function removePath(user: Pick<PortalUser, 'userId'>): string {
  return `${USERS_PATH}/${encodeURIComponent(user.userId)}/remove`;
}

const STATUS: Record<PersonStatus, { label: string; tone: string; hint: string }> = {
  invited: { label: 'Invited', tone: 'blue', hint: 'has not signed in yet' },
  active: { label: 'Active', tone: 'green', hint: 'has signed in' },
  'password-reset': {
    label: 'Must reset password',
    tone: 'yellow',
    hint: 'must reset their password to sign in',
  },
  disabled: { label: 'Disabled', tone: 'grey', hint: 'cannot sign in' },
};

/** What the list page says after an invitation or a removal. */
export type UsersNotice =
  | {
      readonly kind: 'invited';
      readonly user: PortalUser;
      readonly label: string;
      readonly told: 'by-email' | 'on-local-sign-in-page';
    }
  | { readonly kind: 'removed'; readonly email: string }
  | { readonly kind: 'resent'; readonly email: string; readonly told: 'by-email' | 'on-local-sign-in-page' };

function notice(shown: UsersNotice): SafeHtml {
  const text =
    shown.kind === 'resent'
      ? html`<h3 class="govuk-notification-banner__heading">The invitation has gone to ${shown.email} again</h3>
<p class="govuk-body">${shown.told === 'by-email' ? 'It has a new temporary password, which works for 7 days; the old one no longer works.' : 'This is the local stack, which sends no email: they are on its sign-in page.'}</p>`
      : shown.kind === 'invited'
        ? html`<h3 class="govuk-notification-banner__heading">${shown.user.name} has been invited (${shown.label})</h3>
<p class="govuk-body">${
            shown.told === 'by-email'
              ? `An email with the portal's address and a temporary password has gone to ${shown.user.email}.`
              : `This is the local stack, which sends no invitation email: ${shown.user.email} is on its sign-in page now.`
          } They show as "Invited" until they first sign in.</p>`
        : html`<h3 class="govuk-notification-banner__heading">${shown.email} no longer has access</h3>
<p class="govuk-body">They cannot sign in again. A page they already have open stops working within 5 minutes.</p>`;
  return html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="users-notice-title" data-module="govuk-notification-banner">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="users-notice-title">Success</h2></div>
<div class="govuk-notification-banner__content">${text}</div></div>`;
}

export function usersPage(
  view: UsersView,
  you: string | undefined,
  csrf: string,
  shown?: UsersNotice,
): SafeHtml {
  return html`
${shown ? notice(shown) : ''}
<h1 class="govuk-heading-l">Who has access</h1>
<p class="govuk-body">Everyone who can sign in to the portal, by partnership. A partnership's people see and send only its returns; funder staff see every partnership's.</p>
<a class="govuk-button" href="${INVITE_PATH}" role="button" draggable="false">Invite a person</a>
${view.groups.map((group) => {
  const captionId = `group-${group.key.toLowerCase()}`;
  return html`<h2 class="govuk-heading-m" id="${captionId}">${group.heading} <span class="govuk-!-font-weight-regular">(${group.people.length === 1 ? '1 person' : `${group.people.length} people`})</span></h2>
${
  group.people.length === 0
    ? html`<p class="govuk-body">Nobody yet.</p>`
    : html`<table class="govuk-table" aria-labelledby="${captionId}">
<thead class="govuk-table__head"><tr class="govuk-table__row">
<th scope="col" class="govuk-table__header govuk-!-width-one-quarter">Name</th>
<th scope="col" class="govuk-table__header govuk-!-width-one-third">Email</th>
<th scope="col" class="govuk-table__header">Status</th>
<th scope="col" class="govuk-table__header">Account made</th>
<th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">Action</span></th>
</tr></thead>
<tbody class="govuk-table__body">${group.people.map(
        (person) => html`<tr class="govuk-table__row">
<td class="govuk-table__cell">${person.name || html`<span class="govuk-hint">No name given</span>`}</td>
<td class="govuk-table__cell govuk-!-text-break-word">${person.email}</td>
<td class="govuk-table__cell">${tag(STATUS[person.status].label, STATUS[person.status].tone)}<span class="govuk-visually-hidden">: ${STATUS[person.status].hint}</span></td>
<td class="govuk-table__cell">${person.createdAt ? when(person.createdAt) : ''}</td>
<td class="govuk-table__cell portal-nowrap">${
          person.userId === you
            ? html`<span class="govuk-body-s">This is you</span>`
            : html`${
                person.status === 'invited'
                  ? html`<form method="post" action="${resendPath(person)}" class="govuk-!-margin-bottom-2"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0 govuk-!-font-size-16">Send again<span class="govuk-visually-hidden"> the invitation to ${person.name || person.email}</span></button></form>`
                  : ''
              }<a class="govuk-link" href="${removePath(person)}">Remove<span class="govuk-visually-hidden"> ${person.name || person.email}</span></a>`
        }</td>
</tr>`,
      )}</tbody></table>`
}`;
})}`;
}

function errorSummary(errors: readonly FieldError[]): SafeHtml {
  if (errors.length === 0) return html``;
  return html`<div class="govuk-error-summary" data-module="govuk-error-summary">
<div role="alert"><h2 class="govuk-error-summary__title">There is a problem</h2>
<div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list">${errors.map(
    (error) => html`<li><a href="#invite-${error.field}">${error.message}</a></li>`,
  )}</ul></div></div></div>`;
}

function fieldError(errors: readonly FieldError[], field: FieldError['field']): SafeHtml {
  const error = errors.find((entry) => entry.field === field);
  return error
    ? html`<p id="invite-${field}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${error.message}</p>`
    : html``;
}

export function invitePage(
  fields: InviteFields,
  errors: readonly FieldError[],
  sites: SiteRegistry,
  csrf: string,
): SafeHtml {
  const has = (field: FieldError['field']) => errors.some((error) => error.field === field);
  const group = (field: FieldError['field']) =>
    `govuk-form-group${has(field) ? ' govuk-form-group--error' : ''}`;
  const described = (field: FieldError['field'], hint = true) =>
    [hint ? `invite-${field}-hint` : '', has(field) ? `invite-${field}-error` : ''].filter(Boolean).join(' ');
  const choices: Array<[string, string, string]> = [
    ...sites.sites.map((site): [string, string, string] => [
      site.code,
      site.name,
      `Sends ${site.shortName}'s returns and sees its results`,
    ]),
    [STAFF_CHOICE, 'Funder staff', "Sees every partnership's returns and manages who has access"],
  ];
  return html`
${errorSummary(errors)}
<a class="govuk-back-link" href="${USERS_PATH}">Back to who has access</a>
<h1 class="govuk-heading-l">Invite a person</h1>
<p class="govuk-body">They get an email with the portal's address and a temporary password. When they first sign in they choose their own password and set up a second factor (an authenticator app).</p>
<form method="post" action="${INVITE_PATH}" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
<div class="${group('email')}">
<label class="govuk-label govuk-label--s" for="invite-email">Email address</label>
<div id="invite-email-hint" class="govuk-hint">Their own work address. No shared mailboxes such as info@ or office@: each person signs in as themselves.</div>
${fieldError(errors, 'email')}
<input class="govuk-input${has('email') ? ' govuk-input--error' : ''}" id="invite-email" name="email" type="email" autocomplete="off" spellcheck="false" value="${fields.email}" aria-describedby="${described('email')}">
</div>
<div class="${group('name')}">
<label class="govuk-label govuk-label--s" for="invite-name">Full name</label>
<div id="invite-name-hint" class="govuk-hint">As it should appear in the list of who has access.</div>
${fieldError(errors, 'name')}
<input class="govuk-input govuk-!-width-two-thirds${has('name') ? ' govuk-input--error' : ''}" id="invite-name" name="name" type="text" autocomplete="off" spellcheck="false" value="${fields.name}" aria-describedby="${described('name')}">
</div>
<div class="${group('access')}">
<fieldset class="govuk-fieldset" aria-describedby="${described('access')}">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">What can they see?</legend>
<div id="invite-access-hint" class="govuk-hint">Choose one. A person belongs to one partnership or to the funder's staff.</div>
${fieldError(errors, 'access')}
<div class="govuk-radios" data-module="govuk-radios">
${choices.map(
  ([value, label, hint], index) => html`<div class="govuk-radios__item">
<input class="govuk-radios__input" id="${index === 0 ? 'invite-access' : `invite-access-${value}`}" name="access" type="radio" value="${value}"${fields.access === value ? html` checked` : ''} aria-describedby="invite-access-${value}-hint">
<label class="govuk-label govuk-radios__label" for="${index === 0 ? 'invite-access' : `invite-access-${value}`}">${label}</label>
<div id="invite-access-${value}-hint" class="govuk-hint govuk-radios__hint">${hint}</div>
</div>`,
)}
</div>
</fieldset>
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">Send invitation</button>
</form>`;
}

export function removePage(user: PortalUser, sites: SiteRegistry, csrf: string): SafeHtml {
  const access = user.access.map((entry) => accessLabel(entry, sites)).join(' and ') || 'No access';
  return html`
<a class="govuk-back-link" href="${USERS_PATH}">Back to who has access</a>
<h1 class="govuk-heading-l">Remove ${user.name || user.email}'s access?</h1>
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Name</dt><dd class="govuk-summary-list__value">${user.name || 'No name given'}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Email</dt><dd class="govuk-summary-list__value">${user.email}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Access</dt><dd class="govuk-summary-list__value">${access}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Status</dt><dd class="govuk-summary-list__value">${STATUS[user.status].label}</dd></div>
</dl>
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span>
<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>Their account will be deleted: they will not be able to sign in again, and a page they have open stops working within 5 minutes. The returns they sent are kept, with who sent them. To give them access again, invite them again.</strong></div>
<form method="post" action="${removePath(user)}">
<input type="hidden" name="csrf" value="${csrf}">
<div class="govuk-button-group">
<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button">Remove access</button>
<a class="govuk-link" href="${USERS_PATH}">Cancel</a>
</div>
</form>`;
}
