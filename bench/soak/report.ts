import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Check, type Outcome, sumOverTenants } from './checks';
import type { SoakDatabase } from './database';
import { fmt, pct } from './format';
import { BURST, ROOT, SEED_CLIENTS, SEED_DAYS, SEED_EVENTS, SoakOptions, TIME_ZONE } from './options';
import type { RssSample, TrafficResult } from './timeline';

/** The soak's report: the request-class table, the checks, RSS and machine load, as Markdown on stdout and in bench/results (with a JSON twin). */

export interface SoakRun extends Outcome {
  opts: SoakOptions;
  startedAt: Date;
  /** performance.now() at the start (for the wall time). */
  started: number;
  database: SoakDatabase;
  seeded: { events: number; seconds: number; users: number };
  workers: number;
  traffic: TrafficResult;
  /** RSS (MB) after start and after seeding; at the end and the VmHWM peak (NaN when the service died). */
  rssStart: number;
  rssSeeded: number;
  rssEnd: number;
  rssPeak: number;
  serviceCpu: number;
  loadEnd: number;
  checks: Check[];
  serviceLog: string;
}

function rssSummary(run: SoakRun) {
  const rss: RssSample[] = run.traffic.rss;
  const rssWarm = run.traffic.rssWarm;
  const measuredRss = rss.filter((r) => r.phase === 'measured').map((r) => r.mb);
  const rssMax = Math.max(...rss.map((r) => r.mb));
  const growth = run.rssEnd - rssWarm;
  // Least-squares slope of the measured samples: a leak shows as a steady climb, GC as noise around it.
  const ms = rss.filter((r) => r.phase === 'measured');
  const mx = ms.reduce((a, r) => a + r.t, 0) / Math.max(ms.length, 1);
  const my = ms.reduce((a, r) => a + r.mb, 0) / Math.max(ms.length, 1);
  const slopePerMin = (ms.reduce((a, r) => a + (r.t - mx) * (r.mb - my), 0) / Math.max(ms.reduce((a, r) => a + (r.t - mx) ** 2, 0), 1e-9)) * 60;
  return {
    samples: ms.length,
    info: {
      trendMbPerMinute: slopePerMin,
      startMb: run.rssStart,
      afterSeedMb: run.rssSeeded,
      endOfWarmupMb: rssWarm,
      maxMb: rssMax,
      endMb: run.rssEnd,
      peakVmHwmMb: run.rssPeak,
      growthAfterWarmupMb: growth,
      growthAfterWarmupPct: (growth / rssWarm) * 100,
      measuredMinMb: Math.min(...measuredRss),
    },
  };
}

const ORDER = ['health/live', 'health/ready', 'modules', 'useractions JSON', 'useractions CSV', 'userActionsAggregated JSON', 'userActionsAggregated JSON +', 'userActionsAggregated CSV', 'configurations JSON', 'configurations CSV (3', 'configurations CSV (last', 'configurations CSV burst', '(new', '(re-sent', 'PUT users', 'DELETE users', 'final'];
function rank(name: string): number {
  let best = -1;
  ORDER.forEach((o, i) => {
    if (name.includes(o) && (best < 0 || o.length > ORDER[best].length)) best = i;
  });
  return best;
}

