import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { GaleraCluster } from '../support/galera-cluster';
import { ServiceProcess } from '../support/service-process';
import { expectSummariesConsistent } from '../support/summary-check';
import { TestApp } from '../support/test-app';

/**
 * The load of the cluster suites: ingestion clients that post batches and retry a failed batch
 * with the same eventIds until it is answered 202 (as the trackers do), readers that read the
 * tenant's totals all the while, and the figures (statuses, write unavailability, throughput).
 */

const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Attempt {
  client: number;
  batch: number;
  replica: number;
  start: number;
  end: number;
  /** HTTP status, or 0 when the connection failed. */
  status: number;
  error?: string;
  accepted?: number;
  duplicates?: number;
}

export interface Batch {
  id: string;
  client: number;
  eventIds: string[];
  attempts: number;
  ackAt?: number;
  accepted?: number;
  duplicates?: number;
}

export interface LoadOptions {
  tenant: number;
  /** Replicas to post to; client i starts on replica i % n and moves to the next one when its replica does not answer. */
  replicas: () => ServiceProcess[];
  clients: number;
  batchSize: number;
  /** Events spread over this many days before now (ingestion accepts up to ROLLUP_DAILY_AFTER_DAYS). */
  spreadDays: number;
  /** Every n-th event carries a configuration snapshot (0: none). */
  snapshotEvery?: number;
  /** How long a client waits before re-sending a batch that failed (capped Retry-After). */
  retryWaitMs?: number;
  readers?: number;
  /** Stop after this many batches per client (default: until stop() is called). */
  batchesPerClient?: number;
  /** Prefix of the eventIds (several loads on one tenant need different ones). */
  idPrefix?: string;
}

export class Load {
  readonly attempts: Attempt[] = [];
  readonly batches: Batch[] = [];
  readonly reads: Array<{ start: number; end: number; status: number; error?: string }> = [];
  private stopping = false;
  private running: Promise<void>[] = [];
  readonly t0 = Date.now();

  constructor(private readonly o: LoadOptions) {}

  start(): this {
    for (let c = 0; c < this.o.clients; c++) this.running.push(this.client(c));
    for (let r = 0; r < (this.o.readers ?? 0); r++) this.running.push(this.reader(r));
    return this;
  }

  /** Stops sending new batches; resolves once every batch sent is acknowledged. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
  }

  /** Resolves when the clients have ended by themselves (batchesPerClient). */
  async done(): Promise<void> {
    await Promise.all(this.running);
  }

  private events(client: number, batch: number): Array<Record<string, unknown>> {
    const now = Date.now();
    return Array.from({ length: this.o.batchSize }, (_, i) => {
      const eventId = `${this.o.idPrefix ?? ''}c${client}-b${batch}-e${i}`;
      const created = new Date(now - 60_000 - ((client * 7919 + batch * 104729 + i * 15485863) % (this.o.spreadDays * DAY)));
      const e: Record<string, unknown> = {
        eventId,
        module: 3,
        action: 1 + (i % 3),
        created: created.toISOString(),
        country: ['DE', 'AT', 'CH', 'FR'][i % 4],
        device: i % 2 ? 'desktop' : 'mobile',
        actionLabel: `configurator-${i % 5}`,
      };
      if (this.o.snapshotEvery && i % this.o.snapshotEvery === 0) {
        e.actionId = `conf:${client}:${(batch * 31 + i) % 200}`;
        e.configuration = { thumbnail: `https://example.com/${eventId}.jpg`, partList: { part: { articleNr: `a-${i}`, count: 1 } }, planCombinedIds: ['catalog:1', `catalog:${i}`] };
      }
      return e;
    });
  }

  private async client(c: number): Promise<void> {
    let replica = c;
    for (let b = 0; !this.stopping && (this.o.batchesPerClient === undefined || b < this.o.batchesPerClient); b++) {
      const events = this.events(c, b);
      const batch: Batch = { id: `c${c}-b${b}`, client: c, eventIds: events.map((e) => e.eventId as string), attempts: 0 };
      this.batches.push(batch);
      for (;;) {
        const replicas = this.o.replicas();
        const svc = replicas[replica % replicas.length];
        batch.attempts++;
        const a: Attempt = { client: c, batch: b, replica: replica % replicas.length, start: Date.now(), end: 0, status: 0 };
        this.attempts.push(a);
        try {
          const res = await svc.send('POST', `/tenants/${this.o.tenant}/useractions`, { headers: svc.auth([this.o.tenant], { ingest: true }), json: { userActions: events } });
          a.status = res.status;
          if (res.status === 202) {
            a.accepted = res.body.accepted;
            a.duplicates = res.body.duplicates;
          } else a.error = typeof res.body === 'string' ? res.body.slice(0, 200) : res.body?.message;
        } catch (err) {
          a.error = (err as { code?: string }).code ?? (err as Error).message;
          replica++; // the replica does not answer: the load balancer would send the next request elsewhere
        }
        a.end = Date.now();
        if (a.status === 202) {
          batch.ackAt = a.end;
          batch.accepted = a.accepted;
          batch.duplicates = a.duplicates;
          break;
        }
        await sleep(this.o.retryWaitMs ?? 500);
      }
    }
  }

