// Helpers of the scenario modules (bench/scenarios/*.ts): the service handle they need, HTTP with
// the body kept (the answers are checked against the baselines), timing and the result row.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { readFileSync, writeFileSync } from 'node:fs';

/** What a scenario needs of the running service (bench/run.ts passes a getter: E restarts it). */
export interface ServiceHandle {
  port: number;
  token: string;
  pid: number;
}

/** A row of the report table. */
export interface BenchRow {
  scenario: string;
  what: string;
  p50ms?: number;
  p99ms?: number;
  rps?: number;
  rowsPerSec?: number;
  peakRssMb?: number;
  baseline?: string;
  baselineValue?: number;
  ratio?: number;
  target?: string;
  met?: boolean;
  note?: string;
}

/** Fresh connections, as bench/run.ts: a kept-alive socket may be closed by the server just as it is reused. */
const agent = new http.Agent({ keepAlive: false });

/** GET that keeps the body; rejects on a status ≥ 400. */
export function fetchBody(port: number, path: string, token: string, accept = 'application/json'): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ agent, host: '127.0.0.1', port, path, headers: { Authorization: `Bearer ${token}`, Accept: accept } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode! >= 400) reject(new Error(`GET ${path} → ${res.statusCode}: ${body.subarray(0, 300).toString()}`));
        else resolve({ status: res.statusCode!, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** GET that only counts bytes and lines (a large CSV export); rejects on a status ≥ 400. */
export function fetchCounted(port: number, path: string, token: string, accept: string): Promise<{ status: number; bytes: number; lines: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ agent, host: '127.0.0.1', port, path, headers: { Authorization: `Bearer ${token}`, Accept: accept } }, (res) => {
      let bytes = 0;
      let lines = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
      });
      res.on('end', () => (res.statusCode! < 400 ? resolve({ status: res.statusCode!, bytes, lines }) : reject(new Error(`GET ${path} → ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

/**
 * Times `fn` after one warm-up; the number of timed runs follows the warm-up's duration, so a
 * slow shape (seconds per call at scale 1) does not take minutes: ≥ 2 s → `slow` runs,
 * ≥ 200 ms → 5, else `fast`. Returns the durations (ms) and the last result.
 */
export async function timeAdaptive<T>(fn: () => Promise<T>, fast = 20, slow = 3): Promise<{ ms: number[]; last: T }> {
  let t = performance.now();
  let last = await fn();
  const warm = performance.now() - t;
  const n = warm >= 2000 ? slow : warm >= 200 ? Math.min(5, fast) : fast;
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    t = performance.now();
    last = await fn();
    ms.push(performance.now() - t);
  }
  return { ms, last };
}

/** Peak RSS of a process since the last reset (Linux: clear_refs 5 resets VmHWM), as bench/run.ts. */
export function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    /* not permitted: the peak then covers the process lifetime */
  }
}
export function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** Both sides' totals, and the note that says whether they agree (a mismatch fails the row). */
export function agreement(what: string, service: number[], baseline: number[]): { ok: boolean; note: string } {
  const ok = service.length === baseline.length && service.every((v, i) => v === baseline[i]);
  return ok
    ? { ok, note: `totals agree: ${what} ${service.join(' / ')}` }
    : { ok, note: `TOTALS MISMATCH: ${what} service ${service.join(' / ')} vs baseline ${baseline.join(' / ')}` };
}

/** A window of `days` days ending an hour after the dataset's now (as E's export), ISO strings. */
export function windowBefore(now: Date, days: number): { from: string; to: string } {
  return { from: new Date(now.getTime() - days * 86_400_000).toISOString(), to: new Date(now.getTime() + 3600_000).toISOString() };
}

/** An ISO instant as a DATETIME(3) literal's text for SQL parameters ('2026-12-01 13:00:00.000'), UTC. */
export function sqlInstant(iso: string): string {
  return iso.replace('T', ' ').replace('Z', '');
}
