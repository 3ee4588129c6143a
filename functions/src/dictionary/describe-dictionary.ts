/**
 * The data dictionary as a document for people who never open the YAML:
 * sections, items, tables, indicators, rules and code lists. One document
 * model, rendered as Markdown or as a self-contained HTML page.
 */
import { describePeriod } from '../programme/periods.js';
import type { Dictionary, Item, Rule, TableColumn } from './load-dictionary.js';
import type { Aggregation } from './schema.js';

type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'table'; headers: string[]; rows: string[][] };

export const AGGREGATION_MEANINGS: Record<Aggregation, string> = {
  sum: 'A flow counted in the quarter: added across sites and across the quarters of a year.',
  unique_quarter:
    'Unique people in the quarter: added across sites (a person belongs to one site), never across quarters; the year uses the matching year-to-date item.',
  unique_ytd:
    'Unique people in the financial year to date: added across sites; the year takes the latest quarter.',
  snapshot: 'A level at a point in time: added across sites; the year takes the latest quarter.',
  text: 'Commentary or identification: not aggregated.',
};

const QUESTION_TITLES = {
  how_much: 'How much did we do?',
  how_well: 'How well did we do it?',
  better_off: 'Is anyone better off?',
};

export function describeValue(
  field: Pick<Item, 'type' | 'min' | 'maxLength' | 'codeList'>,
  dictionary: Dictionary,
): string {
  switch (field.type) {
    case 'count':
      return `Whole number, ${field.min ?? 0} or more`;
    case 'money':
      return `Pounds, up to 2 decimal places, ${field.min ?? 0} or more`;
    case 'date':
      return 'Date';
    case 'text':
      return `Text, up to ${field.maxLength?.toLocaleString('en-GB')} characters`;
    case 'email':
      return 'Email address';
    case 'code': {
      const codes = dictionary.codeLists.get(field.codeList ?? '') ?? [];
      return codes.length > 12
        ? `One of ${codes.length} choices (the ${field.codeList} list: ${codes
            .slice(0, 3)
            .map((code) => code.code)
            .join(', ')}, …)`
        : `One of ${codes.map((code) => code.code).join(', ')}`;
    }
    case 'site':
      return 'Site code (filled in)';
    case 'period':
      return 'Quarter, like 2025-26-Q2 (filled in)';
  }
}

/** What a rule checks, in one line built from its definition. */
export function describeCheck(rule: Rule): string {
  switch (rule.kind) {
    case 'sum_equals':
      return `${rule.parts.join(' + ')} = ${rule.total}${rule.tolerance ? ` (within ${rule.tolerance})` : ''}`;
    case 'compare':
      return `${rule.left} ${rule.op.replace('>=', '≥').replace('<=', '≤')} ${rule.right}${rule.equalInFirstQuarter ? '; equal in Q1' : ''}`;
    case 'not_below_previous':
      return `${rule.item} ≥ the same site's value in the previous quarter of the same year (needs the site's history)`;
    case 'of_which':
      return rule.pairs.map((pair) => `${pair.part} ≤ ${pair.total}`).join('; ');
    case 'ratio_at_least':
      return `(${rule.numerator}) / (${rule.denominator}) ≥ ${percent(rule.threshold)}`;
    case 'ratio_below':
      return `(${rule.numerator}) / (${rule.denominator}) < ${percent(rule.threshold)}`;
    case 'ordered':
      return rule.levels
        .map((level) => (level.length === 1 ? level[0] : `each of ${level.join(', ')}`))
        .join(' ≤ ');
    case 'table_totals':
      return [
        ...rule.totals.map((total) => `sum of ${rule.table}.${total.column} = ${total.total}`),
        ...(rule.unique ? [`no duplicate ${rule.table}.${rule.unique}`] : []),
        ...(rule.requiredInUsedRows.length
          ? [`a row with any value has ${rule.requiredInUsedRows.join(' and ')}`]
          : []),
      ].join('; ');
    case 'outlier':
      return `Each item with an outlier tolerance, against the average of the site's previous ${rule.lookback} quarters (changes under ${rule.minimumChange} ignored; needs the site's history)`;
    case 'if_positive_then_positive':
      return `if ${rule.whenPositive} > 0 then ${rule.alsoPositive} > 0`;
    case 'identity':
      return `${rule.siteItem} is the site the file was sent for; ${rule.periodItem} is a real quarter that has started`;
  }
}

function percent(fraction: number): string {
  return `${(fraction * 100).toLocaleString('en-GB', { maximumFractionDigits: 1 })}%`;
}

