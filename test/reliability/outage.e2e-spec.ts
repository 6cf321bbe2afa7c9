import { toInt } from '../../src/database/values';
import { API, parseCsv } from '../support/fixtures';
import { MariaDbServer } from '../support/mariadb-server';
import { expectSummariesConsistent } from '../support/summary-check';
import { TestApp } from '../support/test-app';

/**
 * Database outages under live traffic, against a MariaDB server of this file's own (never the
 * shared one): a clean stop, a hung server (SIGSTOP) and a crash (SIGKILL), each followed by a
 * restart under the same running app. Concurrent clients ingest batches (retrying the same batch
 * after Retry-After, as a real client does) and read every read route and health/ready.
 *
 * While the database is away: every request is answered within REQUEST_TIMEOUT_MS (+ margin),
 * reads and ready with 503 JSON, ingestion with 503 + Retry-After. Afterwards the app recovers
 * without a restart and every batch that was ever answered 202 is stored exactly once.
 */

const DB = 'statistics_test';
const CONNECT_TIMEOUT_MS = 2000;
const QUERY_TIMEOUT_MS = 3000;
const REQUEST_TIMEOUT_MS = 5000;
/** Scheduling slack on top of REQUEST_TIMEOUT_MS for "answered in time". */
const MARGIN_MS = 1000;
/** The clients' own give-up time: a request still open by then counts as hung. */
const CLIENT_TIMEOUT_MS = 20_000;

const NOW = new Date('2026-03-10T12:00:00.000Z');
const FIRST_EVENT_MS = Date.parse('2026-03-10T09:00:00.000Z');
const RANGE = 'from=2026-03-10T00:00:00.000Z&to=2026-03-11T00:00:00.000Z';
const INGEST_CLIENTS = 4;
const BATCH_SIZE = 10;
const PAUSE_BETWEEN_BATCHES_MS = 200;
const PAUSE_BETWEEN_READS_MS = 100;

const READ_KINDS = ['useractions.json', 'useractions.csv', 'aggregated.json', 'aggregated.csv', 'configurations.json', 'configurations.csv'] as const;
type ReadKind = (typeof READ_KINDS)[number];
type Kind = ReadKind | 'ready' | 'ingest';

/** One HTTP exchange as a client saw it. status 0 = no HTTP answer (network error or client timeout). */
interface Sample {
  kind: Kind;
  start: number;
  end: number;
  status: number;
  contentType: string | null;
  retryAfter: string | null;
  text: string;
  error?: string;
  /** The events the answer counts (reads that answered 200). */
  total?: number;
  batch?: Batch;
}

interface Batch {
  id: string;
  events: Array<Record<string, unknown>>;
  firstSentAt?: number;
  ackAt?: number;
  attempts: number;
  accepted?: number;
  duplicates?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a read answer counts, checked against its route's exact shape. */
function totalOf(kind: ReadKind, tenant: number, text: string): number {
  if (kind.endsWith('.csv')) {
    const { header, records } = parseCsv(text);
    if (kind === 'configurations.csv') {
      for (const r of records) if (r.action !== 'View' || r.count !== 1 || r.aggregationLevel !== 'real time') throw new Error(`unexpected row ${JSON.stringify(r)}`);
      return records.length;
    }
    const expectedHeader = kind === 'useractions.csv' ? ['module', 'action', 'tenant', 'count', 'month', 'year'] : ['module', 'action', 'tenant', 'count', 'aggregationLevel'];
    if (header.join(',') !== expectedHeader.join(',')) throw new Error(`unexpected CSV header ${header.join(',')}`);
    if (records.length > 1) throw new Error(`expected at most one CSV row, got ${records.length}`);
    for (const r of records) if (r.module !== 3 || r.action !== 1 || r.tenant !== tenant) throw new Error(`unexpected row ${JSON.stringify(r)}`);
    return records.reduce((n, r) => n + Number(r.count), 0);
  }
  const body = JSON.parse(text);
  if (kind === 'configurations.json') {
    if (typeof body.meta?.total !== 'number') throw new Error(`no meta.total in ${text.slice(0, 200)}`);
    return body.meta.total;
  }
  const rows = body.userActions as Array<Record<string, unknown>>;
  if (!Array.isArray(rows) || rows.length > 1) throw new Error(`expected at most one entry, got ${text.slice(0, 200)}`);
  for (const r of rows) {
    if (r.module !== 3 || r.action !== 1 || r.tenant !== tenant || typeof r.count !== 'number') throw new Error(`unexpected entry ${JSON.stringify(r)}`);
  }
  return rows.reduce((n, r) => n + (r.count as number), 0);
}

/** Live traffic of one tenant: ingest clients and one reader per read route plus one for ready. */
class Traffic {
  readonly samples: Sample[] = [];
  readonly batches: Batch[] = [];
  readonly parseErrors: string[] = [];
  private stopping = false;
  private aborted = false;
  private running: Promise<void>[] = [];
  private nextEvent = 0;

