import { readFileSync } from 'node:fs';
import { readWithExcelJs } from '../support/xlsx';
import { AddressInfo } from 'node:net';
import { ExportLimiter } from '../../src/statistics/output/export-limiter';
import { createStatisticsClient, StatisticsClient, UserActionEvent } from '../support/api-client';
import { TestApp } from '../support/test-app';
import { Conformance, OPENAPI_PATH } from './conformance';

/**
 * The contract suite: the service's real answers — every route, every status the service can be
 * brought to cheaply, JSON and CSV — validated against the committed openapi.json by the
 * Conformance middleware of the typed client (test/support/api-client.ts), so an undocumented
 * status, header, field or media type fails the call. Runs on SQLite and MariaDB.
 */

const NOW = new Date('2026-05-20T12:00:00.000Z');
const HOUR = 3_600_000;
const at = (hoursAgo: number) => new Date(NOW.getTime() - hoursAgo * HOUR).toISOString();
const BIG = 'x'.repeat(70 * 1024);

const conformance = new Conformance();

async function listen(t: TestApp): Promise<string> {
  await new Promise<void>((resolve) => t.app.getHttpServer().listen(0, '127.0.0.1', resolve));
  const address: AddressInfo | string | null = t.app.getHttpServer().address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

describe('the service answers as openapi.json says (typed client, every route)', () => {
  let t: TestApp;
  let base: string;
  /** A client with this token (or none), validating every response. */
  let as: (token?: string) => StatisticsClient;
  let reader: StatisticsClient;
  let writer: StatisticsClient;
  let anonymous: StatisticsClient;
  let tenant2: StatisticsClient;

  beforeAll(async () => {
    await conformance.init();
    t = await TestApp.create({ now: NOW, env: { BODY_LIMIT: '64kb' } });
    base = await listen(t);
    as = (token) => createStatisticsClient(base, { token, middleware: [conformance.middleware()] });
    reader = as(t.token([1]));
    writer = as(t.token([1], { ingest: true }));
    anonymous = as();
    tenant2 = as(t.token([2], { ingest: true }));
  });
  afterAll(() => t.close());

  const id1 = { params: { path: { id: 1 } } };

  it('serves at docs-json exactly the committed openapi.json', async () => {
    const served: unknown = await (await fetch(`${base}/v2/statistics/docs-json`)).json();
    expect(served).toEqual(JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')));
  });

  it('health: live and ready → 200', async () => {
    expect((await anonymous.GET('/v2/statistics/health/live')).data).toEqual({ status: 'ok' });
    const ready = await anonymous.GET('/v2/statistics/health/ready');
    expect(ready.data?.status).toBe('ok');
  });

  it('catalog: 200 (any token), 401 (none)', async () => {
    const { data } = await reader.GET('/v2/statistics/modules');
    expect(data?.modules.map((m) => [m.id, m.name, m.actions.map((a) => a.action)])).toEqual([[3, 'configurator', [1, 2, 4, 5, 302, 303]]]);
    const { error, response } = await anonymous.GET('/v2/statistics/modules');
    expect([response.status, error?.statusCode, error?.error]).toEqual([401, 401, 'Unauthorized']);
  });

  it('GET with If-None-Match of the current ETag → 304 (catalog, a read route, health)', async () => {
    // fetch() adds `Cache-Control: no-cache` to a request with If-None-Match unless it has a Cache-Control.
    const revalidate = (etag: string | null) => ({ 'If-None-Match': etag ?? '', 'Cache-Control': 'max-age=0' });
    const catalog = await reader.GET('/v2/statistics/modules');
    const again = await reader.GET('/v2/statistics/modules', { headers: revalidate(catalog.response.headers.get('etag')) });
    expect([again.response.status, again.data]).toEqual([304, undefined]);
    const read = await reader.GET('/v2/statistics/tenants/{id}/useractions', id1);
    const readAgain = await reader.GET('/v2/statistics/tenants/{id}/useractions', { ...id1, headers: revalidate(read.response.headers.get('etag')) });
    expect(readAgain.response.status).toBe(304);
    const live = await anonymous.GET('/v2/statistics/health/live');
    expect((await anonymous.GET('/v2/statistics/health/live', { headers: revalidate(live.response.headers.get('etag')) })).response.status).toBe(304);
  });

  it('catalog action: 200, 400, 401, 403, 413', async () => {
    const path = { params: { path: { module: 3, action: 900 } } };
    const ok = await writer.PUT('/v2/statistics/modules/{module}/actions/{action}', {
      ...path,
      body: { name: 'Demo_Example', configurationAction: false, carriesPartList: false },
    });
    expect(ok.data).toEqual({ module: 3, moduleName: 'configurator', action: 900, name: 'Demo_Example', configurationAction: false, carriesPartList: false });
    const bad = await writer.PUT('/v2/statistics/modules/{module}/actions/{action}', { ...path, body: { name: '', configurationAction: false, carriesPartList: false } });
    expect([bad.response.status, bad.error?.message]).toEqual([400, 'name must be at least 1 characters long']);
    const body = { name: 'X', configurationAction: true, carriesPartList: false };
    expect((await anonymous.PUT('/v2/statistics/modules/{module}/actions/{action}', { ...path, body })).response.status).toBe(401);
    const forbidden = await reader.PUT('/v2/statistics/modules/{module}/actions/{action}', { ...path, body });
    expect(forbidden.error?.message).toBe('This token lacks the scope "statistics:ingest"');
    const tooLarge = await writer.PUT('/v2/statistics/modules/{module}/actions/{action}', { ...path, body: { ...body, name: BIG } });
    expect([tooLarge.response.status, tooLarge.error?.error]).toEqual([413, 'Payload Too Large']);
  });

  it('user directory: PUT 200, 400, 401, 403, 413; DELETE 204, 400, 401, 403', async () => {
    const user = { params: { path: { userId: 'contract-user' } } };
    const ok = await writer.PUT('/v2/statistics/users/{userId}', { ...user, body: { email: 'contract.user@example.com', statisticsConsent: true } });
    expect(ok.data).toEqual({ userId: 'contract-user', email: 'contract.user@example.com', statisticsConsent: true });
    const bad = await writer.PUT('/v2/statistics/users/{userId}', { ...user, body: { email: 'no-address', statisticsConsent: true } });
    expect([bad.response.status, bad.error?.message]).toEqual([400, 'email must be an e-mail address']);
    const body = { email: 'a@example.com', statisticsConsent: false };
    expect((await anonymous.PUT('/v2/statistics/users/{userId}', { ...user, body })).response.status).toBe(401);
    expect((await reader.PUT('/v2/statistics/users/{userId}', { ...user, body })).response.status).toBe(403);
    expect((await writer.PUT('/v2/statistics/users/{userId}', { ...user, body: { ...body, email: `${BIG}@example.com` } })).response.status).toBe(413);

    const gone = await writer.DELETE('/v2/statistics/users/{userId}', { params: { path: { userId: 'someone-never-seen' } } });
    expect([gone.response.status, gone.data]).toEqual([204, undefined]);
    const tooLong = await writer.DELETE('/v2/statistics/users/{userId}', { params: { path: { userId: 'u'.repeat(256) } } });
    expect([tooLong.response.status, tooLong.error?.message]).toEqual([400, 'userId must be 1 to 255 characters long']);
    expect((await anonymous.DELETE('/v2/statistics/users/{userId}', user)).response.status).toBe(401);
    expect((await reader.DELETE('/v2/statistics/users/{userId}', user)).response.status).toBe(403);
  });

  const events: UserActionEvent[] = [
    { eventId: 'c-1', module: 3, action: 1, created: at(5), country: 'AT', device: 'desktop', actionLabel: 'sofa', actionId: 'conf:1', userId: 'contract-user' },
    { eventId: 'c-2', module: 3, action: 1, created: at(4), country: 'DE', device: 'mobile', actionLabel: 'sofa', actionId: 'conf:1' },
    {
      eventId: 'c-3',
      module: 3,
      action: 303,
      created: at(3),
      actionLabel: 'sofa',
      actionId: 'conf:2',
      userId: 'contract-user',
      configuration: { thumbnail: 'https://example.com/t.jpg', partList: { originPart: { articleNr: 'a-1', count: 2 } }, planCombinedIds: ['item:1', 'item:2'] },
    },
  ];

  it('ingestion: 202 (batch, single, duplicates), 400, 401, 403, 413', async () => {
    const batch = await writer.POST('/v2/statistics/tenants/{id}/useractions', { ...id1, body: { userActions: events } });
    expect(batch.data).toEqual({ accepted: 3, duplicates: 0 });
    const again = await writer.POST('/v2/statistics/tenants/{id}/useractions', { ...id1, body: { userAction: events[0] } });
    expect(again.data).toEqual({ accepted: 0, duplicates: 1 });
    const old = await writer.POST('/v2/statistics/tenants/{id}/useractions', { ...id1, body: { userAction: { ...events[0], eventId: 'c-old', created: at(24 * 40) } } });
    expect(old.response.status).toBe(400);
    expect(old.error?.message).toMatch(/^userAction\.created /);
    const both = await writer.POST('/v2/statistics/tenants/{id}/useractions', { ...id1, body: { userActions: events, userAction: events[0] } });
    expect(both.response.status).toBe(400);
    expect((await anonymous.POST('/v2/statistics/tenants/{id}/useractions', { ...id1, body: { userAction: events[0] } })).response.status).toBe(401);
    const foreign = await tenant2.POST('/v2/statistics/tenants/{id}/useractions', { ...id1, body: { userAction: events[0] } });
    expect(foreign.error?.message).toBe('This token holds no rights for tenant 1');
    const tooLarge = await writer.POST('/v2/statistics/tenants/{id}/useractions', { ...id1, body: { userAction: { ...events[0], actionParameter: BIG } } });
    expect(tooLarge.response.status).toBe(413);
  });

  describe('read routes (JSON, CSV and every error)', () => {
    let releases: Array<() => void> = [];
    afterEach(() => {
      releases.forEach((release) => release());
      releases = [];
    });
    /** Takes both of tenant 1's export slots, as two running exports would. */
    const exportsBusy = () => {
      const limiter = t.app.get(ExportLimiter);
      releases = [limiter.acquire('1'), limiter.acquire('1')];
    };

    it('useractions: 200 JSON and CSV, 400, 401, 403, 406, 429', async () => {
      const { data } = await reader.GET('/v2/statistics/tenants/{id}/useractions', id1);
      expect(data?.userActions.map((u) => [u.module, u.action, u.tenant, u.count, u.aggregationLevel])).toEqual([
        [3, 1, 1, 2, 2],
        [3, 303, 1, 1, 2],
      ]);
      const csv = await reader.GET('/v2/statistics/tenants/{id}/useractions', { params: { path: { id: 1 }, query: { format: 'csv' } }, parseAs: 'text' });
      expect(csv.data).toBe('"module","action","tenant","count","month","year"\n3,1,1,2,5,2026\n3,303,1,1,5,2026');
      expect(csv.response.headers.get('content-disposition')).toBe('attachment; filename="tenant-1-useractions-all.csv"');
      const xlsx = await reader.GET('/v2/statistics/tenants/{id}/useractions', { params: { path: { id: 1 }, query: { format: 'xlsx' } }, parseAs: 'arrayBuffer' });
      expect(xlsx.response.headers.get('content-disposition')).toBe('attachment; filename="tenant-1-useractions-all.xlsx"');
      expect((await readWithExcelJs(xlsx.data)).rows.slice(1)).toEqual([
        [3, 1, 1, 2, 5, 2026],
        [3, 303, 1, 1, 5, 2026],
      ]);
      const bad = await reader.GET('/v2/statistics/tenants/{id}/useractions', { params: { path: { id: 1 }, query: { action: 1 } } });
      expect(bad.response.status).toBe(400);
      expect((await anonymous.GET('/v2/statistics/tenants/{id}/useractions', id1)).response.status).toBe(401);
      expect((await tenant2.GET('/v2/statistics/tenants/{id}/useractions', id1)).error?.message).toBe('This token lacks the right TENANT_STATISTICS for tenant 1');
      const png = await reader.GET('/v2/statistics/tenants/{id}/useractions', { ...id1, headers: { Accept: 'image/png' } });
      expect(png.response.status).toBe(406);
      exportsBusy();
      const busy = await reader.GET('/v2/statistics/tenants/{id}/useractions', { params: { path: { id: 1 }, query: { format: 'csv' } }, parseAs: 'text' });
      expect([busy.response.status, busy.response.headers.get('retry-after')]).toEqual([429, '10']);
    });

    it('userActionsAggregated: 200 JSON and CSV, 400, 401, 403, 406, 429', async () => {
      const { data } = await reader.GET('/v2/statistics/tenants/{id}/userActionsAggregated', { params: { path: { id: 1 }, query: { aggregations: ['country'] } } });
      expect(data?.userActions).toEqual([
        { module: 3, action: 1, tenant: 1, count: 1, aggregationLevel: 0, country: 'AT' },
        { module: 3, action: 1, tenant: 1, count: 1, aggregationLevel: 0, country: 'DE' },
        { module: 3, action: 303, tenant: 1, count: 1, aggregationLevel: 0, country: null },
      ]);
      const csv = await reader.GET('/v2/statistics/tenants/{id}/userActionsAggregated', {
        params: { path: { id: 1 }, query: { aggregations: ['country'], format: 'csv' } },
        parseAs: 'text',
      });
      expect(csv.data).toBe('"module","action","tenant","count","aggregationLevel","country"\n3,1,1,1,0,"AT"\n3,1,1,1,0,"DE"\n3,303,1,1,0,""');
      const xlsx = await reader.GET('/v2/statistics/tenants/{id}/userActionsAggregated', {
        params: { path: { id: 1 }, query: { aggregations: ['country'] } },
        headers: { Accept: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
        parseAs: 'arrayBuffer',
      });
      expect((await readWithExcelJs(xlsx.data)).rows.slice(1)).toEqual([
        [3, 1, 1, 1, 0, 'AT'],
        [3, 1, 1, 1, 0, 'DE'],
        [3, 303, 1, 1, 0, null],
      ]);
      const top = await reader.GET('/v2/statistics/tenants/{id}/userActionsAggregated', {
        params: { path: { id: 1 }, query: { aggregations: ['country'], orderBy: 'count', limit: 1, offset: 1, other: true } },
      });
      expect(top.data?.userActions).toEqual([{ module: 3, action: 1, tenant: 1, count: 1, aggregationLevel: 0, country: 'DE' }]);
      expect([top.data?.meta.total, top.data?.meta.other]).toEqual([3, { count: 2, groups: 2, aggregationLevel: 0 }]);
      const topCsv = await reader.GET('/v2/statistics/tenants/{id}/userActionsAggregated', {
        params: { path: { id: 1 }, query: { aggregations: ['country'], orderBy: 'count', limit: 1, other: true, format: 'csv' } },
        parseAs: 'text',
      });
      expect(topCsv.data).toBe('"module","action","tenant","count","aggregationLevel","country"\n3,1,1,1,0,"AT"\n"","",1,2,0,""');
      const reversed = { from: '2026-05-20T00:00:00.000Z', to: '2026-05-01T00:00:00.000Z' };
      const bad = await reader.GET('/v2/statistics/tenants/{id}/userActionsAggregated', { params: { path: { id: 1 }, query: reversed } });
      expect([bad.response.status, bad.error?.message]).toEqual([400, 'from must not be after to']);
      expect((await anonymous.GET('/v2/statistics/tenants/{id}/userActionsAggregated', id1)).response.status).toBe(401);
      expect((await tenant2.GET('/v2/statistics/tenants/{id}/userActionsAggregated', id1)).response.status).toBe(403);
      expect((await reader.GET('/v2/statistics/tenants/{id}/userActionsAggregated', { ...id1, headers: { Accept: 'text/html' } })).response.status).toBe(406);
      exportsBusy();
      const busy = await reader.GET('/v2/statistics/tenants/{id}/userActionsAggregated', { params: { path: { id: 1 }, query: { format: 'csv' } }, parseAs: 'text' });
      expect(busy.response.status).toBe(429);
    });

    it('userActionsSeries: 200 JSON, CSV and XLSX, 400, 401, 403, 406, 429', async () => {
      const range = { from: '2026-05-20T06:00:00.000Z', to: '2026-05-20T10:00:00.000Z', interval: 'hour' as const };
      const { data } = await reader.GET('/v2/statistics/tenants/{id}/userActionsSeries', {
        params: { path: { id: 1 }, query: { ...range, aggregations: ['country'], compare: 'previousPeriod' } },
      });
      const zero = { total: 0, counts: [0, 0, 0, 0] };
      expect(data?.series).toEqual([
        { module: 3, action: 1, tenant: 1, country: 'AT', total: 1, counts: [0, 1, 0, 0], comparison: zero, change: { delta: 1, pct: null } },
        { module: 3, action: 1, tenant: 1, country: 'DE', total: 1, counts: [0, 0, 1, 0], comparison: zero, change: { delta: 1, pct: null } },
        { module: 3, action: 303, tenant: 1, country: null, total: 1, counts: [0, 0, 0, 1], comparison: zero, change: { delta: 1, pct: null } },
      ]);
      expect(data?.meta.buckets.map((b) => b.label)).toEqual(['2026-05-20T06', '2026-05-20T07', '2026-05-20T08', '2026-05-20T09']);
      expect(data?.meta.comparison?.from).toBe('2026-05-20T02:00:00.000Z');
      const top = await reader.GET('/v2/statistics/tenants/{id}/userActionsSeries', {
        params: { path: { id: 1 }, query: { ...range, aggregations: ['country'], orderBy: 'count', limit: 1, other: true } },
      });
      expect([top.data?.meta.total, top.data?.meta.other]).toEqual([3, { groups: 2, total: 2, counts: [0, 0, 1, 1] }]);
      const csv = await reader.GET('/v2/statistics/tenants/{id}/userActionsSeries', { params: { path: { id: 1 }, query: { ...range, module: 3, actions: [303], format: 'csv' } }, parseAs: 'text' });
      expect(csv.data?.split('\n')).toEqual([
        '"bucketStart","bucket","module","action","tenant","count"',
        '"2026-05-20T06:00:00.000Z","2026-05-20T06",3,303,1,0',
        '"2026-05-20T07:00:00.000Z","2026-05-20T07",3,303,1,0',
        '"2026-05-20T08:00:00.000Z","2026-05-20T08",3,303,1,0',
        '"2026-05-20T09:00:00.000Z","2026-05-20T09",3,303,1,1',
      ]);
      const xlsx = await reader.GET('/v2/statistics/tenants/{id}/userActionsSeries', { params: { path: { id: 1 }, query: { ...range, module: 3, actions: [303], format: 'xlsx' } }, parseAs: 'arrayBuffer' });
      expect((await readWithExcelJs(xlsx.data)).rows.slice(1).map((r) => r.slice(1))).toEqual([
        ['2026-05-20T06', 3, 303, 1, 0],
        ['2026-05-20T07', 3, 303, 1, 0],
        ['2026-05-20T08', 3, 303, 1, 0],
        ['2026-05-20T09', 3, 303, 1, 1],
      ]);
      const bad = await reader.GET('/v2/statistics/tenants/{id}/userActionsSeries', { params: { path: { id: 1 }, query: { ...range, from: '2026-01-01T00:00:00.000Z' } } });
      expect([bad.response.status, bad.error?.message]).toEqual([400, 'interval=hour can serve from 2026-04-20T00:00:00.000Z on (rows before it may be daily (ROLLUP_DAILY_AFTER_DAYS)): use a later from or a coarser interval']);
      expect((await anonymous.GET('/v2/statistics/tenants/{id}/userActionsSeries', id1)).response.status).toBe(401);
      expect((await tenant2.GET('/v2/statistics/tenants/{id}/userActionsSeries', id1)).response.status).toBe(403);
      expect((await reader.GET('/v2/statistics/tenants/{id}/userActionsSeries', { ...id1, headers: { Accept: 'text/html' } })).response.status).toBe(406);
      exportsBusy();
      const busy = await reader.GET('/v2/statistics/tenants/{id}/userActionsSeries', { params: { path: { id: 1 }, query: { format: 'csv' } }, parseAs: 'text' });
      expect(busy.response.status).toBe(429);
    });

    it('configurations: 200 JSON (part list, plan ids) and CSV, 400, 401, 403, 406, 429', async () => {
      const { data } = await reader.GET('/v2/statistics/tenants/{id}/configurations', id1);
      const plan = data?.tenantConfigurationStatistics.find((c) => c.action === 'Save_Plan');
      expect(plan?.partList).toEqual({ originPart: { articleNr: 'a-1', count: 2 } });
      expect(plan?.planCombinedIds).toEqual(['item:1', 'item:2']);
      expect(plan?.userEmail).toBe('contract.user@example.com');
      expect(data?.meta.total).toBe(3);
      const page = await reader.GET('/v2/statistics/tenants/{id}/configurations', { params: { path: { id: 1 }, query: { limit: 1, offset: 2 } } });
      expect(page.data?.tenantConfigurationStatistics.map((c) => c.action)).toEqual(['View']);
      const csv = await reader.GET('/v2/statistics/tenants/{id}/configurations', { params: { path: { id: 1 }, query: { format: 'csv' } }, parseAs: 'text' });
      expect(csv.data?.split('\n')).toHaveLength(4);
      const xlsx = await reader.GET('/v2/statistics/tenants/{id}/configurations', { params: { path: { id: 1 }, query: { format: 'xlsx' } }, parseAs: 'arrayBuffer' });
      expect((await readWithExcelJs(xlsx.data)).rows).toHaveLength(4);
      const bad = await reader.GET('/v2/statistics/tenants/{id}/configurations', { params: { path: { id: 1 }, query: { limit: 0 } } });
      expect([bad.response.status, bad.error?.message]).toEqual([400, 'limit must be at least 1']);
      expect((await anonymous.GET('/v2/statistics/tenants/{id}/configurations', id1)).response.status).toBe(401);
      expect((await tenant2.GET('/v2/statistics/tenants/{id}/configurations', id1)).response.status).toBe(403);
      expect((await reader.GET('/v2/statistics/tenants/{id}/configurations', { ...id1, headers: { Accept: 'application/xml' } })).response.status).toBe(406);
      exportsBusy();
      const busy = await reader.GET('/v2/statistics/tenants/{id}/configurations', { params: { path: { id: 1 }, query: { format: 'csv' } }, parseAs: 'text' });
      expect(busy.response.status).toBe(429);
    });
  });
});

describe('the service answers as openapi.json says when the database is gone', () => {
  let t: TestApp;
  let client: StatisticsClient;
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW });
    client = createStatisticsClient(await listen(t), { token: t.token([1]), middleware: [conformance.middleware()] });
    await t.dataSource.destroy();
  });
  afterAll(() => t.close());

  it('ready → 503 with Retry-After', async () => {
    const { response, error } = await client.GET('/v2/statistics/health/ready');
    expect([response.status, response.headers.get('retry-after'), error?.message]).toEqual([503, '5', 'The database does not answer']);
  });

  it('a read route on a closed data source → 500 naming the request id (an unexpected error)', async () => {
    const { response, error } = await client.GET('/v2/statistics/tenants/{id}/useractions', { params: { path: { id: 1 } } });
    expect([response.status, error?.message]).toEqual([500, `Internal server error (request id ${response.headers.get('x-request-id')})`]);
  });
});

