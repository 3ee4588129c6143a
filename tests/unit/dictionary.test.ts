import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DictionaryRegistry } from '../../functions/src/dictionary/dictionary-registry.js';
import {
  buildDictionary,
  loadDictionary,
  loadDictionaryText,
} from '../../functions/src/dictionary/load-dictionary.js';
import { ReferenceDataError } from '../../functions/src/errors.js';
import { TEMPLATES_DIR } from '../../functions/src/reference/reference-data.js';

const REAL = join(TEMPLATES_DIR, 'dictionaries', '2025-26.yaml');
const NEXT_YEAR_DIR = new URL('../fixtures/dictionaries/', import.meta.url).pathname;

// biome-ignore lint/suspicious/noExplicitAny: the tests break the file on purpose, field by field
type Raw = any;
const realData = (): Raw => parse(readFileSync(REAL, 'utf8'));

function problemsOf(data: unknown): string[] {
  try {
    buildDictionary('broken.yaml', data);
  } catch (error) {
    expect(error).toBeInstanceOf(ReferenceDataError);
    return [...(error as ReferenceDataError).problems];
  }
  throw new Error('the broken dictionary loaded');
}

describe('the 2025-26 dictionary', () => {
  const dictionary = loadDictionary(REAL);

  it('holds every item of the agreed return, once', () => {
    expect(dictionary.items).toHaveLength(57);
    expect(new Set(dictionary.items.map((item) => item.id)).size).toBe(57);
    for (const id of [
      'META.SITE',
      'REACH.CHILD_AGE_3',
      'REACH.CHILD_ETH_UNKNOWN',
      'BF.UNKNOWN',
      'ASQ.ALL5',
      'FIN.SPEND_SYS',
      'NOTE.HIGHLIGHTS',
    ]) {
      expect(dictionary.item(id), id).toBeDefined();
    }
  });

  it('encodes types, constraints and aggregation as the framework agreed', () => {
    expect(dictionary.item('REACH.ELIG_POP')).toMatchObject({
      type: 'count',
      min: 1,
      aggregation: 'snapshot',
    });
    expect(dictionary.item('REACH.CHILD_Q')).toMatchObject({ aggregation: 'unique_quarter' });
    expect(dictionary.item('REACH.CHILD_YTD')).toMatchObject({ aggregation: 'unique_ytd' });
    expect(dictionary.item('FIN.SPEND_Q')).toMatchObject({ type: 'money', aggregation: 'sum' });
    expect(dictionary.item('NOTE.HIGHLIGHTS')).toMatchObject({
      type: 'text',
      maxLength: 2000,
      required: false,
    });
    expect(dictionary.item('META.SIGNOFF_DATE')).toMatchObject({ type: 'date' });
  });

  it('has the services and explanations tables with typed columns', () => {
    expect(dictionary.table('SERVICES')?.columns.map((column) => column.name)).toEqual([
      'SERVICES.NAME',
      'SERVICES.DOMAIN',
      'SERVICES.SESSIONS',
      'SERVICES.ATTEND',
      'SERVICES.USERS',
      'SERVICES.COMPLETED',
    ]);
    expect(dictionary.table('SERVICES')?.rows).toBe(60);
    expect(dictionary.table('EXPLANATIONS')?.columns.map((column) => column.type)).toEqual([
      'code',
      'code',
      'text',
    ]);
    expect(dictionary.services.table.id).toBe('SERVICES');
    expect(dictionary.services.columns.attendances.id).toBe('ATTEND');
    expect(dictionary.explanations.columns.explanation.id).toBe('TEXT');
    expect(dictionary.codeLists.get('explanation_kinds')?.at(-1)?.code).toBe('CANNOT_REPORT');
    expect(dictionary.codeLists.get('return_items')?.[0]?.code).toBe('ALL');
    expect(dictionary.codeLists.get('warning_rules')?.map((code) => code.code)).toEqual([
      'R05',
      'R08',
      'R10',
      'R14',
      'R15',
    ]);
  });

  it('has the nine indicators, with expressions parsed', () => {
    expect(dictionary.indicators.map((indicator) => indicator.id)).toHaveLength(9);
    const satod = dictionary.indicators.find((indicator) => indicator.id === 'IND.SATOD');
    expect(satod?.polarity).toBe('lower');
    expect(satod?.denominatorExpression.terms).toEqual([
      { sign: 1, itemId: 'SATOD.MAT' },
      { sign: -1, itemId: 'SATOD.UNKNOWN' },
    ]);
  });

  it('has rules R01 to R16 with their severities', () => {
    expect(dictionary.rules.map((rule) => rule.id)).toEqual(
      Array.from({ length: 16 }, (_, i) => `R${String(i + 1).padStart(2, '0')}`),
    );
    const warnings = dictionary.rules.filter((rule) => rule.severity === 'warning').map((rule) => rule.id);
    expect(warnings).toEqual(['R05', 'R08', 'R10', 'R14', 'R15']);
    expect(dictionary.rule('R12')).toMatchObject({ kind: 'sum_equals', tolerance: 1 });
  });
});

