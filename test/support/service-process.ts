import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync, WriteStream } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runInThisContext } from 'node:vm';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { API, bearer, tokenFor, TokenOptions } from './client-core';

/**
 * The compiled service (`node dist/main.js`, built by `npm run build`) as a separate process: the
 * one place that spawns it, for tests that must kill the real thing (SIGKILL in the middle of a
 * request) and start it again on the same database, and for the benchmark and the soak
 * (bench/run.ts, bench/soak/), which run their load against it.
 *
 * - The port: main.ts prints `config.port`, i.e. `0` for PORT=0, not the port it bound; so a free
 *   port (outside the ephemeral range) is picked here and passed as PORT, with a new pick when
 *   another process took it first (EADDRINUSE). The bench and the soak pass a fixed port instead.
 * - Ready means the service printed its "listening on" banner (after its own listen succeeded)
 *   and `GET /v2/statistics/health/ready` answered 200.
 * - No child outlives the test: {@link stopAllServices} (afterAll), a handler on the real process'
 *   `exit` event, and a watchdog in the child that SIGKILLs itself when its stdin pipe closes,
 *   i.e. when the test process is gone for any reason (even SIGKILL).
 */

/** Exits itself when the parent (the jest worker) is gone: its end of the stdin pipe closes. */
const WATCHDOG =
  'data:text/javascript,process.stdin.on("end",()=>process.kill(process.pid,"SIGKILL"));process.stdin.on("error",()=>{});process.stdin.resume();process.stdin.unref();';

const running = new Set<ChildProcess>();
const installed = { exitHandler: false };
/** dist/main.js per project root, checked at the first start only: a restart in the middle of a test runs the same build. */
const checkedMains = new Map<string, string>();

function checkedMain(root: string): string {
  let main = checkedMains.get(root);
  if (!main) checkedMains.set(root, (main = compiledMain(root)));
  return main;
}

function installExitHandler(): void {
  if (installed.exitHandler) return;
  installed.exitHandler = true;
  // Jest gives each test file a copy of `process` whose events never fire: take the real one.
  let real: NodeJS.Process = process;
  try {
    real = runInThisContext('process') as NodeJS.Process;
  } catch {
    /* not inside a vm context: `process` is the real one */
  }
  real.once('exit', stopAllServices);
}

/** SIGKILLs (by pid) every service this test file started that still runs: for afterAll. */
export function stopAllServices(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
}

function newestMtime(dir: string, skip: (name: string) => boolean): { file: string; mtime: number } {
  let best = { file: '', mtime: 0 };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = newestMtime(path, skip);
      if (sub.mtime > best.mtime) best = sub;
    } else if (!skip(entry.name)) {
      const mtime = statSync(path).mtimeMs;
      if (mtime > best.mtime) best = { file: path, mtime };
    }
  }
  return best;
}

/**
 * The path of `dist/main.js`; throws a clear message when it is missing or older than the newest
 * compiled source under src/ (spec files are not part of the build).
 */
export function compiledMain(root = process.cwd()): string {
  const main = join(root, 'dist/main.js');
  if (!existsSync(join(root, 'src/main.ts'))) throw new Error(`run the tests from the project root (cwd is ${root})`);
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` before this suite (it spawns the compiled service)`);
  const built = statSync(main).mtimeMs;
  const newest = newestMtime(join(root, 'src'), (name) => /\.spec\.ts$/.test(name));
  if (newest.mtime > built) {
    throw new Error(
      `dist/main.js (built ${new Date(built).toISOString()}) is older than ${newest.file} (changed ${new Date(newest.mtime).toISOString()}): ` +
        'run `npm run build` before this suite (it spawns the compiled service)',
    );
  }
  return main;
}

/**
 * A port nobody listens on right now, outside the kernel's ephemeral range (32768–60999 on
 * Linux): a port from that range can be taken by any `listen(0)` (another test's supertest
 * server) between this pick and the service's listen.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.unref();
      server.once('error', () => resolve(false));
      server.listen(port, () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 20000 and 32000');
}

/** The database of the service: `t.config.database` of a TestApp (same file or same MySQL database), or a URL / file of its own. */
export type ServiceDatabase = { type: 'mysql'; url: string } | { type: 'sqlite'; path: string };

