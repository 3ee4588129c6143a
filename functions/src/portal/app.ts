/**
 * The portal: one Hono app, the same routes and code as a Lambda behind API
 * Gateway (handlers/portal.ts) and as a Node server in the local stack
 * (local/local-portal.ts).
 *
 * Each request: security headers (a strict CSP: no inline script or style) →
 * the session, its access token verified (refreshed when it has expired) →
 * the principal, from the token's claims alone → the route's audience (a
 * person outside it gets 404; someone not signed in is sent to sign in) →
 * CSRF check on every POST (Origin and a synchroniser token) → the page: one
 * use case, given a PortalData bound to the principal, and one template.
 */
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import {
  formatYear,
  parsePeriod,
  parseYear,
  periodContaining,
  today as todayOf,
} from '../programme/periods.js';
import type { ReferenceData } from '../reference/reference-data.js';
import type { AuditRecord, ReviewAction } from '../returns/review.js';
import type { Log, Mailer } from '../submissions/ports.js';
import type { ReviewStore } from '../submissions/review-return.js';
import type { AccessTokenVerifier } from './access-token.js';
import { portalAssets } from './assets.js';
import { NotFound } from './authorise.js';
import type { SafeHtml } from './html.js';
import {
  accessibilityPage,
  helpPage,
  landingPage,
  noAccessPage,
  privacyPage,
  problemPage,
  signedOutPage,
} from './pages/common-pages.js';
import { nonSubmittersPage, staffPage } from './pages/completeness-pages.js';
import { page } from './pages/layout.js';
import {
  checkingPage,
  type ReviewForms,
  releasesPage,
  submissionPage,
  submissionPath,
  templatesPage,
  uploadPage,
  yourReturnsPage,
} from './pages/site-pages.js';
import {
  type Banner,
  releasePreviewPage,
  staffChartsPage,
  staffDownloadsPage,
  staffReleasesPage,
} from './pages/staff-pages.js';
import {
  INVITE_PATH,
  invitePage,
  removePage,
  USERS_PATH,
  type UsersNotice,
  usersPage,
} from './pages/user-pages.js';
import { PortalData } from './portal-data.js';
import {
  accessLabel,
  inviteFields,
  invitePortalUser,
  isYourself,
  listPortalUsers,
  PortalUsers,
  removePortalUser,
  resendInvitation,
} from './portal-users.js';
import type { PortalFiles, PortalRecords, StaffStores, UploadForms } from './ports.js';
import { type Principal, principalFrom } from './principal.js';
import { listReleases, releaseDownload } from './releases.js';
import {
  cookieNames,
  newCsrfToken,
  type PendingSignIn,
  type Session,
  safeNextPath,
  sameToken,
  seal,
  unseal,
} from './session.js';
import type { SignIn } from './sign-in.js';
import { staffCharts } from './staff-charts.js';
import { checkDownload, deliverDownload, downloadChoices } from './staff-downloads.js';
import {
  chooseQuarter,
  nonSubmitterList,
  nonSubmittersCsv,
  staffOverview,
  startedQuarters,
} from './staff-overview.js';
import { confirmRelease, previewRelease, staffReleases } from './staff-releases.js';
import { blankTemplate, templateChoices, templateWithLastFigures } from './templates.js';
import { type PortalSettings, prepareUpload, uploadProgress, XLSX_TYPE } from './uploads.js';
import type { UserDirectory } from './user-directory.js';
import { findSubmission, submissionDownload, viewSubmission } from './view-submission.js';
import { yourReturns } from './your-returns.js';

export interface PortalDeps {
  readonly reference: ReferenceData;
  readonly records: PortalRecords;
  readonly files: PortalFiles;
  readonly uploads: UploadForms;
  /** What staff's publishing and downloads write. */
  readonly staff: StaffStores;
  readonly signIn: SignIn;
  /** Who may sign in: Cognito's user pool in AWS, the local sign-in's store locally. */
  readonly users: UserDirectory;
  readonly verifyAccessToken: AccessTokenVerifier;
  /** 32 bytes: seals the session cookies. */
  readonly sessionKey: Uint8Array;
  readonly settings: PortalSettings;
  readonly log: Log;
  readonly clock: () => Date;
  /** Sign-off and queries: the table with write access to reviews and current returns, and email. */
  readonly reviews?: { readonly store: ReviewStore; readonly mailer: Mailer };
}

/** The actions a staff review form may post; a reply has its own route. */
const STAFF_REVIEW_ACTIONS = ['sign-off', 'query', 'reopen', 'accept-revision', 'decline-revision'] as const;

/**
 * What the page says after an action that worked. Said only when the quarter's
 * newest record is that action by this person, so a link cannot claim it.
 */