describe('dictionary versions', () => {
  const registry = DictionaryRegistry.load([join(TEMPLATES_DIR, 'dictionaries'), NEXT_YEAR_DIR]);

  it('loads next year beside this year, each keeping its own items', () => {
    expect(registry.versions.map((dictionary) => dictionary.version)).toEqual(['2025-26', '2026-27']);
    expect(registry.get('2025-26').item('REACH.NEW_Q')).toBeDefined();
    expect(registry.get('2025-26').item('REACH.NEWREG_Q')).toBeUndefined();
    expect(registry.get('2026-27').item('REACH.NEWREG_Q')).toBeDefined();
    expect(registry.get('2026-27').item('REACH.CHILD_SEND_Q')).toBeDefined();
  });

  it('chooses the version in force for a quarter', () => {
    expect(registry.forPeriod({ startYear: 2025, quarter: 4 }).version).toBe('2025-26');
    expect(registry.forPeriod({ startYear: 2026, quarter: 1 }).version).toBe('2026-27');
    expect(registry.forPeriod({ startYear: 2031, quarter: 2 }).version).toBe('2026-27');
    expect(() => registry.forPeriod({ startYear: 2024, quarter: 4 })).toThrow(
      /No dictionary version applies to 2024-25-Q4/,
    );
  });

  it('names the known versions when asked for an unknown one', () => {
    expect(() => registry.get('2030-31')).toThrow(
      'There is no dictionary version "2030-31". The versions are 2025-26, 2026-27.',
    );
  });

  it('refuses a file whose name does not match its version', () => {
    const folder = mkdtempSync(join(tmpdir(), 'dictionaries-'));
    writeFileSync(join(folder, '2027-28.yaml'), readFileSync(REAL, 'utf8'));
    expect(() => DictionaryRegistry.load([folder])).toThrow(
      /holds version 2025-26, so it should be named 2025-26.yaml/,
    );
  });
});

