/**
 * The Cognito user directory's contract, tested at the adapter boundary: there
 * is no Cognito emulator to run against (moto and LocalStack's Cognito are not
 * here, and neither is pure JS), so a recorder stands in for the client's
 * `send` and the test pins the exact commands and inputs the adapter sends,
 * and how it reads Cognito's answers and errors (shaped as the SDK throws
 * them: an Error whose `name` is the exception's).
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import {
  type CognitoSend,
  CognitoUserDirectory,
  statusOf,
} from '../../functions/src/adapters/cognito-user-directory.js';
import { PORTAL_USER_ACTIONS } from '../../functions/src/config/portal-user-actions.js';

const POOL = 'eu-west-2_TESTPOOL';
type Answer = (input: Record<string, unknown>) => unknown;
/** Every command any test saw the adapter send. */
const everySent = new Set<string>();

function cognitoError(name: string): Error {
  return Object.assign(new Error(`${name} from Cognito`), { name, $fault: 'client' });
}

/** A `send` that records each command and answers from `answers` by command name, in turn. */
function recorder(answers: Record<string, Answer[]>) {
  const sent: Array<{ command: string; input: Record<string, unknown> }> = [];
  const send = (async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const name = command.constructor.name;
    sent.push({ command: name, input: command.input });
    everySent.add(name);
    const answer = answers[name]?.shift();
    if (!answer) throw new Error(`unexpected ${name}`);
    return answer(command.input);
  }) as unknown as CognitoSend['send'];
  return { sent, directory: new CognitoUserDirectory({ send }, POOL, ['BLK', 'BFD']) };
}

const user = (username: string, email: string, status = 'CONFIRMED', enabled = true) => ({
  Username: username,
  Attributes: [
    { Name: 'sub', Value: username },
    { Name: 'email', Value: email },
    { Name: 'name', Value: `Name of ${email}` },
  ],
  UserStatus: status,
  Enabled: enabled,
  UserCreateDate: new Date('2026-11-30T09:00:00Z'),
});

describe('inviting', () => {
  it('creates the user by email with an email invitation, then adds them to their one group', async () => {
    const { sent, directory } = recorder({
      AdminCreateUserCommand: [
        () => ({ User: { ...user('uuid-1', 'a@x.example', 'FORCE_CHANGE_PASSWORD') } }),
      ],
      AdminAddUserToGroupCommand: [() => ({})],
    });
    const outcome = await directory.invite({
      email: 'a@x.example',
      name: 'Alex Smith',
      access: { kind: 'site', site: 'BLK' },
    });
    expect(sent).toEqual([
      {
        command: AdminCreateUserCommand.name,
        input: {
          UserPoolId: POOL,
          Username: 'a@x.example',
          UserAttributes: [
            { Name: 'email', Value: 'a@x.example' },
            { Name: 'email_verified', Value: 'true' },
            { Name: 'name', Value: 'Alex Smith' },
          ],
          DesiredDeliveryMediums: ['EMAIL'],
        },
      },
      {
        command: AdminAddUserToGroupCommand.name,
        input: { UserPoolId: POOL, Username: 'uuid-1', GroupName: 'site-BLK' },
      },
    ]);
    expect(outcome).toEqual({
      outcome: 'invited',
      told: 'by-email',
      user: {
        userId: 'uuid-1',
        email: 'a@x.example',
        name: 'Alex Smith',
        access: [{ kind: 'site', site: 'BLK' }],
        status: 'invited',
        createdAt: '2026-11-30T09:00:00.000Z',
      },
    });
  });

  it('puts staff in funder-staff', async () => {
    const { sent, directory } = recorder({
      AdminCreateUserCommand: [() => ({ User: user('uuid-2', 's@f.example', 'FORCE_CHANGE_PASSWORD') })],
      AdminAddUserToGroupCommand: [() => ({})],
    });
    await directory.invite({ email: 's@f.example', name: 'Sam', access: { kind: 'staff' } });
    expect(sent[1]?.input.GroupName).toBe('funder-staff');
  });

  it.each(['UsernameExistsException', 'AliasExistsException'])(
    'reads %s as "already has an account" and sends nothing more',
    async (name) => {
      const { sent, directory } = recorder({
        AdminCreateUserCommand: [
          () => {
            throw cognitoError(name);
          },
        ],
      });
      expect(await directory.invite({ email: 'a@x.example', name: 'A', access: { kind: 'staff' } })).toEqual({
        outcome: 'already-exists',
      });
      expect(sent.map((entry) => entry.command)).toEqual([AdminCreateUserCommand.name]);
    },
  );

  it('undoes the new account when the group step fails, and fails itself: never an account with no access', async () => {
    const { sent, directory } = recorder({
      AdminCreateUserCommand: [() => ({ User: user('uuid-3', 'b@x.example', 'FORCE_CHANGE_PASSWORD') })],
      AdminAddUserToGroupCommand: [
        () => {
          throw cognitoError('TooManyRequestsException');
        },
      ],
      AdminDeleteUserCommand: [() => ({})],
    });
    await expect(
      directory.invite({ email: 'b@x.example', name: 'B', access: { kind: 'site', site: 'BFD' } }),
    ).rejects.toThrow(/could not add uuid-3 to site-BFD/);
    expect(sent.at(-1)).toEqual({
      command: AdminDeleteUserCommand.name,
      input: { UserPoolId: POOL, Username: 'uuid-3' },
    });
  });

  it('lets any other Cognito error through, as a failure (never "invited")', async () => {
    const { directory } = recorder({
      AdminCreateUserCommand: [
        () => {
          throw cognitoError('InvalidParameterException');
        },
      ],
    });
    await expect(
      directory.invite({ email: 'c@x.example', name: 'C', access: { kind: 'staff' } }),
    ).rejects.toThrow(/InvalidParameterException/);
  });
});

