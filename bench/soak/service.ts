import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceProcess, ServiceStop } from '../../test/support/service-process';
import { type SoakDatabase, serviceEnv } from './database';
import type { SoakClient } from './http';
import { fail, log, ROOT, SoakOptions } from './options';

/** The compiled service under soak, started through the shared harness (ServiceProcess) on the soak's fixed port, its log in a file. */

export interface SoakService {
  process: ServiceProcess;
  /** stdout and stderr of the service. */
  logFile: string;
  /** Set before the soak stops it: an exit before that is reported as unexpected. */
  stopping: boolean;
}

export async function startService(opts: SoakOptions, db: SoakDatabase, client: SoakClient): Promise<SoakService> {
  try {
    await client.request('GET', '/health/live', {});
    fail(`something already answers on port ${opts.port}; pick another with --port`);
  } catch {
    /* free */
  }
  const logFile = join(tmpdir(), `statistics-soak-${process.pid}-service.log`);
  let proc: ServiceProcess;
  try {
    proc = await ServiceProcess.start({ root: ROOT, port: opts.port, baseEnv: serviceEnv(opts, db), database: db.service, logFile, readyTimeoutMs: 60_000 });
  } catch (err) {
    fail(`the service did not start; log: ${logFile}\n${(err as Error).message.slice(-3000)}`);
  }
  const svc: SoakService = { process: proc, logFile, stopping: false };
  void proc.whenExited().then(({ code, signal }) => {
    if (!svc.stopping) log(`the service exited unexpectedly (code ${code}, signal ${signal}); log: ${logFile}`);
  });
  return svc;
}

/** SIGTERM and wait, SIGKILL after 15 s; Nest closes the app, then re-raises the signal (exit by SIGTERM, or code 0). */
export function stopService(svc: SoakService): Promise<ServiceStop> {
  svc.stopping = true;
  return svc.process.stop(15_000);
}

/** SIGKILL at once (Ctrl-C, a crash of the soak itself). */
export function killService(svc: SoakService | undefined): void {
  if (!svc) return;
  svc.stopping = true;
  svc.process.kill('SIGKILL');
}

/** Counts pino lines at error level (50) or above in the service's log. */
export function serviceErrorLines(logFile: string): { count: number; sample: string[] } {
  let count = 0;
  const sample: string[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    const m = /"level":(\d+)/.exec(line);
    if ((m && Number(m[1]) >= 50) || (!m && /error/i.test(line))) {
      count++;
      if (sample.length < 5) sample.push(line.slice(0, 400));
    }
  }
  return { count, sample };
}
