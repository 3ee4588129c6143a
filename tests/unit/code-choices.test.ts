/** A code as the template's dropdown offers it ("Diet and nutrition (DN)") is read back as its code. */
import { describe, expect, it } from 'vitest';
import { codeChoice, findCode } from '../../functions/src/dictionary/code-choices.js';
import { testReference } from '../support/reference.js';
import { filledReturn, validate, validValues } from '../support/returns.js';

const codes = testReference().dictionaries.get('2025-26').codeLists.get('domain') ?? [];

describe('code choices', () => {
  it.each([
    ['DN', 'DN'],
    [' dn ', 'DN'],
    ['Diet and nutrition (DN)', 'DN'],
    ['diet  and nutrition (dn)', 'DN'],
    ['Diet and nutrition', 'DN'],
    ['Systems change (SYS)', 'SYS'],
  ])('reads %j as %s', (text, code) => {
    expect(findCode(codes, text)?.code).toBe(code);
  });

  it.each(['Diet and nutrition (SED)', 'Diet', 'XX', ''])('refuses %j', (text) => {
    expect(findCode(codes, text)).toBeUndefined();
  });

  it('writes plain words with the code in brackets', () => {
    expect(codes.map(codeChoice)).toContain('Social and emotional development (SED)');
  });

  it('accepts a return whose services table holds the dropdown’s words, keeping the codes', async () => {
    const values = validValues('BLK', '2025-26-Q2', 4);
    const services = (values.tables.SERVICES ?? []).map((row) => ({
      ...row,
      DOMAIN: codeChoice(codes.find((code) => code.code === row.DOMAIN) ?? { code: '', label: '' }),
    }));
    expect(services[0]?.DOMAIN).toMatch(/ \((SED|CLD|DN|SYS)\)$/);
    const report = await validate(
      await filledReturn({ items: values.items, tables: { ...values.tables, SERVICES: services } }),
    );
    expect(report.status).toBe('accepted');
    expect(report.values?.tables.SERVICES?.map((row) => row.DOMAIN)).toEqual(
      values.tables.SERVICES?.map((row) => row.DOMAIN),
    );
  });
});
