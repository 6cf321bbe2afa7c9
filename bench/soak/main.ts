// npm run soak -- [--duration 300] [--warmup 30] [--sqlite] [--no-build] [--seed 7] [--port 3990]
// Mixed-traffic soak of the compiled service on loopback: seeds a base dataset through the write
// API, then runs bounded traffic on every route (reads in JSON and CSV, ingestion with re-sent
// batches, directory writes, a rollup pass in the middle, a burst of concurrent exports), samples
// the service's RSS every second and checks exactly-once storage at the end. Fails (exit 1) on any
// 5xx, network error, unexpected status or body, or failed check. See bench/README.md.
//
// The parts, by role: options.ts (command line, constants), database.ts, service.ts (the
// compiled service through test/support/service-process.ts), http.ts and recorder.ts (requests
// and their statistics), workload.ts (seed, what was accepted), traffic.ts (the request loops,
// the burst), rollup.ts, timeline.ts (warm-up, measured time, RSS sampling), checks.ts, report.ts.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { soakChecks } from './checks';
import { dbCounts, recreateDatabase, removeSqliteDir, SoakDatabase, soakDatabaseUrl } from './database';
import { SoakClient } from './http';
import { DAY, log, parseOptions, ROOT, SoakOptions, TENANTS } from './options';
import { jsonCheck, Recorder } from './recorder';
import { writeReport } from './report';
import { killService, serviceErrorLines, SoakService, startService, stopService } from './service';
import { runTraffic } from './timeline';
import { iso, q, trafficLoops, workerCount } from './traffic';
import { IngestLedger, seed } from './workload';

/** What Ctrl-C or a crash must clean up: the service and the temporary SQLite directory. */
interface Session {
  db?: SoakDatabase;
  svc?: SoakService;
}

function cleanup(session: Session): void {
  killService(session.svc);
  removeSqliteDir(session.db);
}

/** Totals per tenant through the read API (JSON; all time for useractions, the seeded span and more for the aggregated sums). */
async function apiTotals(rec: Recorder): Promise<{ userActions: Record<number, number>; aggregated: Record<number, number> }> {
  const userActions: Record<number, number> = {};
  const aggregated: Record<number, number> = {};
  const sum = (body: string) => JSON.parse(body).userActions.reduce((s: number, r: { count: number }) => s + r.count, 0);
  for (const t of TENANTS) {
    const a = await rec.call('final totals (useractions, userActionsAggregated)', 'GET', `/tenants/${t}/useractions`, { expect: 200, check: jsonCheck('userActions') });
    userActions[t] = a.reply ? sum(a.reply.body) : NaN;
    const range = q([
      ['from', iso(Date.now() - 60 * DAY)],
      ['to', iso(Date.now() + DAY)],
    ]);
    const b = await rec.call('final totals (useractions, userActionsAggregated)', 'GET', `/tenants/${t}/userActionsAggregated${range}`, { expect: 200, check: jsonCheck('userActions') });
    aggregated[t] = b.reply ? sum(b.reply.body) : NaN;
  }
  return { userActions, aggregated };
}

async function main(opts: SoakOptions, session: Session): Promise<void> {
  const started = performance.now();
  const startedAt = new Date();
  const url = soakDatabaseUrl(opts);
  const db = (session.db = await recreateDatabase(opts, url));
  log(`database: ${db.description}`);
  if (opts.build) {
    log('building the service (npm run build)…');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  }
  process.on('SIGINT', () => {
    cleanup(session);
    process.exit(130);
  });

  const client = new SoakClient(opts.port);
  const svc = (session.svc = await startService(opts, db, client));
  const service = svc.process;
  const rssStart = service.rssMb();
  log(`service pid ${service.pid} ready on port ${opts.port} (RSS ${rssStart.toFixed(0)} MB)`);
  client.token = service.token(TENANTS, { ingest: true, sub: 'soak', expiresInSeconds: 24 * 3600 });

  const ledger = new IngestLedger(opts.seed);
  const seeded = await seed(client, ledger);
  const rssSeeded = service.rssMb();
  log(`seeded ${seeded.events} events in ${seeded.seconds.toFixed(1)} s (${Math.round(seeded.events / seeded.seconds)} ev/s), ${seeded.users} directory users; RSS ${rssSeeded.toFixed(0)} MB`);

  const rec = new Recorder(client);
  const loops = trafficLoops(rec, ledger);
  const traffic = await runTraffic(opts, db, svc, rec, loops);
  const alive = !service.exited;
  const rssEnd = alive ? service.rssMb() : NaN;
  const rssPeak = alive ? service.rssMb('VmHWM') : NaN;
  const serviceCpu = alive ? service.cpuSeconds() - traffic.cpuWarm : NaN;
  const loadEnd = loadavg()[0];
  log(`traffic over; checking totals`);

  const api = !service.exited ? await apiTotals(rec) : { userActions: {}, aggregated: {} };
  const counts = await dbCounts(db);
  const aliveAtEnd = !service.exited;
  const stop = await stopService(svc);
  const errLines = serviceErrorLines(svc.logFile);
  const outcome = { rec, ledger, counts, api, rollup: traffic.rollup, burst: traffic.burst, aliveAtEnd, stop, errLines };
  const checks = soakChecks(outcome);

  const { md, passed, base } = writeReport({
    ...outcome,
    opts,
    startedAt,
    started,
    database: db,
    seeded,
    workers: workerCount(loops),
    traffic,
    rssStart,
    rssSeeded,
    rssEnd,
    rssPeak,
    serviceCpu,
    loadEnd,
    checks,
    serviceLog: svc.logFile,
  });
  console.log(md);
  console.error(`results: ${base}.md and .json; service log ${svc.logFile}`);
  cleanup(session);
  process.exit(passed ? 0 : 1);
}

const opts = parseOptions(process.argv.slice(2));
const session: Session = {};
main(opts, session).catch((err) => {
  console.error(err);
  cleanup(session);
  process.exit(1);
});