describe('coverage', () => {
  it('validated every operation of openapi.json with the statuses this suite expects', () => {
    const matrix = conformance.matrix();
    const shown = [...matrix].map(([op, statuses]) => `${op}: ${[...statuses].sort().join(', ')}`).join('\n');
    console.log(`statuses × routes validated against openapi.json:\n${shown}`);
    const read = ['200', '200 csv', '200 xlsx', '400', '401', '403', '406', '429'];
    const readWith = (...more: string[]) => [...read, ...more].sort();
    expect(Object.fromEntries([...matrix].map(([op, s]) => [op, [...s].sort()]))).toEqual({
      getLiveness: ['200', '304'],
      getReadiness: ['200', '503'],
      getCatalog: ['200', '304', '401'],
      putCatalogAction: ['200', '400', '401', '403', '413'],
      putUser: ['200', '400', '401', '403', '413'],
      eraseUser: ['204', '400', '401', '403'],
      ingestUserActions: ['202', '400', '401', '403', '413'],
      listUserActions: readWith('304', '500'),
      getUserActionsAggregated: read,
      getUserActionsSeries: read,
      listConfigurations: read,
    });
    const operations = Object.values(conformance.document.paths).flatMap((item) => [item?.get, item?.put, item?.post, item?.delete]);
    expect(operations.flatMap((op) => (op?.operationId ? [op.operationId] : [])).sort()).toEqual([...matrix.keys()].sort());
  });
});
