import { ClientRequest, IncomingMessage, request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { Database } from '../../src/database/database.service';
import { Metrics } from '../../src/metrics/metrics.service';
import { RollupService } from '../../src/rollup/rollup.service';
import { ExportLimiter } from '../../src/statistics/output/export-limiter';
import { Exposition, scrape } from '../support/metrics';
import { API, bulkConfigurationEvents, csvText, EventSpec, getCsv, ingest } from '../support/fixtures';
import { TEST_DIALECT, TestApp } from '../support/test-app';

// Prometheus metrics at GET /metrics: the exposition parses, and every counter moves by exactly
// what the test did. Tenant ids are distinctive numbers that must never appear in the exposition.

const NOW = new Date('2026-05-20T12:00:00.000Z');
const TENANT = 73914;
const OTHER = 73915;
const INGEST_ROUTE = `${API}/tenants/:id/useractions`;
const READ_ROUTE = `${API}/tenants/:id/useractions`;
const DURATION = 'statistics_http_request_duration_seconds';

/** Waits (by turns of the event loop, bounded) until `cond` holds; fails naming `what` if it never does. */
async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 5000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error(`never happened: ${what}`);
}

/**
 * No tenant id, event id or user id of the test in the exposition: not in a family's name or help,
 * not in a sample's name, label name or label value. (Sample values are measurements — a duration
 * sum such as 0.0247391400 may contain the digits of a tenant id by chance, so they are not searched.)
 */
function expectNoIdentifiers(e: Exposition): void {
  const text: string[] = [];
  for (const f of e.families.values()) {
    text.push(f.name, f.help);
    for (const s of f.samples) text.push(s.name, ...Object.entries(s.labels).flat());
  }
  expect(text.length).toBeGreaterThan(100);
  for (const id of [String(TENANT), String(OTHER), 'metrics-evt-', 'metrics-user-']) {
    expect(text.filter((t) => t.includes(id))).toEqual([]);
  }
}