  private async reader(r: number): Promise<void> {
    let i = r;
    while (!this.stopping && (this.o.batchesPerClient === undefined || this.batches.some((b) => b.ackAt === undefined) || this.batches.length < this.o.clients)) {
      const replicas = this.o.replicas();
      const svc = replicas[i++ % replicas.length];
      const from = new Date(Date.now() - (this.o.spreadDays + 1) * DAY).toISOString();
      const to = new Date(Date.now() + DAY).toISOString();
      const s = { start: Date.now(), end: 0, status: 0, error: undefined as string | undefined };
      try {
        const res = await svc.send('GET', `/tenants/${this.o.tenant}/userActionsAggregated?from=${from}&to=${to}`, { headers: svc.auth([this.o.tenant]) });
        s.status = res.status;
      } catch (err) {
        s.error = (err as { code?: string }).code ?? (err as Error).message;
      }
      s.end = Date.now();
      this.reads.push(s);
      await sleep(100);
    }
  }

  /** Every acknowledged eventId, sorted. */
  ackedEventIds(): string[] {
    return this.batches.filter((b) => b.ackAt !== undefined).flatMap((b) => b.eventIds).sort();
  }

  statuses(kind: 'ingest' | 'read' = 'ingest'): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of kind === 'ingest' ? this.attempts : this.reads) {
      const why = a.error?.replace(/ \(request id .*\)$/, '').replace(/^The database /, '');
      const k = a.status === 202 || a.status === 200 ? String(a.status) : a.status ? `${a.status} ${why}` : `no answer (${a.error})`;
      out[k] = (out[k] ?? 0) + 1;
    }
    return out;
  }

  /** Acknowledged events per second among batches acknowledged in [from, to). */
  throughput(from: number, to: number): number {
    const n = this.batches.filter((b) => b.ackAt !== undefined && b.ackAt >= from && b.ackAt < to).reduce((s, b) => s + b.eventIds.length, 0);
    return to > from ? Math.round((n * 1000) / (to - from)) : 0;
  }

  /** Longest time between two consecutive 202 answers in [from, to] (the window's edges count as answers). */
  longestAckGap(from: number, to: number): number {
    const acks = this.attempts
      .filter((a) => a.status === 202 && a.end >= from && a.end <= to)
      .map((a) => a.end)
      .sort((x, y) => x - y);
    let gap = 0;
    let prev = from;
    for (const t of [...acks, to]) {
      gap = Math.max(gap, t - prev);
      prev = t;
    }
    return gap;
  }

  /** From `at` until the first 202 of a request sent after `at`. */
  firstAckAfter(at: number): number {
    const first = this.attempts.filter((a) => a.status === 202 && a.start >= at).sort((x, y) => x.end - y.end)[0];
    return first ? first.end - at : Infinity;
  }
}

/** A data source on node `n` (no statement timeout, no migrations run). */
export async function nodeDataSource(cluster: GaleraCluster, n: number, db: string): Promise<DataSource> {
  const ds = new DataSource(buildDataSourceOptions(loadConfig({ DATABASE_URL: cluster.nodeUrl(n, db), LOG_LEVEL: 'silent' }), { statementTimeout: false }));
  await ds.initialize();
  return ds;
}

/**
 * On every node: each acknowledged event stored exactly once and nothing else, and the summaries
 * equal to what `user_action` says (test/support/summary-check.ts).
 */
export async function expectExactOnEveryNode(cluster: GaleraCluster, db: string, tenant: number, acked: string[]): Promise<void> {
  await cluster.waitAllApplied();
  for (const n of [1, 2, 3]) {
    const ds = await nodeDataSource(cluster, n, db);
    try {
      const rows: Array<{ eventId: string }> = await ds.query('SELECT event_id AS eventId FROM user_action WHERE tenant = ? ORDER BY event_id', [tenant]);
      const ids = rows.map((r) => r.eventId).sort();
      expect({ node: n, rows: ids.length, distinct: new Set(ids).size }).toEqual({ node: n, rows: acked.length, distinct: acked.length });
      expect(ids).toEqual(acked);
      const config = loadConfig({ DATABASE_URL: cluster.nodeUrl(n, db), LOG_LEVEL: 'silent' });
      await expectSummariesConsistent({ config, dataSource: ds } as unknown as TestApp);
    } finally {
      await ds.destroy();
    }
  }
}

/** The read API's total for the tenant (every action, the whole spread) through `svc`. */
export async function readTotal(svc: ServiceProcess, tenant: number, spreadDays: number): Promise<number> {
  const from = new Date(Date.now() - (spreadDays + 1) * DAY).toISOString();
  const to = new Date(Date.now() + DAY).toISOString();
  const res = await svc.send('GET', `/tenants/${tenant}/userActionsAggregated?from=${from}&to=${to}`, { headers: svc.auth([tenant]) });
  if (res.status !== 200) throw new Error(`userActionsAggregated answered ${res.status}: ${JSON.stringify(res.body)}`);
  return (res.body.userActions as Array<{ count: number }>).reduce((s, r) => s + r.count, 0);
}
