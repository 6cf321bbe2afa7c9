// npm run soak -- [--duration 300] [--warmup 30] [--sqlite] [--no-build] [--seed 7] [--port 3990]
// Mixed-traffic soak of the compiled service on loopback: seeds a base dataset through the write
// API, then runs bounded traffic on every route (reads in JSON and CSV, ingestion with re-sent
// batches, directory writes, a rollup pass in the middle, a burst of concurrent exports), samples
// the service's RSS every second and checks exactly-once storage at the end. Fails (exit 1) on any
// 5xx, network error, unexpected status or body, or failed check. See bench/README.md.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, hostname, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createConnection } from 'mysql2/promise';
import { developmentToken } from '../src/auth/development-token';
import { mulberry32 } from '../src/common/prng';
import { DEVELOPMENT_JWT_SECRET, loadConfig } from '../src/config/app-config';
import type { UserActionEventDto } from '../src/ingestion/dto/ingest-user-actions.dto';
import { EventFactory } from './dataset';

// ---------------------------------------------------------------------------------------------
// Options

const args = process.argv.slice(2);
const KNOWN = new Set(['--duration', '--warmup', '--sqlite', '--no-build', '--seed', '--port']);
// A pasted usage line (`[--duration 300]`) must not silently run the full 5-minute soak.
for (const a of args) if ((a.startsWith('-') || a.startsWith('[')) && !KNOWN.has(a)) fail(`unknown option ${a}\nusage: npm run soak -- [--duration 300] [--warmup 30] [--sqlite] [--no-build] [--seed 7] [--port 3990]`);
const flag = (name: string) => args.includes(`--${name}`);
function num(name: string, dflt: number, min: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v < min) fail(`--${name} needs a number ≥ ${min}`);
  return v;
}
const DURATION_S = num('duration', 300, 10);
const WARMUP_S = num('warmup', 30, 0);
const SEED = num('seed', 7, 0);
const PORT = num('port', Number(process.env.SOAK_PORT ?? 3990), 1);
const SQLITE = flag('sqlite');
const ROOT = join(__dirname, '..');
const PREFIX = '/v2/statistics';
const DAY = 86_400_000;
const TIME_ZONE = 'Europe/Vienna';

// Base dataset: 200,000 events over 10 tenants in the last 25 days (tenant 1 is the large one).
const TENANTS = Array.from({ length: 10 }, (_, i) => i + 1);
const SEED_EVENTS: Record<number, number> = Object.fromEntries(TENANTS.map((t) => [t, t === 1 ? 65_000 : 15_000]));
const SEED_DAYS = 25;
const SEED_CLIENTS = 4;
// The rollup pass in the middle runs as of now + 10 days: with ROLLUP_DAILY_AFTER_DAYS=30 the
// oldest ~5 days of the seed become daily rows. Traffic events are at most 3 days old, so none of
// them (and none of the re-sent batches) is ever rolled.
const ROLLUP_AHEAD_DAYS = 10;
const TRAFFIC_EVENT_AGE_DAYS = 3;
const BURST = 6;
const REQUEST_TIMEOUT_MS = 120_000;

function fail(msg: string): never {
  console.error(msg);
  process.exit(1);
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (msg: string) => console.error(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}`);

// ---------------------------------------------------------------------------------------------
// Database

const dbUrl = new URL(process.env.SOAK_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/statistics_soak');
const dbName = dbUrl.pathname.replace(/^\//, '');
if (!SQLITE && !dbName.includes('soak')) fail(`refusing SOAK_DATABASE_URL database "${dbName}": its name must contain "soak"`);
let sqliteDir: string | undefined;
let sqlitePath: string | undefined;

async function recreateDatabase(): Promise<string> {
  if (SQLITE) {
    sqliteDir = mkdtempSync(join(tmpdir(), 'statistics-soak-'));
    sqlitePath = join(sqliteDir, 'statistics.sqlite');
    return `SQLite ${sqlitePath} (temporary)`;
  }
  const conn = await createConnection({
    host: dbUrl.hostname,
    port: Number(dbUrl.port || 3306),
    user: decodeURIComponent(dbUrl.username),
    password: decodeURIComponent(dbUrl.password),
  });
  const [v] = await conn.query('SELECT VERSION() AS v');
  await conn.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await conn.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await conn.end();
  return `${(v as Array<{ v: string }>)[0].v} database \`${dbName}\` on ${dbUrl.host} (recreated empty)`;
}

/** Environment of the service and the rollup CLI: the soak database, the development secret. */
function serviceEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(PORT),
    LOG_LEVEL: 'warn',
    STATISTICS_TIME_ZONE: TIME_ZONE,
    ROLLUP_ENABLED: 'false',
    JWT_SECRET: DEVELOPMENT_JWT_SECRET,
    NODE_ENV: 'development',
  };
  for (const k of ['DATABASE_URL', 'SQLITE_PATH', 'JWT_PUBLIC_KEY', 'JWT_ISSUER', 'JWT_AUDIENCE', 'ROLLUP_DAILY_AFTER_DAYS', 'ROLLUP_MONTHLY_AFTER_DAYS']) delete env[k];
  if (SQLITE) env.SQLITE_PATH = sqlitePath;
  else env.DATABASE_URL = dbUrl.toString();
  return env;
}

interface DbCounts {
  tenant: number;
  rows: number;
  realtime: number;
  events: number;
  distinctEventIds: number;
}

async function dbCounts(): Promise<DbCounts[]> {
  const sql = `SELECT tenant, COUNT(*) AS \`rows\`, SUM(CASE WHEN aggregation_level = 0 THEN 1 ELSE 0 END) AS realtime,
      SUM(count) AS events, COUNT(DISTINCT event_id) AS distinctEventIds FROM user_action GROUP BY tenant ORDER BY tenant`;
  let rows: Array<Record<string, unknown>>;
  if (SQLITE) {
    const Sqlite = require('better-sqlite3');
    const db = new Sqlite(sqlitePath, { readonly: true });
    rows = db.prepare(sql).all();
    db.close();
  } else {
    const conn = await createConnection({ uri: dbUrl.toString() });
    [rows] = (await conn.query(sql)) as unknown as [Array<Record<string, unknown>>];
    await conn.end();
  }
  return rows.map((r) => ({ tenant: Number(r.tenant), rows: Number(r.rows), realtime: Number(r.realtime), events: Number(r.events), distinctEventIds: Number(r.distinctEventIds) }));
}

// ---------------------------------------------------------------------------------------------
// The service

