/**
 * Synthetic returns: realistic, made-up figures for one partnership and quarter,
 * for demonstrations, load tests and end-to-end tests. Nothing here is real data.
 *
 * The figures hang together the way a real early-years partnership's do: a site
 * keeps its size, its services and its rates from quarter to quarter (they are
 * drawn once per seed and site), and each quarter adds a little noise. Every
 * rule of the dictionary holds, so the return is accepted with no errors and no
 * warnings: breakdowns add up exactly (money to the penny), "of which" counts sit
 * within their totals, the year-to-date count only grows within a year, unknowns
 * stay at or under 3%, and, given the previous quarter, every item with an
 * outlier tolerance stays within half of it.
 *
 * Deterministic: the same dictionary, site, period and options give the same values.
 *
 * input: dictionary, site, period, options → output: ReturnValues
 */
import type { Code, Dictionary, Item } from '../dictionary/load-dictionary.js';
import {
  addDays,
  comparePeriods,
  formatPeriod,
  type Period,
  parsePeriod,
  periodEnd,
  periodMonths,
  previousPeriod,
} from '../programme/periods.js';
import type { Site } from '../programme/sites.js';
import type { ItemValue, ReturnValues, TableRow } from '../returns/return-values.js';

export interface SyntheticOptions {
  /** Picks one synthetic world; the same seed gives the same figures. Default 1. */
  readonly seed?: number;
  /** The same site's previous quarter (of this year or the last), to stay consistent with. */
  readonly previous?: ReturnValues;
  /** Multiplies the partnership's size (population, reach, activity, money). Default 1. */
  readonly scale?: number;
}

// ── Randomness ─────────────────────────────────────────────────────────────

/** mulberry32: a tiny, fast 32-bit PRNG, plenty for made-up figures (and for seeded tests). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a over the parts, so each (seed, site, …) has its own stream. */
function hashParts(...parts: Array<string | number>): number {
  let hash = 0x811c9dc5;
  for (const ch of parts.join('\u0001')) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

class Random {
  private readonly next: () => number;
  constructor(...parts: Array<string | number>) {
    this.next = mulberry32(hashParts(...parts));
  }
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }
  /** A whole number from low to high inclusive. */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }
  /** 1 ± spread. */
  jitter(spread: number): number {
    return 1 + this.uniform(-spread, spread);
  }
  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)] as T;
  }
  shuffle<T>(values: readonly T[]): T[] {
    const copy = [...values];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }
}

/**
 * Splits a whole-number total into parts in proportion to weights, each at least
 * `minimum`, adding up exactly (largest remainder).
 */
function apportion(total: number, weights: readonly number[], minimum = 0): number[] {
  const rest = total - minimum * weights.length;
  if (weights.length === 0) return [];
  if (rest < 0) throw new RangeError(`cannot split ${total} into ${weights.length} parts of ${minimum}`);
  const sum = weights.reduce((a, b) => a + b, 0);
  const shares = weights.map((weight) => (sum > 0 ? (weight / sum) * rest : rest / weights.length));
  const parts = shares.map((share) => Math.floor(share));
  let left = rest - parts.reduce((a, b) => a + b, 0);
  const order = shares
    .map((share, index) => ({ index, fraction: share - Math.floor(share) }))
    .sort((a, b) => b.fraction - a.fraction || a.index - b.index);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) {
    const index = (order[k] as { index: number }).index;
    parts[index] = (parts[index] as number) + 1;
  }
  return parts.map((part) => part + minimum);
}

// ── The partnership: drawn once per seed and site ──────────────────────────

type ServiceKind = 'course' | 'dropin' | 'oneToOne' | 'training';

