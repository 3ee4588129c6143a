/**
 * Charts of the programme summary, as server-rendered SVG, for the portal's
 * staff pages (and anywhere else an <svg> can go: an email, a report).
 *
 * - An indicator chart is a set of small multiples on one shared scale: the
 *   programme first, then each site, over the quarters. The rate is a line
 *   with a point per quarter, its Wilson 95% interval a band, and the England
 *   value a dashed line. A programme point whose sites reporting differ from
 *   the quarter before is drawn hollow: its change is not like-for-like, and
 *   the table gives the like-for-like change over the sites in both quarters.
 *   Changes are in percentage points.
 * - A count chart shows the programme total each quarter as bars, with the
 *   number of sites reporting under each, since a total over four sites is
 *   not comparable with one over five.
 *
 * Every chart is accessible: role="img", a <title> and a <desc> that says in
 * words what the chart shows, and the same figures as a table (returned both
 * as rows and as an HTML table to place beside the chart). Colour is never the
 * only carrier: hollow versus filled points, dashed versus solid lines, and
 * the table say the same.
 *
 * No library: a handful of lines, rectangles and text need none, and the
 * figures go into the markup exactly (no rounding of positions beyond 0.01 px).
 *
 * Not in the programme workbook: exceljs writes no charts, and DrawingML
 * written by hand could draw neither the interval band nor the hollow
 * not-like-for-like points without stacked-area and per-point tricks that
 * Excel, LibreOffice and Numbers each render differently, with nothing here to
 * check them against Excel. The workbook keeps the figures (Indicators,
 * Trends, Data) for anyone who wants their own chart; these are the charts.
 *
 * input: a ProgrammeSummary (aggregation's figures per quarter) → output: Chart
 */
import type { IndicatorFigure, LevelFigures, ProgrammeSummary } from '../aggregation/aggregate.js';
import { escapeHtml } from '../dictionary/describe-dictionary.js';
import type { Item } from '../dictionary/load-dictionary.js';
import type { Benchmarks } from '../programme/benchmarks.js';
import { describePeriod, formatPeriod, type Period } from '../programme/periods.js';
import type { Site } from '../programme/sites.js';

export interface ChartInput {
  readonly summary: ProgrammeSummary;
  readonly sites: readonly Site[];
  readonly benchmarks: Benchmarks;
}

export interface ChartTable {
  readonly caption: string;
  readonly headings: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string>>;
}

export interface Chart {
  /** Stable and unique on a page: `chart-IND.BF_68W`, used for the SVG's ids. */
  readonly id: string;
  readonly title: string;
  /** What the chart shows, in words: the SVG's <desc>. */
  readonly description: string;
  readonly svg: string;
  readonly table: ChartTable;
  /** The table as HTML, to place beside the chart. */
  readonly tableHtml: string;
}

/** One point of an indicator series, as drawn and as tabulated. */
export interface RatePoint {
  readonly period: string;
  readonly rate?: number;
  readonly lower?: number;
  readonly upper?: number;
  readonly numerator?: number;
  readonly denominator?: number;
  readonly sites: number;
  /** Whether any return for the quarter is held: without one a missing rate is "no return yet", not "not reported". */
  readonly returned: boolean;
  /** Sites in this quarter's figure, for the programme: like-for-like when the same as the quarter before. */
  readonly siteCodes: readonly string[];
  readonly likeForLike: boolean;
  /** Rate change against the previous quarter, in percentage points. */
  readonly changePoints?: number;
  /** The change over only the sites reporting both quarters, in percentage points. */
  readonly likeForLikePoints?: number;
  readonly benchmark?: number;
}

export interface RateSeries {
  /** `programme` or a site code. */
  readonly unit: string;
  readonly label: string;
  readonly points: readonly RatePoint[];
}

