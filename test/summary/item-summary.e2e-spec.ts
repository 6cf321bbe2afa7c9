import { RollupService } from '../../src/rollup/rollup.service';
import { SummaryService } from '../../src/summary/summary.service';
import { toInstant, toInt, toStringOrNull } from '../../src/database/values';
import { EventSpec, getJson, ingest } from '../support/fixtures';
import { Rng } from '../support/rollup-fixtures';
import { expectSummariesConsistent } from '../support/summary-check';
import { TestApp } from '../support/test-app';

/**
 * `aggregations[]=actionId` from the per-item summary (`stat_day_item` and its item dictionary
 * `stat_item`): every answer equals the sums of `user_action`'s rows of the range, whatever part
 * of them is pending, folded, rolled up or rebuilt; items that differ only by a trailing space,
 * by case or by an accent stay apart, "no actionId" is one group (null), and the same item name
 * of two tenants never mixes.
 */

const NOW = new Date('2026-03-20T12:00:00.000Z');
const LONG = 'x'.repeat(254) + 'é';
const ITEMS = ['a', 'a ', 'A', 'ä', LONG, 'conf:1', undefined] as const;
const DAY = 86_400_000;

/** Events of tenant 1 over the 24 days before NOW, items skewed (a few large groups, a tail of small ones). */
function events(seed: number, n: number): EventSpec[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => ({
    module: 3,
    action: rng.pick([1, 2]),
    created: new Date(NOW.getTime() - rng.int(1, 24 * DAY)).toISOString(),
    actionId: rng.skewed(ITEMS, 0.3),
    country: rng.pick(['AT', 'DE', undefined]),
  }));
}

/** The ranges asked: whole days, partial edge days on either side, across midnight, within a day, past now. */
const RANGES: Array<[string, string]> = [
  ['2026-02-20T00:00:00.000Z', '2026-03-21T00:00:00.000Z'],
  ['2026-02-25T05:30:00.000Z', '2026-03-18T20:15:00.000Z'],
  ['2026-03-01T23:00:00.000Z', '2026-03-10T01:00:00.000Z'],
  ['2026-03-09T22:00:00.000Z', '2026-03-10T03:00:00.000Z'],
  ['2026-03-12T06:00:00.000Z', '2026-03-12T18:00:00.000Z'],
  ['2026-03-05T00:00:00.000Z', '2026-03-20T11:59:00.000Z'],
  ['2026-03-13T10:00:00.000Z', '2026-03-25T00:00:00.000Z'],
];

interface Row {
  module: number;
  action: number;
  actionId: string | null;
  count: number;
  aggregationLevel: number;
}

/** A group's order as the API sorts it: module, action, then actionId (null first, then byte order). */
function byKey(a: Row, b: Row): number {
  if (a.module !== b.module) return a.module - b.module;
  if (a.action !== b.action) return a.action - b.action;
  if (a.actionId === b.actionId) return 0;
  if (a.actionId === null) return -1;
  if (b.actionId === null) return 1;
  return Buffer.compare(Buffer.from(a.actionId), Buffer.from(b.actionId));
}

