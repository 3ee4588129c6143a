/**
 * Who may use the portal, said in the domain's words: a person (an email and
 * a name) has access to one site's returns or is funder staff. The directory
 * is the identity provider's user store: Cognito's user pool in AWS
 * (adapters/cognito-user-directory.ts), the local sign-in's store in the
 * local stack (local/local-user-store.ts). Nothing here knows either.
 *
 * The directory checks nothing about the person: the rules (a real address,
 * no shared mailbox, a site that exists, not yourself) are the use cases' in
 * portal-users.ts, so both directories are held to the same ones.
 */

/** What a person may do: send one site's returns, or everything funder staff do. */
export type Access = { readonly kind: 'site'; readonly site: string } | { readonly kind: 'staff' };

/**
 * - `invited`: the invitation went; they have not yet signed in (Cognito's FORCE_CHANGE_PASSWORD);
 * - `active`: they have signed in and set their password;
 * - `password-reset`: they must reset their password before they can sign in again;
 * - `disabled`: the account exists but cannot sign in (an administrator disabled it in AWS).
 */
export type PersonStatus = 'invited' | 'active' | 'password-reset' | 'disabled';

export interface PortalUser {
  /** The directory's own ID for the person: Cognito's username (a UUID), the local account ID. */
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  /**
   * Every group they are in, as access. Exactly one gives them access; none or
   * several (possible only by hand in AWS) gives none (principal.ts).
   */
  readonly access: readonly Access[];
  readonly status: PersonStatus;
  /** ISO time the account was made. */
  readonly createdAt?: string;
}

export interface Invitation {
  /** Already checked and lower-cased by the use case. */
  readonly email: string;
  readonly name: string;
  readonly access: Access;
}

export type InviteOutcome =
  | {
      readonly outcome: 'invited';
      readonly user: PortalUser;
      /** How the person hears of it: Cognito emails them; the local stack lists them on its sign-in page. */
      readonly told: 'by-email' | 'on-local-sign-in-page';
    }
  /** Someone with this email already has an account (whatever its access): nothing was changed. */
  | { readonly outcome: 'already-exists' };

export type ResendOutcome =
  | { readonly outcome: 'resent'; readonly told: 'by-email' | 'on-local-sign-in-page' }
  | { readonly outcome: 'not-invited' }
  | { readonly outcome: 'not-found' };

export interface UserDirectory {
  /** Makes the account, puts it in its one group and sends the invitation email; all or nothing. */
  invite(invitation: Invitation): Promise<InviteOutcome>;
  /** Everyone with an account, whether or not they have access. */
  list(): Promise<PortalUser[]>;
  find(userId: string): Promise<PortalUser | undefined>;
  /**
   * Sends the invitation again, with a new temporary password, to someone who has not yet
   * signed in (Cognito's temporary passwords last 7 days). `not-invited`: they already have.
   */
  resend(userId: string): Promise<ResendOutcome>;
  /** Ends the person's access: they cannot sign in again, nor refresh a session they hold. */
  remove(userId: string): Promise<'removed' | 'not-found'>;
}
