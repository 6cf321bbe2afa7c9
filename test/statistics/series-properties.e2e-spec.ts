import { Calendar, Interval, SeriesCalendar } from '../../src/common/calendar';
import { RollupService } from '../../src/rollup/rollup.service';
import { getJson, ingestAll } from '../support/fixtures';
import { randomFixture, readTable, Rng, TableRow } from '../support/rollup-fixtures';
import { expectSummariesConsistent } from '../support/summary-check';
import { TestApp } from '../support/test-app';

/**
 * userActionsSeries is exact (issue 21, item 3): random ranges, intervals, filters, aggregations,
 * top-N settings and comparisons over random events — real-time, daily and monthly rows, in
 * several zones, partly folded into the summaries and partly pending — against counts computed
 * directly from the rows of user_action: every bucket
 * and every comparison bucket; each series' sum is userActionsAggregated's count of its group;
 * with `other`, every bucket adds up to the unlimited answer's bucket.
 */

type Agg = 'country' | 'device' | 'actionLabel' | 'actionId';
const DAY = 86_400_000;
const HOUR = 3_600_000;

interface Series {
  module: number;
  action: number;
  tenant: number;
  total: number;
  counts: number[];
  comparison?: { total: number; counts: number[] };
  change?: { delta: number; pct: number | null };
  [agg: string]: unknown;
}

/**
 * Each zone with the service's "now"; the rows span the `days` (198) days before it (monthly rows too). Lord_Howe's "now" puts
 * its 30-minute daylight-saving change (2026-04-05 02:00 → 01:30 local, 15:00 UTC the day before)
 * inside the last 30 days, where hour buckets are served (from stat_hour): a 90-minute local hour.
 */
const ZONES: Array<{ zone: string; now: string; days?: number; transition?: string }> = [
  { zone: 'Europe/Vienna', now: '2026-06-01T00:00:00.000Z' },
  { zone: 'America/New_York', now: '2026-06-01T00:00:00.000Z' },
  { zone: 'Asia/Kolkata', now: '2026-06-01T00:00:00.000Z' },
  { zone: 'Australia/Lord_Howe', now: '2026-04-21T00:00:00.000Z', days: 240, transition: '2026-04-04T15:00:00.000Z' },
];