const SERVICE_CATALOGUE: Record<string, ReadonlyArray<readonly [string, ServiceKind]>> = {
  SED: [
    ['Baby massage', 'course'],
    ['Parent-Infant Relationship Service', 'oneToOne'],
    ['Video Interaction Guidance', 'oneToOne'],
    ['Mellow Babies', 'course'],
    ['Incredible Years parenting programme', 'course'],
    ['Family Nurse Partnership', 'oneToOne'],
    ['Perinatal mental health peer support', 'dropin'],
    ['Dad Matters', 'dropin'],
    ['Circle of Security parenting', 'course'],
    ['Home-Start volunteer home visiting', 'oneToOne'],
    ['Stay and play', 'dropin'],
    ['Baby and toddler yoga', 'course'],
  ],
  CLD: [
    ["Let's Talk early language group", 'course'],
    ['Talking Together home visits', 'oneToOne'],
    ['Bookstart baby rhymetime', 'dropin'],
    ['WellComm language screening clinic', 'oneToOne'],
    ["Let's Play and Learn", 'dropin'],
    ['Chit Chat speech and language drop-in', 'dropin'],
    ['Imagination Library sign-up sessions', 'dropin'],
    ['Makaton signing for families', 'course'],
    ['ESOL for parents with little ones', 'course'],
    ['Early Talk Boost', 'course'],
    ['Sing and Sign', 'course'],
    ['Home learning environment visits', 'oneToOne'],
  ],
  DN: [
    ['HENRY healthy eating', 'course'],
    ['Breastfeeding peer support', 'dropin'],
    ['Infant feeding clinic', 'oneToOne'],
    ['Starting solids workshop', 'course'],
    ['Cook and eat together', 'course'],
    ['Healthy Start vitamins outreach', 'dropin'],
    ['Toothbrushing club', 'dropin'],
    ['Bump to Baby antenatal nutrition', 'course'],
    ['Family food pantry', 'dropin'],
    ['Smoke-free pregnancy support', 'oneToOne'],
  ],
  SYS: [
    ['Family hubs workforce training', 'training'],
    ['Community champions network', 'training'],
    ['Parent-led partnership board', 'training'],
    ['Early years practitioner forum', 'training'],
    ['Shared data and outcomes workshops', 'training'],
    ['Trauma-informed practice training', 'training'],
    ['Volunteer induction programme', 'training'],
    ['Father-inclusive practice training', 'training'],
    ['Speech and language training for childminders', 'training'],
    ['Perinatal pathway redesign group', 'training'],
  ],
};

/** Per quarter: sessions, attendances per session, visits per person, share completing. */
const SERVICE_KINDS: Record<
  ServiceKind,
  {
    sessions: [number, number];
    perSession: [number, number];
    visitsPerUser: [number, number];
    completing: [number, number];
  }
> = {
  course: { sessions: [8, 24], perSession: [5, 12], visitsPerUser: [5, 8], completing: [0.45, 0.75] },
  dropin: { sessions: [12, 40], perSession: [6, 18], visitsPerUser: [2, 4], completing: [0, 0] },
  oneToOne: { sessions: [40, 180], perSession: [1, 1.6], visitsPerUser: [4, 8], completing: [0.2, 0.4] },
  training: { sessions: [2, 8], perSession: [8, 22], visitsPerUser: [1, 1.4], completing: [0, 0] },
};

/** Rough shares of the under-4s by ethnic group (White, Mixed, Asian, Black, Other) in each area. */
const ETHNIC_PROFILES: Record<string, readonly number[]> = {
  BLK: [0.9, 0.04, 0.03, 0.01, 0.02],
  BFD: [0.33, 0.06, 0.53, 0.03, 0.05],
  LAM: [0.33, 0.17, 0.07, 0.34, 0.09],
  NOT: [0.53, 0.13, 0.12, 0.16, 0.06],
  SEN: [0.78, 0.07, 0.06, 0.06, 0.03],
};
const DEFAULT_ETHNIC_PROFILE = [0.72, 0.07, 0.1, 0.07, 0.04];

