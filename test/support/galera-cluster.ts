import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection as netConnect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection, createConnection } from 'mysql2/promise';

/**
 * A 3-node MariaDB Galera cluster on loopback, with haproxy in front, for `npm run test:galera`
 * (recipe: ../shared/guides/galera.md). Everything lives in one folder made with mkdtemp and owned
 * by `mysql` (the rsync state transfer drops to an unprivileged user and fails on a root-owned
 * datadir): per node its datadir, tmpdir, socket, pid file, error log and my.cnf; haproxy's
 * configuration; the wsrep-aware health checks (`scripts/galera-clustercheck.js`).
 *
 * Every process the cluster runs has the folder's path on its command line (mariadbd
 * `--defaults-file=<dir>/nN/my.cnf`, haproxy `-f <dir>/haproxy.cfg`, the check `<dir>`, the rsync
 * daemons of a state transfer their config under a datadir), so {@link GaleraCluster.teardown}
 * and the watchdog stop exactly those processes and nothing else on the machine (never the shared
 * server on 3306, never another engineer's servers).
 *
 * The runner (scripts/test-galera.ts) forms the cluster and hands its description to the jest
 * suites in GALERA_CLUSTER (JSON); a suite attaches to it, kills and restarts nodes by pid.
 */

export const MARIADBD = process.env.MARIADBD ?? '/usr/sbin/mariadbd';
export const MARIADB_INSTALL_DB = process.env.MARIADB_INSTALL_DB ?? '/usr/bin/mariadb-install-db';
export const GALERA_PROVIDER = process.env.GALERA_PROVIDER ?? '/usr/lib/galera/libgalera_smm.so';
export const HAPROXY = process.env.HAPROXY ?? '/usr/sbin/haproxy';

export interface GaleraNodeDescription {
  /** 1, 2, 3 */
  n: number;
  port: number;
  /** Galera group communication, IST receive, SST receive ports. */
  gcommPort: number;
  istPort: number;
  sstPort: number;
  /** Port of this node's wsrep-aware HTTP check (scripts/galera-clustercheck.js): 200 when Primary and Synced. */
  checkPort: number;
  dir: string;
  cnf: string;
}

export interface GaleraClusterDescription {
  dir: string;
  nodes: GaleraNodeDescription[];
  /** haproxy: writes go to one node at a time (node 1, then 2, then 3), failing over when its check fails. */
  writerPort: number;
  /** haproxy: round robin over every healthy node (for DATABASE_READ_URLS). */
  readerPort: number;
  /** haproxy's statistics socket (admin level): `show servers state`. */
  haproxySocket: string;
}

