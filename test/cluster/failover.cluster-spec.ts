import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshClusterDatabase, GaleraCluster } from '../support/galera-cluster';
import { ServiceProcess, stopAllServices } from '../support/service-process';
import { expectExactOnEveryNode, Load, readTotal } from './load';

/**
 * The failure test: two service replicas writing through haproxy (one node at a time, failover on
 * the wsrep-aware check) and reading through its round-robin listener, four ingestion clients
 * that re-send a failed batch with the same eventIds, readers all the while. The node taking the
 * writes is SIGKILLed mid-load and restarted later (it rejoins by IST); in the second run a service
 * replica is SIGKILLed too. Afterwards, on every node: every event answered 202 stored exactly
 * once, the summaries equal `user_action`, the read routes' total equals the accepted count.
 * The figures (statuses, write unavailability, throughput before/during/after) are printed.
 */
const cluster = GaleraCluster.fromEnv();
const CLIENTS = 4;
const BATCH = 250;
const SPREAD_DAYS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Which node haproxy sends writes to now (the first UP server of the writer listener). */
async function writerNode(): Promise<number> {
  const st = await cluster.haproxyState();
  for (const n of [1, 2, 3]) if (st[`galera-writer/node${n}`] === 'UP') return n;
  throw new Error(`no writer UP: ${JSON.stringify(st)}`);
}

const LOGS = mkdtempSync(join(tmpdir(), 'statistics-galera-logs-'));

async function startReplica(db: string, name: string): Promise<ServiceProcess> {
  return ServiceProcess.start({
    logFile: join(LOGS, `${db}-${name}.log`),
    database: { type: 'mysql', url: cluster.writerUrl(db) },
    env: { DATABASE_READ_URLS: cluster.readerUrl(db), LOG_LEVEL: 'warn', REQUEST_TIMEOUT_MS: '30000' },
    readyTimeoutMs: 120_000,
  });
}

