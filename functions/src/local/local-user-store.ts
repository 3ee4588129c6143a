/**
 * The local sign-in's accounts, and the portal's UserDirectory in the local
 * stack: what Cognito's user pool is in AWS. The demo users are its first
 * accounts; staff invite and remove people on the portal, and the "sign in
 * as" page, the ID token's claims and the access token's groups all read
 * from here, so an invited person can sign in at once (with the right
 * group), and a removed one can neither sign in nor refresh a session.
 *
 * Kept in `{data}/portal-users.json` (written whole to a temporary file and
 * renamed, so a kill never leaves half a file), so invitations survive a
 * restart. The demo users are written there on first start; delete the file
 * to have them back. Tests keep the store in memory.
 *
 * What it does not do that Cognito does: no invitation email (the person
 * appears on the sign-in page instead) and no password or second factor.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as z from 'zod';
import { SITE_GROUP_PREFIX, STAFF_GROUP, siteGroup } from '../config/access-groups.js';
import { UsageError } from '../errors.js';
import type {
  Access,
  Invitation,
  InviteOutcome,
  PersonStatus,
  PortalUser,
  ResendOutcome,
  UserDirectory,
} from '../portal/ports.js';

/** An account as the local sign-in page and tokens need it. */
export interface LocalAccount {
  readonly accountId: string;
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[];
  /** What the account is for, on the "sign in as" page. */
  readonly role: string;
  readonly status?: 'invited' | 'active';
  readonly createdAt?: string;
}

const fileSchema = z.object({
  version: z.literal(1),
  accounts: z.array(
    z.object({
      accountId: z.string().min(1),
      email: z.string(),
      name: z.string(),
      groups: z.array(z.string()),
      role: z.string(),
      status: z.enum(['invited', 'active']).optional(),
      createdAt: z.string().optional(),
    }),
  ),
});

function accessOf(group: string): Access | undefined {
  if (group === STAFF_GROUP) return { kind: 'staff' };
  if (group.startsWith(SITE_GROUP_PREFIX))
    return { kind: 'site', site: group.slice(SITE_GROUP_PREFIX.length) };
  return undefined;
}

export class LocalUserStore implements UserDirectory {
  private readonly accounts = new Map<string, LocalAccount>();

  /**
   * The store in `file` (or in memory without one). A file that does not exist yet
   * starts with `seeds` (the demo users) and is written at once.
   */
  constructor(
    private readonly file: string | undefined,
    seeds: readonly LocalAccount[],
    private readonly clock: () => Date = () => new Date(),
    /** A site's name for the sign-in page ("sends Blackpool Better Start's returns"). */
    private readonly siteName: (code: string) => string = (code) => code,
  ) {
    if (file && existsSync(file)) {
      let parsed: z.infer<typeof fileSchema>;
      try {
        parsed = fileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      } catch (error) {
        throw new UsageError(
          `The local sign-in's accounts in ${file} could not be read (${(error as Error).message.split('\n')[0]}). Move the file aside to start again with the demo users.`,
          { cause: error },
        );
      }
      for (const account of parsed.accounts) this.accounts.set(account.accountId, account);
    } else {
      const made = this.clock().toISOString();
      for (const account of seeds) this.accounts.set(account.accountId, { createdAt: made, ...account });
      this.save();
    }
  }

  /** Everyone who may sign in, demo users first, then in the order they were invited. */
  users(): LocalAccount[] {
    return [...this.accounts.values()];
  }

  account(accountId: string): LocalAccount | undefined {
    return this.accounts.get(accountId);
  }

  /** An invited person who signs in is active from then on, as in Cognito once they set a password. */
  signedIn(accountId: string): void {
    const account = this.accounts.get(accountId);
    if (account && account.status === 'invited') {
      this.accounts.set(accountId, { ...account, status: 'active' });
      this.save();
    }
  }

  async invite(invitation: Invitation): Promise<InviteOutcome> {
    const email = invitation.email.toLowerCase();
    if (this.users().some((account) => account.email.toLowerCase() === email)) {
      return { outcome: 'already-exists' };
    }
    const { access } = invitation;
    const account: LocalAccount = {
      accountId: randomUUID(),
      email,
      name: invitation.name,
      groups: [access.kind === 'staff' ? STAFF_GROUP : siteGroup(access.site)],
      role:
        access.kind === 'staff'
          ? 'funder staff: sees every site'
          : `sends ${this.siteName(access.site)}'s returns`,
      status: 'invited',
      createdAt: this.clock().toISOString(),
    };
    this.accounts.set(account.accountId, account);
    this.save();
    return { outcome: 'invited', told: 'on-local-sign-in-page', user: this.person(account) };
  }

  async list(): Promise<PortalUser[]> {
    return this.users().map((account) => this.person(account));
  }

  async find(userId: string): Promise<PortalUser | undefined> {
    const account = this.accounts.get(userId);
    return account ? this.person(account) : undefined;
  }

  /** Nothing to send locally: an invited person is on the sign-in page until they sign in. */
  async resend(userId: string): Promise<ResendOutcome> {
    const account = this.accounts.get(userId);
    if (!account) return { outcome: 'not-found' };
    return account.status === 'invited'
      ? { outcome: 'resent', told: 'on-local-sign-in-page' }
      : { outcome: 'not-invited' };
  }

  async remove(userId: string): Promise<'removed' | 'not-found'> {
    if (!this.accounts.delete(userId)) return 'not-found';
    this.save();
    return 'removed';
  }

  private person(account: LocalAccount): PortalUser {
    const status: PersonStatus = account.status ?? 'active';
    return {
      userId: account.accountId,
      email: account.email,
      name: account.name,
      access: account.groups.map(accessOf).filter((entry): entry is Access => entry !== undefined),
      status,
      ...(account.createdAt ? { createdAt: account.createdAt } : {}),
    };
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ version: 1, accounts: this.users() }, null, 2)}\n`);
    renameSync(temporary, this.file);
  }
}
