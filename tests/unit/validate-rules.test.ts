/**
 * Each rule of the dictionary, broken on purpose in an otherwise valid return,
 * is reported once, at the right cells, in words a grant holder understands.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReturnValues, TableRow } from '../../functions/src/returns/return-values.js';
import type { HistoricReturn } from '../../functions/src/validation/check-rules.js';
import type { ValidationReport } from '../../functions/src/validation/report.js';
import { reportSchema } from '../../functions/src/validation/report.js';
import { period } from '../support/reference.js';
import { filledReturn, validate, validValues, validYear, withItems } from '../support/returns.js';

type Values = ReturnValues;
const n = (values: Values, id: string) => values.items[id] as number;
const cellOf = (report: ValidationReport, code: string) => report.findings.find((f) => f.code === code);

async function check(
  values: Values,
  options: { history?: HistoricReturn[]; periodText?: string; site?: string } = {},
) {
  const bytes = await filledReturn(values, options.site ?? 'BLK', options.periodText ?? '2025-26-Q2');
  const report = await validate(bytes, options.history ? { history: options.history } : {});
  expect(reportSchema.safeParse(report).success).toBe(true);
  return report;
}

function onlyFinding(report: ValidationReport, code: string) {
  const codes = report.findings.map((finding) => finding.code);
  expect(
    codes,
    JSON.stringify(
      report.findings.map((f) => f.message),
      null,
      1,
    ),
  ).toEqual([code]);
  return report.findings[0] as ValidationReport['findings'][number];
}

describe('a valid return', () => {
  it('is accepted with no findings, and its values kept', async () => {
    const values = validValues();
    const report = await check(values);
    expect(report.status).toBe('accepted');
    expect(report.findings).toEqual([]);
    expect(report.values?.items).toEqual(values.items);
    expect(report.values?.tables.SERVICES).toEqual(values.tables.SERVICES);
    expect(report.checksNotRun.map((check) => check.ruleId)).toEqual(['R04', 'R14']);
  });
});

describe('each rule broken on purpose', () => {
  let q2: Values;
  let year: Array<{ period: ReturnType<typeof period>; values: Values }>;
  beforeAll(() => {
    year = validYear('BLK', 2025, 1);
    q2 = year[1]?.values as Values;
  });

  it('R01: age bands that do not add up', async () => {
    const finding = onlyFinding(
      await check(withItems(q2, { 'REACH.CHILD_AGE_1': n(q2, 'REACH.CHILD_AGE_1') + 5 })),
      'R01',
    );
    expect(finding.severity).toBe('error');
    expect(finding.message).toMatch(
      /^Children engaged by age band \('How much' C\d+:C\d+\) add up to [\d,]+, but children aged 0–3 engaged this quarter \(C\d+\) is [\d,]+\./,
    );
    expect(finding.cells).toHaveLength(5);
  });

  it('R02: ethnic groups that do not add up', async () => {
    onlyFinding(
      await check(withItems(q2, { 'REACH.CHILD_ETH_WHITE': n(q2, 'REACH.CHILD_ETH_WHITE') + 3 })),
      'R02',
    );
  });

  it('R03: year to date below the quarter', async () => {
    const finding = onlyFinding(
      await check(withItems(q2, { 'REACH.CHILD_YTD': n(q2, 'REACH.CHILD_Q') - 1 })),
      'R03',
    );
    expect(finding.message).toContain('which is less than children aged 0–3 engaged this quarter');
  });

  it('R03: in Q1 the year to date equals the quarter', async () => {
    const q1 = year[0]?.values as Values;
    const report = await check(withItems(q1, { 'REACH.CHILD_YTD': n(q1, 'REACH.CHILD_Q') + 4 }), {
      periodText: '2025-26-Q1',
    });
    expect(onlyFinding(report, 'R03').message).toMatch(/^In the first quarter of the year/);
  });

  it('R04: year to date lower than last quarter', async () => {
    const q1 = year[0]?.values as Values;
    const history = [
      {
        period: period('2025-26-Q1'),
        values: withItems(q1, { 'REACH.CHILD_YTD': n(q2, 'REACH.CHILD_YTD') + 50 }),
      },
    ];
    const finding = onlyFinding(await check(q2, { history }), 'R04');
    expect(finding.message).toContain('but your 2025-26 Q1 return said');
  });

  it('R05: reach above the eligible population is a warning', async () => {
    const report = await check(withItems(q2, { 'REACH.ELIG_POP': n(q2, 'REACH.CHILD_YTD') - 1 }));
    expect(onlyFinding(report, 'R05').severity).toBe('warning');
    expect(report.status).toBe('accepted-with-warnings');
    expect(report.counts).toMatchObject({ warnings: 1, unexplainedWarnings: 1 });
  });

  it('R06: an "of which" above its total', async () => {
    const finding = onlyFinding(
      await check(withItems(q2, { 'HV.NBV_14D': n(q2, 'HV.BIRTHS_30D') + 1 })),
      'R06',
    );
    expect(finding.itemId).toBe('HV.NBV_14D');
    expect(finding.message).toMatch(
      /^Infants with a new birth visit within 14 days \('How well' C\d+\) is [\d,]+, which is more than infants turning 30 days \(C\d+\)/,
    );
  });

  it('R07: breastfeeding statuses that do not add up, in the words the issue asked for', async () => {
    const finding = onlyFinding(await check(withItems(q2, { 'BF.TOTAL': n(q2, 'BF.TOTAL') - 5 })), 'R07');
    const sum = n(q2, 'BF.DUE') - 5;
    expect(finding.message).toMatch(
      new RegExp(
        `^Breastfeeding at 6–8 weeks \\('Better off' C(\\d+):C(\\d+)\\): totally \\+ partially \\+ not at all \\+ not known add up to ${sum.toLocaleString('en-GB')}, but infants due a 6–8 week check \\(C\\d+\\) is ${n(q2, 'BF.DUE').toLocaleString('en-GB')}\\. These must add up\\.$`,
      ),
    );
  });

  it('R08: breastfeeding status unknown for too many', async () => {
    const due = n(q2, 'BF.DUE');
    const unknown = Math.ceil(due * 0.08);
    const partial = n(q2, 'BF.PARTIAL');
    const none = due - n(q2, 'BF.TOTAL') - partial - unknown;
    const changes =
      none >= 0
        ? { 'BF.UNKNOWN': unknown, 'BF.NONE': none }
        : { 'BF.UNKNOWN': unknown, 'BF.NONE': 0, 'BF.TOTAL': due - partial - unknown };
    const finding = onlyFinding(await check(withItems(q2, changes)), 'R08');
    expect(finding.severity).toBe('warning');
    expect(finding.message).toMatch(/The national publication standard is at least 95%/);
  });

  it('R09: smoking statuses that do not add up', async () => {
    onlyFinding(await check(withItems(q2, { 'SATOD.SMOKER': n(q2, 'SATOD.SMOKER') + 2 })), 'R09');
  });

  it('R10: smoking status unknown for too many', async () => {
    const mat = n(q2, 'SATOD.MAT');
    const unknown = Math.ceil(mat * 0.08);
    const finding = onlyFinding(
      await check(
        withItems(q2, { 'SATOD.UNKNOWN': unknown, 'SATOD.NONSMOKER': mat - n(q2, 'SATOD.SMOKER') - unknown }),
      ),
      'R10',
    );
    expect(finding.severity).toBe('warning');
  });

  it('R11: all five ASQ areas above one area', async () => {
    const lowest = Math.min(
      ...['ASQ.COMM', 'ASQ.GROSS', 'ASQ.FINE', 'ASQ.PROB', 'ASQ.PERSOC'].map((id) => n(q2, id)),
    );
    const finding = onlyFinding(await check(withItems(q2, { 'ASQ.ALL5': lowest + 1 })), 'R11');
    expect(finding.itemId).toBe('ASQ.ALL5');
  });

  it('R11: ASQ reviews above the 2–2½ year reviews', async () => {
    const finding = onlyFinding(
      await check(withItems(q2, { 'HV.REV_2Y': n(q2, 'ASQ.REVIEWS') - 1, 'HV.DUE_2Y': n(q2, 'HV.DUE_2Y') })),
      'R11',
    );
    expect(finding.itemId).toBe('ASQ.REVIEWS');
    expect(finding.message).toContain("2–2½ year review completed ('How well' C");
  });

  it('R12: spend by domain that does not add up (more than £1 out)', async () => {
    const finding = onlyFinding(
      await check(withItems(q2, { 'FIN.SPEND_SED': n(q2, 'FIN.SPEND_SED') + 1.5 })),
      'R12',
    );
    expect(finding.message).toMatch(/adds up to £[\d,]+\.\d\d, but spend this quarter \(C\d+\) is £/);
  });

  it('R12: within £1 is fine', async () => {
    expect((await check(withItems(q2, { 'FIN.SPEND_SED': n(q2, 'FIN.SPEND_SED') + 0.99 }))).status).toBe(
      'accepted',
    );
  });

  it('R13: services sessions that do not add up to the total', async () => {
    const finding = onlyFinding(
      await check(withItems(q2, { 'ACT.SESSIONS': n(q2, 'ACT.SESSIONS') + 1 })),
      'R13',
    );
    expect(finding.message).toMatch(/^The services table's sessions \('How much' D\d+:D\d+\) add up to/);
  });

  it('R13: a service listed twice, and rows with figures but no domain', async () => {
    const services = [...(q2.tables.SERVICES ?? [])] as TableRow[];
    const first = services[0] as TableRow;
    services[1] = { ...(services[1] as TableRow), NAME: ` ${String(first.NAME).toUpperCase()} ` };
    const { DOMAIN: _dropped3, ...third } = services[2] as TableRow;
    const { DOMAIN: _dropped5, ...fifth } = services[4] as TableRow;
    services[2] = third;
    services[4] = fifth;
    const report = await check({ items: q2.items, tables: { ...q2.tables, SERVICES: services } });
    expect(report.findings.map((finding) => finding.code)).toEqual(['R13', 'R13']);
    const messages = report.findings.map((finding) => finding.message).join('\n');
    expect(messages).toContain(`The service '${String(first.NAME)}' appears more than once`);
    expect(messages).toMatch(
      /Rows 3 and 5 of the services table have figures but no outcome domain \(C\d+, C\d+\)/,
    );
  });

  it('R14: a large change against earlier quarters', async () => {
    const q1 = year[0]?.values as Values;
    const history = [
      {
        period: period('2025-26-Q1'),
        values: withItems(q1, { 'REACH.PREG_Q': Math.round(n(q2, 'REACH.PREG_Q') / 3) }),
      },
    ];
    const finding = onlyFinding(await check(q2, { history }), 'R14');
    expect(finding.itemId).toBe('REACH.PREG_Q');
    expect(finding.message).toMatch(/a change of \+\d+% against [\d,]+ in your 2025-26 Q1 return\./);
  });

  it('R15: sessions with no attendances', async () => {
    const services = (q2.tables.SERVICES ?? []).map((row) => ({ ...row, ATTEND: 0 }));
    const report = await check({
      items: { ...q2.items, 'ACT.ATTEND': 0 },
      tables: { ...q2.tables, SERVICES: services },
    });
    expect(onlyFinding(report, 'R15').severity).toBe('warning');
  });

  it('R16: a return for another site is refused outright', async () => {
    const report = await validate(await filledReturn(validValues('BFD'), 'BFD'), {});
    const finding = onlyFinding(report, 'R16');
    expect(finding.severity).toBe('fatal');
    expect(finding.message).toBe(
      "This return says it is for Better Start Bradford (BFD) (About C6), but it was sent for Blackpool Better Start (BLK). Please use Blackpool Better Start (BLK)'s own template, or send it from the right partnership.",
    );
  });

  it('R16: a quarter that has not started is refused', async () => {
    const report = await validate(await filledReturn(validValues('BLK', '2025-26-Q4'), 'BLK', '2025-26-Q4'), {
      now: new Date('2025-12-01T00:00:00Z'),
    });
    expect(onlyFinding(report, 'R16').message).toContain('has not started yet');
  });

  it('R16: a return sent for another quarter is refused', async () => {
    const report = await validate(await filledReturn(q2), { expectedPeriod: period('2025-26-Q3') });
    expect(onlyFinding(report, 'R16').message).toContain('is not 2025-26 Q3, the quarter it was sent for');
  });
});

describe('warnings and their explanations', () => {
  it('reports an explained warning as explained', async () => {
    const q2 = validValues();
    const values = {
      items: { ...q2.items, 'REACH.ELIG_POP': (q2.items['REACH.CHILD_YTD'] as number) - 10 },
      tables: {
        ...q2.tables,
        EXPLANATIONS: [
          { RULE: 'R05', ITEM: 'REACH.CHILD_YTD', TEXT: 'Families moved into new housing in the wards.' },
        ],
      },
    };
    const report = await check(values);
    expect(report.status).toBe('accepted-with-warnings');
    expect(report.counts).toMatchObject({ warnings: 1, explainedWarnings: 1, unexplainedWarnings: 0 });
    expect(cellOf(report, 'R05')?.explanation).toBe('Families moved into new housing in the wards.');
  });
});
