/**
 * The charts against the figures they draw: each SVG is parsed as XML, every
 * point's, band's, bar's and England line's position is mapped back through
 * the axis ticks drawn beside it, and must give the aggregation's figure.
 * Like-for-like marks, percentage-point changes, sites reporting and the
 * accessible parts (title, desc, data table) are checked too.
 */
import { describe, expect, it } from 'vitest';
import { CLOSE, END, OPEN, TEXT, XmlScanner } from '../../functions/src/reading/xml-scanner.js';
import {
  type ChartInput,
  countChart,
  indicatorChart,
  indicatorSeries,
  programmeCharts,
  rateScale,
} from '../../functions/src/summaries/charts.js';
import { chartSummary } from '../support/chart-summary.js';
import { testReference } from '../support/reference.js';

interface Element {
  name: string;
  attributes: Record<string, string>;
  children: Element[];
  text: string;
  parent?: Element;
}

const ATTRIBUTES = [
  'class',
  'id',
  'x',
  'y',
  'x1',
  'x2',
  'y1',
  'y2',
  'cx',
  'cy',
  'width',
  'height',
  'd',
  'fill',
  'role',
  'aria-labelledby',
  'viewBox',
  'data-unit',
  'data-period',
  'data-rate',
  'data-value',
  'data-sites',
  'data-like-for-like',
  'stroke-dasharray',
];

/** A well-formedness-checking parse: every open tag closed in order, one root. */
function parse(svg: string): Element {
  const scanner = new XmlScanner(Buffer.from(svg, 'utf8'), 'chart.svg');
  const root: Element = { name: '#root', attributes: {}, children: [], text: '' };
  let current = root;
  for (let kind = scanner.next(); kind !== END; kind = scanner.next()) {
    if (kind === OPEN) {
      const attributes: Record<string, string> = {};
      for (const name of ATTRIBUTES) {
        const value = scanner.attr(name);
        if (value !== undefined) attributes[name] = value;
      }
      const element: Element = { name: scanner.name, attributes, children: [], text: '', parent: current };
      current.children.push(element);
      if (!scanner.selfClosing) current = element;
    } else if (kind === CLOSE) {
      expect(scanner.name, 'closing tag matches').toBe(current.name);
      current = current.parent as Element;
    } else if (kind === TEXT) {
      current.text += scanner.textValue();
    }
  }
  expect(current).toBe(root);
  expect(root.children).toHaveLength(1);
  return root.children[0] as Element;
}

function all(element: Element, test: (e: Element) => boolean): Element[] {
  return [...(test(element) ? [element] : []), ...element.children.flatMap((child) => all(child, test))];
}
const withClass = (root: Element, name: string) => all(root, (e) => e.attributes.class === name);
const num = (e: Element, attribute: string) => Number(e.attributes[attribute]);

/** Maps a y position back to a value through two of the panel's tick labels. */
function axisOf(panel: Element): (y: number) => number {
  const ticks = withClass(panel, 'tick').map((tick) => ({
    value: num(tick, 'data-value'),
    y: num(tick, 'y') - 4,
  }));
  const [a, b] = [ticks[0], ticks.at(-1)] as [{ value: number; y: number }, { value: number; y: number }];
  expect(a.y).not.toBe(b.y);
  // The label must say the value it stands for.
  for (const tick of withClass(panel, 'tick'))
    expect(Number.parseFloat(tick.text) / 100).toBeCloseTo(num(tick, 'data-value'), 6);
  return (y) => a.value + ((y - a.y) * (b.value - a.value)) / (b.y - a.y);
}

const reference = testReference();
const summary = chartSummary();
const input: ChartInput = { summary, sites: reference.sites.sites, benchmarks: reference.benchmarks };

