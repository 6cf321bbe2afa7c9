import { mulberry32 } from '../../src/common/prng';
import type { UserActionEventDto } from '../../src/ingestion/dto/ingest-user-actions.dto';
import { BURST, DAY, SEED_DAYS, SEED_EVENTS, sleep, TRAFFIC_EVENT_AGE_DAYS } from './options';
import { csvCheck, jsonCheck, Recorder } from './recorder';
import { IngestLedger, wire } from './workload';

/**
 * The mixed traffic: one loop per request class (reads in JSON and CSV, ingestion with re-sent
 * batches, directory writes), each run by its workers with a jittered pause; and the burst of
 * concurrent exports.
 */

export type Rand = () => number;
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
/** Tenant 1 (the large one) 40 %, the others evenly. */
const pickTenant = (rand: Rand) => (rand() < 0.4 ? 1 : 2 + Math.floor(rand() * 9));
export const q = (params: Array<[string, string | number]>) => (params.length ? '?' + params.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&') : '');
export const iso = (ms: number) => new Date(ms).toISOString();
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
export const CONFIGURATIONS_CSV = 'link,thumbnail,created,action,actionParameter,count,aggregationLevel,userEmail,partList,planCombinedIds';

async function ingestNew(rec: Recorder, ledger: IngestLedger, rand: Rand): Promise<{ backoffMs?: number }> {
  const tenant = pickTenant(rand);
  const r0 = rand();
  const n = r0 < 0.5 ? 1 + Math.floor(rand() * 20) : r0 < 0.9 ? 20 + Math.floor(rand() * 180) : 1000;
  const now = Date.now();
  const events: UserActionEventDto[] = [];
  for (let i = 0; i < n; i++) events.push(ledger.makeEvent(tenant, ledger.nextTrafficId(tenant), new Date(now - 1000 - Math.floor(rand() * TRAFFIC_EVENT_AGE_DAYS * DAY))));
  const body = wire(events);
  const { reply } = await rec.call('POST useractions (new batch)', 'POST', `/tenants/${tenant}/useractions`, {
    body,
    expect: 202,
    check: (r) => {
      const b = JSON.parse(r.body);
      return b.accepted === n && b.duplicates === 0 ? undefined : `new batch of ${n}: answered ${r.body}`;
    },
  });
  if (reply) {
    ledger.accepted[tenant] += n;
    ledger.tally.newBatches++;
    ledger.tally.newEvents += n;
    ledger.resendPool.push({ tenant, body, n });
    if (ledger.resendPool.length > 40) ledger.resendPool.splice(Math.floor(rand() * ledger.resendPool.length), 1);
  }
  return {};
}

async function ingestResend(rec: Recorder, ledger: IngestLedger, rand: Rand): Promise<{ backoffMs?: number }> {
  if (!ledger.resendPool.length) return ingestNew(rec, ledger, rand);
  const b = pick(rand, ledger.resendPool);
  const { reply } = await rec.call('POST useractions (re-sent batch)', 'POST', `/tenants/${b.tenant}/useractions`, {
    body: b.body,
    expect: 202,
    check: (r) => {
      const a = JSON.parse(r.body);
      return a.accepted === 0 && a.duplicates === b.n ? undefined : `re-sent batch of ${b.n}: answered ${r.body}`;
    },
  });
  if (reply) {
    ledger.tally.resentBatches++;
    ledger.tally.resentEvents += b.n;
  }
  return {};
}

export interface Loop {
  /** Concurrent workers running this loop. */
  workers: number;
  /** Mean pause between two requests of one worker (± 50 % jitter). */
  pauseMs: number;
  run: (rand: Rand, worker: number) => Promise<{ backoffMs?: number }>;
}

export const workerCount = (loops: Record<string, Loop>) => Object.values(loops).reduce((a, l) => a + l.workers, 0);

export function trafficLoops(rec: Recorder, ledger: IngestLedger): Record<string, Loop> {
  const call = rec.call.bind(rec);
  return {
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
    ingest: { workers: 2, pauseMs: 500, run: (rand) => (rand() < 0.1 ? ingestResend(rec, ledger, rand) : ingestNew(rec, ledger, rand)) },
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
}

/** Runs every loop's workers until `until()` holds; each worker has its own seeded PRNG. */
export async function runLoops(loops: Record<string, Loop>, prngSeed: number, until: () => boolean): Promise<void> {
  const runners: Array<Promise<void>> = [];
  let idx = 0;
  for (const loop of Object.values(loops)) {
    for (let w = 0; w < loop.workers; w++) {
      const rand = mulberry32(prngSeed * 7919 + ++idx);
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

export interface BurstResult {
  statuses: Record<string, number>;
  retryAfter: string[];
}

/** {@link BURST} concurrent CSV exports of tenant 1: the export guard must refuse some with 429 + Retry-After. */
export async function burst(rec: Recorder): Promise<BurstResult> {
  const statuses: Record<string, number> = {};
  const retryAfter: string[] = [];
  await Promise.all(
    Array.from({ length: BURST }, async () => {
      const { reply } = await rec.call(`GET configurations CSV burst (${BURST} concurrent, tenant 1)`, 'GET', '/tenants/1/configurations', {
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