  constructor(
    private readonly base: string,
    private readonly t: TestApp,
    readonly tenant: number,
  ) {}

  start(): void {
    for (let c = 0; c < INGEST_CLIENTS; c++) this.running.push(this.ingestClient(c));
    for (const kind of [...READ_KINDS, 'ready' as const]) this.running.push(this.reader(kind));
  }

  /** One more ingest client, e.g. one that turns up while the database is away. */
  addIngestClient(): void {
    this.running.push(this.ingestClient(this.running.length));
  }

  /** Ends the readers, lets every ingest client finish (retry until 202) its open batch. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
  }

  /** Ends every client at once (a scenario that failed half-way). */
  async abort(): Promise<void> {
    this.aborted = true;
    await this.stop();
  }

  private async exchange(kind: Kind, path: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Sample> {
    const start = Date.now();
    let sample: Sample;
    try {
      const res = await fetch(this.base + path, { ...init, signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) });
      const text = await res.text();
      sample = { kind, start, end: Date.now(), status: res.status, contentType: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), text };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      sample = { kind, start, end: Date.now(), status: 0, contentType: null, retryAfter: null, text: '', error: `${e.name}: ${e.cause?.code ?? e.cause?.message ?? e.message}` };
    }
    this.samples.push(sample);
    return sample;
  }

  private async reader(kind: ReadKind | 'ready'): Promise<void> {
    const auth = { Authorization: `Bearer ${this.t.token([this.tenant])}` };
    const csv = { ...auth, Accept: 'text/csv' };
    const paths: Record<ReadKind | 'ready', [string, Record<string, string>]> = {
      'useractions.json': [`/tenants/${this.tenant}/useractions`, auth],
      'useractions.csv': [`/tenants/${this.tenant}/useractions`, csv],
      'aggregated.json': [`/tenants/${this.tenant}/userActionsAggregated?${RANGE}`, auth],
      'aggregated.csv': [`/tenants/${this.tenant}/userActionsAggregated?${RANGE}`, csv],
      'configurations.json': [`/tenants/${this.tenant}/configurations?${RANGE}&limit=1`, auth],
      'configurations.csv': [`/tenants/${this.tenant}/configurations?${RANGE}`, csv],
      ready: ['/health/ready', {}],
    };
    const [path, headers] = paths[kind];
    while (!this.stopping) {
      const s = await this.exchange(kind, path, { headers });
      if (s.status === 200 && kind !== 'ready') {
        try {
          s.total = totalOf(kind, this.tenant, s.text);
        } catch (err) {
          this.parseErrors.push(`${kind}: ${(err as Error).message}`);
        }
      }
      await sleep(PAUSE_BETWEEN_READS_MS);
    }
  }

  private newBatch(client: number, n: number): Batch {
    const id = `t${this.tenant}-c${client}-b${n}`;
    const events = Array.from({ length: BATCH_SIZE }, (_, i) => ({
      eventId: `${id}-e${i}`,
      module: 3,
      action: 1,
      created: new Date(FIRST_EVENT_MS + 100 * this.nextEvent++).toISOString(),
      actionId: `conf:${id}-e${i}`,
      device: ['desktop', 'mobile', 'tablet'][i % 3],
      country: i % 2 ? 'AT' : 'DE',
    }));
    return { id, events, attempts: 0 };
  }

