/**
 * Validate one return: the use case at the heart of the product. The same
 * function runs in the `returns validate` command and in the Lambda handler.
 *
 * input: the uploaded bytes, reference data, the site it was sent for, the
 *        site's accepted history (optional)
 * steps: preflight → read → locate items → identity (R16) → interpret values →
 *        rules → match warnings to explanations → report
 * output: a ValidationReport (a workbook full of mistakes is still a report)
 */

import { createHash } from 'node:crypto';
import type { DictionaryRegistry } from '../dictionary/dictionary-registry.js';
import type { Rule } from '../dictionary/load-dictionary.js';
import { fillTemplate } from '../dictionary/rule-placeholders.js';
import {
  describePeriod,
  formatPeriod,
  type Period,
  parsePeriod,
  periodStart,
  samePeriod,
  today as todayOf,
} from '../programme/periods.js';
import type { Programme } from '../programme/programme.js';
import type { SiteRegistry } from '../programme/sites.js';
import { DEFAULT_PREFLIGHT_LIMITS, type PreflightLimits, preflight } from '../reading/preflight.js';
import {
  DEFAULT_READER_LIMITS,
  type ReaderLimits,
  readWorkbook,
  type WorkbookContents,
} from '../reading/read-workbook.js';
import { formatBytes, WorkbookRefused } from '../reading/refusal.js';
import type { ReturnStatus } from '../returns/submission.js';
import { type CheckNotRun, checkRules, type HistoricReturn } from './check-rules.js';
import { type CellLocation, describeLocation, type Finding, sortFindings } from './findings.js';
import { interpretValues } from './interpret-values.js';
import { type LocatedReturn, locateItems } from './locate-items.js';
import { matchExplanations } from './match-explanations.js';
import { REPORT_SCHEMA_ID, REPORT_SCHEMA_VERSION, type ValidationReport } from './report.js';

export interface ValidationContext {
  readonly dictionaries: DictionaryRegistry;
  readonly sites: SiteRegistry;
  readonly programme: Programme;
  /** The site the file was sent for; the pipeline always knows it. */
  readonly expectedSite?: string;
  /** The quarter the file was sent for, when the sender said. */
  readonly expectedPeriod?: Period;
  /** The site's earlier accepted returns; without them R04 and R14 are reported as not run. */
  readonly history?: readonly HistoricReturn[];
  readonly now?: Date;
  readonly fileName?: string;
  readonly preflightLimits?: PreflightLimits;
  readonly readerLimits?: ReaderLimits;
}

export async function validateReturn(bytes: Buffer, context: ValidationContext): Promise<ValidationReport> {
  const now = context.now ?? new Date();
  const base = {
    schema: REPORT_SCHEMA_ID,
    schemaVersion: REPORT_SCHEMA_VERSION,
    checkedAt: now.toISOString(),
    file: {
      ...(context.fileName ? { name: context.fileName } : {}),
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    },
  } as const;

  let contents: WorkbookContents;
  try {
    contents = readWorkbook(
      await preflight(bytes, context.preflightLimits ?? DEFAULT_PREFLIGHT_LIMITS),
      context.readerLimits ?? DEFAULT_READER_LIMITS,
    );
  } catch (error) {
    if (!(error instanceof WorkbookRefused)) throw error;
    return finish(
      base,
      [{ code: error.code, severity: 'fatal', message: error.userMessage, cells: [] }],
      [],
      {},
    );
  }

  const outcome = locateItems(contents, context.dictionaries);
  if ('fatal' in outcome) return finish(base, [outcome.fatal], [], {});
  const { located } = outcome;
  const identity = checkIdentity(located, contents, context, todayOf(now));
  const about = {
    dictionaryVersion: located.dictionary.version,
    ...(identity.site ? { site: identity.site } : {}),
    ...(identity.period ? { period: formatPeriod(identity.period) } : {}),
  };
  if (identity.fatal || !identity.period) {
    return finish(
      base,
      [...located.findings, ...(identity.fatal ? [identity.fatal] : [])],
      [],
      about,
      contents,
    );
  }

  const interpreted = interpretValues(located, contents, { period: identity.period, today: todayOf(now) });
  const rules = checkRules({
    located,
    interpreted,
    period: identity.period,
    ...(context.history ? { history: context.history } : {}),
  });
  const findings = matchExplanations(
    [...located.findings, ...interpreted.findings, ...rules.findings],
    located,
    interpreted,
  );
  // The return's own contact hears about it whatever the outcome, if the address is usable.
  const contactEmails = located.dictionary
    .itemsOfType('email')
    .map((item) => interpreted.values.items[item.id])
    .filter((value): value is string => typeof value === 'string');
  const report = finish(
    base,
    findings,
    rules.notRun,
    {
      ...about,
      ...(contactEmails.length ? { contactEmails } : {}),
    },
    contents,
  );
  return report.status === 'rejected' ? report : { ...report, values: interpreted.values };
}

