// npm run bench -- [--scale 1] [--reuse] [--seed 7] [--only A,B,…] [--growth] [--growth-scales 0.25,0.5] [--dataset zipf|uniform]
// Benchmark of the compiled service against MariaDB/MySQL with side-by-side baselines.
// See bench/README.md for the scenarios, targets and how to read the table.
import { API } from '../test/support/client-core';
import { ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { sign } from 'jsonwebtoken';
import { createConnection, Connection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { createCliContext } from '../src/cli/cli.module';
import { FixedClock } from '../src/common/clock';
import { loadConfig } from '../src/config/app-config';
import { ServiceProcess } from '../test/support/service-process';
import { DatasetSpec, datasetSize, EventFactory, generateDataset, LARGE_TENANT, POPULARITIES, Popularity, rollUpDataset } from './dataset';
import { BenchRow, fetchCounted, peakRssMb, pct, resetPeak, windowBefore } from './scenarios/common';
import { AGGREGATED_SCENARIOS, aggregatedScenarios, CONFIGURATION_SCENARIOS, configurationScenarios, ROLLUP_SCENARIOS, rollupScenario } from './scenarios';

const args = process.argv.slice(2);
const USAGE = 'usage: npm run bench -- [--scale 1] [--reuse] [--seed 7] [--only A,B,…] [--growth] [--growth-scales 0.25,0.5] [--dataset zipf|uniform]';
const KNOWN = new Set(['--scale', '--reuse', '--seed', '--only', '--growth', '--growth-scales', '--dataset']);
// A pasted usage line (`[--scale 1]`) must not silently run the full benchmark.
for (const a of args) if ((a.startsWith('-') || a.startsWith('[')) && !KNOWN.has(a)) fail(`unknown argument ${a}\n${USAGE}`);
const flag = (name: string) => args.includes(`--${name}`);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const SCALE = Number(opt('scale', '1'));
const SEED = Number(opt('seed', '7'));
const ONLY = opt('only', [...new Set([...'ABCDEFGH', ...AGGREGATED_SCENARIOS, ...CONFIGURATION_SCENARIOS, ...ROLLUP_SCENARIOS])].join(',')).split(',');
const DATASET = opt('dataset', 'zipf') as Popularity;
if (!POPULARITIES.includes(DATASET)) fail(`--dataset must be one of ${POPULARITIES.join(', ')}\n${USAGE}`);
const GROWTH_SCALES = opt('growth-scales', '0.25,0.5').split(',').map(Number);
if (GROWTH_SCALES.some((s) => !(s > 0))) fail(`--growth-scales must be positive numbers, e.g. 0.25,0.5\n${USAGE}`);
const ROOT = join(__dirname, '..');
// Fresh connections: a kept-alive socket that idled through a long baseline query may be closed by
// the server (keepAliveTimeout) just as it is reused.
const agent = new http.Agent({ keepAlive: false });

function fail(msg: string): never {
  console.error(msg);
  process.exit(1);
}

const baseUrl = process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/statistics_bench';
function dbUrlForScale(scale: number): URL {
  const url = new URL(baseUrl);
  const name = url.pathname.replace(/^\//, '');
  if (!name.includes('bench')) fail(`refusing BENCH_DATABASE_URL database "${name}": its name must contain "bench"`);
  if (scale !== 1) url.pathname = `/${name}_s${String(scale).replace('.', '_')}`;
  if (DATASET !== 'zipf') url.pathname += `_${DATASET}`;
  return url;
}

async function admin(url: URL): Promise<Connection> {
  return createConnection({ host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) });
}

function bar(label: string, done: number, total: number, started: number) {
  const secs = (performance.now() - started) / 1000;
  const rate = done / Math.max(secs, 0.001);
  const eta = rate > 0 ? (total - done) / rate : 0;
  const width = 30;
  const filled = Math.round((done / total) * width);
  const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${Math.round(rate)} rows/s ETA ${Math.round(eta)} s`;
  process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
}

/** Creates (or reuses) the dataset for a scale; returns its spec. */
async function prepareDataset(scale: number): Promise<DatasetSpec> {
  const url = dbUrlForScale(scale);
  const dbName = url.pathname.slice(1);
  const conn = await admin(url);
  const wanted = { scale, seed: SEED, dataset: DATASET };
  if (flag('reuse')) {
    try {
      const [rows] = await conn.query(`SELECT spec FROM \`${dbName}\`.bench_meta`);
      const spec = JSON.parse((rows as Array<{ spec: string }>)[0].spec);
      const ageH = (Date.now() - Date.parse(spec.now)) / 3600_000;
      if (spec.scale === scale && spec.seed === SEED && (spec.dataset ?? 'uniform') === DATASET && ageH < 20) {
        console.error(`reusing dataset ${dbName} generated at ${spec.now}`);
        await conn.end();
        return { ...spec, now: new Date(spec.now) };
      }
      console.error(`dataset ${dbName} does not match (or is older than 20 h); regenerating`);
    } catch {
      console.error(`no reusable dataset in ${dbName}; generating`);
    }
  }
  await conn.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await conn.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  const spec: DatasetSpec = { ...wanted, now: new Date() };
  const config = loadConfig({ DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' });
  const app = await createCliContext(config, { clock: new FixedClock(spec.now) });
  const ds = app.get(DataSource);
  const t0 = performance.now();
  let lastBar = 0;
  const n = await generateDataset(app, spec, (done, total) => {
    if (done - lastBar >= 20000 || done === total) {
      lastBar = done;
      bar(`generate scale ${scale}`, done, total, t0);
    }
  });
  process.stderr.write('\n');
  const genSecs = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  let lastShown = 0;
  const summary = await rollUpDataset(app, spec, (rows) => {
    if (performance.now() - lastShown > 2000) {
      lastShown = performance.now();
      process.stderr.write(`rollup: ${rows} rows read for the current tenant/step\n`);
    }
  });
  const rollSecs = (performance.now() - t1) / 1000;
  console.error(`generated ${n} events in ${genSecs.toFixed(1)} s (${Math.round(n / genSecs)} ev/s); rollup ${summary.rowsRead} rows in ${rollSecs.toFixed(1)} s (${Math.round(summary.rowsRead / rollSecs)} rows/s)`);
  await ds.query('CREATE TABLE bench_meta (spec TEXT NOT NULL)');
  await ds.query('INSERT INTO bench_meta (spec) VALUES (?)', [JSON.stringify({ ...spec, generateSeconds: genSecs, rollup: summary })]);
  await app.close();
  await conn.end();
  return spec;
}

interface Service {
  proc: ChildProcess;
  port: number;
  token: string;
  stop(): Promise<void>;
  /** A fresh process; `env` replaces the extra environment of the next launches. */
  restart(env?: Record<string, string>): Promise<void>;
}

/**
 * Every scenario measures the computation of its answer: the answer cache (which answers a
 * repeated question about unchanged data from the process) is off, except in D's second row.
 */
const DEFAULT_SERVICE_ENV = { ANSWER_CACHE_ENTRIES: '0' };

async function startService(url: URL): Promise<Service> {
  const port = 3900 + Math.floor(Math.random() * 90);
  const secret = randomBytes(32).toString('hex');
  let extra: Record<string, string> = DEFAULT_SERVICE_ENV;
  const launch = (): Promise<ServiceProcess> =>
    ServiceProcess.start({
      root: ROOT,
      port,
      baseEnv: process.env,
      database: { type: 'mysql', url: url.toString() },
      env: { JWT_SECRET: secret, LOG_LEVEL: 'warn', ROLLUP_ENABLED: 'false', NODE_ENV: 'production', ...extra },
      echoStderr: true,
      readyTimeoutMs: 60_000,
    });
  const tenants = [...Array.from({ length: 50 }, (_, i) => i + 1), ...INGESTION_SHAPES.map((shape) => shape.tenants[0])];
  const token = sign({ rights: Object.fromEntries(tenants.map((t) => [String(t), ['TENANT_STATISTICS']])), scope: 'statistics:ingest' }, secret, {
    algorithm: 'HS256',
    expiresIn: 7200,
    subject: 'bench',
  });
  const current = { service: await launch() };
  const svc: Service = {
    proc: current.service.child,
    port,
    token,
    // SIGTERM, and a SIGKILL only when the shutdown hangs for 10 minutes.
    stop: async () => void (await current.service.stop(600_000)),
    restart: async (env?: Record<string, string>) => {
      if (env) extra = env;
      await svc.stop();
      current.service = await launch();
      svc.proc = current.service.child;
    },
  };
  return svc;
}

/** GET that consumes the body; resolves with status, bytes and line count. */
const get = (port: number, path: string, token: string, accept = 'application/json') => fetchCounted(port, path, token, accept);

function post(port: number, path: string, token: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request(
      { agent, host: '127.0.0.1', port, path, method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': data.length } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 202 ? resolve(202) : reject(new Error(`POST ${path} → ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * GET asking for a content coding; counts the bytes on the wire and the lines once decoded
 * (the client decodes, as a browser would).
 */
function getEncoded(port: number, path: string, token: string, accept: string, encoding: 'identity' | 'gzip' | 'br'): Promise<{ wire: number; lines: number; coding: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ agent, host: '127.0.0.1', port, path, headers: { Authorization: `Bearer ${token}`, Accept: accept, 'Accept-Encoding': encoding } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`GET ${path} → ${res.statusCode}`));
      const coding = String(res.headers['content-encoding'] ?? 'identity');
      let wire = 0;
      let lines = 0;
      res.on('data', (chunk: Buffer) => (wire += chunk.length));
      const body = coding === 'gzip' ? res.pipe(createGunzip()) : coding === 'br' ? res.pipe(createBrotliDecompress()) : res;
      body.on('data', (chunk: Buffer) => {
        for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
      });
      body.on('end', () => resolve({ wire, lines, coding }));
      body.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, utime 14, stime 15 → indexes 11 and 12 here.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function timeIt(n: number, warm: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warm; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/** A row of the report table. */
export type Row = BenchRow;

async function runScenarios(scale: number, spec: DatasetSpec, only: string[]): Promise<Row[]> {
  const url = dbUrlForScale(scale);
  const svc = await startService(url);
  const sql = await createConnection({ uri: url.toString(), timezone: 'Z', decimalNumbers: true });
  const rows: Row[] = [];
  // The scenario modules read the service through this (E restarts it).
  const handle = () => ({ port: svc.port, token: svc.token, pid: svc.proc.pid! });
  try {
    rows.push(...(await aggregatedScenarios(handle, sql, spec, only)));
    if (only.includes('C')) {
      console.error('scenario C…');
      const path = `${API}/tenants/${LARGE_TENANT}/useractions`;
      resetPeak(svc.proc.pid!);
      const svcT = await timeIt(20, 2, () => get(svc.port, path, svc.token));
      const peak = peakRssMb(svc.proc.pid!);
      const naive = `SELECT module, action, DATE_FORMAT(created, '%Y-%m') AS month, MIN(created) AS date, SUM(count) AS count FROM user_action WHERE tenant = ? GROUP BY module, action, month`;
      const baseT = await timeIt(3, 1, () => sql.query(naive, [LARGE_TENANT]));
      const ratio = pct(baseT, 50) / pct(svcT, 50);
      rows.push({ scenario: 'C', what: 'useractions, large tenant, all time', p50ms: pct(svcT, 50), p99ms: pct(svcT, 99), peakRssMb: peak, baseline: 'naive monthly GROUP BY (mysql2)', baselineValue: pct(baseT, 50), ratio, target: '≥ 10× faster', met: ratio >= 10 });
    }
    if (only.includes('D')) {
      console.error('scenario D…');
      // A's question over the last 30 days: a window that holds data whatever the date of the run.
      const w = windowBefore(spec.now, 30);
      const path = `${API}/tenants/${LARGE_TENANT}/userActionsAggregated?module=3&from=${encodeURIComponent(w.from)}&to=${encodeURIComponent(w.to)}`;
      const load = (p: string) =>
        autocannon({ url: `http://127.0.0.1:${svc.port}${p}`, connections: 32, duration: 20, headers: { Authorization: `Bearer ${svc.token}` } });
      const ceiling = await load(`${API}/health/live`);
      for (const cache of [false, true]) {
        if (cache) await svc.restart({ ANSWER_CACHE_ENTRIES: '200000' });
        resetPeak(svc.proc.pid!);
        const a = await load(path);
        const peak = peakRssMb(svc.proc.pid!);
        const errors = a.errors + a.non2xx + a.timeouts;
        const ratio = a.requests.average / ceiling.requests.average;
        rows.push({
          scenario: 'D',
          what: cache
            ? 'A (last 30 days) under 32 connections for 20 s (autocannon), answer cache on: the same question about unchanged data, answered from the process after the first'
            : 'A (last 30 days) under 32 connections for 20 s (autocannon), answer cache off: every request computed',
          p50ms: a.latency.p50,
          p99ms: a.latency.p99,
          rps: a.requests.average,
          peakRssMb: peak,
          baseline: 'health/live under the same load (req/s)',
          baselineValue: ceiling.requests.average,
          ratio,
          target: '≥ 0.30 of ceiling, no errors',
          met: ratio >= 0.3 && errors === 0,
          note: `${a.requests.total} requests, ${errors} errors/non-2xx/timeouts`,
        });
      }
      await svc.restart(DEFAULT_SERVICE_ENV);
    }
    if (only.includes('E')) {
      console.error('scenario E…');
      // A fresh process, so the peak RSS is the export's and not what earlier load left behind.
      await svc.restart();
      const { from, to } = windowBefore(spec.now, 30);
      const path = `${API}/tenants/${LARGE_TENANT}/configurations?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
      resetPeak(svc.proc.pid!);
      const t = performance.now();
      const res = await get(svc.port, path, svc.token, 'text/csv');
      const secs = (performance.now() - t) / 1000;
      const peak = peakRssMb(svc.proc.pid!);
      const exported = res.lines; // header + rows − no trailing newline
      const cli = exportBaseline(url, from, to);
      const ratio = exported / secs / cli.rowsPerSec;
      rows.push({
        scenario: 'E',
        what: `configurations CSV export, ${exported} rows (${Math.round(res.bytes / 1e6)} MB)`,
        p50ms: secs * 1000,
        rowsPerSec: exported / secs,
        peakRssMb: peak,
        baseline: `mariadb --batch, same rows to a file (rows/s)`,
        baselineValue: cli.rowsPerSec,
        ratio,
        target: '≥ 0.5× client rows/s, RSS < 250 MB',
        met: ratio >= 0.5 && peak < 250,
      });
    }
    if (only.includes('H')) {
      console.error('scenario H…');
      // E's export with and without compression, alternated twice in one run; the service's CPU from /proc.
      const { from, to } = windowBefore(spec.now, 30);
      const path = `${API}/tenants/${LARGE_TENANT}/configurations?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
      await getEncoded(svc.port, path, svc.token, 'text/csv', 'identity'); // warm-up
      const runs: Record<string, Array<{ secs: number; cpu: number; wire: number; lines: number }>> = { identity: [], gzip: [], br: [] };
      for (let round = 0; round < 2; round++) {
        for (const enc of ['identity', 'gzip', 'br'] as const) {
          const cpu0 = cpuSeconds(svc.proc.pid!);
          const t = performance.now();
          const r = await getEncoded(svc.port, path, svc.token, 'text/csv', enc);
          const secs = (performance.now() - t) / 1000;
          if (r.coding !== enc) throw new Error(`asked for ${enc}, got ${r.coding}`);
          runs[enc].push({ secs, cpu: cpuSeconds(svc.proc.pid!) - cpu0, wire: r.wire, lines: r.lines });
        }
      }
      const best = (enc: string) => runs[enc].reduce((a, b) => (b.secs < a.secs ? b : a));
      const plain = best('identity');
      for (const enc of ['identity', 'gzip', 'br']) {
        const b = best(enc);
        const cpuAvg = runs[enc].reduce((n, r) => n + r.cpu, 0) / runs[enc].length;
        rows.push({
          scenario: 'H',
          what: `configurations CSV export, ${b.lines} rows, Accept-Encoding: ${enc} (${(b.wire / 1e6).toFixed(1)} MB on the wire)`,
          p50ms: b.secs * 1000,
          rowsPerSec: b.lines / b.secs,
          baseline: 'the same export uncompressed (rows/s)',
          baselineValue: plain.lines / plain.secs,
          ratio: b.lines / b.secs / (plain.lines / plain.secs),
          target: 'report',
          note: `service CPU ${cpuAvg.toFixed(2)} s per export = ${((cpuAvg / b.lines) * 1e6).toFixed(1)} µs/row; best of 2, CPU the mean of 2`,
        });
      }
    }
    if (only.includes('F')) {
      console.error('scenario F…');
      const { from, to } = windowBefore(spec.now, 30);
      const base = `${API}/tenants/${LARGE_TENANT}/configurations?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=1000`;
      const first = await timeIt(10, 1, () => get(svc.port, `${base}&offset=0`, svc.token));
      const deep = await timeIt(10, 1, () => get(svc.port, `${base}&offset=500000`, svc.token));
      const ratio = pct(deep, 50) / pct(first, 50);
      rows.push({ scenario: 'F', what: 'configurations JSON, deep page (offset 500,000, limit 1000)', p50ms: pct(deep, 50), p99ms: pct(deep, 99), baseline: 'first page (offset 0) p50 ms', baselineValue: pct(first, 50), ratio, target: 'deep ≈ first (report)', met: ratio <= 3, note: 'ratio = deep / first (lower is better)' });
    }
    if (only.includes('G')) {
      console.error('scenario G…');
      rows.push(await ingestionScenario(svc, url, INGESTION_SHAPES[0]));
      rows.push(await ingestionScenario(svc, url, INGESTION_SHAPES[1]));
    }
    rows.push(...(await configurationScenarios(handle, sql, url, spec, only)));
    if (only.includes('R')) rows.push(await rollupScenario(url, spec));
  } finally {
    await sql.end();
    await svc.stop();
  }
  return rows;
}

function exportBaseline(url: URL, from: string, to: string): { rowsPerSec: number; rows: number } {
  const query = `SELECT ua.action_id, ua.action_label, DATE_FORMAT(ua.created, '%Y-%m-%dT%H:%i:%s.%fZ'), ca.name, ua.action_parameter, ua.count, ua.aggregation_level, cs.thumbnail, cs.part_list, cs.plan_combined_ids, du.email
    FROM user_action ua
    JOIN catalog_action ca ON ca.module = ua.module AND ca.action = ua.action AND ca.configuration_action = 1
    LEFT JOIN configuration_snapshot cs ON cs.tenant = ua.tenant AND cs.configuration_id = ua.action_id
    LEFT JOIN directory_user du ON du.user_id = ua.user_id AND ua.aggregation_level = 0 AND du.statistics_consent = 1
    WHERE ua.tenant = ${LARGE_TENANT} AND ua.created >= '${from.replace('T', ' ').replace('Z', '')}' AND ua.created < '${to.replace('T', ' ').replace('Z', '')}'
    ORDER BY ca.name ASC, ua.created DESC, ua.id DESC`;
  const out = join('/tmp', `bench-export-${process.pid}.tsv`);
  const t = performance.now();
  const res = spawnSync('sh', ['-c', `mariadb --batch -h ${url.hostname} -P ${url.port || 3306} -u ${decodeURIComponent(url.username)} ${url.password ? `-p${decodeURIComponent(url.password)}` : ''} ${url.pathname.slice(1)} -e "$Q" > ${out}`], { env: { ...process.env, Q: query } });
  const secs = (performance.now() - t) / 1000;
  if (res.status !== 0) throw new Error(`mariadb --batch failed: ${res.stderr}`);
  const rows = Number(execFileSync('wc', ['-l', out]).toString().trim().split(' ')[0]) - 1;
  return { rowsPerSec: rows / secs, rows };
}

/**
 * G's two shapes of batch: events spread over the last 20 days (the target's row: the most
 * summary rows a batch can touch, ≈ one `stat_day_cd`/`stat_day_lcd` row per event), and a live
 * tracker's batches (created in the last 10 minutes: one local day, so the summary rows of a batch
 * are the distinct keys of its events). Each has its own pair of tenants (service, direct insert).
 */
interface IngestionShape {
  label: string;
  spanMs: number;
  tenants: [number, number];
}
const INGESTION_SHAPES: IngestionShape[] = [
  { label: 'events spread over 20 days', spanMs: 20 * 86_400_000, tenants: [900, 901] },
  { label: 'live events (created in the last 10 minutes)', spanMs: 10 * 60_000, tenants: [902, 903] },
];

async function ingestionScenario(svc: Service, url: URL, shape: IngestionShape): Promise<Row> {
  const TOTAL = 100_000;
  const ROUNDS = 2;
  const factory = new EventFactory(SEED + 1);
  const [httpTenant, directTenant] = shape.tenants;
  const batches = (tenant: number, round: number) => {
    const now = Date.now();
    const out: ReturnType<EventFactory['event']>[][] = [];
    for (let b = 0; b < TOTAL / 1000; b++) {
      const evs = [];
      for (let i = 0; i < 1000; i++) {
        const e = factory.event(tenant, b * 1000 + i, new Date(now - Math.floor(Math.random() * shape.spanMs)));
        e.eventId = `g-${tenant}-${now}-${round}-${b}-${i}`;
        evs.push(e);
      }
      out.push(evs);
    }
    return out;
  };
  /** 4 workers taking the next batch until none is left; the rows/s of the whole. */
  const drain = async <C>(clients: C[], work: ReturnType<typeof batches>, send: (client: C, batch: ReturnType<typeof batches>[number]) => Promise<unknown>) => {
    const t = performance.now();
    let next = 0;
    await Promise.all(clients.map(async (client) => {
      while (next < work.length) await send(client, work[next++]);
    }));
    return TOTAL / ((performance.now() - t) / 1000);
  };
  const viaHttp = (round: number) =>
    drain([0, 1, 2, 3], batches(httpTenant, round), (_, b) => post(svc.port, `${API}/tenants/${httpTenant}/useractions`, svc.token, { userActions: b }));
  const direct = async (round: number) => {
    const work = batches(directTenant, round);
    const conns = await Promise.all(Array.from({ length: 4 }, () => createConnection({ uri: url.toString(), timezone: 'Z' })));
    try {
      return await drain(conns, work, (c, b) => {
        const values = b.map((e) => [directTenant, e.module, e.action, e.created, 0, 1, e.country ?? null, e.device ?? null, e.actionLabel ?? null, e.actionId ?? null, null, e.userId ?? null, e.eventId]);
        return c.query(
          'INSERT INTO user_action (tenant, module, action, created, aggregation_level, count, country, device, action_label, action_id, action_parameter, user_id, event_id) VALUES ?',
          [values],
        );
      });
    } finally {
      await Promise.all(conns.map((c) => c.end()));
    }
  };
  // Alternated (service, direct, direct, service), best of each side: the phase that follows a
  // 100,000-row write pays for flushing its dirty pages (a 128 MB buffer pool under a larger
  // table), so a fixed order would favour one side (docs/performance.md, "Ingestion").
  const httpRates: number[] = [];
  const directRates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      httpRates.push(await viaHttp(round));
      directRates.push(await direct(round));
    } else {
      directRates.push(await direct(round));
      httpRates.push(await viaHttp(round));
    }
  }
  const httpRate = Math.max(...httpRates);
  const directRate = Math.max(...directRates);
  const ratio = httpRate / directRate;
  const all = (xs: number[]) => xs.map((x) => fmt(x)).join(' / ');
  return {
    scenario: 'G',
    what: `ingestion over HTTP, ${TOTAL} events, batches of 1000, 4 clients, ${shape.label}`,
    rowsPerSec: httpRate,
    baseline: 'multi-row INSERT via mysql2, 4 connections (rows/s)',
    baselineValue: directRate,
    ratio,
    target: '≥ 0.5× direct',
    met: ratio >= 0.5,
    note: `alternated, best of ${ROUNDS} each: service ${all(httpRates)}, direct ${all(directRates)} rows/s`,
  };
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined || Number.isNaN(n) ? '' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function table(rows: Row[]): string {
  const head = '| scenario | what | p50 ms | p99 ms | req/s | rows/s | peak RSS MB | baseline | baseline value | ratio | target | met |';
  const sep = '|---|---|---:|---:|---:|---:|---:|---|---:|---:|---|---|';
  return [head, sep, ...rows.map((r) => `| ${r.scenario} | ${r.what}${r.note ? ` (${r.note})` : ''} | ${fmt(r.p50ms, 1)} | ${fmt(r.p99ms, 1)} | ${fmt(r.rps)} | ${fmt(r.rowsPerSec)} | ${fmt(r.peakRssMb)} | ${r.baseline ?? ''} | ${fmt(r.baselineValue, 1)} | ${fmt(r.ratio, 2)} | ${r.target ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : 'NO'} |`)].join('\n');
}

async function main() {
  const started = performance.now();
  console.error('building the service (npm run build)…');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  const results: Record<string, Row[]> = {};
  const specs: Record<string, DatasetSpec> = {};
  const spec = await prepareDataset(SCALE);
  specs[String(SCALE)] = spec;
  results[String(SCALE)] = await runScenarios(SCALE, spec, ONLY);
  if (flag('growth')) {
    for (const s of GROWTH_SCALES) {
      const sp = await prepareDataset(s);
      specs[String(s)] = sp;
      results[String(s)] = await runScenarios(s, sp, ['A', 'E', ...AGGREGATED_SCENARIOS.filter((x) => x !== 'A' && x !== 'B')]);
    }
  }
  const date = new Date().toISOString().slice(0, 10);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  // A run below scale 0.1 is a smoke run: its file says so, as it says a non-default dataset.
  const base = join(dir, `${date}-${hostname()}${SCALE < 0.1 ? `-smoke-s${SCALE}` : SCALE !== 1 ? `-s${SCALE}` : ''}${DATASET !== 'zipf' ? `-${DATASET}` : ''}`);
  const size = datasetSize(spec);
  let md = `# Benchmark ${new Date().toISOString()} on ${hostname()}\n\n`;
  md += `Command: \`npm run bench -- ${args.join(' ')}\`\n\n`;
  md += `Dataset **${DATASET}** (configuration ids and configurators ${DATASET === 'zipf' ? 'Zipf-distributed, exponent 1' : 'uniform: the worst case for per-item summaries'}; scale ${SCALE}, seed ${SEED}): large tenant ${LARGE_TENANT} with ${size.largeRecent} real-time rows in the last 30 days and ${size.historyMonths} months × ${size.largeHistoryPerMonth} events of history rolled up; 49 small tenants × ${size.smallRecent}.\n\n`;
  for (const [s, rows] of Object.entries(results)) md += `## Scale ${s}\n\n${table(rows)}\n\n`;
  md += `Total wall time: ${((performance.now() - started) / 1000).toFixed(0)} s.\n`;
  writeFileSync(`${base}.md`, md);
  writeFileSync(`${base}.json`, JSON.stringify({ args, specs, results }, null, 2));
  console.log(md);
  console.error(`results: ${base}.md and .json`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
