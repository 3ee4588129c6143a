/**
 * Explanations and "cannot report", through the real template filled by an
 * independent program (openpyxl), as a partnership's own tooling or a person
 * choosing from the dropdowns would fill it: the choices are written as the
 * dropdown shows them, in plain words with the code in brackets.
 */
import { describe, expect, it } from 'vitest';
import { type AcceptedReturn, summarise } from '../../functions/src/aggregation/aggregate.js';
import { completeness } from '../../functions/src/aggregation/completeness.js';
import { withExplanations } from '../../functions/src/demo/synthetic-return.js';
import { CANNOT_REPORT_POLICY } from '../../functions/src/dictionary/reporting-policy.js';
import type { ReturnValues } from '../../functions/src/returns/return-values.js';
import type { CurrentReturn } from '../../functions/src/returns/submission.js';
import { tidyRows } from '../../functions/src/summaries/write-summary.js';
import type { HistoricReturn } from '../../functions/src/validation/check-rules.js';
import { reportSchema, type ValidationReport } from '../../functions/src/validation/report.js';
import { fillWithOpenpyxl } from '../support/fill-with-openpyxl.js';
import { hasOpenpyxl } from '../support/outside-programs.js';
import { blankTemplate, period, testReference } from '../support/reference.js';
import { CHECKED_ON, validate, validYear, withItems } from '../support/returns.js';

const reference = testReference();
const dictionary = reference.dictionaries.get('2025-26');
const year = validYear('BLK', 2025, 5);
const q1 = year[0]?.values as ReturnValues;
const q2 = year[1]?.values as ReturnValues;
const history: HistoricReturn[] = [{ period: period('2025-26-Q1'), values: q1 }];

/** The dropdown's text for a choice, as a person picking it would leave in the cell. */
function shown(codeList: string, code: string): string {
  const choice = dictionary.codeLists.get(codeList)?.find((candidate) => candidate.code === code);
  if (!choice) throw new Error(`no choice ${code} in ${codeList}`);
  return choice.display ?? choice.code;
}

async function check(values: ReturnValues, withHistory = false): Promise<ValidationReport> {
  const template = await blankTemplate('BLK', '2025-26-Q2');
  const report = await validate(fillWithOpenpyxl(template, values), withHistory ? { history } : {});
  expect(reportSchema.safeParse(report).success).toBe(true);
  return report;
}

const byCode = (report: ValidationReport, code: string) =>
  report.findings.filter((finding) => finding.code === code);

