import { ClientRequest, IncomingMessage, request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { RollupService } from '../../src/rollup/rollup.service';
import { ExportLimiter } from '../../src/statistics/output/export-limiter';
import { API, EventSpec, eraseUser, ingest, putCatalogAction, putUser } from '../support/fixtures';
import { TestApp } from '../support/test-app';

// HTTP caching of the read routes (docs/api.md, "HTTP caching"): a strong ETag from the data,
// 304 on If-None-Match without running the query or taking an export slot, Cache-Control
// private + max-age for closed periods and no-cache for open ones, Vary.

const NOW = new Date('2026-05-20T12:00:00.000Z');
const MAY = 'from=2026-05-01T00:00:00.000Z&to=2026-05-21T00:00:00.000Z';
const BIG_ROWS = 6000;

type Route = 'useractions' | 'userActionsAggregated' | 'configurations';

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
}

describe('HTTP caching (ETag, 304, Cache-Control, Vary)', () => {
  let t: TestApp;
  let port: number;
  let limiter: ExportLimiter;
  const held: ClientRequest[] = [];

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { EXPORT_MAX_CONCURRENT: '1', EXPORT_MAX_CONCURRENT_PER_TENANT: '1', CACHE_MAX_AGE_SECONDS: '600' } });
    await new Promise<void>((resolve) => t.app.getHttpServer().listen(0, '127.0.0.1', resolve));
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    limiter = t.app.get(ExportLimiter);
    await putUser(t, 'u-1', 'one@example.com', true);
    const events: EventSpec[] = [];
    for (let i = 0; i < 20; i++) {
      events.push({
        module: 3,
        action: i % 2 ? 2 : 1,
        created: new Date(Date.parse('2026-05-10T10:00:00.000Z') + i * 60_000).toISOString(),
        actionId: `cfg-${i}`,
        userId: 'u-1',
        country: 'AT',
        configuration: { thumbnail: `https://cdn.example.com/${i}.png` },
      });
    }
    // Last autumn: rolled up to monthly rows by the pass in the closed-period test.
    for (let i = 0; i < 5; i++) events.push({ module: 3, action: 2, created: `2025-09-1${i}T08:00:00.000Z`, actionId: `old-${i}` });
    await ingest(t, 1, events);
    await ingest(t, 2, events.slice(0, 5).map(({ eventId: _e, ...e }) => e));
    // Tenant 3: an export big enough to stay open while its client does not read.
    const big: EventSpec[] = [];
    for (let i = 0; i < BIG_ROWS; i++) {
      big.push({
        module: 3,
        action: 2,
        created: new Date(NOW.getTime() - 60_000 - i * 1000).toISOString(),
        actionId: `big-${i}`,
        configuration: { thumbnail: `https://cdn.example.com/thumbs/${'x'.repeat(1900)}-${i}.png` },
      });
    }
    await ingest(t, 3, big);
  }, 180_000);

  afterEach(async () => {
    for (const r of held.splice(0)) r.destroy();
    for (let i = 0; i < 500 && limiter.inFlight() !== 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(limiter.inFlight()).toBe(0);
  });

  afterAll(async () => {
    await t.close();
  });

  /** One request read whole, uncompressed (compression has its own suite). */
  function call(method: 'GET' | 'HEAD', tenant: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { method, host: '127.0.0.1', port, path: `${API}/tenants/${tenant}/${path}`, headers: { ...t.auth([tenant]), 'Accept-Encoding': 'identity', Connection: 'close', ...headers } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }
  const get = (tenant: number, path: string, headers: Record<string, string> = {}) => call('GET', tenant, path, headers);
  const etagOf = async (tenant: number, path: string, headers: Record<string, string> = {}) => {
    const a = await get(tenant, path, headers);
    expect(a.status).toBe(200);
    return a.headers.etag!;
  };

  /** Holds the only export slot (EXPORT_MAX_CONCURRENT=1) with an export its client does not read. */
  function holdSlot(): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: `${API}/tenants/3/configurations?format=csv&${MAY}`, headers: { ...t.auth([3]), 'Accept-Encoding': 'identity' } },
        (res) => {
          res.pause();
          expect(res.statusCode).toBe(200);
          resolve();
        },
      );
      held.push(req);
      req.on('error', reject);
      req.end();
    });
  }

  const ROUTES: Array<[Route, string]> = [
    ['useractions', ''],
    ['useractions', MAY],
    ['userActionsAggregated', MAY],
    ['configurations', MAY],
  ];

  it.each(ROUTES)('%s?%s: a strong ETag, stable across identical calls (JSON and CSV); Vary and Cache-Control', async (route, query) => {
    for (const format of ['json', 'csv']) {
      const path = `${route}?${query}&format=${format}`;
      const a = await get(1, path);
      const b = await get(1, path);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.headers.etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
      expect(b.headers.etag).toBe(a.headers.etag);
      expect(b.text).toBe(a.text);
      expect(a.headers.vary).toBe('Accept, Accept-Encoding, Authorization');
      expect(a.headers['cache-control']).toBe('private, no-cache');
    }
    // The same answer asked for by Accept instead of ?format= has the same tag.
    expect(await etagOf(1, `${route}?${query}`, { Accept: 'text/csv' })).toBe(await etagOf(1, `${route}?${query}&format=csv`));
  });

  it.each(ROUTES)('%s?%s: If-None-Match → 304 without a body, with the same headers; a stale tag → 200', async (route, query) => {
    for (const format of ['json', 'csv']) {
      const path = `${route}?${query}&format=${format}`;
      const first = await get(1, path);
      const tag = first.headers.etag!;
      const again = await get(1, path, { 'If-None-Match': tag });
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      expect(again.headers.etag).toBe(tag);
      expect(again.headers['cache-control']).toBe(first.headers['cache-control']);
      expect(again.headers.vary).toBe('Accept, Accept-Encoding, Authorization');
      expect(again.headers['content-type']).toBeUndefined();
      // Several tags, weak form, *: RFC 9110's If-None-Match.
      expect((await get(1, path, { 'If-None-Match': `"nope", W/${tag}` })).status).toBe(304);
      expect((await get(1, path, { 'If-None-Match': '*' })).status).toBe(304);
      const stale = await get(1, path, { 'If-None-Match': '"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"' });
      expect(stale.status).toBe(200);
      expect(stale.text).toBe(first.text);
    }
  });

  it('a 304 and a HEAD of a CSV take no export slot; a 429 carries no ETag and is not cacheable', async () => {
    const path = `configurations?${MAY}&format=csv`;
    const tag = await etagOf(1, path);
    await holdSlot();
    expect(limiter.inFlight()).toBe(1);
    const refused = await get(1, path);
    expect(refused.status).toBe(429);
    expect(refused.headers.etag).toBeUndefined();
    expect(refused.headers['cache-control']).toBe('no-store');
    const notModified = await get(1, path, { 'If-None-Match': tag });
    expect(notModified.status).toBe(304);
    const head = await call('HEAD', 1, path);
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers.etag).toBe(tag);
    expect(head.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(head.headers['content-disposition']).toBe('attachment; filename="tenant-1-configurations-2026-05-01T000000Z_2026-05-21T000000Z.csv"');
    expect((await call('HEAD', 1, path, { 'If-None-Match': tag })).status).toBe(304);
    expect(limiter.inFlight()).toBe(1);
  });

  it('different tenants, queries and formats get different ETags', async () => {
    const asked: Array<[number, string]> = [
      [1, `configurations?${MAY}`],
      [2, `configurations?${MAY}`],
      [1, `configurations?${MAY}&format=csv`],
      [1, `configurations?${MAY}&limit=5`],
      [1, `configurations?${MAY}&limit=5&offset=5`],
      [1, `configurations?${MAY}&actions[]=2`],
      [1, 'configurations?from=2026-05-01T00:00:00.000Z&to=2026-05-12T00:00:00.000Z'],
      [1, `userActionsAggregated?${MAY}`],
      [1, `userActionsAggregated?${MAY}&aggregations[]=country`],
      [1, `userActionsAggregated?${MAY}&module=3`],
      [1, `useractions?${MAY}`],
      [1, 'useractions'],
      [1, 'useractions?format=csv'],
    ];
    // One after the other: this suite has a single export slot.
    const tags: string[] = [];
    for (const [tenant, p] of asked) tags.push(await etagOf(tenant, p));
    expect(new Set(tags).size).toBe(tags.length);
    // Query order and the Accept form do not make another answer.
    expect(await etagOf(1, `userActionsAggregated?module=3&${MAY}`)).toBe(await etagOf(1, `userActionsAggregated?${MAY}&module=3`));
  });

  it('a new event in the period changes the ETag; one outside it or a re-sent duplicate does not', async () => {
    const inMay = ['useractions?format=csv', `useractions?${MAY}`, `userActionsAggregated?${MAY}`, `configurations?${MAY}&format=csv`, `configurations?${MAY}`];
    const narrow = 'userActionsAggregated?from=2026-05-10T00:00:00.000Z&to=2026-05-11T00:00:00.000Z';
    const tagsOf = async (paths: string[]) => {
      const out: string[] = [];
      for (const p of paths) out.push(await etagOf(1, p));
      return out;
    };
    const before = await tagsOf([...inMay, narrow]);
    const event = { module: 3, action: 2, created: '2026-05-15T09:00:00.000Z', actionId: 'cfg-new', eventId: 'cache-new-1' };
    await ingest(t, 1, [event]);
    const after = await tagsOf([...inMay, narrow]);
    inMay.forEach((p, i) => expect({ p, changed: after[i] !== before[i] }).toEqual({ p, changed: true }));
    // May 15th is outside [May 10th, May 11th): that answer is the same, and so is its tag.
    expect(after[inMay.length]).toBe(before[inMay.length]);
    // The same event again is a duplicate: nothing changed.
    const res = await t.http.post(`${API}/tenants/1/useractions`).set(t.auth([1], { ingest: true })).send({ userAction: { ...event } });
    expect(res.body).toEqual({ accepted: 0, duplicates: 1 });
    expect(await tagsOf(inMay)).toEqual(after.slice(0, inMay.length));
    // Another tenant's event changes nothing here.
    await ingest(t, 2, [{ module: 3, action: 2, created: '2026-05-15T09:00:00.000Z' }]);
    expect(await tagsOf(inMay)).toEqual(after.slice(0, inMay.length));
  });

  it("consent changes, erasure and catalog renames change configurations' ETag, not the counts'", async () => {
    const conf = [`configurations?${MAY}`, `configurations?${MAY}&format=csv`];
    const counts = [`useractions?${MAY}`, `userActionsAggregated?${MAY}`];
    const tags = async () => {
      const out: string[] = [];
      for (const p of [...conf, ...counts]) out.push(await etagOf(1, p));
      return out;
    };
    const emails = async () => JSON.parse((await get(1, `configurations?${MAY}&limit=1&actions[]=1`)).text).tenantConfigurationStatistics[0].userEmail;

    const start = await tags();
    expect(await emails()).toBe('one@example.com');
    await putUser(t, 'u-1', 'one@example.com', false);
    const noConsent = await tags();
    expect(await emails()).toBeNull();
    await putUser(t, 'u-1', 'one@example.com', true);
    const consent = await tags();
    await eraseUser(t, 'u-1');
    const erased = await tags();
    expect(await emails()).toBeNull();
    await putCatalogAction(t, 3, 2, { name: 'Saved', configurationAction: true, carriesPartList: true });
    const renamed = await tags();
    for (const [i, p] of conf.entries()) {
      const seen = [start[i], noConsent[i], consent[i], erased[i], renamed[i]];
      expect({ p, distinct: new Set(seen).size }).toEqual({ p, distinct: 5 });
    }
    for (const [j, p] of counts.entries()) {
      const i = conf.length + j;
      expect({ p, tags: [noConsent[i], consent[i], erased[i], renamed[i]] }).toEqual({ p, tags: [start[i], start[i], start[i], start[i]] });
    }
    const csv = (await get(1, `configurations?${MAY}&format=csv&actions[]=2`)).text;
    expect(csv.split('\n')[1]).toContain('"Saved"');
  });

  it('Cache-Control: private, max-age for a period closed by a finished rollup pass, no-cache for open ones; rollup changes the tag', async () => {
    const closed = 'useractions?from=2025-09-01T00:00:00.000Z&to=2025-10-01T00:00:00.000Z';
    const closedAgg = 'userActionsAggregated?from=2025-09-01T00:00:00.000Z&to=2025-10-01T00:00:00.000Z';
    const before = await get(1, closed);
    expect(before.headers['cache-control']).toBe('private, no-cache');
    const aggBefore = await get(1, closedAgg);
    expect(JSON.parse(aggBefore.text).userActions).toEqual([{ module: 3, action: 2, tenant: 1, count: 5, aggregationLevel: 0 }]);
    // A pass as of now: September 2025 lies before the monthly cutoff (2025-11-01, 180 days back).
    const summary = await t.app.get(RollupService).run({ asOf: NOW });
    expect(summary.monthlyCutoff).toBe('2025-11-01T00:00:00.000Z');
    const after = await get(1, closed);
    expect(after.headers['cache-control']).toBe('private, max-age=600');
    expect(after.headers.etag).not.toBe(before.headers.etag);
    const aggAfter = await get(1, closedAgg);
    expect(aggAfter.headers['cache-control']).toBe('private, max-age=600');
    expect(aggAfter.headers.etag).not.toBe(aggBefore.headers.etag);
    expect(JSON.parse(aggAfter.text).userActions).toEqual([{ module: 3, action: 2, tenant: 1, count: 5, aggregationLevel: 2 }]);
    const revalidated = await get(1, closed, { 'If-None-Match': after.headers.etag! });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers['cache-control']).toBe('private, max-age=600');
    // Open: ending after the cutoff, ending "now", or without an end; a tenant without rows has no pass recorded.
    for (const [tenant, p] of [
      [1, 'useractions?from=2025-09-01T00:00:00.000Z&to=2025-12-01T00:00:00.000Z'],
      [1, 'useractions?from=2025-09-01T00:00:00.000Z'],
      [1, 'userActionsAggregated'],
      [1, 'configurations'],
      [4, 'useractions?from=2025-09-01T00:00:00.000Z&to=2025-10-01T00:00:00.000Z'],
    ] as Array<[number, string]>) {
      expect({ p, cc: (await get(tenant, p)).headers['cache-control'] }).toEqual({ p, cc: 'private, no-cache' });
    }
  });

  it("a default range that moves with now (configurations: the last 30 days) changes its tag with the clock", async () => {
    const a = await etagOf(1, 'configurations');
    expect(await etagOf(1, 'configurations')).toBe(a);
    t.clock.set(new Date(NOW.getTime() + 1));
    try {
      expect(await etagOf(1, 'configurations')).not.toBe(a);
    } finally {
      t.clock.set(NOW);
    }
  });

  it('errors carry no caching headers: 400, 403', async () => {
    const bad = await get(1, 'useractions?from=2026-05-02T00:00:00.000Z&to=2026-05-01T00:00:00.000Z');
    expect(bad.status).toBe(400);
    expect(bad.headers.etag).toBeUndefined();
    const forbidden = await call('GET', 1, `configurations?${MAY}`, { Authorization: t.auth([2]).Authorization });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.etag).toBeUndefined();
    // A token without the tenant's right gets 403, even with the right tag.
    const tag = await etagOf(1, `configurations?${MAY}`);
    const sneaky = await call('GET', 1, `configurations?${MAY}`, { Authorization: t.auth([2]).Authorization, 'If-None-Match': tag });
    expect(sneaky.status).toBe(403);
  });
});