describe('indicator charts', () => {
  const chart = indicatorChart(input, 'IND.BF_68W');
  const svg = parse(chart.svg);
  const panels = all(svg, (e) => e.attributes.class === 'panel');

  it('draws one panel for the programme and one per site, each point where its rate is', () => {
    expect(panels.map((panel) => panel.attributes['data-unit'])).toEqual([
      'programme',
      'BLK',
      'BFD',
      'LAM',
      'NOT',
      'SEN',
    ]);
    let checked = 0;
    for (const panel of panels) {
      const unit = panel.attributes['data-unit'] as string;
      const valueAt = axisOf(panel);
      for (const point of all(panel, (e) => e.name === 'circle')) {
        const period = point.attributes['data-period'] as string;
        const figure =
          unit === 'programme'
            ? summary.programmeQuarter.get(period)?.indicators.get('IND.BF_68W')
            : summary.siteQuarter.get(`${unit} ${period}`)?.indicators.get('IND.BF_68W');
        expect(figure?.rate).toBeDefined();
        // Positions are written to 0.01 px on a 150 px panel: within 0.0002 of the rate.
        expect(Math.abs(valueAt(num(point, 'cy')) - (figure?.rate as number))).toBeLessThan(2e-4);
        checked++;
      }
    }
    expect(checked).toBe(4 + 4 * 4 + 3); // Southend has no Q3 return
  });

  it('draws the Wilson interval as a band whose edges are the lower and upper limits', () => {
    const programme = panels[0] as Element;
    const valueAt = axisOf(programme);
    const band = withClass(programme, 'band')[0] as Element;
    const vertices = (band.attributes.d as string)
      .replace(/[MZ]/g, '')
      .split(' L')
      .map((pair) => pair.trim().split(',').map(Number) as [number, number]);
    const quarters = summary.quarters.length;
    expect(vertices).toHaveLength(quarters * 2);
    summary.quarters.forEach((quarter, index) => {
      const figure = summary.programmeQuarter
        .get(`2025-26-Q${quarter.quarter}`)
        ?.indicators.get('IND.BF_68W');
      const upper = vertices[index] as [number, number];
      const lower = vertices[2 * quarters - 1 - index] as [number, number];
      expect(upper[0]).toBe(lower[0]);
      expect(Math.abs(valueAt(upper[1]) - (figure?.upper as number))).toBeLessThan(2e-4);
      expect(Math.abs(valueAt(lower[1]) - (figure?.lower as number))).toBeLessThan(2e-4);
    });
    // A gap breaks the band: Southend has Q1–Q2 as one band and Q4 on its own.
    expect(withClass(panels[5] as Element, 'band').map((b) => b.name)).toEqual(['path', 'rect']);
    expect(withClass(panels[5] as Element, 'no-value').map((e) => e.attributes['data-period'])).toEqual([
      '2025-26-Q3',
    ]);
    // Southend sent no Q3 return: that is not an item left unreported.
    expect(withClass(panels[5] as Element, 'no-value').map((e) => e.text)).toEqual(['no return yet']);
  });

  it('draws the England value as a dashed line at its value, in every panel', () => {
    const england = reference.benchmarks.for('IND.BF_68W', 2025)?.value as number;
    for (const panel of panels) {
      const [line] = withClass(panel, 'england') as [Element];
      expect(line.attributes['stroke-dasharray']).toBeDefined();
      expect(Math.abs(axisOf(panel)(num(line, 'y1')) - england)).toBeLessThan(2e-4);
    }
  });

  it('marks programme points whose sites reporting changed, and gives the like-for-like change in points', () => {
    const programme = panels[0] as Element;
    const marks = all(programme, (e) => e.name === 'circle').map((c) => [
      c.attributes['data-period'],
      c.attributes['data-like-for-like'],
      c.attributes.fill,
    ]);
    expect(marks).toEqual([
      ['2025-26-Q1', 'true', '#1f4e79'],
      ['2025-26-Q2', 'true', '#1f4e79'],
      ['2025-26-Q3', 'false', '#ffffff'],
      ['2025-26-Q4', 'false', '#ffffff'],
    ]);
    const [series] = indicatorSeries(input, 'IND.BF_68W');
    const q3 = series?.points[2];
    const fig = (site: string, q: number) =>
      summary.siteQuarter.get(`${site} 2025-26-Q${q}`)?.indicators.get('IND.BF_68W');
    const pooled = (q: number) => {
      const sites = ['BLK', 'BFD', 'LAM', 'NOT'];
      const n = sites.reduce((sum, site) => sum + (fig(site, q)?.numerator as number), 0);
      const d = sites.reduce((sum, site) => sum + (fig(site, q)?.denominator as number), 0);
      return n / d;
    };
    expect(q3?.likeForLikePoints).toBeCloseTo((pooled(3) - pooled(2)) * 100, 9);
    const q2 = summary.programmeQuarter.get('2025-26-Q2')?.indicators.get('IND.BF_68W')?.rate as number;
    const q3rate = summary.programmeQuarter.get('2025-26-Q3')?.indicators.get('IND.BF_68W')?.rate as number;
    expect(q3?.changePoints).toBeCloseTo((q3rate - q2) * 100, 9);
    const row = chart.table.rows.find(
      (r) => r[0] === 'Programme' && r[1] === '2025-26 Q3',
    ) as readonly string[];
    expect(row[5]).toBe('4');
    expect(row[6]).toMatch(/^[+−±]\d+\.\d pp$/);
    expect(row[7]).toMatch(/^[+−±]\d+\.\d pp \(sites in both quarters\)$/);
  });

  it('is accessible: role img, labelled by its title and description, with the data table beside it', () => {
    expect(svg.attributes.role).toBe('img');
    const title = all(svg, (e) => e.name === 'title' && e.parent === svg)[0] as Element;
    const desc = all(svg, (e) => e.name === 'desc')[0] as Element;
    expect(svg.attributes['aria-labelledby']).toBe(`${title.attributes.id} ${desc.attributes.id}`);
    expect(title.text).toBe('Breastfeeding at 6–8 weeks: programme and sites by quarter');
    expect(desc.text).toBe(chart.description);
    expect(desc.text).toContain('England: 52.7% (2023-24); higher is better.');
    expect(desc.text).toContain('not like-for-like because the sites reporting changed');
    expect(chart.tableHtml).toMatch(/^<table id="chart-IND\.BF_68W-table" class="chart-data"><caption>/);
    expect(chart.tableHtml).toContain('<th scope="col">95% interval</th>');
    expect(chart.table.rows).toHaveLength(6 * 4);
  });

  it('an indicator without a benchmark draws no England line and says nothing of England', () => {
    const reach = indicatorChart(input, 'IND.CONTACT_14D');
    expect(withClass(parse(reach.svg), 'england')).toEqual([]);
    expect(reach.description).not.toContain('England');
    expect(reach.table.headings).not.toContain('Against England');
  });

  it('escapes what it is given and every chart of the programme parses', () => {
    for (const each of programmeCharts(input)) parse(each.svg);
    const odd = reference.sites.sites.map((site) => ({ ...site, shortName: `${site.shortName} <b> & "co"` }));
    const escaped = indicatorChart({ ...input, sites: odd }, 'IND.BF_68W');
    const labels = all(parse(escaped.svg), (e) => e.name === 'text').map((e) => e.text);
    expect(labels).toContain('Blackpool <b> & "co"');
    expect(escaped.tableHtml).toContain('Blackpool &lt;b&gt; &amp; &quot;co&quot;');
    const ids = programmeCharts(input).map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['chart-REACH.CHILD_Q', 'chart-ACT.SESSIONS']));
    expect(ids).not.toContain('chart-REACH.CHILD_AGE_0');
  });

  it.each([
    [[0.52, 0.55], 0.52, 0.55],
    [[0.41, 0.68], 0.4, 0.7],
    [[0, 0.03], 0, 0.03],
    [[0.97, 1], 0.97, 1],
    [[], 0, 1],
  ])('a rate axis for %j runs from %d to %d on nice steps', (values, min, max) => {
    const scale = rateScale(values);
    expect(scale.min).toBeCloseTo(min, 9);
    expect(scale.max).toBeCloseTo(max, 9);
    expect(scale.ticks[0]).toBeCloseTo(scale.min, 9);
  });
});