// Layout, in SVG user units (px at 100%).
const PANEL = { width: 250, height: 150, gapX: 46, gapY: 56, columns: 3 };
// Room on the right for a last quarter's "not reported", centred on its tick.
const MARGIN = { top: 62, right: 30, bottom: 34, left: 48 };
const COLOURS = {
  programme: '#1f4e79',
  site: '#2e75b6',
  band: '#9dc3e6',
  england: '#c00000',
  grid: '#d9d9d9',
  text: '#1b1b1b',
  muted: '#595959',
  bar: '#2e75b6',
};
const FONT = 'font-family="Arial, Helvetica, sans-serif"';

/** Every indicator, then the headline counts of "how much did we do?" (not their breakdowns). */
export function programmeCharts(input: ChartInput): Chart[] {
  const { dictionary } = input.summary;
  // Breakdowns (the parts of a sum rule, such as age bands) belong in tables, not a chart each.
  const parts = new Set(dictionary.rules.flatMap((rule) => (rule.kind === 'sum_equals' ? rule.parts : [])));
  const counts = dictionary.items.filter(
    (item) =>
      item.type === 'count' &&
      !parts.has(item.id) &&
      item.sectionSpec.question === 'how_much' &&
      (item.aggregation === 'sum' || item.aggregation === 'unique_quarter'),
  );
  return [
    ...dictionary.indicators.map((indicator) => indicatorChart(input, indicator.id)),
    ...counts.map((item) => countChart(input, item.id)),
  ];
}

/** The series an indicator chart draws: the programme, then each site in registry order. */
export function indicatorSeries(input: ChartInput, indicatorId: string): RateSeries[] {
  const { summary } = input;
  const periods = summary.quarters.map(formatPeriod);
  const siteFigure = (site: string, period: string) =>
    summary.siteQuarter.get(`${site} ${period}`)?.indicators.get(indicatorId);
  const reporting = (period: string) => summary.sites.filter((site) => hasRate(siteFigure(site, period)));

  const programme: RatePoint[] = periods.map((period, index) => {
    const figure = summary.programmeQuarter.get(period)?.indicators.get(indicatorId);
    const siteCodes = reporting(period);
    const before = index > 0 ? (periods[index - 1] as string) : undefined;
    const previous = before ? summary.programmeQuarter.get(before)?.indicators.get(indicatorId) : undefined;
    const previousSites = before ? reporting(before) : [];
    const likeForLike = before === undefined || sameSet(siteCodes, previousSites);
    const both = siteCodes.filter((site) => previousSites.includes(site));
    const pooled = (at: string) => {
      let numerator = 0;
      let denominator = 0;
      for (const site of both) {
        const f = siteFigure(site, at) as IndicatorFigure;
        numerator += f.numerator as number;
        denominator += f.denominator as number;
      }
      return denominator > 0 ? numerator / denominator : undefined;
    };
    const now = before && both.length > 0 ? pooled(period) : undefined;
    const then = before && both.length > 0 ? pooled(before) : undefined;
    return {
      ...pointOf(period, figure),
      returned: summary.sites.some((site) => summary.siteQuarter.has(`${site} ${period}`)),
      siteCodes,
      likeForLike,
      ...(figure?.rate !== undefined && previous?.rate !== undefined
        ? { changePoints: (figure.rate - previous.rate) * 100 }
        : {}),
      ...(now !== undefined && then !== undefined ? { likeForLikePoints: (now - then) * 100 } : {}),
    };
  });

  const sites = input.sites
    .filter((site) => summary.sites.includes(site.code))
    .map((site): RateSeries => {
      const points = periods.map((period, index): RatePoint => {
        const figure = siteFigure(site.code, period);
        const previous = index > 0 ? siteFigure(site.code, periods[index - 1] as string) : undefined;
        const change =
          figure?.rate !== undefined && previous?.rate !== undefined
            ? (figure.rate - previous.rate) * 100
            : undefined;
        return {
          ...pointOf(period, figure),
          returned: summary.siteQuarter.has(`${site.code} ${period}`),
          siteCodes: hasRate(figure) ? [site.code] : [],
          likeForLike: true,
          ...(change === undefined ? {} : { changePoints: change, likeForLikePoints: change }),
        };
      });
      return { unit: site.code, label: site.shortName, points };
    });
  return [{ unit: 'programme', label: 'Programme', points: programme }, ...sites];
}

