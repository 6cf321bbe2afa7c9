import { ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, createConnection } from 'mysql2/promise';

/**
 * A private MariaDB server for one test file: its own data directory under os.tmpdir(), its own
 * port, socket and pid file. It never touches the shared server on 3306. The reliability suites
 * stop, kill, pause and restart it under a running app.
 *
 * Missing binaries are a failure, never a skip (`MariaDbServer.create` throws).
 */

export const MARIADBD = process.env.MARIADBD ?? '/usr/sbin/mariadbd';
export const MARIADB_INSTALL_DB = process.env.MARIADB_INSTALL_DB ?? '/usr/bin/mariadb-install-db';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

export interface MariaDbServerOptions {
  /** A short name for the data directory and messages (e.g. `primary`). */
  name: string;
  /** `--server-id` (replication needs distinct ids); default 1. */
  serverId?: number;
  /** Writes a binary log (ROW format) so the server can be a replication primary. */
  binlog?: boolean;
  /**
   * A directory of its own that outlives the server (the benchmark's dataset): initialised only
   * when it has no data directory yet, kept by {@link MariaDbServer.release}. Default: a fresh
   * temporary directory, removed by {@link MariaDbServer.destroy}.
   */
  dir?: string;
  /** Server settings instead of the small test defaults (buffer pool, redo log), e.g. `--innodb-buffer-pool-size=4G`. */
  settings?: string[];
}

/** Every server this process started and has not destroyed: killed on process exit. */
const live = new Set<MariaDbServer>();
const EXIT_HOOK = Symbol.for('statistics.test.mariadb-server.exit-hook');
function registerExitHook(): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[EXIT_HOOK]) return;
  g[EXIT_HOOK] = true;
  process.on('exit', () => {
    for (const s of live) s.killSync();
  });
}

function checkExecutable(path: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`MariaDB test server needs ${path} (install mariadb-server, or set MARIADBD / MARIADB_INSTALL_DB)`);
  }
}