describe('listing', () => {
  it('pages through ListUsers and each group, and gives each person their groups as access', async () => {
    const { sent, directory } = recorder({
      ListUsersCommand: [
        () => ({
          Users: [user('u1', 'staff@f.example'), user('u2', 'a@blk.example')],
          PaginationToken: 'p2',
        }),
        () => ({ Users: [user('u3', 'nogroup@x.example', 'FORCE_CHANGE_PASSWORD')] }),
      ],
      ListUsersInGroupCommand: [
        () => ({ Users: [user('u1', 'staff@f.example')] }),
        () => ({ Users: [], NextToken: 'g2' }),
        () => ({ Users: [user('u2', 'a@blk.example')] }),
        () => ({ Users: [] }),
      ],
    });
    const people = await directory.list();
    expect(sent).toEqual([
      { command: ListUsersCommand.name, input: { UserPoolId: POOL, Limit: 60 } },
      { command: ListUsersCommand.name, input: { UserPoolId: POOL, Limit: 60, PaginationToken: 'p2' } },
      {
        command: ListUsersInGroupCommand.name,
        input: { UserPoolId: POOL, GroupName: 'funder-staff', Limit: 60 },
      },
      {
        command: ListUsersInGroupCommand.name,
        input: { UserPoolId: POOL, GroupName: 'site-BLK', Limit: 60 },
      },
      {
        command: ListUsersInGroupCommand.name,
        input: { UserPoolId: POOL, GroupName: 'site-BLK', Limit: 60, NextToken: 'g2' },
      },
      {
        command: ListUsersInGroupCommand.name,
        input: { UserPoolId: POOL, GroupName: 'site-BFD', Limit: 60 },
      },
    ]);
    expect(people.map((person) => [person.userId, person.email, person.access, person.status])).toEqual([
      ['u1', 'staff@f.example', [{ kind: 'staff' }], 'active'],
      ['u2', 'a@blk.example', [{ kind: 'site', site: 'BLK' }], 'active'],
      ['u3', 'nogroup@x.example', [], 'invited'],
    ]);
    expect(people[0]?.name).toBe('Name of staff@f.example');
  });

  it.each([
    [{ UserStatus: 'FORCE_CHANGE_PASSWORD', Enabled: true }, 'invited'],
    [{ UserStatus: 'CONFIRMED', Enabled: true }, 'active'],
    [{ UserStatus: 'EXTERNAL_PROVIDER', Enabled: true }, 'active'],
    [{ UserStatus: 'RESET_REQUIRED', Enabled: true }, 'password-reset'],
    [{ UserStatus: 'CONFIRMED', Enabled: false }, 'disabled'],
  ] as const)('reads %o as %s', (state, status) => {
    expect(statusOf(state)).toBe(status);
  });
});

