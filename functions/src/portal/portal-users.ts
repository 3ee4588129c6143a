/**
 * Funder staff manage who may use the portal: see who has access, invite a
 * named person to a site or to the staff, and remove someone's access.
 *
 *   form (email, name, site or staff) ─> checks ─> UserDirectory.invite ─> log (who, whom, what)
 *   confirmation ─> not yourself ─> UserDirectory.remove ─> log
 *
 * The directory is reached only through PortalUsers, bound to the principal,
 * which asks `authorise` first (the one decision, as PortalData does for the
 * records and files). Every invitation and removal is logged with who did
 * it: Cognito's own trail (CloudTrail) names only the portal's role.
 */
import * as z from 'zod';
import type { Programme } from '../programme/programme.js';
import type { SiteRegistry } from '../programme/sites.js';
import type { Log } from '../submissions/ports.js';
import { NotFound, requireAccess } from './authorise.js';
import type { Principal } from './principal.js';
import type { Access, PortalUser, UserDirectory } from './user-directory.js';

/** IDs as the directories make them (a Cognito UUID, a local account ID); anything else is never looked up. */
export const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;
/** Cognito's limit for an email is 2,048 characters; RFC 5321 allows 254. */
const MAX_EMAIL = 254;
const MAX_NAME = 100;
/** The access form field's value for funder staff (sites are their codes). */
export const STAFF_CHOICE = 'staff';

/** The directory as one person may use it: staff only. */
export class PortalUsers {
  constructor(
    readonly principal: Principal | undefined,
    private readonly directory: UserDirectory,
  ) {}

  private check(): void {
    requireAccess(this.principal, { action: 'manage-users' });
  }

  async list(): Promise<PortalUser[]> {
    this.check();
    return this.directory.list();
  }

  async find(userId: string): Promise<PortalUser> {
    this.check();
    if (!USER_ID.test(userId)) throw new NotFound();
    const user = await this.directory.find(userId);
    if (!user) throw new NotFound();
    return user;
  }

  invite(...args: Parameters<UserDirectory['invite']>): ReturnType<UserDirectory['invite']> {
    this.check();
    return this.directory.invite(...args);
  }

  resend(userId: string): ReturnType<UserDirectory['resend']> {
    this.check();
    return this.directory.resend(userId);
  }

  remove(userId: string): ReturnType<UserDirectory['remove']> {
    this.check();
    return this.directory.remove(userId);
  }
}

export interface UserGroup {
  /** `staff`, a site code, or `none`. */
  readonly key: string;
  readonly heading: string;
  readonly people: readonly PortalUser[];
}

export interface UsersView {
  /** Funder staff first, then each site in the registry's order, then accounts with no access. */
  readonly groups: readonly UserGroup[];
  readonly total: number;
}

export function accessLabel(access: Access, sites: SiteRegistry): string {
  return access.kind === 'staff' ? 'Funder staff' : (sites.find(access.site)?.name ?? access.site);
}

export async function listPortalUsers(users: PortalUsers, sites: SiteRegistry): Promise<UsersView> {
  const everyone = (await users.list()).sort((a, b) => a.email.localeCompare(b.email));
  const inGroup = (matches: (access: Access) => boolean) =>
    everyone.filter((user) => user.access.some(matches));
  const groups: UserGroup[] = [
    { key: 'staff', heading: 'Funder staff', people: inGroup((access) => access.kind === 'staff') },
    ...sites.sites.map((site) => ({
      key: site.code,
      heading: site.name,
      people: inGroup((access) => access.kind === 'site' && access.site === site.code),
    })),
  ];
  const known = (access: Access) => access.kind === 'staff' || sites.find(access.site) !== undefined;
  const none = everyone.filter((user) => !user.access.some(known));
  if (none.length > 0) groups.push({ key: 'none', heading: 'Accounts with no access', people: none });
  return { groups, total: everyone.length };
}

export interface InviteFields {
  readonly email: string;
  readonly name: string;
  /** `staff` or a site code. */
  readonly access: string;
}

export interface FieldError {
  readonly field: keyof InviteFields;
  readonly message: string;
}

export type InviteResult =
  | { readonly ok: true; readonly user: PortalUser; readonly told: 'by-email' | 'on-local-sign-in-page' }
  | { readonly ok: false; readonly errors: readonly FieldError[]; readonly fields: InviteFields };

const emailSyntax = z.email();

/** The form's fields as sent (anything not a string is empty), trimmed. */
export function inviteFields(form: Record<string, unknown>): InviteFields {
  const text = (name: string) => (typeof form[name] === 'string' ? (form[name] as string).trim() : '');
  return { email: text('email'), name: text('name').replace(/\s+/g, ' '), access: text('access') };
}

