/**
 * The portal's users in AWS: the Cognito user pool the portal signs in with.
 * Access is group membership, `site-{CODE}` or `funder-staff`
 * (config/access-groups.ts), as the access token's `cognito:groups` says it.
 *
 * - invite: AdminCreateUser (Username = the email, since the pool signs in by
 *   email; Cognito makes a UUID username and emails the invitation with a
 *   temporary password), then AdminAddUserToGroup. If the group step fails
 *   the new user is deleted again: a person with an account but no group
 *   would be told "no access" and could not be invited again.
 * - list: ListUsers (everyone, paged) and ListUsersInGroup for each group, so
 *   an account with no group (made by hand, or by a half-finished invitation
 *   before this adapter) is shown and can be removed.
 * - remove: AdminDeleteUser. Not AdminRemoveUserFromGroup (the person could
 *   still sign in, to a "no access" page, and the email stays taken so they
 *   could not be invited again to another site) nor AdminDisableUser (the same,
 *   and a disabled account is easily re-enabled by mistake). The pool holds
 *   nothing else about a person: what they sent is recorded with the returns.
 *   Deleting the user ends their refresh token; an access token already issued
 *   stays valid until it expires (5 minutes: the portal checks tokens offline).
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  type AttributeType,
  type CognitoIdentityProviderClient,
  ListUsersCommand,
  ListUsersInGroupCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { SITE_GROUP_PREFIX, STAFF_GROUP, siteGroup } from '../config/access-groups.js';
import type {
  Access,
  Invitation,
  InviteOutcome,
  PersonStatus,
  PortalUser,
  ResendOutcome,
  UserDirectory,
} from '../portal/ports.js';

/** The page size Cognito allows at most for both listings. */
const PAGE = 60;
/** A bound on pages: 6,000 accounts is far beyond a programme of five partnerships. */
const MAX_PAGES = 100;

/** Only `send` is used, so tests can stand a recorder in for the client at this boundary. */
export type CognitoSend = Pick<CognitoIdentityProviderClient, 'send'>;

export function groupOf(access: Access): string {
  return access.kind === 'staff' ? STAFF_GROUP : siteGroup(access.site);
}

export function accessOf(group: string): Access | undefined {
  if (group === STAFF_GROUP) return { kind: 'staff' };
  if (group.startsWith(SITE_GROUP_PREFIX))
    return { kind: 'site', site: group.slice(SITE_GROUP_PREFIX.length) };
  return undefined;
}

/** Cognito's account states, as the portal says them. */
export function statusOf(user: {
  Enabled?: boolean | undefined;
  UserStatus?: string | undefined;
}): PersonStatus {
  if (user.Enabled === false) return 'disabled';
  switch (user.UserStatus) {
    case 'FORCE_CHANGE_PASSWORD':
    case 'UNCONFIRMED':
      return 'invited';
    case 'RESET_REQUIRED':
    case 'COMPROMISED':
      return 'password-reset';
    case 'CONFIRMED':
    case 'EXTERNAL_PROVIDER':
      return 'active';
    default:
      return 'disabled';
  }
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : undefined;
}

function attribute(attributes: readonly AttributeType[] | undefined, name: string): string {
  return attributes?.find((entry) => entry.Name === name)?.Value ?? '';
}

export class CognitoUserDirectory implements UserDirectory {
  constructor(
    private readonly cognito: CognitoSend,
    private readonly userPoolId: string,
    /** The site codes whose groups the pool has (templates/sites.yaml; the CDK app makes one group each). */
    private readonly siteCodes: readonly string[],
  ) {}

  async invite(invitation: Invitation): Promise<InviteOutcome> {
    let created: UserType | undefined;
    try {
      created = (
        await this.cognito.send(
          new AdminCreateUserCommand({
            UserPoolId: this.userPoolId,
            Username: invitation.email,
            UserAttributes: [
              { Name: 'email', Value: invitation.email },
              // The invitation goes to this address and signing in proves it; a verified email is what lets them reset a password.
              { Name: 'email_verified', Value: 'true' },
              { Name: 'name', Value: invitation.name },
            ],
            DesiredDeliveryMediums: ['EMAIL'],
          }),
        )
      ).User;
    } catch (error) {
      // The email is someone's username or alias already.
      if (errorName(error) === 'UsernameExistsException' || errorName(error) === 'AliasExistsException') {
        return { outcome: 'already-exists' };
      }
      throw error;
    }
    const userId = created?.Username;
    if (!userId) throw new Error('Cognito created a user but returned no username');
    try {
      await this.cognito.send(
        new AdminAddUserToGroupCommand({
          UserPoolId: this.userPoolId,
          Username: userId,
          GroupName: groupOf(invitation.access),
        }),
      );
    } catch (error) {
      // All or nothing: take the account away again, so the invitation can simply be repeated.
      await this.cognito
        .send(new AdminDeleteUserCommand({ UserPoolId: this.userPoolId, Username: userId }))
        .catch(() => undefined);
      throw new Error(`Cognito could not add ${userId} to ${groupOf(invitation.access)}`, { cause: error });
    }
    return {
      outcome: 'invited',
      told: 'by-email',
      user: {
        userId,
        email: invitation.email,
        name: invitation.name,
        access: [invitation.access],
        status: created ? statusOf(created) : 'invited',
        ...(created?.UserCreateDate ? { createdAt: created.UserCreateDate.toISOString() } : {}),
      },
    };
  }

