import { RollupService } from '../../src/rollup/rollup.service';
import { EventSpec, getJson, ingest, ingestAll } from '../support/fixtures';
import { randomFixture, readTable, Rng, TableRow } from '../support/rollup-fixtures';
import { expectSummariesConsistent } from '../support/summary-check';
import { TestApp } from '../support/test-app';

/**
 * userActionsAggregated reads a partial edge day as its summary day less the rest of that day
 * when the rest is the shorter part (per group and aggregation level); else from the summaries
 * when the tenant has no row in the rest of that day (then both give the same rows); otherwise
 * from user_action. Every way gives the answer of the raw rows of the range.
 */

const NOW = new Date('2026-03-20T12:00:00.000Z');
const EVENTS: EventSpec[] = [
  { module: 3, action: 1, created: '2026-03-05T10:00:00.000Z', country: 'AT', actionLabel: 'sofa' },
  { module: 3, action: 1, created: '2026-03-05T23:30:00.000Z', country: 'AT', actionLabel: 'sofa' },
  { module: 3, action: 1, created: '2026-03-06T00:30:00.000Z', country: 'DE', actionLabel: 'kitchen' },
  { module: 3, action: 2, created: '2026-03-07T12:00:00.000Z', actionLabel: 'sofa' },
];

describe('userActionsAggregated: partial edge days', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false' } });
    await t.reset();
    await ingest(t, 1, EVENTS);
    // Tenant 2 has rows all day: they must not change tenant 1's answers.
    await ingest(t, 2, [{ module: 3, action: 1, created: '2026-03-05T01:00:00.000Z', actionLabel: 'sofa' }]);
  });
  afterAll(() => t?.close());

  const counts = async (from: string, to: string, aggs: string[]) => {
    const qs = [`from=${from}`, `to=${to}`, ...aggs.map((a) => `aggregations[]=${a}`)].join('&');
    const res = await getJson(t, 1, 'userActionsAggregated', qs).expect(200);
    return res.body.userActions.map((e: Record<string, unknown>) => [e.action, ...aggs.map((a) => e[a]), e.count]);
  };

  it.each([
    // [from, to, expected by (action, actionLabel)]
    ['2026-03-05T05:00:00.000Z', '2026-03-08T00:00:00.000Z', [[1, 'kitchen', 1], [1, 'sofa', 2], [2, 'sofa', 1]]], // rest of 5 March empty: summary
    ['2026-03-05T10:00:00.001Z', '2026-03-08T00:00:00.000Z', [[1, 'kitchen', 1], [1, 'sofa', 1], [2, 'sofa', 1]]], // 10:00 in the shorter rest: the day less it
    ['2026-03-05T14:00:00.000Z', '2026-03-08T00:00:00.000Z', [[1, 'kitchen', 1], [1, 'sofa', 1], [2, 'sofa', 1]]], // 10:00 in the longer rest: raw
    ['2026-03-05T23:45:00.000Z', '2026-03-08T00:00:00.000Z', [[1, 'kitchen', 1], [2, 'sofa', 1]]], // both of 5 March's rows in the rest: the day less it is empty
    ['2026-03-05T00:00:00.000Z', '2026-03-07T13:00:00.000Z', [[1, 'kitchen', 1], [1, 'sofa', 2], [2, 'sofa', 1]]], // rest of 7 March empty: summary
    ['2026-03-05T00:00:00.000Z', '2026-03-07T12:00:00.000Z', [[1, 'kitchen', 1], [1, 'sofa', 2]]], // 12:00 is the rest (excluded), as long as the edge: raw
    ['2026-03-05T00:00:00.000Z', '2026-03-07T12:00:00.001Z', [[1, 'kitchen', 1], [1, 'sofa', 2], [2, 'sofa', 1]]], // 12:00 in the edge, the rest shorter: the day less it
    ['2026-03-05T00:00:00.000Z', '2026-03-07T11:59:59.999Z', [[1, 'kitchen', 1], [1, 'sofa', 2]]], // 12:00 in the shorter rest: the day less it
    ['2026-03-05T23:00:00.000Z', '2026-03-06T01:00:00.000Z', [[1, 'kitchen', 1], [1, 'sofa', 1]]], // across midnight, under a day: raw
    ['2026-03-04T23:00:00.000Z', '2026-03-05T11:00:00.000Z', [[1, 'sofa', 1]]], // across midnight, 4 March empty: raw (not 4 March's summary)
    ['2026-03-05T12:00:00.000Z', '2026-03-05T23:45:00.000Z', [[1, 'sofa', 1]]], // within one day, 10:00 in the rest: raw
    ['2026-03-06T00:15:00.000Z', '2026-03-06T00:45:00.000Z', [[1, 'kitchen', 1]]], // within one day, rest empty: summary
  ])('from %s to %s', async (from, to, expected) => {
    expect(await counts(from, to, ['actionLabel'])).toEqual(expected);
    // The same totals with country and without aggregations (stat_day_lcd, stat_day).
    const byCountry: Array<[number, string, string | null, number]> = await counts(from, to, ['actionLabel', 'country']);
    expect(byCountry.reduce((s, r) => s + r[3], 0)).toBe((expected as Array<[number, string, number]>).reduce((s, r) => s + r[2], 0));
    const plain: Array<[number, number]> = await counts(from, to, []);
    expect(plain.reduce((s, r) => s + r[1], 0)).toBe((expected as Array<[number, string, number]>).reduce((s, r) => s + r[2], 0));
  });
});

