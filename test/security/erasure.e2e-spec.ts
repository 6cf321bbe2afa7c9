import { RollupService } from '../../src/rollup/rollup.service';
import { FixtureEvent, ingestAll, parseCsv, putUser, Route } from '../support/fixtures';
import { TestApp } from '../support/test-app';
import { API, call, count, dumpDatabase, expectSafe, Reply } from './support';

/**
 * Erasure (spec §1 "Erasing a user removes the email", §5 DELETE users/:userId, docs/api.md):
 * after DELETE users/:userId the address is in no answer of any read route (JSON and CSV, every
 * tenant, rolled-up rows included) and in no row of any table; new events do not bring it back,
 * only a new PUT does; other users — including look-alike ids — keep theirs; DELETE is idempotent.
 */

const NOW = new Date('2026-03-20T12:00:00.000Z');
const T1 = 1;
const T2 = 2;
const ROUTES: Route[] = ['useractions', 'userActionsAggregated', 'configurations'];
const FULL = 'from=2025-01-01T00:00:00.000Z&to=2026-04-01T00:00:00.000Z';
const ERASED = 'erase.me@example.com';
const AGAIN = 'erase.me.again@example.com';
/** Other users: their addresses must survive every erasure of u-erase (and of look-alike ids). */
const OTHERS: Record<string, string> = {
  'u-keep': 'keep.me@example.com',
  'U-ERASE': 'upper.case@example.com',
  'u-erase ': 'trailing.space@example.com',
  u_erase: 'underscore@example.com',
  'u-erase-2': 'prefix.match@example.com',
};

const ev = (tenant: number, eventId: string, action: number, created: string, userId: string, actionId: string, module = 3): FixtureEvent => ({
  tenant,
  eventId,
  module,
  action,
  created,
  userId,
  actionId,
  actionLabel: 'shop',
});

const SEED: FixtureEvent[] = [
  // u-erase: two real-time configuration rows in tenant 1, one in tenant 2, one non-configuration action, and old rows that the pass rolls up
  ev(T1, 'e-1', 2, '2026-03-10T10:00:00.000Z', 'u-erase', 'conf:e-1'),
  ev(T1, 'e-2', 1, '2026-03-15T10:00:00.000Z', 'u-erase', 'conf:e-1'),
  ev(T1, 'e-3', 5, '2026-03-12T10:00:00.000Z', 'u-erase', 'conf:e-none', 7),
  ev(T1, 'e-4', 2, '2026-01-10T10:00:00.000Z', 'u-erase', 'conf:e-2'),
  ev(T1, 'e-5', 2, '2026-01-10T11:00:00.000Z', 'u-erase', 'conf:e-2'),
  ev(T1, 'e-6', 2, '2025-07-10T10:00:00.000Z', 'u-erase', 'conf:e-3'),
  ev(T2, 'e-7', 2, '2026-03-14T10:00:00.000Z', 'u-erase', 'conf:t2-1'),
  // other users
  ev(T1, 'k-1', 2, '2026-03-11T10:00:00.000Z', 'u-keep', 'conf:k-1'),
  ev(T1, 'k-2', 1, '2026-01-11T10:00:00.000Z', 'u-keep', 'conf:k-1'),
  ev(T1, 'n-1', 2, '2026-03-12T10:00:00.000Z', 'u-noconsent', 'conf:n-1'),
  ev(T1, 'x-1', 2, '2026-03-13T10:00:00.000Z', 'U-ERASE', 'conf:x-1'),
  ev(T1, 'x-2', 2, '2026-03-13T11:00:00.000Z', 'u-erase ', 'conf:x-2'),
  ev(T1, 'x-3', 1, '2026-03-13T12:00:00.000Z', 'u_erase', 'conf:x-3'),
  ev(T1, 'x-4', 1, '2026-03-13T13:00:00.000Z', 'u-erase-2', 'conf:x-4'),
];