const REVIEW_DONE: Readonly<Record<string, string>> = {
  'sign-off': 'Signed off. The return is now locked: a later upload waits as a proposed revision.',
  query: 'Query sent to the site and shown on this page.',
  'query-unsent':
    'The query is recorded and shown on this page, but the email to the site could not be sent: please tell them directly.',
  reply: 'Thank you: your reply is recorded and shown to the funder.',
  reopen: 'Reopened: the return is awaiting review again.',
  'accept-revision':
    'Revision accepted: it is now the current return, and the programme figures will be recomputed.',
  'decline-revision': 'Revision declined: the signed-off return stands.',
};

function doneNotice(
  asked: string | undefined,
  trail: readonly AuditRecord[],
  principal: Principal | undefined,
): string | undefined {
  if (!asked || !Object.hasOwn(REVIEW_DONE, asked) || !principal) return undefined;
  const newest = trail.reduce<AuditRecord | undefined>(
    (latest, record) => (!latest || record.version > latest.version ? record : latest),
    undefined,
  );
  const action = asked === 'query-unsent' ? 'query' : asked;
  return newest?.action === action && newest.actor.id === principal.username ? REVIEW_DONE[asked] : undefined;
}

/**
 * Who a route is for. `records` routes serve one record (a submission) to its
 * own site's users and to staff; the use case checks the record's site.
 */
export type Audience = 'public' | 'site' | 'records' | 'signed-in' | 'staff';

interface Variables {
  principal?: Principal;
  session?: Session;
  data: PortalData;
  /** Origins a page's form posts to besides the portal (the bucket, for uploads). */
  formTargets?: string[];
}
type PortalContext = Context<{ Variables: Variables }>;

export interface PortalRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly audience: Audience;
  readonly handle: (c: PortalContext) => Promise<Response> | Response;
}

/** A whole session lasts at most this long, refresh or not; then the person signs in again. */
const SESSION_SECONDS = 12 * 3600;
const SIGN_IN_SECONDS = 600;

/** A workbook made on request, as a download under its own name (ASCII only in the header). */
function workbookDownload(c: PortalContext, workbook: { fileName: string; bytes: Buffer }): Response {
  c.header('content-type', XLSX_TYPE);
  c.header(
    'content-disposition',
    `attachment; filename="${workbook.fileName.replace(/[^\x20-\x7e]|"/g, '_')}"`,
  );
  return c.body(new Uint8Array(workbook.bytes));
}

/** The action as the model takes it: the form's one text box is the message, reason or note. */
function reviewActionOf(kind: ReviewAction['kind'], text: string): ReviewAction {
  switch (kind) {
    case 'query':
    case 'reply':
      return { kind, message: text };
    case 'reopen':
    case 'decline-revision':
      return { kind, reason: text };
    case 'sign-off':
    case 'accept-revision':
      return { kind, ...(text.trim() ? { note: text } : {}) };
    default:
      return kind satisfies never;
  }
}

function param(c: PortalContext, name: string): string {
  const value = c.req.param(name);
  if (value === undefined) throw new NotFound();
  return value;
}

