import { toInt } from '../../src/database/values';
import { API, parseCsv } from '../support/fixtures';
import { MariaDbServer, replicaStatus, replicate, waitForReplica } from '../support/mariadb-server';
import { expectSummariesConsistent } from '../support/summary-check';
import { TestApp } from '../support/test-app';

/**
 * Read replicas (DATABASE_READ_URLS), against a primary and a replica of this file's own, with
 * classic binlog replication set up here. The read API runs on the replica; writes (ingestion,
 * directory, catalog), the ingestion's deduplication reads and the migrations run on the primary.
 * When the replica is away (stopped, killed, hung) reads fall back to the primary and still give
 * exact numbers; when it is back, reads return to it.
 *
 * The tests build on each other (one data set grows through the file) and run in order.
 */

const DB = 'statistics_test';
const CONNECT_TIMEOUT_MS = 2000;
const QUERY_TIMEOUT_MS = 3000;
const REQUEST_TIMEOUT_MS = 5000;
const MARGIN_MS = 1000;
const TENANT = 21;

const NOW = new Date('2026-03-10T12:00:00.000Z');
const FIRST_EVENT_MS = Date.parse('2026-03-10T08:00:00.000Z');
const RANGE = 'from=2026-03-10T00:00:00.000Z&to=2026-03-11T00:00:00.000Z';

type Event = { eventId: string; module: number; action: number; created: string; actionId: string };

let nextEvent = 0;
/** `n` events: two of three are Views (action 1), every third a Save (action 2). */
function events(prefix: string, n: number): Event[] {
  return Array.from({ length: n }, (_, i) => {
    const k = nextEvent++;
    return { eventId: `${prefix}-${i}`, module: 3, action: i % 3 === 2 ? 2 : 1, created: new Date(FIRST_EVENT_MS + 1000 * k).toISOString(), actionId: `conf:${prefix}-${i}` };
  });
}

/** What every read route must show for exactly these events of TENANT. */
function expectedReads(stored: Event[]) {
  const of = (action: number) => stored.filter((e) => e.action === action);
  const firstCreated = (action: number) => of(action).map((e) => e.created).sort()[0];
  const actions = [1, 2].filter((a) => of(a).length > 0);
  return {
    useractions: actions.map((a) => ({ date: firstCreated(a), module: 3, action: a, tenant: TENANT, count: of(a).length, aggregationLevel: 2 })),
    useractionsCsv: actions.map((a) => ({ module: 3, action: a, tenant: TENANT, count: of(a).length, month: 3, year: 2026 })),
    aggregated: actions.map((a) => ({ module: 3, action: a, tenant: TENANT, count: of(a).length, aggregationLevel: 0 })),
    aggregatedCsv: actions.map((a) => ({ module: 3, action: a, tenant: TENANT, count: of(a).length, aggregationLevel: 0 })),
    configurationsTotal: stored.length,
    configurationsCsvRows: stored.length,
  };
}

