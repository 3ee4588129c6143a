/**
 * The generated template, read back by independent programs: openpyxl reads
 * what exceljs wrote, and LibreOffice re-saves it as a partnership might.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CANNOT_REPORT_POLICY } from '../../functions/src/dictionary/reporting-policy.js';
import {
  COLUMNS,
  HEADER_ROW,
  howToSend,
  layoutSections,
  REQUIRED_MARK,
  TABLE_FIRST_COLUMN,
  WHAT_HAPPENS_NEXT,
} from '../../functions/src/template/template-layout.js';
import {
  hasLibreOffice,
  hasOpenpyxl,
  type ProbedWorkbook,
  probeWorkbook,
  resaveWithLibreOffice,
} from '../support/outside-programs.js';
import { blankTemplate, testReference } from '../support/reference.js';

const dictionary = testReference().dictionaries.get('2025-26');

function expectEveryNamedInput(probe: ProbedWorkbook, { protectionKept = true } = {}) {
  for (const item of dictionary.items) {
    const name = probe.names[item.id];
    expect(name, `${item.id} has a defined name`).toBeDefined();
    expect(name?.localSheetId ?? null, `${item.id} is workbook-scoped`).toBeNull();
    expect(name?.targets, `${item.id} points at exactly one cell`).toHaveLength(1);
    const target = name?.targets[0];
    expect(target?.sheet, `${item.id} is on its section's sheet`).toBe(item.sectionSpec.sheet);
    expect(target?.ref).toMatch(/^[A-Z]+\d+$/);
    if (protectionKept) expect(target?.locked, `${item.id} is unlocked`).toBe(false);
  }
  for (const table of dictionary.tables) {
    for (const column of table.columns) {
      const target = probe.names[column.name]?.targets[0];
      expect(target?.sheet, column.name).toBe(table.sectionSpec.sheet);
      const [first, last] = (target?.ref ?? '').split(':');
      expect(
        Number(last?.replace(/^[A-Z]+/, '')) - Number(first?.replace(/^[A-Z]+/, '')) + 1,
        column.name,
      ).toBe(table.rows);
    }
  }
}

describe.runIf(hasOpenpyxl)('the template, read by openpyxl', () => {
  // In beforeAll, not while vitest collects: it runs the bodies of skipped describes too.
  let bytes: Buffer;
  let probe: ProbedWorkbook;
  beforeAll(async () => {
    bytes = await blankTemplate('BLK', '2025-26-Q2');
    probe = probeWorkbook(bytes, { cells: ['_meta', 'About'] });
  });

  it('has instructions first, one sheet per section and a very hidden metadata sheet', () => {
    expect(probe.sheets.map((sheet) => sheet.title)).toEqual([
      'Instructions',
      ...dictionary.sections.map((section) => section.sheet),
      '_meta',
    ]);
    expect(probe.sheets.at(-1)?.state).toBe('veryHidden');
    expect(probe.sheets.every((sheet) => sheet.protected)).toBe(true);
    expect(probe.sheets.find((sheet) => sheet.title === 'Better off')?.freeze).toBe('A6');
  });

  it('gives every item exactly one named, unlocked input cell on the right sheet', () => {
    expectEveryNamedInput(probe);
    const names = Object.keys(probe.names);
    expect(names).toHaveLength(
      dictionary.items.length + dictionary.tables.reduce((n, table) => n + table.columns.length, 0),
    );
  });

  it('prefills the site and period and records the metadata', () => {
    expect(probe.names['META.SITE']?.targets[0]?.value).toBe('BLK');
    expect(probe.names['META.PERIOD']?.targets[0]?.value).toBe('2025-26-Q2');
    const meta = probe.cells._meta ?? {};
    const value = (key: string) =>
      Object.entries(meta)
        .find(([ref, v]) => ref.startsWith('A') && v === key)?.[0]
        .replace('A', 'B');
    expect(meta[value('templateId') ?? '']).toBe('monitoring-returns/quarterly-return');
    expect(meta[value('dictionaryVersion') ?? '']).toBe('2025-26');
    expect(meta[value('site') ?? '']).toBe('BLK');
    expect(meta[value('period') ?? '']).toBe('2025-26-Q2');
  });

  it('validates every input with Excel data validation and shows its definition', () => {
    for (const item of dictionary.items) {
      const target = probe.names[item.id]?.targets[0];
      const rules = probe.validations[item.sectionSpec.sheet] ?? [];
      const rule = rules.find((candidate) => candidate.sqref.split(' ').includes(target?.ref ?? ''));
      expect(rule, `${item.id} has a validation`).toBeDefined();
      expect(rule?.showInputMessage).toBe(true);
      expect(item.definition.startsWith((rule?.prompt ?? '').replace(/…$/, '')), `${item.id} prompt`).toBe(
        true,
      );
      const expectedType = {
        count: 'whole',
        money: 'decimal',
        date: 'date',
        text: 'textLength',
        email: 'textLength',
        code: 'list',
        site: 'list',
        period: 'list',
      }[item.type];
      expect(rule?.type, item.id).toBe(expectedType);
    }
    const services = probe.validations['How much']?.find(
      (rule) => rule.sqref === probe.names['SERVICES.DOMAIN']?.targets[0]?.ref,
    );
    // Plain words with the code in brackets; the validator reads either back.
    expect(services?.formula1).toBe(
      '"Social and emotional development (SED),Communication and language development (CLD),Diet and nutrition (DN),Systems change (SYS)"',
    );
  });

  it('writes validations as ranges that never overlap', () => {
    for (const [sheet, rules] of Object.entries(probe.validations)) {
      const seen = new Set<string>();
      for (const rule of rules) {
        for (const cell of expandRefs(rule.sqref)) {
          expect(seen.has(cell), `${sheet}!${cell} is in two validations`).toBe(false);
          seen.add(cell);
        }
      }
    }
  });

  it('agrees with the layout the writer planned', () => {
    for (const layout of layoutSections(dictionary)) {
      for (const row of layout.rows) {
        if (row.kind === 'item') expect(probe.names[row.item.id]?.targets[0]?.ref).toBe(`C${row.row}`);
      }
    }
  });
});

describe.runIf(hasOpenpyxl)('what the template tells a person, read by openpyxl', () => {
  const { programme } = testReference();
  // Probed in beforeAll, so the block skips honestly where openpyxl is missing.
  let probe: ProbedWorkbook;
  let instructions: string[];
  beforeAll(async () => {
    const bytes = await blankTemplate('BLK', '2025-26-Q2');
    probe = probeWorkbook(bytes, { cells: ['Instructions', ...dictionary.sections.map((s) => s.sheet)] });
    instructions = Object.values(probe.cells.Instructions ?? {}).map(String);
  });

  it('says where to send it, from the programme settings, and what happens next', () => {
    expect(programme.portalUrl).toBeDefined();
    expect(instructions).toContain('How to send it');
    expect(instructions).toContain(howToSend(programme.portalUrl, programme.helpEmail));
    expect(instructions.join('\n')).toContain(`upload it on the portal at ${programme.portalUrl}`);
    expect(instructions).toContain(WHAT_HAPPENS_NEXT);
    expect(WHAT_HAPPENS_NEXT).toMatch(/^Within minutes of sending it you receive an email/);
    expect(instructions.join('\n')).toContain(`Email ${programme.helpEmail}`);
  });

  it('states the "cannot report" policy in the one shared sentence, on the Instructions and every sheet', () => {
    expect(instructions).toContain(`•  ${CANNOT_REPORT_POLICY}`);
    expect(instructions.join('\n')).not.toMatch(/leave a cell blank only when you cannot report/i);
    for (const section of dictionary.sections) {
      expect(probe.cells[section.sheet]?.A4, section.sheet).toBe(CANNOT_REPORT_POLICY);
    }
  });

  it('marks every item Required or Optional in words, beside its input', () => {
    for (const layout of layoutSections(dictionary)) {
      const cells = probe.cells[layout.section.sheet] ?? {};
      expect(cells[`${COLUMNS.required}${HEADER_ROW}`]).toBe('Required?');
      for (const row of layout.rows) {
        if (row.kind !== 'item') continue;
        const mark = row.item.required ? REQUIRED_MARK : 'Optional';
        // A long text box covers the column, so its label says it instead.
        const where =
          row.item.type === 'text' && (row.item.maxLength ?? 0) > 200 ? COLUMNS.label : COLUMNS.required;
        expect(String(cells[`${where}${row.row}`]), row.item.id).toContain(mark);
      }
    }
    expect(dictionary.items.filter((item) => item.required).length).toBeGreaterThan(50);
  });

  it('shows each table column’s definition under its heading, with code lists in plain words', () => {
    for (const layout of layoutSections(dictionary)) {
      for (const placement of layout.tables) {
        const cells = probe.cells[layout.section.sheet] ?? {};
        placement.table.columns.forEach((column, index) => {
          const letter = String.fromCharCode(64 + TABLE_FIRST_COLUMN + index);
          expect(cells[`${letter}${placement.headerRow}`]).toBe(column.label);
          const definition = String(cells[`${letter}${placement.definitionsRow}`]);
          expect(definition.startsWith(column.definition), column.name).toBe(true);
        });
      }
    }
    const services = layoutSections(dictionary)
      .flatMap((layout) => layout.tables)
      .find((placement) => placement.table.id === 'SERVICES');
    const domain = String(probe.cells['How much']?.[`C${services?.definitionsRow}`]);
    expect(domain).toContain('Diet and nutrition (DN)');
    // R13 needs a name and a domain in every used row; the sheet says so where it is filled in.
    expect(domain).toContain(`${REQUIRED_MARK} in every row you use.`);
    expect(String(probe.cells['How much']?.[`D${services?.definitionsRow}`])).not.toContain(REQUIRED_MARK);
  });

  it('prints each table under its own header, not the item grid’s', () => {
    for (const layout of layoutSections(dictionary)) {
      const sheet = probe.sheets.find((entry) => entry.title === layout.section.sheet);
      const [first] = layout.tables;
      if (!first) {
        expect(sheet?.printTitleRows, layout.section.sheet).toBe(`$${HEADER_ROW}:$${HEADER_ROW}`);
        continue;
      }
      expect(sheet?.printTitleRows, layout.section.sheet).toBe(
        `$${first.headerRow}:$${first.definitionsRow}`,
      );
    }
  });
});

describe.runIf(hasOpenpyxl && hasLibreOffice)('the template after LibreOffice re-saves it', () => {
  let probe: ProbedWorkbook;
  beforeAll(async () => {
    probe = probeWorkbook(resaveWithLibreOffice(await blankTemplate('SEN', '2025-26-Q3')));
  });

  it('still carries every name, pointing at the same cells', () => {
    expectEveryNamedInput(probe);
    expect(probe.names['META.SITE']?.targets[0]?.value).toBe('SEN');
  });
});

describe('a template for the test-only next year', () => {
  it.runIf(hasOpenpyxl)('carries that version’s own items', async () => {
    const probe = probeWorkbook(await blankTemplate('LAM', '2026-27-Q1'));
    expect(probe.names['REACH.NEWREG_Q']).toBeDefined();
    expect(probe.names['REACH.CHILD_SEND_Q']).toBeDefined();
    expect(probe.names['REACH.NEW_Q']).toBeUndefined();
  });
});

function expandRefs(sqref: string): string[] {
  return sqref.split(' ').flatMap((ref) => {
    const [from, to = from] = ref.split(':') as [string, string?];
    const parse = (cell: string) => {
      const match = /^([A-Z]+)(\d+)$/.exec(cell) as RegExpExecArray;
      return { column: match[1] as string, row: Number(match[2]) };
    };
    const a = parse(from);
    const b = parse(to as string);
    if (a.column !== b.column) throw new Error(`multi-column validation ${ref} not expected`);
    return Array.from({ length: b.row - a.row + 1 }, (_, i) => `${a.column}${a.row + i}`);
  });
}
