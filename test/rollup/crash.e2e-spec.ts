import { RollupService } from '../../src/rollup/rollup.service';
import { DAY_MS, FixtureEvent, ingestAll } from '../support/fixtures';
import {
  CliRun,
  Rng,
  cliSummary,
  expectInvariant,
  expireLease,
  killStrayChildren,
  leaseHolder,
  modelAfter,
  randomFixture,
  rawSnapshot,
  readTable,
  rowCount,
  sleep,
  spawnRollupCli,
} from '../support/rollup-fixtures';
import { TestApp } from '../support/test-app';

/**
 * Exactly once under faults (issue 4): the rollup CLI, run as a child process over a large
 * fixture, is killed with SIGKILL at random moments. After every kill each count is intact and no
 * key has two aggregated rows of one level and period; the dead runner's lease keeps the next run
 * out (it says "skipped") until it expires; then a normal pass finishes the work.
 */

const ZONE = 'Europe/Vienna';
const NOW = new Date('2026-07-15T09:30:00.000Z');
const AS_OF = new Date(NOW.getTime() + 400 * DAY_MS);
const SEED = 4242;

const events: FixtureEvent[] = randomFixture({
  seed: SEED,
  tenants: [
    { tenant: 31, weight: 5 },
    { tenant: 32, weight: 3 },
    { tenant: 33, weight: 2 },
  ],
  from: new Date('2025-05-01T00:00:00.000Z'),
  to: new Date(NOW.getTime() - 60_000),
  count: 20_000,
  idPrefix: 'crash',
  boundariesIn: ZONE,
});

describe('rollup killed with SIGKILL (CLI child process, large fixture)', () => {
  let t: TestApp;
  let rollup: RollupService;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { STATISTICS_TIME_ZONE: ZONE } });
    rollup = t.app.get(RollupService);
    await ingestAll(t, events);
  }, 300_000);
  afterAll(async () => {
    killStrayChildren();
    await t?.close();
  });

  it('keeps every count through four kills at random moments, and a normal pass then finishes the work', async () => {
    const rng = new Rng(SEED);
    const args = ['--as-of', AS_OF.toISOString(), '--chunk-rows', '200'];
    expect((await readTable(t)).length).toBe(events.length);
    let previous = events.length;
    // Four moments chosen by the work done, never by wall-clock time (so they fall inside the pass
    // on a fast machine as on a slow one): the child's first progress line (its first chunk
    // committed); twice once a random 1,000–4,000 more real-time rows were rolled (the daily
    // step); and at the progress line the child prints as the monthly step of tenant 31 or 32
    // (at random) has committed its first chunk (daily and monthly rows mixed, a tenant's worth of
    // monthly work still ahead: a polled row count could miss the short monthly step on a loaded
    // machine, and the pass ended before the kill). The child is stopped (SIGSTOP) whenever the
    // condition is looked at — for a progress line, in the stderr handler itself — so it cannot
    // run on, or finish, between the check and the kill; it is resumed while the test waits. The
    // kill lands wherever the child was stopped: inside a chunk's transaction, between two
    // chunks, renewing the lease.
    const moments = ['first chunk', 'daily', 'daily', 'monthly'] as const;
    const until = async (run: CliRun, done: () => Promise<boolean>) => {
      for (;;) {
        run.pause();
        if (run.exited() || (await done())) return;
        run.resume();
        await sleep(10);
      }
    };
    for (const [i, moment] of moments.entries()) {
      const kill = i + 1;
      const realTime = await rowCount(t, 'aggregation_level = 0');
      const pauseAt = moment === 'first chunk' || (moment === 'monthly' && new RegExp(`^rollup monthly tenant ${rng.int(31, 32)}:`));
      const run = spawnRollupCli(t, args, { pauseAtFirstProgress: pauseAt });
      const spawned = Date.now();
      if (moment === 'daily') {
        const target = realTime - rng.int(1000, 4000);
        await until(run, async () => (await rowCount(t, 'aggregation_level = 0')) <= target);
      } else {
        await run.firstProgress;
      }
      expect({ kill, exitedOnItsOwn: run.exited(), stdout: run.stdout() }).toEqual({ kill, exitedOnItsOwn: false, stdout: '' });
      run.child.kill('SIGKILL');
      const killedAfter = Date.now() - spawned;
      expect(await run.exit).toEqual({ code: null, signal: 'SIGKILL' });

      const table = await expectInvariant(t, events, ZONE);
      const levels = [0, 1, 2].map((l) => table.filter((r) => r.level === l).length);
      console.log(`kill ${kill} (${moment}) after ${killedAfter} ms, ${run.progressLines()} progress lines: rows by level ${levels.join('/')}`);
      // Work is left for the next run (the kill interrupted the pass), and none was lost.
      expect(levels[0] + levels[1]).toBeGreaterThan(0);
      expect(table.length).toBeLessThanOrEqual(previous);
      if (moment === 'monthly') expect(levels[2]).toBeGreaterThan(0);
      previous = table.length;

      // The killed holder left the lease taken: a run now is skipped and says so, touching nothing.
      expect(await leaseHolder(t)).not.toBeNull();
      const snapshot = await rawSnapshot(t);
      const skipped = await rollup.run({ asOf: AS_OF });
      expect(skipped.skipped).toMatch(/^another rollup runner holds the lease \(.+ until \d{4}-\d\d-\d\dT/);
      expect({ read: skipped.rowsRead, written: skipped.rowsWritten, deleted: skipped.rowsDeleted }).toEqual({ read: 0, written: 0, deleted: 0 });
      expect(await rawSnapshot(t)).toEqual(snapshot);
      // Simulates the lease's expiry (LEASE_TTL_MS = 60 s after the dead holder's last renewal).
      await expireLease(t);
    }

    const last = spawnRollupCli(t, args);
    expect(await last.exit).toEqual({ code: 0, signal: null });
    const summary = cliSummary(last);
    console.log(`final pass: ${last.stdout().split('\n')[0]}`);
    expect(summary.skipped).toBeUndefined();
    expect(summary.rowsRead).toBeGreaterThan(0);
    expect(await leaseHolder(t)).toBeNull();
    const table = await expectInvariant(t, events, ZONE);
    expect(table).toEqual(modelAfter(events, ZONE, rollup.cutoffs(AS_OF)));
    expect(table.every((r) => r.level === 2)).toBe(true);

    const again = await rollup.run({ asOf: AS_OF, chunkRows: 200 });
    expect({ read: again.rowsRead, written: again.rowsWritten, skipped: again.skipped }).toEqual({ read: 0, written: 0, skipped: undefined });
  }, 600_000);
});
