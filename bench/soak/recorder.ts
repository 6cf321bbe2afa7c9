import { log } from './options';
import type { Reply, SoakClient } from './http';

/** Every request of the soak goes through {@link Recorder.call}: statuses, latencies, 429s and failures per request class. */

export type Phase = 'warmup' | 'measured';

export interface ClassStats {
  requests: number;
  warmupRequests: number;
  statuses: Record<string, number>;
  /** Latencies of the measured phase's successful answers (ms). */
  latencies: number[];
  tooMany: number;
  failures: number;
}

export interface CallOpts {
  accept?: string;
  body?: unknown;
  /** The expected status (besides 429 for CSV exports). */
  expect: number;
  /** CSV export: may be refused with 429 + Retry-After by the export guard. */
  csv?: boolean;
  /** Returns a complaint about the body, or undefined. */
  check?: (r: Reply) => string | undefined;
}

export class Recorder {
  phase: Phase = 'warmup';
  readonly stats = new Map<string, ClassStats>();
  readonly failures: string[] = [];
  fiveXX = 0;
  networkErrors = 0;
  unexpected = 0;
  tooManyTotal = 0;
  readonly retryAfterSeen = new Set<string>();

  constructor(private readonly client: SoakClient) {}

  classStats(cls: string): ClassStats {
    let s = this.stats.get(cls);
    if (!s) this.stats.set(cls, (s = { requests: 0, warmupRequests: 0, statuses: {}, latencies: [], tooMany: 0, failures: 0 }));
    return s;
  }

  /** All requests so far, every class. */
  requests(): number {
    return [...this.stats.values()].reduce((a, s) => a + s.requests, 0);
  }

  private noteFailure(cls: string, what: string) {
    this.classStats(cls).failures++;
    if (this.failures.length < 50) this.failures.push(`${cls}: ${what}`);
    if (this.failures.length <= 10) log(`FAILURE ${cls}: ${what}`);
  }

  /** One request, recorded. Resolves with the reply (undefined after a failure) and how long to back off. */
  async call(cls: string, method: string, path: string, o: CallOpts): Promise<{ reply?: Reply; backoffMs?: number }> {
    const s = this.classStats(cls);
    s.requests++;
    if (this.phase === 'warmup') s.warmupRequests++;
    let r: Reply;
    try {
      r = await this.client.request(method, path, { accept: o.accept, body: o.body, keep: !o.csv });
    } catch (err) {
      s.statuses.network = (s.statuses.network ?? 0) + 1;
      this.networkErrors++;
      this.noteFailure(cls, `network error: ${(err as Error).message}`);
      return {};
    }
    s.statuses[r.status] = (s.statuses[r.status] ?? 0) + 1;
    if (r.status >= 500) {
      this.fiveXX++;
      this.noteFailure(cls, `${method} ${path} → ${r.status} ${r.body.slice(0, 300)}`);
      return {};
    }
    if (r.status === 429 && o.csv) {
      const ra = r.headers['retry-after'];
      const secs = Number(ra);
      if (ra === undefined || !Number.isFinite(secs) || secs < 0) {
        this.unexpected++;
        this.noteFailure(cls, `${method} ${path} → 429 without a usable Retry-After (${ra})`);
        return { backoffMs: 1000 };
      }
      this.retryAfterSeen.add(String(ra));
      s.tooMany++;
      this.tooManyTotal++;
      return { reply: r, backoffMs: Math.min(secs, 30) * 1000 };
    }
    if (r.status !== o.expect) {
      this.unexpected++;
      this.noteFailure(cls, `${method} ${path} → ${r.status} (expected ${o.expect}) ${r.body.slice(0, 300)}`);
      return {};
    }
    const complaint = o.check?.(r);
    if (complaint) {
      this.unexpected++;
      this.noteFailure(cls, `${method} ${path}: ${complaint}`);
      return {};
    }
    if (this.phase === 'measured') s.latencies.push(r.ms);
    return { reply: r };
  }
}

export function jsonCheck(key: string) {
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

export function csvCheck(header: string) {
  return (r: Reply) => {
    if (!/^text\/csv/.test(String(r.headers['content-type']))) return `content-type ${r.headers['content-type']}`;
    const first = r.body.split('\n', 1)[0].replace(/"/g, '').replace(/\r$/, '');
    if (!first.startsWith(header)) return `CSV header "${first.slice(0, 120)}" does not start with "${header}"`;
    return undefined;
  };
}
