import { describe, expect, it } from 'vitest';
import {
  formatPeriod,
  parsePeriod,
  periodContaining,
  periodEnd,
  periodStart,
  previousPeriod,
} from '../../functions/src/programme/periods.js';
import { period, testReference } from '../support/reference.js';

describe('periods', () => {
  it.each([
    ['2025-26-Q1', '2025-04-01', '2025-06-30', '2025-07-30'],
    ['2025-26-Q2', '2025-07-01', '2025-09-30', '2025-10-30'],
    ['2025-26-Q3', '2025-10-01', '2025-12-31', '2026-01-30'],
    ['2025-26-Q4', '2026-01-01', '2026-03-31', '2026-04-30'],
  ])('%s runs %s to %s and is due %s', (text, start, end, due) => {
    const p = period(text);
    expect(periodStart(p)).toBe(start);
    expect(periodEnd(p)).toBe(end);
    expect(testReference().programme.dueDate(p)).toBe(due);
  });

  it.each([
    ['2025-26-Q5', 'has no quarter 5'],
    ['2025-27-Q1', 'is not a financial year: 2025 is followed by 26'],
    ['2025-Q1', 'is not a quarter'],
    ['', 'is not a quarter'],
  ])('refuses %j: %s', (text, reason) => {
    const parsed = parsePeriod(text);
    expect('problem' in parsed && parsed.problem).toContain(reason);
  });

  it('finds the quarter of a date and steps back across a year', () => {
    expect(formatPeriod(periodContaining('2026-11-25'))).toBe('2026-27-Q3');
    expect(formatPeriod(periodContaining('2026-03-31'))).toBe('2025-26-Q4');
    expect(formatPeriod(previousPeriod(period('2026-27-Q1')))).toBe('2025-26-Q4');
  });

  it('knows the programme runs ten years', () => {
    const { programme } = testReference();
    expect(programme.includes(period('2034-35-Q4'))).toBe(true);
    expect(programme.includes(period('2035-36-Q1'))).toBe(false);
    expect(() => programme.requirePeriod(period('2024-25-Q4'))).toThrow(
      /outside the programme, which runs from 2025-26-Q1 to 2034-35-Q4/,
    );
  });
});