const FIRST_NAMES = [
  'Aisha',
  'Amelia',
  'Chloe',
  'Daniel',
  'Fatima',
  'Grace',
  'Hannah',
  'Imran',
  'James',
  'Joanne',
  'Kwame',
  'Laura',
  'Mark',
  'Nadia',
  'Olivia',
  'Priya',
  'Rachel',
  'Samuel',
  'Sarah',
  'Tom',
];
const LAST_NAMES = [
  'Ahmed',
  'Bennett',
  'Clarke',
  'Davies',
  'Evans',
  'Hussain',
  'Jackson',
  'Khan',
  'Mensah',
  'Morris',
  "O'Connor",
  'Patel',
  'Roberts',
  'Shaw',
  'Taylor',
  'Walker',
  'Wilson',
  'Wright',
];

interface ServiceProfile {
  readonly name: string;
  readonly domain: string;
  readonly kind: ServiceKind;
  readonly sessions: number;
  readonly perSession: number;
  readonly visitsPerUser: number;
  readonly completing: number;
}

interface SiteProfile {
  readonly eligiblePopulation: number;
  readonly childShare: number;
  readonly pregnantShare: number;
  readonly parentRatio: number;
  readonly newShare: number;
  readonly ytdNewShare: number;
  readonly ageWeights: readonly number[];
  readonly ethnicWeights: readonly number[];
  readonly ethnicUnknown: number;
  readonly referralShare: number;
  readonly contact14d: number;
  readonly feedbackShare: number;
  readonly satisfied: number;
  readonly nbv14d: number;
  readonly review2y: number;
  readonly asqShare: number;
  readonly breastfed: number;
  readonly breastfedTotally: number;
  readonly smoking: number;
  readonly lowBirthWeight: number;
  readonly asqDomains: readonly number[];
  readonly asqAll5: number;
  readonly spendPerQuarterPence: number;
  readonly spendWeights: readonly number[];
  readonly services: readonly ServiceProfile[];
  readonly contactName: string;
  readonly signoffName: string;
}

function siteProfile(seed: number, site: Site, scale: number, domainCodes: readonly string[]): SiteProfile {
  const random = new Random('site', seed, site.code);
  const eligiblePopulation = Math.max(1, Math.round(random.uniform(6_100, 11_800) * scale));
  const ethnicBase = ETHNIC_PROFILES[site.code] ?? DEFAULT_ETHNIC_PROFILE;
  const profile = {
    eligiblePopulation,
    // Children engaged a quarter: a few hundred to about 1,500.
    childShare: random.uniform(0.05, 0.12),
    pregnantShare: random.uniform(0.02, 0.04),
    parentRatio: random.uniform(0.85, 1.1),
    newShare: random.uniform(0.15, 0.3),
    ytdNewShare: random.uniform(0.3, 0.5),
    ageWeights: [random.uniform(0.3, 0.38), random.uniform(0.24, 0.3), random.uniform(0.2, 0.24), 0.16],
    ethnicWeights: ethnicBase.map((share) => share * random.jitter(0.1)),
    ethnicUnknown: random.uniform(0.015, 0.045),
    referralShare: random.uniform(0.02, 0.045),
    contact14d: random.uniform(0.74, 0.9),
    feedbackShare: random.uniform(0.1, 0.22),
    satisfied: random.uniform(0.88, 0.96),
    nbv14d: random.uniform(0.8, 0.92),
    review2y: random.uniform(0.74, 0.88),
    asqShare: random.uniform(0.88, 0.96),
    breastfed: random.uniform(0.47, 0.58),
    breastfedTotally: random.uniform(0.55, 0.7),
    smoking: random.uniform(0.07, 0.11),
    lowBirthWeight: random.uniform(0.022, 0.038),
    asqDomains: [
      random.uniform(0.86, 0.9), // communication
      random.uniform(0.91, 0.95), // gross motor
      random.uniform(0.9, 0.94), // fine motor
      random.uniform(0.89, 0.93), // problem solving
      random.uniform(0.89, 0.93), // personal-social
    ],
    asqAll5: random.uniform(0.77, 0.83),
    spendPerQuarterPence: Math.round(random.uniform(180_000, 500_000) * scale * 100),
    spendWeights: [
      random.uniform(0.25, 0.35),
      random.uniform(0.25, 0.35),
      random.uniform(0.15, 0.25),
      random.uniform(0.12, 0.2),
    ],
  };

  const count = random.int(20, 40);
  const catalogue = Object.entries(SERVICE_CATALOGUE);
  const perDomain = apportion(
    count - 2 * catalogue.length,
    catalogue.map(([domain]) => ({ SED: 0.3, CLD: 0.3, DN: 0.2, SYS: 0.2 })[domain] ?? 0.25),
  ).map((extra) => extra + 2);
  const services: ServiceProfile[] = [];
  catalogue.forEach(([domain, entries], index) => {
    const chosen = random.shuffle(entries).slice(0, perDomain[index]);
    for (const [name, kind] of chosen) {
      const shape = SERVICE_KINDS[kind];
      services.push({
        name,
        domain: domainCodes.includes(domain) ? domain : (domainCodes[0] ?? domain),
        kind,
        sessions: random.uniform(...shape.sessions),
        perSession: random.uniform(...shape.perSession),
        visitsPerUser: random.uniform(...shape.visitsPerUser),
        completing: random.uniform(...shape.completing),
      });
    }
  });
  // The catalogue holds 44 services: a site wanting more than that simply runs all of them.

  const person = () => `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}`;
  const contactName = person();
  let signoffName = person();
  while (signoffName === contactName) signoffName = person();
  return { ...profile, services: random.shuffle(services), contactName, signoffName };
}