describe('count charts', () => {
  const chart = countChart(input, 'ACT.SESSIONS');
  const svg = parse(chart.svg);

  it('draws each quarter’s programme total as a bar of that height, with the sites reporting under it', () => {
    const ticks = withClass(svg, 'tick').map((t) => ({ value: num(t, 'data-value'), y: num(t, 'y') - 4 }));
    const zero = ticks.find((t) => t.value === 0) as { y: number };
    const top = ticks.at(-1) as { value: number; y: number };
    const perUnit = (zero.y - top.y) / top.value;
    for (const bar of withClass(svg, 'bar')) {
      const period = bar.attributes['data-period'] as string;
      const expected = summary.programmeQuarter.get(period)?.items.get('ACT.SESSIONS')?.value as number;
      expect(num(bar, 'y') + num(bar, 'height')).toBeCloseTo(zero.y, 1);
      expect(num(bar, 'height') / perUnit).toBeCloseTo(expected, 0);
    }
    expect(withClass(svg, 'sites-reporting').map((e) => [e.attributes['data-period'], e.text])).toEqual([
      ['2025-26-Q1', '5 of 5 sites'],
      ['2025-26-Q2', '5 of 5 sites'],
      ['2025-26-Q3', '4 of 5 sites'],
      ['2025-26-Q4', '5 of 5 sites'],
    ]);
    expect(chart.table.rows[2]?.[2]).toBe('4 of 5');
    expect(chart.table.rows[2]?.[4]).toContain('(the 4 sites in both quarters)');
  });
});