describe('Prometheus metrics (GET /metrics)', () => {
  let t: TestApp;
  let db: Database;

  beforeAll(async () => {
    // The folder off: its drains (woken by each ingestion and every FOLD_INTERVAL_MS) take a pooled
    // connection at moments of their own, and the pool gauges here count exactly what the test holds.
    // Answers do not need it (reads add the pending rows); 'the fold in the metrics' covers the fold.
    t = await TestApp.create({ now: NOW, env: { EXPORT_MAX_CONCURRENT_PER_TENANT: '1', FOLD_ENABLED: 'false' } });
    db = t.app.get(Database);
  });
  beforeEach(async () => {
    await t.reset();
    t.clock.set(NOW);
  });
  afterAll(() => t.close());

  const ingestUrl = (tenant: number) => `${API}/tenants/${tenant}/useractions`;
  const event = (id: string, extra: Record<string, unknown> = {}) => ({ eventId: `metrics-evt-${id}`, module: 3, action: 1, created: '2026-05-20T11:00:00.000Z', ...extra });

  it('serves the text format on the service port outside the API prefix, without a token, with the process defaults', async () => {
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    const e = new Exposition(res.text);
    const service = [...e.families.keys()].filter((n) => n.startsWith('statistics_')).sort();
    expect(service).toEqual([
      'statistics_answer_cache_requests_total',
      'statistics_csv_export_bytes_total',
      'statistics_csv_export_rows_total',
      'statistics_csv_exports_active',
      'statistics_csv_exports_refused_total',
      'statistics_db_pool_connections_in_use',
      'statistics_db_pool_waiting',
      'statistics_db_replica_fallbacks_total',
      'statistics_fold_duration_seconds',
      'statistics_fold_lease_held',
      'statistics_fold_oldest_pending_age_seconds',
      'statistics_fold_pending_rows',
      'statistics_fold_rows_total',
      DURATION,
      'statistics_http_requests_in_flight',
      'statistics_ingest_batches_refused_total',
      'statistics_ingest_events_accepted_total',
      'statistics_ingest_events_duplicate_total',
      'statistics_rollup_lag_seconds',
      'statistics_rollup_last_success_timestamp_seconds',
      'statistics_rollup_lease_held',
      'statistics_rollup_passes_total',
      'statistics_rollup_rows_moved_total',
    ]);
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(e.families.has(name)).toBe(true);
    }
    expect(e.family(DURATION).type).toBe('histogram');
    // This scrape is the one request in flight.
    expect(e.value('statistics_http_requests_in_flight')).toBe(1);
    expect(e.value('statistics_rollup_last_success_timestamp_seconds')).toBe(0);
    expect(e.value('statistics_rollup_lease_held')).toBe(0);
    // Not under the prefix (the gateway routes only /v2/statistics), and no route for other methods.
    expect((await t.http.get(`${API}/metrics`)).status).toBe(404);
    // A wrong method on /metrics is a 405 like on every known path.
    expect((await t.http.post('/metrics')).status).toBe(405);
  });

  it('times requests by route template, method and status; unknown routes are "unmatched"', async () => {
    const before = await scrape(t);
    for (let i = 0; i < 3; i++) await t.http.get(`${API}/tenants/${TENANT}/useractions`).set(t.auth([TENANT])).expect(200);
    await t.http.get(`${API}/tenants/${OTHER}/useractions`).set(t.auth([TENANT])).expect(403);
    await t.http.get(`${API}/tenants/${TENANT}/useractions`).expect(401);
    await t.http.get(`${API}/tenants/${TENANT}/nothing-here`).set(t.auth([TENANT])).expect(404);
    await t.http.get(`/elsewhere/${TENANT}`).expect(404);
    await t.http.delete(`${API}/tenants/${TENANT}/useractions`).set(t.auth([TENANT])).expect(405);
    // Refused by the body parser before routing: still the ingestion route's template.
    await t.http
      .post(ingestUrl(TENANT))
      .set(t.auth([TENANT], { ingest: true }))
      .set('Content-Type', 'application/json')
      .send(`{"userActions":[${'"x",'.repeat(700_000)}"x"]}`)
      .expect(413);
    const after = await scrape(t);
    const delta = (labels: Record<string, string>) => after.histogram(DURATION, labels).count - before.histogram(DURATION, labels).count;
    expect(delta({ route: READ_ROUTE, method: 'GET', status: '200' })).toBe(3);
    expect(delta({ route: READ_ROUTE, method: 'GET', status: '403' })).toBe(1);
    expect(delta({ route: READ_ROUTE, method: 'GET', status: '401' })).toBe(1);
    expect(delta({ route: 'unmatched', method: 'GET', status: '404' })).toBe(2);
    expect(delta({ route: 'unmatched', method: 'DELETE', status: '405' })).toBe(1);
    expect(delta({ route: INGEST_ROUTE, method: 'POST', status: '413' })).toBe(1);
    expect(delta({ route: '/metrics', method: 'GET', status: '200' })).toBe(1);
    // Every route label is a template or "unmatched".
    const routes = after.labelValues(DURATION, 'route');
    for (const r of routes) expect(r === 'unmatched' || r === '/metrics' || r.startsWith(`${API}/`)).toBe(true);
    for (const r of routes) expect(r).not.toMatch(/\/\d+(\/|$)/);
    expect(after.histogram(DURATION, { route: READ_ROUTE, method: 'GET', status: '200' }).sum).toBeGreaterThan(0);
    // The sample values are bounded: methods, three-digit status codes.
    for (const m of after.labelValues(DURATION, 'method')) expect(['GET', 'POST', 'DELETE']).toContain(m);
    for (const code of after.labelValues(DURATION, 'status')) expect(code).toMatch(/^[1-5]\d\d$/);
    expectNoIdentifiers(after);
  });

  it('ingestion: events accepted and duplicates, batches refused by reason', async () => {
    const before = await scrape(t);
    const auth = t.auth([TENANT], { ingest: true });
    await t.http
      .post(ingestUrl(TENANT))
      .set(auth)
      .send({ userActions: [event('a', { userId: 'metrics-user-1' }), event('b'), event('c'), event('a')] })
      .expect(202, { accepted: 3, duplicates: 1 });
    await t.http.post(ingestUrl(TENANT)).set(auth).send({ userActions: [event('b'), event('d')] }).expect(202, { accepted: 1, duplicates: 1 });
    // Refused: invalid events and malformed JSON (400), no token (401), wrong tenant or no ingest scope (403), too large (413).
    await t.http.post(ingestUrl(TENANT)).set(auth).send({ userActions: [event('e', { module: 'x' })] }).expect(400);
    await t.http.post(ingestUrl(TENANT)).set(auth).set('Content-Type', 'application/json').send('{"userActions": [').expect(400);
    await t.http.post(ingestUrl(TENANT)).send({ userActions: [event('f')] }).expect(401);
    await t.http.post(ingestUrl(OTHER)).set(auth).send({ userActions: [event('g')] }).expect(403);
    await t.http.post(ingestUrl(TENANT)).set(t.auth([TENANT])).send({ userActions: [event('h')] }).expect(403);
    await t.http.post(ingestUrl(TENANT)).set(auth).send({ userActions: [event('i', { created: 'x'.repeat(3_000_000) })] }).expect(413);
    const after = await scrape(t);
    const delta = (name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);
    expect(delta('statistics_ingest_events_accepted_total')).toBe(4);
    expect(delta('statistics_ingest_events_duplicate_total')).toBe(2);
    const refused = 'statistics_ingest_batches_refused_total';
    expect({
      invalid: delta(refused, { reason: 'invalid' }),
      unauthenticated: delta(refused, { reason: 'unauthenticated' }),
      forbidden: delta(refused, { reason: 'forbidden' }),
      too_large: delta(refused, { reason: 'too_large' }),
      other: delta(refused, { reason: 'other' }),
    }).toEqual({ invalid: 2, unauthenticated: 1, forbidden: 2, too_large: 1, other: 0 });
    const accepted202 = (e: Exposition) => e.histogram(DURATION, { route: INGEST_ROUTE, method: 'POST', status: '202' }).count;
    expect(accepted202(after) - accepted202(before)).toBe(2);
    expectNoIdentifiers(after);
  });

  it('CSV exports: data rows and bytes of the body; JSON answers are no export', async () => {
    const events: EventSpec[] = [];
    for (let i = 0; i < 37; i++) {
      events.push({ module: 3, action: 2, created: new Date(NOW.getTime() - 60_000 - i * 1000).toISOString(), actionId: `cfg-${i}`, userId: `metrics-user-${i}` });
    }
    await ingest(t, TENANT, events);
    const before = await scrape(t);
    const res = await getCsv(t, TENANT, 'configurations', 'from=2026-05-01T00:00:00.000Z&to=2026-05-21T00:00:00.000Z').expect(200);
    const text = csvText(res);
    expect(text.trimEnd().split('\n')).toHaveLength(38);
    await t.http.get(`${API}/tenants/${TENANT}/configurations?limit=5`).set(t.auth([TENANT])).expect(200);
    const after = await scrape(t);
    const delta = (name: string) => after.value(name) - before.value(name);
    expect(delta('statistics_csv_export_rows_total')).toBe(37);
    expect(delta('statistics_csv_export_bytes_total')).toBe(Buffer.byteLength(text));
    expect(after.value('statistics_csv_exports_active')).toBe(0);
    expectNoIdentifiers(after);
  });

  describe('an export held open by a client that stops reading', () => {
    let port: number;
    const open: ClientRequest[] = [];
    const ROWS = 6000;

    beforeAll(async () => {
      await new Promise<void>((resolve) => t.app.getHttpServer().listen(0, '127.0.0.1', resolve));
      port = (t.app.getHttpServer().address() as AddressInfo).port;
    });
    afterEach(async () => {
      for (const req of open.splice(0)) req.destroy();
      const limiter = t.app.get(ExportLimiter);
      await until('every export slot released', () => limiter.inFlight() === 0);
    });

    function startExport(tenant: number): Promise<IncomingMessage> {
      return new Promise((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port, path: `${API}/tenants/${tenant}/configurations?format=csv`, headers: { Authorization: t.auth([tenant]).Authorization } },
          (res) => {
            res.pause();
            resolve(res);
          },
        );
        open.push(req);
        req.on('error', reject);
        req.end();
      });
    }

    it('counts as active and holds a pooled connection (MySQL); a 429 from the limiter counts as refused', async () => {
      // Long thumbnails: an unread export fills the socket buffers and stays open.
      await ingest(t, TENANT, bulkConfigurationEvents(NOW, ROWS));
      const before = await scrape(t);
      const held = await startExport(TENANT);
      expect(held.statusCode).toBe(200);
      const refused = await startExport(TENANT);
      expect(refused.statusCode).toBe(429);
      refused.resume();
      const during = await scrape(t);
      expect(during.value('statistics_csv_exports_active')).toBe(1);
      expect(during.value('statistics_csv_exports_refused_total', { limit: 'tenant' }) - before.value('statistics_csv_exports_refused_total', { limit: 'tenant' })).toBe(1);
      expect(during.value('statistics_csv_exports_refused_total', { limit: 'server' }) - before.value('statistics_csv_exports_refused_total', { limit: 'server' })).toBe(0);
      // The export and the scrape are in flight.
      expect(during.value('statistics_http_requests_in_flight')).toBe(2);
      if (TEST_DIALECT === 'mysql') expect(during.value('statistics_db_pool_connections_in_use', { pool: 'primary' })).toBe(1);
      // SQLite exports read on their own connection, not the shared one.
      else expect(during.value('statistics_db_pool_connections_in_use', { pool: 'sqlite' })).toBe(0);
      held.destroy();
      const limiter = t.app.get(ExportLimiter);
      await until('the held export released', () => limiter.inFlight() === 0);
      const afterwards = await scrape(t);
      expect(afterwards.value('statistics_csv_exports_active')).toBe(0);
      expect(afterwards.value('statistics_http_requests_in_flight')).toBe(1);
      expectNoIdentifiers(afterwards);
    });
  });

  it('database pool: connections in use and callers waiting, read at scrape time', async () => {
    const pool = TEST_DIALECT === 'mysql' ? 'primary' : 'sqlite';
    // SQLite serialises units of work on one connection: one held runs, one more waits. MySQL's
    // pool has 10 connections: all held, one more waits.
    const holders = TEST_DIALECT === 'mysql' ? 11 : 2;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const held = Array.from({ length: holders }, () => db.transaction(() => gate));
    const stats = () => db.poolStats().find((p) => p.pool === pool)!;
    await until('the pool full with one caller waiting', () => stats().inUse === holders - 1 && stats().waiting === 1);
    const scraping = scrape(t);
    // The scrape read the pools, then its own lag query queued behind the held work.
    await until('the scrape waiting for the database', () => stats().waiting === 2);
    open();
    const e = await scraping;
    await Promise.all(held);
    expect(e.value('statistics_db_pool_connections_in_use', { pool })).toBe(holders - 1);
    expect(e.value('statistics_db_pool_waiting', { pool })).toBe(1);
    const idle = await scrape(t);
    expect(idle.value('statistics_db_pool_connections_in_use', { pool })).toBe(0);
    expect(idle.value('statistics_db_pool_waiting', { pool })).toBe(0);
  });

  it('rollup: lag of the oldest overdue real-time row, rows moved as the pass reports, last success, lease held only during the pass', async () => {
    // Oldest on 2026-04-21 (UTC): due for the daily rollup from 2026-04-22 + 30 days = 2026-05-22T00:00Z.
    const old: EventSpec[] = [];
    for (let i = 0; i < 12; i++) old.push({ module: 3, action: 1 + (i % 3), created: `2026-04-21T${String(10 + (i % 5)).padStart(2, '0')}:00:00.000Z` });
    for (let i = 0; i < 5; i++) old.push({ module: 4, action: 1, created: `2026-04-23T08:0${i}:00.000Z` });
    await ingest(t, TENANT, old);
    await ingest(t, OTHER, [{ module: 3, action: 1, created: '2026-05-20T11:00:00.000Z' }]);
    expect((await scrape(t)).value('statistics_rollup_lag_seconds')).toBe(0);
    t.clock.set(new Date('2026-05-22T01:30:00.000Z'));
    const before = await scrape(t);
    expect(before.value('statistics_rollup_lag_seconds')).toBe(5400);
    const leaseDuringPass: number[] = [];
    const metrics = t.app.get(Metrics);
    const startedAt = Date.now() / 1000;
    const summary = await t.app.get(RollupService).run({
      asOf: t.clock.now(),
      chunkRows: 5,
      onProgress: () => void metrics.rollupLeaseHeld.get().then((g) => leaseDuringPass.push(g.values[0].value)),
    });
    const endedAt = Date.now() / 1000;
    expect(summary.skipped).toBeUndefined();
    // Only the rows of 2026-04-21 are due (daily cutoff 2026-04-22T00:00Z); nothing is monthly yet.
    expect(summary.rowsRead).toBe(12);
    const after = await scrape(t);
    const moved = (e: Exposition, step: string) => e.value('statistics_rollup_rows_moved_total', { step });
    expect(moved(after, 'daily') - moved(before, 'daily')).toBe(summary.rowsRead);
    expect(moved(after, 'monthly') - moved(before, 'monthly')).toBe(0);
    expect(after.value('statistics_rollup_passes_total', { outcome: 'done' }) - before.value('statistics_rollup_passes_total', { outcome: 'done' })).toBe(1);
    const last = after.value('statistics_rollup_last_success_timestamp_seconds');
    expect(last).toBeGreaterThanOrEqual(startedAt);
    expect(last).toBeLessThanOrEqual(endedAt);
    expect(leaseDuringPass).toEqual([1, 1, 1]);
    expect(after.value('statistics_rollup_lease_held')).toBe(0);
    // The oldest real-time row now is of 2026-04-23: due from 2026-05-24T00:00Z.
    expect(after.value('statistics_rollup_lag_seconds')).toBe(0);
    t.clock.set(new Date('2026-05-24T00:00:10.000Z'));
    expect((await scrape(t)).value('statistics_rollup_lag_seconds')).toBe(10);
    expectNoIdentifiers(after);
  });
});