/** Writes bench/results/<date>-soak[-sqlite].md and .json; returns the Markdown, whether every check passed, and the files' base path. */
export function writeReport(run: SoakRun): { md: string; passed: boolean; base: string } {
  const { opts, rec, traffic, checks, errLines } = run;
  const measuredSeconds = traffic.measuredSeconds;
  const { samples, info: rssInfo } = rssSummary(run);
  const growth = rssInfo.growthAfterWarmupMb;
  const slopePerMin = rssInfo.trendMbPerMinute;

  const classes = [...rec.stats.entries()].sort(([a], [b]) => rank(a) - rank(b));
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
      .join(', ')} | ${fmt(rec.tooManyTotal)} | | | | | ${fmt(totalMeasured / measuredSeconds, 1)} |`,
  ].join('\n');
  const checkTable = ['| check | value | expected | passed |', '|---|---|---|---|', ...checks.map((c) => `| ${c.check} | ${c.value} | ${c.expected} | ${c.ok ? 'yes' : '**NO**'} |`)].join('\n');
  const passed = checks.every((c) => c.ok);
  const wall = (performance.now() - run.started) / 1000;
  const { seeded, rssStart, rssSeeded, rssEnd, rssPeak, serviceCpu, loadEnd } = run;
  const { rssWarm, loadWarm } = traffic;

  let md = `# Soak ${run.startedAt.toISOString()} on ${hostname()} — ${passed ? 'PASSED' : 'FAILED'}\n\n`;
  md += `Command: \`npm run soak${opts.args.length ? ` -- ${opts.args.join(' ')}` : ''}\`\n\n`;
  md += `Service: compiled \`node dist/main.js\` on loopback port ${opts.port}, LOG_LEVEL=warn, STATISTICS_TIME_ZONE=${TIME_ZONE}, ROLLUP_ENABLED=false, development JWT secret. `;
  md += `Database: ${run.database.description}. Machine: ${cpus().length} CPUs, shared with other jobs (latencies move with their load).\n\n`;
  md += `Seed: ${fmt(seeded.events)} events (tenant 1: ${fmt(SEED_EVENTS[1])}, tenants 2–10: ${fmt(SEED_EVENTS[2])} each, last ${SEED_DAYS} days, module 3, part lists on saves) through \`POST tenants/:id/useractions\` in batches of 1000, ${SEED_CLIENTS} clients: ${seeded.seconds.toFixed(1)} s (${fmt(seeded.events / seeded.seconds)} events/s); ${seeded.users} directory users.\n\n`;
  md += `Traffic: ${opts.warmupS} s warm-up, then ${opts.durationS} s measured (latencies and req/s are of the measured part and of successful answers; requests and statuses include the warm-up); ${run.workers} workers, each looping over one request class with a pause. Rollup pass at half of the measured time, ${BURST} concurrent exports of tenant 1 at three quarters. 429 answers are honoured (the worker waits Retry-After) and are not errors.\n\n`;
  md += `${table}\n\n${checkTable}\n\n`;
  md += `Machine load: 1-minute load average ${fmt(loadWarm, 1)} at the end of the warm-up, ${fmt(loadEnd, 1)} at the end (${cpus().length} CPUs); the service used ${fmt(serviceCpu, 0)} CPU seconds in the ${fmt(measuredSeconds, 0)} measured seconds (${fmt((serviceCpu / measuredSeconds) * 100, 0)} % of one core).\n\n`;
  md += `RSS of the service (VmRSS, sampled every second): ${fmt(rssStart)} MB after start, ${fmt(rssSeeded)} MB after seeding, **${fmt(rssWarm)} MB at the end of the warm-up, ${fmt(rssInfo.maxMb)} MB max, ${fmt(rssEnd)} MB at the end** (VmHWM ${fmt(rssPeak)} MB); growth after the warm-up **${growth >= 0 ? '+' : ''}${fmt(growth, 1)} MB (${growth >= 0 ? '+' : ''}${fmt(rssInfo.growthAfterWarmupPct, 1)} %)**; trend over the measured samples ${slopePerMin >= 0 ? '+' : ''}${fmt(slopePerMin, 2)} MB/min (least squares, ${samples} samples, min ${fmt(rssInfo.measuredMinMb)} MB).\n\n`;
  if (rec.failures.length) md += `First failures:\n\n${rec.failures.slice(0, 20).map((f) => `- ${f.replace(/\|/g, '\\|')}`).join('\n')}\n\n`;
  if (errLines.count) md += `Service log errors (first ${errLines.sample.length}):\n\n${errLines.sample.map((l) => `    ${l}`).join('\n')}\n\n`;
  md += `Total wall time: ${wall.toFixed(0)} s.\n`;

  const date = run.startedAt.toISOString().slice(0, 10);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${date}-soak${opts.sqlite ? '-sqlite' : ''}`);
  writeFileSync(`${base}.md`, md);
  writeFileSync(
    `${base}.json`,
    JSON.stringify(
      {
        args: opts.args,
        startedAt: run.startedAt,
        passed,
        database: run.database.description,
        port: opts.port,
        seed: { ...seeded, perTenant: SEED_EVENTS, days: SEED_DAYS, prngSeed: opts.seed },
        warmupSeconds: opts.warmupS,
        durationSeconds: opts.durationS,
        measuredSeconds,
        classes: Object.fromEntries(
          classes.map(([name, s]) => [
            name,
            { requests: s.requests, warmupRequests: s.warmupRequests, statuses: s.statuses, tooMany: s.tooMany, failures: s.failures, p50ms: pct(s.latencies, 50), p95ms: pct(s.latencies, 95), p99ms: pct(s.latencies, 99), maxMs: s.latencies.length ? Math.max(...s.latencies) : null },
          ]),
        ),
        totals: { requests: totalReq, fiveXX: rec.fiveXX, networkErrors: rec.networkErrors, unexpected: rec.unexpected, tooMany: rec.tooManyTotal, retryAfterValues: [...rec.retryAfterSeen] },
        ingestion: { accepted: run.ledger.accepted, acceptedTotal: sumOverTenants(run.ledger.accepted), ...run.ledger.tally },
        database_counts: run.counts,
        api: { userActions: run.api.userActions, aggregated: run.api.aggregated },
        rollup: traffic.rollup,
        burst: traffic.burst,
        rss: { ...rssInfo, samples: traffic.rss },
        machine: { cpus: cpus().length, loadavgEndOfWarmup: loadWarm, loadavgEnd: loadEnd, serviceCpuSecondsMeasured: serviceCpu },
        checks,
        failures: rec.failures,
        serviceLog: { errorLines: errLines.count, sample: errLines.sample, file: run.serviceLog },
        wallSeconds: wall,
      },
      null,
      2,
    ),
  );
  return { md, passed, base };
}