export function createPortal(deps: PortalDeps): {
  app: Hono<{ Variables: Variables }>;
  routes: readonly PortalRoute[];
} {
  const { reference, settings, log } = deps;
  const { programme } = reference;
  const portalOrigin = new URL(settings.portalUrl).origin;
  const secure = portalOrigin.startsWith('https:');
  const cookies = cookieNames(secure);
  const cookieOptions = { httpOnly: true, secure, sameSite: 'Lax' as const, path: '/' };

  const render = (c: PortalContext, title: string, body: SafeHtml, status = 200) => {
    const principal = c.get('principal');
    const csrf = c.get('session')?.csrf;
    const siteName = principal?.kind === 'site' ? reference.sites.find(principal.site)?.shortName : undefined;
    const frame = {
      programmeName: programme.name,
      path: c.req.path,
      ...(principal ? { principal } : {}),
      ...(csrf ? { csrf } : {}),
      ...(siteName ? { siteName } : {}),
    };
    return c.html(page(frame, title, body).text, status as 200);
  };
  const problem = (c: PortalContext, status: number, heading: string, ...paragraphs: string[]) =>
    render(c, heading, problemPage(heading, paragraphs, programme.helpEmail), status);
  const notFound = (c: PortalContext) =>
    problem(
      c,
      404,
      'Page not found',
      'If you typed the web address, check it is correct. If you followed a link, the page may be for another partnership, or no longer there.',
    );

  const site = (c: PortalContext) => {
    const principal = c.get('principal');
    if (principal?.kind !== 'site') throw new NotFound();
    return principal;
  };
  const yearFrom = (c: PortalContext) => {
    const asked = c.req.query('year');
    const parsed = asked ? parseYear(asked) : undefined;
    if (parsed && 'startYear' in parsed) {
      if (!programme.includes({ startYear: parsed.startYear, quarter: 1 })) throw new NotFound();
      return parsed.startYear;
    }
    if (asked) throw new NotFound();
    const current = periodContaining(todayOf(deps.clock())).startYear;
    return Math.min(Math.max(current, programme.firstPeriod.startYear), programme.lastPeriod.startYear);
  };
  const yearsSoFar = () => {
    const years: string[] = [];
    const current = periodContaining(todayOf(deps.clock())).startYear;
    for (
      let year = programme.firstPeriod.startYear;
      year <= Math.min(current, programme.lastPeriod.startYear);
      year++
    ) {
      years.push(formatYear(year));
    }
    return years;
  };
  const redirect = (c: PortalContext, location: string) => c.redirect(location, 303);
  const staffName = (c: PortalContext) => {
    const principal = c.get('principal');
    return principal?.displayName || principal?.username || 'funder staff';
  };
  const publishing = { reference, log, clock: deps.clock };
  const names = (period: string) => {
    const parsed = parsePeriod(period.length === 7 ? `${period}-Q4` : period);
    const dictionary =
      'period' in parsed
        ? reference.dictionaries.forPeriod(parsed.period)
        : reference.dictionaries.forPeriod(programme.firstPeriod);
    return {
      item: (id: string) => dictionary.item(id)?.name ?? id,
      site: (code: string) => reference.sites.find(code)?.name ?? code,
      siteOrder: reference.sites.sites.map((site) => site.code),
    };
  };
  const listQuery = (c: PortalContext, name: string) => c.req.queries(name) ?? [];

  const routes: PortalRoute[] = [
    {
      method: 'GET',
      path: '/',
      audience: 'public',
      handle: (c) => {
        const principal = c.get('principal');
        if (principal?.kind === 'site') return redirect(c, '/returns');
        if (principal?.kind === 'staff') return redirect(c, '/staff');
        if (principal) return render(c, 'No access yet', noAccessPage(programme));
        return render(c, 'Send and check your returns', landingPage(programme));
      },
    },
    {
      method: 'GET',
      path: '/help',
      audience: 'public',
      handle: (c) => render(c, 'Help', helpPage(programme)),
    },
    {
      method: 'GET',
      path: '/accessibility',
      audience: 'public',
      handle: (c) => render(c, 'Accessibility statement', accessibilityPage(programme)),
    },
    {
      method: 'GET',
      path: '/privacy',
      audience: 'public',
      handle: (c) => render(c, 'Privacy notice', privacyPage(programme)),
    },
    {
      method: 'GET',
      path: '/assets/:file',
      audience: 'public',
      handle: (c) => {
        const asset = portalAssets().get(param(c, 'file'));
        if (!asset) throw new NotFound();
        if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
        c.header('content-type', asset.contentType);
        c.header('etag', asset.etag);
        c.header('cache-control', 'public, max-age=3600');
        return c.body(asset.body);
      },
    },
    {
      method: 'GET',
      path: '/sign-in',
      audience: 'public',
      handle: async (c) => {
        const next = safeNextPath(c.req.query('next'));
        let started: Awaited<ReturnType<SignIn['start']>>;
        try {
          started = await deps.signIn.start(next);
        } catch (error) {
          log.error('the identity provider could not be reached', { error: String(error) });
          return problem(c, 503, 'Sign-in is not available just now', 'Please try again in a few minutes.');
        }
        setCookie(
          c,
          cookies.signIn,
          await seal(deps.sessionKey, 'sign-in', started.pending, SIGN_IN_SECONDS),
          {
            ...cookieOptions,
            maxAge: SIGN_IN_SECONDS,
          },
        );
        return redirect(c, started.url);
      },
    },
    {
      method: 'GET',
      path: '/auth/callback',
      audience: 'public',
      handle: async (c) => {
        const pending = await unseal<PendingSignIn>(deps.sessionKey, 'sign-in', getCookie(c, cookies.signIn));
        deleteCookie(c, cookies.signIn, cookieOptions);
        if (c.req.query('error')) {
          return problem(
            c,
            400,
            'You are not signed in',
            'The sign-in service did not sign you in. Go back and sign in again.',
          );
        }
        if (!pending) {
          return problem(
            c,
            400,
            'Sign-in took too long',
            'Sign-in was started too long ago, or in another browser. Sign in again from the start page.',
          );
        }
        const url = new URL(c.req.path + new URL(c.req.url).search, settings.portalUrl);
        let signedIn: Awaited<ReturnType<SignIn['finish']>>;
        try {
          signedIn = await deps.signIn.finish(url, pending);
        } catch (error) {
          log.warn('a sign-in was refused', { error: String(error) });
          return problem(
            c,
            400,
            'You are not signed in',
            'We could not complete your sign-in. Sign in again from the start page.',
          );
        }
        const verified = await deps.verifyAccessToken(signedIn.accessToken);
        if (!verified.ok) {
          log.warn('the identity provider issued an access token we do not accept', {
            error: verified.detail,
          });
          return problem(
            c,
            400,
            'You are not signed in',
            'We could not complete your sign-in. Sign in again from the start page.',
          );
        }
        await startSession(
          c,
          { accessToken: signedIn.accessToken, displayName: signedIn.displayName, csrf: newCsrfToken() },
          signedIn.refreshToken,
        );
        return redirect(c, pending.next);
      },
    },
    {
      method: 'POST',
      path: '/sign-out',
      audience: 'signed-in',
      handle: async (c) => {
        deleteCookie(c, cookies.session, cookieOptions);
        deleteCookie(c, cookies.refresh, cookieOptions);
        // Then the identity provider's own session (Cognito's hosted UI), which comes back to /signed-out.
        let location = '/signed-out';
        try {
          location = (await deps.signIn.signOutUrl?.(`${settings.portalUrl}/signed-out`)) ?? location;
        } catch (error) {
          log.warn('the identity provider could not be reached to end its session', { error: String(error) });
        }
        return redirect(c, location);
      },
    },
    {
      method: 'GET',
      path: '/signed-out',
      audience: 'public',
      handle: (c) => render(c, 'Signed out', signedOutPage()),
    },
    {
      method: 'GET',
      path: '/returns',
      audience: 'site',
      handle: async (c) => {
        const { site: code } = site(c);
        const view = await yourReturns(c.get('data'), reference, code, yearFrom(c), deps.clock());
        return render(
          c,
          'Your returns',
          yourReturnsPage(view, reference.sites.find(code)?.name ?? code, yearsSoFar()),
        );
      },
    },
    {
      method: 'GET',
      path: '/upload',
      audience: 'site',
      handle: async (c) => {
        const principal = site(c);
        const form = await prepareUpload(c.get('data'), settings, principal.site, principal.displayName);
        c.set('formTargets', [new URL(form.url).origin]);
        return render(
          c,
          'Upload and check',
          uploadPage(
            form,
            settings.maxUploadBytes,
            reference.sites.find(principal.site)?.name ?? principal.site,
          ),
        );
      },
    },
    {
      method: 'GET',
      path: '/uploads/:uploadId',
      audience: 'site',
      handle: async (c) => {
        const principal = site(c);
        const progress = await uploadProgress(
          c.get('data'),
          principal.site,
          param(c, 'uploadId'),
          deps.clock(),
        );
        if (progress.state === 'checked') {
          const { submission } = progress;
          return redirect(c, submissionPath(submission.period ?? 'unreadable', submission.submissionId));
        }
        return render(
          c,
          'Received and checking',
          checkingPage(progress.receivedAt, progress.minutes, param(c, 'uploadId')),
        );
      },
    },
    {
      method: 'GET',
      path: '/returns/:period/submissions/:submissionId',
      audience: 'records',
      handle: async (c) => {
        const data = c.get('data');
        const view = await viewSubmission(data, reference, param(c, 'period'), param(c, 'submissionId'));
        const principal = c.get('principal');
        // A correction is sent by the site's own people; staff see the page without the form.
        const correction =
          principal?.kind === 'site'
            ? await prepareUpload(data, settings, principal.site, principal.displayName)
            : undefined;
        if (correction) c.set('formTargets', [new URL(correction.url).origin]);
        const done = doneNotice(c.req.query('done'), view.review?.trail ?? [], c.get('principal'));
        return render(
          c,
          `${view.periodTitle} return`,
          submissionPage(view, correction, settings.maxUploadBytes, {
            csrf: c.get('session')?.csrf ?? '',
            ...(done ? { done } : {}),
          }),
        );
      },
    },
    {
      method: 'POST',
      path: '/returns/:period/submissions/:submissionId/review',
      audience: 'staff',
      handle: (c) => actOnReview(c, 'staff'),
    },
    {
      method: 'POST',
      path: '/returns/:period/submissions/:submissionId/reply',
      audience: 'site',
      handle: (c) => actOnReview(c, 'site'),
    },
    ...(['annotated', 'original'] as const).map(
      (which): PortalRoute => ({
        method: 'GET',
        path: `/returns/:period/submissions/:submissionId/${which}`,
        audience: 'records',
        handle: async (c) =>
          redirect(
            c,
            await submissionDownload(
              c.get('data'),
              param(c, 'period'),
              param(c, 'submissionId'),
              which,
              settings.downloadLinkSeconds,
            ),
          ),
      }),
    ),
    {
      method: 'GET',
      path: '/templates',
      audience: 'site',
      handle: (c) => {
        const { site: code } = site(c);
        return render(
          c,
          'Templates',
          templatesPage(templateChoices(reference, deps.clock()), reference.sites.find(code)?.name ?? code),
        );
      },
    },
    {
      method: 'GET',
      path: '/templates/:period/blank.xlsx',
      audience: 'site',
      handle: async (c) => {
        const { site: code } = site(c);
        return workbookDownload(c, await blankTemplate(reference, code, param(c, 'period'), deps.clock()));
      },
    },
    {
      method: 'GET',
      path: '/templates/:period/with-last-figures.xlsx',
      audience: 'site',
      handle: async (c) => {
        const { site: code } = site(c);
        return workbookDownload(
          c,
          await templateWithLastFigures(c.get('data'), reference, code, param(c, 'period'), deps.clock()),
        );
      },
    },
    {
      method: 'GET',
      path: '/releases',
      audience: 'signed-in',
      handle: async (c) => render(c, 'Published releases', releasesPage(await listReleases(c.get('data')))),
    },
    {
      method: 'GET',
      path: '/releases/:period/:file',
      audience: 'signed-in',
      handle: async (c) =>
        redirect(
          c,
          await releaseDownload(
            c.get('data'),
            param(c, 'period'),
            param(c, 'file'),
            settings.downloadLinkSeconds,
          ),
        ),
    },
    {
      method: 'GET',
      path: '/staff',
      audience: 'staff',
      handle: async (c) => {
        const view = await staffOverview(c.get('data'), reference, yearFrom(c), deps.clock());
        return render(c, 'Completeness', staffPage(view, yearsSoFar()));
      },
    },
    {
      method: 'GET',
      path: '/staff/releases',
      audience: 'staff',
      handle: async (c) => {
        const view = await staffReleases(c.get('data'), reference, deps.clock());
        // Only a release that exists is announced: nothing in the query is shown as it came.
        const asked = c.req.query('published');
        const number = Number(c.req.query('release'));
        const published = view.history
          .find((period) => period.period === asked)
          ?.records.find((record) => record.number === number);
        const banner: Banner | undefined = published
          ? {
              tone: 'success',
              title: `Release ${published.number} of ${view.history.find((period) => period.period === asked)?.title} is published`,
              text: `Everyone signed in can now download it from Published releases. It used ${published.submissions.length} returns; ${published.audit.suppressed} cells are suppressed.`,
            }
          : undefined;
        return render(c, 'Publish a release', staffReleasesPage(view, banner));
      },
    },
    {
      method: 'GET',
      path: '/staff/releases/preview',
      audience: 'staff',
      handle: async (c) => {
        const period = c.req.query('period');
        const outcome = await previewRelease(c.get('data'), publishing, period, staffName(c));
        const title =
          outcome.outcome === 'preview'
            ? `Publish release ${outcome.preview.number}?`
            : `${period ?? 'This period'} cannot be published`;
        const status = outcome.outcome === 'refused' && outcome.reason === 'bad-period' ? 400 : 200;
        return render(
          c,
          title,
          releasePreviewPage(
            outcome,
            c.get('session')?.csrf ?? '',
            names(period ?? ''),
            period ?? 'This period',
          ),
          status,
        );
      },
    },
    {
      method: 'POST',
      path: '/staff/releases/publish',
      audience: 'staff',
      handle: async (c) => {
        const form = await c.req.parseBody();
        const text = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
        const period = text('period');
        const outcome = await confirmRelease(c.get('data'), publishing, period, text('draft'), staffName(c));
        if (outcome.outcome === 'published') {
          return redirect(
            c,
            `/staff/releases?published=${encodeURIComponent(outcome.release.period)}&release=${outcome.release.number}`,
          );
        }
        // Beaten to it, or the preview is out of date: say so above the releases as they now stand.
        const view = await staffReleases(c.get('data'), reference, deps.clock());
        const heading =
          outcome.outcome === 'conflict' ? 'Someone else published first' : 'Nothing was published';
        const status =
          outcome.outcome === 'conflict' || (outcome.outcome === 'refused' && outcome.reason === 'stale')
            ? 409
            : 400;
        return render(
          c,
          heading,
          staffReleasesPage(view, { tone: 'important', title: heading, text: outcome.message }),
          status,
        );
      },
    },
    {
      method: 'GET',
      path: '/staff/charts',
      audience: 'staff',
      handle: async (c) => {
        const view = await staffCharts(c.get('data'), reference, yearFrom(c), deps.clock());
        return render(c, 'Charts', staffChartsPage(view, yearsSoFar()));
      },
    },
    {
      method: 'GET',
      path: '/staff/downloads',
      audience: 'staff',
      handle: (c) =>
        render(
          c,
          'Download returns',
          staffDownloadsPage(downloadChoices(reference, deps.clock()), {
            sites: [],
            sections: [],
            domains: [],
          }),
        ),
    },
    {
      method: 'GET',
      path: '/staff/downloads/file',
      audience: 'staff',
      handle: async (c) => {
        const asked = {
          from: c.req.query('from'),
          to: c.req.query('to'),
          sites: listQuery(c, 'site'),
          sections: listQuery(c, 'section'),
          domains: listQuery(c, 'domain'),
          format: c.req.query('format'),
        };
        const checked = checkDownload(asked, reference);
        if ('errors' in checked) {
          return render(
            c,
            'Error: Download returns',
            staffDownloadsPage(downloadChoices(reference, deps.clock()), asked, checked.errors),
            400,
          );
        }
        const delivery = await deliverDownload(
          c.get('data'),
          publishing,
          checked.filter,
          checked.format,
          settings.downloadLinkSeconds,
        );
        if (delivery.kind === 'link') return redirect(c, delivery.url);
        c.header('content-type', delivery.contentType);
        c.header('content-disposition', `attachment; filename="${delivery.fileName}"`);
        return c.body(delivery.body);
      },
    },
    ...(['page', 'csv'] as const).map(
      (format): PortalRoute => ({
        method: 'GET',
        path: format === 'csv' ? '/staff/non-submitters.csv' : '/staff/non-submitters',
        audience: 'staff',
        handle: async (c) => {
          const choice = chooseQuarter(reference, c.req.query('period'), deps.clock());
          if (!choice.ok) {
            return problem(
              c,
              choice.status,
              choice.status === 400 ? 'Check the quarter' : 'Quarter not found',
              choice.message,
            );
          }
          const list = await nonSubmitterList(c.get('data'), reference, choice.period, deps.clock());
          if (format === 'csv') {
            c.header('content-type', 'text/csv; charset=utf-8');
            c.header('content-disposition', `attachment; filename="non-submitters-${list.period}.csv"`);
            // The byte-order mark tells Excel the file is UTF-8 (names with accents, dashes).
            return c.body(`\ufeff${nonSubmittersCsv(list)}`);
          }
          return render(
            c,
            `Without an accepted return, ${list.title}`,
            nonSubmittersPage(list, startedQuarters(reference, choice.period.startYear, deps.clock())),
          );
        },
      }),
    ),
    ...userRoutes(),
  ];

  /**
   * A review action from the submission page. The site is the submission's own (read through
   * PortalData, so another site's ID is 404), never the form's. A refusal shows the page again
   * with the reason and the text as typed, so nothing is lost; a stale page is 409.
   */
  const actOnReview = async (c: PortalContext, who: 'staff' | 'site'): Promise<Response> => {
    const data = c.get('data');
    const periodPath = param(c, 'period');
    const submission = await findSubmission(data, periodPath, param(c, 'submissionId'));
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    const text = field('text') ?? '';
    const kind = who === 'site' ? 'reply' : field('action');
    const version = Number(field('version'));
    const again = async (action: ReviewAction['kind'], message: string, status: number) => {
      const view = await viewSubmission(data, reference, periodPath, submission.submissionId);
      const forms: ReviewForms = {
        csrf: c.get('session')?.csrf ?? '',
        problem: { action, message, text },
      };
      return render(
        c,
        `${view.periodTitle} return`,
        submissionPage(view, undefined, settings.maxUploadBytes, forms),
        status,
      );
    };
    if (
      !kind ||
      (kind !== 'reply' && !(STAFF_REVIEW_ACTIONS as readonly string[]).includes(kind)) ||
      !Number.isInteger(version) ||
      version < 0 ||
      !submission.period
    ) {
      return again(
        (kind as ReviewAction['kind']) ?? 'sign-off',
        'This form was incomplete. Reload the page and try again.',
        400,
      );
    }
    const action = reviewActionOf(kind as ReviewAction['kind'], text);
    const outcome = await data.actOnReview({
      site: submission.site,
      period: submission.period,
      submissionId: submission.submissionId,
      expectedVersion: version,
      action,
    });
    if (outcome.outcome === 'refused') {
      return again(action.kind, outcome.message, outcome.code === 'conflict' ? 409 : 400);
    }
    const done = action.kind === 'query' && outcome.email !== 'sent' ? 'query-unsent' : action.kind;
    // After accepting a revision, its own page: it is now the current return.
    return redirect(
      c,
      `${submissionPath(submission.period, outcome.review.submissionId)}?done=${done}#review`,
    );
  };

  /** Funder staff's user pages: the list, the invitation form, and removal behind a confirmation page. */
  function userRoutes(): PortalRoute[] {
    const users = (c: PortalContext) => new PortalUsers(c.get('principal'), deps.users);
    const csrf = (c: PortalContext) => c.get('session')?.csrf ?? '';
    // What the list says after an invitation or removal: sealed, so a crafted link cannot make it say anything.
    const noticeCookie = `${secure ? '__Host-' : ''}portal-notice`;
    type Sealed =
      | { kind: 'invited'; userId: string; told: 'by-email' | 'on-local-sign-in-page' }
      | { kind: 'removed'; email: string }
      | { kind: 'resent'; email: string; told: 'by-email' | 'on-local-sign-in-page' };
    const afterwards = async (c: PortalContext, notice: Sealed) => {
      setCookie(c, noticeCookie, await seal(deps.sessionKey, 'notice', notice, 60), {
        ...cookieOptions,
        maxAge: 60,
      });
      return redirect(c, USERS_PATH);
    };
    return [
      {
        method: 'GET',
        path: USERS_PATH,
        audience: 'staff',
        handle: async (c) => {
          const view = await listPortalUsers(users(c), reference.sites);
          const sealed = await unseal<Sealed>(deps.sessionKey, 'notice', getCookie(c, noticeCookie));
          if (getCookie(c, noticeCookie) !== undefined) deleteCookie(c, noticeCookie, cookieOptions);
          let notice: UsersNotice | undefined;
          if (sealed?.kind === 'removed') notice = { kind: 'removed', email: sealed.email };
          if (sealed?.kind === 'resent') notice = { kind: 'resent', email: sealed.email, told: sealed.told };
          if (sealed?.kind === 'invited') {
            const user = view.groups.flatMap((group) => group.people).find((p) => p.userId === sealed.userId);
            const first = user?.access[0];
            if (user && first)
              notice = {
                kind: 'invited',
                user,
                label: accessLabel(first, reference.sites),
                told: sealed.told,
              };
          }
          return render(c, 'Who has access', usersPage(view, c.get('principal')?.username, csrf(c), notice));
        },
      },
      {
        method: 'GET',
        path: INVITE_PATH,
        audience: 'staff',
        handle: (c) =>
          render(
            c,
            'Invite a person',
            invitePage({ email: '', name: '', access: '' }, [], reference.sites, csrf(c)),
          ),
      },
      {
        method: 'POST',
        path: INVITE_PATH,
        audience: 'staff',
        handle: async (c) => {
          const fields = inviteFields(await c.req.parseBody());
          const result = await invitePortalUser(users(c), reference, fields, log);
          if (result.ok)
            return afterwards(c, { kind: 'invited', userId: result.user.userId, told: result.told });
          return render(
            c,
            'Error: Invite a person',
            invitePage(result.fields, result.errors, reference.sites, csrf(c)),
            400,
          );
        },
      },
      {
        method: 'POST',
        path: `${USERS_PATH}/:userId/invitation`,
        audience: 'staff',
        handle: async (c) => {
          const result = await resendInvitation(users(c), param(c, 'userId'), log);
          if (!result.ok)
            return problem(
              c,
              400,
              `${result.user.email} has already signed in`,
              'Their invitation has been used: the password is their own now. If they have forgotten it, they can reset it from the sign-in page.',
            );
          return afterwards(c, {
            kind: 'resent',
            email: result.user.email,
            told: result.told,
          });
        },
      },
      {
        method: 'GET',
        path: `${USERS_PATH}/:userId/remove`,
        audience: 'staff',
        handle: async (c) => {
          const people = users(c);
          const user = await people.find(param(c, 'userId'));
          if (isYourself(people, user)) return cannotRemoveYourself(c);
          return render(c, 'Remove access', removePage(user, reference.sites, csrf(c)));
        },
      },
      {
        method: 'POST',
        path: `${USERS_PATH}/:userId/remove`,
        audience: 'staff',
        handle: async (c) => {
          const result = await removePortalUser(users(c), param(c, 'userId'), log);
          if (!result.ok) return cannotRemoveYourself(c);
          return afterwards(c, { kind: 'removed', email: result.user.email });
        },
      },
    ];
  }
  const cannotRemoveYourself = (c: PortalContext) =>
    problem(
      c,
      400,
      'You cannot remove your own access',
      'If you removed yourself, and nobody else on the staff could invite people, only an administrator of the AWS account could put it right. Ask another member of the funder staff to remove you.',
    );

  const startSession = async (c: PortalContext, session: Session, refreshToken?: string) => {
    setCookie(c, cookies.session, await seal(deps.sessionKey, 'session', session, SESSION_SECONDS), {
      ...cookieOptions,
      maxAge: SESSION_SECONDS,
    });
    if (refreshToken) {
      setCookie(
        c,
        cookies.refresh,
        await seal(deps.sessionKey, 'refresh', { refreshToken }, SESSION_SECONDS),
        { ...cookieOptions, maxAge: SESSION_SECONDS },
      );
    }
  };

  const app = new Hono<{ Variables: Variables }>();

  app.use('*', async (c, next) => {
    await next();
    // The sign-out form's redirect goes on to the identity provider, and form-action covers redirects.
    const signOut = deps.signIn.signOutOrigin ? [deps.signIn.signOutOrigin] : [];
    const formTargets = ["'self'", ...signOut, ...(c.get('formTargets') ?? [])].join(' ');
    c.header(
      'content-security-policy',
      `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'none'; form-action ${formTargets}; frame-ancestors 'none'; base-uri 'none'`,
    );
    c.header('x-content-type-options', 'nosniff');
    // Not no-referrer: with it Chromium sends `Origin: null` on the portal's own form posts, which the CSRF check refuses.
    c.header('referrer-policy', 'same-origin');
    c.header('x-frame-options', 'DENY');
    c.header('cross-origin-opener-policy', 'same-origin');
    c.header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
    if (secure) c.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  });

  // The session: verify the access token on every request; refresh it when it has expired.
  app.use('*', async (c, next) => {
    const session = await unseal<Session>(deps.sessionKey, 'session', getCookie(c, cookies.session));
    let principal: Principal | undefined;
    if (session) {
      let accessToken = session.accessToken;
      let verified = await deps.verifyAccessToken(accessToken);
      if (!verified.ok && verified.reason === 'expired') {
        const refresh = await unseal<{ refreshToken: string }>(
          deps.sessionKey,
          'refresh',
          getCookie(c, cookies.refresh),
        );
        if (refresh) {
          try {
            const renewed = await deps.signIn.refresh(refresh.refreshToken);
            accessToken = renewed.accessToken;
            verified = await deps.verifyAccessToken(accessToken);
            if (verified.ok) await startSession(c, { ...session, accessToken }, renewed.refreshToken);
          } catch (error) {
            log.info('a session could not be refreshed; signing in again', { error: String(error) });
          }
        }
      }
      if (verified.ok) {
        principal = principalFrom(
          verified.access,
          session.displayName || verified.access.username,
          reference.sites,
        );
        c.set('session', { ...session, accessToken });
      } else {
        if (verified.reason === 'invalid')
          log.warn('a session held an access token we do not accept', { error: verified.detail });
        deleteCookie(c, cookies.session, cookieOptions);
        deleteCookie(c, cookies.refresh, cookieOptions);
      }
    }
    if (principal) c.set('principal', principal);
    c.set(
      'data',
      new PortalData(
        principal,
        deps.records,
        deps.files,
        deps.uploads,
        deps.staff,
        deps.reviews
          ? { ...deps.reviews, reference, log, clock: deps.clock, portalUrl: settings.portalUrl }
          : undefined,
      ),
    );
    await next();
  });

  for (const route of routes) {
    app.on(route.method, route.path, async (c) => {
      const principal = c.get('principal');
      if (route.audience !== 'public') {
        if (!principal) {
          if (route.method === 'GET') return redirect(c, `/sign-in?next=${encodeURIComponent(c.req.path)}`);
          return problem(c, 403, 'Your session has ended', 'Sign in again, then try once more.');
        }
        const allowed =
          route.audience === 'site'
            ? principal.kind === 'site'
            : route.audience === 'staff'
              ? principal.kind === 'staff'
              : route.audience === 'signed-in' && route.method === 'POST'
                ? true
                : principal.kind === 'site' || principal.kind === 'staff';
        if (!allowed) return notFound(c);
      }
      if (route.method === 'POST') {
        const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
        const origin = c.req.header('origin');
        if (
          origin !== portalOrigin ||
          !sameToken(typeof form.csrf === 'string' ? form.csrf : undefined, c.get('session')?.csrf)
        ) {
          log.warn('a form post was refused: wrong origin or CSRF token', {
            origin: origin ?? '(none)',
            path: c.req.path,
          });
          return problem(c, 403, 'This form has expired', 'Go back, reload the page and try again.');
        }
      }
      return route.handle(c);
    });
  }

  app.notFound((c) => notFound(c as PortalContext));
  app.onError((error, c) => {
    if (error instanceof NotFound) return notFound(c as PortalContext);
    log.error('a portal page failed', { path: c.req.path, error: String(error) });
    return problem(
      c as PortalContext,
      500,
      'Sorry, there is a problem with the service',
      'Please try again later. Nothing you sent has been lost.',
    );
  });
  return { app, routes };
}
