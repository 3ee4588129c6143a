/**
 * How explanation rows are read and matched: the dropdown's words map back to
 * codes, and every row that does not do what it says is pointed out with a
 * notice that never changes whether the return is accepted.
 */
import { describe, expect, it } from 'vitest';
import { withExplanations } from '../../functions/src/demo/synthetic-return.js';
import { findCode } from '../../functions/src/dictionary/code-choices.js';
import type { ValidationReport } from '../../functions/src/validation/report.js';
import { editWorkbook } from '../support/edit-workbook.js';
import { testReference } from '../support/reference.js';
import { filledReturn, validate, validValues, withItems } from '../support/returns.js';

const dictionary = testReference().dictionaries.get('2025-26');
const kinds = dictionary.codeLists.get('explanation_kinds') ?? [];
const items = dictionary.codeLists.get('return_items') ?? [];

describe('reading a choice back to its code', () => {
  it.each([
    ['Large change from previous quarters (R14)', 'R14'],
    ['  large change from previous quarters (r14) ', 'R14'],
    ['R14', 'R14'],
    ['r14', 'R14'],
    ['Large change from previous quarters', 'R14'],
    ['Cannot report this item this quarter', 'CANNOT_REPORT'],
    ['cannot_report', 'CANNOT_REPORT'],
    // A relabelled rule in an old template still reads by the code in brackets.
    ['Big jump since last time (R14)', 'R14'],
  ])('reads “%s” as %s', (text, code) => {
    expect(findCode(kinds, text)?.code).toBe(code);
  });

  it.each([
    ['Referrals received (QUAL.REFERRALS)', 'QUAL.REFERRALS'],
    ['Referrals\u00a0received (QUAL.REFERRALS)', 'QUAL.REFERRALS'],
    ['qual.referrals', 'QUAL.REFERRALS'],
    ['Eligible population (children aged 0–3) (REACH.ELIG_POP)', 'REACH.ELIG_POP'],
    ['All items (for this rule)', 'ALL'],
    ['ALL', 'ALL'],
  ])('reads the item “%s” as %s', (text, code) => {
    expect(findCode(items, text)?.code).toBe(code);
  });

  it.each([['R99'], ['Something else (R99)'], ['large change']])('does not guess at “%s”', (text) => {
    expect(findCode(kinds, text)).toBeUndefined();
  });
});

describe('rows that do not do what they say', () => {
  const base = validValues();
  const notices = (report: ValidationReport) =>
    report.findings.filter((finding) => finding.severity === 'notice').map((finding) => finding.message);

  it('points out a row with no item, one with no explanation, and a "cannot report" for a figure that is there', async () => {
    const values = withExplanations(
      dictionary,
      withItems(base, { 'REACH.CHILD_YTD': (base.items['REACH.ELIG_POP'] as number) + 3 }),
      [
        { rule: 'R05', item: '', explanation: 'Families moved in.' },
        { rule: 'R05', item: 'REACH.CHILD_YTD', explanation: '' },
        { rule: 'CANNOT_REPORT', item: 'BF.DUE', explanation: 'No data.' },
      ],
    );
    const report = await validate(await filledReturn(values));
    expect(report.status).toBe('accepted-with-warnings');
    expect(report.counts).toMatchObject({ errors: 0, warnings: 1, unexplainedWarnings: 1 });
    const said = notices(report);
    expect(said).toHaveLength(3);
    expect(said[0]).toMatch(
      /^Row 1 of the explanations table \(Commentary B\d+:D\d+\) names the warning Reach is within the eligible population \(R05\) but not the item it explains, so it explains nothing\. Choose the item, or “All items \(for this rule\)”/,
    );
    expect(said[1]).toContain(
      'chooses the warning Reach is within the eligible population (R05) but gives no explanation',
    );
    expect(said[2]).toContain(
      'says infants due a 6–8 week check cannot be reported, but its cell holds a figure, which is used as reported',
    );
    for (const message of said) {
      expect(message).toContain(
        "The warning still unexplained is Reach is within the eligible population (R05) on children aged 0–3 engaged this year to date ('How much' C",
      );
    }
    expect(report.values?.items['BF.DUE']).toBe(base.items['BF.DUE']);
  });

  it('leaves a return with no warnings accepted when a stray row explains nothing', async () => {
    const values = withExplanations(dictionary, base, [
      { rule: 'R08', item: 'ALL', explanation: 'Written before the figures were final.' },
    ]);
    const report = await validate(await filledReturn(values));
    expect(report.status).toBe('accepted');
    expect(notices(report)).toEqual([expect.stringContaining('This return has no warnings to explain.')]);
  });
});

describe('a workbook from a template made before explanations named their item', () => {
  it('is still read, and each row is pointed out as not saying which item it explains', async () => {
    const base = validValues();
    const values = withExplanations(
      dictionary,
      withItems(base, { 'REACH.CHILD_YTD': (base.items['REACH.ELIG_POP'] as number) + 3 }),
      [{ rule: 'R05', item: '', explanation: 'Families moved in.' }],
    );
    const { table, columns } = dictionary.explanations;
    const itemName = `${table.id}.${columns.item.id}`;
    const older = await editWorkbook(await filledReturn(values), {}, (workbook) => {
      const [range] = workbook.definedNames.getRanges(itemName).ranges;
      workbook.definedNames.remove(range as string, itemName);
      const meta = workbook.getWorksheet('_meta');
      meta?.eachRow((row) => {
        if (row.getCell(2).value === itemName)
          for (const column of [1, 2, 3, 4]) row.getCell(column).value = null;
      });
    });
    const report = await validate(older);
    expect(report.findings.map((finding) => finding.code)).toEqual(['R05', 'explanation.unmatched']);
    expect(report.status).toBe('accepted-with-warnings');
  });
});