let child: ChildProcess | undefined;
let childExit: { code: number | null; signal: string | null } | undefined;
let stopping = false;
let serviceLog = '';

async function startService(): Promise<ChildProcess> {
  try {
    await request('GET', '/health/live', {});
    fail(`something already answers on port ${PORT}; pick another with --port`);
  } catch {
    /* free */
  }
  serviceLog = join(tmpdir(), `statistics-soak-${process.pid}-service.log`);
  const out = createWriteStream(serviceLog);
  const proc = spawn(process.execPath, [join(ROOT, 'dist/main.js')], { cwd: ROOT, env: serviceEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.pipe(out);
  proc.stderr!.pipe(out);
  proc.once('exit', (code, signal) => {
    childExit = { code, signal };
    if (!stopping) log(`the service exited unexpectedly (code ${code}, signal ${signal}); log: ${serviceLog}`);
  });
  for (let i = 0; i < 240; i++) {
    if (childExit) fail(`the service did not start (exit code ${childExit.code}); log: ${serviceLog}\n${readFileSync(serviceLog, 'utf8').slice(-3000)}`);
    try {
      const r = await request('GET', '/health/ready', {});
      if (r.status === 200) return proc;
    } catch {
      /* not yet */
    }
    await sleep(250);
  }
  proc.kill('SIGKILL');
  fail(`the service did not become ready within 60 s; log: ${serviceLog}`);
}

/** SIGTERM and wait; Nest closes the app, then re-raises the signal (exit by SIGTERM, or code 0). */
async function stopService(): Promise<{ code: number | null; signal: string | null; seconds: number; killed: boolean }> {
  if (!child || childExit) return { code: childExit?.code ?? null, signal: childExit?.signal ?? null, seconds: 0, killed: false };
  stopping = true;
  let killed = false;
  const t = performance.now();
  const exited = new Promise<void>((r) => child!.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    killed = true;
    child?.kill('SIGKILL');
  }, 15_000);
  await exited;
  clearTimeout(timer);
  return { code: childExit!.code, signal: childExit!.signal, seconds: (performance.now() - t) / 1000, killed };
}

/** CPU seconds (user + system) the process has used; /proc/<pid>/stat fields 14 and 15, in ticks of 1/100 s. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMb(pid: number, field = 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Counts pino lines at error level (50) or above in the service's log. */
function serviceErrorLines(): { count: number; sample: string[] } {
  let count = 0;
  const sample: string[] = [];
  for (const line of readFileSync(serviceLog, 'utf8').split('\n')) {
    const m = /"level":(\d+)/.exec(line);
    if ((m && Number(m[1]) >= 50) || (!m && /error/i.test(line))) {
      count++;
      if (sample.length < 5) sample.push(line.slice(0, 400));
    }
  }
  return { count, sample };
}

// ---------------------------------------------------------------------------------------------
// HTTP

// New connection per request: a kept-alive socket the server closes (keepAliveTimeout) just as
// it is reused would show up as a spurious network error.
const agent = new http.Agent({ keepAlive: false });
let token = '';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  lines: number;
  /** The whole body when `keep`, else its first 4 KB. */
  body: string;
  ms: number;
}

function request(method: string, path: string, opts: { accept?: string; body?: unknown; keep?: boolean }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: http.OutgoingHttpHeaders = { Accept: opts.accept ?? 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (data) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': data.length });
    const t = performance.now();
    const req = http.request({ agent, host: '127.0.0.1', port: PORT, path: PREFIX + path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      let bytes = 0;
      let lines = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
        if (opts.keep || kept < 4096) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      res.on('aborted', () => reject(new Error(`${method} ${path}: response aborted after ${bytes} bytes`)));
      res.on('error', reject);
      res.on('end', () => {
        if (!res.complete) return reject(new Error(`${method} ${path}: incomplete response (${bytes} bytes)`));
        const buf = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, bytes, lines, body: (opts.keep ? buf : buf.subarray(0, 4096)).toString('utf8'), ms: performance.now() - t });
      });
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(data);
  });
}

// ---------------------------------------------------------------------------------------------
// Recording

type Phase = 'warmup' | 'measured';
let phase: Phase = 'warmup';

interface ClassStats {
  requests: number;
  warmupRequests: number;
  statuses: Record<string, number>;
  /** Latencies of the measured phase's successful answers (ms). */
  latencies: number[];
  tooMany: number;
  failures: number;
}
const stats = new Map<string, ClassStats>();
const failures: string[] = [];
let fiveXX = 0;
let networkErrors = 0;
let unexpected = 0;
let tooManyTotal = 0;
const retryAfterSeen = new Set<string>();

function classStats(cls: string): ClassStats {
  let s = stats.get(cls);
  if (!s) stats.set(cls, (s = { requests: 0, warmupRequests: 0, statuses: {}, latencies: [], tooMany: 0, failures: 0 }));
  return s;
}

function noteFailure(cls: string, what: string) {
  classStats(cls).failures++;
  if (failures.length < 50) failures.push(`${cls}: ${what}`);
  if (failures.length <= 10) log(`FAILURE ${cls}: ${what}`);
}

interface CallOpts {
  accept?: string;
  body?: unknown;
  /** The expected status (besides 429 for CSV exports). */
  expect: number;
  /** CSV export: may be refused with 429 + Retry-After by the export guard. */
  csv?: boolean;
  /** Returns a complaint about the body, or undefined. */
  check?: (r: Reply) => string | undefined;
}

/** One request, recorded. Resolves with the reply (undefined after a failure) and how long to back off. */
async function call(cls: string, method: string, path: string, o: CallOpts): Promise<{ reply?: Reply; backoffMs?: number }> {
  const s = classStats(cls);
  s.requests++;
  if (phase === 'warmup') s.warmupRequests++;
  let r: Reply;
  try {
    r = await request(method, path, { accept: o.accept, body: o.body, keep: !o.csv });
  } catch (err) {
    s.statuses.network = (s.statuses.network ?? 0) + 1;
    networkErrors++;
    noteFailure(cls, `network error: ${(err as Error).message}`);
    return {};
  }
  s.statuses[r.status] = (s.statuses[r.status] ?? 0) + 1;
  if (r.status >= 500) {
    fiveXX++;
    noteFailure(cls, `${method} ${path} → ${r.status} ${r.body.slice(0, 300)}`);
    return {};
  }
  if (r.status === 429 && o.csv) {
    const ra = r.headers['retry-after'];
    const secs = Number(ra);
    if (ra === undefined || !Number.isFinite(secs) || secs < 0) {
      unexpected++;
      noteFailure(cls, `${method} ${path} → 429 without a usable Retry-After (${ra})`);
      return { backoffMs: 1000 };
    }
    retryAfterSeen.add(String(ra));
    s.tooMany++;
    tooManyTotal++;
    return { reply: r, backoffMs: Math.min(secs, 30) * 1000 };
  }
  if (r.status !== o.expect) {
    unexpected++;
    noteFailure(cls, `${method} ${path} → ${r.status} (expected ${o.expect}) ${r.body.slice(0, 300)}`);
    return {};
  }
  const complaint = o.check?.(r);
  if (complaint) {
    unexpected++;
    noteFailure(cls, `${method} ${path}: ${complaint}`);
    return {};
  }
  if (phase === 'measured') s.latencies.push(r.ms);
  return { reply: r };
}