describe.runIf(hasOpenpyxl)('explanations, filled by openpyxl', () => {
  it('an explanation naming the wrong rule leaves the return accepted, and says what it did not match', async () => {
    // R05: more children reached this year than live in the wards.
    const values = withExplanations(
      dictionary,
      withItems(q2, { 'REACH.CHILD_YTD': (q2.items['REACH.ELIG_POP'] as number) + 20 }),
      [
        {
          rule: shown('explanation_kinds', 'R10'),
          item: shown('return_items', 'REACH.CHILD_YTD'),
          explanation: 'Families moved into the new estate.',
        },
        { rule: 'R99', item: 'ALL', explanation: 'A rule that does not exist.' },
      ],
    );
    const report = await check(values);
    expect(report.status).toBe('accepted-with-warnings');
    expect(report.counts).toMatchObject({ fatal: 0, errors: 0, warnings: 1, unexplainedWarnings: 1 });
    const notices = report.findings.filter((finding) => finding.severity === 'notice');
    expect(notices.map((finding) => finding.code).sort()).toEqual([
      'explanation.unmatched',
      'value.not_in_list',
    ]);
    const unmatched = byCode(report, 'explanation.unmatched')[0];
    expect(unmatched?.message).toMatch(
      /^Row 1 of the explanations table \(Commentary B\d+:D\d+\) explains the warning Smoking status unknown for under 5% \(R10\) on children aged 0–3 engaged this year to date, but this return has no such warning, so it explains nothing\. This does not affect whether the return is accepted\. The warning still unexplained is Reach is within the eligible population \(R05\) on children aged 0–3 engaged this year to date \('How much' C\d+\)\.$/,
    );
    expect(byCode(report, 'value.not_in_list')[0]?.message).toContain('Until then the row explains nothing');
  });

  it('two large-change warnings on different items and one explanation leave one unexplained', async () => {
    const values = withExplanations(
      dictionary,
      withItems(q2, {
        'QUAL.REFERRALS': (q1.items['QUAL.REFERRALS'] as number) * 3,
        'HV.BIRTHS_30D': (q1.items['HV.BIRTHS_30D'] as number) * 3,
      }),
      [
        {
          rule: shown('explanation_kinds', 'R14'),
          item: shown('return_items', 'QUAL.REFERRALS'),
          explanation: 'A second referral route opened in August.',
        },
      ],
    );
    const report = await check(values, true);
    expect(report.status).toBe('accepted-with-warnings');
    const r14 = byCode(report, 'R14');
    expect(r14.map((finding) => [finding.itemId, finding.explanation])).toEqual([
      ['QUAL.REFERRALS', 'A second referral route opened in August.'],
      ['HV.BIRTHS_30D', undefined],
    ]);
    expect(report.counts).toMatchObject({ warnings: 2, explainedWarnings: 1, unexplainedWarnings: 1 });
  });

  it('"all items" explains every warning of its rule; a bare code reads like the dropdown text', async () => {
    const values = withExplanations(
      dictionary,
      withItems(q2, {
        'QUAL.REFERRALS': (q1.items['QUAL.REFERRALS'] as number) * 3,
        'HV.BIRTHS_30D': (q1.items['HV.BIRTHS_30D'] as number) * 3,
      }),
      [{ rule: 'r14', item: shown('return_items', 'ALL'), explanation: 'The wards were redrawn.' }],
    );
    const report = await check(values, true);
    expect(report.counts).toMatchObject({ warnings: 2, explainedWarnings: 2, unexplainedWarnings: 0 });
    expect(report.findings.filter((finding) => finding.severity === 'notice')).toEqual([]);
  });

  it('"cannot report" is accepted with a warning, the item not reported in the summary and in completeness', async () => {
    const why = 'The health visiting provider’s system was replaced in August and no extract was possible.';
    const values = withExplanations(
      dictionary,
      // One left blank, one holding "N/A": both mean what the row says.
      withItems(q2, { 'HV.DUE_2Y': undefined, 'QUAL.FEEDBACK_N': 'N/A' }),
      [
        {
          rule: shown('explanation_kinds', 'CANNOT_REPORT'),
          item: shown('return_items', 'HV.DUE_2Y'),
          explanation: why,
        },
        { rule: 'CANNOT_REPORT', item: 'QUAL.FEEDBACK_N', explanation: 'The survey was paused.' },
      ],
    );
    const report = await check(values);
    expect(report.status, JSON.stringify(report.findings.map((f) => f.message))).toBe(
      'accepted-with-warnings',
    );
    expect(report.counts).toMatchObject({ errors: 0, warnings: 2, unexplainedWarnings: 0 });
    const notReported = byCode(report, 'value.not_reported');
    expect(notReported.map((finding) => [finding.itemId, finding.explanation])).toEqual([
      ['QUAL.FEEDBACK_N', 'The survey was paused.'],
      ['HV.DUE_2Y', why],
    ]);
    expect(notReported[1]?.message).toMatch(
      /^Children turning 2½ \('How well' C\d+\) is not reported this quarter/,
    );
    expect(report.values?.notReported).toEqual(['QUAL.FEEDBACK_N', 'HV.DUE_2Y']);
    expect(report.values?.items['HV.DUE_2Y']).toBeUndefined();

    const values2 = report.values as ReturnValues;
    const accepted = (site: string, v: ReturnValues): AcceptedReturn => ({
      site,
      period: period('2025-26-Q2'),
      dictionaryVersion: '2025-26',
      submissionId: site,
      receivedAt: '2025-10-20T00:00:00Z',
      values: v,
    });
    const summary = summarise({
      startYear: 2025,
      quarters: [period('2025-26-Q2')],
      sites: ['BLK', 'LAM'],
      returns: [accepted('BLK', values2), accepted('LAM', q2)],
      dictionaryFor: () => dictionary,
      dictionaryForPeriod: () => dictionary,
      benchmarks: reference.benchmarks,
    });
    // Not zero, not a gap: not reported, and the programme total says it covers one site.
    expect(summary.siteQuarter.get('BLK 2025-26-Q2')?.items.get('HV.DUE_2Y')).toEqual({
      sites: 0,
      notReportedBy: ['BLK'],
    });
    expect(summary.programmeQuarter.get('2025-26-Q2')?.items.get('HV.DUE_2Y')).toEqual({
      value: q2.items['HV.DUE_2Y'],
      sites: 1,
      notReportedBy: ['BLK'],
    });
    // The review rate covers only the site that reported both of its figures.
    expect(summary.programmeQuarter.get('2025-26-Q2')?.indicators.get('IND.REV_2Y')?.sites).toBe(1);

    const current: CurrentReturn = {
      site: 'BLK',
      period: '2025-26-Q2',
      submissionId: 'BLK',
      receivedAt: '2025-10-20T00:00:00Z',
      sequencer: '1',
      status: 'accepted-with-warnings',
      dictionaryVersion: '2025-26',
      counts: { fatal: 0, errors: 0, warnings: 2, unexplainedWarnings: 0 },
      values: values2,
    };
    const [cell] = completeness({
      sites: ['BLK'],
      periods: [period('2025-26-Q2')],
      programme: reference.programme,
      submissions: [],
      current: [current],
      now: CHECKED_ON,
    });
    expect(cell).toMatchObject({ state: 'accepted', notReported: ['QUAL.FEEDBACK_N', 'HV.DUE_2Y'] });
    // The tidy data (the Data sheet and CSV) has no row for it: never a zero.
    const tidy = [...tidyRows(summary, reference.sites.sites, cell ? [cell] : [])].map((row) => row.values);
    expect(tidy.filter((row) => row[1] === 'BLK' && row[2] === 'HV.DUE_2Y')).toEqual([]);
    expect(tidy.filter((row) => row[1] === 'LAM' && row[2] === 'HV.DUE_2Y')).toHaveLength(1);
  });

  it('says the same policy, in the same words, for a blank and for "N/A" without a row', async () => {
    const report = await check(withItems(q2, { 'HV.DUE_2Y': undefined, 'QUAL.FEEDBACK_N': 'N/A' }));
    expect(report.status).toBe('rejected');
    for (const code of ['value.missing', 'value.not_a_number']) {
      expect(byCode(report, code)[0]?.message, code).toContain(CANNOT_REPORT_POLICY);
    }
  });
});