async function run(name: string, db: string, tenant: number, killReplicaToo: boolean): Promise<void> {
  await freshClusterDatabase(cluster, db);
  const replicas = [await startReplica(db, 'a'), await startReplica(db, 'b')];
  const load = new Load({ tenant, replicas: () => replicas, clients: CLIENTS, batchSize: BATCH, spreadDays: SPREAD_DAYS, snapshotEvery: 10, retryWaitMs: 500, readers: 2 }).start();

  const victim = await writerNode();
  await sleep(6_000);
  const killAt = Date.now();
  await cluster.kill(victim);
  let replicaKilledAt: number | undefined;
  if (killReplicaToo) {
    await sleep(1_000);
    replicaKilledAt = Date.now();
    replicas[0].kill('SIGKILL');
    await replicas[0].whenExited();
  }
  await sleep(10_000);
  if (killReplicaToo) replicas[0] = await startReplica(db, 'a2');
  const restartAt = Date.now();
  await cluster.start(victim);
  const rejoinedAt = Date.now();
  await cluster.waitHaproxyUp(30_000);
  const backAt = Date.now();
  await sleep(6_000);
  const stopAt = Date.now();
  await load.stop();
  const endAt = Date.now();

  const acked = load.ackedEventIds();
  // what the replicas retried inside (Database.transaction's warnings), by error code and kind
  const retried: Record<string, number> = {};
  for (const name of ['a', 'b', 'a2']) {
    let log = '';
    try {
      log = readFileSync(join(LOGS, `${db}-${name}.log`), 'utf8');
    } catch {
      continue;
    }
    for (const m of log.matchAll(/transaction retried after (\S+) \((\S+), (\w+);/g)) retried[`${m[1]} ${m[3]}`] = (retried[`${m[1]} ${m[3]}`] ?? 0) + 1;
  }
  // batches answered with duplicates on their first attempt: the service retried a COMMIT whose
  // outcome it did not know (the connection died with the node) and found its own rows
  const inFlight = load.batches.filter((b) => (b.duplicates ?? 0) > 0 && b.attempts === 1);
  const figures = {
    run: name,
    batches: load.batches.length,
    events202: acked.length,
    ingestAnswers: load.statuses('ingest'),
    readAnswers: load.statuses('read'),
    batchesRetried: load.batches.filter((b) => b.attempts > 1).length,
    maxAttempts: Math.max(...load.batches.map((b) => b.attempts)),
    duplicatesReported: load.batches.reduce((s, b) => s + (b.duplicates ?? 0), 0),
    unknownCommitsRetriedInService: inFlight.length,
    retriedInService: retried,
    killedNode: victim,
    firstAckAfterKillMs: load.firstAckAfter(killAt),
    longestAckGapAroundKillMs: load.longestAckGap(killAt - 1000, restartAt),
    longestAckGapAroundRejoinMs: load.longestAckGap(restartAt, stopAt),
    replicaKilledAfterNodeMs: replicaKilledAt ? replicaKilledAt - killAt : undefined,
    nodeRejoinMs: rejoinedAt - restartAt,
    rejoinedBy: /IST received|Receiving IST/.test(cluster.logTail(victim, 300)) ? 'IST' : /SST .*complete|Joiner .*SST/i.test(cluster.logTail(victim, 300)) ? 'SST' : 'unknown',
    haproxyBackMs: backAt - rejoinedAt,
    eventsPerSecond: { before: load.throughput(load.t0 + 1000, killAt), during: load.throughput(killAt, restartAt), after: load.throughput(backAt, stopAt) },
    drainMs: endAt - stopAt,
  };
  console.log(`FIGURES ${JSON.stringify(figures)}`);

  // No answer a client's retry cannot turn into an exact result: only 202 and 503 (and, for the
  // killed replica, no answer at all).
  const unexpected = load.attempts.filter((a) => a.status !== 202 && a.status !== 503 && !(a.status === 0 && killReplicaToo && a.replica === 0));
  expect(unexpected.map((a) => `${a.status} ${a.error ?? ''} (replica ${a.replica})`)).toEqual([]);
  expect(load.reads.filter((r) => r.status !== 200 && r.status !== 503 && !(r.status === 0 && killReplicaToo)).map((r) => `${r.status} ${r.error}`)).toEqual([]);
  expect(load.batches.every((b) => b.ackAt !== undefined)).toBe(true);
  // a batch's duplicates can only be events an earlier attempt of it stored although its answer was
  // lost or a 503, or — on its first attempt — a COMMIT in flight when the node died, retried by the service
  const killWindow = (b: (typeof inFlight)[number]) =>
    load.attempts.some((a) => `c${a.client}-b${a.batch}` === b.id && a.start <= backAt + 2000 && a.end >= killAt - 1000);
  expect(inFlight.filter((b) => !killWindow(b)).map((b) => b.id)).toEqual([]);
  // every batch's answer accounts for all its events
  expect(load.batches.filter((b) => b.accepted! + b.duplicates! !== BATCH).map((b) => b.id)).toEqual([]);
  expect(figures.firstAckAfterKillMs).toBeLessThan(30_000);

  await expectExactOnEveryNode(cluster, db, tenant, acked);
  for (const svc of replicas) expect(await readTotal(svc, tenant, SPREAD_DAYS)).toBe(acked.length);
  await Promise.all(replicas.map((s) => s.stop()));
}

describe('Galera: a database node killed under load', () => {
  afterEach(() => stopAllServices());
  afterAll(() => rmSync(LOGS, { recursive: true, force: true }));

  it('the writer node SIGKILLed mid-load and restarted: every 202 stored once on every node, summaries exact, reads equal', async () => {
    await run('node killed', 'statistics_test_galera_failover', 11, false);
  }, 300_000);

  it('the writer node and a service replica SIGKILLed mid-load: the same', async () => {
    await run('node and replica killed', 'statistics_test_galera_failover2', 12, true);
  }, 300_000);
});
