import { RollupProgress, RollupService, RollupSummary } from '../../src/rollup/rollup.service';
import { DAY_MS, FixtureEvent, getJson, ingestAll } from '../support/fixtures';
import {
  Rng,
  cliHoldsLease,
  cliSummary,
  eventRow,
  expectInvariant,
  expireLease,
  killStrayChildren,
  leaseExpiry,
  leaseHolder,
  modelAfter,
  periodStart,
  randomFixture,
  rawSnapshot,
  readTable,
  rowsToRoll,
  sleep,
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
/**
 * Rounds of the traffic alongside a pass that ingest (reads go on until the pass ends). Every new
 * event is rollable by the pass (created in the last 29 days, the pass `asOf` 400 days later), so
 * a pass met by endless ingestion chases it: on MySQL, with the fold beside it, one round added
 * rows about as fast as 50-row chunks moved them and the pass outlived the test's 300 s.
 */
const INGEST_ROUNDS = 40;
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
    // The CLI is stopped (SIGSTOP) the moment its first progress line arrives: its first chunk
    // is committed, the rest of its pass is still to do, and it holds the lease until resumed —
    // whatever the machine's speed. A skipping runner only reads the lease row, so it does not
    // matter that the CLI may be stopped inside its next chunk's transaction.
    const cli = spawnRollupCli(t, ['--as-of', asOf.toISOString(), '--chunk-rows', '50'], { pauseAtFirstProgress: true });
    await cli.firstProgress;
    expect({ exited: cli.exited(), holdsLease: await cliHoldsLease(t, cli) }).toEqual({ exited: false, holdsLease: true });
    const snapshot = await rawSnapshot(t);
    const second = await rollup.run({ asOf, chunkRows: 50 });
    expect(second.skipped).toMatch(SKIPPED);
    expect(second.skipped).toContain(`:${cli.child.pid}:`);
    expect({ read: second.rowsRead, written: second.rowsWritten, deleted: second.rowsDeleted }).toEqual({ read: 0, written: 0, deleted: 0 });
    expect(await rawSnapshot(t)).toEqual(snapshot);
    cli.resume();
    expect(await cli.exit).toEqual({ code: 0, signal: null });
    const fromCli = cliSummary(cli) as unknown as RollupSummary;
    expect(fromCli.skipped).toBeUndefined();
    expect(fromCli.rowsRead).toBe(toRoll);
    await expectDoneOnce(asOf, toRoll, [second, fromCli]);
  }, 300_000);

  it('a runner whose lease expired and was taken over stops at its next chunk; nothing is merged twice', async () => {
    const asOf = new Date(NOW.getTime() + 400 * DAY_MS);
    const toRoll = rowsToRoll(await readTable(t), ZONE, rollup.cutoffs(asOf));
    // The victim is an in-process pass held between two chunks (after its first commit) by its
    // progress callback: a stalled runner that holds the lease and no transaction.
    let firstChunk: RollupProgress | undefined;
    let stalled!: () => void;
    const isStalled = new Promise<void>((resolve) => (stalled = resolve));
    let unstall!: () => void;
    const stall = new Promise<void>((resolve) => (unstall = resolve));
    const victim = rollup
      .run({
        asOf,
        chunkRows: 50,
        onProgress: async (p) => {
          if (firstChunk) return;
          firstChunk = p;
          stalled();
          await stall;
        },
      })
      .then(
        (summary) => ({ finished: summary }),
        (err: Error) => ({ failed: err.message }),
      );
    await isStalled;
    const victimHolder = await leaseHolder(t);
    expect(victimHolder).not.toBeNull();
    // Simulates the stall outlasting LEASE_TTL_MS: the lease expires and the CLI takes it over.
    await expireLease(t);
    const cli = spawnRollupCli(t, ['--as-of', asOf.toISOString(), '--chunk-rows', '50']);
    expect(await cli.exit).toEqual({ code: 0, signal: null });
    const taker = cliSummary(cli) as unknown as RollupSummary;
    expect(taker.skipped).toBeUndefined();
    unstall();
    expect(await victim).toEqual({ failed: 'rollup lease lost to another runner; stopped before the next chunk' });
    // The victim's one committed chunk and the taker's pass: all the work, each row once.
    expect({ read: firstChunk!.rowsRead + taker.rowsRead, deleted: firstChunk!.rowsDeleted + taker.rowsDeleted }).toEqual({ read: toRoll, deleted: toRoll });
    // One chunk: at most 50 rows, and no more than its first period (local day) holds.
    expect(firstChunk!.rowsRead).toBeGreaterThan(0);
    expect(firstChunk!.rowsRead).toBeLessThanOrEqual(50);
    const table = await expectInvariant(t, events, ZONE, rollup.cutoffs(asOf).monthly);
    expect(table).toEqual(modelAfter(events, ZONE, rollup.cutoffs(asOf)));
    // The victim's release (on its way out) left the taker's release alone: the lease is free.
    expect(await leaseHolder(t)).toBeNull();
    const rest = await rollup.run({ asOf });
    expect({ skipped: rest.skipped, read: rest.rowsRead }).toEqual({ skipped: undefined, read: 0 });
  }, 300_000);

  /**
   * Traffic while a pass runs: new events inside the ingestion window (the last 30 days) go in,
   * and the read API is asked for totals over whole local months of old data only (May 2025 –
   * May 2026 in Vienna), whose true values never change whatever the pass has done so far.
   */
  function traffic() {
    const range = { from: '2025-04-30T22:00:00.000Z', to: '2026-05-31T22:00:00.000Z' };
    const inRange = events.map(eventRow).filter((r) => r.created >= range.from && r.created < range.to);
    const expectedTotal: Record<number, number> = {};
    for (const tenant of TENANTS) expectedTotal[tenant] = inRange.filter((r) => r.tenant === tenant).length;
    const expectedMonths = sumsBy(inRange, ZONE, 'month', []);
    const rng = new Rng(99);
    const fresh: FixtureEvent[] = [];
    let batches = 0;
    let reads = 0;

    /** 20 new events of one tenant; a refusal (500/503: SQLite busy) fails the test. */
    async function ingest(): Promise<void> {
      const round = batches++;
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
      // SQLite write transactions take the write lock up front (BEGIN IMMEDIATE, waiting on the
      // busy timeout), so a rollup committing in between never makes ingestion fail.
      const res = await t.http
        .post(`/v2/statistics/tenants/${tenant}/useractions`)
        .set(t.auth([tenant], { ingest: true }))
        .send({ userActions: batch.map(({ tenant: _t, ...e }) => e) });
      expect({ status: res.status, body: res.body }).toEqual({ status: 202, body: { accepted: batch.length, duplicates: 0 } });
      fresh.push(...batch);
    }

    /** Every tenant's total and monthly sums over the old months: exactly the true values. */
    async function read(): Promise<void> {
      const round = reads++;
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
    }
    return { ingest, read, fresh, reads: () => reads };
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
    const load = traffic();
    let finished = false;
    let chunks = 0;
    let roundsBetweenChunks = 0;
    // After each of its first three chunks the pass waits for one round of ingestion and reads
    // (so they meet a half-rolled table at known points); meanwhile more rounds run alongside.
    const pass = rollup
      .run({
        asOf,
        chunkRows: 50,
        onProgress: async () => {
          if (++chunks > 3) return;
          await load.ingest();
          await load.read();
          roundsBetweenChunks++;
        },
      })
      .finally(() => (finished = true));
    let alongside = 0;
    while (!finished) {
      if (alongside < INGEST_ROUNDS) await load.ingest();
      await load.read();
      alongside++;
    }
    const summary = await pass;
    expect(summary.skipped).toBeUndefined();
    console.log(`in-process pass: ${roundsBetweenChunks} rounds between chunks, ${alongside} alongside, ${load.fresh.length} new events, ${chunks} chunks`);
    expect(roundsBetweenChunks).toBe(3);
    await expectAllStored(load.fresh, asOf);
  }, 900_000);

  it('ingestion and reads while a CLI pass runs: every read sees exactly the true total; every new event is stored', async () => {
    const asOf = new Date(NOW.getTime() + 400 * DAY_MS);
    const load = traffic();
    // The CLI is stepped for its first rounds: stopped at its first progress line, then after each
    // round resumed until it commits another chunk (its lease renewal, a chunk's first statement,
    // becomes visible) and stopped again. While it is stopped and still holds the lease, its pass is
    // half done: reads go then (a read never waits for a stopped writer). No ingestion while
    // stepping: on SQLite a write waits for the CLI's write lock inside better-sqlite3's synchronous
    // busy handler, which blocks this process (and the stepping) while the CLI runs on — on a fast
    // machine to the end of its pass. After STEPPED rounds it runs free, with rounds of ingestion
    // (committed between its chunks) and reads alongside until it ends; ingestion between a pass's
    // chunks at known points is the in-process test's part.
    const STEPPED = 5;
    const cli = spawnRollupCli(t, ['--as-of', asOf.toISOString(), '--chunk-rows', '20'], { pauseAtFirstProgress: true });
    await cli.firstProgress;
    let readsMidPass = 0;
    for (let step = 0; step < STEPPED && !cli.exited(); step++) {
      if (await cliHoldsLease(t, cli)) {
        await load.read();
        readsMidPass++;
      }
      const expiry = await leaseExpiry(t);
      cli.resume();
      while (!cli.exited() && (await leaseExpiry(t)) === expiry) await sleep(2);
      cli.pause();
    }
    cli.resume();
    let alongside = 0;
    while (!cli.exited()) {
      if (alongside < INGEST_ROUNDS) await load.ingest();
      await load.read();
      alongside++;
    }
    expect(await cli.exit).toEqual({ code: 0, signal: null });
    expect(cliSummary(cli).skipped).toBeUndefined();
    console.log(`CLI pass: ${readsMidPass} stepped read rounds mid-pass, ${alongside} rounds of ingestion and reads alongside, ${load.fresh.length} new events`);
    expect(readsMidPass).toBe(STEPPED);
    expect(alongside).toBeGreaterThanOrEqual(1);
    await expectAllStored(load.fresh, asOf);
  }, 900_000);
});
