/**
 * Every hostile or malformed upload is refused with one clear fatal finding,
 * never a crash or a hang. Built on a valid filled return, so a case that is not
 * refused (a whole-column validation, which Excel itself writes) must come out
 * exactly as the clean file does. Time and memory are measured by `npm run bench`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { REFUSALS } from '../../functions/src/reading/refusal.js';
import { makeHostileCases } from '../fixtures/hostile-workbooks.js';
import { filledReturn, validate, validValues } from '../support/returns.js';

const EXPECTED: Record<string, keyof typeof REFUSALS | 'same as clean'> = {
  empty: 'file.empty',
  'not-a-zip': 'file.not_xlsx',
  'html-renamed': 'file.html',
  'csv-renamed': 'file.text',
  'pdf-renamed': 'file.pdf',
  'truncated-zip': 'file.damaged',
  'password-protected': 'file.encrypted',
  'xls-old': 'file.old_format',
  xlsm: 'file.macros',
  'macro-renamed': 'file.macros',
  activex: 'file.embedded_objects',
  'embedded-binary': 'file.embedded_objects',
  'zip-bomb-300mb': 'file.too_much_content',
  'zip-bomb-2gb': 'file.too_much_content',
  'lying-sizes': 'file.damaged',
  'billion-laughs': 'file.unsafe_xml',
  'external-entity': 'file.unsafe_xml',
  'dv-whole-columns': 'same as clean',
  'dv-whole-sheet': 'same as clean',
  'merge-whole-sheet': 'same as clean',
  'row-2-billion': 'file.damaged',
  'million-rows': 'file.too_many_rows',
  'huge-shared-string': 'file.text_too_long',
  'too-many-entries': 'file.too_much_content',
  'entry-name-traversal': 'file.damaged',
};

describe('hostile and malformed uploads', () => {
  let clean: Buffer;
  beforeAll(async () => {
    clean = await filledReturn(validValues());
  });

  it('covers every hostile case the fixtures build', () => {
    expect(
      makeHostileCases()
        .map((entry) => entry.name)
        .sort(),
    ).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(makeHostileCases({ sheet: 'How much' }).map((entry) => [entry.name, entry] as const))(
    '%s',
    async (name, hostile) => {
      const bytes = await hostile.build(clean);
      const report = await validate(bytes, { fileName: `${name}.xlsx` });
      const expected = EXPECTED[name];
      if (expected === 'same as clean') {
        const baseline = await validate(clean, { fileName: `${name}.xlsx` });
        expect(report.status).toBe(baseline.status);
        expect(report.findings.map((finding) => finding.code)).toEqual(
          baseline.findings.map((finding) => finding.code),
        );
        return;
      }
      expect(report.status).toBe('rejected');
      expect(report.findings).toHaveLength(1);
      const [finding] = report.findings;
      expect(finding?.severity).toBe('fatal');
      expect(finding?.code).toBe(expected);
      // Plain words a grant holder can act on: no placeholders, no internals.
      expect(finding?.message).not.toMatch(/\{\w+\}|Error:|undefined|\bat \w+ \(/);
      expect(finding?.message.length).toBeGreaterThan(60);
    },
    20_000,
  );
});