const byAction = (a: { action: number }, b: { action: number }) => a.action - b.action;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('read replicas (own primary and replica MariaDB servers)', () => {
  let primary: MariaDbServer;
  let replica: MariaDbServer;
  let t: TestApp;
  let base: string;
  /** Every event the primary has stored for TENANT, in the order sent. */
  const stored: Event[] = [];

  beforeAll(async () => {
    [primary, replica] = await Promise.all([
      MariaDbServer.create({ name: 'primary', serverId: 1, binlog: true }),
      MariaDbServer.create({ name: 'replica', serverId: 2 }),
    ]);
    // replication first, then the database: the replica applies the primary's whole binary log,
    // so the database, the app's migrations and every row reach it by replication only
    await replicate(primary, replica);
    await primary.createDatabase(DB);
    await waitForReplica(primary, replica);
    t = await TestApp.create({
      now: NOW,
      env: {
        DATABASE_URL: primary.url(DB),
        DATABASE_READ_URLS: replica.url(DB),
        DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
        REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        // The folder's timer reads the primary every second (lease, claim): it would count in the
        // primary's Com_select that these tests measure. Folded by hand instead (t.fold()).
        FOLD_ENABLED: 'false',
        ...(process.env.REPLICA_LOG_LEVEL ? { LOG_LEVEL: process.env.REPLICA_LOG_LEVEL } : {}),
      },
    });
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as { port: number };
    base = `http://127.0.0.1:${port}${API}`;
    await waitForReplica(primary, replica);
  }, 120_000);

  afterAll(async () => {
    if (replica?.isPaused) replica.resume();
    await t?.close();
    await Promise.all([primary?.destroy(), replica?.destroy()]);
  }, 60_000);

  const auth = () => ({ Authorization: `Bearer ${t.token([TENANT])}` });
  const writer = () => ({ Authorization: `Bearer ${t.token([TENANT], { ingest: true })}`, 'Content-Type': 'application/json' });

  async function ingest(batch: Event[]): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${base}/tenants/${TENANT}/useractions`, { method: 'POST', headers: writer(), body: JSON.stringify({ userActions: batch }) });
    return { status: res.status, body: await res.json() };
  }

  async function get(path: string, csv = false): Promise<{ status: number; text: string; ms: number }> {
    const start = Date.now();
    const res = await fetch(`${base}${path}`, { headers: csv ? { ...auth(), Accept: 'text/csv' } : auth() });
    const text = await res.text();
    return { status: res.status, text, ms: Date.now() - start };
  }

  /** Every read route, JSON and CSV, as the API answers now; plus the slowest answer. */
  async function readAll() {
    const r = {
      useractions: await get(`/tenants/${TENANT}/useractions`),
      useractionsCsv: await get(`/tenants/${TENANT}/useractions`, true),
      aggregated: await get(`/tenants/${TENANT}/userActionsAggregated?${RANGE}`),
      aggregatedCsv: await get(`/tenants/${TENANT}/userActionsAggregated?${RANGE}`, true),
      configurations: await get(`/tenants/${TENANT}/configurations?${RANGE}&limit=1`),
      configurationsCsv: await get(`/tenants/${TENANT}/configurations?${RANGE}`, true),
    };
    const statuses = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.status]));
    const ok = Object.values(r).every((v) => v.status === 200);
    return {
      statuses,
      maxMs: Math.max(...Object.values(r).map((v) => v.ms)),
      answers: ok
        ? {
            useractions: JSON.parse(r.useractions.text).userActions.sort(byAction),
            useractionsCsv: parseCsv(r.useractionsCsv.text).records.sort(byAction as never),
            aggregated: JSON.parse(r.aggregated.text).userActions.sort(byAction),
            aggregatedCsv: parseCsv(r.aggregatedCsv.text).records.sort(byAction as never),
            configurationsTotal: JSON.parse(r.configurations.text).meta.total,
            configurationsCsvRows: parseCsv(r.configurationsCsv.text).records.length,
          }
        : Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.text.slice(0, 300)])),
    };
  }

  const allOk = { useractions: 200, useractionsCsv: 200, aggregated: 200, aggregatedCsv: 200, configurations: 200, configurationsCsv: 200 };

  async function expectReads(expected: Event[], maxMs = REQUEST_TIMEOUT_MS + MARGIN_MS): Promise<number> {
    const r = await readAll();
    expect(r.statuses).toEqual(allOk);
    expect(r.answers).toEqual(expectedReads(expected));
    expect(r.maxMs).toBeLessThanOrEqual(maxMs);
    return r.maxMs;
  }

  async function countOn(server: MariaDbServer): Promise<number> {
    const [{ n }] = await server.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM \`${DB}\`.user_action WHERE tenant = ?`, [TENANT]);
    return toInt(n);
  }

  /** Com_select of both servers around `work`. */
  async function selects(work: () => Promise<void>): Promise<{ primary: number; replica: number }> {
    const [p0, r0] = [await primary.globalStatus('Com_select'), await replica.globalStatus('Com_select')];
    await work();
    const [p1, r1] = [await primary.globalStatus('Com_select'), await replica.globalStatus('Com_select')];
    return { primary: p1 - p0, replica: r1 - r0 };
  }

  const burst = (n: number) => async () => {
    for (let i = 0; i < n; i++) {
      const r = await get(`/tenants/${TENANT}/userActionsAggregated?${RANGE}`);
      expect(r.status).toBe(200);
    }
  };

  /** Waits until a burst of reads lands on the replica again; returns how long that took. */
  async function readsBackOnReplica(timeoutMs = 20_000): Promise<number> {
    const start = Date.now();
    for (;;) {
      const d = await selects(burst(10));
      if (d.replica >= 10 && d.primary === 0) return Date.now() - start;
      if (Date.now() - start > timeoutMs) throw new Error(`reads did not return to the replica within ${timeoutMs} ms (last burst of 10: ${JSON.stringify(d)})`);
      await sleep(250);
    }
  }

  it('migrations ran on the primary and reached the replica by replication; replication is healthy', async () => {
    const shipped = t.dataSource.migrations.map((m) => m.name);
    const names = async (s: MariaDbServer) => (await s.query<{ name: string }>(`SELECT name FROM \`${DB}\`.migrations ORDER BY id`)).map((r) => r.name);
    expect(await names(primary)).toEqual(shipped);
    expect(await names(replica)).toEqual(shipped);
    // had the app created the schema on the replica too, replicating the primary's CREATE TABLE would have stopped replication
    expect(await replicaStatus(replica)).toEqual({ ioRunning: 'Yes', sqlRunning: 'Yes', lastIoError: '', lastSqlError: '' });
    // and the catalog seed reached it the same way
    const [{ n }] = await replica.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM \`${DB}\`.catalog_action WHERE module = 3`);
    expect(toInt(n)).toBe(6);
  });

  it('with replication running, reads show exactly what was ingested once the replica has applied it', async () => {
    const a = events('a', 30);
    expect(await ingest(a)).toEqual({ status: 202, body: { accepted: 30, duplicates: 0 } });
    stored.push(...a);
    await waitForReplica(primary, replica);
    await expectReads(stored);
  });

  it('replication stopped: writes land on the primary, reads still show the replica (old numbers), deduplication reads the primary', async () => {
    await replica.query('STOP SLAVE');
    try {
      const b = events('b', 21);
      expect(await ingest(b)).toEqual({ status: 202, body: { accepted: 21, duplicates: 0 } });
      expect({ primary: await countOn(primary), replica: await countOn(replica) }).toEqual({ primary: 51, replica: 30 });
      // reads come from the replica: still the 30 events of before
      await expectReads(stored);
      // the same batch again: its events are on the primary only, and the deduplication finds them there
      expect(await ingest(b)).toEqual({ status: 202, body: { accepted: 0, duplicates: 21 } });
      // a batch mixing stored and new events
      const c = events('c', 3);
      expect(await ingest([...b.slice(0, 2), ...c])).toEqual({ status: 202, body: { accepted: 3, duplicates: 2 } });
      expect({ primary: await countOn(primary), replica: await countOn(replica) }).toEqual({ primary: 54, replica: 30 });

      // the user directory and the catalog are written on the primary too
      const put = (path: string, body: object) =>
        fetch(`${base}${path}`, { method: 'PUT', headers: { ...writer(), Authorization: `Bearer ${t.token([], { ingest: true })}` }, body: JSON.stringify(body) });
      expect((await put('/users/replica-user-1', { email: 'r1@example.com', statisticsConsent: true })).status).toBe(200);
      expect((await put('/modules/3/actions/901', { name: 'Replica_Test', configurationAction: false, carriesPartList: false })).status).toBe(200);
      const users = (s: MariaDbServer) => s.query(`SELECT COUNT(*) AS n FROM \`${DB}\`.directory_user WHERE user_id = ?`, ['replica-user-1']);
      const action901 = (s: MariaDbServer) => s.query(`SELECT name FROM \`${DB}\`.catalog_action WHERE module = 3 AND action = 901`);
      expect({ primary: toInt((await users(primary))[0].n), replica: toInt((await users(replica))[0].n) }).toEqual({ primary: 1, replica: 0 });
      expect({ primary: await action901(primary), replica: await action901(replica) }).toEqual({ primary: [{ name: 'Replica_Test' }], replica: [] });
      stored.push(...b, ...c);
    } finally {
      await replica.query('START SLAVE');
    }
    await waitForReplica(primary, replica);
    expect(await countOn(replica)).toBe(54);
    await expectReads(stored);
  });

  it('a burst of 50 reads runs on the replica, not on the primary (Com_select)', async () => {
    const d = await selects(burst(50));
    console.log(`[replica] Com_select during 50 reads: primary +${d.primary}, replica +${d.replica}`);
    expect(d.replica).toBeGreaterThanOrEqual(50);
    expect(d.primary).toBe(0);
  });

  it('replica stopped: reads fall back to the primary with exact numbers, within the connect timeout; ingestion and ready keep working', async () => {
    await replica.stop();
    const times: number[] = [];
    // what is ingested now can only be read from the primary
    const d = events('d', 9);
    expect(await ingest(d)).toEqual({ status: 202, body: { accepted: 9, duplicates: 0 } });
    stored.push(...d);
    const before = await primary.globalStatus('Com_select');
    for (let i = 0; i < 3; i++) times.push(await expectReads(stored, CONNECT_TIMEOUT_MS + MARGIN_MS));
    const load = { primary: (await primary.globalStatus('Com_select')) - before };
    const ready = await fetch(`${base}/health/ready`);
    const readyBody = await ready.json();
    console.log(
      `[replica stopped] slowest read per round ${times.join(', ')} ms; primary Com_select +${load.primary}; health/ready → ${ready.status} ${JSON.stringify(readyBody)}`,
    );
    expect(load.primary).toBeGreaterThanOrEqual(18);
    // ready checks the primary: the service can still serve everything
    expect(ready.status).toBe(200);
    expect(readyBody).toMatchObject({ status: 'ok', database: 'mysql' });
  });

  it('replica started again: replication catches up and reads return to the replica', async () => {
    await replica.start();
    await waitForReplica(primary, replica);
    expect(await countOn(replica)).toBe(stored.length);
    const took = await readsBackOnReplica();
    console.log(`[replica restarted] reads back on the replica ${took} ms after it was reachable again`);
    await expectReads(stored);
  });

  it('replica killed (SIGKILL): reads fall back to the primary with exact numbers within the connect timeout, and return after its restart', async () => {
    await replica.kill();
    const e = events('e', 6);
    expect(await ingest(e)).toEqual({ status: 202, body: { accepted: 6, duplicates: 0 } });
    stored.push(...e);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) times.push(await expectReads(stored, CONNECT_TIMEOUT_MS + MARGIN_MS));
    await replica.start();
    await waitForReplica(primary, replica);
    const took = await readsBackOnReplica();
    console.log(`[replica killed] slowest read per round ${times.join(', ')} ms; reads back on the replica ${took} ms after its restart`);
    await expectReads(stored);
  });

  it('replica hung (SIGSTOP): reads are answered 200 from the primary within REQUEST_TIMEOUT_MS, and return after it resumes', async () => {
    await replica.pause();
    const times: number[] = [];
    try {
      const f = events('f', 3);
      expect(await ingest(f)).toEqual({ status: 202, body: { accepted: 3, duplicates: 0 } });
      stored.push(...f);
      times.push(await expectReads(stored, REQUEST_TIMEOUT_MS + MARGIN_MS));
    } finally {
      replica.resume();
    }
    await waitForReplica(primary, replica);
    const took = await readsBackOnReplica();
    console.log(`[replica hung] slowest read ${times.join(', ')} ms; reads back on the replica ${took} ms after SIGCONT`);
    await expectReads(stored);
  });

  it('in the end primary and replica hold the same rows and the summaries agree with them', async () => {
    await t.fold();
    await waitForReplica(primary, replica);
    const rows = (s: MariaDbServer) => s.query(`SELECT event_id, module, action, created FROM \`${DB}\`.user_action WHERE tenant = ? ORDER BY event_id`, [TENANT]);
    const onPrimary = await rows(primary);
    expect(onPrimary).toHaveLength(stored.length);
    expect(await rows(replica)).toEqual(onPrimary);
    const sums = (s: MariaDbServer) => s.query(`SELECT day, module, action, aggregation_level, count FROM \`${DB}\`.stat_day WHERE tenant = ? ORDER BY day, module, action`, [TENANT]);
    expect(await sums(replica)).toEqual(await sums(primary));
    await expectSummariesConsistent(t);
  });
});