describe('a broken dictionary', () => {
  const cases: Array<[string, (data: Raw) => void, RegExp]> = [
    [
      'an aggregation that does not exist',
      (d) => {
        d.items[12].aggregation = 'avg';
      },
      /^items\[12\] \(\S+\)\.aggregation: "avg" is not one of sum, unique_quarter, unique_ytd, snapshot, text$/,
    ],
    [
      'a rule naming an unknown item',
      (d) => {
        d.rules[0].parts[1] = 'REACH.CHILD_AGE_X';
      },
      /^rules\[0\] \(R01\)\.parts\[1\]: there is no item REACH\.CHILD_AGE_X \(did you mean REACH\.CHILD_AGE_\d\?\)$/,
    ],
    [
      'an indicator naming an unknown item',
      (d) => {
        d.indicators[5].numerator = 'BF.TOTAL + BF.PARTLY';
      },
      /^indicators\[5\] \(IND\.BF_68W\)\.numerator: there is no item BF\.PARTLY \(did you mean BF\.PARTIAL\?\)$/,
    ],
    [
      'a duplicate item ID',
      (d) => {
        d.items[7].id = 'REACH.CHILD_Q';
      },
      /^items\[8\] \(REACH\.CHILD_Q\)\.id: REACH\.CHILD_Q is also the ID of the item at items\[7\] \(REACH\.CHILD_Q\); IDs must be unique$/,
    ],
    [
      'an ID Excel reads as a cell reference',
      (d) => {
        d.items[50].id = 'FIN2025';
      },
      /^items\[50\] \(FIN2025\)\.id: FIN2025 reads as a cell reference in Excel$/,
    ],
    [
      'an ID that is not a valid Excel name',
      (d) => {
        d.items[50].id = 'FIN SPEND';
      },
      /^items\[50\] \(FIN SPEND\)\.id: FIN SPEND is not a valid Excel name/,
    ],
    [
      'a table column without a type',
      (d) => {
        delete d.tables[0].columns[2].type;
      },
      /^tables\[0\] \(SERVICES\)\.columns\[2\] \(SESSIONS\)\.type: is missing$/,
    ],
    [
      'an item in a section that does not exist',
      (d) => {
        d.items[20].section = 'Z';
      },
      /^items\[20\] \(\S+\)\.section: there is no section "Z"$/,
    ],
    [
      'text without a maximum length',
      (d) => {
        delete d.items[2].maxLength;
      },
      /^items\[2\] \(META\.CONTACT_NAME\)\.maxLength: a text value needs a maxLength$/,
    ],
    [
      'a code list that does not exist',
      (d) => {
        d.tables[0].columns[1].codeList = 'domains';
      },
      /^tables\[0\] \(SERVICES\)\.columns\[1\] \(DOMAIN\)\.codeList: there is no code list "domains"/,
    ],
    [
      'a message placeholder the rule never fills',
      (d) => {
        d.rules[6].message = 'The statuses add up to {partSum}.';
      },
      /^rules\[6\] \(R07\)\.message: \{partSum\} is not filled by a sum_equals rule/,
    ],
    [
      'a misspelt field',
      (d) => {
        d.items[3].agregation = d.items[3].aggregation;
        delete d.items[3].aggregation;
      },
      /^items\[3\] \(META\.CONTACT_EMAIL\): "agregation" is not a field here \(is it misspelt\?\)$/,
    ],
    [
      'a rule of an unknown kind',
      (d) => {
        d.rules[3].kind = 'sum_equal';
      },
      /^rules\[3\] \(R04\)\.kind: "sum_equal" is not one of sum_equals, compare/,
    ],
    [
      'a severity that does not exist',
      (d) => {
        d.rules[4].severity = 'info';
      },
      /^rules\[4\] \(R05\)\.severity: "info" is not one of fatal, error, warning$/,
    ],
    [
      'a count with text aggregation',
      (d) => {
        d.items[30].aggregation = 'text';
      },
      /^items\[30\] \(\S+\)\.aggregation: a count value needs a numeric aggregation, not text$/,
    ],
    [
      'a table total naming a missing column',
      (d) => {
        d.rules[12].totals[0].column = 'SESSION';
      },
      /^rules\[12\] \(R13\)\.totals\[0\]\.column: the table SERVICES has no column SESSION/,
    ],
  ];

  it.each(cases)('%s: says exactly what and where', (_name, breakIt, expected) => {
    const data = realData();
    breakIt(data);
    const problems = problemsOf(data);
    expect(
      problems.some((problem) => expected.test(problem)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('lists every problem at once, not just the first', () => {
    const data = realData();
    for (const [, breakIt] of cases.slice(0, 11)) breakIt(data);
    expect(problemsOf(data).length).toBeGreaterThanOrEqual(8);
  });

  it('points at the line of a YAML syntax error', () => {
    expect(() =>
      loadDictionaryText('broken.yaml', 'version: "2025-26"\nitems:\n  - id: A\n   label: x\n'),
    ).toThrow(/line 4, column \d+/);
  });
});
