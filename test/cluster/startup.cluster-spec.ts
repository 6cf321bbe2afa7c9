import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/app-config';
import { buildDataSourceOptions, MYSQL_MIGRATIONS } from '../../src/database/data-source-options';
import { freshClusterDatabase, GaleraCluster } from '../support/galera-cluster';
import { ServiceProcess, stopAllServices } from '../support/service-process';

/**
 * On the 3-node Galera cluster (`npm run test:galera`):
 * - several replicas started at the same moment, one per node, migrate the schema exactly once
 *   (the schema_lock row; GET_LOCK would not serialise them across nodes) — on a fresh database
 *   and on one a migration behind;
 * - health/ready of a replica connected straight to a node is 503 while that node is desynced or
 *   outside the primary component, and 200 again once it is Synced.
 */
const cluster = GaleraCluster.fromEnv();
const DB = 'statistics_test_galera_startup';
const MIGRATIONS = MYSQL_MIGRATIONS.map((m) => new m().name!);

async function onNode(n: number): Promise<DataSource> {
  const ds = new DataSource(buildDataSourceOptions(loadConfig({ DATABASE_URL: cluster.nodeUrl(n, DB), LOG_LEVEL: 'silent' }), { statementTimeout: false }));
  await ds.initialize();
  return ds;
}

async function recorded(n: number): Promise<string[]> {
  const rows = await cluster.query<{ name: string }>(n, `SELECT name FROM \`${DB}\`.migrations ORDER BY id`);
  return rows.map((r) => r.name);
}

async function startOnePerNode(): Promise<Array<{ svc?: ServiceProcess; error?: string }>> {
  return Promise.all(
    [1, 2, 3].map((n) =>
      ServiceProcess.start({ database: { type: 'mysql', url: cluster.nodeUrl(n, DB) }, env: { LOG_LEVEL: 'info' }, readyTimeoutMs: 120_000 }).then(
        (svc) => ({ svc }),
        (err: Error) => ({ error: err.message.slice(0, 3000) }),
      ),
    ),
  );
}

const ran = (started: Array<{ svc?: ServiceProcess }>) =>
  started.filter((s) => s.svc && /running \d+ migration\(s\) under the schema_lock row/.test(s.svc.stdout() + s.svc.stderr())).length;

/** Waits (on events: the answers) until health/ready answers `status`. */
async function readyBecomes(svc: ServiceProcess, status: number, timeoutMs = 30_000): Promise<{ status: number; body: any }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await svc.send('GET', '/health/ready');
    if (res.status === status) return res;
    if (Date.now() > deadline) throw new Error(`health/ready still ${res.status} after ${timeoutMs} ms: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Galera: start-up and readiness', () => {
  afterEach(async () => {
    stopAllServices();
  });

  it('3 replicas, one per node, started together on a fresh database: all ready, every migration once on every node', async () => {
    await freshClusterDatabase(cluster, DB);
    const started = await startOnePerNode();
    expect(started.map((s) => s.error ?? 'ready')).toEqual(['ready', 'ready', 'ready']);
    expect(ran(started)).toBe(1);
    await Promise.all(started.map((s) => s.svc!.stop()));
    await cluster.waitAllApplied();
    for (const n of [1, 2, 3]) expect(await recorded(n)).toEqual(MIGRATIONS);
  }, 240_000);

  it('3 replicas, one per node, started together on a database a migration behind: all ready, the migration once', async () => {
    const ds = await onNode(1);
    try {
      await ds.undoLastMigration({ transaction: 'each' });
    } finally {
      await ds.destroy();
    }
    await cluster.waitAllApplied();
    for (const n of [1, 2, 3]) expect(await recorded(n)).toEqual(MIGRATIONS.slice(0, -1));
    const started = await startOnePerNode();
    expect(started.map((s) => s.error ?? 'ready')).toEqual(['ready', 'ready', 'ready']);
    expect(ran(started)).toBe(1);
    await Promise.all(started.map((s) => s.svc!.stop()));
    await cluster.waitAllApplied();
    for (const n of [1, 2, 3]) {
      expect(await recorded(n)).toEqual(MIGRATIONS);
      const [{ c }] = await cluster.query<{ c: number }>(
        n,
        "SELECT COUNT(*) AS c FROM information_schema.statistics WHERE table_schema = ? AND table_name = 'user_action' AND index_name = 'ix_user_action_tenant_module_action_label_created'",
        [DB],
      );
      expect(Number(c)).toBe(5);
    }
  }, 240_000);

  it('health/ready is 503 while its node is desynced or outside the primary component, 200 once it is Synced again', async () => {
    const svc = await ServiceProcess.start({ database: { type: 'mysql', url: cluster.nodeUrl(3, DB) } });
    try {
      expect((await svc.send('GET', '/health/ready')).status).toBe(200);

      // Desynced (what a donor of a state transfer, or an operator's RSU ALTER, makes a node): not Synced.
      await cluster.query(3, 'SET GLOBAL wsrep_desync = ON');
      let res = await readyBecomes(svc, 503);
      expect(res.body.message).toMatch(/wsrep_local_state=2/);
      await cluster.query(3, 'SET GLOBAL wsrep_desync = OFF');
      await readyBecomes(svc, 200);

      // Cut off from the others (a network partition): the node leaves the primary component and
      // answers 1047 to everything but SET and SHOW.
      await cluster.query(3, "SET GLOBAL wsrep_provider_options = 'gmcast.isolate=1'");
      res = await readyBecomes(svc, 503);
      expect(res.body.message).toMatch(/wsrep_cluster_status=non-Primary/);
      // a write there is refused with 503 (1047 is "unavailable", retried, then answered 503), never a 500
      const ingest = await svc.send('POST', '/tenants/1/useractions', {
        headers: svc.auth([1], { ingest: true }),
        json: { userAction: { eventId: 'isolated-1', module: 3, action: 1, created: new Date().toISOString() } },
      });
      expect(ingest.status).toBe(503);
      await cluster.query(3, "SET GLOBAL wsrep_provider_options = 'gmcast.isolate=0'");
      await cluster.waitSynced(3, 60_000);
      await readyBecomes(svc, 200);
      await cluster.waitClusterSize(3);
    } finally {
      await svc.stop();
    }
  }, 180_000);
});