function buildDocument(dictionary: Dictionary): Block[] {
  const blocks: Block[] = [
    { kind: 'heading', level: 1, text: `${dictionary.title}: data dictionary ${dictionary.version}` },
    {
      kind: 'paragraph',
      text: `${dictionary.programme}. Applies to returns from ${describePeriod(dictionary.appliesFrom)}. Each item's ID is its permanent identifier and the defined name of its input cell in the template.`,
    },
  ];
  const columnRow = (field: Item | TableColumn, id: string) => [
    id,
    field.label,
    field.definition,
    describeValue(field, dictionary),
    'required' in field ? (field.required ? 'Required' : 'Optional') : 'Optional',
    field.aggregation,
  ];
  for (const section of dictionary.sections) {
    blocks.push({
      kind: 'heading',
      level: 2,
      text: `${section.id}. ${section.title} (sheet "${section.sheet}")`,
    });
    const items = dictionary.items.filter((item) => item.section === section.id);
    if (items.length > 0) {
      blocks.push({
        kind: 'table',
        headers: [
          'ID',
          'Item',
          'Definition',
          'Value',
          'Required',
          'Aggregation',
          'Unit',
          'Outlier tolerance',
        ],
        rows: items.map((item) => [
          ...columnRow(item, item.id),
          item.unit,
          item.outlierTolerance === undefined ? '' : `±${percent(item.outlierTolerance)}`,
        ]),
      });
    }
    for (const table of dictionary.tables.filter((candidate) => candidate.section === section.id)) {
      blocks.push({
        kind: 'heading',
        level: 3,
        text: `Table ${table.id}: ${table.label} (up to ${table.rows} rows${table.role ? `; the ${table.role} table` : ''})`,
      });
      blocks.push({ kind: 'paragraph', text: table.definition });
      blocks.push({
        kind: 'table',
        headers: ['Name', 'Column', 'Definition', 'Value', 'Required', 'Aggregation'],
        rows: table.columns.map((column) => columnRow(column, column.name)),
      });
    }
  }
  blocks.push({ kind: 'heading', level: 2, text: 'Indicators' });
  blocks.push({
    kind: 'paragraph',
    text: 'Indicators are never entered. At every level (site, programme, quarter, year) each is recomputed from the summed numerator and denominator, never averaged, with a Wilson score 95% confidence interval.',
  });
  blocks.push({
    kind: 'table',
    headers: ['ID', 'Indicator', 'Question', 'Numerator', 'Denominator', 'Better when'],
    rows: dictionary.indicators.map((indicator) => [
      indicator.id,
      indicator.label,
      QUESTION_TITLES[indicator.question],
      indicator.numerator,
      indicator.denominator,
      indicator.polarity === 'neither' ? 'neither' : `${indicator.polarity}`,
    ]),
  });
  blocks.push({ kind: 'heading', level: 2, text: 'Rules' });
  blocks.push({
    kind: 'paragraph',
    text: 'Fatal problems and errors stop a return being accepted. Warnings do not, but each should be explained in the explanations table; unexplained warnings are listed in the programme summaries.',
  });
  blocks.push({
    kind: 'table',
    headers: ['Rule', 'Severity', 'Title', 'Check', 'Message'],
    rows: dictionary.rules.map((rule) => [
      rule.id,
      rule.severity,
      rule.title,
      describeCheck(rule),
      rule.message,
    ]),
  });
  blocks.push({ kind: 'heading', level: 2, text: 'Code lists' });
  blocks.push({
    kind: 'table',
    headers: ['List', 'Code', 'Meaning'],
    rows: [...dictionary.codeLists].flatMap(([name, codes]) =>
      codes.map((code) => [name, code.code, code.label]),
    ),
  });
  blocks.push({ kind: 'heading', level: 2, text: 'Aggregation' });
  blocks.push({
    kind: 'table',
    headers: ['Aggregation', 'Meaning'],
    rows: Object.entries(AGGREGATION_MEANINGS).map(([name, meaning]) => [name, meaning]),
  });
  return blocks;
}

export function renderDictionaryMarkdown(dictionary: Dictionary): string {
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  return `${buildDocument(dictionary)
    .map((block) => {
      switch (block.kind) {
        case 'heading':
          return `${'#'.repeat(block.level)} ${block.text}`;
        case 'paragraph':
          return block.text;
        case 'table':
          return [
            `| ${block.headers.map(cell).join(' | ')} |`,
            `| ${block.headers.map(() => '---').join(' | ')} |`,
            ...block.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
          ].join('\n');
        default:
          return block satisfies never;
      }
    })
    .join('\n\n')}\n`;
}

export function renderDictionaryHtml(dictionary: Dictionary): string {
  const body = buildDocument(dictionary)
    .map((block) => {
      switch (block.kind) {
        case 'heading':
          return `<h${block.level}>${escapeHtml(block.text)}</h${block.level}>`;
        case 'paragraph':
          return `<p>${escapeHtml(block.text)}</p>`;
        case 'table':
          return `<table>\n<thead><tr>${block.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>\n<tbody>\n${block.rows
            .map((row) => `<tr>${row.map((value) => `<td>${escapeHtml(value)}</td>`).join('')}</tr>`)
            .join('\n')}\n</tbody>\n</table>`;
        default:
          return block satisfies never;
      }
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>${escapeHtml(`${dictionary.title}: data dictionary ${dictionary.version}`)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; line-height: 1.4; color: #1b1b1b; }
h1, h2, h3 { color: #1f4e79; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #bfbfbf; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #1f4e79; color: #fff; position: sticky; top: 0; }
td:first-child { font-family: ui-monospace, monospace; white-space: nowrap; }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