// ── The return ─────────────────────────────────────────────────────────────

const SEASON: Record<Period['quarter'], number> = { 1: 1, 2: 0.94, 3: 1.05, 4: 1.01 };
const SPEND_SEASON: Record<Period['quarter'], number> = { 1: 0.9, 2: 0.97, 3: 1.01, 4: 1.12 };
/** Outlier tolerance R14 allows; values keep within this share of it against the previous quarter. */
const TOLERANCE_SHARE = 0.5 * 0.9;

export function syntheticReturn(
  dictionary: Dictionary,
  site: Site,
  period: Period,
  options: SyntheticOptions = {},
): ReturnValues {
  const seed = options.seed ?? 1;
  const scale = options.scale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`scale should be above 0, not ${scale}`);
  const previous = options.previous;

  const services = dictionary.services;
  const domainCodes = (dictionary.codeLists.get(services.columns.domain.codeList ?? '') ?? []).map(
    (code: Code) => code.code,
  );
  const profile = siteProfile(seed, site, scale, domainCodes);
  const year = new Random('year', seed, site.code, period.startYear);
  const quarter = new Random('quarter', seed, site.code, formatPeriod(period));
  const season = SEASON[period.quarter];

  const periodItem = dictionary.itemsOfType('period')[0];
  const previousPeriodText = previous && periodItem ? previous.items[periodItem.id] : undefined;
  const parsedPrevious = typeof previousPeriodText === 'string' ? parsePeriod(previousPeriodText) : undefined;
  const earlier =
    parsedPrevious && 'period' in parsedPrevious ? parsedPrevious.period : previousPeriod(period);
  const previousIsThisYear =
    previous !== undefined && earlier.startYear === period.startYear && comparePeriods(earlier, period) < 0;

  const previousNumber = (id: string): number | undefined => {
    const value = previous?.items[id];
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  /** A count kept within the outlier tolerance of the previous quarter's value. */
  const steady = (id: string, target: number): number => {
    const value = Math.max(0, Math.round(target));
    const tolerance = dictionary.item(id)?.outlierTolerance;
    const before = previousNumber(id);
    if (tolerance === undefined || before === undefined) return value;
    const low = Math.ceil(before * (1 - tolerance * TOLERANCE_SHARE));
    const high = Math.floor(before * (1 + tolerance * TOLERANCE_SHARE));
    return low > high ? Math.round(before) : Math.min(high, Math.max(low, value));
  };
  /** The same for money, in whole pence. */
  const steadyPence = (id: string, targetPence: number): number => {
    const value = Math.max(0, Math.round(targetPence));
    const tolerance = dictionary.item(id)?.outlierTolerance;
    const before = previousNumber(id);
    if (tolerance === undefined || before === undefined) return value;
    const beforePence = Math.round(before * 100);
    const low = Math.ceil(beforePence * (1 - tolerance * TOLERANCE_SHARE));
    const high = Math.floor(beforePence * (1 + tolerance * TOLERANCE_SHARE));
    return Math.min(high, Math.max(low, value));
  };
  /** Snapshots hold for the whole year; the first quarter of a year may move a little. */
  const snapshot = (id: string, target: number, toPence: boolean): number => {
    const before = previousNumber(id);
    if (previousIsThisYear && before !== undefined) return before;
    return toPence ? steadyPence(id, target) / 100 : steady(id, target);
  };
  const rate = (base: number, spread = 0.015) =>
    Math.min(1, Math.max(0, base + quarter.uniform(-spread, spread)));

  const known = new Map<string, ItemValue>();

  // About this return.
  known.set('META.CONTACT_NAME', profile.contactName);
  known.set('META.CONTACT_EMAIL', emailFor(profile.contactName, site));
  known.set('META.SIGNOFF_NAME', profile.signoffName);
  known.set('META.SIGNOFF_DATE', addDays(periodEnd(period), quarter.int(5, 30)));

  // Reach. The eligible population is the year's ONS estimate: the same all year.
  const yearsOn = period.startYear - 2025;
  const eligible = snapshot(
    'REACH.ELIG_POP',
    Math.max(1, profile.eligiblePopulation * (1 + 0.008 * yearsOn) * year.jitter(0.01)),
    false,
  );
  known.set('REACH.ELIG_POP', eligible);
  const cohort = eligible / 16; // children per quarter's worth of births (ages 0–3, four years)

  const children = steady('REACH.CHILD_Q', eligible * profile.childShare * season * quarter.jitter(0.05));
  known.set('REACH.CHILD_Q', children);
  const ages = apportion(
    children,
    profile.ageWeights.map((weight) => weight * quarter.jitter(0.04)),
  );
  ['REACH.CHILD_AGE_0', 'REACH.CHILD_AGE_1', 'REACH.CHILD_AGE_2', 'REACH.CHILD_AGE_3'].forEach((id, i) => {
    known.set(id, ages[i] as number);
  });
  const unknownEthnicity = Math.floor(children * Math.min(0.05, rate(profile.ethnicUnknown, 0.005)));
  const ethnic = apportion(
    children - unknownEthnicity,
    profile.ethnicWeights.map((weight) => weight * quarter.jitter(0.06)),
  );
  [
    'REACH.CHILD_ETH_WHITE',
    'REACH.CHILD_ETH_MIXED',
    'REACH.CHILD_ETH_ASIAN',
    'REACH.CHILD_ETH_BLACK',
    'REACH.CHILD_ETH_OTHER',
  ].forEach((id, i) => {
    known.set(id, ethnic[i] as number);
  });
  known.set('REACH.CHILD_ETH_UNKNOWN', unknownEthnicity);

  // Year to date: everyone seen before this year, plus the children new to the year this quarter.
  const newToYear = Math.round(children * rate(profile.ytdNewShare, 0.03));
  const earlierYtd = previousIsThisYear ? previousNumber('REACH.CHILD_YTD') : undefined;
  let ytd: number;
  if (period.quarter === 1) ytd = children;
  else if (earlierYtd !== undefined)
    ytd = Math.max(earlierYtd, children, Math.min(eligible, earlierYtd + newToYear));
  else ytd = Math.max(children, Math.min(eligible, children + (period.quarter - 1) * newToYear));
  known.set('REACH.CHILD_YTD', ytd);

  known.set('REACH.PREG_Q', steady('REACH.PREG_Q', eligible * profile.pregnantShare * quarter.jitter(0.05)));
  known.set(
    'REACH.PARENT_Q',
    steady('REACH.PARENT_Q', children * profile.parentRatio * quarter.jitter(0.03)),
  );
  known.set('REACH.NEW_Q', steady('REACH.NEW_Q', children * profile.newShare * quarter.jitter(0.06)));

  // Activity: the services table, and the totals that must agree with it.
  const rows = servicesRows(profile, quarter, scale, season, steady);
  known.set('ACT.SESSIONS', sum(rows.map((row) => row.sessions)));
  known.set('ACT.ATTEND', sum(rows.map((row) => row.attendances)));

  // How well.
  const referrals = steady(
    'QUAL.REFERRALS',
    eligible * profile.referralShare * season * quarter.jitter(0.05),
  );
  known.set('QUAL.REFERRALS', referrals);
  known.set('QUAL.CONTACT_14D', Math.round(referrals * rate(profile.contact14d)));
  const feedback = steady('QUAL.FEEDBACK_N', children * profile.feedbackShare * quarter.jitter(0.06));
  known.set('QUAL.FEEDBACK_N', feedback);
  known.set('QUAL.SATISFIED', Math.round(feedback * rate(profile.satisfied, 0.01)));
  const births = steady('HV.BIRTHS_30D', cohort * quarter.jitter(0.05));
  known.set('HV.BIRTHS_30D', births);
  known.set('HV.NBV_14D', Math.round(births * rate(profile.nbv14d)));
  const due2y = steady('HV.DUE_2Y', cohort * 0.98 * quarter.jitter(0.05));
  known.set('HV.DUE_2Y', due2y);
  const reviews2y = Math.round(due2y * rate(profile.review2y));
  known.set('HV.REV_2Y', reviews2y);

  // Better off: breastfeeding at 6–8 weeks.
  const bfDue = steady('BF.DUE', cohort * quarter.jitter(0.05));
  const bfUnknown = Math.floor(bfDue * quarter.uniform(0.005, 0.03));
  const breastfed = Math.round(bfDue * rate(profile.breastfed));
  const bfTotal = Math.round(breastfed * rate(profile.breastfedTotally, 0.03));
  known.set('BF.DUE', bfDue);
  known.set('BF.TOTAL', bfTotal);
  known.set('BF.PARTIAL', breastfed - bfTotal);
  known.set('BF.NONE', bfDue - breastfed - bfUnknown);
  known.set('BF.UNKNOWN', bfUnknown);

  // Smoking at time of delivery: the rate is of maternities with a known status.
  const maternities = steady('SATOD.MAT', cohort * 0.985 * quarter.jitter(0.05));
  const satodUnknown = Math.floor(maternities * quarter.uniform(0.003, 0.03));
  const smokers = Math.round((maternities - satodUnknown) * rate(profile.smoking, 0.008));
  known.set('SATOD.MAT', maternities);
  known.set('SATOD.SMOKER', smokers);
  known.set('SATOD.NONSMOKER', maternities - satodUnknown - smokers);
  known.set('SATOD.UNKNOWN', satodUnknown);

  const termBirths = steady('LBW.TERM_BIRTHS', cohort * 0.91 * quarter.jitter(0.05));
  known.set('LBW.TERM_BIRTHS', termBirths);
  known.set('LBW.TERM_LT2500', Math.round(termBirths * rate(profile.lowBirthWeight, 0.004)));

  // ASQ-3: all five ≤ each area ≤ reviews ≤ 2–2½ year reviews.
  const asqReviews = Math.min(reviews2y, steady('ASQ.REVIEWS', reviews2y * rate(profile.asqShare, 0.01)));
  const domains = profile.asqDomains.map((share) => Math.round(asqReviews * rate(share, 0.01)));
  ['ASQ.COMM', 'ASQ.GROSS', 'ASQ.FINE', 'ASQ.PROB', 'ASQ.PERSOC'].forEach((id, i) => {
    known.set(id, domains[i] as number);
  });
  known.set('ASQ.REVIEWS', asqReviews);
  known.set('ASQ.ALL5', Math.min(Math.round(asqReviews * rate(profile.asqAll5, 0.015)), ...domains));

  // Money, in whole pence so the domains add up to the penny.
  const budgetPence =
    Math.round((profile.spendPerQuarterPence * 4 * (1 + 0.02 * yearsOn) * year.uniform(1, 1.04)) / 10_000) *
    10_000;
  known.set('FIN.BUDGET_FY', snapshot('FIN.BUDGET_FY', budgetPence, true));
  const spendPence = steadyPence(
    'FIN.SPEND_Q',
    profile.spendPerQuarterPence * SPEND_SEASON[period.quarter] * quarter.jitter(0.04),
  );
  known.set('FIN.SPEND_Q', spendPence / 100);
  const byDomain = apportion(
    spendPence,
    profile.spendWeights.map((weight) => weight * quarter.jitter(0.05)),
  );
  ['FIN.SPEND_SED', 'FIN.SPEND_CLD', 'FIN.SPEND_DN', 'FIN.SPEND_SYS'].forEach((id, i) => {
    known.set(id, (byDomain[i] as number) / 100);
  });

  known.set('NOTE.HIGHLIGHTS', highlights(profile, period, rows, quarter));

  // Every item of this dictionary: the figures above, or a plausible stand-in for an item we do not know.
  const items: Record<string, ItemValue> = {};
  for (const item of dictionary.items) {
    const value = known.get(item.id) ?? standIn(item, dictionary, site, period, quarter, steady);
    if (value !== undefined) items[item.id] = value;
  }
  // Table rows keyed by the dictionary's column IDs, found by role.
  const serviceRows = rows.map(
    (row): TableRow =>
      Object.fromEntries(
        Object.entries(row).map(([role, value]) => [services.columns[role as keyof ServiceRow].id, value]),
      ),
  );
  const tables: Record<string, TableRow[]> = {};
  for (const table of dictionary.tables) tables[table.id] = table === services.table ? serviceRows : [];
  return { items, tables };
}