/** A port free right now on 127.0.0.1 (the kernel picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a command to its end; rejects with its output when it fails or outlasts `timeoutMs`. */
function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} exited with ${signal ?? code}\n${output.slice(-4000)}`));
    });
  });
}

export class MariaDbServer {
  readonly datadir: string;
  readonly socket: string;
  readonly pidFile: string;
  readonly errorLog: string;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private watchdog?: ChildProcess;
  private paused = false;

  private constructor(
    readonly name: string,
    readonly dir: string,
    readonly port: number,
    readonly serverId: number,
    readonly binlog: boolean,
    readonly settings: readonly string[] = ['--innodb-buffer-pool-size=64M', '--innodb-log-file-size=48M'],
  ) {
    this.datadir = join(dir, 'data');
    this.socket = join(dir, 'mariadb.sock');
    this.pidFile = join(dir, 'mariadb.pid');
    this.errorLog = join(dir, 'error.log');
  }

  /** Initialises a fresh data directory and starts the server on a free port. */
  static async create(opts: MariaDbServerOptions): Promise<MariaDbServer> {
    checkExecutable(MARIADBD);
    checkExecutable(MARIADB_INSTALL_DB);
    registerExitHook();
    if (opts.dir) mkdirSync(opts.dir, { recursive: true });
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), `statistics-mariadb-${opts.name}-`));
    const server = new MariaDbServer(opts.name, dir, await freePort(), opts.serverId ?? 1, opts.binlog ?? false, opts.settings);
    live.add(server);
    server.startWatchdog();
    const initialised = opts.dir !== undefined && existsSync(join(server.datadir, 'mysql'));
    if (!initialised) try {
      await run(MARIADB_INSTALL_DB, [
        '--no-defaults',
        `--datadir=${server.datadir}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
        '--user=root',
        ...server.innodbArgs(),
      ]);
    } catch (err) {
      await server.destroy();
      throw new Error(`mariadb-install-db failed for ${opts.name}: ${(err as Error).message}`);
    }
    try {
      await server.start();
    } catch (err) {
      await server.destroy();
      throw err;
    }
    return server;
  }

  /**
   * Settings for both the bootstrap and the server. Each server has its own tmpdir: temporary
   * tables in the shared /tmp collided with another server's bootstrap in one CI run
   * ("Could not remove temporary table '/tmp/#sql-temptable-…'").
   */
  private innodbArgs(): string[] {
    const tmp = join(this.datadir, '..', 'tmp');
    mkdirSync(tmp, { recursive: true });
    return [...this.settings, `--tmpdir=${tmp}`];
  }

  /** The process id of the running mariadbd (undefined when stopped). */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Whether pause() stopped the process (and resume() has not continued it yet). */
  get isPaused(): boolean {
    return this.paused && this.running;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  url(db: string): string {
    return `mysql://root@127.0.0.1:${this.port}/${db}`;
  }

  /** Starts mariadbd on the data directory and port, and waits until a client can connect. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`MariaDB ${this.name} is already running (pid ${this.pid})`);
    const args = [
      '--no-defaults',
      `--datadir=${this.datadir}`,
      `--port=${this.port}`,
      `--socket=${this.socket}`,
      `--pid-file=${this.pidFile}`,
      `--log-error=${this.errorLog}`,
      '--bind-address=127.0.0.1',
      '--user=root',
      '--skip-name-resolve',
      ...this.innodbArgs(),
      '--innodb-flush-log-at-trx-commit=1',
      `--server-id=${this.serverId}`,
      '--max-connections=200',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_bin',
      // a replica: its relay log in its own directory; replication resumes by itself after a restart
      `--relay-log=${join(this.datadir, 'relay-bin')}`,
      ...(this.binlog ? [`--log-bin=${join(this.datadir, 'mysql-bin')}`, '--binlog-format=ROW', '--sync-binlog=1'] : []),
    ];
    const child = spawn(MARIADBD, args, { stdio: 'ignore' });
    this.child = child;
    this.paused = false;
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        rmSync(this.watchdogPidFile, { force: true });
        resolve();
      }),
    );
    writeFileSync(this.watchdogPidFile, String(child.pid));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (!this.running) throw new Error(`MariaDB ${this.name} exited during start:\n${this.logTail()}`);
      try {
        const conn = await this.connect(1000);
        await conn.end();
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(`MariaDB ${this.name} did not accept connections within ${START_TIMEOUT_MS} ms: ${(err as Error).message}\n${this.logTail()}`);
        }
        await sleep(100);
      }
    }
  }

  /** Where the watchdog finds the pid of the running mariadbd (absent while it is stopped). */
  private get watchdogPidFile(): string {
    return join(this.dir, 'harness.pid');
  }

  /**
   * A detached shell, alive as long as this server object: should this jest process die without
   * cleaning up (SIGKILL, crash), it SIGKILLs the running mariadbd (the pid the harness recorded,
   * if its command line names this server's own directory) and removes the directory. No stray
   * server survives a test run.
   */
  private startWatchdog(): void {
    const script =
      'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
      'pid=$(cat "$2/harness.pid" 2>/dev/null); ' +
      'if [ -n "$pid" ] && grep -qsF -- "$2" "/proc/$pid/cmdline"; then kill -9 "$pid"; sleep 1; fi; ' +
      'rm -rf "$2"';
    const w = spawn('sh', ['-c', script, 'mariadb-watchdog', String(process.pid), this.dir], { detached: true, stdio: 'ignore' });
    w.unref();
    this.watchdog = w;
  }

  /** The last lines of the server's error log (for failure messages). */
  logTail(lines = 30): string {
    try {
      return readFileSync(this.errorLog, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no error log)';
    }
  }

  /** A new client connection as root (no database selected). */
  connect(connectTimeout = 5000): Promise<Connection> {
    return createConnection({ host: '127.0.0.1', port: this.port, user: 'root', connectTimeout, supportBigNumbers: true, dateStrings: true });
  }

  /** Runs one statement on its own short-lived connection. */
  async query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    const conn = await this.connect();
    try {
      const [rows] = await conn.query(sql, params);
      return rows as T[];
    } finally {
      await conn.end().catch(() => undefined);
    }
  }

  /** A status counter of the server, e.g. `Com_select`. */
  async globalStatus(name: string): Promise<number> {
    const rows = await this.query<{ Variable_name: string; Value: string }>('SHOW GLOBAL STATUS LIKE ?', [name]);
    if (rows.length !== 1) throw new Error(`no status variable ${name}`);
    return Number(rows[0].Value);
  }

  /** Creates a database for the service (utf8mb4, binary collation). Its name must contain "test". */
  async createDatabase(db: string): Promise<void> {
    if (!db.includes('test')) throw new Error(`refusing database "${db}": its name must contain "test"`);
    await this.query(`CREATE DATABASE IF NOT EXISTS \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  }

  private async waitForExit(timeoutMs: number): Promise<boolean> {
    if (!this.exited) return true;
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return done;
  }

  /** Clean shutdown (SIGTERM), waiting for the process to exit. */
  async stop(): Promise<void> {
    if (!this.running) return;
    if (this.paused) this.resume();
    this.child!.kill('SIGTERM');
    if (!(await this.waitForExit(STOP_TIMEOUT_MS))) {
      this.child!.kill('SIGKILL');
      await this.waitForExit(STOP_TIMEOUT_MS);
      throw new Error(`MariaDB ${this.name} did not shut down within ${STOP_TIMEOUT_MS} ms; killed\n${this.logTail()}`);
    }
  }

  /** SIGKILL: a crash. The next start() runs InnoDB crash recovery. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.waitForExit(STOP_TIMEOUT_MS);
    this.paused = false;
  }

  /**
   * SIGSTOP: a hung server (connections accepted by the kernel, nothing answered). Resolves once
   * every thread of mariadbd is stopped, so nothing is answered after it returns.
   */
  async pause(): Promise<void> {
    if (!this.running) throw new Error(`MariaDB ${this.name} is not running`);
    this.child!.kill('SIGSTOP');
    this.paused = true;
    const deadline = Date.now() + 5000;
    while (!this.allThreadsStopped()) {
      if (Date.now() > deadline) throw new Error(`MariaDB ${this.name} (pid ${this.pid}) did not stop within 5 s of SIGSTOP`);
      await sleep(5);
    }
  }

  /** Whether every thread of the process is in the stopped state (Linux /proc; true elsewhere). */
  private allThreadsStopped(): boolean {
    const tasks = `/proc/${this.pid}/task`;
    if (!existsSync(tasks)) return true;
    for (const tid of readdirSync(tasks)) {
      let stat: string;
      try {
        stat = readFileSync(`${tasks}/${tid}/stat`, 'utf8');
      } catch {
        continue; // the thread ended meanwhile
      }
      const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
      if (state !== 'T' && state !== 't') return false;
    }
    return true;
  }

  /** SIGCONT after pause(). */
  resume(): void {
    if (!this.running) throw new Error(`MariaDB ${this.name} is not running`);
    this.child!.kill('SIGCONT');
    this.paused = false;
  }

  /** Synchronous SIGKILL (process exit hook). */
  killSync(): void {
    try {
      if (this.running) this.child!.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }

  /** Stops the server (it is thrown away, so SIGKILL) and removes its directory. */
  /** Stops the server cleanly and keeps its directory (a server made with `dir`: the benchmark's dataset stays for `--reuse`). */
  async release(): Promise<void> {
    await this.stop();
    this.watchdog?.kill('SIGKILL');
    this.watchdog = undefined;
    live.delete(this);
  }

  async destroy(): Promise<void> {
    await this.kill();
    this.watchdog?.kill('SIGKILL');
    this.watchdog = undefined;
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }
}

/** Destroys every server this worker started and has not destroyed yet (for afterAll). */
export async function destroyAllServers(): Promise<void> {
  for (const s of [...live]) await s.destroy();
}

/**
 * Classic replication primary → replica, with GTIDs (MASTER_USE_GTID=slave_pos). Call it on two
 * fresh servers before creating any database: the replica then applies the primary's binary log
 * from its beginning, so every database, migration and row made on the primary reaches it.
 */
export async function replicate(primary: MariaDbServer, replica: MariaDbServer): Promise<void> {
  if (!primary.binlog) throw new Error(`replication primary ${primary.name} needs binlog: true`);
  if (primary.serverId === replica.serverId) throw new Error('primary and replica need distinct server ids');
  await replica.query('STOP SLAVE');
  await replica.query("SET GLOBAL gtid_slave_pos = ''");
  await replica.query(
    `CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${primary.port}, MASTER_USER = 'root', MASTER_PASSWORD = '', ` +
      'MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1',
  );
  await replica.query('START SLAVE');
  await waitForReplica(primary, replica);
}

export interface ReplicaStatus {
  ioRunning: string;
  sqlRunning: string;
  lastIoError: string;
  lastSqlError: string;
}

export async function replicaStatus(replica: MariaDbServer): Promise<ReplicaStatus> {
  const [s] = await replica.query<Record<string, string>>('SHOW SLAVE STATUS');
  if (!s) throw new Error(`${replica.name} is not a replica`);
  return { ioRunning: s.Slave_IO_Running, sqlRunning: s.Slave_SQL_Running, lastIoError: s.Last_IO_Error, lastSqlError: s.Last_SQL_Error };
}

/**
 * Waits until the replica has applied everything the primary has written so far (its GTID
 * position reaches the primary's @@gtid_binlog_pos). Fails at once when the replica's SQL thread
 * stopped with an error, and after `timeoutMs` otherwise.
 */
export async function waitForReplica(primary: MariaDbServer, replica: MariaDbServer, timeoutMs = 20_000): Promise<void> {
  const [{ pos }] = await primary.query<{ pos: string }>('SELECT @@GLOBAL.gtid_binlog_pos AS pos');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ r }] = await replica.query<{ r: number | string }>('SELECT MASTER_GTID_WAIT(?, 0.5) AS r', [pos]);
    if (Number(r) === 0) return;
    const st = await replicaStatus(replica);
    if (st.lastSqlError) throw new Error(`replica ${replica.name} stopped applying: ${st.lastSqlError}`);
    if (Date.now() > deadline) {
      const [{ at }] = await replica.query<{ at: string }>('SELECT @@GLOBAL.gtid_slave_pos AS at');
      throw new Error(
        `replica ${replica.name} did not reach ${pos} within ${timeoutMs} ms (at "${at}", IO ${st.ioRunning} ${st.lastIoError}, SQL ${st.sqlRunning})`,
      );
    }
  }
}