/** The report for a file refused on its size alone, before its bytes are read (the CLI stats, the pipeline heads). */
export function tooLargeReport(
  bytes: number,
  limits: PreflightLimits,
  fileName: string | undefined,
  now = new Date(),
): ValidationReport {
  const refusal = new WorkbookRefused('file.too_large', {
    size: formatBytes(bytes),
    limit: formatBytes(limits.maxFileBytes),
  });
  return finish(
    {
      schema: REPORT_SCHEMA_ID,
      schemaVersion: REPORT_SCHEMA_VERSION,
      checkedAt: now.toISOString(),
      file: { ...(fileName ? { name: fileName } : {}), bytes },
    },
    [{ code: refusal.code, severity: 'fatal', message: refusal.userMessage, cells: [] }],
    [],
    {},
  );
}

function finish(
  base: Pick<ValidationReport, 'schema' | 'schemaVersion' | 'checkedAt' | 'file'>,
  findings: readonly Finding[],
  checksNotRun: readonly CheckNotRun[],
  about: Pick<ValidationReport, 'site' | 'period' | 'dictionaryVersion' | 'contactEmails'>,
  contents?: WorkbookContents,
): ValidationReport {
  const count = (severity: Finding['severity']) =>
    findings.filter((finding) => finding.severity === severity).length;
  const warnings = findings.filter((finding) => finding.severity === 'warning');
  const explained = warnings.filter((finding) => finding.explanation !== undefined).length;
  const status: ReturnStatus =
    count('fatal') + count('error') > 0
      ? 'rejected'
      : warnings.length > 0
        ? 'accepted-with-warnings'
        : 'accepted';
  return {
    ...base,
    status,
    ...about,
    counts: {
      fatal: count('fatal'),
      errors: count('error'),
      warnings: warnings.length,
      explainedWarnings: explained,
      unexplainedWarnings: warnings.length - explained,
    },
    findings: sortFindings(findings, contents?.sheets.map((sheet) => sheet.name) ?? []),
    checksNotRun: [...checksNotRun],
  };
}

interface Identity {
  readonly site?: string;
  readonly period?: Period;
  readonly fatal?: Finding;
}

/**
 * R16: the return says it is for the site it was sent for, and for a real
 * quarter of the programme that has started, made with that quarter's
 * dictionary. Anything else is fatal: checking a return against the wrong
 * site's history or the wrong definitions would only mislead.
 */