export interface WsrepStatus {
  ready: string;
  clusterStatus: string;
  localState: number;
  clusterSize: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port free right now on 127.0.0.1, outside the ephemeral range (random in 33000–59000 is not: pick from 20000–32000). */
async function freePort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((res) => {
      const srv = createServer();
      srv.unref();
      srv.once('error', () => res(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port between 20000 and 32000');
}

function mysqlIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('mysql:'));
  if (!line) throw new Error('the Galera test needs the `mysql` user (it comes with mariadb-server)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) chownTree(p, uid, gid);
    else chownSync(p, uid, gid);
  }
}

/** Pids of the processes whose command line names `dir` (this cluster's processes only). */
export function processesOf(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes(dir)) pids.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/** Whether `pid` runs: not gone and not a zombie (a killed node whose parent, the runner, has not reaped it yet). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function nodeCnf(d: GaleraNodeDescription, all: GaleraNodeDescription[], clusterName: string): string {
  return `[mysqld]
datadir=${d.dir}/data
tmpdir=${d.dir}/tmp
socket=${d.dir}/mysqld.sock
pid-file=${d.dir}/mysqld.pid
log-error=${d.dir}/error.log
port=${d.port}
bind-address=127.0.0.1
user=mysql
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_bin
max_connections=300
performance_schema=OFF
innodb_buffer_pool_size=96M
innodb_log_file_size=48M
innodb_flush_log_at_trx_commit=1
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=${GALERA_PROVIDER}
wsrep_cluster_name=${clusterName}
wsrep_cluster_address=gcomm://${all.map((o) => `127.0.0.1:${o.gcommPort}`).join(',')}
wsrep_node_address=127.0.0.1
wsrep_node_name=node${d.n}
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:${d.gcommPort};ist.recv_addr=127.0.0.1:${d.istPort};gcache.size=128M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:${d.sstPort}
wsrep_mode=REQUIRED_PRIMARY_KEY
wsrep_slave_threads=2
`;
}

function haproxyCfg(c: GaleraClusterDescription): string {
  const servers = (backup: boolean) =>
    c.nodes.map((d) => `  server node${d.n} 127.0.0.1:${d.port} check port ${d.checkPort}${backup && d.n > 1 ? ' backup' : ''}`).join('\n');
  return `global
  maxconn 4000
  stats socket ${c.haproxySocket} mode 600 level admin
defaults
  mode tcp
  timeout connect 2s
  timeout client 1h
  timeout server 1h
  timeout check 1s
  retries 3
  option redispatch
  default-server inter 500ms fastinter 250ms downinter 1s rise 2 fall 2

# Writes: one node at a time (node1; node2 when node1's check fails; node3 after that). A node
# marked down has its sessions cut (the service's transactions on it fail with a lost connection
# and are retried on the next node); when node1 is back, the backups' sessions are cut too, so
# writers never stay on two nodes.
listen galera-writer
  bind 127.0.0.1:${c.writerPort}
  option httpchk GET /
  default-server on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions
${servers(true)}

# Reads: every node that is Primary and Synced.
listen galera-reader
  bind 127.0.0.1:${c.readerPort}
  balance roundrobin
  option httpchk GET /
  default-server on-marked-down shutdown-sessions
${servers(false)}
`;
}

export class GaleraCluster {
  private constructor(readonly desc: GaleraClusterDescription) {}

  /** The cluster the runner formed (GALERA_CLUSTER), for a suite. */
  static fromEnv(): GaleraCluster {
    const raw = process.env.GALERA_CLUSTER;
    if (!raw) throw new Error('GALERA_CLUSTER is not set: run the cluster suites with `npm run test:galera`');
    return new GaleraCluster(JSON.parse(raw) as GaleraClusterDescription);
  }

  /**
   * Initialises three datadirs, bootstraps node 1, joins nodes 2 and 3 (rsync SST), starts the
   * checks and haproxy; resolves once all three are Primary and Synced and haproxy sees them.
   */
  static async form(log: (s: string) => void = () => undefined): Promise<GaleraCluster> {
    for (const f of [MARIADBD, MARIADB_INSTALL_DB, GALERA_PROVIDER, HAPROXY, '/usr/bin/rsync']) {
      if (!existsSync(f)) throw new Error(`the Galera test needs ${f} (apt-get install mariadb-server galera-4 rsync haproxy)`);
    }
    const { uid, gid } = mysqlIds();
    const dir = mkdtempSync(join(tmpdir(), 'statistics-galera-'));
    const taken = new Set<number>();
    const nodes: GaleraNodeDescription[] = [];
    for (let n = 1; n <= 3; n++) {
      const nd = join(dir, `n${n}`);
      nodes.push({
        n,
        port: await freePort(taken),
        gcommPort: await freePort(taken),
        istPort: await freePort(taken),
        sstPort: await freePort(taken),
        checkPort: await freePort(taken),
        dir: nd,
        cnf: join(nd, 'my.cnf'),
      });
    }
    const desc: GaleraClusterDescription = { dir, nodes, writerPort: await freePort(taken), readerPort: await freePort(taken), haproxySocket: join(dir, 'haproxy.sock') };
    const cluster = new GaleraCluster(desc);
    cluster.startWatchdog();
    try {
      const name = `statistics-test-${process.pid}`;
      for (const d of nodes) {
        mkdirSync(join(d.dir, 'data'), { recursive: true });
        mkdirSync(join(d.dir, 'tmp'), { recursive: true });
        writeFileSync(d.cnf, nodeCnf(d, nodes, name));
      }
      chownTree(dir, uid, gid);
      const t0 = Date.now();
      // Only node 1 needs a system schema: the others receive node 1's datadir by SST.
      execFileSync(MARIADB_INSTALL_DB, [`--defaults-file=${nodes[0].cnf}`, '--user=mysql', '--auth-root-authentication-method=normal', '--skip-test-db'], {
        stdio: 'pipe',
        timeout: 120_000,
      });
      log(`galera: node 1 datadir initialised (${Date.now() - t0} ms)`);
      await cluster.start(1, { bootstrap: true });
      log(`galera: node 1 bootstrapped (${Date.now() - t0} ms)`);
      // One joiner at a time: two simultaneous rsync SSTs from one donor take longer on 2 cores.
      await cluster.start(2);
      log(`galera: node 2 joined (${Date.now() - t0} ms)`);
      await cluster.start(3);
      log(`galera: node 3 joined (${Date.now() - t0} ms)`);
      cluster.startChecks();
      cluster.startHaproxy();
      await cluster.waitHaproxyUp(30_000);
      log(`galera: haproxy up, cluster formed in ${Date.now() - t0} ms`);
    } catch (err) {
      const logs = nodes.map((d) => `--- node ${d.n} ---\n${cluster.logTail(d.n)}`).join('\n');
      cluster.teardown();
      throw new Error(`${(err as Error).message}\n${logs}`);
    }
    return cluster;
  }

  /** A detached shell that tears the cluster down should this process die without doing it. */
  private startWatchdog(): void {
    const script =
      'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
      'for p in /proc/[0-9]*; do grep -qsF -- "$2" "$p/cmdline" && kill -9 "${p#/proc/}" 2>/dev/null; done; sleep 1; rm -rf "$2"';
    // The watchdog's own command line names the folder too: teardown must skip it (processesOf skips only this pid).
    const w = spawn('sh', ['-c', script, 'galera-watchdog', String(process.pid), this.desc.dir], { detached: true, stdio: 'ignore' });
    w.unref();
    writeFileSync(join(this.desc.dir, 'watchdog.pid'), String(w.pid));
  }

  node(n: number): GaleraNodeDescription {
    const d = this.desc.nodes[n - 1];
    if (!d) throw new Error(`no node ${n}`);
    return d;
  }

  /** The mariadbd pid of node `n` (undefined when it is not running). */
  pid(n: number): number | undefined {
    const d = this.node(n);
    const candidates = processesOf(d.cnf).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith(MARIADBD);
      } catch {
        return false;
      }
    });
    return candidates[0];
  }

  /** Starts node `n` (bootstrap: a new primary component) and waits until it is Synced. */
  async start(n: number, opts: { bootstrap?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const d = this.node(n);
    if (this.pid(n)) throw new Error(`node ${n} is already running`);
    const args = [`--defaults-file=${d.cnf}`, ...(opts.bootstrap ? ['--wsrep-new-cluster'] : [])];
    const child: ChildProcess = spawn(MARIADBD, args, { stdio: 'ignore', detached: false });
    child.unref();
    await this.waitSynced(n, opts.timeoutMs ?? 120_000);
  }

  /** SIGKILL node `n` (a crash); resolves once the process is gone. */
  async kill(n: number): Promise<void> {
    const pid = this.pid(n);
    if (!pid) return;
    process.kill(pid, 'SIGKILL');
    while (alive(pid)) await sleep(20);
  }

  connect(n: number, timeoutMs = 2000): Promise<Connection> {
    return createConnection({ host: '127.0.0.1', port: this.node(n).port, user: 'root', connectTimeout: timeoutMs, supportBigNumbers: true, dateStrings: true });
  }

  /** One statement on a short-lived connection to node `n`. */
  async query<T = any>(n: number, sql: string, params: unknown[] = []): Promise<T[]> {
    const conn = await this.connect(n);
    try {
      const [rows] = await conn.query(sql, params);
      return rows as T[];
    } finally {
      await conn.end().catch(() => undefined);
    }
  }

  async wsrep(n: number): Promise<WsrepStatus> {
    const rows = await this.query<{ Variable_name: string; Value: string }>(
      n,
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_cluster_status', 'wsrep_local_state', 'wsrep_cluster_size')",
    );
    const v = Object.fromEntries(rows.map((r) => [r.Variable_name.toLowerCase(), r.Value]));
    return { ready: v.wsrep_ready, clusterStatus: v.wsrep_cluster_status, localState: Number(v.wsrep_local_state), clusterSize: Number(v.wsrep_cluster_size) };
  }

  /** Sums of wsrep counters on node `n` (e.g. wsrep_local_cert_failures, wsrep_replicated_bytes). */
  async counters(n: number, names: string[]): Promise<Record<string, number>> {
    const rows = await this.query<{ Variable_name: string; Value: string }>(n, `SHOW GLOBAL STATUS WHERE Variable_name IN (${names.map(() => '?').join(', ')})`, names);
    return Object.fromEntries(rows.map((r) => [r.Variable_name.toLowerCase(), Number(r.Value)]));
  }

  /** Waits until node `n` answers Primary / Synced / ready. */
  async waitSynced(n: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'not answering';
    for (;;) {
      if (!this.pid(n) && Date.now() > deadline - timeoutMs + 2000) throw new Error(`node ${n} is not running (${last})\n${this.logTail(n)}`);
      try {
        const s = await this.wsrep(n);
        if (s.ready === 'ON' && s.clusterStatus === 'Primary' && s.localState === 4) return;
        last = JSON.stringify(s);
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`node ${n} not Synced within ${timeoutMs} ms (${last})\n${this.logTail(n)}`);
      await sleep(250);
    }
  }

  /** Waits until every running node is Synced and the cluster has `size` members. */
  async waitClusterSize(size: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const st = await Promise.all(this.desc.nodes.filter((d) => this.pid(d.n)).map((d) => this.wsrep(d.n).catch(() => undefined)));
      if (st.length === size && st.every((s) => s && s.localState === 4 && s.clusterSize === size && s.clusterStatus === 'Primary')) return;
      if (Date.now() > deadline) throw new Error(`cluster not at size ${size} within ${timeoutMs} ms: ${JSON.stringify(st)}`);
      await sleep(250);
    }
  }

  /** Waits until every running node has applied the same last write-set (wsrep_last_committed equal): reads on any node then see every commit. */
  async waitAllApplied(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const running = this.desc.nodes.filter((d) => this.pid(d.n)).map((d) => d.n);
      const seqnos = await Promise.all(running.map((n) => this.counters(n, ['wsrep_last_committed']).then((c) => c.wsrep_last_committed)));
      if (seqnos.every((s) => s === seqnos[0])) return;
      if (Date.now() > deadline) throw new Error(`nodes did not converge: wsrep_last_committed ${seqnos.join(', ')}`);
      await sleep(100);
    }
  }

  private startChecks(): void {
    const script = resolve(process.cwd(), 'scripts/galera-clustercheck.js');
    const pairs = this.desc.nodes.map((d) => `${d.checkPort}=127.0.0.1:${d.port}`);
    // The folder on the command line marks the process as this cluster's.
    const child = spawn(process.execPath, [script, '--tag', this.desc.dir, ...pairs], { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
    child.stderr!.on('data', () => undefined);
    child.unref();
  }

  private startHaproxy(): void {
    const cfg = join(this.desc.dir, 'haproxy.cfg');
    writeFileSync(cfg, haproxyCfg(this.desc));
    const child = spawn(HAPROXY, ['-db', '-f', cfg], { stdio: 'ignore', detached: false });
    child.unref();
  }

  /** haproxy's view of the servers: `{ 'galera-writer/node1': 'UP', … }` (from its stats socket). */
  async haproxyState(): Promise<Record<string, string>> {
    const csv = await new Promise<string>((res, rej) => {
      const s = netConnect({ path: this.desc.haproxySocket });
      let out = '';
      s.on('data', (d: Buffer) => (out += d.toString()));
      s.on('end', () => res(out));
      s.on('error', rej);
      s.end('show stat\n');
    });
    const states: Record<string, string> = {};
    for (const line of csv.split('\n')) {
      const f = line.split(',');
      if (f.length > 18 && f[1] !== 'FRONTEND' && f[1] !== 'BACKEND' && !line.startsWith('#')) states[`${f[0]}/${f[1]}`] = f[17];
    }
    return states;
  }

  /** Waits until haproxy reports every running node UP in both listeners. */
  async waitHaproxyUp(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: Record<string, string> = {};
    for (;;) {
      try {
        last = await this.haproxyState();
        const want = this.desc.nodes.filter((d) => this.pid(d.n)).flatMap((d) => [`galera-writer/node${d.n}`, `galera-reader/node${d.n}`]);
        if (want.every((k) => last[k] === 'UP')) return;
      } catch {
        /* haproxy not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`haproxy did not see the nodes UP within ${timeoutMs} ms: ${JSON.stringify(last)}`);
      await sleep(200);
    }
  }

  /** mysql://root@127.0.0.1:<writer port>/<db>: writes through haproxy, one node at a time. */
  writerUrl(db: string): string {
    return `mysql://root@127.0.0.1:${this.desc.writerPort}/${db}`;
  }

  readerUrl(db: string): string {
    return `mysql://root@127.0.0.1:${this.desc.readerPort}/${db}`;
  }

  /** Straight to node `n`, no proxy. */
  nodeUrl(n: number, db: string): string {
    return `mysql://root@127.0.0.1:${this.node(n).port}/${db}`;
  }

  logTail(n: number, lines = 40): string {
    try {
      return readFileSync(join(this.node(n).dir, 'error.log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no error log)';
    }
  }

  /** SIGKILLs every process of this cluster (nodes, rsync daemons, checks, haproxy) and removes its folder. */
  teardown(): void {
    const dir = this.desc.dir;
    let watchdog: number | undefined;
    try {
      watchdog = Number(readFileSync(join(dir, 'watchdog.pid'), 'utf8'));
    } catch {
      /* none */
    }
    for (let round = 0; round < 3; round++) {
      const pids = processesOf(dir).filter((p) => p !== watchdog);
      if (pids.length === 0) break;
      for (const p of pids) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      const until = Date.now() + 5000;
      while (pids.some(alive) && Date.now() < until) execFileSync('sleep', ['0.05']);
    }
    if (watchdog) {
      try {
        process.kill(watchdog, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A database of the cluster for one suite (created through node 1; DDL reaches every node),
 * dropped first when it exists. The name must contain "test".
 */
export async function freshClusterDatabase(cluster: GaleraCluster, name: string): Promise<void> {
  if (!name.includes('test')) throw new Error(`refusing database "${name}": its name must contain "test"`);
  await cluster.query(1, `DROP DATABASE IF EXISTS \`${name}\``);
  await cluster.query(1, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
}