/** One row of the services table, by column role. */
interface ServiceRow {
  readonly service_name: string;
  readonly domain: string;
  readonly sessions: number;
  readonly attendances: number;
  readonly unique_users: number;
  readonly completed: number;
}

/** What an explanations table row says, by meaning rather than column ID. */
export interface ExplanationEntry {
  /** A warning rule's ID, or CANNOT_REPORT_CODE. */
  readonly rule: string;
  /** An item ID, or ALL_ITEMS_CODE. */
  readonly item: string;
  readonly explanation: string;
}

/** The return with these rows in its explanations table, keyed by the dictionary's column IDs. */
export function withExplanations(
  dictionary: Dictionary,
  values: ReturnValues,
  entries: readonly ExplanationEntry[],
): ReturnValues {
  const { table, columns } = dictionary.explanations;
  const rows = entries.map(
    (entry): TableRow => ({
      [columns.rule.id]: entry.rule,
      [columns.item.id]: entry.item,
      [columns.explanation.id]: entry.explanation,
    }),
  );
  return {
    ...values,
    tables: { ...values.tables, [table.id]: [...(values.tables[table.id] ?? []), ...rows] },
  };
}

function servicesRows(
  profile: SiteProfile,
  quarter: Random,
  scale: number,
  season: number,
  steady: (id: string, target: number) => number,
): ServiceRow[] {
  // Draw every service's figures first, so the stream does not depend on the clamping below.
  const raw = profile.services.map((service) => {
    const sessions = service.sessions * scale * season * quarter.jitter(0.08);
    const perSession = service.perSession * quarter.jitter(0.06);
    return {
      service,
      sessions,
      attend: sessions * perSession,
      visitsPerUser: service.visitsPerUser * quarter.jitter(0.05),
      completing: Math.max(0, service.completing + quarter.uniform(-0.05, 0.05)),
    };
  });
  const totalSessions = steady('ACT.SESSIONS', sum(raw.map((entry) => entry.sessions)));
  // Every service that ran had a session: with very few sessions, fewer services ran.
  const running = raw.slice(0, Math.min(raw.length, totalSessions));
  if (running.length === 0) return [];
  const sessions = apportion(
    totalSessions,
    running.map((entry) => entry.sessions),
    1,
  );
  // Every session had someone there: attendances are at least the sessions, service by service.
  const totalAttend = Math.max(
    totalSessions,
    steady('ACT.ATTEND', sum(running.map((entry) => entry.attend))),
  );
  const extra = apportion(
    totalAttend - totalSessions,
    running.map((entry, i) => Math.max(0, entry.attend - (sessions[i] as number)) + 0.01),
  );
  return running.map((entry, i) => {
    const attend = (sessions[i] as number) + (extra[i] as number);
    const users = Math.min(attend, Math.max(1, Math.round(attend / entry.visitsPerUser)));
    return {
      service_name: entry.service.name,
      domain: entry.service.domain,
      sessions: sessions[i] as number,
      attendances: attend,
      unique_users: users,
      completed: Math.min(users, Math.round(users * entry.completing)),
    };
  });
}

