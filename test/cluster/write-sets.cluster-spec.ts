import { spawnSync } from 'node:child_process';
import { freshClusterDatabase, GaleraCluster } from '../support/galera-cluster';
import { ServiceProcess, stopAllServices } from '../support/service-process';
import { Load } from './load';

/**
 * Write-set sizes: what one transaction of the service puts on the wire for certification
 * (wsrep_replicated / wsrep_replicated_bytes of the node that wrote it), against Galera's limits
 * (wsrep_max_ws_size, default 2 GiB; wsrep_max_ws_rows, default unlimited) and the "large
 * transactions are slow to certify and roll back" advice: a 1,000-event ingestion batch in which
 * every event carries a configuration snapshot, the fold's batches, and rollup chunks.
 */
const cluster = GaleraCluster.fromEnv();
const DB = 'statistics_test_galera_ws';
const TENANT = 31;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function replicated(): Promise<{ writeSets: number; bytes: number }> {
  const c = await cluster.counters(1, ['wsrep_replicated', 'wsrep_replicated_bytes']);
  return { writeSets: c.wsrep_replicated, bytes: c.wsrep_replicated_bytes };
}

async function pendingRows(): Promise<number> {
  const [{ n }] = await cluster.query<{ n: number }>(1, `SELECT COUNT(*) AS n FROM \`${DB}\`.summary_pending`);
  return Number(n);
}

const per = (d: { writeSets: number; bytes: number }) => ({ ...d, bytesPerWriteSet: Math.round(d.bytes / Math.max(d.writeSets, 1)) });

describe('Galera: write-set sizes', () => {
  afterEach(() => stopAllServices());

  it('a 1,000-event batch with snapshots, the fold batches and the rollup chunks stay far inside the write-set limits', async () => {
    await freshClusterDatabase(cluster, DB);
    // no fold in this replica: the batch's write-set is measured alone, the fold's afterwards
    const svc = await ServiceProcess.start({ database: { type: 'mysql', url: cluster.nodeUrl(1, DB) }, env: { FOLD_ENABLED: 'false' }, readyTimeoutMs: 120_000 });
    const [{ Value: maxWs }] = await cluster.query<{ Value: string }>(1, "SHOW GLOBAL VARIABLES LIKE 'wsrep_max_ws_size'");

    // one batch of 1,000 events, every one with a configuration snapshot
    const one = new Load({ tenant: TENANT, replicas: () => [svc], clients: 1, batchSize: 1000, spreadDays: 20, snapshotEvery: 1, batchesPerClient: 1 });
    let r0 = await replicated();
    await one.start().done();
    let r1 = await replicated();
    expect(one.statuses()).toEqual({ '202': 1 });
    const batch = { writeSets: r1.writeSets - r0.writeSets, bytes: r1.bytes - r0.bytes };

    // nine more batches without snapshots (10,000 rows in all)
    const more = new Load({ tenant: TENANT, replicas: () => [svc], clients: 1, batchSize: 1000, spreadDays: 20, batchesPerClient: 9, idPrefix: 'more-' });
    await more.start().done();
    await svc.stop();

    // the fold of every pending row, by a replica that folds (FOLD_BATCH_ROWS per transaction)
    const pending = await pendingRows();
    r0 = await replicated();
    const folder = await ServiceProcess.start({ database: { type: 'mysql', url: cluster.nodeUrl(1, DB) }, readyTimeoutMs: 120_000 });
    while ((await pendingRows()) > 0) await sleep(100);
    await folder.stop();
    r1 = await replicated();
    const fold = { writeSets: r1.writeSets - r0.writeSets, bytes: r1.bytes - r0.bytes };

    // a rollup pass as if 60 days later: every row is due
    r0 = await replicated();
    const asOf = new Date(Date.now() + 60 * 86_400_000).toISOString();
    const rollup = spawnSync(process.execPath, ['dist/rollup/rollup.cli.js', '--as-of', asOf, '--chunk-rows', '5000'], {
      env: { PATH: process.env.PATH, DATABASE_URL: cluster.nodeUrl(1, DB), LOG_LEVEL: 'warn' },
      encoding: 'utf8',
    });
    expect(rollup.status).toBe(0);
    r1 = await replicated();
    const pass = { writeSets: r1.writeSets - r0.writeSets, bytes: r1.bytes - r0.bytes };
    const summary = JSON.parse(rollup.stdout.trim().split('\n').pop()!) as { rowsRead: number; rowsWritten: number; periods: number };
    const figures = {
      run: 'write-sets',
      maxWsSize: Number(maxWs),
      batch1000WithSnapshots: per(batch),
      fold: { ...per(fold), pendingRows: pending },
      rollupPass: { ...per(pass), chunkRows: 5000, rowsRead: summary.rowsRead, rowsWritten: summary.rowsWritten, periods: summary.periods, bytesPerRowRead: Math.round(pass.bytes / Math.max(summary.rowsRead, 1)) },
    };
    console.log(`FIGURES ${JSON.stringify(figures)}`);
    // ingestion's batch is one transaction, one write-set
    expect(batch.writeSets).toBe(1);
    expect(pending).toBeGreaterThan(0);
    for (const d of [batch, fold, pass]) expect(d.bytes / Math.max(d.writeSets, 1)).toBeLessThan(Number(maxWs) / 100);
  }, 300_000);
});
