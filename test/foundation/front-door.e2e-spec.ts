import { API, ingest } from '../support/fixtures';
import { TestApp } from '../support/test-app';

// Issue 11 item 7: a wrong method on a known path answers 405 with Allow (read from the router's
// registered routes), unknown paths stay 404; HEAD on a read route answers the headers GET would.

const NOW = new Date('2026-05-20T12:00:00.000Z');

describe('405 Method Not Allowed and HEAD', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW });
    await ingest(t, 1, [
      { module: 3, action: 1, created: '2026-05-19T10:00:00.000Z' },
      { module: 3, action: 2, created: '2026-05-19T11:00:00.000Z', actionId: 'conf:a', configuration: { thumbnail: 'https://x/a.png' } },
    ]);
  });
  afterAll(() => t.close());

  it.each([
    ['delete', '/tenants/1/useractions', 'GET, HEAD, POST'],
    ['put', '/tenants/1/useractions', 'GET, HEAD, POST'],
    ['post', '/tenants/1/userActionsAggregated', 'GET, HEAD'],
    ['delete', '/tenants/1/configurations', 'GET, HEAD'],
    ['patch', '/users/someone', 'DELETE, PUT'],
    ['post', '/users/someone', 'DELETE, PUT'],
    ['post', '/modules', 'GET, HEAD'],
    ['get', '/modules/3/actions/1', 'PUT'],
    ['head', '/modules/3/actions/1', 'PUT'],
    ['post', '/health/live', 'GET, HEAD'],
    ['post', '/docs', 'GET, HEAD'],
  ] as const)('%s %s → 405 with Allow: %s and the JSON error body', async (method, path, allow) => {
    const res = await t.http[method](`${API}${path}`).set(t.auth([1], { ingest: true }));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe(allow);
    if (method === 'head') return; // no body on HEAD
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      statusCode: 405,
      error: 'Method Not Allowed',
      message: `${method.toUpperCase()} is not allowed on ${API}${path}; allowed: ${allow}`,
    });
  });

  it('405 does not depend on the token (the method is wrong for anyone) and reads no body', async () => {
    const res = await t.http.delete(`${API}/tenants/1/useractions`).set('Content-Type', 'application/json').send('{not json');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, POST');
  });

  it('unknown paths stay 404, also for methods no route has', async () => {
    for (const [method, path] of [
      ['get', '/nothing-here'],
      ['delete', '/nothing-here'],
      ['get', '/tenants/1'],
      ['post', '/tenants/1/useractions/extra'],
    ] as const) {
      const res = await t.http[method](`${API}${path}`).set(t.auth([1], { ingest: true }));
      expect({ method, path, status: res.status, allow: res.headers.allow }).toEqual({ method, path, status: 404, allow: undefined });
      expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: `Cannot ${method.toUpperCase()} ${API}${path}` });
    }
  });

  it('the right method on a known path is unaffected (GET, POST, PUT, DELETE)', async () => {
    await t.http.get(`${API}/modules`).set(t.auth([1])).expect(200);
    await t.http.put(`${API}/users/u-1`).set(t.auth([], { ingest: true })).send({ email: 'u1@example.com', statisticsConsent: true }).expect(200);
    await t.http.delete(`${API}/users/u-1`).set(t.auth([], { ingest: true })).expect(204);
    const body = { userActions: [{ eventId: 'fd-1', module: 3, action: 1, created: '2026-05-20T11:00:00.000Z' }] };
    await t.http.post(`${API}/tenants/1/useractions`).set(t.auth([1], { ingest: true })).send(body).expect(202, { accepted: 1, duplicates: 0 });
  });

  it.each(['useractions', 'userActionsAggregated', 'configurations'])('HEAD %s as CSV: the download headers, no body', async (route) => {
    const query = route === 'useractions' ? '' : '&from=2026-05-01T00:00:00.000Z&to=2026-05-21T00:00:00.000Z';
    const get = await t.http.get(`${API}/tenants/1/${route}?format=csv${query}`).set(t.auth([1]));
    const head = await t.http.head(`${API}/tenants/1/${route}?format=csv${query}`).set(t.auth([1]));
    expect(get.status).toBe(200);
    expect(get.text.length).toBeGreaterThan(0);
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(head.headers['content-disposition']).toBe(get.headers['content-disposition']);
    expect(head.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="tenant-1-${route}-.*\\.csv"$`));
    expect(head.headers.vary).toBe(get.headers.vary);
    expect(head.text).toBeUndefined();
  });

  it('HEAD answers the same refusals as GET: 401, 403, 400, 406', async () => {
    await t.http.head(`${API}/tenants/1/configurations?format=csv`).expect(401);
    await t.http.head(`${API}/tenants/1/configurations?format=csv`).set(t.auth([2])).expect(403);
    await t.http.head(`${API}/tenants/1/configurations?format=csv&limit=0`).set(t.auth([1])).expect(400);
    await t.http.head(`${API}/tenants/1/configurations`).set(t.auth([1])).set('Accept', 'image/png').expect(406);
  });

  it('HEAD on a JSON read route answers its headers', async () => {
    const head = await t.http.head(`${API}/tenants/1/useractions`).set(t.auth([1]));
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toMatch(/^application\/json/);
  });
});
