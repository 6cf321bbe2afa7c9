import BetterSqlite3 from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { Connection, createConnection } from 'mysql2/promise';
import { Calendar } from '../../src/common/calendar';
import { Database } from '../../src/database/database.service';
import { toInt, toStringOrNull } from '../../src/database/values';
import { SummaryService } from '../../src/summary/summary.service';
import { DAY_MS, FixtureEvent } from '../support/fixtures';
import { Rng, randomFixture, sleep } from '../support/rollup-fixtures';
import { ServiceProcess, stopAllServices } from '../support/service-process';
import { expectSummariesConsistent } from '../support/summary-check';
import { TEST_DIALECT, TestApp } from '../support/test-app';

/**
 * Crash safety of the real service (issue 6): the compiled service runs as a child process and is
 * killed with SIGKILL in the middle of ingestion batches and in the middle of a CSV export.
 * After every restart on the same database:
 * - counts equal exactly the batches that were acknowledged with 202; a batch whose outcome was
 *   unknown (connection reset) or that never got through is re-sent, as a real client would, and
 *   answers either all accepted (it had not been committed) or all duplicates (it had been):
 *   a batch is never half stored;
 * - the database holds no stuck lock: on MySQL the dead process' connections are gone within
 *   seconds, none has a transaction left in information_schema.innodb_trx, and a write
 *   transaction on the hottest rows succeeds at once (innodb_lock_wait_timeout = 2); on SQLite
 *   BEGIN IMMEDIATE succeeds within 1 s and PRAGMA integrity_check is ok;
 * - a CSV export interrupted by the kill is visibly incomplete for the client, and a new export
 *   returns every row exactly once.
 */

const ZONE = 'Europe/Vienna';
const SERVICE_ENV = { STATISTICS_TIME_ZONE: ZONE, LOG_LEVEL: 'warn', ROLLUP_ENABLED: 'false' };
const SEED = 6062;
const CLIENTS = 4;
const BATCHES_PER_CLIENT = 14;
const TENANTS = [101, 102, 103];
const EXPORT_TENANT = 200;
const EXPORT_ROWS = 50_000;
const EXPORT_KILL_AT_ROWS = 4_000;
/** The events lie in the window ingestion accepts (the last 30 days, by the service's real clock). */
const T0 = Date.now();
const WINDOW = { from: new Date(T0 - 29 * DAY_MS), to: new Date(T0 - 60_000) };

type BatchState = 'new' | 'accepted' | 'unknown' | 'refused';

interface Batch {
  id: string;
  client: number;
  tenant: number;
  events: FixtureEvent[];
  state: BatchState;
  sends: number;
}

type KillPlan =
  | { kind: 'after202'; n: number }
  | { kind: 'inFlight'; after: number }
  | { kind: 'committedUnanswered'; after: number; probeForMs: number }
  | { kind: 'none' };

interface Figures {
  kills: number;
  first202: number;
  reset: number;
  refused: number;
  resent: number;
  resentDuplicates: number;
  resentAccepted: number;
  readyMs: number[];
  /** SIGSTOP probes until an in-flight batch was seen committed (kill 3). */
  probes: number;
  /** The batch kill 3 caught committed but unanswered. */
  committedUnanswered?: Batch;
}

const body = (batch: Batch) => ({ userActions: batch.events.map(({ tenant: _t, ...e }) => e) });

function makeBatches(): Batch[][] {
  const rng = new Rng(SEED);
  return Array.from({ length: CLIENTS }, (_, c) =>
    Array.from({ length: BATCHES_PER_CLIENT }, (_, b): Batch => {
      const tenant = TENANTS[(c + b) % TENANTS.length];
      const id = `c${c}-b${b}`;
      const events = randomFixture({
        seed: SEED * 100 + c * BATCHES_PER_CLIENT + b,
        tenants: [{ tenant, weight: 1 }],
        from: WINDOW.from,
        to: WINDOW.to,
        count: rng.int(200, 1000),
        idPrefix: id,
      });
      return { id, client: c, tenant, events, state: 'new', sends: 0 };
    }),
  );
}

