import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { SoakDatabase } from './database';
import { BURST, log, ROLLUP_AHEAD_DAYS, sleep, SoakOptions } from './options';
import type { Phase, Recorder } from './recorder';
import { rollupPass, RollupRun } from './rollup';
import type { SoakService } from './service';
import { burst, BurstResult, Loop, runLoops, workerCount } from './traffic';

/**
 * The traffic phase: warm-up, then the measured time, with the rollup pass at half of it and
 * the burst at three quarters; the service's RSS sampled every second, progress every 15 s.
 */

export interface RssSample {
  t: number;
  mb: number;
  phase: Phase;
}

export interface TrafficResult {
  rss: RssSample[];
  /** At the end of the warm-up: RSS, the service's CPU seconds, the 1-minute load average. */
  rssWarm: number;
  cpuWarm: number;
  loadWarm: number;
  /** Nominally --duration; shorter only when the service died. */
  measuredSeconds: number;
  rollup?: RollupRun;
  burst?: BurstResult;
}

export async function runTraffic(opts: SoakOptions, db: SoakDatabase, svc: SoakService, rec: Recorder, loops: Record<string, Loop>): Promise<TrafficResult> {
  const service = svc.process;
  const rss: RssSample[] = [];
  const trafficStart = performance.now();
  const sampler = setInterval(() => {
    if (service.exited) return;
    try {
      rss.push({ t: Math.round((performance.now() - trafficStart) / 1000), mb: service.rssMb(), phase: rec.phase });
    } catch {
      /* the process is gone */
    }
  }, 1000);

  const totalMs = (opts.warmupS + opts.durationS) * 1000;
  const elapsed = () => performance.now() - trafficStart;
  const done = () => elapsed() >= totalMs || service.exited;
  log(`traffic: ${opts.warmupS} s warm-up + ${opts.durationS} s measured, ${workerCount(loops)} workers`);
  const looping = runLoops(loops, opts.seed, done);

  const result: Omit<TrafficResult, 'measuredSeconds'> = { rss, rssWarm: service.rssMb(), cpuWarm: service.cpuSeconds(), loadWarm: loadavg()[0] };
  const marks = { measuredStart: trafficStart, measuredEnd: 0, lastReport: 0 };
  const events = (async () => {
    while (elapsed() < opts.warmupS * 1000 && !done()) await sleep(100);
    result.rssWarm = service.rssMb();
    result.cpuWarm = service.cpuSeconds();
    result.loadWarm = loadavg()[0];
    rec.phase = 'measured';
    marks.measuredStart = performance.now();
    log(`warm-up over (RSS ${result.rssWarm.toFixed(0)} MB); measuring`);
    const at = (frac: number) =>
      (async () => {
        while (performance.now() - marks.measuredStart < frac * opts.durationS * 1000 && !done()) await sleep(100);
      })();
    // Independent of each other: a slow rollup pass does not push the burst out of the run.
    await Promise.all([
      (async () => {
        await at(0.5);
        if (done()) return;
        log(`rollup pass (CLI, --as-of now + ${ROLLUP_AHEAD_DAYS} days)…`);
        const rollup = (result.rollup = await rollupPass(opts, db));
        log(`rollup: exit ${rollup.code} in ${rollup.seconds.toFixed(1)} s: ${rollup.summary ? `${rollup.summary.rowsRead} rows read, ${rollup.summary.rowsWritten} written, ${rollup.summary.rowsDeleted} deleted` : rollup.output}`);
      })(),
      (async () => {
        await at(0.75);
        if (done()) return;
        log(`burst: ${BURST} concurrent CSV exports of tenant 1…`);
        result.burst = await burst(rec);
        log(`burst: ${JSON.stringify(result.burst.statuses)}`);
      })(),
    ]);
  })();
  // The measured time ends with the loops (the rollup pass may still be finishing).
  void looping.then(() => (marks.measuredEnd = performance.now()));
  const progress = setInterval(() => {
    if (performance.now() - marks.lastReport > 15_000) {
      marks.lastReport = performance.now();
      log(
        `${Math.round(elapsed() / 1000)}/${opts.warmupS + opts.durationS} s: ${rec.requests()} requests, ${rec.fiveXX} 5xx, ${rec.networkErrors} network errors, ${rec.unexpected} unexpected, ${rec.tooManyTotal} × 429, RSS ${rss.length ? rss[rss.length - 1].mb.toFixed(0) : '?'} MB`,
      );
    }
  }, 1000);
  await Promise.all([looping, events]);
  // Nominally --duration; shorter only when the service died (requests still in flight at the end are counted, their tail is not).
  const measuredSeconds = (Math.min(marks.measuredEnd || performance.now(), trafficStart + totalMs) - marks.measuredStart) / 1000;
  clearInterval(progress);
  clearInterval(sampler);
  return { ...result, measuredSeconds };
}