describe('userActionsAggregated by actionId: the per-item summary', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false', FOLD_ENABLED: 'false' } });
    await t.reset();
  });
  afterAll(() => t?.close());

  /** The answer computed from `user_action` itself (every level), for tenant 1. */
  async function expected(from: string, to: string): Promise<Row[]> {
    const rows: Array<Record<string, unknown>> = await t.dataSource.query(
      'SELECT module, action, action_id AS actionId, created, count, aggregation_level AS level FROM user_action WHERE tenant = 1',
    );
    const groups = new Map<string, Row>();
    for (const r of rows) {
      const at = toInstant(r.created).getTime();
      if (at < Date.parse(from) || at >= Date.parse(to)) continue;
      const row: Row = { module: toInt(r.module), action: toInt(r.action), actionId: toStringOrNull(r.actionId), count: toInt(r.count), aggregationLevel: toInt(r.level) };
      const id = JSON.stringify([row.module, row.action, row.actionId]);
      const g = groups.get(id);
      if (!g) groups.set(id, row);
      else {
        g.count += row.count;
        g.aggregationLevel = Math.max(g.aggregationLevel, row.aggregationLevel);
      }
    }
    return [...groups.values()].sort(byKey);
  }

  async function expectAnswers(): Promise<void> {
    for (const [from, to] of RANGES) {
      const want = await expected(from, to);
      const res = await getJson(t, 1, 'userActionsAggregated', `from=${from}&to=${to}&aggregations[]=actionId`).expect(200);
      const got = (res.body.userActions as Array<Row & { tenant: number }>).map(({ module, action, actionId, count, aggregationLevel }) => ({ module, action, actionId, count, aggregationLevel }));
      expect({ from, to, rows: got }).toEqual({ from, to, rows: want });
      expect(res.body.meta.total).toBe(want.length);

      // The top 3 by count (ties in key order), the rest summed in `other`.
      const top = [...want].sort((a, b) => b.count - a.count || byKey(a, b));
      const page = await getJson(t, 1, 'userActionsAggregated', `from=${from}&to=${to}&aggregations[]=actionId&limit=3&offset=1&orderBy=count&other=true`).expect(200);
      expect(page.body.userActions.map((r: Row) => [r.actionId, r.action, r.count])).toEqual(top.slice(1, 4).map((r) => [r.actionId, r.action, r.count]));
      const rest = [top[0], ...top.slice(4)].filter(Boolean);
      expect(page.body.meta.total).toBe(want.length);
      expect(page.body.meta.other).toEqual({ count: rest.reduce((s, r) => s + r.count, 0), groups: rest.length, aggregationLevel: Math.max(0, ...rest.map((r) => r.aggregationLevel)) });

      // The daily series of the same items: every item's total as above; a page of top items
      // (ranked on the totals, then read per day for the page only) is the full answer's page,
      // and other adds every day up to the full answer's day.
      const qs = `from=${from}&to=${to}&interval=day&aggregations[]=actionId&orderBy=count`;
      const full = (await getJson(t, 1, 'userActionsSeries', qs).expect(200)).body.series as Array<{ action: number; actionId: string | null; total: number; counts: number[] }>;
      expect(full.map((r) => [r.action, r.actionId, r.total])).toEqual(top.map((r) => [r.action, r.actionId, r.count]));
      const series = await getJson(t, 1, 'userActionsSeries', `${qs}&limit=2&offset=1&other=true`).expect(200);
      expect(series.body.series).toEqual(full.slice(1, 3));
      const left = [full[0], ...full.slice(3)].filter(Boolean);
      const days = (series.body.meta.buckets as unknown[]).length;
      expect(series.body.meta.other).toEqual({
        groups: left.length,
        total: left.reduce((s, r) => s + r.total, 0),
        counts: Array.from({ length: days }, (_, d) => left.reduce((s, r) => s + r.counts[d], 0)),
      });
      expect(series.body.meta.total).toBe(full.length);
    }
  }

  it('answers from pending rows, from folded rows and from both at once', async () => {
    await ingest(t, 1, events(0x17e, 150));
    // Tenant 2 has the same item names: its rows never reach tenant 1's answers (checked by value above).
    await ingest(t, 2, [{ module: 3, action: 1, created: '2026-03-10T10:00:00.000Z', actionId: 'a' }, { module: 3, action: 1, created: '2026-03-10T11:00:00.000Z', actionId: 'A' }]);
    await expectAnswers(); // all pending
    await t.fold();
    await expectSummariesConsistent(t, { folded: true });
    await expectAnswers(); // all folded
    // Half folded, half pending — and items only pending, not in the dictionary yet (one as large as the largest).
    await ingest(t, 1, [...events(0x17f, 150), { module: 3, action: 1, created: '2026-03-10T12:00:00.000Z', actionId: 'new' }, ...Array.from({ length: 40 }, (_, i) => ({ module: 3, action: 2, created: `2026-03-1${i % 8}T08:00:00.000Z`, actionId: 'new 2' }))]);
    await expectAnswers(); // half and half
    await t.fold();
    await expectSummariesConsistent(t, { folded: true });
    await expectAnswers();
  });

  it('keeps one dictionary number per tenant and item: near-identical names stay apart, no actionId has none', async () => {
    const names: Array<{ tenant: unknown; actionId: unknown }> = await t.dataSource.query('SELECT tenant, action_id AS actionId FROM stat_item ORDER BY tenant, id');
    const tenant1 = names.filter((n) => toInt(n.tenant) === 1).map((n) => String(n.actionId));
    expect([...tenant1].sort()).toEqual([...ITEMS.filter((i): i is Exclude<typeof i, undefined> => i !== undefined), 'new', 'new 2'].sort());
    expect(names.filter((n) => toInt(n.tenant) === 2).map((n) => String(n.actionId)).sort()).toEqual(['A', 'a']);
    const unnamed: Array<{ n: unknown }> = await t.dataSource.query('SELECT COUNT(*) AS n FROM stat_day_item WHERE tenant = 1 AND item = 0');
    expect(toInt(unnamed[0].n)).toBeGreaterThan(0);
  });

  it('answers the same after the rollup compacts the rows into daily and monthly ones', async () => {
    const before = await expected('2026-01-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z');
    // 200 days on: every row is monthly (some daily first), the summaries move with them.
    const summary = await t.app.get(RollupService).run({ asOf: new Date(NOW.getTime() + 200 * DAY), chunkRows: 37 });
    expect(summary.rowsRead).toBeGreaterThan(0);
    await expectSummariesConsistent(t, { folded: true });
    // The same groups and counts over the months (the rows keep their items; their levels rise).
    const after = await expected('2026-01-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z');
    expect(after.map((r) => [r.action, r.actionId, r.count])).toEqual(before.map((r) => [r.action, r.actionId, r.count]));
    expect(after.every((r) => r.aggregationLevel === 2)).toBe(true);
    await expectAnswers();
  });

  it('answers the same after the summaries are rebuilt from user_action', async () => {
    await t.app.get(SummaryService).rebuildTenant(1);
    await expectSummariesConsistent(t, { folded: true });
    await expectAnswers();
  });
});
