/** The one authorisation decision, case by case: deny by default, the site from the principal alone. */
import { describe, expect, it } from 'vitest';
import { type AccessRequest, authorise } from '../../functions/src/portal/authorise.js';
import { escapeHtml, html, raw } from '../../functions/src/portal/html.js';
import { type Principal, principalFrom } from '../../functions/src/portal/principal.js';
import { safeNextPath } from '../../functions/src/portal/session.js';
import { testReference } from '../support/reference.js';

const blk: Principal = { kind: 'site', site: 'BLK', username: 'blk', displayName: 'blk' };
const staff: Principal = { kind: 'staff', username: 'staff', displayName: 'staff' };
const nobody: Principal = { kind: 'no-access', username: 'x', displayName: 'x' };
const upload = 'incoming/BLK/0b7c4a1e-2f3d-4c5b-8a9e-1d2c3b4a5f6e.xlsx';

describe('authorise', () => {
  it.each<[string, Principal | undefined, AccessRequest, boolean]>([
    ['a site reads its records', blk, { action: 'read-records', site: 'BLK' }, true],
    ['a site reads another’s records', blk, { action: 'read-records', site: 'BFD' }, false],
    ['staff read any site’s records', staff, { action: 'read-records', site: 'BFD' }, true],
    ['a site reads the programme’s records', blk, { action: 'read-programme-records' }, false],
    ['staff publish a release', staff, { action: 'publish-release' }, true],
    ['a site publishes a release', blk, { action: 'publish-release' }, false],
    ['no-access publishes a release', nobody, { action: 'publish-release' }, false],
    [
      'staff write an export',
      staff,
      { action: 'write-export', key: 'exports/0b7c4a1e-2f3d-4c5b-8a9e-1d2c3b4a5f6e/returns-2025-26-Q1.csv' },
      true,
    ],
    [
      'a site writes an export',
      blk,
      { action: 'write-export', key: 'exports/0b7c4a1e-2f3d-4c5b-8a9e-1d2c3b4a5f6e/returns-2025-26-Q1.csv' },
      false,
    ],
    [
      'staff write outside exports/',
      staff,
      { action: 'write-export', key: 'published/2025-26-Q1/release-1.xlsx' },
      false,
    ],
    [
      'staff write an export under a made-up folder',
      staff,
      { action: 'write-export', key: 'exports/../published/returns-2025-26-Q1.csv' },
      false,
    ],
    [
      'staff read an export',
      staff,
      { action: 'read-object', key: 'exports/0b7c4a1e-2f3d-4c5b-8a9e-1d2c3b4a5f6e/returns-2025-26-Q1.csv' },
      true,
    ],
    [
      'a site reads an export',
      blk,
      { action: 'read-object', key: 'exports/0b7c4a1e-2f3d-4c5b-8a9e-1d2c3b4a5f6e/returns-2025-26-Q1.csv' },
      false,
    ],
    [
      'a site reads a release draft',
      blk,
      { action: 'read-object', key: 'releases/2025-26-Q1/drafts/0b7c4a1e-2f3d-4c5b-8a9e-1d2c3b4a5f6e.json' },
      false,
    ],
    ['staff read the programme’s records', staff, { action: 'read-programme-records' }, true],
    ['staff review any site’s return', staff, { action: 'review-return', site: 'BFD' }, true],
    ['a site reviews its own return', blk, { action: 'review-return', site: 'BLK' }, false],
    ['nobody reviews without a role', nobody, { action: 'review-return', site: 'BLK' }, false],
    ['a site replies to a query on its return', blk, { action: 'reply-to-query', site: 'BLK' }, true],
    ['a site replies on another’s return', blk, { action: 'reply-to-query', site: 'BFD' }, false],
    ['staff reply as a site', staff, { action: 'reply-to-query', site: 'BLK' }, false],
    ['anonymous replies', undefined, { action: 'reply-to-query', site: 'BLK' }, false],
    [
      'a site reads its feedback',
      blk,
      { action: 'read-object', key: 'feedback/BLK/2025-26-Q2/BLK-0123456789abcdef/report.json' },
      true,
    ],
    [
      'a site reads another’s feedback',
      blk,
      { action: 'read-object', key: 'feedback/BFD/2025-26-Q2/BFD-0123456789abcdef/report.json' },
      false,
    ],
    [
      'a site reads its archive',
      blk,
      { action: 'read-object', key: 'archive/BLK/2025-26-Q2/BLK-0123456789abcdef.xlsx' },
      true,
    ],
    [
      'a site climbs out of its archive',
      blk,
      { action: 'read-object', key: 'archive/BLK/../BFD/x.xlsx' },
      false,
    ],
    [
      'a site reads a release',
      blk,
      { action: 'read-object', key: 'published/2025-26-Q2/release-1.xlsx' },
      true,
    ],
    [
      'a site reads the unsuppressed programme workbook',
      blk,
      { action: 'read-object', key: 'summaries/2025-26-Q2/programme.xlsx' },
      false,
    ],
    [
      'staff read the programme workbook',
      staff,
      { action: 'read-object', key: 'summaries/2025-26-Q2/programme.xlsx' },
      true,
    ],
    ['a site reads an object of no known kind', blk, { action: 'read-object', key: 'other/BLK/x' }, false],
    [
      'a key with a control character',
      blk,
      { action: 'read-object', key: 'archive/BLK/2025-26-Q2/a\u0000.xlsx' },
      false,
    ],
    ['a site lists the releases', blk, { action: 'list-objects', prefix: 'published/' }, true],
    ['a site lists its uploads', blk, { action: 'list-objects', prefix: 'incoming/BLK/' }, true],
    ['a site lists another’s uploads', blk, { action: 'list-objects', prefix: 'incoming/BFD/' }, false],
    ['a site lists everything', blk, { action: 'list-objects', prefix: '' }, false],
    ['a site uploads to its folder', blk, { action: 'upload-object', key: upload }, true],
    [
      'a site uploads to another’s folder',
      blk,
      { action: 'upload-object', key: upload.replace('BLK', 'BFD') },
      false,
    ],
    [
      'a site uploads under a name it chose',
      blk,
      { action: 'upload-object', key: 'incoming/BLK/mine.xlsx' },
      false,
    ],
    ['staff upload for a site', staff, { action: 'upload-object', key: upload }, false],
    [
      'an account with no group reads a release',
      nobody,
      { action: 'read-object', key: 'published/2025-26-Q2/release-1.xlsx' },
      false,
    ],
    [
      'no one signed in reads a release',
      undefined,
      { action: 'read-object', key: 'published/2025-26-Q2/release-1.xlsx' },
      false,
    ],
  ])('%s: %s', (_, principal, request, allowed) => {
    expect(authorise(principal, request)).toBe(allowed);
  });
});

