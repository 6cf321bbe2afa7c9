import { ClientRequest, IncomingMessage, request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { API, bulkConfigurationEvents, ingest } from '../support/fixtures';
import { TestApp } from '../support/test-app';

// The guard against bulk exports: EXPORT_MAX_CONCURRENT CSV exports per replica, and
// EXPORT_MAX_CONCURRENT_PER_TENANT of them for one tenant; 429 with Retry-After beyond.
// Exports are held open by clients that stop reading (the stream then waits on backpressure).

const NOW = new Date('2026-05-20T12:00:00.000Z');
const ROWS = 6000;

interface OpenExport {
  req: ClientRequest;
  res: IncomingMessage;
}

describe('CSV export limits (429 + Retry-After)', () => {
  let t: TestApp;
  let port: number;
  const open: OpenExport[] = [];

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { EXPORT_MAX_CONCURRENT: '3', EXPORT_MAX_CONCURRENT_PER_TENANT: '2' } });
    await new Promise<void>((resolve) => t.app.getHttpServer().listen(0, '127.0.0.1', resolve));
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    // Enough configuration rows (long thumbnails) that an unread export fills the socket buffers.
    for (const tenant of [1, 2, 3]) await ingest(t, tenant, bulkConfigurationEvents(NOW, ROWS, { idPrefix: `cfg-${tenant}-` }));
  }, 120_000);

  afterEach(async () => {
    for (const o of open.splice(0)) o.req.destroy();
    await inFlight(0);
  });

  afterAll(async () => {
    await t.close();
  });

  /** Starts a CSV export and stops reading after the headers; resolves with the response. */
  function startExport(tenant: number): Promise<OpenExport> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: `${API}/tenants/${tenant}/configurations?format=csv&from=2026-05-01T00:00:00.000Z&to=2026-05-21T00:00:00.000Z`,
          headers: { Authorization: t.auth([tenant]).Authorization },
        },
        (res) => {
          res.pause();
          const o = { req, res };
          open.push(o);
          resolve(o);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  async function readAll(res: IncomingMessage): Promise<string> {
    res.resume();
    res.setEncoding('utf8');
    let body = '';
    for await (const chunk of res) body += chunk;
    return body;
  }

  /** Waits until the limiter counts `n` exports (release happens on the response's close event). */
  async function inFlight(n: number): Promise<void> {
    const { ExportLimiter } = await import('../../src/statistics/output/export-limiter');
    const limiter = t.app.get(ExportLimiter);
    for (let i = 0; i < 200 && limiter.inFlight() !== n; i++) await new Promise((r) => setTimeout(r, 10));
    expect(limiter.inFlight()).toBe(n);
  }

  /**
   * MySQL: an abandoned export leaves no statement behind. Its connection is dropped both ways, so
   * the server, blocked writing rows nobody reads, stops at once — before, it held the statement's
   * transaction and metadata locks until net_write_timeout (60 s), and a migration's DDL on
   * user_action waited behind them (what the label-upgrade spec's DROP INDEX ran into). A table
   * lock needs what DDL needs: granted within 20 s (well inside those 60 s), or this fails.
   */
  async function expectNoStatementLeft(): Promise<void> {
    if (t.config.database.type !== 'mysql') return;
    const runner = t.dataSource.createQueryRunner();
    try {
      await runner.query('SET SESSION lock_wait_timeout = 20');
      await runner.query('LOCK TABLES user_action WRITE, configuration_snapshot WRITE');
      await runner.query('UNLOCK TABLES');
    } finally {
      await runner.release();
    }
  }

  it('a tenant beyond its limit gets 429 with Retry-After naming EXPORT_MAX_CONCURRENT_PER_TENANT; JSON is not limited', async () => {
    const a = await startExport(1);
    const b = await startExport(1);
    expect([a.res.statusCode, b.res.statusCode]).toEqual([200, 200]);
    const third = await startExport(1);
    expect(third.res.statusCode).toBe(429);
    expect(third.res.headers['retry-after']).toBe('10');
    expect(third.res.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(await readAll(third.res));
    expect(body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Too many concurrent CSV exports for tenant 1: 2 running, the limit is 2 (EXPORT_MAX_CONCURRENT_PER_TENANT); retry after 10 s',
    });
    const json = await t.http.get(`${API}/tenants/1/configurations?limit=5`).set(t.auth([1]));
    expect(json.status).toBe(200);
    expect(json.body.meta.total).toBe(ROWS);
  });

  it('beyond the overall limit another tenant gets 429 naming EXPORT_MAX_CONCURRENT', async () => {
    await startExport(1);
    await startExport(1);
    const other = await startExport(2);
    expect(other.res.statusCode).toBe(200);
    await inFlight(3);
    const fourth = await startExport(3);
    expect(fourth.res.statusCode).toBe(429);
    expect(fourth.res.headers['retry-after']).toBe('10');
    expect(JSON.parse(await readAll(fourth.res)).message).toBe(
      'Too many concurrent CSV exports on this server: 3 running, the limit is 3 (EXPORT_MAX_CONCURRENT); retry after 10 s',
    );
  });

  it('a slot is given back when an export finishes and when its client goes away', async () => {
    const a = await startExport(1);
    const b = await startExport(1);
    await inFlight(2);
    // Finished: read one export to its end — every row is there.
    const text = await readAll(a.res);
    expect(text.trimEnd().split('\n')).toHaveLength(ROWS + 1);
    await inFlight(1);
    // Abandoned: the client disconnects in the middle.
    b.req.destroy();
    await inFlight(0);
    await expectNoStatementLeft();
    const again = await Promise.all([startExport(1), startExport(1)]);
    expect(again.map((o) => o.res.statusCode)).toEqual([200, 200]);
  });

  it('refused requests never take a slot: 403 and 400 before the limiter, and they do not count', async () => {
    await startExport(1);
    await startExport(1);
    const forbidden = await t.http.get(`${API}/tenants/1/configurations?format=csv`).set(t.auth([2]));
    expect(forbidden.status).toBe(403);
    const bad = await t.http.get(`${API}/tenants/2/configurations?format=csv&limit=0`).set(t.auth([2]));
    expect(bad.status).toBe(400);
    await inFlight(2);
  });

  it('HEAD on a CSV route answers the download headers without taking a slot, also when the limit is reached', async () => {
    await startExport(1);
    await startExport(1);
    await inFlight(2);
    const head = await t.http
      .head(`${API}/tenants/1/configurations?format=csv&from=2026-05-01T00:00:00.000Z&to=2026-05-21T00:00:00.000Z`)
      .set(t.auth([1]));
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(head.headers['content-disposition']).toBe(
      'attachment; filename="tenant-1-configurations-2026-05-01T000000Z_2026-05-21T000000Z.csv"',
    );
    expect(head.headers['retry-after']).toBeUndefined();
    await inFlight(2);
    // A GET beside them is still refused: HEAD neither took nor freed a slot.
    const third = await startExport(1);
    expect(third.res.statusCode).toBe(429);
  });
});
