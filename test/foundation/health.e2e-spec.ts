import { TEST_DIALECT, TestApp } from '../support/test-app';
import { API } from '../support/client-core';

const NOW = new Date('2026-03-10T12:00:00.000Z');

describe('health, OpenAPI document and the HTTP conventions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW });
  });
  afterAll(() => t.close());

  it('GET health/live → 200 without a token', async () => {
    await t.http.get(`${API}/health/live`).expect(200, { status: 'ok' });
  });

  it('GET health/ready → 200 naming the database dialect', async () => {
    await t.http.get(`${API}/health/ready`).expect(200, { status: 'ok', database: TEST_DIALECT });
  });

  it('serves the OpenAPI document at docs-json with the bearer security scheme', async () => {
    const res = await t.http.get(`${API}/docs-json`).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(res.body.components.securitySchemes).toEqual({ jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } });
  });

  it('documents the security of every protected route and none on health', async () => {
    const { paths } = (await t.http.get(`${API}/docs-json`).expect(200)).body;
    const secured = [
      ['/v2/statistics/tenants/{id}/useractions', 'post'],
      ['/v2/statistics/users/{userId}', 'put'],
      ['/v2/statistics/users/{userId}', 'delete'],
      ['/v2/statistics/modules', 'get'],
      ['/v2/statistics/modules/{module}/actions/{action}', 'put'],
    ];
    for (const [path, method] of secured) {
      expect({ path, method, security: paths[path]?.[method]?.security }).toEqual({ path, method, security: [{ jwt: [] }] });
      expect(Object.keys(paths[path][method].responses)).toEqual(expect.arrayContaining(['401']));
    }
    expect(Object.keys(paths['/v2/statistics/tenants/{id}/useractions'].post.responses)).toEqual(
      expect.arrayContaining(['202', '400', '401', '403', '413']),
    );
    expect(paths['/v2/statistics/health/live'].get.security).toBeUndefined();
    expect(paths['/v2/statistics/health/ready'].get.security).toBeUndefined();
  });

  it('serves the Swagger UI at docs', async () => {
    const res = await t.http.get(`${API}/docs`).redirects(1).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('swagger');
  });

  it('answers an unknown route with a JSON 404 of { statusCode, error, message }', async () => {
    const res = await t.http.get(`${API}/nothing-here`).set('Accept', 'text/csv');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /v2/statistics/nothing-here' });
  });

  it('serves nothing outside the /v2/statistics prefix', async () => {
    await t.http.get('/health/live').expect(404);
    await t.http.get('/modules').expect(404);
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const given = await t.http.get(`${API}/health/live`).set('X-Request-Id', 'req-123.abc').expect(200);
    expect(given.headers['x-request-id']).toBe('req-123.abc');
    const made = await t.http.get(`${API}/health/live`).set('X-Request-Id', 'bad id with spaces').expect(200);
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('does not announce the framework', async () => {
    const res = await t.http.get(`${API}/health/live`).expect(200);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('health/ready when the database is gone', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW });
  });
  afterAll(() => t.close());

  it('answers 503 as JSON while live stays 200', async () => {
    await t.http.get(`${API}/health/ready`).expect(200);
    await t.dataSource.destroy();
    const res = await t.http.get(`${API}/health/ready`);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'The database does not answer' });
    await t.http.get(`${API}/health/live`).expect(200, { status: 'ok' });
  });
});

describe('database session', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW });
  });
  afterAll(() => t.close());

  if (TEST_DIALECT === 'mysql') {
    it("pins MySQL 8's sql_mode and UTC on every pooled connection", async () => {
      // Ten concurrent sleeping queries need ten connections: the pool's whole size.
      const rows = await Promise.all(
        Array.from({ length: 10 }, () =>
          t.dataSource.query('SELECT @@SESSION.sql_mode AS mode, @@SESSION.time_zone AS tz, CONNECTION_ID() AS id, SLEEP(0.2) AS s'),
        ),
      );
      expect(new Set(rows.map(([r]) => Number(r.id))).size).toBe(10);
      for (const [r] of rows) {
        expect(String(r.mode).split(',').sort()).toEqual(
          ['ERROR_FOR_DIVISION_BY_ZERO', 'NO_ENGINE_SUBSTITUTION', 'NO_ZERO_DATE', 'NO_ZERO_IN_DATE', 'ONLY_FULL_GROUP_BY', 'STRICT_TRANS_TABLES'],
        );
        expect(r.tz).toBe('+00:00');
      }
    });

    it('runs on a database whose name contains "test"', async () => {
      const [{ db }] = await t.dataSource.query('SELECT DATABASE() AS db');
      expect(db).toMatch(/test/);
    });
  } else {
    it('runs the embedded SQLite file in WAL mode', async () => {
      const [{ journal_mode }] = await t.dataSource.query('PRAGMA journal_mode');
      expect(journal_mode).toBe('wal');
    });
  }

  it('has applied the migrations (and never synchronised the schema)', async () => {
    const applied = await t.dataSource.query('SELECT name FROM migrations ORDER BY id');
    const shipped = t.dataSource.migrations.map((m) => m.name);
    expect(shipped[0]).toBe('InitialSchema1764100000000');
    expect(applied.map((m: { name: string }) => m.name)).toEqual(shipped);
    expect(await t.dataSource.showMigrations()).toBe(false);
    expect(t.dataSource.options.synchronize).toBe(false);
  });
});
