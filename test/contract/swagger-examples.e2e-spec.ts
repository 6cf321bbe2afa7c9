import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { DemoDataService } from '../../src/demo/demo-data.service';
import { fillExampleScript } from '../../src/openapi/swagger-ui';
import { TestApp } from '../support/test-app';
import { OPENAPI_PATH } from './conformance';

/**
 * The document side of "Swagger UI works on the first click": every operation of openapi.json,
 * sent with only what Swagger UI pre-fills (path examples, parameter defaults, the first body
 * example, passed through the page's request interceptor), on `npm start`'s demo data, gives a
 * meaningful 2xx. (The browser test drives the real Swagger UI.)
 */

interface SwaggerRequest {
  method: string;
  url: string;
  body?: string;
}

interface Param {
  name: string;
  in: string;
  schema?: { example?: unknown; default?: unknown };
}

interface Operation {
  operationId: string;
  parameters?: Param[];
  requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> };
}

const document: { paths: Record<string, Record<string, Operation>> } = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));

/** The page's interceptor, run as the browser would (window + Web Crypto). */
function intercept(req: SwaggerRequest): SwaggerRequest {
  const window: { statisticsFillExampleBody?: (r: SwaggerRequest) => SwaggerRequest } = {};
  runInNewContext(fillExampleScript(), { window, crypto: webcrypto });
  const fill = window.statisticsFillExampleBody;
  if (!fill) throw new Error('the Swagger UI script defines no statisticsFillExampleBody');
  return fill(req);
}

/** What Swagger UI sends for an operation when Execute is pressed without edits. */
function prefilled(path: string, method: string, op: Operation): SwaggerRequest {
  let url = path;
  const query: string[] = [];
  for (const p of op.parameters ?? []) {
    const value = p.schema?.example ?? p.schema?.default;
    if (value === undefined) continue;
    if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(String(value)));
    else if (p.in === 'query') query.push(`${p.name}=${encodeURIComponent(String(value))}`);
  }
  if (/\{/.test(url)) throw new Error(`${op.operationId}: a path parameter has no example`);
  const examples = op.requestBody?.content['application/json']?.examples;
  const first = examples ? Object.values(examples)[0] : undefined;
  const req = { method: method.toUpperCase(), url: query.length ? `${url}?${query.join('&')}` : url, body: first ? JSON.stringify(first.value) : undefined };
  return intercept(req);
}

describe('Swagger UI pre-filled values on the demo data', () => {
  let t: TestApp;
  const results = new Map<string, { status: number; body: unknown }>();

  beforeAll(async () => {
    t = await TestApp.create();
    await t.app.get(DemoDataService).seedIfEmpty(400);
    const auth = t.auth([1], { ingest: true });
    // Twice each, as a user pressing Execute again would: the second answers must be as good.
    for (const round of [1, 2]) {
      for (const [path, item] of Object.entries(document.paths)) {
        for (const [method, op] of Object.entries(item)) {
          const req = prefilled(path, method, op);
          let call = t.http[method === 'delete' ? 'delete' : method === 'put' ? 'put' : method === 'post' ? 'post' : 'get'](req.url).set(auth);
          if (req.body !== undefined) call = call.set('Content-Type', 'application/json').send(req.body);
          const res = await call;
          results.set(`${op.operationId}#${round}`, { status: res.status, body: res.body });
        }
      }
    }
  });
  afterAll(() => t.close());

  it('every operation answers 2xx, both times', () => {
    const statuses = Object.fromEntries([...results].map(([k, r]) => [k, r.status]));
    for (const [key, status] of Object.entries(statuses)) expect({ key, status: status >= 200 && status < 300 }).toEqual({ key, status: true });
    expect(Object.keys(statuses)).toHaveLength(22);
  });

  it('the read routes return the demo tenant’s data', () => {
    const list = (key: string, field: string): unknown[] => {
      const body = results.get(key)?.body;
      const value = typeof body === 'object' && body !== null ? Object.entries(body).find(([k]) => k === field)?.[1] : undefined;
      return Array.isArray(value) ? value : [];
    };
    expect(list('listUserActions#1', 'userActions').length).toBeGreaterThan(0);
    expect(list('getUserActionsAggregated#1', 'userActions').length).toBeGreaterThan(0);
    // The series: the current month by day against the month before, with rows on both sides.
    const series = list('getUserActionsSeries#1', 'series');
    expect(series.length).toBeGreaterThan(0);
    const counted = JSON.stringify(series).match(/"total":\d+/g) ?? [];
    expect(counted.reduce((n, m) => n + Number(m.slice(8)), 0)).toBeGreaterThan(0);
    expect(list('listConfigurations#1', 'tenantConfigurationStatistics').length).toBeGreaterThan(0);
  });

  it('the ingestion example is stored with fresh ids (2 accepted each time) and no placeholder', async () => {
    expect(results.get('ingestUserActions#1')?.body).toEqual({ accepted: 2, duplicates: 0 });
    expect(results.get('ingestUserActions#2')?.body).toEqual({ accepted: 2, duplicates: 0 });
    const rows: Array<{ event_id: string; user_id: string | null }> = await t.dataSource.query(
      "SELECT event_id, user_id FROM user_action WHERE tenant = 1 AND event_id NOT LIKE 'demo-%'",
    );
    expect(rows).toHaveLength(4);
    for (const r of rows) expect(r.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(rows.map((r) => r.user_id)).toEqual(['demo-user-consenting', 'demo-user-consenting', 'demo-user-consenting', 'demo-user-consenting']);
  });

  it('no example renames a demo catalog entry; the catalog PUT adds action 900', async () => {
    const res = await t.http.get('/v2/statistics/modules').set(t.auth([1]));
    expect(res.body.modules.map((m: { id: number; name: string; actions: Array<{ action: number; name: string }> }) => [m.id, m.name, m.actions.map((a) => `${a.action} ${a.name}`)])).toEqual([
      [3, 'configurator', ['1 View', '2 Save', '4 3D export', '5 Renderings', '302 Save_Draft', '303 Save_Plan', '900 Demo_Example']],
    ]);
  });
});