describe('erasure: DELETE users/:userId', () => {
  let t: TestApp;

  const ingestHeaders = () => t.auth([], { ingest: true });
  const read = (tenant: number, route: Route, query: string, format: 'json' | 'csv'): Promise<Reply> =>
    call(t, 'GET', `${API}/tenants/${tenant}/${route}${query ? `?${query}` : ''}`, { headers: { ...t.auth([tenant]), Accept: format === 'csv' ? 'text/csv' : 'application/json' } });
  const erase = (userId: string) => call(t, 'DELETE', `${API}/users/${encodeURIComponent(userId)}`, { headers: ingestHeaders() });

  /** userEmail → number of configuration rows showing it (JSON, full range, one page). */
  async function emailsShown(tenant: number): Promise<Record<string, number>> {
    const res = await read(tenant, 'configurations', `${FULL}&limit=10000`, 'json');
    expect(res.status).toBe(200);
    const out: Record<string, number> = {};
    for (const r of res.body.tenantConfigurationStatistics) if (r.userEmail !== null) out[r.userEmail] = (out[r.userEmail] ?? 0) + 1;
    return out;
  }

  /** The same from the CSV export. */
  async function emailsInCsv(tenant: number): Promise<Record<string, number>> {
    const res = await read(tenant, 'configurations', FULL, 'csv');
    expect(res.status).toBe(200);
    const out: Record<string, number> = {};
    for (const r of parseCsv(res.text).records) if (r.userEmail !== '') out[String(r.userEmail)] = (out[String(r.userEmail)] ?? 0) + 1;
    return out;
  }

  /** Tables holding `address` anywhere (any column, any case). */
  async function tablesHolding(address: string): Promise<string[]> {
    const dump = await dumpDatabase(t);
    return Object.entries(dump)
      .filter(([, text]) => text.toLowerCase().includes(address.toLowerCase()))
      .map(([table]) => table);
  }

  /** Rows of u-erase's configuration ids in tenant 1's export (statistics stay; only the e-mail goes). */
  async function eraseRowCounts(): Promise<number> {
    const res = await read(T1, 'configurations', `${FULL}&limit=10000`, 'json');
    return res.body.tenantConfigurationStatistics.filter((r: { link: string }) => /id=conf:e-/.test(r.link)).reduce((s: number, r: { count: number }) => s + r.count, 0);
  }

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW });
    await putUser(t, 'u-erase', ERASED, true);
    await putUser(t, 'u-noconsent', 'hidden.user@example.com', false);
    for (const [id, email] of Object.entries(OTHERS)) await putUser(t, id, email, true);
    await ingestAll(t, SEED);
    // one rollup pass first: the old actions of u-erase become daily and monthly rows
    const summary = await t.app.get(RollupService).run({ asOf: NOW });
    expect(summary.rowsRead).toBeGreaterThan(0);
    for (const level of [1, 2]) {
      const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM user_action WHERE tenant = ? AND aggregation_level = ?', [T1, level]);
      expect([level, Number(n) > 0]).toEqual([level, true]);
    }
  }, 60_000);
  afterAll(() => t?.close());

  it('before erasure: the address shows on exactly the real-time rows of u-erase (JSON and CSV, both tenants), never on rolled-up rows', async () => {
    const expected1 = { [ERASED]: 2, ...Object.fromEntries(Object.values(OTHERS).map((e) => [e, 1])) };
    expect(await emailsShown(T1)).toEqual(expected1);
    expect(await emailsInCsv(T1)).toEqual(expected1);
    expect(await emailsShown(T2)).toEqual({ [ERASED]: 1 });
    expect(await emailsInCsv(T2)).toEqual({ [ERASED]: 1 });
    const res = await read(T1, 'configurations', `${FULL}&limit=10000`, 'json');
    for (const r of res.body.tenantConfigurationStatistics) if (r.aggregationLevel !== 'real time') expect(r.userEmail).toBeNull();
    expect(await tablesHolding(ERASED)).toEqual(['directory_user']);
    expect(await eraseRowCounts()).toBe(5);
  });

  it('DELETE users/u-erase → 204 with an empty body', async () => {
    const res = await erase('u-erase');
    expectSafe(res);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  const MATRIX = [T1, T2].flatMap((tenant) =>
    ROUTES.flatMap((route) => (['json', 'csv'] as const).flatMap((format) => ['', FULL].map((query) => ({ tenant, route, format, range: query ? 'full range' : 'default range', query })))),
  );

  it.each(MATRIX)('after erasure: tenant $tenant $route ($format, $range) holds the address nowhere', async ({ tenant, route, format, query }) => {
    const res = await read(tenant, route, query, format);
    expect(res.status).toBe(200);
    expect(res.text.toLowerCase()).not.toContain(ERASED);
    expect(res.text.toLowerCase()).not.toContain('erase.me');
  });

  it('after erasure: the statistics of u-erase stay (their rows, without an e-mail), no table holds the address', async () => {
    expect(await eraseRowCounts()).toBe(5);
    expect(await emailsShown(T1)).toEqual(Object.fromEntries(Object.values(OTHERS).map((e) => [e, 1])));
    expect(await emailsShown(T2)).toEqual({});
    expect(await tablesHolding(ERASED)).toEqual([]);
    expect(await t.dataSource.query("SELECT user_id FROM directory_user WHERE user_id = 'u-erase'")).toEqual([]);
  });

  it('erasing one user leaves every other user intact, look-alike ids (case, trailing space, _ and %, prefix) included', async () => {
    for (const [id, email] of Object.entries(OTHERS)) {
      const [row] = await t.dataSource.query('SELECT email FROM directory_user WHERE user_id = ?', [id]);
      expect([id, row?.email]).toEqual([id, email]);
    }
    expect(await emailsInCsv(T1)).toEqual(Object.fromEntries(Object.values(OTHERS).map((e) => [e, 1])));
    const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM directory_user');
    expect(Number(n)).toBe(Object.keys(OTHERS).length + 1); // + u-noconsent
  });

  it.each(['U-KEEP', 'u-keep ', 'u%', 'u_keep', '%', '_', 'u-kee', "u-keep' OR '1'='1"])('DELETE users/%j → 204 and erases nobody else', async (id) => {
    const res = await erase(id);
    expectSafe(res, [id]);
    expect(res.status).toBe(204);
    const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM directory_user');
    expect(Number(n)).toBe(Object.keys(OTHERS).length + 1);
    expect(await emailsShown(T1)).toEqual(Object.fromEntries(Object.values(OTHERS).map((e) => [e, 1])));
  });

  it('a user without consent never shows, before or after anything', async () => {
    for (const tenant of [T1, T2]) {
      for (const format of ['json', 'csv'] as const) {
        expect((await read(tenant, 'configurations', FULL, format)).text).not.toContain('hidden.user@example.com');
      }
    }
  });

  it('erasure is idempotent: a second DELETE → 204, a never-known user → 204, nothing else changes', async () => {
    const before = await dumpDatabase(t);
    for (const id of ['u-erase', 'u-erase', 'never-known-user']) {
      const res = await erase(id);
      expectSafe(res);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
    }
    expect(await dumpDatabase(t)).toEqual(before);
  });

  it('new events for the erased userId do not bring the address back', async () => {
    const res = await call(t, 'POST', `${API}/tenants/${T1}/useractions`, {
      headers: t.auth([T1], { ingest: true }),
      body: { userActions: [{ eventId: 'e-8', module: 3, action: 2, created: '2026-03-19T10:00:00.000Z', userId: 'u-erase', actionId: 'conf:e-1', actionLabel: 'shop' }] },
    });
    expect(res.status).toBe(202);
    expect(await eraseRowCounts()).toBe(6);
    expect(await emailsShown(T1)).toEqual(Object.fromEntries(Object.values(OTHERS).map((e) => [e, 1])));
    expect(await tablesHolding(ERASED)).toEqual([]);
    for (const route of ROUTES) for (const format of ['json', 'csv'] as const) expect((await read(T1, route, FULL, format)).text).not.toContain('erase.me');
  });

  it('only a new PUT users/:userId sets an address again; it shows on the real-time rows of that user, and a new DELETE removes it everywhere', async () => {
    await putUser(t, 'u-erase', AGAIN, true);
    // the pseudonymous userId stays on real-time rows (docs/api.md): 3 in tenant 1 (two old, one new), 1 in tenant 2
    expect(await emailsShown(T1)).toEqual({ [AGAIN]: 3, ...Object.fromEntries(Object.values(OTHERS).map((e) => [e, 1])) });
    expect(await emailsInCsv(T2)).toEqual({ [AGAIN]: 1 });
    expect(await tablesHolding(ERASED)).toEqual([]);

    // withdrawing consent hides it without erasing it
    await putUser(t, 'u-erase', AGAIN, false);
    expect(await emailsShown(T1)).toEqual(Object.fromEntries(Object.values(OTHERS).map((e) => [e, 1])));
    expect(await tablesHolding(AGAIN)).toEqual(['directory_user']);

    const res = await erase('u-erase');
    expect(res.status).toBe(204);
    expect(await tablesHolding(AGAIN)).toEqual([]);
    for (const tenant of [T1, T2]) {
      for (const route of ROUTES) {
        for (const format of ['json', 'csv'] as const) {
          const text = (await read(tenant, route, FULL, format)).text;
          expect(text).not.toContain(AGAIN);
          expect(text).not.toContain(ERASED);
        }
      }
    }
  });

  it('a later rollup pass (the erased user’s recent rows rolled too) brings nothing back, and the other users stay in the directory', async () => {
    const summary = await t.app.get(RollupService).run({ asOf: new Date('2026-06-01T00:00:00.000Z') });
    expect(summary.rowsRead).toBeGreaterThan(0);
    expect(await tablesHolding(ERASED)).toEqual([]);
    expect(await tablesHolding(AGAIN)).toEqual([]);
    const [{ n }] = await t.dataSource.query("SELECT COUNT(*) AS n FROM user_action WHERE user_id = 'u-erase' AND aggregation_level = 0");
    expect(Number(n)).toBe(0);
    for (const email of Object.values(OTHERS)) expect(await tablesHolding(email)).toEqual(['directory_user']);
    expect(await count(t, 'directory_user')).toBe(Object.keys(OTHERS).length + 1);
  });
});
