import { sign } from 'jsonwebtoken';
import { API, csvText, expectError, ingest, parseCsv, Route, tokenWith } from '../support/fixtures';
import { TestApp } from '../support/test-app';

/** Output negotiation, auth and parameter validation of every read route (spec §2, §3, §4). */

const NOW = new Date('2026-03-20T12:00:00.000Z');
const ROUTES: Route[] = ['useractions', 'userActionsAggregated', 'configurations'];

describe('read routes: negotiation, auth and validation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false' } });
    await t.reset();
    // One row on every route (a configuration action in the current month and the last 30 days).
    await ingest(t, 1, [{ module: 3, action: 2, created: '2026-03-10T10:00:00.000Z', actionId: 'conf:1', country: 'AT' }]);
  });
  afterAll(() => t.close());

  const url = (route: Route, query = '', tenant: string | number = 1) => `${API}/tenants/${tenant}/${route}${query ? `?${query}` : ''}`;
  const get = (route: Route, query = '', tenant: string | number = 1) => t.http.get(url(route, query, tenant)).set(t.auth([1]));

  const expectJson = (res: { status: number; headers: Record<string, string>; body: { meta?: { total: number } } }) => {
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-disposition']).toBeUndefined();
    expect(res.body.meta?.total).toBe(1);
    expect(res.headers.vary).toMatch(/\bAccept\b/);
  };

  const expectCsv = (route: Route, res: Parameters<typeof csvText>[0]) => {
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="tenant-1-${route}-[A-Za-z0-9_-]+\\.csv"$`));
    expect(res.headers.vary).toMatch(/\bAccept\b/);
    const { records } = parseCsv(csvText(res));
    expect(records).toHaveLength(1);
  };

  describe.each(ROUTES)('%s', (route) => {
    describe('output format', () => {
      it('Accept: text/csv → CSV download naming tenant and route', async () => {
        expectCsv(route, await get(route).set('Accept', 'text/csv'));
      });

      it.each(['text/csv; charset=utf-8', 'text/*', 'text/csv, application/json;q=0.9', 'image/png, text/csv;q=0.1'])('Accept: %s → CSV', async (accept) => {
        expectCsv(route, await get(route).set('Accept', accept));
      });

      it('no Accept header → JSON', async () => {
        expectJson(await get(route));
      });

      it.each([
        'application/json',
        '*/*',
        'application/*',
        'text/csv;q=0.5, application/json',
        'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      ])('Accept: %s → JSON', async (accept) => {
        expectJson(await get(route).set('Accept', accept));
      });

      it.each(['image/png', 'text/html', 'application/xml', 'application/json;q=0, text/csv;q=0'])('Accept: %s → 406 with a JSON error body', async (accept) => {
        const res = await get(route).set('Accept', accept);
        expectError(res, 406);
        expect(res.headers['content-disposition']).toBeUndefined();
      });

      it('?format=csv overrides Accept: application/json (and an unacceptable Accept)', async () => {
        expectCsv(route, await get(route, 'format=csv').set('Accept', 'application/json'));
        expectCsv(route, await get(route, 'format=csv').set('Accept', 'image/png'));
      });

      it('?format=json overrides Accept: text/csv', async () => {
        expectJson(await get(route, 'format=json').set('Accept', 'text/csv'));
      });

      it.each(['format=xml', 'format=', 'format=csv&format=json'])('?%s → 400 naming format', async (q) => {
        expectError(await get(route, q), 400, 'format');
      });

      it('answers errors as JSON even when CSV is asked for', async () => {
        const bad = await get(route, 'foo=1').set('Accept', 'text/csv');
        expectError(bad, 400, 'foo');
        expect(bad.headers['content-disposition']).toBeUndefined();
        expectError(await get(route, 'from=yesterday&format=csv'), 400, 'from');
        expectError(await t.http.get(url(route)).set('Accept', 'text/csv'), 401);
        expectError(await t.http.get(url(route)).set(t.auth([2])).set('Accept', 'text/csv'), 403);
      });
    });

    describe('authentication and rights', () => {
      it('401 without a token', async () => {
        expectError(await t.http.get(url(route)), 401);
      });

      it('401 with a malformed, badly signed or expired token', async () => {
        expectError(await t.http.get(url(route)).set('Authorization', 'Bearer not-a-jwt'), 401);
        const foreign = sign({ rights: { 1: ['TENANT_STATISTICS'] } }, 'some-other-secret-of-at-least-32-chars!!', { algorithm: 'HS256', expiresIn: 3600 });
        expectError(await t.http.get(url(route)).set('Authorization', `Bearer ${foreign}`), 401);
        const expired = sign({ rights: { 1: ['TENANT_STATISTICS'] }, exp: Math.floor(Date.now() / 1000) - 3600 }, t.config.jwt.key, { algorithm: 'HS256' });
        expectError(await t.http.get(url(route)).set('Authorization', `Bearer ${expired}`), 401);
        expectError(await t.http.get(url(route)).set('Authorization', t.token([1])), 401); // no "Bearer "
      });

      it("403 with a token for another tenant (tenant 2's token reading tenant 1)", async () => {
        const res = await t.http.get(url(route)).set(t.auth([2]));
        expectError(res, 403, 'TENANT_STATISTICS');
      });

      it('403 with a token lacking TENANT_STATISTICS for the tenant', async () => {
        expectError(await t.http.get(url(route)).set(tokenWith(t, { rights: { 1: ['TENANT_ADMIN'] } })), 403, 'TENANT_STATISTICS');
        expectError(await t.http.get(url(route)).set(tokenWith(t, { rights: { 1: [] } })), 403, 'TENANT_STATISTICS');
        // the ingest scope is no read right
        expectError(await t.http.get(url(route)).set(t.auth([], { ingest: true })), 403, 'TENANT_STATISTICS');
      });

      it('200 with TENANT_STATISTICS among other tenants and rights', async () => {
        const res = await t.http.get(url(route)).set(tokenWith(t, { rights: { 2: ['TENANT_STATISTICS'], 1: ['TENANT_ADMIN', 'TENANT_STATISTICS'] } }));
        expectJson(res);
      });

      it.each(['abc', '0', '-1', '1.5', '1e3', '99999999999999999999'])('tenant id %s → 400 naming id', async (id) => {
        expectError(await get(route, '', id), 400, 'id');
      });
    });
  });

  describe('every bad parameter → 400 naming it', () => {
    const manyActions = Array.from({ length: 101 }, (_, i) => `actions[]=${i}`).join('&');
    const hundredActions = Array.from({ length: 100 }, (_, i) => `actions[]=${i}`).join('&');
    const longId = 'x'.repeat(256);

    const DATES: Array<[string, string]> = [];
    for (const p of ['from', 'to']) {
      for (const v of ['2016-06-01', '2016-06-01T07:54:07', '2021-02-30T00:00:00Z', '2016-06-01T07:54:07.000', 'yesterday', '']) {
        DATES.push([`${p}=${encodeURIComponent(v)}`, p]);
      }
    }

    const CASES: Array<[Route, string, string]> = [
      ...ROUTES.flatMap((r): Array<[Route, string, string]> => [
        ...DATES.map(([q, p]): [Route, string, string] => [r, q, p]),
        [r, 'foo=1', 'foo'],
        [r, 'from=2016-06-01T07:54:07.000Z&from=2016-06-02T07:54:07.000Z', 'from'],
      ]),
      ['useractions', 'module=x', 'module'],
      ['useractions', 'module=-1', 'module'],
      ['useractions', 'module=1.5', 'module'],
      ['useractions', 'module=', 'module'],
      ['useractions', 'module=3&module=4', 'module'],
      ['useractions', 'module=2147483648', 'module'],
      ['useractions', 'module=3&action=1.5', 'action'],
      ['useractions', 'module=3&action=x', 'action'],
      ['useractions', 'module=3&action=-1', 'action'],
      ['useractions', 'action=1', 'action'],
      ['useractions', 'actions[]=1', 'actions'],
      ['userActionsAggregated', 'module=x', 'module'],
      ['userActionsAggregated', 'module=-1', 'module'],
      ['userActionsAggregated', 'module=1.5', 'module'],
      ['userActionsAggregated', 'module=3&actions[]=x', 'actions'],
      ['userActionsAggregated', 'module=3&actions=x', 'actions'],
      ['userActionsAggregated', 'module=3&actions[]=-1', 'actions'],
      ['userActionsAggregated', 'module=3&actions[]=1.5', 'actions'],
      ['userActionsAggregated', 'module=3&actions[a]=1', 'actions'],
      ['userActionsAggregated', `module=3&${manyActions}`, 'actions'],
      ['userActionsAggregated', 'actions[]=1', 'actions'],
      ['userActionsAggregated', 'aggregations[]=foo', 'aggregations'],
      ['userActionsAggregated', 'action=1', 'action'],
      ['configurations', 'actions[]=x', 'actions'],
      ['configurations', 'actions=-1', 'actions'],
      ['configurations', manyActions, 'actions'],
      ['configurations', `configuratorId=${longId}`, 'configuratorId'],
      ['configurations', 'configuratorId=a&configuratorId=b', 'configuratorId'],
      ['configurations', 'limit=0', 'limit'],
      ['configurations', 'limit=10001', 'limit'],
      ['configurations', 'offset=-1', 'offset'],
      ['configurations', 'module=3', 'module'],
    ];

    it.each(CASES)('%s?%s → 400 naming %s', async (route, query, name) => {
      const res = await get(route, query);
      expectError(res, 400, name);
    });

    it('accepts the limits themselves: 100 actions, a 255-character configuratorId, dates with offsets', async () => {
      await get('userActionsAggregated', `module=3&${hundredActions}`).expect(200);
      await get('configurations', hundredActions).expect(200);
      await get('configurations', `configuratorId=${'x'.repeat(255)}`).expect(200);
      for (const route of ROUTES) {
        const q = `from=${encodeURIComponent('2016-06-01T09:54:07+02:00')}&to=${encodeURIComponent('2026-06-01T07:54:07.000Z')}`;
        await get(route, q).expect(200);
      }
    });
  });
});