export interface ServiceOptions {
  database: ServiceDatabase;
  /** Further variables (STATISTICS_TIME_ZONE, ROLLUP_DAILY_AFTER_DAYS, …); LOG_LEVEL defaults to warn, ROLLUP_ENABLED to false. */
  env?: Record<string, string>;
  /**
   * What the service's environment is built on (default: only PATH, HOME and TZ of this process, so
   * no inherited DATABASE_URL, JWT_* or NODE_ENV can redirect a test's service). The bench and the
   * soak pass `process.env`. The database variable of the other dialect is never passed on.
   */
  baseEnv?: NodeJS.ProcessEnv;
  /** How long to wait for health/ready (default 30 s). */
  readyTimeoutMs?: number;
  /** Arguments after `dist/main.js` (e.g. `--demo`, as `npm start` passes). */
  args?: string[];
  /** Node's own options before `dist/main.js` (the bench's `--profile`: `--cpu-prof`). */
  nodeArgs?: string[];
  /** A fixed port (no new pick on EADDRINUSE); default: a free port picked by {@link freePort}. */
  port?: number;
  /** The project root: where dist/main.js is, and the service's working directory (default: the cwd). */
  root?: string;
  /** Also appends the service's stdout and stderr to this file as they arrive (the soak's service log). */
  logFile?: string;
  /** Also echoes the service's stderr to this process' stderr (the bench shows the service's warnings). */
  echoStderr?: boolean;
}

/** How {@link ServiceProcess.stop} ended the service. */
export interface ServiceStop extends ServiceExit {
  seconds: number;
  /** Still running after the grace period: SIGKILLed. */
  killed: boolean;
}

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The captured output keeps its last 1 MB: a long soak's log goes to its file, not into memory. */
const CAPTURE_MAX = 1 << 20;
const capped = (s: string) => (s.length > 2 * CAPTURE_MAX ? s.slice(-CAPTURE_MAX) : s);

/** GET with a short timeout; resolves to the status (0 when the connection failed). */
function probe(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end();
  });
}