  private async ingestClient(client: number): Promise<void> {
    const headers = { Authorization: `Bearer ${this.t.token([this.tenant], { ingest: true })}`, 'Content-Type': 'application/json' };
    for (let n = 0; !this.stopping; n++) {
      const batch = this.newBatch(client, n);
      this.batches.push(batch);
      const body = JSON.stringify({ userActions: batch.events });
      // Like a real client: the same batch again after Retry-After (503) or a short pause
      // (no answer), until it is accepted — also after the test said stop, up to a deadline.
      const giveUp = Date.now() + 60_000;
      while (batch.ackAt === undefined && !this.aborted && Date.now() < giveUp) {
        batch.attempts++;
        batch.firstSentAt ??= Date.now();
        const s = await this.exchange('ingest', `/tenants/${this.tenant}/useractions`, { method: 'POST', headers, body });
        s.batch = batch;
        if (s.status === 202) {
          const r = JSON.parse(s.text);
          batch.ackAt = s.end;
          batch.accepted = r.accepted;
          batch.duplicates = r.duplicates;
        } else if (s.status === 503) {
          const seconds = Number(s.retryAfter);
          await sleep(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000);
        } else {
          await sleep(s.status === 0 ? 500 : 1000);
        }
      }
      await sleep(PAUSE_BETWEEN_BATCHES_MS);
    }
  }

  /** How many events the tenant must show at least (acknowledged before `at`) and at most (sent before `at`). */
  bounds(start: number, end: number): [number, number] {
    let lower = 0;
    let upper = 0;
    for (const b of this.batches) {
      if (b.ackAt !== undefined && b.ackAt <= start) lower += b.events.length;
      if (b.firstSentAt !== undefined && b.firstSentAt <= end) upper += b.events.length;
    }
    return [lower, upper];
  }
}

interface Outage {
  name: string;
  /** Takes the database away; resolves when it is away. */
  down(): Promise<void>;
  /** Brings it back; resolves when the server accepts connections again (or was resumed). */
  up(): Promise<void>;
  /** How long the database stays away. */
  awayMs: number;
}

/** The phases of one scenario as wall-clock instants. */
interface Timeline {
  downStart: number;
  downAt: number;
  upStart: number;
  upAt: number;
  recoveredAt: number;
}