describe('METRICS_ENABLED=false', () => {
  it('serves no /metrics', async () => {
    const t = await TestApp.create({ env: { METRICS_ENABLED: 'false' } });
    try {
      const res = await t.http.get('/metrics');
      expect(res.status).toBe(404);
      expect((await t.http.get(`${API}/health/live`)).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

(TEST_DIALECT === 'mysql' ? describe : describe.skip)('replica fallbacks (MySQL)', () => {
  it('counts reads and exports that no replica answered and that ran on the primary', async () => {
    // A replica nobody listens on: every read API call falls back to the primary.
    const t = await TestApp.create({ now: NOW, env: { DATABASE_READ_URLS: 'mysql://root@127.0.0.1:1/statistics_test' } });
    try {
      const db = t.app.get(Database);
      const before = await scrape(t);
      for (let i = 0; i < 3; i++) await db.snapshot((em) => em.query('SELECT 1'), 1);
      for (let i = 0; i < 2; i++) {
        const rows: unknown[] = [];
        for await (const row of db.streamSql('SELECT 1 AS one', [])) rows.push(row);
        expect(rows).toEqual([{ one: 1 }]);
      }
      const after = await scrape(t);
      const delta = (kind: string) => after.value('statistics_db_replica_fallbacks_total', { kind }) - before.value('statistics_db_replica_fallbacks_total', { kind });
      expect(delta('read')).toBe(3);
      expect(delta('export')).toBe(2);
    } finally {
      await t.close();
    }
  });
});

describe('the fold in the metrics', () => {
  it('pending rows and their age while nothing folds; rows folded and none pending after the fold', async () => {
    const t = await TestApp.create({ now: NOW, env: { FOLD_ENABLED: 'false' } });
    try {
      // Three events of three summary keys (the third differs by country), one key twice.
      await ingest(t, TENANT, [
        { module: 3, action: 1, created: '2026-05-20T09:10:00.000Z', country: 'AT' },
        { module: 3, action: 1, created: '2026-05-20T09:20:00.000Z', country: 'AT' },
        { module: 3, action: 2, created: '2026-05-20T09:30:00.000Z', country: 'AT' },
        { module: 3, action: 2, created: '2026-05-20T09:40:00.000Z', country: 'DE' },
      ]);
      // The batch was sent with the clock at its newest event (ingestAll walks the clock): queued then; scraped 90 s later.
      t.clock.set(new Date(Date.parse('2026-05-20T09:40:00.000Z') + 90_000));
      const before = await scrape(t);
      expect(before.value('statistics_fold_pending_rows')).toBe(3);
      expect(before.value('statistics_fold_oldest_pending_age_seconds')).toBe(90);
      expect(before.value('statistics_fold_lease_held')).toBe(0);
      await t.fold();
      const after = await scrape(t);
      expect(after.value('statistics_fold_pending_rows')).toBe(0);
      expect(after.value('statistics_fold_oldest_pending_age_seconds')).toBe(0);
      expect(after.value('statistics_fold_rows_total') - before.value('statistics_fold_rows_total')).toBe(3);
      expect(after.histogram('statistics_fold_duration_seconds', { outcome: 'done' }).count).toBeGreaterThanOrEqual(1);
      expectNoIdentifiers(after);
    } finally {
      await t.close();
    }
  });
});
