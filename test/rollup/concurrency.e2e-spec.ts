import { RollupService, RollupSummary } from '../../src/rollup/rollup.service';
import {
  DAY_MS,
  FixtureEvent,
  Rng,
  cliSummary,
  eventRow,
  expectInvariant,
  expireLease,
  getJson,
  ingestAll,
  killStrayChildren,
  leaseHolder,
  modelAfter,
  periodStart,
  randomFixture,
  readTable,
  rowsToRoll,
  spawnRollupCli,
  sumsBy,
} from '../support/rollup-fixtures';
import { TestApp } from '../support/test-app';

/**
 * Concurrency (issue 4): passes started together never merge a row twice (one runner holds the
 * lease, the other skips and says so; a runner whose lease was taken over stops after a complete
 * chunk); ingestion and reads while a pass runs: every read sees exactly the true total, and every
 * new event is stored.
 */

const ZONE = 'Europe/Vienna';
const NOW = new Date('2026-07-15T09:30:00.000Z');
const TENANTS = [41, 42, 43];
const SKIPPED = /^another rollup runner holds the lease \(.+ until \d{4}-\d\d-\d\dT/;

const events: FixtureEvent[] = randomFixture({
  seed: 777,
  tenants: [
    { tenant: 41, weight: 5 },
    { tenant: 42, weight: 3 },
    { tenant: 43, weight: 2 },
  ],
  from: new Date('2025-05-01T00:00:00.000Z'),
  to: new Date(NOW.getTime() - 30 * DAY_MS),
  count: 6000,
  idPrefix: 'conc',
  boundariesIn: ZONE,
});

describe('rollup under concurrency', () => {
  let t: TestApp;
  let rollup: RollupService;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { STATISTICS_TIME_ZONE: ZONE } });
    rollup = t.app.get(RollupService);
  });
  beforeEach(async () => {
    await t.reset();
    await expireLease(t);
    t.clock.set(NOW);
    await ingestAll(t, events);
  }, 180_000);
  afterAll(async () => {
    killStrayChildren();
    await t?.close();
  });

  /** The whole work of a pass with `asOf` was done exactly once, by whichever runners ran. */
  async function expectDoneOnce(asOf: Date, toRoll: number, summaries: Array<{ rowsRead: number; rowsDeleted: number }>): Promise<void> {
    expect(summaries.reduce((s, x) => s + x.rowsRead, 0)).toBe(toRoll);
    expect(summaries.reduce((s, x) => s + x.rowsDeleted, 0)).toBe(toRoll);
    const table = await expectInvariant(t, events, ZONE, rollup.cutoffs(asOf).monthly);
    expect(table).toEqual(modelAfter(events, ZONE, rollup.cutoffs(asOf)));
    expect(await leaseHolder(t)).toBeNull();
  }

  it('two in-process passes started together: one does the work, the other skips and says so', async () => {
    const asOf = new Date(NOW.getTime() + 40 * DAY_MS);
    const toRoll = rowsToRoll(await readTable(t), ZONE, rollup.cutoffs(asOf));
    const results = await Promise.all([rollup.run({ asOf, chunkRows: 50 }), rollup.run({ asOf, chunkRows: 50 })]);
    const skipped = results.filter((r) => r.skipped !== undefined);
    expect(skipped).toHaveLength(1);
    expect(skipped[0].skipped).toMatch(SKIPPED);
    expect({ read: skipped[0].rowsRead, written: skipped[0].rowsWritten, periods: skipped[0].periods }).toEqual({ read: 0, written: 0, periods: 0 });
    await expectDoneOnce(asOf, toRoll, results);
  }, 300_000);

  it('a CLI pass and an in-process pass started together: no row is merged twice', async () => {
    const asOf = new Date(NOW.getTime() + 400 * DAY_MS);
    const toRoll = rowsToRoll(await readTable(t), ZONE, rollup.cutoffs(asOf));
    const cli = spawnRollupCli(t, ['--as-of', asOf.toISOString(), '--chunk-rows', '100']);
    const inProcess = await rollup.run({ asOf, chunkRows: 100 });
    expect(await cli.exit).toEqual({ code: 0, signal: null });
    const fromCli = cliSummary(cli) as unknown as RollupSummary;
    // Whoever came second either skipped (the lease was taken) or found nothing left to do.
    const outcomes = [inProcess, fromCli].map((s) => (s.skipped ? 'skipped' : s.rowsRead === 0 ? 'nothing left' : 'did the work'));
    expect(outcomes.filter((o) => o === 'did the work')).toHaveLength(1);
    for (const s of [inProcess, fromCli]) if (s.skipped) expect(s.skipped).toMatch(SKIPPED);
    await expectDoneOnce(asOf, toRoll, [inProcess, fromCli]);
  }, 300_000);

  it('a pass started while the CLI holds the lease is skipped; the CLI finishes the work', async () => {
    const asOf = new Date(NOW.getTime() + 400 * DAY_MS);
    const toRoll = rowsToRoll(await readTable(t), ZONE, rollup.cutoffs(asOf));
    const cli = spawnRollupCli(t, ['--as-of', asOf.toISOString(), '--chunk-rows', '50']);
    await cli.firstProgress;
    expect(cli.exited()).toBe(false);
    const second = await rollup.run({ asOf, chunkRows: 50 });
    expect(second.skipped).toMatch(SKIPPED);
    expect(await cli.exit).toEqual({ code: 0, signal: null });
    const fromCli = cliSummary(cli) as unknown as RollupSummary;
    expect(fromCli.skipped).toBeUndefined();
    expect(fromCli.rowsRead).toBe(toRoll);
    await expectDoneOnce(asOf, toRoll, [second, fromCli]);
  }, 300_000);

  it('a runner whose lease expired and was taken over stops at its next chunk; nothing is merged twice', async () => {
    const asOf = new Date(NOW.getTime() + 400 * DAY_MS);
    const toRoll = rowsToRoll(await readTable(t), ZONE, rollup.cutoffs(asOf));
    const cli = spawnRollupCli(t, ['--as-of', asOf.toISOString(), '--chunk-rows', '50']);
    await cli.firstProgress;
    expect(cli.exited()).toBe(false);
    // Simulates the CLI stalling past LEASE_TTL_MS: its lease expires and another runner takes it.
    await expireLease(t);
    const taker = await rollup.run({ asOf, chunkRows: 50 });
    const exit = await cli.exit;
    expect(taker.skipped).toBeUndefined();
    expect({ exit, stderr: cli.stderr().trim().split('\n').pop() }).toEqual({
      exit: { code: 1, signal: null },
      stderr: 'rollup failed: rollup lease lost to another runner; stopped before the next chunk',
    });
    // The CLI's work is not in a summary (it failed); the table proves nothing was lost or doubled.
    const table = await expectInvariant(t, events, ZONE, rollup.cutoffs(asOf).monthly);
    const rest = await rollup.run({ asOf });
    expect(rest.skipped).toBeUndefined();
    expect(await readTable(t)).toEqual(modelAfter(events, ZONE, rollup.cutoffs(asOf)));
    expect(table.length).toBeGreaterThan(0);
    expect(taker.rowsRead).toBeLessThanOrEqual(toRoll);
    expect(await leaseHolder(t)).toBeNull();
  }, 300_000);

  /**
   * While `pass` runs: new events inside the ingestion window (the last 30 days) go in, and the
   * read API is asked, again and again, for totals over whole local months of old data only (May
   * 2025 – May 2026 in Vienna), whose true values never change whatever the pass has done so far.
   */
  async function trafficDuring(
    pass: { running(): boolean; started(): boolean },
  ): Promise<{ fresh: FixtureEvent[]; reads: number; readsDuringPass: number; busy: number }> {
    const range = { from: '2025-04-30T22:00:00.000Z', to: '2026-05-31T22:00:00.000Z' };
    const inRange = events.map(eventRow).filter((r) => r.created >= range.from && r.created < range.to);
    const expectedTotal: Record<number, number> = {};
    for (const tenant of TENANTS) expectedTotal[tenant] = inRange.filter((r) => r.tenant === tenant).length;
    const expectedMonths = sumsBy(inRange, ZONE, 'month', []);
    const rng = new Rng(99);
    const fresh: FixtureEvent[] = [];
    let reads = 0;
    let readsDuringPass = 0;
    let busy = 0;
    for (let round = 0; pass.running(); round++) {
      const tenant = TENANTS[round % TENANTS.length];
      const batch: FixtureEvent[] = [];
      for (let i = 0; i < 20; i++) {
        batch.push({
          tenant,
          eventId: `fresh-${round}-${i}`,
          module: rng.pick([3, 7]),
          action: 1,
          created: new Date(NOW.getTime() - rng.int(0, 29 * DAY_MS)).toISOString(),
          country: rng.pick(['AT', 'DE']),
        });
      }
      for (let attempt = 1; ; attempt++) {
        const res = await t.http
          .post(`/v2/statistics/tenants/${tenant}/useractions`)
          .set(t.auth([tenant], { ingest: true }))
          .send({ userActions: batch.map(({ tenant: _t, ...e }) => e) });
        if (res.status === 202) {
          // Also after failed attempts: all-or-nothing, a failed attempt stored nothing.
          expect(res.body).toEqual({ accepted: batch.length, duplicates: 0 });
          break;
        }
        // SQLite write transactions take the write lock up front (BEGIN IMMEDIATE, waiting on the
        // busy timeout), so a rollup CLI committing in between never makes ingestion fail.
        busy++;
        throw new Error(`ingest failed: ${res.status} ${JSON.stringify(res.body)}`);
      }
      fresh.push(...batch);

      // A read round counts as during the pass when it starts while the pass runs (it overlaps it).
      const during = pass.started() && pass.running();
      const got: Record<number, number> = {};
      for (const tn of TENANTS) {
        const res = await getJson(t, tn, 'userActionsAggregated', `from=${range.from}&to=${range.to}${round % 2 ? '&aggregations[]=country' : ''}`).expect(200);
        got[tn] = res.body.userActions.reduce((sum: number, e: { count: number }) => sum + e.count, 0);
      }
      expect(got).toEqual(expectedTotal);
      const months: Record<string, number> = {};
      for (const tn of TENANTS) {
        const res = await getJson(t, tn, 'useractions', `from=${range.from}&to=${range.to}`).expect(200);
        for (const e of res.body.userActions) months[JSON.stringify([tn, e.module, e.action, periodStart(e.date, ZONE, 'month')])] = e.count;
      }
      expect(months).toEqual(expectedMonths);
      reads++;
      if (during) readsDuringPass++;
    }
    return { fresh, reads, readsDuringPass, busy };
  }

  /** After the traffic: every new event is stored, and a last pass leaves exactly the model. */
  async function expectAllStored(fresh: FixtureEvent[], asOf: Date): Promise<void> {
    const all = [...events, ...fresh];
    await expectInvariant(t, all, ZONE);
    await rollup.run({ asOf });
    expect(await readTable(t)).toEqual(modelAfter(all, ZONE, rollup.cutoffs(asOf)));
  }

  it('ingestion and reads during an in-process pass: every read sees exactly the true total; every new event is stored', async () => {
    const asOf = new Date(NOW.getTime() + 400 * DAY_MS);
    let finished = false;
    let chunks = 0;
    const pass = rollup.run({ asOf, chunkRows: 50, onProgress: () => chunks++ }).finally(() => (finished = true));
    const traffic = await trafficDuring({ running: () => !finished, started: () => chunks > 0 });
    const summary = await pass;
    expect(summary.skipped).toBeUndefined();
    console.log(`in-process pass: ${traffic.reads} read rounds (${traffic.readsDuringPass} during the pass), ${traffic.fresh.length} new events, ${chunks} chunks`);
    expect(traffic.readsDuringPass).toBeGreaterThanOrEqual(3);
    await expectAllStored(traffic.fresh, asOf);
  }, 300_000);

  // Small chunks make the pass long enough that several read rounds fall inside it, also when the
  // machine is busy (with 100-row chunks a loaded CI run saw only 2).
  it('ingestion and reads while a CLI pass runs (--chunk-rows 20): every read sees exactly the true total; every new event is stored', async () => {
    const asOf = new Date(NOW.getTime() + 400 * DAY_MS);
    const cli = spawnRollupCli(t, ['--as-of', asOf.toISOString(), '--chunk-rows', '20']);
    const traffic = await trafficDuring({ running: () => !cli.exited(), started: () => cli.progressLines() > 0 });
    expect(await cli.exit).toEqual({ code: 0, signal: null });
    console.log(`CLI pass: ${traffic.reads} read rounds (${traffic.readsDuringPass} during the pass), ${traffic.fresh.length} new events, ${traffic.busy} ingestion attempts refused with 500/503 (SQLite busy)`);
    expect(traffic.readsDuringPass).toBeGreaterThanOrEqual(3);
    expect(traffic.busy).toBe(0);
    await expectAllStored(traffic.fresh, asOf);
  }, 300_000);
});