  async list(): Promise<PortalUser[]> {
    const everyone = new Map<string, UserType>();
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const listed = await this.cognito.send(
        new ListUsersCommand({
          UserPoolId: this.userPoolId,
          Limit: PAGE,
          ...(token ? { PaginationToken: token } : {}),
        }),
      );
      for (const user of listed.Users ?? []) if (user.Username) everyone.set(user.Username, user);
      token = listed.PaginationToken;
      if (!token) break;
    }
    const groups = new Map<string, Access[]>();
    for (const access of this.accesses()) {
      let next: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const listed = await this.cognito.send(
          new ListUsersInGroupCommand({
            UserPoolId: this.userPoolId,
            GroupName: groupOf(access),
            Limit: PAGE,
            ...(next ? { NextToken: next } : {}),
          }),
        );
        for (const user of listed.Users ?? []) {
          if (!user.Username) continue;
          // Someone who joined between the two listings is still shown.
          if (!everyone.has(user.Username)) everyone.set(user.Username, user);
          groups.set(user.Username, [...(groups.get(user.Username) ?? []), access]);
        }
        next = listed.NextToken;
        if (!next) break;
      }
    }
    return [...everyone.values()].map((user) =>
      this.person(user.Username as string, user.Attributes, user, groups.get(user.Username as string) ?? []),
    );
  }

  async find(userId: string): Promise<PortalUser | undefined> {
    try {
      const user = await this.cognito.send(
        new AdminGetUserCommand({ UserPoolId: this.userPoolId, Username: userId }),
      );
      const groups = await this.cognito.send(
        new AdminListGroupsForUserCommand({ UserPoolId: this.userPoolId, Username: userId, Limit: PAGE }),
      );
      const access = (groups.Groups ?? [])
        .map((group) => (group.GroupName ? accessOf(group.GroupName) : undefined))
        .filter((entry): entry is Access => entry !== undefined);
      return this.person(user.Username ?? userId, user.UserAttributes, user, access);
    } catch (error) {
      if (errorName(error) === 'UserNotFoundException') return undefined;
      throw error;
    }
  }

  async resend(userId: string): Promise<ResendOutcome> {
    try {
      await this.cognito.send(
        new AdminCreateUserCommand({
          UserPoolId: this.userPoolId,
          Username: userId,
          MessageAction: 'RESEND',
          DesiredDeliveryMediums: ['EMAIL'],
        }),
      );
      return { outcome: 'resent', told: 'by-email' };
    } catch (error) {
      if (errorName(error) === 'UserNotFoundException') return { outcome: 'not-found' };
      // RESEND is only for accounts still waiting for their first sign-in.
      if (errorName(error) === 'UnsupportedUserStateException') return { outcome: 'not-invited' };
      throw error;
    }
  }

  async remove(userId: string): Promise<'removed' | 'not-found'> {
    try {
      await this.cognito.send(new AdminDeleteUserCommand({ UserPoolId: this.userPoolId, Username: userId }));
      return 'removed';
    } catch (error) {
      if (errorName(error) === 'UserNotFoundException') return 'not-found';
      throw error;
    }
  }

  private accesses(): Access[] {
    return [{ kind: 'staff' }, ...this.siteCodes.map((site): Access => ({ kind: 'site', site }))];
  }

  private person(
    userId: string,
    attributes: readonly AttributeType[] | undefined,
    state: {
      Enabled?: boolean | undefined;
      UserStatus?: string | undefined;
      UserCreateDate?: Date | undefined;
    },
    access: readonly Access[],
  ): PortalUser {
    return {
      userId,
      email: attribute(attributes, 'email'),
      name: attribute(attributes, 'name'),
      access,
      status: statusOf(state),
      ...(state.UserCreateDate ? { createdAt: state.UserCreateDate.toISOString() } : {}),
    };
  }
}
