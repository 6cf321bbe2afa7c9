import { RollupService, RollupSummary } from '../../src/rollup/rollup.service';
import { DAY_MS, FixtureEvent, getJson, ingestAll, postEvents, putUser } from '../support/fixtures';
import {
  CONSENTING_EMAIL,
  CONSENTING_USER,
  Cutoffs,
  KEPT,
  TableRow,
  eventRow,
  expectInvariant,
  levelAfter,
  modelAfter,
  periodStart,
  randomFixture,
  rawSnapshot,
  readTable,
  rowCount,
  rowsToRoll,
  sumsBy,
} from '../support/rollup-fixtures';
import { TestApp } from '../support/test-app';

/**
 * The rollup invariant (spec §1, issue 4): for a randomised fixture over 14 months the sum of
 * count per (tenant, module, action, local month) and per each aggregation key is identical before
 * and after every pass; the table shrinks to exactly the rows the model predicts; a second pass
 * with the same asOf changes nothing; the read API answers the same totals before and after.
 */

const ZONE = 'Europe/Vienna';
const NOW = new Date('2026-07-15T09:30:00.000Z');
const FROM = new Date('2025-04-30T00:00:00.000Z');
const TENANTS = [11, 12, 13];
/** Whole local months: April 2025 to July 2026 (Vienna), all of the fixture. */
const RANGE = { from: '2025-03-31T22:00:00.000Z', to: '2026-07-31T22:00:00.000Z' };
/** A month-aligned range in the middle: October 2025 to March 2026 (Vienna), across both DST changes. */
const MID_RANGE = { from: '2025-09-30T22:00:00.000Z', to: '2026-03-31T22:00:00.000Z' };
const AGGREGATION_SETS: string[][] = [
  [],
  ['country'],
  ['device'],
  ['actionLabel'],
  ['actionLabel', 'country'],
  ['device', 'actionLabel'],
  ['actionLabel', 'country', 'device'],
  ['actionId'],
  ['country', 'device', 'actionLabel', 'actionId'],
];
/** Partial local days at both ends (13:17 and 06:45 UTC), across the DST changes, monthly and daily rows after the passes. */
const EDGE_RANGE = { from: '2025-10-17T13:17:00.000Z', to: '2026-07-10T06:45:00.000Z' };
/** The aggregations answered from the configurator summaries (stat_day_label, stat_day_lcd) for whole days. */
const LABEL_SETS: string[][] = [['actionLabel'], ['actionLabel', 'country'], ['device', 'actionLabel'], ['actionLabel', 'country', 'device']];
const NO_CUT: Cutoffs = { daily: new Date(0), monthly: new Date(0) };

const events: FixtureEvent[] = randomFixture({
  seed: 20260715,
  tenants: [
    { tenant: 11, weight: 5 },
    { tenant: 12, weight: 3 },
    { tenant: 13, weight: 2 },
  ],
  from: FROM,
  to: new Date(NOW.getTime() - 60_000),
  count: 4000,
  idPrefix: 'inv',
  boundariesIn: ZONE,
  head: 0.8,
});
const ingested: TableRow[] = events.map(eventRow);

/** Distinct (tenant, module, action, kept keys, local period) among the rows created before `before`. */
const groups = (rows: TableRow[], unit: 'day' | 'month', before: Date) =>
  new Set(rows.filter((r) => Date.parse(r.created) < before.getTime()).map((r) => JSON.stringify([r.tenant, r.module, r.action, periodStart(r.created, ZONE, unit), ...KEPT.map((k) => r[k])])))
    .size;