describe('finding and removing', () => {
  it('finds one person with AdminGetUser and AdminListGroupsForUser, and reads UserNotFoundException as nobody', async () => {
    const { sent, directory } = recorder({
      AdminGetUserCommand: [
        () => {
          const { Attributes, ...rest } = user('u2', 'a@blk.example');
          return { ...rest, UserAttributes: Attributes };
        },
        () => {
          throw cognitoError('UserNotFoundException');
        },
      ],
      AdminListGroupsForUserCommand: [
        () => ({ Groups: [{ GroupName: 'site-BLK' }, { GroupName: 'other' }] }),
      ],
    });
    expect(await directory.find('u2')).toMatchObject({
      userId: 'u2',
      email: 'a@blk.example',
      access: [{ kind: 'site', site: 'BLK' }],
    });
    expect(await directory.find('gone')).toBeUndefined();
    expect(sent.slice(0, 2)).toEqual([
      { command: AdminGetUserCommand.name, input: { UserPoolId: POOL, Username: 'u2' } },
      {
        command: AdminListGroupsForUserCommand.name,
        input: { UserPoolId: POOL, Username: 'u2', Limit: 60 },
      },
    ]);
  });

  it('removes a person by deleting the user, and reads UserNotFoundException as already gone', async () => {
    const { sent, directory } = recorder({
      AdminDeleteUserCommand: [
        () => ({}),
        () => {
          throw cognitoError('UserNotFoundException');
        },
      ],
    });
    expect(await directory.remove('u2')).toBe('removed');
    expect(await directory.remove('u2')).toBe('not-found');
    expect(sent[0]).toEqual({
      command: AdminDeleteUserCommand.name,
      input: { UserPoolId: POOL, Username: 'u2' },
    });
  });

  it('sends an invitation again with AdminCreateUser RESEND, reading UnsupportedUserStateException as already signed in', async () => {
    const { sent, directory } = recorder({
      AdminCreateUserCommand: [
        () => ({ User: user('u3', 'new@x.example', 'FORCE_CHANGE_PASSWORD') }),
        () => {
          throw cognitoError('UnsupportedUserStateException');
        },
        () => {
          throw cognitoError('UserNotFoundException');
        },
      ],
    });
    expect(await directory.resend('u3')).toEqual({ outcome: 'resent', told: 'by-email' });
    expect(await directory.resend('u1')).toEqual({ outcome: 'not-invited' });
    expect(await directory.resend('gone')).toEqual({ outcome: 'not-found' });
    expect(sent[0]).toEqual({
      command: AdminCreateUserCommand.name,
      input: { UserPoolId: POOL, Username: 'u3', MessageAction: 'RESEND', DesiredDeliveryMediums: ['EMAIL'] },
    });
  });

  it('lets throttling and other faults through when removing', async () => {
    const { directory } = recorder({
      AdminDeleteUserCommand: [
        () => {
          throw cognitoError('TooManyRequestsException');
        },
      ],
    });
    await expect(directory.remove('u2')).rejects.toThrow(/TooManyRequests/);
  });
});

// Last: the tests above between them send every command the adapter has.
it('the portal role may call exactly the commands the adapter sends (the CDK app grants PORTAL_USER_ACTIONS)', () => {
  const sent = [...everySent].map((name) => `cognito-idp:${name.replace(/Command$/, '')}`);
  expect(sent.sort()).toEqual([...PORTAL_USER_ACTIONS].sort());
});
