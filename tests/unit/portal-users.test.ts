/**
 * Staff managing who has access: the rules an invitation must pass (each with
 * its message), the refusal to remove yourself, the logging of who did what,
 * only staff reaching the directory, and the local store that stands in for
 * Cognito (persisted, so invitations survive a restart).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoUsers } from '../../functions/src/local/local-sign-in.js';
import { LocalUserStore } from '../../functions/src/local/local-user-store.js';
import { NotFound } from '../../functions/src/portal/authorise.js';
import {
  checkInvitation,
  inviteFields,
  invitePortalUser,
  listPortalUsers,
  PortalUsers,
  removePortalUser,
} from '../../functions/src/portal/portal-users.js';
import type { Principal } from '../../functions/src/portal/principal.js';
import { Programme } from '../../functions/src/programme/programme.js';
import { testReference } from '../support/reference.js';

const reference = testReference();
const staff: Principal = { kind: 'staff', username: 'staff-demo', displayName: 'staff@demo.example' };
const blk: Principal = { kind: 'site', site: 'BLK', username: 'blk-demo', displayName: 'blk' };
const folder = mkdtempSync(join(tmpdir(), 'portal-users-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function logged() {
  const lines: Array<{ message: string; detail?: Record<string, unknown> }> = [];
  return {
    lines,
    log: {
      info: (message: string, detail?: Record<string, unknown>) =>
        lines.push({ message, ...(detail ? { detail } : {}) }),
      warn: () => undefined,
      error: () => undefined,
    },
  };
}

const fields = (email: string, name = 'Alex Smith', access = 'BLK') => ({ email, name, access });

describe('the rules an invitation must pass', () => {
  it.each([
    [fields(''), 'email', "Enter the person's email address"],
    [fields('alex'), 'email', 'Enter an email address in the correct format, like name@example.com'],
    [fields('alex@'), 'email', 'in the correct format'],
    [fields('alex smith@blk.example'), 'email', 'in the correct format'],
    [fields(`${'a'.repeat(250)}@blk.example`), 'email', 'in the correct format'],
    [fields('info@blk.example'), 'email', 'No shared mailboxes: invite a named person'],
    [fields('Office@BLK.example'), 'email', 'No shared mailboxes'],
    [fields('enquiries+q2@blk.example'), 'email', 'No shared mailboxes'],
    [fields('info.blackpool@blk.example'), 'email', 'No shared mailboxes'],
    [fields('alex@blk.example', ''), 'name', "Enter the person's full name"],
    [fields('alex@blk.example', 'x'.repeat(101)), 'name', '100 characters or fewer'],
    [fields('alex@blk.example', '<b>Alex</b>'), 'name', 'letters, spaces'],
    [fields('alex@blk.example', 'Alex', ''), 'access', 'Select the partnership whose returns they send'],
    [fields('alex@blk.example', 'Alex', 'XYZ'), 'access', 'There is no partnership with the code XYZ'],
    [fields('alex@blk.example', 'Alex', 'BLK-'), 'access', 'There is no partnership with the code BLK-'],
  ])('%o: %s says "%s"', (given, field, message) => {
    const { errors } = checkInvitation(given, reference.programme, reference.sites);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toContain(message);
  });

  it('accepts a named person at a site or on the staff, lower-casing the address', () => {
    expect(checkInvitation(fields('Alex.Smith@BLK.example'), reference.programme, reference.sites)).toEqual({
      errors: [],
      email: 'alex.smith@blk.example',
      access: { kind: 'site', site: 'BLK' },
    });
    expect(
      checkInvitation(fields('sam@funder.example', 'Sam', 'staff'), reference.programme, reference.sites)
        .access,
    ).toEqual({ kind: 'staff' });
    // The registry's code, whatever the case: the group is site-BLK.
    expect(
      checkInvitation(fields('alex@blk.example', 'Alex', 'blk'), reference.programme, reference.sites).access,
    ).toEqual({ kind: 'site', site: 'BLK' });
    // "informatics" is not "info": patterns match the whole local part.
    expect(
      checkInvitation(fields('informatics@blk.example'), reference.programme, reference.sites).errors,
    ).toEqual([]);
  });

  it('refuses no address as generic when the programme lists none', () => {
    const { invitations: _, ...settings } = reference.programme.settings;
    const open = new Programme(settings);
    expect(open.genericMailbox('info@blk.example')).toBeUndefined();
    expect(checkInvitation(fields('info@blk.example'), open, reference.sites).errors).toEqual([]);
  });

  it('lists every mistake at once, and reads only strings from the form', () => {
    const read = inviteFields({ email: '  ', name: ['a'], access: 7 });
    expect(read).toEqual({ email: '', name: '', access: '' });
    expect(
      checkInvitation(read, reference.programme, reference.sites).errors.map((error) => error.field),
    ).toEqual(['email', 'name', 'access']);
  });
});

describe('inviting, listing and removing', () => {
  it('invites, lists by staff and site, says who is already invited, and logs who did each', async () => {
    const store = new LocalUserStore(undefined, demoUsers(reference.sites));
    const users = new PortalUsers(staff, store);
    const { lines, log } = logged();
    const invited = await invitePortalUser(users, reference, fields('alex@blk.example'), log);
    expect(invited.ok).toBe(true);
    const view = await listPortalUsers(users, reference.sites);
    expect(view.groups.map((group) => group.key)).toEqual(['staff', 'BLK', 'BFD', 'LAM', 'NOT', 'SEN']);
    expect(view.groups[1]?.people.map((person) => [person.email, person.status])).toEqual([
      ['alex@blk.example', 'invited'],
      ['blackpool@demo.example', 'active'],
    ]);
    expect(lines.at(-1)).toMatchObject({
      message: 'portal access: a person was invited',
      detail: { by: 'staff-demo', email: 'alex@blk.example', access: 'BLK' },
    });

    const again = await invitePortalUser(users, reference, fields('ALEX@blk.example', 'Alex', 'BFD'), log);
    expect(again).toMatchObject({ ok: false, errors: [{ field: 'email' }] });
    if (!again.ok)
      expect(again.errors[0]?.message).toBe(
        'alex@blk.example has already been invited: Blackpool Better Start. To give them different access, remove them from the list, then invite them again',
      );

    const userId = invited.ok ? invited.user.userId : '';
    expect(await removePortalUser(users, userId, log)).toMatchObject({ ok: true });
    expect(lines.at(-1)).toMatchObject({
      message: 'portal access: a person was removed',
      detail: { by: 'staff-demo', email: 'alex@blk.example', access: ['BLK'] },
    });
    await expect(removePortalUser(users, userId, log)).rejects.toBeInstanceOf(NotFound);
  });

  it('will not let staff remove their own access', async () => {
    const store = new LocalUserStore(undefined, demoUsers(reference.sites));
    const result = await removePortalUser(new PortalUsers(staff, store), 'staff-demo', logged().log);
    expect(result).toMatchObject({ ok: false, reason: 'yourself' });
    expect(await store.find('staff-demo')).toBeDefined();
  });

  it('lets only staff reach the directory', async () => {
    const store = new LocalUserStore(undefined, demoUsers(reference.sites));
    for (const who of [blk, undefined, { kind: 'no-access', username: 'x', displayName: 'x' } as const]) {
      const users = new PortalUsers(who, store);
      await expect(users.list()).rejects.toBeInstanceOf(NotFound);
      await expect(
        invitePortalUser(users, reference, fields('alex@blk.example'), logged().log),
      ).rejects.toBeInstanceOf(NotFound);
      await expect(removePortalUser(users, 'bfd-demo', logged().log)).rejects.toBeInstanceOf(NotFound);
    }
    expect(await store.list()).toHaveLength(6);
  });

  it('never looks up an ID the directories could not have made', async () => {
    const users = new PortalUsers(staff, new LocalUserStore(undefined, demoUsers(reference.sites)));
    for (const id of ['../etc', '', 'a/b', 'x'.repeat(200), '<script>'])
      await expect(users.find(id)).rejects.toBeInstanceOf(NotFound);
  });
});

describe('the local user store', () => {
  it('keeps invitations and removals in its file across a restart, the demo users written on first start', async () => {
    const file = join(folder, 'portal-users.json');
    const first = new LocalUserStore(file, demoUsers(reference.sites));
    const invited = await first.invite({
      email: 'alex@blk.example',
      name: 'Alex',
      access: { kind: 'site', site: 'BLK' },
    });
    await first.remove('bfd-demo');
    const userId = invited.outcome === 'invited' ? invited.user.userId : '';
    first.signedIn(userId);

    const second = new LocalUserStore(file, demoUsers(reference.sites));
    expect(second.account(userId)).toMatchObject({
      email: 'alex@blk.example',
      groups: ['site-BLK'],
      status: 'active',
    });
    expect(second.account('bfd-demo')).toBeUndefined();
    expect(second.account('blk-demo')).toBeDefined();
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(1);
  });

  it('refuses a damaged file with a message saying what to do, rather than starting empty', () => {
    const file = join(folder, 'damaged.json');
    writeFileSync(file, '{"version": 1, "accounts": [{"accountId": ');
    expect(() => new LocalUserStore(file, [])).toThrow(/could not be read.*Move the file aside/);
  });
});