describe.each(ZONES)('userActionsSeries equals the raw rows in $zone', ({ zone, now, days = 198, transition }) => {
  const NOW = new Date(now);
  const FROM = new Date(NOW.getTime() - days * DAY);
  const TO = new Date(NOW.getTime() - HOUR);
  let t: TestApp;
  let table: TableRow[];
  const sc = (weekStart: 'monday' | 'sunday') => new SeriesCalendar(new Calendar(zone), weekStart);

  beforeAll(async () => {
    // No background fold: the first batch is folded by hand, the second stays pending (and the
    // summary check's reads, two statements, cannot straddle a fold).
    t = await TestApp.create({ now: NOW, env: { STATISTICS_TIME_ZONE: zone, ROLLUP_ENABLED: 'false', FOLD_ENABLED: 'false' } });
    await t.reset();
    const tenants = [
      { tenant: 1, weight: 3 },
      { tenant: 2, weight: 1 },
    ];
    await ingestAll(t, randomFixture({ seed: 41, tenants, from: FROM, to: TO, count: 1200, idPrefix: 'first', boundariesIn: zone }));
    // Daily rows before the last 30 days, monthly ones before the last 180; then real-time rows into those days and months.
    await t.app.get(RollupService).run({ asOf: NOW });
    // Folded into the summary tables (stat_day…, stat_hour); the second batch stays pending: every read adds both.
    await t.fold();
    await ingestAll(t, randomFixture({ seed: 42, tenants, from: new Date(NOW.getTime() - 29 * DAY), to: TO, count: 600, idPrefix: 'second', boundariesIn: zone }));
    // Around a daylight-saving change: 40 rows within two hours of it (pending, like the second batch).
    if (transition) {
      const at = Date.parse(transition);
      await ingestAll(t, randomFixture({ seed: 43, tenants, from: new Date(at - 2 * HOUR), to: new Date(at + 2 * HOUR), count: 40, idPrefix: 'dst' }));
    }
    await expectSummariesConsistent(t);
    table = (await readTable(t)).filter((r) => r.tenant === 1);
    expect(new Set(table.map((r) => r.level))).toEqual(new Set([0, 1, 2]));
  });
  afterAll(() => t?.close());

  /** Per group (module, action, aggregations' values): its counts in each bucket of [from, to). */
  const model = (from: Date, to: Date, buckets: Array<{ start: number; end: number }>, aggs: readonly Agg[], module?: number, actions?: number[]) => {
    const groups = new Map<string, { module: number; action: number; keys: Array<string | null>; counts: number[] }>();
    for (const r of table) {
      const at = Date.parse(r.created);
      if (at < from.getTime() || at >= to.getTime()) continue;
      if (module !== undefined && r.module !== module) continue;
      if (actions && !actions.includes(r.action)) continue;
      const keys = aggs.map((a) => r[a]);
      const id = JSON.stringify([r.module, r.action, ...keys]);
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { module: r.module, action: r.action, keys, counts: buckets.map(() => 0) }));
      const i = buckets.findIndex((b) => b.start <= at && at < b.end);
      if (i < 0) throw new Error(`no bucket holds ${r.created}`);
      g.counts[i] += r.count;
    }
    return groups;
  };
  const idOf = (s: Series, aggs: readonly Agg[]) => JSON.stringify([s.module, s.action, ...aggs.map((a) => s[a] as string | null)]);

  it('random questions: every bucket, every comparison bucket, every top N', async () => {
    const rng = new Rng(zone.length * 7919);
    let buckets = 0;
    let nonZero = 0;
    let asked = 0;
    for (let i = 0; i < 36; i++) {
      // In a zone with a daylight-saving change in the last 30 days, the first four questions are
      // hourly ones around it (the rest are drawn like everywhere else).
      const atTransition = transition !== undefined && i < 4;
      const interval: Interval = atTransition ? 'hour' : rng.pick(['hour', 'day', 'day', 'week', 'month'] as const);
      const weekStart = rng.pick(['monday', 'sunday'] as const);
      const cal = sc(weekStart);
      const compare = interval === 'month' ? rng.pick([undefined, 'previousPeriod', 'previousYear'] as const) : rng.pick([undefined, 'previousPeriod'] as const);
      // A range the interval can serve (the comparison too): hours in the last 30 days, days and weeks in the last 180, months anywhere.
      const earliest = (cal.earliestFrom(interval, NOW, 30, 180) ?? FROM).getTime();
      const maxLength = { hour: 12 * DAY, day: 70 * DAY, week: 80 * DAY, month: 200 * DAY }[interval];
      // Around the transition: up to 36 hours before it to up to 36 hours after it.
      const before = rng.int(1, 36 * 60) * 60_000;
      const length = atTransition ? before + rng.int(1, 36 * 60) * 60_000 : rng.int(1, Math.floor(maxLength / 60_000)) * 60_000;
      const lowest = Math.max(earliest + (compare === 'previousPeriod' ? length + 2 * DAY : 0), FROM.getTime());
      const start = atTransition
        ? Date.parse(transition) - before
        : lowest + rng.int(0, Math.max(0, Math.floor((NOW.getTime() + DAY - length - lowest) / 60_000))) * 60_000;
      // Some ranges on local midnights (whole days and months: the summary days answer them).
      const aligned = rng.float() < 0.4;
      const from = aligned ? cal.calendar.startOfDay(new Date(start)) : new Date(start);
      const to = aligned ? cal.calendar.startOfDay(new Date(start + length)) : new Date(start + length);
      if (from.getTime() < earliest || to.getTime() <= from.getTime()) continue;
      const aggs = rng.pick([[], [], ['country'], ['actionLabel'], ['actionLabel', 'device'], ['actionId'], ['device', 'actionId']] as Agg[][]);
      const module = rng.pick([undefined, undefined, 3, 7]);
      const actions = module === 3 && rng.float() < 0.5 ? [1, 302] : undefined;
      const params = [`from=${from.toISOString()}`, `to=${to.toISOString()}`, `interval=${interval}`, `weekStart=${weekStart}`, ...aggs.map((a) => `aggregations[]=${a}`)];
      if (module !== undefined) params.push(`module=${module}`);
      for (const a of actions ?? []) params.push(`actions[]=${a}`);
      if (compare) params.push(`compare=${compare}`);
      const qs = params.join('&');
      asked += 1;
      const res = await getJson(t, 1, 'userActionsSeries', qs);
      expect({ qs, status: res.status, body: res.status === 200 ? undefined : res.body }).toEqual({ qs, status: 200, body: undefined });
      const { series, meta } = res.body as { series: Series[]; meta: any };

      // The buckets: the calendar's, covering [from, to).
      const expected = cal.buckets(from, to, interval, NOW);
      expect(meta.buckets).toEqual(expected.map((b) => ({ start: b.start.toISOString(), label: b.label, partial: b.partial })));
      const spans = expected.map((b) => ({ start: b.start.getTime(), end: b.end.getTime() }));
      const main = model(from, to, spans, aggs, module, actions);
      let cmp: ReturnType<typeof model> | undefined;
      if (compare) {
        const range = compare === 'previousPeriod' ? cal.previousPeriod(from, to) : cal.previousYear(from, to);
        expect([meta.comparison.from, meta.comparison.to]).toEqual([range.from.toISOString(), range.to.toISOString()]);
        const cb = cal.buckets(range.from, range.to, interval, NOW);
        expect(meta.comparison.buckets.map((b: { start: string }) => b.start)).toEqual(cb.map((b) => b.start.toISOString()));
        cmp = model(range.from, range.to, cb.map((b) => ({ start: b.start.getTime(), end: b.end.getTime() })), aggs, module, actions);
      }
      // Every series and bucket against the rows; a group only in the comparison is a series with zeros.
      const ids = new Set([...main.keys(), ...(cmp?.keys() ?? [])]);
      expect(series.map((s) => idOf(s, aggs)).sort()).toEqual([...ids].sort());
      for (const s of series) {
        const id = idOf(s, aggs);
        const counts = main.get(id)?.counts ?? spans.map(() => 0);
        expect({ qs, id, counts: s.counts, total: s.total }).toEqual({ qs, id, counts, total: counts.reduce((a, b) => a + b, 0) });
        if (cmp) {
          const c = cmp.get(id)?.counts ?? meta.comparison.buckets.map(() => 0);
          const ct = c.reduce((a: number, b: number) => a + b, 0);
          expect({ qs, id, comparison: s.comparison, change: s.change }).toEqual({
            qs,
            id,
            comparison: { total: ct, counts: c },
            change: { delta: s.total - ct, pct: ct === 0 ? null : Math.round(((s.total - ct) / ct) * 1000) / 10 },
          });
        }
        buckets += counts.length;
        nonZero += counts.filter((n) => n > 0).length;
      }

      // Each series' sum is userActionsAggregated's count of its group over the same range.
      const agg = await getJson(t, 1, 'userActionsAggregated', params.filter((p) => !/^(interval|weekStart|compare)=/.test(p)).join('&')).expect(200);
      const sums = new Map<string, number>(agg.body.userActions.map((e: Series & { count: number }) => [idOf(e, aggs), e.count]));
      for (const s of series) expect({ qs, id: idOf(s, aggs), total: s.total }).toEqual({ qs, id: idOf(s, aggs), total: sums.get(idOf(s, aggs)) ?? 0 });

      // Top N: the page of the ranked full answer; other adds every bucket up to the full answer's.
      if (series.length > 1) {
        const orderBy = rng.float() < 0.7;
        const full = orderBy ? (await getJson(t, 1, 'userActionsSeries', `${qs}&orderBy=count`).expect(200)).body.series : series;
        if (orderBy) for (let k = 1; k < full.length; k++) expect(full[k - 1].total).toBeGreaterThanOrEqual(full[k].total);
        const limit = rng.int(1, full.length - 1);
        const offset = rng.int(0, full.length - limit);
        const top = await getJson(t, 1, 'userActionsSeries', `${qs}${orderBy ? '&orderBy=count' : ''}&limit=${limit}&offset=${offset}&other=true`).expect(200);
        expect(top.body.series).toEqual(full.slice(offset, offset + limit));
        const left = [...full.slice(0, offset), ...full.slice(offset + limit)];
        const sumAt = (list: Series[], pick: (s: Series) => number[], n: number) => Array.from({ length: n }, (_, b) => list.reduce((a, s) => a + pick(s)[b], 0));
        const other = top.body.meta.other;
        expect(other.groups).toBe(left.length);
        expect(other.counts).toEqual(sumAt(left, (s) => s.counts, spans.length));
        expect(other.total).toBe(left.reduce((a, s) => a + s.total, 0));
        // Page + other = the unlimited answer, bucket by bucket.
        expect(sumAt(top.body.series, (s) => s.counts, spans.length).map((n, b) => n + other.counts[b])).toEqual(sumAt(full, (s) => s.counts, spans.length));
        if (compare) {
          const n = meta.comparison.buckets.length;
          expect(other.comparison.counts).toEqual(sumAt(left, (s) => s.comparison!.counts, n));
        }
      }
    }
    // The questions were about data: many buckets, many of them with rows.
    expect(asked).toBeGreaterThan(30);
    expect(buckets).toBeGreaterThan(1000);
    expect(nonZero).toBeGreaterThan(200);
  });
});