describe('rollup invariant (randomised fixture, Europe/Vienna)', () => {
  let t: TestApp;
  let rollup: RollupService;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { STATISTICS_TIME_ZONE: ZONE } });
    rollup = t.app.get(RollupService);
    await putUser(t, CONSENTING_USER, CONSENTING_EMAIL, true);
    await putUser(t, 'u-no-consent', 'no-consent@example.com', false);
    await ingestAll(t, events);
  }, 120_000);
  afterAll(() => t?.close());

  /** useractions per (tenant, module, action, local month), exactly as the fixture says. */
  async function expectUserActions(cut: Cutoffs): Promise<void> {
    const got: Record<string, number> = {};
    for (const tenant of TENANTS) {
      const res = await getJson(t, tenant, 'useractions').expect(200);
      for (const e of res.body.userActions) {
        const month = periodStart(e.date, ZONE, 'month');
        got[JSON.stringify([tenant, e.module, e.action, month])] = e.count;
        expect(e.aggregationLevel).toBe(2);
        // A month rolled to monthly rows starts at its period start (the earliest created).
        if (Date.parse(month) < cut.monthly.getTime()) expect(e.date).toBe(month);
      }
      expect(res.body.meta.total).toBe(res.body.userActions.length);
    }
    expect(got).toEqual(sumsBy(ingested, ZONE, 'month', []));
  }

  /** userActionsAggregated over whole local months: counts and the coarsest level, exactly. */
  async function expectAggregated(range: { from: string; to: string }, cut: Cutoffs): Promise<void> {
    for (const aggs of AGGREGATION_SETS) {
      const expected: Record<string, [number, number]> = {};
      for (const r of ingested) {
        if (r.created < range.from || r.created >= range.to) continue;
        const k = JSON.stringify([r.tenant, r.module, r.action, ...aggs.map((a) => r[a as keyof TableRow])]);
        const [count, level] = expected[k] ?? [0, 0];
        expected[k] = [count + 1, Math.max(level, levelAfter(r.created, cut))];
      }
      const got: Record<string, [number, number]> = {};
      for (const tenant of TENANTS) {
        const qs = [`from=${range.from}`, `to=${range.to}`, ...aggs.map((a) => `aggregations[]=${a}`)].join('&');
        const res = await getJson(t, tenant, 'userActionsAggregated', qs).expect(200);
        for (const e of res.body.userActions) got[JSON.stringify([tenant, e.module, e.action, ...aggs.map((a) => e[a])])] = [e.count, e.aggregationLevel];
      }
      expect([aggs, got]).toEqual([aggs, expected]);
    }
  }

  /**
   * userActionsAggregated by configurator over a range with partial edge days equals the naive
   * GROUP BY over the rows stored now (whatever their level): summary days and raw edges add up.
   */
  async function expectLabelAggregatesMatchTable(range: { from: string; to: string }): Promise<void> {
    const table = await readTable(t);
    for (const aggs of LABEL_SETS) {
      const expected: Record<string, [number, number]> = {};
      for (const r of table) {
        if (r.created < range.from || r.created >= range.to) continue;
        const k = JSON.stringify([r.tenant, r.module, r.action, ...aggs.map((a) => r[a as keyof TableRow])]);
        const [count, level] = expected[k] ?? [0, 0];
        expected[k] = [count + r.count, Math.max(level, r.level)];
      }
      const got: Record<string, [number, number]> = {};
      for (const tenant of TENANTS) {
        const qs = [`from=${range.from}`, `to=${range.to}`, ...aggs.map((a) => `aggregations[]=${a}`)].join('&');
        const res = await getJson(t, tenant, 'userActionsAggregated', qs).expect(200);
        for (const e of res.body.userActions) got[JSON.stringify([tenant, e.module, e.action, ...aggs.map((a) => e[a])])] = [e.count, e.aggregationLevel];
      }
      expect(Object.keys(expected).length).toBeGreaterThan(10);
      expect([aggs, got]).toEqual([aggs, expected]);
    }
  }

  /** configurations: every configuration-action row; daily/monthly rows never carry an e-mail. */
  async function expectConfigurations(cut: Cutoffs): Promise<void> {
    const model = modelAfter(events, ZONE, cut);
    for (const tenant of TENANTS) {
      const res = await getJson(t, tenant, 'configurations', `from=${RANGE.from}&to=${RANGE.to}&limit=10000`).expect(200);
      const rows: Array<{ aggregationLevel: string; userEmail: string | null; count: number; created: string }> = res.body.tenantConfigurationStatistics;
      const mine = model.filter((r) => r.tenant === tenant && r.module === 3);
      expect(res.body.meta.total).toBe(mine.length);
      expect(rows).toHaveLength(mine.length);
      expect(rows.reduce((s, r) => s + r.count, 0)).toBe(ingested.filter((r) => r.tenant === tenant && r.module === 3).length);
      const levels = (l: number) => mine.filter((r) => r.level === l).length;
      expect({
        'real time': rows.filter((r) => r.aggregationLevel === 'real time').length,
        daily: rows.filter((r) => r.aggregationLevel === 'daily').length,
        monthly: rows.filter((r) => r.aggregationLevel === 'monthly').length,
      }).toEqual({ 'real time': levels(0), daily: levels(1), monthly: levels(2) });
      expect(rows.filter((r) => r.aggregationLevel !== 'real time' && r.userEmail !== null)).toEqual([]);
      expect(rows.filter((r) => r.userEmail !== null).length).toBe(mine.filter((r) => r.level === 0 && r.userId === CONSENTING_USER).length);
      expect(rows.filter((r) => r.userEmail !== null && r.userEmail !== CONSENTING_EMAIL)).toEqual([]);
    }
  }

  async function expectReads(cut: Cutoffs): Promise<void> {
    await expectUserActions(cut);
    await expectAggregated(RANGE, cut);
    await expectAggregated(MID_RANGE, cut);
    await expectLabelAggregatesMatchTable(EDGE_RANGE);
    await expectConfigurations(cut);
  }

  /** One pass, then: the exact model, the invariant, the reads, and a second pass that changes nothing. */
  async function passAndCheck(asOf: Date, chunkRows: number | undefined): Promise<{ summary: RollupSummary; table: TableRow[]; cut: Cutoffs }> {
    const cut = rollup.cutoffs(asOf);
    const before = await readTable(t);

    // A dry run first: it changes nothing and reports what the pass then does.
    const untouched = await rawSnapshot(t);
    const dry = await rollup.run({ asOf, chunkRows, dryRun: true });
    expect(await rawSnapshot(t)).toEqual(untouched);

    const summary = await rollup.run({ asOf, chunkRows });
    expect(summary.skipped).toBeUndefined();
    // (rowsWritten of a real pass counts a group split across two chunks twice: compared with the default chunk size only.)
    const comparable = (x: RollupSummary) => ({ periods: x.periods, rowsRead: x.rowsRead, rowsDeleted: x.rowsDeleted, ...(chunkRows ? {} : { rowsWritten: x.rowsWritten }) });
    expect({ ...comparable(dry), dryRun: dry.dryRun }).toEqual({ ...comparable(summary), dryRun: true });
    expect(summary.dryRun).toBe(false);
    expect(summary.asOf).toBe(asOf.toISOString());
    expect(summary.dailyCutoff).toBe(cut.daily.toISOString());
    expect(summary.monthlyCutoff).toBe(cut.monthly.toISOString());
    expect(summary.rowsRead).toBe(rowsToRoll(before, ZONE, cut));
    expect(summary.rowsDeleted).toBe(summary.rowsRead);

    const table = await expectInvariant(t, events, ZONE, cut.monthly);
    expect(table).toEqual(modelAfter(events, ZONE, cut));
    const byLevel = [0, 1, 2].map((l) => table.filter((r) => r.level === l).length).join('/');
    console.log(`pass as of ${asOf.toISOString()}: ${before.length} rows -> ${table.length} (by level ${byLevel}); ${summary.rowsRead} read, ${summary.rowsWritten} written`);
    expect(table.length).toBeLessThan(before.length);
    expect(table.filter((r) => r.level === 0 && Date.parse(r.created) < cut.daily.getTime())).toEqual([]);
    expect(table.filter((r) => r.level === 1 && Date.parse(r.created) < cut.monthly.getTime())).toEqual([]);

    // A second pass with the same asOf finds nothing and changes nothing.
    const snapshot = await rawSnapshot(t);
    const again = await rollup.run({ asOf, chunkRows });
    expect({ periods: again.periods, rowsRead: again.rowsRead, rowsWritten: again.rowsWritten, rowsDeleted: again.rowsDeleted, skipped: again.skipped }).toEqual({
      periods: 0,
      rowsRead: 0,
      rowsWritten: 0,
      rowsDeleted: 0,
      skipped: undefined,
    });
    expect(await rawSnapshot(t)).toEqual(snapshot);
    return { summary, table, cut };
  }

  it('stores the fixture exactly as ingested (3+ tenants, 2 modules, ~14 months, DST and month boundaries)', async () => {
    expect(events.length).toBeGreaterThan(4000);
    expect(new Set(events.map((e) => e.tenant))).toEqual(new Set(TENANTS));
    const table = await expectInvariant(t, events, ZONE);
    expect(table).toEqual(modelAfter(events, ZONE, NO_CUT));
    await expectReads(NO_CUT);
  }, 120_000);

  it('a pass as of now rolls days older than 30 days and months older than 180 days; reads unchanged; a second pass changes nothing', async () => {
    const { summary, cut } = await passAndCheck(NOW, 97);
    expect(cut).toEqual({ daily: new Date('2026-06-14T22:00:00.000Z'), monthly: new Date('2025-12-31T23:00:00.000Z') });
    expect(summary.rowsRead).toBeGreaterThan(3000);
    await expectReads(cut);
  }, 120_000);

  it('a pass as of now+40 days leaves no real-time row; sums, reads and keys intact', async () => {
    const asOf = new Date(NOW.getTime() + 40 * DAY_MS);
    const { table, cut } = await passAndCheck(asOf, undefined);
    expect(cut).toEqual({ daily: new Date('2026-07-24T22:00:00.000Z'), monthly: new Date('2026-01-31T23:00:00.000Z') });
    expect(table.filter((r) => r.level === 0)).toEqual([]);
    expect(table.filter((r) => r.level === 1).length).toBeGreaterThan(0);
    expect(table.filter((r) => r.level === 2).length).toBeGreaterThan(0);
    await expectReads(cut);
  }, 120_000);

  it('a pass as of now+400 days leaves only monthly rows, one per key and local month', async () => {
    const asOf = new Date(NOW.getTime() + 400 * DAY_MS);
    const { table, cut } = await passAndCheck(asOf, 1000);
    expect(table.every((r) => r.level === 2)).toBe(true);
    expect(table.length).toBe(groups(ingested, 'month', cut.monthly));
    await expectReads(cut);
  }, 120_000);

  it('a late real-time row for a day already rolled to daily merges into the existing daily row', async () => {
    await t.reset();
    const clock = new Date('2026-05-20T10:00:00.000Z');
    t.clock.set(clock);
    const key = { module: 3, action: 2, country: 'AT', device: 'desktop', actionLabel: 'shop', actionId: 'conf:late', actionParameter: 'p' };
    // 21 April 2026 in Vienna is [2026-04-20T22:00Z, 2026-04-21T22:00Z); the clock still accepts it.
    await postEvents(t, 21, [{ tenant: 21, eventId: 'late-1', created: '2026-04-21T08:00:00.000Z', ...key, userId: CONSENTING_USER }]);
    const asOf = new Date('2026-05-22T10:00:00.000Z');
    expect(rollup.cutoffs(asOf).daily.toISOString()).toBe('2026-04-21T22:00:00.000Z');
    const first = await rollup.run({ asOf });
    expect({ read: first.rowsRead, written: first.rowsWritten, periods: first.periods }).toEqual({ read: 1, written: 1, periods: 1 });

    // Same day, same key (and one other key), arriving late: the clock still accepts them.
    await postEvents(t, 21, [
      { tenant: 21, eventId: 'late-2', created: '2026-04-21T21:59:59.999Z', ...key, userId: 'someone-else' },
      { tenant: 21, eventId: 'late-3', created: '2026-04-20T22:00:00.000Z', ...key },
      { tenant: 21, eventId: 'late-4', created: '2026-04-21T12:00:00.000Z', ...key, country: 'DE' },
    ]);
    const second = await rollup.run({ asOf });
    expect({ read: second.rowsRead, written: second.rowsWritten, periods: second.periods }).toEqual({ read: 3, written: 2, periods: 1 });
    const table = await readTable(t);
    const daily = { tenant: 21, ...key, level: 1, created: '2026-04-20T22:00:00.000Z', userId: null, eventId: null };
    expect(table).toEqual([
      { ...daily, count: 3 },
      { ...daily, country: 'DE', count: 1 },
    ]);
    expect(await rowCount(t)).toBe(2);

    // Later, at the monthly level: each key's daily row becomes its April row (1 April 2026 in Vienna).
    const later = new Date('2026-11-15T00:00:00.000Z');
    const third = await rollup.run({ asOf: later });
    expect({ read: third.rowsRead, written: third.rowsWritten }).toEqual({ read: 2, written: 2 });
    expect((await readTable(t)).map((r) => [r.level, r.created, r.country, r.count])).toEqual([
      [2, '2026-03-31T22:00:00.000Z', 'AT', 3],
      [2, '2026-03-31T22:00:00.000Z', 'DE', 1],
    ]);
  }, 120_000);
});
