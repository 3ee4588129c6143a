/**
 * Table roles: the dictionary says which table and column plays each part, and
 * the code reads roles, never IDs. A copy of the dictionary with every table and
 * column ID renamed must check and summarise returns exactly as the original
 * does; one with a role missing or doubled must not load.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type AcceptedReturn, summarise } from '../../functions/src/aggregation/aggregate.js';
import { withExplanations } from '../../functions/src/demo/synthetic-return.js';
import { DictionaryRegistry } from '../../functions/src/dictionary/dictionary-registry.js';
import { buildDictionary, type Dictionary } from '../../functions/src/dictionary/load-dictionary.js';
import { ReferenceDataError } from '../../functions/src/errors.js';
import type { Period } from '../../functions/src/programme/periods.js';
import type { ReturnValues, TableRow } from '../../functions/src/returns/return-values.js';
import { fillTemplate } from '../../functions/src/template/fill-template.js';
import { writeTemplate } from '../../functions/src/template/write-template.js';
import type { HistoricReturn } from '../../functions/src/validation/check-rules.js';
import type { ValidationReport } from '../../functions/src/validation/report.js';
import { validateReturn } from '../../functions/src/validation/validate-return.js';
import { period, testReference } from '../support/reference.js';
import { CHECKED_ON, validYear, withItems } from '../support/returns.js';

const reference = testReference();
const original = reference.dictionaries.get('2025-26');
const sourceText = readFileSync(original.file, 'utf8');

type RawDictionary = {
  tables: Array<{ id: string; role?: string; columns: Array<{ id: string; role?: string; type: string }> }>;
  rules: Array<Record<string, unknown>>;
};

function raw(): RawDictionary {
  return parse(sourceText) as RawDictionary;
}

function loadRaw(data: unknown): Dictionary {
  return buildDictionary('copy.yaml', data);
}

function problemsOf(data: unknown): string[] {
  try {
    loadRaw(data);
  } catch (error) {
    if (error instanceof ReferenceDataError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('roles are checked when a dictionary loads', () => {
  it('gives the code each role of the 2025-26 dictionary', () => {
    expect(original.services.table.id).toBe('SERVICES');
    expect(
      Object.fromEntries(Object.entries(original.services.columns).map(([role, c]) => [role, c.id])),
    ).toEqual({
      service_name: 'NAME',
      domain: 'DOMAIN',
      sessions: 'SESSIONS',
      attendances: 'ATTEND',
      unique_users: 'USERS',
      completed: 'COMPLETED',
    });
    expect(
      Object.fromEntries(Object.entries(original.explanations.columns).map(([role, c]) => [role, c.id])),
    ).toEqual({ rule: 'RULE', item: 'ITEM', explanation: 'TEXT' });
  });

  it.each([
    [
      'a table role missing',
      (d: RawDictionary) => {
        delete d.tables[1]?.role;
      },
      /^tables: no table has the role explanations; one table must be the explanations table .*, marked `role: explanations`$/,
    ],
    [
      'a table role given twice',
      (d: RawDictionary) => {
        (d.tables[1] as { role?: string }).role = 'services';
      },
      /^tables\[1\] \(EXPLANATIONS\)\.role: the role services is already given to tables\[0\] \(SERVICES\); each role belongs to one table$/,
    ],
    [
      'a column role missing',
      (d: RawDictionary) => {
        delete d.tables[0]?.columns[3]?.role;
      },
      /^tables\[0\] \(SERVICES\)\.columns: no column has the role attendances; the services table needs a column for attendances, marked `role: attendances`$/,
    ],
    [
      'a column role given twice',
      (d: RawDictionary) => {
        (d.tables[0]?.columns[4] as { role?: string }).role = 'attendances';
      },
      /^tables\[0\] \(SERVICES\)\.columns\[4\] \(USERS\)\.role: the role attendances is already given to the column ATTEND; each role belongs to one column$/,
    ],
    [
      'a column of the wrong type',
      (d: RawDictionary) => {
        Object.assign(d.tables[0]?.columns[3] ?? {}, { type: 'text', maxLength: 10, aggregation: 'text' });
      },
      /^tables\[0\] \(SERVICES\)\.columns\[3\] \(ATTEND\)\.type: the attendances column \(attendances\) should be count, not text$/,
    ],
    [
      'a role from another table',
      (d: RawDictionary) => {
        (d.tables[0]?.columns[5] as { role?: string }).role = 'explanation';
      },
      /^tables\[0\] \(SERVICES\)\.columns\[5\] \(COMPLETED\)\.role: explanation is not a role in the services table/,
    ],
  ])('refuses %s, saying where and why', (_what, change, message) => {
    const data = raw();
    change(data);
    const problems = problemsOf(data);
    expect(problems, problems.join('\n')).toContainEqual(expect.stringMatching(message));
  });
});

/** Every table and column ID renamed; the rule that names them follows. */
function renamedCopy(): {
  data: RawDictionary;
  tableIds: Map<string, string>;
  columnIds: Map<string, string>;
} {
  const data = raw();
  const tableIds = new Map<string, string>();
  const columnIds = new Map<string, string>();
  for (const table of data.tables) {
    const renamed = `T${tableIds.size + 1}_${table.id.slice(0, 3)}`;
    tableIds.set(table.id, renamed);
    for (const column of table.columns) {
      const id = `${renamed}.${column.id}`;
      columnIds.set(id, `C_${column.id.toLowerCase()}_X`);
      column.id = columnIds.get(id) as string;
    }
    table.id = renamed;
  }
  for (const rule of data.rules) {
    if (rule.kind !== 'table_totals') continue;
    const table = tableIds.get(rule.table as string) as string;
    const column = (id: string) => columnIds.get(`${table}.${id}`) as string;
    rule.table = table;
    rule.totals = (rule.totals as Array<{ column: string; total: string }>).map((t) => ({
      ...t,
      column: column(t.column),
    }));
    rule.unique = column(rule.unique as string);
    rule.requiredInUsedRows = (rule.requiredInUsedRows as string[]).map(column);
  }
  return { data, tableIds, columnIds };
}