describe('the principal comes from the token’s groups alone', () => {
  const sites = testReference().sites;
  it.each<[string[], Principal['kind'], string?]>([
    [['site-BLK'], 'site', 'BLK'],
    [['funder-staff'], 'staff'],
    [[], 'no-access'],
    [['site-BLK', 'site-BFD'], 'no-access'],
    [['site-BLK', 'funder-staff'], 'no-access'],
    [['site-XYZ'], 'no-access'],
    [['BLK'], 'no-access'],
  ])('groups %j make a %s principal', (groups, kind, site) => {
    const principal = principalFrom({ username: 'u', groups }, 'u', sites);
    expect(principal.kind).toBe(kind);
    if (site) expect(principal).toMatchObject({ site });
  });
});

describe('pages escape by default', () => {
  it('escapes interpolated text and attributes, and keeps nested templates', () => {
    const name = `<img src=x onerror="alert('1')">&`;
    expect(html`<p title="${name}">${name}</p>${html`<b>${'ok'}</b>`}`.text).toBe(
      `<p title="${escapeHtml(name)}">&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;</p><b>ok</b>`,
    );
    expect(html`${[html`<i>${'<'}</i>`, '<']}${raw('<br>')}`.text).toBe('<i>&lt;</i>&lt;<br>');
  });

  it.each([
    ['/returns', '/returns'],
    ['//evil.example/', '/'],
    ['https://evil.example/', '/'],
    ['/\\evil.example', '/'],
    ['/returns\u0000', '/'],
    [undefined, '/'],
  ])('the path to go back to after sign-in: %j becomes %j', (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });
});
