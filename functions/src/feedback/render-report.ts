/**
 * A validation report as text for a person at a terminal: the result first,
 * then what must be fixed, then warnings (with the return's own explanations),
 * then any check that could not be run and why.
 */
import { describePeriod, parsePeriod } from '../programme/periods.js';
import type { SiteRegistry } from '../programme/sites.js';
import type { ValidationReport } from '../validation/report.js';
import { findingsHeading, findingTag, resultPhrase, ukDate } from './wording.js';

type ReportFinding = ValidationReport['findings'][number];

/** "Blackpool 2025-26 Q2 return", or as much of it as the report knows. */
export function describeReturn(report: ValidationReport, sites: SiteRegistry): string {
  const site = report.site ? (sites.find(report.site)?.shortName ?? report.site) : undefined;
  const parsed = report.period ? parsePeriod(report.period) : undefined;
  const period = parsed && 'period' in parsed ? describePeriod(parsed.period) : undefined;
  return [site, period, 'return'].filter(Boolean).join(' ');
}

export function renderReportText(report: ValidationReport, sites: SiteRegistry): string {
  const lines: string[] = [];
  const title = `${describeReturn(report, sites)}${report.file.name ? ` (${report.file.name})` : ''}`;
  lines.push(`${title}: ${resultPhrase(report)}.`);
  if (report.dictionaryVersion) {
    lines.push(`Checked against data dictionary ${report.dictionaryVersion} on ${ukDate(report.checkedAt)}.`);
  }
  const section = (heading: string, findings: readonly ReportFinding[]) => {
    if (findings.length === 0) return;
    lines.push('', heading);
    findings.forEach((finding, index) => {
      const tag = findingTag(finding);
      lines.push(...wrap(`${index + 1}. ${tag ? `[${tag}] ` : ''}${finding.message}`, '   '));
      if (finding.explanation)
        lines.push(...wrap(`Your explanation: “${finding.explanation}”`, '   ', '   '));
    });
  };
  for (const severity of ['fatal', 'error', 'warning'] as const) {
    section(
      findingsHeading(severity, report.status),
      report.findings.filter((finding) => finding.severity === severity),
    );
  }
  if (report.checksNotRun.length > 0) {
    lines.push('', 'Not checked');
    for (const check of report.checksNotRun)
      lines.push(...wrap(`- ${check.ruleId} ${check.title}: ${check.reason}.`, '  '));
  }
  if (report.findings.length === 0) lines.push('', 'No problems found. Thank you.');
  return `${lines.join('\n')}\n`;
}

function wrap(text: string, indent: string, first = '', width = 100): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = first;
  for (const word of words) {
    if (line.trim() && line.length + word.length + 1 > width) {
      lines.push(line);
      line = indent;
    }
    line += line.trim() ? ` ${word}` : word;
  }
  if (line.trim()) lines.push(line);
  return lines;
}