export class ServiceProcess {
  /**
   * This instance's agent, without keep-alive: every request has its own connection, so none is
   * reused across a kill and a restart, and none races the server's keep-alive timeout.
   */
  readonly agent = new Agent({ keepAlive: false, maxSockets: 64 });
  private out = '';
  private err = '';
  private exitInfo: ServiceExit | undefined;
  private readonly exitPromise: Promise<ServiceExit>;
  /** Milliseconds from spawn to the first 200 of health/ready. */
  readyAfterMs = 0;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    /** The configuration the service loads from the same environment (tokens are signed with it). */
    readonly config: AppConfig,
    opts: Pick<ServiceOptions, 'logFile' | 'echoStderr'> = {},
  ) {
    const log: WriteStream | undefined = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      this.out = capped(this.out + s);
      log?.write(s);
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.err = capped(this.err + s);
      log?.write(s);
      if (opts.echoStderr) process.stderr.write(s);
    });
    // The watchdog reads stdin; the child's death must not crash the test with EPIPE.
    child.stdin!.on('error', () => undefined);
    this.exitPromise = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        this.exitInfo = { code, signal };
        running.delete(child);
        this.agent.destroy();
        const exit = this.exitInfo;
        // The log file is complete (flushed) once the exit is known.
        if (log) log.end(() => resolve(exit));
        else resolve(exit);
      }),
    );
  }

  /** Spawns `node dist/main.js` on `opts.database` and resolves once health/ready answers 200. */
  static async start(opts: ServiceOptions): Promise<ServiceProcess> {
    const main = checkedMain(opts.root ?? process.cwd());
    installExitHandler();
    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await freePort());
      const svc = ServiceProcess.spawn(main, port, opts);
      try {
        await svc.waitReady(opts.readyTimeoutMs ?? 30_000);
        return svc;
      } catch (err) {
        svc.kill('SIGKILL');
        await svc.waitExit(5_000).catch(() => undefined);
        // Another process took the port between the pick and the listen: pick again.
        if (opts.port === undefined && attempt < 3 && /EADDRINUSE/.test(svc.stderr() + svc.stdout())) continue;
        throw err;
      }
    }
  }

  /**
   * Spawns `node dist/main.js` on `port` without waiting for it to be ready: for a start that is
   * expected to fail (e.g. the port is taken). {@link waitExit} tells how it ended.
   */
  static launch(opts: ServiceOptions & { port: number }): ServiceProcess {
    const main = checkedMain(opts.root ?? process.cwd());
    installExitHandler();
    return ServiceProcess.spawn(main, opts.port, opts);
  }

  private static spawn(main: string, port: number, opts: ServiceOptions): ServiceProcess {
    // By default built from scratch: no inherited DATABASE_URL, JWT_* or NODE_ENV can redirect the service.
    const base: NodeJS.ProcessEnv = opts.baseEnv ?? { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME, TZ: process.env.TZ };
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ LOG_LEVEL: 'warn', ROLLUP_ENABLED: 'false', ...base, ...opts.env, PORT: String(port) })) if (v !== undefined) env[k] = v;
    if (opts.database.type === 'mysql') {
      env.DATABASE_URL = opts.database.url;
      delete env.SQLITE_PATH;
    } else {
      env.SQLITE_PATH = opts.database.path;
      delete env.DATABASE_URL;
    }
    const config = loadConfig(env);
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', WATCHDOG, main, ...(opts.args ?? [])], { cwd: opts.root ?? process.cwd(), env, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    return new ServiceProcess(child, port, config, opts);
  }

  /**
   * Ready: the service printed its banner (printed after listen succeeded: the port is its own,
   * not another process' that took it after the pick) and health/ready answers 200.
   */
  private async waitReady(timeoutMs: number): Promise<void> {
    const started = Date.now();
    const url = `${this.baseUrl}/health/ready`;
    for (;;) {
      if (this.exitInfo) throw new Error(`the service exited before it was ready (${JSON.stringify(this.exitInfo)})\n${this.output()}`);
      if (/listening on/i.test(this.out) && (await probe(url, 1_000)) === 200) {
        this.readyAfterMs = Date.now() - started;
        return;
      }
      if (Date.now() - started > timeoutMs) throw new Error(`the service was not ready after ${timeoutMs} ms\n${this.output()}`);
      await sleep(25);
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** `http://127.0.0.1:<port>/v2/statistics` */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}${API}`;
  }

  /** A development token signed with the service's own configuration. */
  token(tenants: number[], opts: TokenOptions = {}): string {
    return tokenFor(this.config, tenants, opts);
  }

  auth(tenants: number[], opts: TokenOptions = {}): { Authorization: string } {
    return bearer(this.config, tenants, opts);
  }

  /**
   * One HTTP request on this instance's agent. Resolves with the status and the parsed JSON body
   * (text when not JSON); rejects with the socket error (ECONNRESET, ECONNREFUSED, …) when the
   * connection fails. `onBodySent` runs once the whole request has been handed to the socket.
   */
  send(
    method: string,
    path: string,
    opts: { headers?: Record<string, string>; json?: unknown; onBodySent?: () => void } = {},
  ): Promise<{ status: number; body: any }> {
    const payload = opts.json === undefined ? undefined : Buffer.from(JSON.stringify(opts.json));
    const headers: Record<string, string> = { ...opts.headers };
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const req = request(`${this.baseUrl}${path}`, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          if (!res.complete) return reject(Object.assign(new Error('response ended incomplete'), { code: 'ECONNRESET' }));
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          if (/json/.test(String(res.headers['content-type']))) body = JSON.parse(text);
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.on('error', reject);
      if (opts.onBodySent) req.on('finish', opts.onBodySent);
      req.end(payload);
    });
  }

  /** Sends `signal` to the service (by pid); a no-op once it has exited. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exitInfo || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
  }

  /** Resolves when the process has exited (and its output pipes closed); rejects after `timeoutMs`. */
  waitExit(timeoutMs = 10_000): Promise<ServiceExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the service (pid ${this.pid}) did not exit within ${timeoutMs} ms\n${this.output()}`)), timeoutMs);
    });
    return Promise.race([this.exitPromise, timeout]).finally(() => clearTimeout(timer));
  }

  /** Resolves when the process has exited, however long that takes. */
  whenExited(): Promise<ServiceExit> {
    return this.exitPromise;
  }

  /**
   * SIGTERM, then SIGKILL when it still runs after `graceMs`; resolves once it has exited. Nest
   * closes the app on SIGTERM and re-raises the signal (exit by SIGTERM, or code 0).
   */
  async stop(graceMs = 15_000): Promise<ServiceStop> {
    if (this.exitInfo) return { ...this.exitInfo, seconds: 0, killed: false };
    const started = performance.now();
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      this.kill('SIGKILL');
    }, graceMs);
    this.kill('SIGTERM');
    const exit = await this.exitPromise;
    clearTimeout(timer);
    return { ...exit, seconds: (performance.now() - started) / 1000, killed };
  }

  get exited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** How it exited; undefined while it runs. */
  get exitStatus(): ServiceExit | undefined {
    return this.exitInfo;
  }

  /** Resident memory in MB from /proc/<pid>/status (Linux): `VmRSS` now, `VmHWM` the peak. */
  rssMb(field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  }

  /** CPU seconds (user + system) used so far; /proc/<pid>/stat fields 14 and 15, in ticks of 1/100 s (Linux). */
  cpuSeconds(): number {
    const fields = readFileSync(`/proc/${this.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }

  stdout(): string {
    return this.out;
  }

  stderr(): string {
    return this.err;
  }

  /** Both captured streams, for failure messages. */
  output(): string {
    return `--- service stdout (pid ${this.child.pid}, port ${this.port}) ---\n${this.out}--- service stderr ---\n${this.err}`;
  }
}
