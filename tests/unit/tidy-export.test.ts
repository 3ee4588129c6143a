/**
 * Filtered downloads from stored returns: the filter refuses what no one
 * means (a century, an unknown site, section or domain) with a message to act
 * on; rows are tidy, carry units and the dictionary version, keep "not
 * reported" apart from zero, and follow the sections and domains asked for;
 * CSV defuses formulas, xlsx keeps text as text, JSON is whole; and a large
 * export streams through a slow consumer.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../functions/src/errors.js';
import { preflight } from '../../functions/src/reading/preflight.js';
import { DEFAULT_READER_LIMITS, readWorkbook } from '../../functions/src/reading/read-workbook.js';
import type { CurrentReturn } from '../../functions/src/returns/submission.js';
import { exportReturns, exportRows } from '../../functions/src/submissions/export-returns.js';
import {
  checkExportRequest,
  type ExportFilter,
  type ExportFormat,
  MAX_EXPORT_QUARTERS,
} from '../../functions/src/summaries/tidy-export.js';
import { chartReturns } from '../support/chart-summary.js';
import { testReference } from '../support/reference.js';

const reference = testReference();
const counts = { fatal: 0, errors: 0, warnings: 0, unexplainedWarnings: 0 };

function stored(): CurrentReturn[] {
  return chartReturns().map((entry) => ({
    site: entry.site,
    period: `2025-26-Q${entry.period.quarter}`,
    submissionId: entry.submissionId,
    receivedAt: entry.receivedAt,
    sequencer: '1',
    status: 'accepted',
    dictionaryVersion: entry.dictionaryVersion,
    counts,
    values: entry.values,
  }));
}

function storeOf(returns: CurrentReturn[]) {
  return { currentReturns: async (period: string) => returns.filter((entry) => entry.period === period) };
}

const filter = (overrides: Partial<ExportFilter> = {}): ExportFilter => ({
  ...checkExportRequest({ from: '2025-26-Q1', to: '2025-26-Q4' }, reference),
  ...overrides,
});

async function collect(returns: CurrentReturn[], f: ExportFilter) {
  const rows = [];
  for await (const row of exportRows({ store: storeOf(returns), reference, clock: () => new Date() }, f))
    rows.push(row);
  return rows;
}

async function exported(format: ExportFormat, returns: CurrentReturn[], f: ExportFilter): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  await exportReturns(
    { store: storeOf(returns), reference, clock: () => new Date('2026-02-01T10:00:00Z') },
    f,
    format,
    out,
    'the test store',
  );
  await new Promise<void>((resolve) => out.end(resolve));
  return Buffer.concat(chunks);
}

describe('the filter', () => {
  const refused = (request: Parameters<typeof checkExportRequest>[0]) => {
    try {
      checkExportRequest(request, reference);
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it.each([
    [
      { from: '2025-26-Q1', to: '2124-25-Q4' },
      `2025-26-Q1 to 2124-25-Q4 is 400 quarters (100 years); one download covers at most ${MAX_EXPORT_QUARTERS} quarters (10 years). Narrow the range, or make several downloads.`,
    ],
    [{ from: '2025-26-Q3', to: '2025-26-Q1' }, 'The range runs backwards: 2025-26-Q3 is after 2025-26-Q1.'],
    [
      { from: '2025-26-Q5', to: '2025-26-Q1' },
      '--from: "2025-26-Q5" has no quarter 5: a financial year has quarters Q1 to Q4.',
    ],
    [
      { from: '2024-25-Q1', to: '2025-26-Q1' },
      '2024-25-Q1 is outside the programme, which runs from 2025-26-Q1 to 2034-35-Q4.',
    ],
    [
      { from: '2025-26-Q1', to: '2025-26-Q2', sites: ['BLK', 'XYZ'] },
      'There is no site "XYZ". The sites are BLK (Blackpool), BFD (Bradford), LAM (Lambeth), NOT (Nottingham), SEN (Southend).',
    ],
    [
      { from: '2025-26-Q1', to: '2025-26-Q2', sections: ['Z'] },
      'There is no section "Z". The sections are A (About), B (How much), C (How well), D (Better off), E (Money), F (Commentary).',
    ],
    [
      { from: '2025-26-Q1', to: '2025-26-Q2', domains: ['FOOD'] },
      'There is no outcome domain "FOOD". The domains are SED (social and emotional development), CLD (communication and language development), DN (diet and nutrition), SYS (systems change).',
    ],
    [{}, 'Say which quarters to export with --from and --to, like --from 2025-26-Q1 --to 2025-26-Q4.'],
  ])('refuses %j', (request, message) => {
    expect(refused(request)).toBe(message);
  });

  it('takes sites in any case, lists with commas, and sections by ID or sheet name', () => {
    const checked = checkExportRequest(
      {
        from: '2025-26-Q1',
        to: '2025-26-Q4',
        sites: ['blk, lam', 'BLK'],
        sections: ['better off', 'e'],
        domains: ['dn'],
      },
      reference,
    );
    expect(checked).toMatchObject({ sites: ['BLK', 'LAM'], sections: ['D', 'E'], domains: ['DN'] });
  });
});

describe('the rows', () => {
  it('one row per site, quarter and item, with units, dictionary version and the submission', async () => {
    const rows = await collect(stored(), filter({ sites: ['BLK'] }));
    const dictionary = reference.dictionaries.get('2025-26');
    const itemRows = rows.filter((row) => row.row === undefined);
    expect(itemRows).toHaveLength(4 * dictionary.items.length);
    const due = rows.find((row) => row.itemId === 'BF.DUE' && row.period === '2025-26-Q2');
    const values = stored().find((entry) => entry.site === 'BLK' && entry.period === '2025-26-Q2')?.values;
    expect(due).toMatchObject({
      site: 'BLK',
      dictionaryVersion: '2025-26',
      section: 'D',
      unit: 'infants',
      value: values?.items['BF.DUE'],
      reported: true,
      submissionId: 'BLK-2',
    });
    expect(new Set(rows.map((row) => `${row.site} ${row.period} ${row.itemId} ${row.row ?? ''}`)).size).toBe(
      rows.length,
    );
  });

  it('a blank item is a row marked not reported, never a zero', async () => {
    const returns = stored();
    const first = returns[0] as CurrentReturn;
    const { 'QUAL.SATISFIED': _gone, ...items } = first.values.items;
    returns[0] = { ...first, values: { ...first.values, items } };
    const rows = await collect(returns, filter({ sites: [first.site] }));
    const row = rows.find((r) => r.itemId === 'QUAL.SATISFIED' && r.period === first.period);
    expect(row?.reported).toBe(false);
    expect(row?.value).toBeUndefined();
  });

  it('a domain keeps its indicators’ items, the spend on it and its services rows only', async () => {
    const rows = await collect(stored(), filter({ sites: ['LAM'], domains: ['DN'] }));
    const items = new Set(rows.filter((row) => row.row === undefined).map((row) => row.itemId));
    // The items of IND.BF_68W, IND.SATOD and IND.LBW (the DN indicators) and their groups, and spend on DN.
    expect([...items].sort()).toEqual([
      'BF.DUE',
      'BF.NONE',
      'BF.PARTIAL',
      'BF.TOTAL',
      'BF.UNKNOWN',
      'FIN.SPEND_DN',
      'LBW.TERM_BIRTHS',
      'LBW.TERM_LT2500',
      'SATOD.MAT',
      'SATOD.NONSMOKER',
      'SATOD.SMOKER',
      'SATOD.UNKNOWN',
    ]);
    expect(items.has('BF.DUE')).toBe(true);
    expect(items.has('ACT.SESSIONS')).toBe(false);
    const domains = rows.filter((row) => row.itemId === 'SERVICES.DOMAIN').map((row) => row.value);
    expect(domains.length).toBeGreaterThan(0);
    expect(new Set(domains)).toEqual(new Set(['DN']));
    expect(rows.some((row) => row.itemId.startsWith('EXPLANATIONS.'))).toBe(false);
  });

  it('a section keeps its items and tables only', async () => {
    const rows = await collect(stored(), filter({ sections: ['B'] }));
    expect(new Set(rows.map((row) => row.section))).toEqual(new Set(['B']));
    expect(rows.some((row) => row.itemId === 'SERVICES.SESSIONS' && row.row === 1)).toBe(true);
  });
});

describe('the formats', () => {
  const hostile = () => {
    const returns = stored().filter((entry) => entry.site === 'BLK' && entry.period === '2025-26-Q1');
    const entry = returns[0] as CurrentReturn;
    const services = [...(entry.values.tables.SERVICES ?? [])];
    services[0] = { ...services[0], NAME: '@SUM(1+1)*cmd|" /C calc"!A0' };
    returns[0] = {
      ...entry,
      values: {
        items: {
          ...entry.values.items,
          'NOTE.HIGHLIGHTS': '=HYPERLINK("http://evil.example","click")',
          'META.CONTACT_NAME': '+44 20 7946 0000',
        },
        tables: { ...entry.values.tables, SERVICES: services },
      },
    };
    return returns;
  };
  const notes = filter({ sites: ['BLK'], sections: ['A', 'B', 'F'] });

  it('CSV: text starting = + - @ is prefixed so Excel shows it as text; numbers stay numbers; a BOM for Excel', async () => {
    const text = (await exported('csv', hostile(), notes)).toString('utf8');
    expect(text.startsWith('\uFEFFPeriod,Site,Dictionary version,')).toBe(true);
    expect(text).toContain(
      `NOTE.HIGHLIGHTS,Highlights and context,,"'=HYPERLINK(""http://evil.example"",""click"")"`,
    );
    expect(text).toContain(",'+44 20 7946 0000,");
    expect(text).toContain(`"'@SUM(1+1)*cmd|"" /C calc""!A0"`);
    const line = text.split('\r\n').find((l) => l.includes(',ACT.SESSIONS,')) as string;
    expect(line).toMatch(/,\d+,sessions,yes,/);
    // No cell anywhere begins with a formula character.
    for (const row of text.split('\r\n').slice(1)) {
      for (const cell of row.split(',')) expect(cell.replace(/^"/, '')).not.toMatch(/^[=+@]/);
    }
  });

  it('xlsx: the same text arrives as text, never a formula', async () => {
    const bytes = await exported('xlsx', hostile(), notes);
    const contents = readWorkbook(await preflight(bytes), { ...DEFAULT_READER_LIMITS, blockColumns: 12 });
    const cells = [...contents.cellsOf('Data')];
    const highlight = cells.find(
      (cell) => cell.value?.type === 'string' && cell.value.text.startsWith('=HYPERLINK'),
    );
    expect(highlight?.value).toMatchObject({
      type: 'string',
      text: '=HYPERLINK("http://evil.example","click")',
    });
    expect(cells.some((cell) => cell.formula !== undefined)).toBe(false);
  });

  it('JSON: one document, the rows in column order, values as they were', async () => {
    const parsed = JSON.parse((await exported('json', hostile(), notes)).toString('utf8'));
    expect(parsed.filter).toEqual({
      from: '2025-26-Q1',
      to: '2025-26-Q4',
      sites: ['BLK'],
      sections: ['A', 'B', 'F'],
      domains: [],
    });
    const note = parsed.rows.find((row: { itemId: string }) => row.itemId === 'NOTE.HIGHLIGHTS');
    expect(note.value).toBe('=HYPERLINK("http://evil.example","click")');
    expect(Object.keys(parsed.rows[0]).slice(0, 3)).toEqual(['period', 'site', 'dictionaryVersion']);
    const empty = JSON.parse((await exported('json', [], notes)).toString('utf8'));
    expect(empty.rows).toEqual([]);
  });

  it.each(['csv', 'json', 'xlsx'] as const)(
    '%s: two years of five sites stream through a slow reader',
    async (format) => {
      const year = stored();
      const decade: CurrentReturn[] = [];
      for (let offset = 0; offset < 2; offset++) {
        for (const entry of year) {
          const startYear = 2025 + offset;
          decade.push({
            ...entry,
            period: `${startYear}-${String((startYear + 1) % 100).padStart(2, '0')}${entry.period.slice(7)}`,
          });
        }
      }
      let bytes = 0;
      let waits = 0;
      const slow = new Writable({
        highWaterMark: 16 * 1024,
        write(chunk, _encoding, done) {
          bytes += chunk.length;
          waits++;
          setImmediate(done);
        },
      });
      const range = checkExportRequest({ from: '2025-26-Q1', to: '2026-27-Q4' }, reference);
      const written = await exportReturns(
        { store: storeOf(decade), reference, clock: () => new Date() },
        range,
        format,
        slow,
        'test',
      );
      await new Promise<void>((resolve) => slow.end(resolve));
      expect(written.returns).toBe(decade.length);
      expect(written.rows).toBeGreaterThan(decade.length * 100);
      expect(bytes).toBeGreaterThan(written.rows * 10);
      expect(waits).toBeGreaterThan(10);
    },
  );
});
