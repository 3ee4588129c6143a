import { describe, expect, it } from 'vitest';
import { demoQuarters } from '../../functions/src/local/demo.js';
import { formatPeriod } from '../../functions/src/programme/periods.js';
import { testReference } from '../support/reference.js';

const { programme } = testReference();
const on = (day: string) => demoQuarters(programme, new Date(`${day}T12:00:00Z`)).map(formatPeriod);

describe('the demonstration follows the calendar', () => {
  it('is the two latest quarters whose returns are due, so the staff pages open on them', () => {
    expect(on('2026-12-01')).toEqual(['2026-27-Q1', '2026-27-Q2']);
    expect(on('2025-11-15')).toEqual(['2025-26-Q1', '2025-26-Q2']);
  });

  it('crosses a year when the latest due quarter is a first quarter', () => {
    expect(on('2026-08-15')).toEqual(['2025-26-Q4', '2026-27-Q1']);
  });

  it('takes a quarter only once its due date has passed', () => {
    expect(programme.dueDate({ startYear: 2026, quarter: 2 })).toBe('2026-10-30');
    expect(on('2026-10-30')).toEqual(['2025-26-Q4', '2026-27-Q1']);
    expect(on('2026-10-31')).toEqual(['2026-27-Q1', '2026-27-Q2']);
  });

  it('is the programme’s first two quarters before any earlier one is due', () => {
    expect(on('2025-05-01')).toEqual(['2025-26-Q1', '2025-26-Q2']);
  });
});
