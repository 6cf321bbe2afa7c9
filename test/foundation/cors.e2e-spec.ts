import type { Response } from 'supertest';
import { TestApp } from '../support/test-app';
import { API } from '../support/client-core';

/** CORS_ORIGINS: an allow-list of exact origins; nothing at all for any other origin or by default. */

const NOW = new Date('2026-03-10T12:00:00.000Z');
const READ = `${API}/tenants/1/useractions`;
const INGEST = `${API}/tenants/1/useractions`;
const ADMIN = 'https://admin.example.com';
const LOCAL = 'http://localhost:5173';

const corsHeaders = (res: Response) => Object.keys(res.headers).filter((h) => h.startsWith('access-control-'));
const vary = (res: Response) =>
  String(res.headers.vary ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);

describe('CORS off (no CORS_ORIGINS, the default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW });
  });
  afterAll(() => t.close());

  it('a preflight gets no CORS headers (404 as any OPTIONS request), an actual request none either', async () => {
    const pre = await t.http.options(READ).set('Origin', ADMIN).set('Access-Control-Request-Method', 'GET').set('Access-Control-Request-Headers', 'authorization');
    expect(pre.status).toBe(404);
    expect(corsHeaders(pre)).toEqual([]);
    const res = await t.http.get(READ).set('Origin', ADMIN).set(t.auth([1]));
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual([]);
    expect(vary(res)).not.toContain('origin');
  });
});

describe('CORS_ORIGINS set', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { CORS_ORIGINS: `${ADMIN}, ${LOCAL}` } });
  });
  afterAll(() => t.close());

  const preflight = (origin: string | undefined, method = 'GET', path = READ, headers = 'authorization') => {
    let req = t.http.options(path).set('Access-Control-Request-Method', method).set('Access-Control-Request-Headers', headers);
    if (origin !== undefined) req = req.set('Origin', origin);
    return req;
  };

  it.each([
    [ADMIN, 'GET', READ, 'authorization,if-none-match'],
    [LOCAL, 'POST', INGEST, 'authorization,content-type,x-request-id'],
    [ADMIN, 'PUT', `${API}/modules/3/actions/1`, 'authorization,content-type'],
    [ADMIN, 'DELETE', `${API}/users/some-user`, 'authorization'],
  ])('a preflight from %s for %s %s → 204 with that origin, the methods, headers and a max-age', async (origin, method, path, headers) => {
    const res = await preflight(origin, method, path, headers);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers['content-length']).toBe('0');
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    expect(res.headers['access-control-allow-methods']).toBe('GET,HEAD,POST,PUT,DELETE,OPTIONS');
    expect(res.headers['access-control-allow-headers']).toBe('Authorization,Content-Type,Accept,If-None-Match,X-Request-Id');
    expect(res.headers['access-control-expose-headers']).toBe('Content-Disposition,ETag,Retry-After,X-Request-Id');
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(corsHeaders(res).sort()).toEqual([
      'access-control-allow-headers',
      'access-control-allow-methods',
      'access-control-allow-origin',
      'access-control-expose-headers',
      'access-control-max-age',
    ]);
    expect(vary(res)).toContain('origin');
  });

  it('an actual read from an allowed origin: 200 with the origin and the exposed headers; a CSV export exposes Content-Disposition', async () => {
    const res = await t.http.get(READ).set('Origin', ADMIN).set(t.auth([1]));
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ADMIN);
    expect(res.headers['access-control-expose-headers']).toBe('Content-Disposition,ETag,Retry-After,X-Request-Id');
    expect(vary(res)).toContain('origin');
    const csv = await t.http.get(READ).set('Origin', LOCAL).set('Accept', 'text/csv').set(t.auth([1]));
    expect(csv.status).toBe(200);
    expect(csv.headers['access-control-allow-origin']).toBe(LOCAL);
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="tenant-1-/);
  });

  it('an ingestion from an allowed origin: 202 with the origin', async () => {
    const res = await t.http
      .post(INGEST)
      .set('Origin', LOCAL)
      .set(t.auth([1], { ingest: true }))
      .send({ userActions: [{ eventId: 'cors-1', module: 3, action: 1, created: '2026-03-10T11:00:00.000Z' }] });
    expect(res.status).toBe(202);
    expect(res.headers['access-control-allow-origin']).toBe(LOCAL);
  });

  it('errors carry the origin too, so the page can read them (401 without a token, 404, 400)', async () => {
    for (const [path, status] of [
      [READ, 401],
      [`${API}/nothing-here`, 404],
    ] as const) {
      const res = await t.http.get(path).set('Origin', ADMIN);
      expect(res.status).toBe(status);
      expect(res.headers['access-control-allow-origin']).toBe(ADMIN);
    }
    const bad = await t.http.get(`${READ}?from=yesterday`).set('Origin', ADMIN).set(t.auth([1]));
    expect(bad.status).toBe(400);
    expect(bad.headers['access-control-allow-origin']).toBe(ADMIN);
  });

  it.each([
    'https://evil.example',
    'https://admin.example.com.evil.example',
    'https://evil-admin.example.com',
    'http://admin.example.com',
    'https://admin.example.com:8443',
    'https://ADMIN.example.com',
    'https://admin.example.com/',
    'http://localhost:5174',
    'null',
    '*',
    '',
  ])('a preflight from %j is not answered as allowed: 404 (the router, as without CORS), no Access-Control-* header', async (origin) => {
    const res = await preflight(origin);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: expect.any(String) });
    expect(corsHeaders(res)).toEqual([]);
    expect(vary(res)).toContain('origin');
  });

  it('an actual request from another origin is served without Access-Control-* headers (the browser withholds it)', async () => {
    const res = await t.http.get(READ).set('Origin', 'https://evil.example').set(t.auth([1]));
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual([]);
    expect(vary(res)).toContain('origin');
  });

  it('a request without Origin (server to server) gets no Access-Control-* headers, and Vary: Origin', async () => {
    const res = await t.http.get(READ).set(t.auth([1]));
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual([]);
    expect(vary(res)).toContain('origin');
    const pre = await preflight(undefined);
    expect(pre.status).toBe(404);
    expect(corsHeaders(pre)).toEqual([]);
  });
});