/** A value for an item this generator does not know by name (another dictionary version's). */
function standIn(
  item: Item,
  dictionary: Dictionary,
  site: Site,
  period: Period,
  quarter: Random,
  steady: (id: string, target: number) => number,
): ItemValue | undefined {
  switch (item.type) {
    case 'site':
      return site.code;
    case 'period':
      return formatPeriod(period);
    case 'count':
      return Math.max(item.min ?? 0, steady(item.id, quarter.int(8, 60)));
    case 'money':
      return Math.max(item.min ?? 0, quarter.int(100_000, 500_000) / 100);
    case 'date':
      return addDays(periodEnd(period), quarter.int(5, 30));
    case 'email':
      return emailFor('Data Team', site);
    case 'code': {
      const codes = dictionary.codeLists.get(item.codeList ?? '') ?? [];
      return codes[0]?.code;
    }
    case 'text':
      return item.required ? 'Nothing further to report this quarter.'.slice(0, item.maxLength) : undefined;
  }
}

function emailFor(name: string, site: Site): string {
  const domain = site.contacts[0]?.split('@')[1] ?? `${site.code.toLowerCase()}.example`;
  const local = name
    .toLowerCase()
    .replace(/[^a-z ]/g, '')
    .trim()
    .replace(/\s+/g, '.');
  return `${local}@${domain}`;
}

function highlights(
  profile: SiteProfile,
  period: Period,
  rows: readonly ServiceRow[],
  quarter: Random,
): string {
  const named = (domain: string) =>
    rows.find((row) => row.domain === domain)?.service_name ?? profile.services[0]?.name ?? 'our services';
  const months = periodMonths(period);
  const openings = [
    `${named('CLD')} ran in two more family hubs in ${months}, and most places were taken within a week.`,
    `In ${months} ${named('DN')} moved to the new family hub, which families told us is easier to reach by bus.`,
    `${named('SED')} had a waiting list for much of ${months}; we trained two more practitioners to run it.`,
  ];
  const closings = [
    'Health visiting figures come from the community health provider and were checked against its own return.',
    'Our new case management system went live this quarter; a few records were entered late but all are included.',
    `${named('SYS')} continued, with practitioners from early years settings and midwifery attending.`,
  ];
  return `${quarter.pick(openings)} ${quarter.pick(closings)}`;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