function jsonCheck(key: string) {
  return (r: Reply) => {
    if (!/^application\/json/.test(String(r.headers['content-type']))) return `content-type ${r.headers['content-type']}`;
    try {
      const body = JSON.parse(r.body);
      if (key && !(key in body)) return `no "${key}" in the JSON answer`;
    } catch {
      return 'the JSON answer does not parse';
    }
    return undefined;
  };
}

function csvCheck(header: string) {
  return (r: Reply) => {
    if (!/^text\/csv/.test(String(r.headers['content-type']))) return `content-type ${r.headers['content-type']}`;
    const first = r.body.split('\n', 1)[0].replace(/"/g, '').replace(/\r$/, '');
    if (!first.startsWith(header)) return `CSV header "${first.slice(0, 120)}" does not start with "${header}"`;
    return undefined;
  };
}

// ---------------------------------------------------------------------------------------------
// Data

const factory = new EventFactory(SEED);
/** Events the service answered as accepted, per tenant. */
const accepted: Record<number, number> = Object.fromEntries(TENANTS.map((t) => [t, 0]));
const ingestTally = { newBatches: 0, newEvents: 0, resentBatches: 0, resentEvents: 0 };

function makeEvent(tenant: number, eventId: string, created: Date): UserActionEventDto {
  const e = factory.event(tenant, 0, created);
  e.eventId = eventId;
  return e;
}
/** Real JSON body, as a client would send it (Dates → ISO strings). */
const wire = (events: UserActionEventDto[]) => JSON.parse(JSON.stringify({ userActions: events }));

async function seed(): Promise<{ events: number; seconds: number; users: number }> {
  const now = Date.now();
  const start = now - SEED_DAYS * DAY + 3600_000;
  const end = now - 60_000;
  // Chronological batches of 1000 per tenant, interleaved across tenants.
  const perTenant = TENANTS.map((t) => ({ t, n: SEED_EVENTS[t], next: 0 }));
  const order: Array<{ t: number; from: number; n: number }> = [];
  while (perTenant.some((p) => p.next < p.n)) {
    for (const p of perTenant) {
      if (p.next >= p.n) continue;
      const n = Math.min(1000, p.n - p.next);
      order.push({ t: p.t, from: p.next, n });
      p.next += n;
    }
  }
  const total = order.reduce((a, b) => a + b.n, 0);
  let next = 0;
  let done = 0;
  let lastShown = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: SEED_CLIENTS }, async () => {
      while (next < order.length) {
        const b = order[next++];
        const events: UserActionEventDto[] = [];
        for (let k = 0; k < b.n; k++) {
          const i = b.from + k;
          events.push(makeEvent(b.t, `s${b.t}-${i}`, new Date(Math.floor(start + ((i + 0.5) / SEED_EVENTS[b.t]) * (end - start)))));
        }
        const r = await request('POST', `/tenants/${b.t}/useractions`, { body: wire(events), keep: true });
        if (r.status !== 202) fail(`seeding: POST tenants/${b.t}/useractions → ${r.status} ${r.body.slice(0, 500)}`);
        const body = JSON.parse(r.body);
        if (body.accepted !== b.n || body.duplicates !== 0) fail(`seeding: expected ${b.n} accepted, got ${r.body}`);
        accepted[b.t] += body.accepted;
        done += b.n;
        if (performance.now() - lastShown > 2000 || done === total) {
          lastShown = performance.now();
          const secs = (performance.now() - t0) / 1000;
          log(`seeding ${done}/${total} events (${Math.round(done / secs)} ev/s)`);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  // A third of the users that events carry get a directory entry, half of them with consent.
  let users = 0;
  for (let u = 0; u < 1000; u += 3) {
    const r = await request('PUT', `/users/bench-user-${u}`, { body: { email: `soak.user.${u}@example.com`, statisticsConsent: u % 2 === 0 }, keep: true });
    if (r.status !== 200) fail(`seeding: PUT users/bench-user-${u} → ${r.status} ${r.body.slice(0, 300)}`);
    users++;
  }
  return { events: total, seconds, users };
}

// ---------------------------------------------------------------------------------------------
// Traffic

type Rand = () => number;
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
/** Tenant 1 (the large one) 40 %, the others evenly. */
const pickTenant = (rand: Rand) => (rand() < 0.4 ? 1 : 2 + Math.floor(rand() * 9));
const q = (params: Array<[string, string | number]>) => (params.length ? '?' + params.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&') : '');
const iso = (ms: number) => new Date(ms).toISOString();
/** A window [from, to) inside the seeded 25 days. */
function span(rand: Rand, maxDays: number): Array<[string, string]> {
  const len = (0.5 + rand() * (maxDays - 0.5)) * DAY;
  const to = Date.now() - rand() * (SEED_DAYS * DAY - len);
  return [
    ['from', iso(to - len)],
    ['to', iso(to)],
  ];
}
/** CSV by Accept header or by ?format=csv, alternately. */
function csvRequest(rand: Rand, params: Array<[string, string | number]>): { suffix: string; accept: string } {
  return rand() < 0.5 ? { suffix: q(params), accept: 'text/csv' } : { suffix: q([...params, ['format', 'csv']]), accept: 'application/json' };
}

const USER_ACTIONS_CSV = 'module,action,tenant,count,month,year';
const AGGREGATED_CSV = 'module,action,tenant,count,aggregationLevel';
const CONFIGURATIONS_CSV = 'link,thumbnail,created,action,actionParameter,count,aggregationLevel,userEmail,partList,planCombinedIds';

interface Resend {
  tenant: number;
  body: unknown;
  n: number;
}
const resendPool: Resend[] = [];
let trafficSeq = 0;

async function ingestNew(rand: Rand): Promise<{ backoffMs?: number }> {
  const tenant = pickTenant(rand);
  const r0 = rand();
  const n = r0 < 0.5 ? 1 + Math.floor(rand() * 20) : r0 < 0.9 ? 20 + Math.floor(rand() * 180) : 1000;
  const now = Date.now();
  const events: UserActionEventDto[] = [];
  for (let i = 0; i < n; i++) events.push(makeEvent(tenant, `t${tenant}-${trafficSeq++}`, new Date(now - 1000 - Math.floor(rand() * TRAFFIC_EVENT_AGE_DAYS * DAY))));
  const body = wire(events);
  const { reply } = await call('POST useractions (new batch)', 'POST', `/tenants/${tenant}/useractions`, {
    body,
    expect: 202,
    check: (r) => {
      const b = JSON.parse(r.body);
      return b.accepted === n && b.duplicates === 0 ? undefined : `new batch of ${n}: answered ${r.body}`;
    },
  });
  if (reply) {
    accepted[tenant] += n;
    ingestTally.newBatches++;
    ingestTally.newEvents += n;
    resendPool.push({ tenant, body, n });
    if (resendPool.length > 40) resendPool.splice(Math.floor(rand() * resendPool.length), 1);
  }
  return {};
}

async function ingestResend(rand: Rand): Promise<{ backoffMs?: number }> {
  if (!resendPool.length) return ingestNew(rand);
  const b = pick(rand, resendPool);
  const { reply } = await call('POST useractions (re-sent batch)', 'POST', `/tenants/${b.tenant}/useractions`, {
    body: b.body,
    expect: 202,
    check: (r) => {
      const a = JSON.parse(r.body);
      return a.accepted === 0 && a.duplicates === b.n ? undefined : `re-sent batch of ${b.n}: answered ${r.body}`;
    },
  });
  if (reply) {
    ingestTally.resentBatches++;
    ingestTally.resentEvents += b.n;
  }
  return {};
}

interface Loop {
  /** Concurrent workers running this loop. */
  workers: number;
  /** Mean pause between two requests of one worker (± 50 % jitter). */
  pauseMs: number;
  run: (rand: Rand, worker: number) => Promise<{ backoffMs?: number }>;
}

const LOOPS: Record<string, Loop> = {
  'health/live': { workers: 1, pauseMs: 100, run: () => call('GET health/live', 'GET', '/health/live', { expect: 200, check: jsonCheck('status') }) },
  'health/ready': { workers: 1, pauseMs: 500, run: () => call('GET health/ready', 'GET', '/health/ready', { expect: 200, check: jsonCheck('status') }) },
  modules: { workers: 1, pauseMs: 500, run: () => call('GET modules', 'GET', '/modules', { expect: 200, check: jsonCheck('') }) },
  useractions: {
    workers: 1,
    pauseMs: 100,
    run: (rand) => {
      const t = pickTenant(rand);
      const v = pick(rand, [[], [['module', 3]], [['module', 3], ['action', 2]], span(rand, 20)] as Array<Array<[string, string | number]>>);
      return call('GET useractions JSON', 'GET', `/tenants/${t}/useractions${q(v)}`, { expect: 200, check: jsonCheck('userActions') });
    },
  },
  'useractions csv': {
    workers: 1,
    pauseMs: 500,
    run: (rand) => {
      const t = pickTenant(rand);
      const v = pick(rand, [[], [['module', 3]], span(rand, 20)] as Array<Array<[string, string | number]>>);
      const c = csvRequest(rand, v);
      return call('GET useractions CSV', 'GET', `/tenants/${t}/useractions${c.suffix}`, { accept: c.accept, csv: true, expect: 200, check: csvCheck(USER_ACTIONS_CSV) });
    },
  },
  aggregated: {
    workers: 1,
    pauseMs: 50,
    run: (rand) => {
      const t = pickTenant(rand);
      const v = pick(rand, [
        [],
        [['module', 3]],
        [
          ['module', 3],
          ['actions[]', 1],
          ['actions[]', 2],
        ],
        span(rand, 25),
      ] as Array<Array<[string, string | number]>>);
      return call('GET userActionsAggregated JSON', 'GET', `/tenants/${t}/userActionsAggregated${q(v)}`, { expect: 200, check: jsonCheck('userActions') });
    },
  },
  'aggregated with aggregations': {
    workers: 1,
    pauseMs: 100,
    run: (rand) => {
      const t = pickTenant(rand);
      // actionId has ~100,000 values per tenant: only over a day or two.
      const aggs = rand() < 0.15 ? ['actionId'] : ['country', 'device', 'actionLabel'].filter(() => rand() < 0.6);
      if (!aggs.length) aggs.push('country');
      const params: Array<[string, string | number]> = [...(aggs[0] === 'actionId' ? span(rand, 2) : rand() < 0.5 ? [] : span(rand, 25)), ...aggs.map((a): [string, string] => ['aggregations[]', a])];
      return call('GET userActionsAggregated JSON + aggregations', 'GET', `/tenants/${t}/userActionsAggregated${q(params)}`, { expect: 200, check: jsonCheck('userActions') });
    },
  },
  'aggregated csv': {
    workers: 1,
    pauseMs: 500,
    run: (rand) => {
      const t = pickTenant(rand);
      const params: Array<[string, string | number]> = [...span(rand, 25), ...(rand() < 0.7 ? [['aggregations[]', 'country'] as [string, string], ['aggregations[]', 'device'] as [string, string]] : [])];
      const c = csvRequest(rand, params);
      return call('GET userActionsAggregated CSV', 'GET', `/tenants/${t}/userActionsAggregated${c.suffix}`, { accept: c.accept, csv: true, expect: 200, check: csvCheck(AGGREGATED_CSV) });
    },
  },
  configurations: {
    workers: 1,
    pauseMs: 200,
    run: (rand) => {
      const t = pickTenant(rand);
      const limit = pick(rand, [100, 1000, 1000, 5000]);
      const params: Array<[string, string | number]> = [
        ['limit', limit],
        ['offset', Math.floor(rand() * SEED_EVENTS[t] * 0.9)],
      ];
      if (rand() < 0.2) params.push(['configuratorId', `configurator-${Math.floor(rand() * 20)}`]);
      if (rand() < 0.2) params.push(['actions[]', 2], ['actions[]', 302]);
      return call('GET configurations JSON page', 'GET', `/tenants/${t}/configurations${q(params)}`, { expect: 200, check: jsonCheck('tenantConfigurationStatistics') });
    },
  },
  'configurations csv small': {
    workers: 1,
    pauseMs: 1000,
    run: (rand) => {
      // ≈ 3,000 rows (a small tenant's last 5 days) or ≈ 5,000 (tenant 1's last 2 days).
      const t = rand() < 0.3 ? 1 : 2 + Math.floor(rand() * 9);
      const c = csvRequest(rand, [['from', iso(Date.now() - (t === 1 ? 2 : 5) * DAY)]]);
      return call('GET configurations CSV (3–6k rows)', 'GET', `/tenants/${t}/configurations${c.suffix}`, { accept: c.accept, csv: true, expect: 200, check: csvCheck(CONFIGURATIONS_CSV) });
    },
  },
  'configurations csv full': {
    workers: 1,
    pauseMs: 4000,
    run: (rand) => {
      // The default window (last 30 days): 15–30k rows for a small tenant, 65–100k for tenant 1.
      const t = rand() < 0.5 ? 1 : 2 + Math.floor(rand() * 9);
      const c = csvRequest(rand, []);
      return call('GET configurations CSV (last 30 days, 15–100k rows)', 'GET', `/tenants/${t}/configurations${c.suffix}`, { accept: c.accept, csv: true, expect: 200, check: csvCheck(CONFIGURATIONS_CSV) });
    },
  },
  ingest: { workers: 2, pauseMs: 500, run: (rand) => (rand() < 0.1 ? ingestResend(rand) : ingestNew(rand)) },
  directory: {
    workers: 1,
    pauseMs: 500,
    run: (rand) => {
      const u = Math.floor(rand() * 1000);
      if (rand() < 0.2) return call('DELETE users/:userId', 'DELETE', `/users/bench-user-${u}`, { expect: 204 });
      return call('PUT users/:userId', 'PUT', `/users/bench-user-${u}`, {
        body: { email: `soak.user.${u}@example.com`, statisticsConsent: rand() < 0.5 },
        expect: 200,
        check: jsonCheck('userId'),
      });
    },
  },
};

async function runLoops(until: () => boolean): Promise<void> {
  const runners: Array<Promise<void>> = [];
  let idx = 0;
  for (const loop of Object.values(LOOPS)) {
    for (let w = 0; w < loop.workers; w++) {
      const rand = mulberry32(SEED * 7919 + ++idx);
      runners.push(
        (async () => {
          await sleep(rand() * loop.pauseMs);
          while (!until()) {
            const { backoffMs } = await loop.run(rand, w);
            const pause = backoffMs ?? loop.pauseMs * (0.5 + rand());
            const wake = Date.now() + pause;
            while (!until() && Date.now() < wake) await sleep(Math.min(200, wake - Date.now()));
          }
        })(),
      );
    }
  }
  await Promise.all(runners);
}

async function burst(): Promise<{ statuses: Record<string, number>; retryAfter: string[] }> {
  const statuses: Record<string, number> = {};
  const retryAfter: string[] = [];
  await Promise.all(
    Array.from({ length: BURST }, async () => {
      const { reply } = await call(`GET configurations CSV burst (${BURST} concurrent, tenant 1)`, 'GET', '/tenants/1/configurations', {
        accept: 'text/csv',
        csv: true,
        expect: 200,
        check: csvCheck(CONFIGURATIONS_CSV),
      });
      const k = reply ? String(reply.status) : 'failed';
      statuses[k] = (statuses[k] ?? 0) + 1;
      if (reply?.status === 429) retryAfter.push(String(reply.headers['retry-after']));
    }),
  );
  return { statuses, retryAfter };
}

interface RollupRun {
  asOf: string;
  code: number | null;
  seconds: number;
  summary?: { rowsRead: number; rowsWritten: number; rowsDeleted: number; periods: number; skipped?: string; seconds: number; dailyCutoff: string };
  output: string;
}

function rollupPass(): Promise<RollupRun> {
  const asOf = new Date(Date.now() + ROLLUP_AHEAD_DAYS * DAY).toISOString();
  const compiled = join(ROOT, 'dist/rollup/rollup.cli.js');
  const argv = existsSync(compiled) ? [compiled] : ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src/rollup/rollup.cli.ts')];
  const t = performance.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...argv, '--as-of', asOf], { cwd: ROOT, env: serviceEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d) => (output += d));
    p.stderr.on('data', (d) => (output += d));
    p.on('exit', (code) => {
      let summary: RollupRun['summary'];
      for (const line of output.split('\n').reverse()) {
        if (line.startsWith('{')) {
          try {
            summary = JSON.parse(line);
            break;
          } catch {
            /* not the summary */
          }
        }
      }
      resolve({ asOf, code, seconds: (performance.now() - t) / 1000, summary, output: output.slice(-2000) });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Report

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
function fmt(n: number | undefined, digits = 0): string {
  return n === undefined || Number.isNaN(n) ? '' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

interface Check {
  check: string;
  value: string;
  expected: string;
  ok: boolean;
}

async function main() {
  const started = performance.now();
  const startedAt = new Date();
  const database = await recreateDatabase();
  log(`database: ${database}`);
  if (!flag('no-build')) {
    log('building the service (npm run build)…');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  }
  const cleanup = () => {
    if (child && !childExit) child.kill('SIGKILL');
    if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    stopping = true;
    cleanup();
    process.exit(130);
  });

  child = await startService();
  const pid = child.pid!;
  const rssStart = rssMb(pid);
  log(`service pid ${pid} ready on port ${PORT} (RSS ${rssStart.toFixed(0)} MB)`);
  token = developmentToken(loadConfig({ JWT_SECRET: DEVELOPMENT_JWT_SECRET }), { tenants: TENANTS, ingest: true, sub: 'soak', expiresInSeconds: 24 * 3600 });

  const seeded = await seed();
  const rssSeeded = rssMb(pid);
  log(`seeded ${seeded.events} events in ${seeded.seconds.toFixed(1)} s (${Math.round(seeded.events / seeded.seconds)} ev/s), ${seeded.users} directory users; RSS ${rssSeeded.toFixed(0)} MB`);

  // RSS every second from the start of the traffic.
  const rss: Array<{ t: number; mb: number; phase: Phase }> = [];
  const trafficStart = performance.now();
  const sampler = setInterval(() => {
    if (childExit) return;
    try {
      rss.push({ t: Math.round((performance.now() - trafficStart) / 1000), mb: rssMb(pid), phase });
    } catch {
      /* the process is gone */
    }
  }, 1000);

  const totalMs = (WARMUP_S + DURATION_S) * 1000;
  const elapsed = () => performance.now() - trafficStart;
  const done = () => elapsed() >= totalMs || !!childExit;
  log(`traffic: ${WARMUP_S} s warm-up + ${DURATION_S} s measured, ${Object.values(LOOPS).reduce((a, l) => a + l.workers, 0)} workers`);
  const loops = runLoops(done);

  let rssWarm = rssMb(pid);
  let cpuWarm = cpuSeconds(pid);
  let loadWarm = loadavg()[0];
  let measuredStart = trafficStart;
  let rollup: RollupRun | undefined;
  let burstResult: Awaited<ReturnType<typeof burst>> | undefined;
  const events = (async () => {
    while (elapsed() < WARMUP_S * 1000 && !done()) await sleep(100);
    rssWarm = rssMb(pid);
    cpuWarm = cpuSeconds(pid);
    loadWarm = loadavg()[0];
    phase = 'measured';
    measuredStart = performance.now();
    log(`warm-up over (RSS ${rssWarm.toFixed(0)} MB); measuring`);
    const at = (frac: number) => (async () => {
      while (performance.now() - measuredStart < frac * DURATION_S * 1000 && !done()) await sleep(100);
    })();
    // Independent of each other: a slow rollup pass does not push the burst out of the run.
    await Promise.all([
      (async () => {
        await at(0.5);
        if (done()) return;
        log(`rollup pass (CLI, --as-of now + ${ROLLUP_AHEAD_DAYS} days)…`);
        rollup = await rollupPass();
        log(`rollup: exit ${rollup.code} in ${rollup.seconds.toFixed(1)} s: ${rollup.summary ? `${rollup.summary.rowsRead} rows read, ${rollup.summary.rowsWritten} written, ${rollup.summary.rowsDeleted} deleted` : rollup.output}`);
      })(),
      (async () => {
        await at(0.75);
        if (done()) return;
        log(`burst: ${BURST} concurrent CSV exports of tenant 1…`);
        burstResult = await burst();
        log(`burst: ${JSON.stringify(burstResult.statuses)}`);
      })(),
    ]);
  })();
  // The measured time ends with the loops (the rollup pass may still be finishing).
  let measuredEnd = 0;
  void loops.then(() => (measuredEnd = performance.now()));
  let lastReport = 0;
  const progress = setInterval(() => {
    const n = [...stats.values()].reduce((a, s) => a + s.requests, 0);
    if (performance.now() - lastReport > 15_000) {
      lastReport = performance.now();
      log(`${Math.round(elapsed() / 1000)}/${WARMUP_S + DURATION_S} s: ${n} requests, ${fiveXX} 5xx, ${networkErrors} network errors, ${unexpected} unexpected, ${tooManyTotal} × 429, RSS ${rss.length ? rss[rss.length - 1].mb.toFixed(0) : '?'} MB`);
    }
  }, 1000);
  await Promise.all([loops, events]);
  // Nominally --duration; shorter only when the service died (requests still in flight at the end are counted, their tail is not).
  const measuredSeconds = (Math.min(measuredEnd || performance.now(), trafficStart + totalMs) - measuredStart) / 1000;
  clearInterval(progress);
  clearInterval(sampler);
  const rssEnd = childExit ? NaN : rssMb(pid);
  const rssPeak = childExit ? NaN : rssMb(pid, 'VmHWM');
  const serviceCpu = childExit ? NaN : cpuSeconds(pid) - cpuWarm;
  const loadEnd = loadavg()[0];
  log(`traffic over; checking totals`);

  // Totals through the read API (JSON; all time for useractions, the seeded span and more for the aggregated sums).
  const checks: Check[] = [];
  const apiUserActions: Record<number, number> = {};
  const apiAggregated: Record<number, number> = {};
  if (!childExit) {
    for (const t of TENANTS) {
      const a = await call('final totals (useractions, userActionsAggregated)', 'GET', `/tenants/${t}/useractions`, { expect: 200, check: jsonCheck('userActions') });
      apiUserActions[t] = a.reply ? JSON.parse(a.reply.body).userActions.reduce((s: number, r: { count: number }) => s + r.count, 0) : NaN;
      const range = q([
        ['from', iso(Date.now() - 60 * DAY)],
        ['to', iso(Date.now() + DAY)],
      ]);
      const b = await call('final totals (useractions, userActionsAggregated)', 'GET', `/tenants/${t}/userActionsAggregated${range}`, { expect: 200, check: jsonCheck('userActions') });
      apiAggregated[t] = b.reply ? JSON.parse(b.reply.body).userActions.reduce((s: number, r: { count: number }) => s + r.count, 0) : NaN;
    }
  }
  const counts = await dbCounts();
  const aliveAtEnd = !childExit;
  const stop = await stopService();
  const errLines = serviceErrorLines();

  // ---- checks
  const sum = (o: Record<number, number>) => TENANTS.reduce((a, t) => a + (o[t] ?? 0), 0);
  const acceptedTotal = sum(accepted);
  const dbByTenant = Object.fromEntries(counts.map((c) => [c.tenant, c]));
  const dbEvents = counts.reduce((a, c) => a + c.events, 0);
  const dbRows = counts.reduce((a, c) => a + c.rows, 0);
  const dbRealtime = counts.reduce((a, c) => a + c.realtime, 0);
  const dbDistinct = counts.reduce((a, c) => a + c.distinctEventIds, 0);
  const perTenantMismatch = TENANTS.filter((t) => (dbByTenant[t]?.events ?? 0) !== accepted[t]);
  const rolledAway = rollup?.summary?.rowsDeleted ?? 0;
  checks.push({ check: '5xx answers', value: fmt(fiveXX), expected: '0', ok: fiveXX === 0 });
  checks.push({ check: 'network errors, timeouts, aborted responses', value: fmt(networkErrors), expected: '0', ok: networkErrors === 0 });
  checks.push({ check: 'unexpected statuses or bodies (incl. ingestion answers)', value: fmt(unexpected), expected: '0', ok: unexpected === 0 });
  checks.push({
    check: 'ingestion during traffic: new batches accepted in full, re-sent batches all duplicates',
    value: `${fmt(ingestTally.newBatches)} new batches (${fmt(ingestTally.newEvents)} events), ${fmt(ingestTally.resentBatches)} re-sent (${fmt(ingestTally.resentEvents)} duplicates)`,
    expected: 're-sent ≈ 10 %',
    ok: ingestTally.resentBatches > 0 && ingestTally.newBatches > 0,
  });
  checks.push({
    check: 'exactly once: SUM(count) in user_action = events accepted (every tenant)',
    value: `${fmt(dbEvents)} stored / ${fmt(acceptedTotal)} accepted${perTenantMismatch.length ? `; tenants differing: ${perTenantMismatch.join(', ')}` : ''}`,
    expected: 'equal',
    ok: dbEvents === acceptedTotal && perTenantMismatch.length === 0,
  });
  checks.push({
    check: 'exactly once: real-time rows (COUNT(*), distinct eventIds) = accepted − rows the rollup merged',
    value: `${fmt(dbRealtime)} rows, ${fmt(dbDistinct)} eventIds / ${fmt(acceptedTotal - rolledAway)} (${fmt(dbRows)} rows in all)`,
    expected: 'equal',
    ok: dbRealtime === acceptedTotal - rolledAway && dbDistinct === dbRealtime,
  });
  const apiUaTotal = sum(apiUserActions);
  const apiAggTotal = sum(apiAggregated);
  checks.push({
    check: 'read API: useractions (all time) total = accepted (every tenant)',
    value: `${fmt(apiUaTotal)} / ${fmt(acceptedTotal)}`,
    expected: 'equal',
    ok: aliveAtEnd && TENANTS.every((t) => apiUserActions[t] === accepted[t]),
  });
  checks.push({
    check: 'read API: userActionsAggregated (last 60 days) total = accepted (every tenant)',
    value: `${fmt(apiAggTotal)} / ${fmt(acceptedTotal)}`,
    expected: 'equal',
    ok: aliveAtEnd && TENANTS.every((t) => apiAggregated[t] === accepted[t]),
  });
  checks.push({
    check: `rollup pass in the middle (CLI, --as-of now + ${ROLLUP_AHEAD_DAYS} days)`,
    value: rollup
      ? rollup.summary
        ? `exit ${rollup.code}, ${rollup.seconds.toFixed(1)} s: ${fmt(rollup.summary.rowsRead)} rows read → ${fmt(rollup.summary.rowsWritten)} written, ${fmt(rollup.summary.periods)} periods${rollup.summary.skipped ? `, SKIPPED: ${rollup.summary.skipped}` : ''}`
        : `exit ${rollup.code}: ${rollup.output.replace(/\s+/g, ' ').slice(0, 200)}`
      : 'did not run',
    expected: 'exit 0, rows read > 0',
    ok: !!rollup && rollup.code === 0 && (rollup.summary?.rowsRead ?? 0) > 0 && !rollup.summary?.skipped,
  });
  const burst429 = burstResult?.statuses['429'] ?? 0;
  checks.push({
    check: `export guard: ${BURST} concurrent CSV exports of tenant 1`,
    value: burstResult
      ? `${Object.entries(burstResult.statuses)
          .map(([k, v]) => `${v} × ${k}`)
          .join(', ')}${burstResult.retryAfter.length ? ` (Retry-After ${[...new Set(burstResult.retryAfter)].join('/')} s)` : ''}`
      : 'did not run',
    expected: '≥ 1 × 429 with Retry-After',
    ok: burst429 >= 1,
  });
  checks.push({
    check: 'service alive to the end, then stops on SIGTERM',
    value: !aliveAtEnd ? `died during the soak (code ${stop.code}, signal ${stop.signal})` : stop.killed ? 'still running after 15 s: SIGKILL' : `exit ${stop.signal ?? `code ${stop.code}`} after ${stop.seconds.toFixed(1)} s`,
    expected: 'exit 0 or SIGTERM within 15 s',
    ok: aliveAtEnd && !stop.killed && (stop.code === 0 || stop.signal === 'SIGTERM'),
  });
  checks.push({ check: 'error-level lines in the service log', value: fmt(errLines.count), expected: '0', ok: errLines.count === 0 });

  // ---- RSS
  const measuredRss = rss.filter((r) => r.phase === 'measured').map((r) => r.mb);
  const rssMax = Math.max(...rss.map((r) => r.mb));
  const growth = rssEnd - rssWarm;
  // Least-squares slope of the measured samples: a leak shows as a steady climb, GC as noise around it.
  const ms = rss.filter((r) => r.phase === 'measured');
  const mx = ms.reduce((a, r) => a + r.t, 0) / Math.max(ms.length, 1);
  const my = ms.reduce((a, r) => a + r.mb, 0) / Math.max(ms.length, 1);
  const slopePerMin = (ms.reduce((a, r) => a + (r.t - mx) * (r.mb - my), 0) / Math.max(ms.reduce((a, r) => a + (r.t - mx) ** 2, 0), 1e-9)) * 60;
  const rssInfo = { trendMbPerMinute: slopePerMin, startMb: rssStart, afterSeedMb: rssSeeded, endOfWarmupMb: rssWarm, maxMb: rssMax, endMb: rssEnd, peakVmHwmMb: rssPeak, growthAfterWarmupMb: growth, growthAfterWarmupPct: (growth / rssWarm) * 100, measuredMinMb: Math.min(...measuredRss) };

  // ---- table
  const ORDER = ['health/live', 'health/ready', 'modules', 'useractions JSON', 'useractions CSV', 'userActionsAggregated JSON', 'userActionsAggregated JSON +', 'userActionsAggregated CSV', 'configurations JSON', 'configurations CSV (3', 'configurations CSV (last', 'configurations CSV burst', '(new', '(re-sent', 'PUT users', 'DELETE users', 'final'];
  const rank = (name: string) => {
    let best = -1;
    ORDER.forEach((o, i) => {
      if (name.includes(o) && (best < 0 || o.length > ORDER[best].length)) best = i;
    });
    return best;
  };
  const classes = [...stats.entries()].sort(([a], [b]) => rank(a) - rank(b));
  let totalReq = 0;
  let totalMeasured = 0;
  const lines = classes.map(([name, s]) => {
    totalReq += s.requests;
    totalMeasured += s.requests - s.warmupRequests;
    const st = Object.entries(s.statuses)
      .sort()
      .map(([k, v]) => `${k}: ${fmt(v)}`)
      .join(', ');
    const measured = s.requests - s.warmupRequests;
    return `| ${name} | ${fmt(s.requests)} | ${st} | ${fmt(s.tooMany)} | ${fmt(pct(s.latencies, 50), 1)} | ${fmt(pct(s.latencies, 95), 1)} | ${fmt(pct(s.latencies, 99), 1)} | ${fmt(s.latencies.length ? Math.max(...s.latencies) : NaN, 1)} | ${name.startsWith('final') || name.includes('burst') ? '' : fmt(measured / measuredSeconds, 1)} |`;
  });
  const allStatuses: Record<string, number> = {};
  for (const [, s] of classes) for (const [k, v] of Object.entries(s.statuses)) allStatuses[k] = (allStatuses[k] ?? 0) + v;
  const table = [
    '| request class | requests | statuses | 429 | p50 ms | p95 ms | p99 ms | max ms | req/s (measured) |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|',
    ...lines,
    `| **total** | **${fmt(totalReq)}** | ${Object.entries(allStatuses)
      .sort()
      .map(([k, v]) => `${k}: ${fmt(v)}`)
      .join(', ')} | ${fmt(tooManyTotal)} | | | | | ${fmt(totalMeasured / measuredSeconds, 1)} |`,
  ].join('\n');
  const checkTable = ['| check | value | expected | passed |', '|---|---|---|---|', ...checks.map((c) => `| ${c.check} | ${c.value} | ${c.expected} | ${c.ok ? 'yes' : '**NO**'} |`)].join('\n');
  const passed = checks.every((c) => c.ok);
  const wall = (performance.now() - started) / 1000;

  let md = `# Soak ${startedAt.toISOString()} on ${hostname()} — ${passed ? 'PASSED' : 'FAILED'}\n\n`;
  md += `Command: \`npm run soak${args.length ? ` -- ${args.join(' ')}` : ''}\`\n\n`;
  md += `Service: compiled \`node dist/main.js\` on loopback port ${PORT}, LOG_LEVEL=warn, STATISTICS_TIME_ZONE=${TIME_ZONE}, ROLLUP_ENABLED=false, development JWT secret. `;
  md += `Database: ${database}. Machine: ${cpus().length} CPUs, shared with other jobs (latencies move with their load).\n\n`;
  md += `Seed: ${fmt(seeded.events)} events (tenant 1: ${fmt(SEED_EVENTS[1])}, tenants 2–10: ${fmt(SEED_EVENTS[2])} each, last ${SEED_DAYS} days, module 3, part lists on saves) through \`POST tenants/:id/useractions\` in batches of 1000, ${SEED_CLIENTS} clients: ${seeded.seconds.toFixed(1)} s (${fmt(seeded.events / seeded.seconds)} events/s); ${seeded.users} directory users.\n\n`;
  md += `Traffic: ${WARMUP_S} s warm-up, then ${DURATION_S} s measured (latencies and req/s are of the measured part and of successful answers; requests and statuses include the warm-up); ${Object.values(LOOPS).reduce((a, l) => a + l.workers, 0)} workers, each looping over one request class with a pause. Rollup pass at half of the measured time, ${BURST} concurrent exports of tenant 1 at three quarters. 429 answers are honoured (the worker waits Retry-After) and are not errors.\n\n`;
  md += `${table}\n\n${checkTable}\n\n`;
  md += `Machine load: 1-minute load average ${fmt(loadWarm, 1)} at the end of the warm-up, ${fmt(loadEnd, 1)} at the end (${cpus().length} CPUs); the service used ${fmt(serviceCpu, 0)} CPU seconds in the ${fmt(measuredSeconds, 0)} measured seconds (${fmt((serviceCpu / measuredSeconds) * 100, 0)} % of one core).\n\n`;
  md += `RSS of the service (VmRSS, sampled every second): ${fmt(rssStart)} MB after start, ${fmt(rssSeeded)} MB after seeding, **${fmt(rssWarm)} MB at the end of the warm-up, ${fmt(rssMax)} MB max, ${fmt(rssEnd)} MB at the end** (VmHWM ${fmt(rssPeak)} MB); growth after the warm-up **${growth >= 0 ? '+' : ''}${fmt(growth, 1)} MB (${growth >= 0 ? '+' : ''}${fmt(rssInfo.growthAfterWarmupPct, 1)} %)**; trend over the measured samples ${slopePerMin >= 0 ? '+' : ''}${fmt(slopePerMin, 2)} MB/min (least squares, ${ms.length} samples, min ${fmt(rssInfo.measuredMinMb)} MB).\n\n`;
  if (failures.length) md += `First failures:\n\n${failures.slice(0, 20).map((f) => `- ${f.replace(/\|/g, '\\|')}`).join('\n')}\n\n`;
  if (errLines.count) md += `Service log errors (first ${errLines.sample.length}):\n\n${errLines.sample.map((l) => `    ${l}`).join('\n')}\n\n`;
  md += `Total wall time: ${wall.toFixed(0)} s.\n`;

  const date = startedAt.toISOString().slice(0, 10);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${date}-soak${SQLITE ? '-sqlite' : ''}`);
  writeFileSync(`${base}.md`, md);
  writeFileSync(
    `${base}.json`,
    JSON.stringify(
      {
        args,
        startedAt,
        passed,
        database,
        port: PORT,
        seed: { ...seeded, perTenant: SEED_EVENTS, days: SEED_DAYS, prngSeed: SEED },
        warmupSeconds: WARMUP_S,
        durationSeconds: DURATION_S,
        measuredSeconds,
        classes: Object.fromEntries(
          classes.map(([name, s]) => [
            name,
            { requests: s.requests, warmupRequests: s.warmupRequests, statuses: s.statuses, tooMany: s.tooMany, failures: s.failures, p50ms: pct(s.latencies, 50), p95ms: pct(s.latencies, 95), p99ms: pct(s.latencies, 99), maxMs: s.latencies.length ? Math.max(...s.latencies) : null },
          ]),
        ),
        totals: { requests: totalReq, fiveXX, networkErrors, unexpected, tooMany: tooManyTotal, retryAfterValues: [...retryAfterSeen] },
        ingestion: { accepted, acceptedTotal, ...ingestTally },
        database_counts: counts,
        api: { userActions: apiUserActions, aggregated: apiAggregated },
        rollup,
        burst: burstResult,
        rss: { ...rssInfo, samples: rss },
        machine: { cpus: cpus().length, loadavgEndOfWarmup: loadWarm, loadavgEnd: loadEnd, serviceCpuSecondsMeasured: serviceCpu },
        checks,
        failures,
        serviceLog: { errorLines: errLines.count, sample: errLines.sample, file: serviceLog },
        wallSeconds: wall,
      },
      null,
      2,
    ),
  );
  console.log(md);
  console.error(`results: ${base}.md and .json; service log ${serviceLog}`);
  cleanup();
  process.exit(passed ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  stopping = true;
  if (child && !childExit) child.kill('SIGKILL');
  if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
  process.exit(1);
});
