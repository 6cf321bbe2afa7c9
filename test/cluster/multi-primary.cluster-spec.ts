import { freshClusterDatabase, GaleraCluster } from '../support/galera-cluster';
import { ServiceProcess, stopAllServices } from '../support/service-process';
import { expectExactOnEveryNode, Load, readTotal } from './load';

/**
 * Multi-primary, measured: two replicas writing through different nodes (node 1 and node 2, no
 * proxy), four clients posting 500-event batches spread over 20 days into one tenant — the hot
 * rows (summaries, data-version counters, snapshots) are written on both nodes at once. Galera
 * certification fails one of two conflicting transactions at COMMIT (1213) and a replicated
 * write-set aborts a local one (brute-force abort); the service retries both whole. Afterwards the
 * result is exact on every node, no client saw a 500, and the conflict figures are printed.
 */
const cluster = GaleraCluster.fromEnv();
const DB = 'statistics_test_galera_multi';
const TENANT = 21;
const COUNTERS = ['wsrep_local_cert_failures', 'wsrep_local_bf_aborts', 'wsrep_replicated', 'wsrep_replicated_bytes'];

async function counters(): Promise<Record<string, number>> {
  const sum: Record<string, number> = {};
  for (const n of [1, 2, 3]) for (const [k, v] of Object.entries(await cluster.counters(n, COUNTERS))) sum[k] = (sum[k] ?? 0) + v;
  return sum;
}

describe('Galera: multi-primary (two replicas writing through two nodes)', () => {
  afterEach(() => stopAllServices());

  it('every conflict retried to an exact result on every node, no 500', async () => {
    await freshClusterDatabase(cluster, DB);
    const replicas = await Promise.all(
      [1, 2].map((n) => ServiceProcess.start({ database: { type: 'mysql', url: cluster.nodeUrl(n, DB) }, env: { LOG_LEVEL: 'warn' }, readyTimeoutMs: 120_000 })),
    );
    const before = await counters();
    const load = new Load({ tenant: TENANT, replicas: () => replicas, clients: 4, batchSize: 500, spreadDays: 20, snapshotEvery: 10, batchesPerClient: 10, retryWaitMs: 500, readers: 1 }).start();
    await load.done();
    const seconds = (Date.now() - load.t0) / 1000;
    const after = await counters();
    const retries = replicas.map((s) => (s.stderr() + s.stdout()).match(/transaction retried after [A-Z_]+ \(\d+, conflict/g)?.length ?? 0);
    const acked = load.ackedEventIds();
    const figures = {
      run: 'multi-primary',
      events202: acked.length,
      seconds: Math.round(seconds * 10) / 10,
      eventsPerSecond: Math.round(acked.length / seconds),
      ingestAnswers: load.statuses('ingest'),
      readAnswers: load.statuses('read'),
      certFailures: after.wsrep_local_cert_failures - before.wsrep_local_cert_failures,
      bfAborts: after.wsrep_local_bf_aborts - before.wsrep_local_bf_aborts,
      conflictRetriesLogged: retries,
      writeSets: after.wsrep_replicated - before.wsrep_replicated,
    };
    console.log(`FIGURES ${JSON.stringify(figures)}`);
    expect(load.attempts.filter((a) => a.status !== 202).map((a) => `${a.status} ${a.error ?? ''}`)).toEqual([]);
    expect(acked).toHaveLength(4 * 10 * 500);
    await expectExactOnEveryNode(cluster, DB, TENANT, acked);
    for (const svc of replicas) expect(await readTotal(svc, TENANT, 20)).toBe(acked.length);
    await Promise.all(replicas.map((s) => s.stop()));
  }, 300_000);
});