describe('userActionsAggregated: a range ending near now (its last day read as the day less the rest up to now)', () => {
  const NOW = new Date('2026-03-20T09:00:00.000Z');
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false' } });
    await t.reset();
    const at = (created: string, country?: string): EventSpec => ({ module: 3, action: 1, created, actionLabel: 'sofa', country });
    // 09:04 is 4 minutes ahead of the clock: ingestion takes it, and it lies in the rest of the day.
    await ingest(t, 1, [at('2026-03-19T12:00:00.000Z', 'AT'), at('2026-03-20T01:00:00.000Z', 'AT'), at('2026-03-20T07:00:00.000Z', 'DE'), at('2026-03-20T08:30:00.000Z'), at('2026-03-20T09:04:00.000Z', 'AT')]);
  });
  afterAll(() => t?.close());

  it.each([
    ['2026-03-20T08:00:00.000Z', 3], // the rest (08:00 on) holds 08:30 and the future 09:04
    ['2026-03-20T09:02:00.000Z', 4], // ends after now: 09:04 is still outside
    ['2026-03-20T09:04:00.001Z', 5],
    ['2026-03-20T12:00:00.000Z', 5], // ends in the future
    ['2026-03-20T01:00:00.000Z', 1], // 01:00 itself is in the rest
  ])('from 2026-03-19T06:00 to %s: %d', async (to, count) => {
    for (const aggs of ['', '&aggregations[]=actionLabel', '&aggregations[]=country']) {
      const res = await getJson(t, 1, 'userActionsAggregated', `from=2026-03-19T06:00:00.000Z&to=${to}${aggs}`).expect(200);
      expect(res.body.userActions.reduce((n: number, e: { count: number }) => n + e.count, 0)).toBe(count);
      expect(res.body.userActions.every((e: { aggregationLevel: number }) => e.aggregationLevel === 0)).toBe(true);
    }
  });
});

describe('userActionsAggregated: a day less its rest keeps each level apart', () => {
  const NOW = new Date('2026-09-01T00:00:00.000Z');
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false' } });
    await t.reset();
    const at = (created: string, n: number): EventSpec[] => Array.from({ length: n }, () => ({ module: 3, action: 1, created, actionLabel: 'sofa' }));
    await ingest(t, 1, [...at('2026-07-20T01:00:00.000Z', 3), ...at('2026-07-20T15:00:00.000Z', 1)]);
    // 20 July becomes one daily row (count 4, at 00:00); real-time rows of that day arrive after it.
    await t.app.get(RollupService).run({ asOf: NOW });
    await ingest(t, 1, [...at('2026-07-20T16:00:00.000Z', 2), ...at('2026-07-20T20:00:00.000Z', 1)]);
  });
  afterAll(() => t?.close());

  it.each([
    // The daily row is in the shorter rest: only level 0 is left, and the answer says so.
    ['2026-07-20T10:00:00.000Z', '2026-07-21T00:00:00.000Z', 3, 0],
    // The whole day: both levels.
    ['2026-07-20T00:00:00.000Z', '2026-07-21T00:00:00.000Z', 7, 1],
    // The daily row and 16:00 in the edge, 20:00 in the shorter rest.
    ['2026-07-20T00:00:00.000Z', '2026-07-20T17:00:00.000Z', 6, 1],
    // Only the daily row in the edge (the rest, 1 ms longer than the day's first half, is raw).
    ['2026-07-20T00:00:00.000Z', '2026-07-20T11:59:59.999Z', 4, 1],
  ])('from %s to %s: count %d, aggregationLevel %d', async (from, to, count, aggregationLevel) => {
    for (const aggs of ['', '&aggregations[]=actionLabel', '&aggregations[]=actionLabel&aggregations[]=country']) {
      const res = await getJson(t, 1, 'userActionsAggregated', `from=${from}&to=${to}${aggs}`).expect(200);
      expect(res.body.userActions).toEqual([expect.objectContaining({ module: 3, action: 1, count, aggregationLevel })]);
    }
  });
});