describe(`the service killed with SIGKILL (compiled service as a child process, ${TEST_DIALECT})`, () => {
  let t: TestApp;
  let admin: Connection | undefined;
  let adminId = 0;
  /** MySQL: the connection ids in the test database that are not the service's (this test's own). */
  let baseline = new Set<number>();
  /** MySQL: connection ids of the running service, polled while it runs. */
  let seen = new Set<number>();
  let polling: Promise<void> | undefined;
  let stopPolling = false;
  const warnings: string[] = [];

  const dbName = () => (t.config.database.type === 'mysql' ? new URL(t.config.database.url).pathname.slice(1) : '');

  /** Reads through this test's own connection (MySQL: the admin connection; SQLite: the TestApp's). */
  async function query(sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
    if (admin) {
      const [rows] = await admin.query(sql, params);
      return rows as Array<Record<string, unknown>>;
    }
    return t.dataSource.query(sql, params);
  }

  async function processlist(): Promise<Array<{ id: number; command: string; state: string; info: string | null }>> {
    const rows = await query('SELECT ID AS id, COMMAND AS command, STATE AS state, INFO AS info FROM information_schema.PROCESSLIST WHERE DB = ?', [dbName()]);
    return rows.map((r) => ({ id: toInt(r.id), command: String(r.command), state: String(r.state ?? ''), info: toStringOrNull(r.info)?.slice(0, 80) ?? null }));
  }

  async function startService(): Promise<ServiceProcess> {
    if (admin) {
      // No service runs now: every connection in the test database is this test's own.
      baseline = new Set((await processlist()).map((p) => p.id));
      baseline.add(adminId);
      seen = new Set();
    }
    const svc = await ServiceProcess.start({ database: t.config.database, env: SERVICE_ENV });
    if (admin) {
      stopPolling = false;
      polling = (async () => {
        while (!stopPolling) {
          for (const p of await processlist()) if (!baseline.has(p.id)) seen.add(p.id);
          await sleep(100);
        }
      })();
    }
    return svc;
  }

  async function stopPoller(): Promise<void> {
    stopPolling = true;
    await polling;
    polling = undefined;
  }

  async function committedCount(batch: Batch): Promise<number> {
    const ids = batch.events.map((e) => e.eventId);
    const [r] = await query(`SELECT COUNT(*) AS n FROM user_action WHERE tenant = ? AND event_id IN (${ids.map(() => '?').join(', ')})`, [
      batch.tenant,
      ...ids,
    ]);
    return toInt(r.n);
  }

  /** Keeps the service's log lines (LOG_LEVEL=warn: warnings and errors only) for the report. */
  function collectWarnings(s: ServiceProcess): void {
    const lines = (s.stdout() + s.stderr()).split('\n').filter((l) => l.startsWith('{'));
    warnings.push(...lines);
  }

  /** No service run logged an error (pino level ≥ 50): a restart on a crashed database is quiet. */
  function expectNoErrorLogs(): void {
    const errors = warnings.filter((l) => {
      try {
        return (JSON.parse(l) as { level?: number }).level! >= 50;
      } catch {
        return true;
      }
    });
    expect(errors).toEqual([]);
  }

  /**
   * After a kill: the dead service left no lock behind. Returns what was found for the report.
   */
  async function expectNoStuckLocks(dead: ServiceProcess, hotTenants: number[]): Promise<string> {
    if (t.config.database.type === 'mysql') {
      await stopPoller();
      const started = Date.now();
      const leftover = async () => (await processlist()).filter((p) => !baseline.has(p.id));
      const atExit = await leftover();
      let now = atExit;
      while (now.length > 0 && Date.now() - started < 5_000) {
        await sleep(50);
        now = await leftover();
      }
      const goneAfter = Date.now() - started;
      // Every connection of the dead process is closed by the server within a few seconds.
      expect(now).toEqual([]);
      const deadIds = new Set([...seen, ...atExit.map((p) => p.id)]);
      expect(deadIds.size).toBeGreaterThan(0);
      const trx = (await query('SELECT trx_mysql_thread_id AS id, trx_state AS state, trx_started AS started FROM information_schema.innodb_trx')).filter(
        (r) => deadIds.has(toInt(r.id)),
      );
      expect(trx).toEqual([]);
      // A write transaction on the hottest rows (the tenants' summary rows and user actions) gets its locks at once.
      const lockStart = Date.now();
      await query('SET SESSION innodb_lock_wait_timeout = 2');
      await query('START TRANSACTION');
      try {
        const list = hotTenants.map(() => '?').join(', ');
        await query(`UPDATE stat_day SET count = count WHERE tenant IN (${list})`, hotTenants);
        for (const table of ['stat_day_cd', 'stat_day_label', 'stat_day_lc', 'stat_day_lcd', 'stat_hour', 'summary_pending']) await query(`UPDATE ${table} SET count = count WHERE tenant IN (${list})`, hotTenants);
        await query(`SELECT COUNT(*) AS n FROM user_action WHERE tenant IN (${list}) FOR UPDATE`, hotTenants);
        await query(
          "INSERT INTO user_action (tenant, module, action, created, aggregation_level, count, event_id) VALUES (?, 3, 1, UTC_TIMESTAMP(3), 0, 1, 'lock-probe')",
          [hotTenants[0]],
        );
      } finally {
        await query('ROLLBACK');
      }
      // A lock left behind would have failed a statement above with ER_LOCK_WAIT_TIMEOUT after 2 s.
      const lockMs = Date.now() - lockStart;
      return (
        `${deadIds.size} service connections, ${atExit.length} still listed at exit ` +
        `(${atExit.map((p) => `${p.command}${p.state ? `/${p.state}` : ''}`).join(', ') || '-'}), all gone after ${goneAfter} ms; ` +
        `write transaction on the hot rows took ${lockMs} ms`
      );
    }
    const path = (t.config.database as { path: string }).path;
    const files = ['-wal', '-shm', '-journal'].filter((s) => existsSync(path + s)).map((s) => `${s} ${statSync(path + s).size} B`);
    const db = new BetterSqlite3(path, { timeout: 1_000 });
    try {
      const started = Date.now();
      db.exec('BEGIN IMMEDIATE');
      const beginMs = Date.now() - started;
      const list = hotTenants.map(() => '?').join(', ');
      db.prepare(`UPDATE stat_day SET count = count WHERE tenant IN (${list})`).run(...hotTenants);
      for (const table of ['stat_day_cd', 'stat_day_label', 'stat_day_lcd']) db.prepare(`UPDATE ${table} SET count = count WHERE tenant IN (${list})`).run(...hotTenants);
      db.prepare(
        "INSERT INTO user_action (tenant, module, action, created, aggregation_level, count, event_id) VALUES (?, 3, 1, '2000-01-01 00:00:00.000', 0, 1, 'lock-probe')",
      ).run(hotTenants[0]);
      db.exec('ROLLBACK');
      expect(beginMs).toBeLessThan(1_000);
      expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      return `files after the kill: ${files.join(', ') || 'none'}; BEGIN IMMEDIATE took ${beginMs} ms; integrity_check ok (service pid ${dead.pid})`;
    } finally {
      db.close();
    }
  }

  beforeAll(async () => {
    // The test's own app only reads and seeds (its folder off: the service under test folds).
    t = await TestApp.create({ env: { STATISTICS_TIME_ZONE: ZONE, FOLD_ENABLED: 'false' } });
    if (t.config.database.type === 'mysql') {
      admin = await createConnection({ uri: t.config.database.url, timezone: 'Z' });
      const [[r]] = (await admin.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
      adminId = toInt(r.id);
    }
  });
  afterAll(async () => {
    stopAllServices();
    stopPolling = true;
    await polling?.catch(() => undefined);
    if (warnings.length) console.log(`service log lines at warn or above (${warnings.length}):\n${warnings.slice(0, 20).join('\n')}`);
    await admin?.end();
    await t?.close();
  });
  afterEach(() => {
    stopAllServices();
  });

  it('ingestion: counts equal exactly the acknowledged batches through three kills, re-sent batches are deduplicated', async () => {
    const queues = makeBatches();
    const all = queues.flat();
    const rng = new Rng(SEED + 1);
    const figures: Figures = { kills: 0, first202: 0, reset: 0, refused: 0, resent: 0, resentDuplicates: 0, resentAccepted: 0, readyMs: [], probes: 0 };
    const plans: KillPlan[] = [
      { kind: 'after202', n: 6 },
      { kind: 'inFlight', after: 3 },
      { kind: 'committedUnanswered', after: 3, probeForMs: 15_000 },
      { kind: 'none' },
    ];

    let last: ServiceProcess | undefined;
    for (const [p, plan] of plans.entries()) {
      const s = await startService();
      figures.readyMs.push(s.readyAfterMs);
      let ok = 0;
      let killed = false;
      let killNote = '';
      let clientsDone = false;
      const inFlight = new Map<number, { batch: Batch; bodySent: boolean }>();
      const kill = (why: string) => {
        if (killed) return;
        killed = true;
        killNote = `${why}; ${ok} batches got 202 in this run; in flight: ${[...inFlight.values()].map((f) => `${f.batch.id}${f.bodySent ? '' : ' (sending)'}`).join(', ') || 'none'}`;
        s.kill('SIGKILL');
      };
      const check = () => {
        if (plan.kind === 'after202' && ok >= plan.n) kill(`after the ${plan.n}th 202`);
        if (plan.kind === 'inFlight' && ok >= plan.after && inFlight.size === CLIENTS && [...inFlight.values()].every((f) => f.bodySent)) {
          kill(`right after ${CLIENTS} requests were sent`);
        }
      };

      const client = async (c: number): Promise<void> => {
        for (const batch of queues[c]) {
          if (batch.state === 'accepted') continue;
          if (killed) return;
          const n = batch.events.length;
          const resend = batch.state !== 'new';
          // Before a re-send: what the database holds of the batch must be all or nothing.
          const committed = resend ? await committedCount(batch) : 0;
          if (committed !== 0 && committed !== n) throw new Error(`batch ${batch.id} is half stored: ${committed} of ${n} events`);
          if (killed) return;
          const entry = { batch, bodySent: false };
          inFlight.set(c, entry);
          batch.sends++;
          let res: { status: number; body: any };
          try {
            res = await s.send('POST', `/tenants/${batch.tenant}/useractions`, {
              headers: s.auth([batch.tenant], { ingest: true }),
              json: body(batch),
              onBodySent: () => {
                entry.bodySent = true;
                check();
              },
            });
          } catch (err) {
            inFlight.delete(c);
            const code = (err as NodeJS.ErrnoException).code ?? '';
            // A network error is only expected once the service was killed.
            if (!killed || !['ECONNRESET', 'ECONNREFUSED', 'EPIPE'].includes(code)) {
              throw new Error(`batch ${batch.id}: ${(err as Error).message} (killed: ${killed})\n${s.output()}`);
            }
            batch.state = code === 'ECONNREFUSED' ? 'refused' : 'unknown';
            if (batch.state === 'refused') figures.refused++;
            else figures.reset++;
            return;
          }
          inFlight.delete(c);
          if (res.status !== 202) throw new Error(`batch ${batch.id} (send ${batch.sends}): ${res.status} ${JSON.stringify(res.body)}`);
          // A batch stored before the kill answers as duplicates; one that was not is stored now, whole.
          expect({ batch: batch.id, ...res.body }).toEqual({ batch: batch.id, accepted: n - committed, duplicates: committed });
          batch.state = 'accepted';
          ok++;
          if (!resend) figures.first202++;
          else if (committed) figures.resentDuplicates++;
          else figures.resentAccepted++;
          if (resend) figures.resent++;
          check();
        }
      };

      // Stops the service at random moments while a batch is in flight, and kills it once the
      // database shows an in-flight batch committed whose answer the client has not received.
      const prober = async (): Promise<void> => {
        if (plan.kind !== 'committedUnanswered') return;
        while (ok < plan.after && !clientsDone) await sleep(2);
        const deadline = Date.now() + plan.probeForMs;
        for (let probe = 1; !clientsDone; probe++) {
          while (![...inFlight.values()].some((f) => f.bodySent)) {
            if (clientsDone) return;
            await sleep(1);
          }
          await sleep(rng.int(0, 20));
          s.kill('SIGSTOP');
          // Answers written before the stop reach the client meanwhile.
          await sleep(40);
          for (const f of [...inFlight.values()].filter((x) => x.bodySent)) {
            if ((await committedCount(f.batch)) !== f.batch.events.length) continue;
            // Committed: the stopped service cannot answer any more; make sure no answer was on its way.
            await sleep(100);
            if (inFlight.get(f.batch.client) !== f) continue;
            figures.probes = probe;
            figures.committedUnanswered = f.batch;
            kill(`probe ${probe}: stopped after batch ${f.batch.id} was committed, before its answer`);
            return;
          }
          if (Date.now() > deadline) {
            figures.probes = probe;
            kill(`probe ${probe}: no in-flight batch committed within ${plan.probeForMs} ms, killed while stopped`);
            return;
          }
          s.kill('SIGCONT');
        }
      };

      await Promise.all([
        Promise.all(queues.map((_, c) => client(c))).finally(() => (clientsDone = true)),
        prober(),
      ]);
      if (plan.kind === 'none') {
        expect(killed).toBe(false);
        last = s;
        break;
      }
      expect({ run: p + 1, killed }).toEqual({ run: p + 1, killed: true });
      expect(await s.waitExit()).toEqual({ code: null, signal: 'SIGKILL' });
      collectWarnings(s);
      figures.kills++;
      const states = all.reduce<Record<BatchState, number>>((m, b) => ({ ...m, [b.state]: m[b.state] + 1 }), { new: 0, accepted: 0, unknown: 0, refused: 0 });
      const locks = await expectNoStuckLocks(s, TENANTS);
      console.log(`kill ${p + 1} (${plan.kind}): ${killNote}\n  batches now: ${JSON.stringify(states)}\n  ${locks}`);

      // After each kill the table holds exactly the acknowledged batches plus whole unacknowledged ones.
      for (const b of all.filter((x) => x.state === 'accepted')) expect({ batch: b.id, n: await committedCount(b) }).toEqual({ batch: b.id, n: b.events.length });
    }

    // Every batch was acknowledged in the end.
    expect(all.filter((b) => b.state !== 'accepted').map((b) => b.id)).toEqual([]);
    const sentPerTenant = new Map<number, Set<string>>(TENANTS.map((x) => [x, new Set()]));
    for (const b of all) for (const e of b.events) sentPerTenant.get(b.tenant)!.add(e.eventId);
    for (const tenant of TENANTS) {
      const stored = (await query('SELECT event_id AS e FROM user_action WHERE tenant = ?', [tenant])).map((r) => String(r.e));
      expect({ tenant, rows: stored.length }).toEqual({ tenant, rows: sentPerTenant.get(tenant)!.size });
      expect(new Set(stored)).toEqual(sentPerTenant.get(tenant));
    }
    expect(await query('SELECT tenant, event_id, COUNT(*) AS n FROM user_action GROUP BY tenant, event_id HAVING COUNT(*) > 1')).toEqual([]);
    await expectSummariesConsistent(t);

    // The read API over the whole window gives the exact sums (from the summary tables and the edge days' rows).
    const s = last!;
    const range = `from=${new Date(T0 - 30 * DAY_MS).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;
    for (const tenant of TENANTS) {
      const events = all.filter((b) => b.tenant === tenant).flatMap((b) => b.events);
      const expected = (keys: Array<'country' | 'device'>) => {
        const sums = new Map<string, Record<string, unknown>>();
        for (const e of events) {
          const entry: Record<string, unknown> = { module: e.module, action: e.action, tenant, count: 0, aggregationLevel: 0 };
          for (const k of keys) entry[k] = e[k] ?? null;
          const key = JSON.stringify([e.module, e.action, ...keys.map((k) => e[k] ?? null)]);
          const prev = sums.get(key) ?? entry;
          prev.count = (prev.count as number) + 1;
          sums.set(key, prev);
        }
        return [...sums.values()];
      };
      const sorted = (rows: Array<Record<string, unknown>>) => rows.map((r) => JSON.stringify(r)).sort();
      const plain = await s.send('GET', `/tenants/${tenant}/userActionsAggregated?${range}`, { headers: s.auth([tenant]) });
      expect(plain.status).toBe(200);
      expect(sorted(plain.body.userActions)).toEqual(sorted(expected([])));
      expect(plain.body.userActions.reduce((sum: number, r: { count: number }) => sum + r.count, 0)).toBe(sentPerTenant.get(tenant)!.size);
      const byKeys = await s.send('GET', `/tenants/${tenant}/userActionsAggregated?${range}&aggregations[]=country&aggregations[]=device`, {
        headers: s.auth([tenant]),
      });
      expect(byKeys.status).toBe(200);
      expect(sorted(byKeys.body.userActions)).toEqual(sorted(expected(['country', 'device'])));
    }
    s.kill('SIGTERM');
    await s.waitExit();
    collectWarnings(s);
    if (admin) await stopPoller();

    const events = all.reduce((n, b) => n + b.events.length, 0);
    console.log(
      `ingestion: ${all.length} batches (${events} events, ${CLIENTS} clients, tenants ${TENANTS.join('/')}), ${figures.kills} kills; ` +
        `${figures.first202} acknowledged at the first send, ${figures.reset} connection resets (unknown outcome), ${figures.refused} refused; ` +
        `${figures.resent} re-sent: ${figures.resentDuplicates} answered as duplicates (committed before the kill), ${figures.resentAccepted} stored on re-send; ` +
        `kill 3 caught ${figures.committedUnanswered?.id ?? 'no batch'} committed but unanswered after ${figures.probes} SIGSTOP probes; ` +
        `ready after start: ${figures.readyMs.join(', ')} ms`,
    );
    expectNoErrorLogs();
    // Kill 3 caught a batch committed but not answered: its re-send was answered as all duplicates.
    expect(figures.committedUnanswered?.sends).toBeGreaterThan(1);
    expect(figures.resentDuplicates).toBeGreaterThanOrEqual(1);
    // Every send either got its 202 or failed on the network; every batch got exactly one 202.
    expect(all.reduce((n, b) => n + b.sends, 0)).toBe(figures.first202 + figures.resent + figures.reset + figures.refused);
    expect(figures.first202 + figures.resent).toBe(all.length);
    expect(figures.resent).toBe(all.filter((b) => b.sends > 1).length);
  }, 180_000);

  it('CSV export: killed mid-stream, the client sees an incomplete download; after restart a new export has every row once and ingestion works', async () => {
    // Seeded in bulk (before the service starts) through the test app's own connection, in one
    // transaction with the summary rows (the service's SummaryService.apply): each row lies in one
    // of the last 28 local days, at most 23 h after the day's start (DST days are 23 h long).
    const rng = new Rng(SEED + 2);
    const seeded = Array.from({ length: EXPORT_ROWS }, (_, i) => `conf:exp-${i}`);
    const calendar = new Calendar(ZONE);
    const days = Array.from({ length: 28 }, (_, d) => calendar.startOfDay(new Date(T0 - (d + 1) * DAY_MS)));
    const seedStart = Date.now();
    const database = t.app.get(Database);
    const summary = t.app.get(SummaryService);
    await database.transaction(async (em) => {
      for (let i = 0; i < EXPORT_ROWS; i += 500) {
        const rows = seeded.slice(i, i + 500).map((actionId, j) => {
          const n = i + j;
          const day = rng.pick(days);
          const located = n % 3 !== 0;
          return {
            actionId,
            eventId: `exp-${n}`,
            day,
            created: new Date(day.getTime() + rng.int(0, 23 * 3_600_000 - 1)),
            action: rng.pick([1, 2, 302]),
            country: located ? rng.pick(['AT', 'DE']) : null,
            device: located ? 'desktop' : null,
            label: n % 2 ? 'kiosk' : null,
          };
        });
        await em.query(
          'INSERT INTO user_action (tenant, module, action, created, aggregation_level, count, country, device, action_label, action_id, event_id) VALUES ' +
            rows.map(() => '(?, 3, ?, ?, 0, 1, ?, ?, ?, ?, ?)').join(', '),
          rows.flatMap((r) => [EXPORT_TENANT, r.action, database.sql.instant(r.created), r.country, r.device, r.label, r.actionId, r.eventId]),
        );
        await summary.apply(
          em,
          EXPORT_TENANT,
          rows.map((r) => ({ day: r.day, hour: calendar.startOfHour(r.created), module: 3, action: r.action, level: 0, country: r.country, device: r.device, actionLabel: r.label, actionId: r.actionId, count: 1, minCreated: r.created })),
        );
      }
    });
    const seedMs = Date.now() - seedStart;
    let s = await startService();
    const readyMs = [s.readyAfterMs];

    // Start the export, read part of it, kill the service while rows are still streaming.
    const exportUrl = `/tenants/${EXPORT_TENANT}/configurations?format=csv`;
    const cut = await download(s, exportUrl, (rows) => {
      if (rows >= EXPORT_KILL_AT_ROWS) {
        s.kill('SIGKILL');
        return true;
      }
      return false;
    });
    expect(await s.waitExit()).toEqual({ code: null, signal: 'SIGKILL' });
    collectWarnings(s);
    expect(cut.status).toBe(200);
    // The download must not look complete: no terminating chunk, the client sees an error.
    expect({ complete: cut.complete, failed: cut.error !== undefined }).toEqual({ complete: false, failed: true });
    expect(cut.rowsAtKill).toBeGreaterThanOrEqual(EXPORT_KILL_AT_ROWS);
    expect(cut.rows).toBeLessThan(EXPORT_ROWS);
    const locks = await expectNoStuckLocks(s, [EXPORT_TENANT]);

    // Restart: ingestion works at once, and a new export (concurrent with it) has every row exactly once.
    s = await startService();
    readyMs.push(s.readyAfterMs);
    const more = Array.from({ length: 500 }, (_, i) => ({
      eventId: `after-${i}`,
      module: 7,
      action: 1,
      created: new Date(Date.now() - i * 1_000).toISOString(),
    }));
    const fullStart = Date.now();
    const [ingested, full] = await Promise.all([
      s.send('POST', `/tenants/${EXPORT_TENANT}/useractions`, { headers: s.auth([EXPORT_TENANT], { ingest: true }), json: { userActions: more } }),
      download(s, exportUrl),
    ]);
    const fullMs = Date.now() - fullStart;
    expect(ingested).toEqual({ status: 202, body: { accepted: 500, duplicates: 0 } });
    expect({ status: full.status, complete: full.complete, error: full.error?.message }).toEqual({ status: 200, complete: true, error: undefined });
    // Every line checked whole (a CSV parser takes seconds for 50,000 rows; these rows hold no quotes or line breaks).
    const [header, ...lines] = full.text.replace(/\n$/, '').split('\n');
    expect(header).toBe('"link","thumbnail","created","action","actionParameter","count","aggregationLevel","userEmail","partList","planCombinedIds"');
    const LINE = /^"https:\/\/www\.roomle\.com\/t\/cp\/\?id=(conf:exp-\d+)(?:&configuratorId=kiosk)?","","\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","(?:View|Save|Save_Draft)","",1,"real time","","",""$/;
    expect(lines.filter((l) => !LINE.test(l)).slice(0, 3)).toEqual([]);
    const exported = lines.map((l) => LINE.exec(l)![1]);
    const inDb = (await query('SELECT action_id AS a FROM user_action WHERE tenant = ? AND module = 3', [EXPORT_TENANT])).map((r) => String(r.a));
    const checksum = (ids: string[]) => createHash('sha256').update([...ids].sort().join('\n')).digest('hex');
    expect({ rows: lines.length, distinct: new Set(exported).size, checksum: checksum(exported) }).toEqual({
      rows: inDb.length,
      distinct: inDb.length,
      checksum: checksum(inDb),
    });
    expect(checksum(inDb)).toBe(checksum(seeded));
    expect(inDb.length).toBe(EXPORT_ROWS);
    // Stored once each, and the tenant's summary rows in step (the full check runs in the ingestion test):
    // each table with the pending rows the service has not folded yet, in one statement (one snapshot).
    const total = async (sql: string) => toInt((await query(sql, [EXPORT_TENANT]))[0].n);
    const withPending = (table: string) =>
      total(`SELECT (SELECT COALESCE(SUM(count), 0) FROM ${table} WHERE tenant = ?) + (SELECT COALESCE(SUM(count), 0) FROM summary_pending WHERE tenant = ${EXPORT_TENANT}) AS n`);
    expect({
      rows: await total('SELECT COUNT(*) AS n FROM user_action WHERE tenant = ?'),
      day: await withPending('stat_day'),
      dayCd: await withPending('stat_day_cd'),
      dayLabel: await withPending('stat_day_label'),
      dayLcd: await withPending('stat_day_lcd'),
    }).toEqual({
      rows: EXPORT_ROWS + more.length,
      day: EXPORT_ROWS + more.length,
      dayCd: EXPORT_ROWS + more.length,
      dayLabel: EXPORT_ROWS + more.length,
      dayLcd: EXPORT_ROWS + more.length,
    });
    s.kill('SIGTERM');
    await s.waitExit();
    collectWarnings(s);
    if (admin) await stopPoller();
    expectNoErrorLogs();
    console.log(
      `export: seeded ${EXPORT_ROWS} rows in bulk (with their summary rows) in ${seedMs} ms; killed at ${cut.rowsAtKill} rows received ` +
        `(${cut.msAtKill} ms after the request), ${cut.rows} rows received in all, client error "${cut.error?.message}"\n  ${locks}\n` +
        `  after restart: export of ${lines.length} rows in ${fullMs} ms alongside an ingestion batch; ready after start: ${readyMs.join(', ')} ms`,
    );
  }, 180_000);
});

interface Download {
  status: number;
  complete: boolean;
  error?: Error;
  text: string;
  /** Data rows received (header excluded). */
  rows: number;
  rowsAtKill: number;
  msAtKill: number;
}

/**
 * GET a CSV download, counting rows as they arrive; `onRows` may stop the service (returns true
 * once it did). Resolves when the connection is closed, however it ended.
 */
function download(s: ServiceProcess, path: string, onRows?: (rows: number) => boolean): Promise<Download> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const out: Download = { status: 0, complete: false, text: '', rows: 0, rowsAtKill: 0, msAtKill: 0 };
    let lines = 0;
    let stopped = false;
    const req = request(`${s.baseUrl}${path}`, { headers: { ...s.auth([EXPORT_TENANT]), Connection: 'close' }, agent: false }, (res) => {
      out.status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        out.text += chunk;
        for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) lines++;
        out.rows = Math.max(0, lines - 1);
        if (!stopped && onRows?.(out.rows)) {
          stopped = true;
          out.rowsAtKill = out.rows;
          out.msAtKill = Date.now() - started;
        }
      });
      res.on('error', (err) => (out.error = err));
      res.on('close', () => {
        out.complete = res.complete;
        resolve(out);
      });
    });
    req.on('error', (err) => (out.status ? (out.error = err) : reject(err)));
    req.end();
  });
}