export function indicatorChart(input: ChartInput, indicatorId: string): Chart {
  const { summary } = input;
  const indicator = summary.dictionary.indicators.find((candidate) => candidate.id === indicatorId);
  if (!indicator) throw new Error(`no indicator ${indicatorId} in dictionary ${summary.dictionary.version}`);
  const series = indicatorSeries(input, indicatorId);
  const benchmark = input.benchmarks.for(indicatorId, summary.startYear);
  const id = `chart-${indicatorId}`;
  const title = `${indicator.label}: programme and sites by quarter`;
  const description = describeIndicator(series, indicator.label, indicator.polarity, benchmark, summary);

  const values = series.flatMap((entry) =>
    entry.points.flatMap((point) => [point.lower, point.upper, point.rate].filter(isNumber)),
  );
  if (benchmark) values.push(benchmark.value);
  const scale = rateScale(values);
  const quarters = summary.quarters;
  const rows = Math.ceil(series.length / PANEL.columns);
  const width = MARGIN.left + PANEL.columns * PANEL.width + (PANEL.columns - 1) * PANEL.gapX + MARGIN.right;
  const height = MARGIN.top + rows * PANEL.height + (rows - 1) * PANEL.gapY + MARGIN.bottom + 26;

  const parts: string[] = [];
  series.forEach((entry, index) => {
    const column = index % PANEL.columns;
    const row = Math.floor(index / PANEL.columns);
    const left = MARGIN.left + column * (PANEL.width + PANEL.gapX);
    const top = MARGIN.top + row * (PANEL.height + PANEL.gapY);
    const x = (position: number) =>
      left +
      (quarters.length === 1
        ? PANEL.width / 2
        : 12 + (position * (PANEL.width - 24)) / (quarters.length - 1));
    const y = (value: number) =>
      top + PANEL.height - ((value - scale.min) / (scale.max - scale.min)) * PANEL.height;
    const colour = entry.unit === 'programme' ? COLOURS.programme : COLOURS.site;
    const panel: string[] = [];
    panel.push(
      `<text x="${left}" y="${top - 10}" font-size="13" font-weight="bold" fill="${COLOURS.text}">${escapeHtml(entry.label)}</text>`,
    );
    for (const tick of scale.ticks) {
      panel.push(
        `<line class="grid" x1="${left}" x2="${left + PANEL.width}" y1="${fixed(y(tick))}" y2="${fixed(y(tick))}" stroke="${COLOURS.grid}" stroke-width="1"/>`,
        `<text class="tick" data-value="${tick}" x="${left - 6}" y="${fixed(y(tick) + 4)}" font-size="11" text-anchor="end" fill="${COLOURS.muted}">${percent(tick, scale.step < 0.01 ? 1 : 0)}</text>`,
      );
    }
    quarters.forEach((quarter, position) => {
      panel.push(
        `<text x="${fixed(x(position))}" y="${top + PANEL.height + 16}" font-size="11" text-anchor="middle" fill="${COLOURS.muted}">Q${quarter.quarter}</text>`,
      );
    });
    // The interval as a band over each run of consecutive quarters that have one (a gap breaks it).
    for (const run of runsOf(
      entry.points,
      (point) => point.lower !== undefined && point.upper !== undefined,
    )) {
      if (run.length === 1) {
        const [only] = run as [{ point: RatePoint; index: number }];
        panel.push(
          `<rect class="band" x="${fixed(x(only.index) - 5)}" y="${fixed(y(only.point.upper as number))}" width="10" height="${fixed(y(only.point.lower as number) - y(only.point.upper as number))}" fill="${COLOURS.band}" fill-opacity="0.6"/>`,
        );
        continue;
      }
      const upper = run.map(({ point, index }) => `${fixed(x(index))},${fixed(y(point.upper as number))}`);
      const lower = [...run]
        .reverse()
        .map(({ point, index }) => `${fixed(x(index))},${fixed(y(point.lower as number))}`);
      panel.push(
        `<path class="band" d="M${upper.join(' L')} L${lower.join(' L')} Z" fill="${COLOURS.band}" fill-opacity="0.6" stroke="none"/>`,
      );
    }
    if (benchmark) {
      panel.push(
        `<line class="england" data-value="${benchmark.value}" x1="${left}" x2="${left + PANEL.width}" y1="${fixed(y(benchmark.value))}" y2="${fixed(y(benchmark.value))}" stroke="${COLOURS.england}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
      );
    }
    for (const run of runsOf(entry.points, (point) => point.rate !== undefined)) {
      if (run.length < 2) continue;
      panel.push(
        `<path class="rate-line" d="M${run.map(({ point, index }) => `${fixed(x(index))},${fixed(y(point.rate as number))}`).join(' L')}" fill="none" stroke="${colour}" stroke-width="2"/>`,
      );
    }
    entry.points.forEach((point, position) => {
      if (point.rate === undefined) {
        panel.push(
          `<text class="no-value" data-period="${point.period}" x="${fixed(x(position))}" y="${fixed(top + PANEL.height - 6)}" font-size="10" text-anchor="middle" fill="${COLOURS.muted}">${missingRate(point)}</text>`,
        );
        return;
      }
      const hollow = !point.likeForLike;
      panel.push(
        `<circle class="rate" data-unit="${entry.unit}" data-period="${point.period}" data-rate="${point.rate}" data-like-for-like="${point.likeForLike}" cx="${fixed(x(position))}" cy="${fixed(y(point.rate))}" r="4" fill="${hollow ? '#ffffff' : colour}" stroke="${colour}" stroke-width="2"><title>${escapeHtml(pointTitle(entry.label, point))}</title></circle>`,
      );
    });
    parts.push(`<g class="panel" data-unit="${entry.unit}">${panel.join('')}</g>`);
  });

  // Legend: what each mark means, in words as well as shapes.
  const legendY = height - 14;
  const legend = [
    `<rect x="${MARGIN.left}" y="${legendY - 9}" width="18" height="10" fill="${COLOURS.band}" fill-opacity="0.6"/>`,
    `<text x="${MARGIN.left + 24}" y="${legendY}" font-size="11" fill="${COLOURS.text}">95% confidence interval (Wilson)</text>`,
    `<circle cx="${MARGIN.left + 240}" cy="${legendY - 4}" r="4" fill="#ffffff" stroke="${COLOURS.programme}" stroke-width="2"/>`,
    `<text x="${MARGIN.left + 250}" y="${legendY}" font-size="11" fill="${COLOURS.text}">sites reporting changed: not like-for-like</text>`,
    ...(benchmark
      ? [
          `<line x1="${MARGIN.left + 500}" x2="${MARGIN.left + 524}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${COLOURS.england}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
          `<text x="${MARGIN.left + 530}" y="${legendY}" font-size="11" fill="${COLOURS.text}">England ${percent(benchmark.value, 1)} (${escapeHtml(benchmark.covers)})</text>`,
        ]
      : []),
  ];

  const heading = `<text x="${MARGIN.left - 40}" y="22" font-size="15" font-weight="bold" fill="${COLOURS.text}">${escapeHtml(indicator.label)}, ${escapeHtml(describeQuarters(quarters))}</text>`;
  const svg = svgDocument(id, width, height, title, description, [heading, ...parts, ...legend]);
  const table = indicatorTable(indicatorId, series, indicator.label, benchmark?.value, summary);
  return { id, title, description, svg, table, tableHtml: tableHtml(table, `${id}-table`) };
}

/** The programme total of one count item each quarter, with the sites reporting it. */
export function countChart(input: ChartInput, itemId: string): Chart {
  const { summary } = input;
  const item = summary.dictionary.item(itemId);
  if (!item) throw new Error(`no item ${itemId} in dictionary ${summary.dictionary.version}`);
  const periods = summary.quarters.map(formatPeriod);
  const total = summary.sites.length;
  const reporting = (period: string) =>
    summary.sites.filter(
      (site) => summary.siteQuarter.get(`${site} ${period}`)?.items.get(itemId)?.value !== undefined,
    );
  const bars = periods.map((period, index) => {
    const figure = summary.programmeQuarter.get(period)?.items.get(itemId);
    const sites = reporting(period);
    const before = index > 0 ? (periods[index - 1] as string) : undefined;
    const previousSites = before ? reporting(before) : [];
    const both = sites.filter((site) => previousSites.includes(site));
    const siteValue = (site: string, at: string) =>
      summary.siteQuarter.get(`${site} ${at}`)?.items.get(itemId)?.value as number;
    const likeForLikeChange =
      before && both.length > 0
        ? both.reduce((sum, site) => sum + siteValue(site, period) - siteValue(site, before), 0)
        : undefined;
    return {
      period,
      value: figure?.value,
      sites,
      likeForLike: before === undefined || sameSet(sites, previousSites),
      likeForLikeChange,
    };
  });
  const id = `chart-${itemId}`;
  const title = `${item.label}: programme total by quarter`;
  const description = describeCounts(item, bars, total, summary.quarters);
  const max = Math.max(0, ...bars.map((bar) => bar.value ?? 0));
  const scale = countScale(max);
  const width = 560;
  const height = 310;
  const plot = { left: 70, top: 44, width: 460, height: 180 };
  const slot = plot.width / Math.max(1, bars.length);
  const y = (value: number) => plot.top + plot.height - (value / scale.max) * plot.height;
  const parts: string[] = [
    `<text x="10" y="20" font-size="15" font-weight="bold" fill="${COLOURS.text}">${escapeHtml(item.label)}, ${escapeHtml(describeQuarters(summary.quarters))}</text>`,
  ];
  for (const tick of scale.ticks) {
    parts.push(
      `<line class="grid" x1="${plot.left}" x2="${plot.left + plot.width}" y1="${fixed(y(tick))}" y2="${fixed(y(tick))}" stroke="${COLOURS.grid}"/>`,
      `<text class="tick" data-value="${tick}" x="${plot.left - 6}" y="${fixed(y(tick) + 4)}" font-size="11" text-anchor="end" fill="${COLOURS.muted}">${formatNumber(tick, item)}</text>`,
    );
  }
  bars.forEach((bar, index) => {
    const centre = plot.left + slot * index + slot / 2;
    const barWidth = Math.min(60, slot * 0.6);
    const quarter = summary.quarters[index] as Period;
    if (bar.value !== undefined) {
      parts.push(
        `<rect class="bar" data-period="${bar.period}" data-value="${bar.value}" x="${fixed(centre - barWidth / 2)}" y="${fixed(y(bar.value))}" width="${fixed(barWidth)}" height="${fixed(plot.top + plot.height - y(bar.value))}" fill="${COLOURS.bar}"${bar.likeForLike ? '' : ' fill-opacity="0.45" stroke="#1f4e79" stroke-dasharray="4 3"'}><title>${escapeHtml(`${describePeriod(quarter)}: ${formatNumber(bar.value, item)} from ${bar.sites.length} of ${total} sites`)}</title></rect>`,
        `<text x="${fixed(centre)}" y="${fixed(y(bar.value) - 5)}" font-size="11" text-anchor="middle" fill="${COLOURS.text}">${formatNumber(bar.value, item)}</text>`,
      );
    } else {
      parts.push(
        `<text class="no-value" data-period="${bar.period}" x="${fixed(centre)}" y="${plot.top + plot.height - 6}" font-size="10" text-anchor="middle" fill="${COLOURS.muted}">no returns</text>`,
      );
    }
    parts.push(
      `<text x="${fixed(centre)}" y="${plot.top + plot.height + 16}" font-size="11" text-anchor="middle" fill="${COLOURS.text}">Q${quarter.quarter}</text>`,
      `<text class="sites-reporting" data-period="${bar.period}" data-sites="${bar.sites.length}" x="${fixed(centre)}" y="${plot.top + plot.height + 31}" font-size="10" text-anchor="middle" fill="${COLOURS.muted}">${bar.sites.length} of ${total} sites</text>`,
    );
  });
  parts.push(
    `<text x="${plot.left}" y="${height - 14}" font-size="11" fill="${COLOURS.text}">Under each bar: sites reporting. A paler, dashed bar has different sites from the quarter before.</text>`,
  );
  const table: ChartTable = {
    caption: `${item.label} (${item.unit}), programme total by quarter`,
    headings: ['Quarter', 'Total', 'Sites reporting', 'Change', 'Like-for-like change'],
    rows: bars.map((bar, index) => {
      const previous = index > 0 ? bars[index - 1]?.value : undefined;
      return [
        describePeriod(summary.quarters[index] as Period),
        bar.value === undefined ? 'no returns' : formatNumber(bar.value, item),
        `${bar.sites.length} of ${total}`,
        bar.value !== undefined && previous !== undefined ? signed(bar.value - previous, item) : '',
        bar.likeForLikeChange === undefined
          ? ''
          : `${signed(bar.likeForLikeChange, item)}${bar.likeForLike ? '' : ` (the ${plural(bars[index]?.sites.filter((site) => bars[index - 1]?.sites.includes(site)).length ?? 0, 'site')} in both quarters)`}`,
      ];
    }),
  };
  return {
    id,
    title,
    description,
    svg: svgDocument(id, width, height, title, description, parts),
    table,
    tableHtml: tableHtml(table, `${id}-table`),
  };
}

function svgDocument(
  id: string,
  width: number,
  height: number,
  title: string,
  description: string,
  parts: readonly string[],
): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" id="${escapeHtml(id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${escapeHtml(id)}-title ${escapeHtml(id)}-desc" ${FONT}><title id="${escapeHtml(id)}-title">${escapeHtml(title)}</title><desc id="${escapeHtml(id)}-desc">${escapeHtml(description)}</desc><rect width="${width}" height="${height}" fill="#ffffff"/>${parts.join('')}</svg>`;
}

function pointOf(period: string, figure: IndicatorFigure | undefined) {
  return {
    period,
    sites: figure?.sites ?? 0,
    ...(figure?.rate === undefined ? {} : { rate: figure.rate }),
    ...(figure?.lower === undefined ? {} : { lower: figure.lower }),
    ...(figure?.upper === undefined ? {} : { upper: figure.upper }),
    ...(figure?.numerator === undefined ? {} : { numerator: figure.numerator }),
    ...(figure?.denominator === undefined ? {} : { denominator: figure.denominator }),
    ...(figure?.benchmark === undefined ? {} : { benchmark: figure.benchmark }),
  };
}

function hasRate(figure: IndicatorFigure | undefined): figure is IndicatorFigure {
  return figure?.rate !== undefined && figure.numerator !== undefined && (figure.denominator ?? 0) > 0;
}

function indicatorTable(
  indicatorId: string,
  series: readonly RateSeries[],
  label: string,
  benchmark: number | undefined,
  summary: ProgrammeSummary,
): ChartTable {
  const quarterOf = (period: string) =>
    describePeriod(summary.quarters.find((quarter) => formatPeriod(quarter) === period) as Period);
  const rows: string[][] = [];
  for (const entry of series) {
    for (const point of entry.points) {
      const level: LevelFigures | undefined =
        entry.unit === 'programme'
          ? summary.programmeQuarter.get(point.period)
          : summary.siteQuarter.get(`${entry.unit} ${point.period}`);
      const comparison = level?.indicators.get(indicatorId)?.comparison ?? 'not compared';
      rows.push([
        entry.label,
        quarterOf(point.period),
        point.rate === undefined ? missingRate(point) : percent(point.rate, 1),
        point.lower === undefined || point.upper === undefined
          ? ''
          : `${percent(point.lower, 1)} to ${percent(point.upper, 1)}`,
        point.numerator === undefined || point.denominator === undefined
          ? ''
          : `${point.numerator.toLocaleString('en-GB')} / ${point.denominator.toLocaleString('en-GB')}`,
        entry.unit === 'programme' ? String(point.siteCodes.length) : '',
        point.changePoints === undefined ? '' : points(point.changePoints),
        entry.unit !== 'programme' || point.likeForLikePoints === undefined
          ? ''
          : point.likeForLike
            ? 'same sites'
            : `${points(point.likeForLikePoints)} (sites in both quarters)`,
        ...(benchmark === undefined ? [] : [COMPARISON_TEXT[comparison]]),
      ]);
    }
  }
  return {
    caption: `${label}: rate by quarter with 95% confidence interval${benchmark === undefined ? '' : `; England ${percent(benchmark, 1)}`}`,
    headings: [
      // A named first column: an empty header cell tells a screen reader nothing.
      'Programme or partnership',
      'Quarter',
      'Rate',
      '95% interval',
      'Numerator / denominator',
      'Sites',
      'Change',
      'Like-for-like',
      ...(benchmark === undefined ? [] : ['Against England']),
    ],
    rows,
  };
}

const COMPARISON_TEXT = {
  better: 'better than England',
  similar: 'similar to England',
  worse: 'worse than England',
  'not compared': 'not compared',
} as const;

function describeIndicator(
  series: readonly RateSeries[],
  label: string,
  polarity: string,
  benchmark: { value: number; covers: string } | undefined,
  summary: ProgrammeSummary,
): string {
  const programme = series[0] as RateSeries;
  const reported = programme.points.filter((point) => point.rate !== undefined);
  const sentences: string[] = [];
  const quarterOf = (period: string) =>
    describePeriod(summary.quarters.find((quarter) => formatPeriod(quarter) === period) as Period);
  if (reported.length === 0) {
    sentences.push(`${label}: no site has reported it in these quarters.`);
  } else {
    const last = reported.at(-1) as RatePoint;
    sentences.push(
      `${label}, programme: ${percent(last.rate as number, 1)} in ${quarterOf(last.period)} (95% interval ${percent(last.lower ?? 0, 1)} to ${percent(last.upper ?? 1, 1)}, ${plural(last.siteCodes.length, 'site')} reporting).`,
    );
    if (last.changePoints !== undefined) {
      sentences.push(
        `Change since the previous quarter: ${points(last.changePoints)}${last.likeForLike ? '' : `, not like-for-like because the sites reporting changed; over the sites reporting both quarters it was ${points(last.likeForLikePoints ?? 0)}`}.`,
      );
    }
  }
  if (benchmark) {
    sentences.push(
      `England: ${percent(benchmark.value, 1)} (${benchmark.covers}); ${polarity === 'lower' ? 'lower' : 'higher'} is better.`,
    );
  }
  const latest = series
    .slice(1)
    .map((entry) => ({ entry, point: entry.points.filter((point) => point.rate !== undefined).at(-1) }))
    .filter((found): found is { entry: RateSeries; point: RatePoint } => found.point !== undefined);
  if (latest.length > 0) {
    sentences.push(
      `Latest by site: ${latest.map(({ entry, point }) => `${entry.label} ${percent(point.rate as number, 1)} (${quarterOf(point.period)})`).join(', ')}.`,
    );
  }
  return sentences.join(' ');
}

function describeCounts(
  item: Item,
  bars: ReadonlyArray<{ period: string; value?: number | undefined; sites: readonly string[] }>,
  total: number,
  quarters: readonly Period[],
): string {
  const parts = bars.map((bar, index) =>
    bar.value === undefined
      ? `${describePeriod(quarters[index] as Period)} no returns`
      : `${describePeriod(quarters[index] as Period)} ${formatNumber(bar.value, item)} (${bar.sites.length} of ${total} sites)`,
  );
  const note =
    item.aggregation === 'unique_quarter'
      ? ' Unique people in each quarter: the quarters are not added together.'
      : '';
  return `${item.label}, programme total by quarter: ${parts.join('; ')}.${note}`;
}

/** A rate axis: nice steps, from a little below the lowest value to a little above the highest, within 0 to 100%. */
export function rateScale(values: readonly number[]): {
  min: number;
  max: number;
  step: number;
  ticks: number[];
} {
  const low = values.length === 0 ? 0 : Math.min(...values);
  const high = values.length === 0 ? 1 : Math.max(...values);
  const span = Math.max(high - low, 0.02);
  const step = niceStep(span / 4);
  const min = Math.max(0, Math.floor(low / step) * step);
  const max = Math.min(1, Math.max(min + step, Math.ceil(high / step) * step));
  const ticks: number[] = [];
  for (let tick = min; tick <= max + step / 1000; tick += step) ticks.push(round(tick, 6));
  return { min, max: ticks.at(-1) ?? max, step, ticks };
}

function countScale(max: number): { max: number; ticks: number[] } {
  const step = niceStep(Math.max(max, 1) / 4);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const ticks: number[] = [];
  for (let tick = 0; tick <= top + step / 1000; tick += step) ticks.push(round(tick, 6));
  return { max: ticks.at(-1) ?? top, ticks };
}

function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

function* runsOf(
  points: readonly RatePoint[],
  has: (point: RatePoint) => boolean,
): Generator<Array<{ point: RatePoint; index: number }>> {
  let run: Array<{ point: RatePoint; index: number }> = [];
  for (const [index, point] of points.entries()) {
    if (has(point)) run.push({ point, index });
    else if (run.length > 0) {
      yield run;
      run = [];
    }
  }
  if (run.length > 0) yield run;
}

function pointTitle(label: string, point: RatePoint): string {
  const interval =
    point.lower === undefined
      ? ''
      : `, 95% interval ${percent(point.lower, 1)} to ${percent(point.upper ?? 1, 1)}`;
  const counts = point.numerator === undefined ? '' : ` (${point.numerator} of ${point.denominator})`;
  return `${label}, ${point.period}: ${percent(point.rate as number, 1)}${counts}${interval}${point.likeForLike ? '' : '; sites reporting changed'}`;
}

function tableHtml(table: ChartTable, id: string): string {
  const head = table.headings.map((heading) => `<th scope="col">${escapeHtml(heading)}</th>`).join('');
  const body = table.rows
    .map(
      (row) =>
        `<tr>${row.map((cell, index) => (index === 0 ? `<th scope="row">${escapeHtml(cell)}</th>` : `<td>${escapeHtml(cell)}</td>`)).join('')}</tr>`,
    )
    .join('');
  return `<table id="${escapeHtml(id)}" class="chart-data"><caption>${escapeHtml(table.caption)}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function describeQuarters(quarters: readonly Period[]): string {
  const first = quarters[0];
  const last = quarters.at(-1);
  if (!first || !last) return '';
  return first === last ? describePeriod(first) : `${describePeriod(first)} to ${describePeriod(last)}`;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value) => b.includes(value));
}

function percent(value: number, digits: number): string {
  return `${(value * 100).toFixed(digits)}%`;
}

/** Percentage points, signed: `+2.3 pp`. */
function points(value: number): string {
  const rounded = round(value, 1);
  return `${rounded > 0 ? '+' : rounded < 0 ? '−' : '±'}${Math.abs(rounded).toFixed(1)} pp`;
}

function formatNumber(value: number, item: Item): string {
  return item.type === 'money'
    ? `£${value.toLocaleString('en-GB', { maximumFractionDigits: 0 })}`
    : value.toLocaleString('en-GB');
}

function signed(value: number, item: Item): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : '±'}${formatNumber(Math.abs(value), item)}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function fixed(value: number): string {
  return String(round(value, 2));
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function isNumber(value: number | undefined): value is number {
  return value !== undefined;
}

/** Why a point has no rate: no return held for the quarter yet, or returns that leave it unreported. */
function missingRate(point: RatePoint): string {
  return point.returned ? 'not reported' : 'no return yet';
}