describe('userActionsAggregated: every edge reading equals the raw rows (random days, levels, zone)', () => {
  const ZONE = 'Europe/Vienna';
  const NOW = new Date('2026-06-01T00:00:00.000Z');
  const FROM = new Date('2025-11-15T00:00:00.000Z');
  const TO = new Date('2026-05-31T00:00:00.000Z');
  const AGGREGATIONS = [[], ['actionLabel'], ['country', 'device'], ['actionLabel', 'country']] as const;
  let t: TestApp;
  let table: TableRow[];

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { STATISTICS_TIME_ZONE: ZONE } });
    await t.reset();
    const tenants = [
      { tenant: 1, weight: 3 },
      { tenant: 2, weight: 1 },
    ];
    await ingestAll(t, randomFixture({ seed: 31, tenants, from: FROM, to: TO, count: 1500, idPrefix: 'first', boundariesIn: ZONE }));
    // Daily rows before the last 30 days, monthly ones before the last 180; then more real-time rows into those days and months.
    await t.app.get(RollupService).run({ asOf: NOW });
    await ingestAll(t, randomFixture({ seed: 32, tenants, from: FROM, to: TO, count: 700, idPrefix: 'second', boundariesIn: ZONE }));
    await expectSummariesConsistent(t);
    table = (await readTable(t)).filter((r) => r.tenant === 1);
    expect(new Set(table.map((r) => r.level))).toEqual(new Set([0, 1, 2]));
  });
  afterAll(() => t?.close());

  const FIELD = { actionLabel: 'actionLabel', country: 'country', device: 'device' } as const;
  /** The answer computed from the rows themselves. */
  const model = (from: Date, to: Date, aggs: readonly string[]) => {
    const groups = new Map<string, Record<string, unknown>>();
    for (const r of table) {
      const at = Date.parse(r.created);
      if (at < from.getTime() || at >= to.getTime()) continue;
      const keys = aggs.map((a) => r[FIELD[a as keyof typeof FIELD]]);
      const id = JSON.stringify([r.module, r.action, ...keys]);
      const g = groups.get(id);
      if (g) {
        g.count = (g.count as number) + r.count;
        g.aggregationLevel = Math.max(g.aggregationLevel as number, r.level);
      } else {
        const e: Record<string, unknown> = { module: r.module, action: r.action, tenant: 1, count: r.count, aggregationLevel: r.level };
        aggs.forEach((a, i) => (e[a] = keys[i]));
        groups.set(id, e);
      }
    }
    return [...groups.values()];
  };
  const byGroup = (rows: Array<Record<string, unknown>>) => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

  it('40 random ranges, each edge at a random minute, four shapes', async () => {
    const rng = new Rng(5);
    const span = TO.getTime() - FROM.getTime();
    let checked = 0;
    for (let i = 0; i < 40; i++) {
      const a = FROM.getTime() + rng.int(0, Math.floor(span / 60_000)) * 60_000;
      const from = new Date(a);
      const to = new Date(Math.min(TO.getTime(), a + rng.int(1, 40 * 24 * 60) * 60_000));
      for (const aggs of AGGREGATIONS) {
        const qs = [`from=${from.toISOString()}`, `to=${to.toISOString()}`, ...aggs.map((x) => `aggregations[]=${x}`)].join('&');
        const res = await getJson(t, 1, 'userActionsAggregated', qs).expect(200);
        expect({ qs, rows: byGroup(res.body.userActions) }).toEqual({ qs, rows: byGroup(model(from, to, aggs)) });
        checked += res.body.userActions.length;
      }
    }
    expect(checked).toBeGreaterThan(500);
  });
});