/** A return's values keyed by the renamed dictionary's IDs. */
function renameValues(values: ReturnValues, from: Dictionary, to: Dictionary): ReturnValues {
  const tables: Record<string, TableRow[]> = {};
  from.tables.forEach((table, index) => {
    const target = to.tables[index] as Dictionary['tables'][number];
    tables[target.id] = (values.tables[table.id] ?? []).map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([columnId, value]) => [
          target.columns[table.columns.findIndex((column) => column.id === columnId)]?.id,
          value,
        ]),
      ),
    );
  });
  return { ...values, tables };
}

describe('a dictionary copy with every table and column ID renamed', () => {
  const folder = mkdtempSync(join(tmpdir(), 'renamed-dictionary-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const { data } = renamedCopy();
  writeFileSync(join(folder, '2025-26.yaml'), stringify(data));
  const renamedRegistry = DictionaryRegistry.load([folder]);
  const renamed = renamedRegistry.get('2025-26');

  const year = validYear('LAM', 2025, 3);
  const q1 = year[0]?.values as ReturnValues;
  const q2 = year[1]?.values as ReturnValues;
  const history: HistoricReturn[] = [{ period: period('2025-26-Q1'), values: q1 }];
  // An explained R05, an R14 explained for one item and not another, a figure that cannot be
  // reported, a stray explanation, and (in the second return) a services table that disagrees.
  const warned = withExplanations(
    original,
    withItems(q2, {
      'REACH.CHILD_YTD': (q2.items['REACH.ELIG_POP'] as number) + 5,
      'QUAL.REFERRALS': (q1.items['QUAL.REFERRALS'] as number) * 3,
      'QUAL.FEEDBACK_N': (q1.items['QUAL.FEEDBACK_N'] as number) * 4,
      'HV.DUE_2Y': undefined,
    }),
    [
      { rule: 'R05', item: 'REACH.CHILD_YTD', explanation: 'Families moved into new housing.' },
      { rule: 'R14', item: 'QUAL.REFERRALS', explanation: 'A new referral route opened.' },
      { rule: 'CANNOT_REPORT', item: 'HV.DUE_2Y', explanation: 'The provider’s extract failed.' },
      { rule: 'R10', item: 'ALL', explanation: 'Nothing to do with this return.' },
    ],
  );
  const servicesRows = q2.tables[original.services.table.id] ?? [];
  const sessions = original.services.columns.sessions.id;
  const rejected = {
    ...q2,
    tables: {
      ...q2.tables,
      [original.services.table.id]: servicesRows.map((row, index) =>
        index === 0 ? { ...row, [sessions]: (row[sessions] as number) + 7 } : row,
      ),
    },
  };

  async function validateWith(dictionary: Dictionary, registry: DictionaryRegistry, values: ReturnValues) {
    const p = period('2025-26-Q2');
    const template = await writeTemplate({
      dictionary,
      programme: reference.programme,
      site: reference.sites.get('LAM'),
      sites: reference.sites.sites,
      period: p,
      generatedAt: new Date('2025-10-01T09:00:00Z'),
    });
    return validateReturn(await fillTemplate(template, values), {
      dictionaries: registry,
      sites: reference.sites,
      programme: reference.programme,
      expectedSite: 'LAM',
      now: CHECKED_ON,
      history,
    });
  }

  /** A report with its values keyed by table position, so the two can be compared. */
  function comparable(report: ValidationReport, dictionary: Dictionary) {
    const { checkedAt: _checkedAt, file: _file, values, ...rest } = report;
    return {
      ...rest,
      values: values && {
        ...values,
        tables: dictionary.tables.map((table) =>
          (values.tables[table.id] ?? []).map((row) => table.columns.map((column) => row[column.id] ?? null)),
        ),
      },
    };
  }

  it.each([
    ['an accepted return with warnings and explanations', warned],
    ['a return whose services table disagrees', rejected],
  ])('gives the same report for %s', async (_what, values) => {
    const before = await validateWith(original, reference.dictionaries, values);
    const after = await validateWith(renamed, renamedRegistry, renameValues(values, original, renamed));
    expect(comparable(after, renamed)).toEqual(comparable(before, original));
    expect(before.findings.length).toBeGreaterThan(0);
  });

  it('explains, and leaves unexplained, the same warnings in both', async () => {
    const report = await validateWith(renamed, renamedRegistry, renameValues(warned, original, renamed));
    expect(report.status).toBe('accepted-with-warnings');
    const r14 = report.findings.filter((finding) => finding.code === 'R14');
    expect(r14.map((finding) => [finding.itemId, finding.explanation])).toEqual([
      ['QUAL.REFERRALS', 'A new referral route opened.'],
      ['QUAL.FEEDBACK_N', undefined],
    ]);
    expect(report.values?.notReported).toEqual(['HV.DUE_2Y']);
    expect(report.findings.find((f) => f.code === 'explanation.unmatched')?.severity).toBe('notice');
  });

  it('gives the same summary figures, services by domain included', async () => {
    const accepted = (values: ReturnValues, site: string, periodText: string): AcceptedReturn => ({
      site,
      period: period(periodText),
      dictionaryVersion: '2025-26',
      submissionId: `${site} ${periodText}`,
      receivedAt: '2025-10-20T00:00:00Z',
      values,
    });
    const summaryWith = (dictionary: Dictionary, rename: boolean) => {
      const values = (v: ReturnValues) => (rename ? renameValues(v, original, dictionary) : v);
      return summarise({
        startYear: 2025,
        quarters: [period('2025-26-Q1'), period('2025-26-Q2')] as Period[],
        sites: ['LAM', 'BLK'],
        returns: [
          accepted(values(q1), 'LAM', '2025-26-Q1'),
          accepted(values(q2), 'BLK', '2025-26-Q2'),
          accepted(values({ ...warned, notReported: ['HV.DUE_2Y'] }), 'LAM', '2025-26-Q2'),
        ],
        dictionaryFor: () => dictionary,
        dictionaryForPeriod: () => dictionary,
        benchmarks: reference.benchmarks,
      });
    };
    const before = summaryWith(original, false);
    const after = summaryWith(renamed, true);
    const figures = (summary: ReturnType<typeof summarise>) => ({
      programmeQuarter: [...summary.programmeQuarter].map(([p, level]) => [
        p,
        [...level.items],
        [...level.indicators],
      ]),
      siteQuarter: [...summary.siteQuarter].map(([key, level]) => [key, [...level.items]]),
      programmeYearToDate: [...summary.programmeYearToDate.items],
      servicesByDomain: [...summary.servicesByDomain],
    });
    expect(figures(after)).toEqual(figures(before));
    const q2Services = before.servicesByDomain.get('2025-26-Q2') ?? [];
    expect(q2Services.reduce((sum, domain) => sum + domain.attendances, 0)).toBeGreaterThan(0);
  });
});