describe('database outages under live traffic (own MariaDB server)', () => {
  let server: MariaDbServer;
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    server = await MariaDbServer.create({ name: 'outage' });
    await server.createDatabase(DB);
    t = await TestApp.create({
      now: NOW,
      env: {
        DATABASE_URL: server.url(DB),
        DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
        REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        // three CSV readers of one tenant run at once: the export limiter must not answer them 429
        EXPORT_MAX_CONCURRENT_PER_TENANT: '4',
        ...(process.env.OUTAGE_LOG_LEVEL ? { LOG_LEVEL: process.env.OUTAGE_LOG_LEVEL } : {}),
      },
    });
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as { port: number };
    base = `http://127.0.0.1:${port}${API}`;
  }, 120_000);

  afterAll(async () => {
    if (server?.isPaused) server.resume();
    await t?.close();
    await server?.destroy();
  }, 60_000);

  async function waitUntil(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(50);
    }
  }

  /** Exact state of one tenant in the database, read on a fresh connection of the test's own. */
  async function stored(tenant: number): Promise<{ rows: number; eventIds: string[]; repeated: Array<{ e: string; n: number }> }> {
    const [{ n }] = await server.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM \`${DB}\`.user_action WHERE tenant = ?`, [tenant]);
    const ids = await server.query<{ e: string }>(`SELECT event_id AS e FROM \`${DB}\`.user_action WHERE tenant = ? ORDER BY event_id`, [tenant]);
    const repeated = await server.query<{ e: string; n: number }>(
      `SELECT event_id AS e, COUNT(*) AS n FROM \`${DB}\`.user_action WHERE tenant = ? GROUP BY event_id HAVING COUNT(*) > 1`,
      [tenant],
    );
    return { rows: toInt(n), eventIds: ids.map((r) => r.e), repeated };
  }

  async function runScenario(tenant: number, outage: Outage): Promise<{ traffic: Traffic; tl: Timeline }> {
    // the previous scenario must have left a healthy service behind
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);

    const traffic = new Traffic(base, t, tenant);
    traffic.start();
    let downStart: number, downAt: number, upStart: number, upAt: number;
    try {
      await sleep(2000);
      downStart = Date.now();
      await outage.down();
      downAt = Date.now();
      // the clients sending when the database went away wait out Retry-After: a client that turns
      // up now is sure to ask (and be answered) while it is away
      traffic.addIngestClient();
      await sleep(outage.awayMs);
      upStart = Date.now();
      await outage.up();
      upAt = Date.now();
    } catch (err) {
      await traffic.abort();
      throw err;
    }
    // recovered: ready and every read route answered 200 to a request sent after the database came back
    const kinds: Kind[] = [...READ_KINDS, 'ready'];
    let recoveredAt = 0;
    const recovered = () => kinds.every((k) => traffic.samples.some((s) => s.kind === k && s.start >= upAt && s.status === 200));
    try {
      await waitUntil('every route to answer 200 after the database came back', recovered, REQUEST_TIMEOUT_MS + 15_000);
      recoveredAt = Math.max(
        ...kinds.map((k) => Math.min(...traffic.samples.filter((s) => s.kind === k && s.start >= upAt && s.status === 200).map((s) => s.end))),
      );
      await sleep(1500);
    } catch {
      // verify() reports "never recovered" with every sample
    } finally {
      await traffic.stop();
    }
    return { traffic, tl: { downStart, downAt, upStart, upAt, recoveredAt } };
  }

  /** A 503 body as the contract wants it, or what is wrong with it. */
  function problemOf503(s: Sample): string | undefined {
    if (s.contentType !== 'application/json; charset=utf-8') return `content-type ${s.contentType}`;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(s.text);
    } catch {
      return 'body is not JSON';
    }
    if (Object.keys(body).sort().join() !== 'error,message,statusCode') return `keys ${Object.keys(body).sort().join()}`;
    if (body.statusCode !== 503 || body.error !== 'Service Unavailable' || typeof body.message !== 'string') return 'statusCode/error/message';
    const message = body.message;
    if (s.kind === 'ready' ? !/database/i.test(message) : !/database (is|may be) unavailable/i.test(message)) return 'message does not say the database is unavailable';
    // nothing of the SQL or the driver leaks
    if (/SELECT|INSERT|UPDATE|DELETE|user_action|\bER_[A-Z_]+|ECONN|ETIMEDOUT|EPIPE|PROTOCOL_|POOL_|mysql|connect /i.test(message)) return 'SQL or driver text in the message';
    if (s.kind === 'ingest' && !/^[1-9]\d*$/.test(s.retryAfter ?? '')) return `Retry-After ${s.retryAfter}`;
    return undefined;
  }

  /** Every assertion of a scenario, after its traffic has ended; all problems are reported at once. */
  async function verify(outage: Outage, traffic: Traffic, tl: Timeline): Promise<void> {
    const { samples, batches, tenant } = traffic;
    const fmt = (s: Sample) =>
      `${s.kind} sent at +${s.start - tl.downStart} ms (relative to the outage), took ${s.end - s.start} ms → ${s.status}${s.error ? ` ${s.error}` : ''} ${s.text.slice(0, 300)}`;

    // figures for the report
    const away = samples.filter((s) => s.start >= tl.downAt && s.end <= tl.upStart);
    const maxAway = Math.max(0, ...away.map((s) => s.end - s.start));
    const maxAll = Math.max(...samples.map((s) => s.end - s.start));
    const firstReady = samples.filter((s) => s.kind === 'ready' && s.start >= tl.upAt && s.status === 200).sort((a, b) => a.end - b.end)[0];
    const acked = batches.filter((b) => b.ackAt !== undefined);
    const retried = batches.filter((b) => b.attempts > 1);
    const statusCount = (kind: Kind | 'read', status: number) =>
      samples.filter((s) => (kind === 'read' ? READ_KINDS.includes(s.kind as ReadKind) : s.kind === kind) && s.status === status).length;
    console.log(
      [
        `[outage: ${outage.name}] tenant ${tenant}; database away for ${tl.upStart - tl.downAt} ms (down() took ${tl.downAt - tl.downStart} ms, up() took ${tl.upAt - tl.upStart} ms)`,
        `  requests: ${samples.length}; while away: ${away.length}; max duration while away ${maxAway} ms; max duration overall ${maxAll} ms`,
        `  reads: ${statusCount('read', 200)}×200, ${statusCount('read', 503)}×503, ${statusCount('read', 0)}×no answer; ready: ${statusCount('ready', 200)}×200, ${statusCount('ready', 503)}×503; ingest: ${statusCount('ingest', 202)}×202, ${statusCount('ingest', 503)}×503, ${statusCount('ingest', 0)}×no answer`,
        `  recovery after up(): ready 200 after ${firstReady ? firstReady.end - tl.upAt : '∞'} ms, every route 200 after ${tl.recoveredAt ? tl.recoveredAt - tl.upAt : '∞'} ms`,
        `  batches: ${batches.length} sent, ${acked.length} answered 202, ${retried.length} retried (max ${Math.max(...batches.map((b) => b.attempts))} attempts), ${batches.filter((b) => (b.duplicates ?? 0) > 0).length} answered with duplicates (events an earlier attempt answered 503 had stored)`,
        `  stored: ${acked.reduce((n, b) => n + b.events.length, 0)} events in 202-answered batches`,
      ].join('\n'),
    );

    if (process.env.OUTAGE_DUMP) for (const s of samples.filter((x) => x.kind === 'ingest')) console.log(fmt(s));
    const problems = {
      // only the statuses a client must handle: 200/202 or 503, never a 500, a 429 or a broken connection
      wrongStatus: samples.filter((s) => s.status !== 503 && s.status !== (s.kind === 'ingest' ? 202 : 200)).map(fmt),
      unexpectedReadContent: traffic.parseErrors,
      // every request answered within REQUEST_TIMEOUT_MS + margin — while the database was away and at any other time
      slowerThanRequestTimeout: samples.filter((s) => s.end - s.start > REQUEST_TIMEOUT_MS + MARGIN_MS).map(fmt),
      // while the database was away, ready, every read route and ingestion were asked and answered 503 JSON
      notAskedWhileAway: [...READ_KINDS, 'ready', 'ingest'].filter((k) => !away.some((s) => s.kind === k)),
      not503WhileAway: away.filter((s) => s.status !== 503).map(fmt),
      bad503: samples.flatMap((s) => {
        const p = s.status === 503 ? problemOf503(s) : undefined;
        return p ? [`${p}: ${fmt(s)}`] : [];
      }),
      // once every route answered 200 again, nothing fails any more
      failedAfterRecovery: tl.recoveredAt ? samples.filter((s) => s.start >= tl.recoveredAt && s.status !== 200 && s.status !== 202).map(fmt) : ['never recovered'],
      // every 200 read counted what was acknowledged before it was sent and nothing not sent yet
      readsOutOfBounds: samples.flatMap((s) => {
        if (s.total === undefined) return [];
        const [lower, upper] = traffic.bounds(s.start, s.end);
        return s.total >= lower && s.total <= upper ? [] : [`${fmt(s).slice(0, 120)}: counted ${s.total}, expected ${lower}..${upper}`];
      }),
      // every batch eventually 202, its events counted once as accepted or duplicate
      batchesNeverAccepted: batches.filter((b) => b.ackAt === undefined).map((b) => `${b.id} (${b.attempts} attempts)`),
      batchesMiscounted: acked.filter((b) => b.accepted! + b.duplicates! !== BATCH_SIZE).map((b) => `${b.id}: ${b.accepted} + ${b.duplicates}`),
    };
    expect(problems).toEqual(Object.fromEntries(Object.keys(problems).map((k) => [k, []])));

    // exactly once: every acknowledged event stored once, nothing else stored
    const ackedIds = acked.flatMap((b) => b.events.map((e) => e.eventId as string)).sort();
    expect(new Set(ackedIds).size).toBe(ackedIds.length);
    const db = await stored(tenant);
    expect(db.repeated).toEqual([]);
    expect(db.rows).toBe(ackedIds.length);
    expect(db.eventIds).toEqual(ackedIds);
    // eventIds are unique across batches, so a batch's duplicates can only be events an earlier attempt of
    // the same batch stored although its answer was a 503 (or lost): accepted + duplicates add up to the rows
    expect(acked.filter((b) => b.duplicates! > 0 && b.attempts === 1).map((b) => b.id)).toEqual([]);
    expect(acked.reduce((n, b) => n + b.accepted! + b.duplicates!, 0)).toBe(db.rows);
    await expectSummariesConsistent(t);

    // the read API reports exactly that count on every route, JSON and CSV
    const n = ackedIds.length;
    const firstCreated = acked.flatMap((b) => b.events.map((e) => e.created as string)).sort()[0];
    const auth = { Authorization: `Bearer ${t.token([tenant])}` };
    const get = async (path: string, csv = false) => {
      const res = await fetch(`${base}/tenants/${tenant}/${path}`, { headers: csv ? { ...auth, Accept: 'text/csv' } : auth });
      const text = await res.text();
      expect({ path, csv, status: res.status }).toEqual({ path, csv, status: 200 });
      return text;
    };
    const ua = JSON.parse(await get('useractions'));
    expect(ua.userActions).toEqual([{ date: firstCreated, module: 3, action: 1, tenant, count: n, aggregationLevel: 2 }]);
    expect(parseCsv(await get('useractions', true)).records).toEqual([{ module: 3, action: 1, tenant, count: n, month: 3, year: 2026 }]);
    const agg = JSON.parse(await get(`userActionsAggregated?${RANGE}`));
    expect(agg.userActions).toEqual([{ module: 3, action: 1, tenant, count: n, aggregationLevel: 0 }]);
    expect(parseCsv(await get(`userActionsAggregated?${RANGE}`, true)).records).toEqual([{ module: 3, action: 1, tenant, count: n, aggregationLevel: 0 }]);
    const conf = JSON.parse(await get(`configurations?${RANGE}&limit=1`));
    expect(conf.meta.total).toBe(n);
    expect(parseCsv(await get(`configurations?${RANGE}`, true)).records).toHaveLength(n);
    const byCountry = JSON.parse(await get(`userActionsAggregated?${RANGE}&aggregations[]=country`));
    const perCountry = { AT: 0, DE: 0 };
    for (const id of ackedIds) perCountry[Number(id.slice(id.lastIndexOf('-e') + 2)) % 2 ? 'AT' : 'DE']++;
    const sortedByCountry = [...byCountry.userActions].sort((a, b) => (a.country < b.country ? -1 : 1));
    expect(sortedByCountry).toEqual([
      { module: 3, action: 1, tenant, count: perCountry.AT, aggregationLevel: 0, country: 'AT' },
      { module: 3, action: 1, tenant, count: perCountry.DE, aggregationLevel: 0, country: 'DE' },
    ]);
  }

  it('clean stop and restart: 503 while down, recovery without restarting the app, every accepted batch stored exactly once', async () => {
    const outage: Outage = { name: 'clean stop', down: () => server.stop(), up: () => server.start(), awayMs: 6000 };
    const { traffic, tl } = await runScenario(11, outage);
    await verify(outage, traffic, tl);
  }, 90_000);

  it('hung database (SIGSTOP, then SIGCONT): answers 503 in time instead of hanging, then recovers, nothing lost or doubled', async () => {
    const outage: Outage = {
      name: 'hung (SIGSTOP)',
      down: () => server.pause(),
      up: async () => server.resume(),
      awayMs: 10_000,
    };
    const { traffic, tl } = await runScenario(12, outage);
    await verify(outage, traffic, tl);
  }, 90_000);

  it('crash (SIGKILL) and crash recovery on restart: 503 while down, every accepted batch stored exactly once', async () => {
    const outage: Outage = { name: 'crash (SIGKILL)', down: () => server.kill(), up: () => server.start(), awayMs: 6000 };
    const { traffic, tl } = await runScenario(13, outage);
    await verify(outage, traffic, tl);
  }, 90_000);
});
