/** The shared wording: one phrase per result, plurals, UK dates and times, and headings that never contradict. */
import { describe, expect, it } from 'vitest';
import { renderReportText } from '../../functions/src/feedback/render-report.js';
import {
  count,
  findingsHeading,
  findingsTally,
  resultHeadline,
  resultPhrase,
  thereAre,
  ukDate,
  ukDateTime,
} from '../../functions/src/feedback/wording.js';
import type { ValidationReport } from '../../functions/src/validation/report.js';
import { testReference } from '../support/reference.js';

const counts = (fatal: number, errors: number, warnings: number, unexplained = warnings) => ({
  fatal,
  errors,
  warnings,
  explainedWarnings: warnings - unexplained,
  unexplainedWarnings: unexplained,
});

describe('plurals', () => {
  it.each([
    [0, 'errors'],
    [1, 'error'],
    [2, 'errors'],
    [1234, 'errors'],
  ])('%i %s', (n, word) => {
    expect(count(n, 'error')).toBe(`${n.toLocaleString('en-GB')} ${word}`);
  });
  it('agrees the verb too, and takes irregular plurals', () => {
    expect(thereAre(1, 'error')).toBe('there is 1 error');
    expect(thereAre(3, 'error')).toBe('there are 3 errors');
    expect(count(2, 'family', 'families')).toBe('2 families');
    expect(findingsTally({ fatal: 1, errors: 0, warnings: 1 })).toBe('1 error, 1 warning');
  });
});

describe('dates and times, as in the UK', () => {
  it.each([
    ['2025-10-30', '30 October 2025'],
    ['2026-01-05T10:00:00Z', '5 January 2026'],
    // 23:30 UTC in summer is the next day in London.
    ['2025-06-30T23:30:00Z', '1 July 2025'],
  ])('%s is %s', (iso, expected) => {
    expect(ukDate(iso)).toBe(expected);
  });
  it('gives the London time on the 24-hour clock', () => {
    expect(ukDateTime('2026-12-01T07:49:30Z')).toBe('1 December 2026 at 07:49');
    expect(ukDateTime('2025-07-01T06:49:00Z')).toBe('1 July 2025 at 07:49');
  });
});

describe('the result phrase', () => {
  it.each([
    ['accepted', counts(0, 0, 0), 'accepted'],
    ['accepted-with-warnings', counts(0, 0, 2), 'accepted, with 2 warnings to explain'],
    ['accepted-with-warnings', counts(0, 0, 3, 1), 'accepted, with 1 of 3 warnings still to explain'],
    ['accepted-with-warnings', counts(0, 0, 1, 0), 'accepted, with 1 warning explained'],
    ['accepted-with-warnings', counts(0, 0, 2, 0), 'accepted, with 2 warnings, all explained'],
    ['rejected', counts(0, 1, 0), 'not accepted: 1 error to fix'],
    ['rejected', counts(0, 2, 1), 'not accepted: 2 errors to fix, and 1 warning'],
    ['rejected', counts(1, 0, 0), 'could not be checked'],
  ] as const)('%s %o: %s', (status, c, expected) => {
    expect(resultPhrase({ status, counts: c })).toBe(expected);
  });
});

describe('the result headline', () => {
  it('is the same phrase, capitalised, for the Feedback sheet and the portal', () => {
    expect(resultHeadline({ status: 'rejected', counts: counts(0, 3, 0) })).toBe(
      'Not accepted: 3 errors to fix',
    );
    expect(resultHeadline({ status: 'accepted', counts: counts(0, 0, 0) })).toBe(
      'Accepted: no problems found',
    );
  });
});

describe('headings', () => {
  it('never say a rejected return is accepted', () => {
    expect(findingsHeading('warning', 'rejected')).not.toMatch(/is accepted/);
    expect(findingsHeading('warning', 'accepted-with-warnings')).toMatch(/is accepted/);
  });

  it('in the report text `returns validate` prints, under a "not accepted" headline', () => {
    const report: ValidationReport = {
      schema: 'monitoring-returns/validation-report',
      schemaVersion: 1,
      status: 'rejected',
      checkedAt: '2026-02-15T10:00:00.000Z',
      file: { name: 'q2.xlsx', bytes: 100 },
      site: 'BLK',
      period: '2025-26-Q2',
      dictionaryVersion: '2025-26',
      counts: counts(0, 1, 1),
      findings: [
        {
          code: 'R07',
          ruleId: 'R07',
          severity: 'error',
          message: 'Breastfeeding at 6–8 weeks: these must add up.',
          sheet: 'Better off',
          cell: 'C7:C11',
          cells: [],
        },
        {
          code: 'value.percentage',
          severity: 'warning',
          message: 'Sessions delivered looks like a percentage.',
          sheet: 'How much',
          cell: 'C20',
          cells: [],
        },
      ],
      checksNotRun: [],
    };
    const text = renderReportText(report, testReference().sites);
    expect(text.split('\n')[0]).toBe(
      'Blackpool 2025-26 Q2 return (q2.xlsx): not accepted: 1 error to fix, and 1 warning.',
    );
    expect(text).not.toMatch(/is accepted/);
    expect(text).toContain('1. [R07, Better off, C7:C11] Breastfeeding');
    // Internal codes stay in --json; a person sees where, not value.percentage.
    expect(text).toContain('1. [How much, C20] Sessions delivered');
    expect(text).not.toContain('value.percentage');
  });
});
