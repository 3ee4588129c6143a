import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReferenceDataError } from '../../functions/src/errors.js';
import { Benchmarks } from '../../functions/src/programme/benchmarks.js';
import { testReference } from '../support/reference.js';

function load(yaml: string): Benchmarks {
  const file = join(mkdtempSync(join(tmpdir(), 'benchmarks-')), 'england.yaml');
  writeFileSync(file, yaml);
  return Benchmarks.load(
    file,
    new Set(
      testReference().dictionaries.versions.flatMap((d) => d.indicators.map((indicator) => indicator.id)),
    ),
  );
}

const entry = (indicator: string, value: string, year = '2025-26') =>
  `  - indicator: ${indicator}\n    year: ${year}\n    value: ${value}\n    covers: 2023-24\n    source: A statistical release\n`;

describe('the England benchmarks file', () => {
  it('loads the real file and finds the value in force for a year', () => {
    const { benchmarks } = testReference();
    expect(benchmarks.for('IND.BF_68W', 2025)?.value).toBe(0.527);
    expect(benchmarks.for('IND.BF_68W', 2027)?.value).toBe(0.527);
    expect(benchmarks.for('IND.BF_68W', 2024)).toBeUndefined();
    expect(benchmarks.for('IND.LBW', 2025)).toBeUndefined();
    expect(benchmarks.for('IND.SATOD', 2025)?.secondary).toBe(true);
  });

  it('refuses an indicator no dictionary defines, with a clear message', () => {
    expect(() => load(`benchmarks:\n${entry('IND.BREASTFEEDING', '0.5')}`)).toThrow(
      /benchmarks\[0\]\.indicator: no dictionary defines the indicator IND\.BREASTFEEDING/,
    );
  });

  it.each([
    [
      'a percentage where a proportion belongs',
      '52.7',
      /^benchmarks\[0\]\.value: should be a proportion from 0 to 1 \(52\.7% is 0\.527\)$/m,
    ],
    ['text', '"about half"', /value: should be a number, not "about half"/],
  ])('refuses %s', (_what, value, message) => {
    let error: unknown;
    try {
      load(`benchmarks:\n${entry('IND.BF_68W', value)}`);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ReferenceDataError);
    expect((error as ReferenceDataError).problems.join('\n')).toMatch(message);
  });

  it('refuses two values for one indicator and year', () => {
    expect(() => load(`benchmarks:\n${entry('IND.BF_68W', '0.5')}${entry('IND.BF_68W', '0.52')}`)).toThrow(
      /IND\.BF_68W has two values for 2025-26/,
    );
  });
});
