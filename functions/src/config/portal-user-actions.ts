/**
 * The Cognito actions the portal's user directory calls
 * (adapters/cognito-user-directory.ts): invite (AdminCreateUser, then
 * AdminAddUserToGroup, and AdminDeleteUser to undo a half-made invitation;
 * AdminCreateUser with RESEND sends it again),
 * list (ListUsers, ListUsersInGroup), look one up (AdminGetUser,
 * AdminListGroupsForUser) and remove (AdminDeleteUser). The CDK app grants
 * exactly these on the one user pool; the adapter's tests check it sends no other.
 */
export const PORTAL_USER_ACTIONS = [
  'cognito-idp:AdminAddUserToGroup',
  'cognito-idp:AdminCreateUser',
  'cognito-idp:AdminDeleteUser',
  'cognito-idp:AdminGetUser',
  'cognito-idp:AdminListGroupsForUser',
  'cognito-idp:ListUsers',
  'cognito-idp:ListUsersInGroup',
] as const;