function checkIdentity(
  located: LocatedReturn,
  contents: WorkbookContents,
  context: ValidationContext,
  today: string,
): Identity {
  const { dictionary } = located;
  const rule = dictionary.rules.find(
    (candidate): candidate is Extract<Rule, { kind: 'identity' }> => candidate.kind === 'identity',
  );
  const siteItem = rule?.siteItem ?? dictionary.itemsOfType('site')[0]?.id ?? 'META.SITE';
  const periodItem = rule?.periodItem ?? dictionary.itemsOfType('period')[0]?.id ?? 'META.PERIOD';
  const textAt = (itemId: string): { text: string; cell?: CellLocation } => {
    const cell = located.items.get(itemId);
    const value = cell ? contents.cell(cell.sheet, cell.row, cell.column)?.value : undefined;
    const text =
      value?.type === 'string' ? value.text.trim() : value?.type === 'number' ? String(value.number) : '';
    return { text, ...(cell ? { cell } : {}) };
  };
  const fatal = (
    code: string,
    message: string,
    cell: CellLocation | undefined,
    itemId: string,
    seen: string,
  ): Finding => ({
    code: rule ? rule.id : code,
    severity: rule?.severity ?? 'fatal',
    ...(rule ? { ruleId: rule.id } : {}),
    message,
    itemId,
    ...(cell ? { sheet: cell.sheet, cell: describeLocation([cell]).replace(/^.* /, '') } : {}),
    ...(seen ? { value: seen } : {}),
    cells: cell ? [cell] : [],
  });

  const site = textAt(siteItem);
  const siteCode = site.text.toUpperCase();
  const expectedSite = context.expectedSite ? context.sites.find(context.expectedSite) : undefined;
  const where = site.cell ? describeLocation([site.cell]) : siteItem;
  if (expectedSite && siteCode !== expectedSite.code) {
    const seen = context.sites.find(siteCode);
    const message = rule
      ? fillTemplate(rule.message, {
          seen: seen ? `${seen.name} (${seen.code})` : site.text ? `“${site.text}”` : 'no partnership',
          expected: `${expectedSite.name} (${expectedSite.code})`,
          cell: where,
        })
      : `This return is for ${site.text || 'no partnership'}, but it was sent for ${expectedSite.code}.`;
    return { fatal: fatal('template.wrong_site', message, site.cell, siteItem, site.text) };
  }
  if (!context.sites.find(siteCode)) {
    return {
      fatal: fatal(
        'template.unknown_site',
        `This return does not say which partnership it is for: ${where} holds ${site.text ? `“${site.text}”` : 'nothing'}, which is not one of ${context.sites.describeCodes()}. Please use your partnership’s own template.`,
        site.cell,
        siteItem,
        site.text,
      ),
    };
  }
  const siteResult = { site: siteCode };

  const periodCell = textAt(periodItem);
  const periodWhere = periodCell.cell ? describeLocation([periodCell.cell]) : periodItem;
  const periodProblem = (problem: string): Identity => ({
    ...siteResult,
    fatal: fatal(
      'template.wrong_period',
      rule
        ? fillTemplate(rule.periodMessage, {
            seen: periodCell.text ? `“${periodCell.text}”` : 'no quarter',
            cell: periodWhere,
            problem,
          })
        : `This return is for “${periodCell.text}”, which ${problem}.`,
      periodCell.cell,
      periodItem,
      periodCell.text,
    ),
  });
  const parsed = parsePeriod(periodCell.text);
  if ('problem' in parsed) return periodProblem(`is not a real quarter (${parsed.problem})`);
  const period = parsed.period;
  if (!context.programme.includes(period)) {
    return periodProblem(
      `is outside the programme, which runs from ${formatPeriod(context.programme.firstPeriod)} to ${formatPeriod(context.programme.lastPeriod)}`,
    );
  }
  if (periodStart(period) > today)
    return periodProblem(`has not started yet (it starts on ${periodStart(period)})`);
  if (context.expectedPeriod && !samePeriod(context.expectedPeriod, period)) {
    return periodProblem(`is not ${describePeriod(context.expectedPeriod)}, the quarter it was sent for`);
  }
  const inForce = context.dictionaries.forPeriod(period);
  if (inForce.version !== dictionary.version) {
    return {
      ...siteResult,
      period,
      fatal: {
        code: 'template.wrong_version',
        severity: 'fatal',
        message: `This return for ${describePeriod(period)} was made with the ${dictionary.version} template, but returns for ${describePeriod(period)} use the ${inForce.version} data dictionary, whose items differ. Please download the ${describePeriod(period)} template, copy your figures into it, and send that.`,
        value: dictionary.version,
        expected: inForce.version,
        cells: [],
      },
    };
  }
  return { ...siteResult, period };
}