/** The checks an invitation must pass, each with the message a person can act on; none means it may go. */
export function checkInvitation(
  fields: InviteFields,
  programme: Programme,
  sites: SiteRegistry,
): { errors: FieldError[]; access?: Access; email: string } {
  const errors: FieldError[] = [];
  const email = fields.email.toLowerCase();
  if (email === '') errors.push({ field: 'email', message: "Enter the person's email address" });
  else if (email.length > MAX_EMAIL || !emailSyntax.safeParse(email).success) {
    errors.push({
      field: 'email',
      message: 'Enter an email address in the correct format, like name@example.com',
    });
  } else {
    const generic = programme.genericMailbox(email);
    if (generic) {
      errors.push({
        field: 'email',
        message: `No shared mailboxes: invite a named person. ${email} looks like a team's address (the programme lists "${generic}" as one)`,
      });
    }
  }
  if (fields.name === '') errors.push({ field: 'name', message: "Enter the person's full name" });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a name with control characters is refused, not stored
  else if (/[\u0000-\u001f\u007f<>]/.test(fields.name)) {
    errors.push({ field: 'name', message: 'Enter the name using letters, spaces, hyphens and apostrophes' });
  } else if (fields.name.length > MAX_NAME) {
    errors.push({ field: 'name', message: `The name must be ${MAX_NAME} characters or fewer` });
  }
  let access: Access | undefined;
  if (fields.access === '') {
    errors.push({
      field: 'access',
      message: 'Select the partnership whose returns they send, or funder staff',
    });
  } else if (fields.access === STAFF_CHOICE) access = { kind: 'staff' };
  else if (sites.find(fields.access)) {
    // The registry's own code: it finds `blk` too, and the group is `site-BLK`.
    access = { kind: 'site', site: sites.find(fields.access)?.code as string };
  } else {
    errors.push({
      field: 'access',
      message: `There is no partnership with the code ${fields.access.slice(0, 20)}: select one from the list`,
    });
  }
  return { errors, email, ...(access ? { access } : {}) };
}

export async function invitePortalUser(
  users: PortalUsers,
  reference: { programme: Programme; sites: SiteRegistry },
  fields: InviteFields,
  log: Log,
): Promise<InviteResult> {
  const { errors, access, email } = checkInvitation(fields, reference.programme, reference.sites);
  if (errors.length > 0 || !access) return { ok: false, errors, fields };
  const outcome = await users.invite({ email, name: fields.name, access });
  if (outcome.outcome === 'already-exists') {
    const existing = (await users.list()).find((user) => user.email.toLowerCase() === email);
    const now =
      existing && existing.access.length > 0
        ? `: ${existing.access.map((entry) => accessLabel(entry, reference.sites)).join(' and ')}`
        : '';
    log.info('an invitation was refused: the person already has an account', {
      by: users.principal?.username,
      email,
    });
    return {
      ok: false,
      errors: [
        {
          field: 'email',
          message: `${email} has already been invited${now}. To give them different access, remove them from the list, then invite them again`,
        },
      ],
      fields,
    };
  }
  log.info('portal access: a person was invited', {
    by: users.principal?.username,
    byName: users.principal?.displayName,
    userId: outcome.user.userId,
    email,
    access: access.kind === 'staff' ? 'funder staff' : access.site,
  });
  return { ok: true, user: outcome.user, told: outcome.told };
}

export type ResendResult =
  | { readonly ok: true; readonly user: PortalUser; readonly told: 'by-email' | 'on-local-sign-in-page' }
  /** They have signed in already: their password is their own now (they can reset it from the sign-in page). */
  | { readonly ok: false; readonly reason: 'not-invited'; readonly user: PortalUser };

/** A new invitation email (and temporary password) for someone who has not signed in yet. */
export async function resendInvitation(users: PortalUsers, userId: string, log: Log): Promise<ResendResult> {
  const user = await users.find(userId);
  if (user.status !== 'invited') return { ok: false, reason: 'not-invited', user };
  const resent = await users.resend(user.userId);
  if (resent.outcome === 'not-found') throw new NotFound();
  if (resent.outcome === 'not-invited') return { ok: false, reason: 'not-invited', user };
  log.info('portal access: an invitation was sent again', {
    by: users.principal?.username,
    byName: users.principal?.displayName,
    userId: user.userId,
    email: user.email,
  });
  return { ok: true, user, told: resent.told };
}

export type RemoveResult =
  | { readonly ok: true; readonly user: PortalUser }
  /** Staff may not remove themselves: see removePortalUser. */
  | { readonly ok: false; readonly reason: 'yourself'; readonly user: PortalUser };

/**
 * Staff cannot remove their own access: the last member of staff doing so
 * would leave nobody able to invite anyone (only an AWS administrator could
 * put it right), and a slip of the finger would sign them out for good.
 * Another member of staff removes them.
 */
export function isYourself(users: PortalUsers, user: PortalUser): boolean {
  return users.principal?.username === user.userId;
}

export async function removePortalUser(users: PortalUsers, userId: string, log: Log): Promise<RemoveResult> {
  const user = await users.find(userId);
  if (isYourself(users, user)) return { ok: false, reason: 'yourself', user };
  // Gone already (removed by someone else a moment ago): the outcome they wanted.
  const removed = await users.remove(user.userId);
  log.info('portal access: a person was removed', {
    by: users.principal?.username,
    byName: users.principal?.displayName,
    userId: user.userId,
    email: user.email,
    access: user.access.map((entry) => (entry.kind === 'staff' ? 'funder staff' : entry.site)),
    ...(removed === 'not-found' ? { note: 'already gone' } : {}),
  });
  return { ok: true, user };
}
