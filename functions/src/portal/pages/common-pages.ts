/** Pages anyone may see, and the pages that say something went wrong. */
import type { Programme } from '../../programme/programme.js';
import { html, type SafeHtml } from '../html.js';
import { SERVICE_NAME } from './layout.js';

export function landingPage(programme: Programme): SafeHtml {
  return html`
<h1 class="govuk-heading-xl">${SERVICE_NAME}</h1>
<p class="govuk-body-l">Send ${programme.name}'s quarterly monitoring returns to ${programme.funder}, and see straight away whether each one is accepted.</p>
<p class="govuk-body">Sign in with the account the funder set up for you. You can then get your partnership's template, upload a return and see the result, download a copy with every problem marked, and see what has been published.</p>
<a class="govuk-button govuk-button--start" href="/sign-in" role="button" draggable="false">Sign in</a>`;
}

export function noAccessPage(programme: Programme): SafeHtml {
  return html`
<h1 class="govuk-heading-l">Your account has no access yet</h1>
<p class="govuk-body">You are signed in, but your account is not linked to a partnership or to the funder's team. Email <a class="govuk-link" href="mailto:${programme.helpEmail}">${programme.helpEmail}</a> and say which partnership you send returns for.</p>`;
}

export function helpPage(programme: Programme): SafeHtml {
  return html`
<h1 class="govuk-heading-l">Help</h1>
<p class="govuk-body">For anything about the return (a figure, a definition, a deadline, a problem you cannot fix, or access for a colleague) email <a class="govuk-link" href="mailto:${programme.helpEmail}">${programme.helpEmail}</a>. Say which partnership and quarter it is about; if it is about a file you sent, include the date and time shown on its page.</p>
<h2 class="govuk-heading-m">Common questions</h2>
<ul class="govuk-list govuk-list--bullet">
<li>A blank cell means "not reported", never zero. Type 0 where the answer is none.</li>
<li>A warning does not stop your return being accepted, but please explain each one in the explanations table of the return.</li>
<li>You can upload as often as you like: the latest accepted file for a quarter is the one the funder uses.</li>
</ul>`;
}

export function accessibilityPage(programme: Programme): SafeHtml {
  return html`
<h1 class="govuk-heading-l">Accessibility statement</h1>
<p class="govuk-body">${programme.funder} runs this service and wants as many people as possible to be able to use it. You should be able to:</p>
<ul class="govuk-list govuk-list--bullet">
<li>use every page with a keyboard alone;</li>
<li>use every page with JavaScript turned off (a page that is waiting for a result has a "Check again" button);</li>
<li>tell a return's status from its words, not from its colour alone.</li>
</ul>
<h2 class="govuk-heading-m">How we test it</h2>
<p class="govuk-body">Every page is checked automatically with axe-core in a real browser, walked through by keyboard alone, and used once with JavaScript disabled, each time the software changes. The pages use the patterns of the GOV.UK Design System (govuk-frontend), which are built to work with screen readers and at high zoom. The service has not yet had an independent accessibility audit.</p>
<h2 class="govuk-heading-m">What is not yet accessible</h2>
<p class="govuk-body">The return itself is an Excel workbook. Its input cells carry names, data validation and notes that screen readers announce, but a workbook is harder to use with assistive technology than a web form.</p>
<h2 class="govuk-heading-m">Reporting a problem</h2>
<p class="govuk-body">If you find a problem, or need the information in another format, email <a class="govuk-link" href="mailto:${programme.helpEmail}">${programme.helpEmail}</a>.</p>`;
}

export function privacyPage(programme: Programme): SafeHtml {
  return html`
<h1 class="govuk-heading-l">Privacy notice</h1>
<p class="govuk-body">${programme.funder} is the controller of the information this service holds.</p>
<h2 class="govuk-heading-m">What we store</h2>
<ul class="govuk-list govuk-list--bullet">
<li>Your account: your email address, your name, the partnership you belong to, and when you signed in. Your password and second factor are held by the sign-in service, never by the portal.</li>
<li>Every file you upload, as you sent it, with who uploaded it and when, the result of checking it, and a copy with the problems marked.</li>
<li>The return's contact and sign-off names and email address, which you type into it, and the emails we send about it.</li>
</ul>
<p class="govuk-body">Returns hold counts of people, never names or other details of individual children or families. Do not put personal details in the commentary.</p>
<h2 class="govuk-heading-m">How long we keep it</h2>
<p class="govuk-body">Every file you send, as you sent it, its result and the record of who sent it are kept for the life of the programme: they are the evidence behind the programme's figures. The copies with the problems marked, and the detailed reports, are deleted after a period the funder sets. Sign-in cookies last until you sign out, or for at most 12 hours. Accounts are removed when the partnership tells the funder someone has left.</p>
<h2 class="govuk-heading-m">Cookies</h2>
<p class="govuk-body">The portal sets only the cookies that keep you signed in and protect your forms. They are essential, so we do not ask for consent; there are no analytics or advertising cookies.</p>
<h2 class="govuk-heading-m">Your rights</h2>
<p class="govuk-body">You can ask to see, correct or delete the information we hold about you by emailing <a class="govuk-link" href="mailto:${programme.helpEmail}">${programme.helpEmail}</a>. You can also complain to the Information Commissioner's Office.</p>`;
}

export function problemPage(
  heading: string,
  paragraphs: readonly (string | SafeHtml)[],
  helpEmail: string,
): SafeHtml {
  return html`
<h1 class="govuk-heading-l">${heading}</h1>
${paragraphs.map((text) => html`<p class="govuk-body">${text}</p>`)}
<p class="govuk-body">If you need help, email <a class="govuk-link" href="mailto:${helpEmail}">${helpEmail}</a>.</p>`;
}

export function signedOutPage(): SafeHtml {
  return html`
<h1 class="govuk-heading-l">You have signed out</h1>
<p class="govuk-body"><a class="govuk-link" href="/sign-in">Sign in again</a>.</p>`;
}
