import { RollupService, RollupSummary } from '../../src/rollup/rollup.service';
import { FixtureEvent, ingestAll, parseCsv, putUser, Route, tokenWith } from '../support/fixtures';
import { Cutoffs, modelAfter, TableRow, eventRow } from '../support/rollup-fixtures';
import { TestApp } from '../support/test-app';
import { API, call, count, expectSafe, Reply } from './support';

/**
 * OWASP API1 (broken object-level authorisation): tenant A can neither read nor write tenant B,
 * whatever the token says about B, and nothing of B ever appears in an answer for A — on every
 * read route, as JSON and CSV, with and without filters, before and after a rollup pass. A's
 * answers are checked exactly against a model of what was seeded for A.
 */

const NOW = new Date('2026-03-20T12:00:00.000Z');
const A = 7001;
const B = 7002;
const TS = 'TENANT_STATISTICS';
const BASE = 'https://www.roomle.com/t/cp/';
const RANGE = { from: '2025-01-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' };
const A_EMAIL = 'a.user@tenant-a.example';
const B_EMAIL = 'b.secret@tenant-b.example';
/** Texts only tenant B's data holds (compared case-insensitively with every answer for A). */
const B_MARKERS = ['b-secret', 'tenant-b', 'b.secret', 'b-tablet-device', 'evt-b-', 'B-SECRET-ART'];
const B_ONLY_COUNTRIES = ['JP', 'FR'];
const CONFIG_ACTION_NAMES: Record<number, string> = { 1: 'View', 2: 'Save', 4: '3D export', 5: 'Renderings', 302: 'Save_Draft', 303: 'Save_Plan' };
const CARRIES_PART_LIST = new Set([2, 302, 303]);
const LEVEL_NAMES = ['real time', 'daily', 'monthly'];

type Seed = FixtureEvent & { configuration?: { thumbnail?: string; partList?: Record<string, unknown> } };

const ev = (tenant: number, eventId: string, module: number, action: number, created: string, extra: Partial<Seed> = {}): Seed => ({ tenant, eventId, module, action, created, ...extra });

const SEED: Seed[] = [
  // tenant A: 8 events, 3 of them old enough to be rolled up (2 daily, 2 monthly)
  ev(A, 'evt-a-1', 3, 2, '2026-03-10T10:00:00.000Z', {
    country: 'AT',
    device: 'desktop',
    actionLabel: 'a-shop',
    actionId: 'conf:a-1',
    actionParameter: 'a-param',
    userId: 'u-a',
    configuration: { thumbnail: 'https://a.example/1.png', partList: { originPart: { articleNr: 'A-ART-1', count: 1 } } },
  }),
  ev(A, 'evt-a-2', 3, 1, '2026-03-11T10:00:00.000Z', { country: 'DE', device: 'mobile', actionLabel: 'a-shop', actionId: 'conf:a-1', userId: 'u-a' }),
  ev(A, 'evt-shared', 3, 302, '2026-03-12T10:00:00.000Z', { country: 'AT', actionLabel: 'a-kiosk', actionId: 'conf:shared', configuration: { thumbnail: 'https://a.example/shared.png' } }),
  ev(A, 'evt-a-4', 7, 5, '2026-03-13T10:00:00.000Z', { country: 'AT', actionLabel: 'a-kiosk' }),
  ev(A, 'evt-a-5', 3, 2, '2026-01-10T10:00:00.000Z', { country: 'DE', actionLabel: 'a-shop', actionId: 'conf:a-2' }),
  ev(A, 'evt-a-6', 3, 2, '2026-01-10T11:00:00.000Z', { country: 'DE', actionLabel: 'a-shop', actionId: 'conf:a-2' }),
  ev(A, 'evt-a-7', 3, 1, '2025-07-15T10:00:00.000Z', { country: 'AT', actionLabel: 'a-shop', actionId: 'conf:a-3' }),
  ev(A, 'evt-a-8', 3, 1, '2025-07-20T10:00:00.000Z', { country: 'AT', actionLabel: 'a-shop', actionId: 'conf:a-3' }),
  // tenant B: 13 events, other modules and actions, other countries, the same eventId and configuration id as A once
  ...[1, 2, 3].map((i) =>
    ev(B, `evt-b-${i}`, 3, 2, `2026-03-0${5 + i}T09:00:00.000Z`, {
      country: i === 1 ? 'JP' : 'FR',
      device: 'b-tablet-device',
      actionLabel: 'b-secret-configurator',
      actionId: 'conf:b-secret-1',
      actionParameter: 'b-secret-param',
      userId: 'u-b',
      configuration: { thumbnail: 'https://b-secret.example/1.png', partList: { originPart: { articleNr: 'B-SECRET-ART', count: 9 } } },
    }),
  ),
  ev(B, 'evt-shared', 3, 4, '2026-03-12T09:00:00.000Z', { country: 'JP', actionLabel: 'b-secret-configurator', actionId: 'conf:shared', configuration: { thumbnail: 'https://b-secret.example/shared.png' } }),
  ev(B, 'evt-b-5', 3, 4, '2026-03-13T09:00:00.000Z', { country: 'JP', actionLabel: 'b-secret-configurator', actionId: 'conf:shared' }),
  ev(B, 'evt-b-6', 5, 9, '2026-03-14T09:00:00.000Z', { country: 'FR', device: 'b-tablet-device' }),
  ev(B, 'evt-b-7', 5, 9, '2026-03-15T09:00:00.000Z', { country: 'FR' }),
  ev(B, 'evt-b-8', 3, 2, '2026-01-12T09:00:00.000Z', { country: 'JP', actionLabel: 'b-secret-configurator', actionId: 'conf:b-secret-2', userId: 'u-b' }),
  ev(B, 'evt-b-9', 3, 2, '2026-01-12T10:00:00.000Z', { country: 'JP', actionLabel: 'b-secret-configurator', actionId: 'conf:b-secret-2' }),
  ev(B, 'evt-b-10', 3, 303, '2025-08-03T09:00:00.000Z', { country: 'FR', actionLabel: 'b-secret-configurator', actionId: 'conf:b-secret-3' }),
  ev(B, 'evt-b-11', 3, 303, '2025-08-04T09:00:00.000Z', { country: 'FR', actionLabel: 'b-secret-configurator', actionId: 'conf:b-secret-3' }),
  ev(B, 'evt-b-12', 3, 1, '2025-06-01T09:00:00.000Z', { country: 'FR', actionLabel: 'b-secret-configurator', actionId: 'conf:b-secret-3' }),
  ev(B, 'evt-b-13', 3, 1, '2026-03-19T09:00:00.000Z', { country: 'JP', actionLabel: 'b-secret-configurator', actionId: 'conf:b-secret-1', userId: 'u-b' }),
];
const A_EVENTS = SEED.filter((e) => e.tenant === A);

/** A's configuration snapshots as seeded (the latest event per configuration id). */
const A_SNAPSHOTS: Record<string, { thumbnail: string | null; partList: unknown }> = {
  'conf:a-1': { thumbnail: 'https://a.example/1.png', partList: { originPart: { articleNr: 'A-ART-1', count: 1 } } },
  'conf:shared': { thumbnail: 'https://a.example/shared.png', partList: null },
};

// ---------------------------------------------------------------------------------------------
// The model of A's answers

type Phase = 'before rollup' | 'after rollup';
let cut: Cutoffs | undefined;

/** A's rows of user_action in this phase (real-time rows before the pass, the model of the table after). */
function tableA(phase: Phase): TableRow[] {
  return phase === 'before rollup' ? A_EVENTS.map(eventRow) : modelAfter(SEED, 'UTC', cut!).filter((r) => r.tenant === A);
}

interface Variant {
  name: string;
  query: string;
  /** Rows of A's table this variant sums. */
  filter: (r: TableRow) => boolean;
  aggregations?: Array<'country' | 'device' | 'actionLabel' | 'actionId'>;
  page?: { limit: number; offset: number };
}

const inRange = (from: string, to: string) => (r: TableRow) => r.created >= from && r.created < to;
const range = `from=${RANGE.from}&to=${RANGE.to}`;
const MONTH = inRange('2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z');
const LAST_30_DAYS = inRange(new Date(NOW.getTime() - 30 * 86_400_000).toISOString(), NOW.toISOString());
const isConfigAction = (r: TableRow) => r.module === 3 && r.action in CONFIG_ACTION_NAMES;

const VARIANTS: Record<Route, Variant[]> = {
  useractions: [
    { name: 'all time', query: '', filter: () => true },
    { name: 'module=3', query: 'module=3', filter: (r) => r.module === 3 },
    { name: 'module=3&action=2', query: 'module=3&action=2', filter: (r) => r.module === 3 && r.action === 2 },
    { name: 'from/to', query: range, filter: inRange(RANGE.from, RANGE.to) },
    { name: "B's module 5", query: 'module=5', filter: (r) => r.module === 5 },
  ],
  userActionsAggregated: [
    { name: 'from/to', query: range, filter: inRange(RANGE.from, RANGE.to) },
    { name: 'current month (default)', query: '', filter: MONTH },
    { name: 'module=3&actions[]=1&actions[]=2', query: `${range}&module=3&actions[]=1&actions[]=2`, filter: (r) => r.module === 3 && [1, 2].includes(r.action) },
    {
      name: 'all four aggregations',
      query: `${range}&aggregations[]=country&aggregations[]=device&aggregations[]=actionLabel&aggregations[]=actionId`,
      filter: () => true,
      aggregations: ['country', 'device', 'actionLabel', 'actionId'],
    },
    { name: "B's action 4 (3D export)", query: `${range}&module=3&actions[]=4`, filter: (r) => r.module === 3 && r.action === 4 },
  ],
  configurations: [
    { name: 'from/to', query: range, filter: (r) => isConfigAction(r) && inRange(RANGE.from, RANGE.to)(r) },
    { name: 'last 30 days (default)', query: '', filter: (r) => isConfigAction(r) && LAST_30_DAYS(r) },
    { name: "A's configuratorId", query: `${range}&configuratorId=a-shop`, filter: (r) => isConfigAction(r) && r.actionLabel === 'a-shop' },
    { name: "B's configuratorId", query: `${range}&configuratorId=b-secret-configurator`, filter: (r) => isConfigAction(r) && r.actionLabel === 'b-secret-configurator' },
    { name: 'actions[]=2&actions[]=4', query: `${range}&actions[]=2&actions[]=4`, filter: (r) => isConfigAction(r) && [2, 4].includes(r.action) },
    { name: 'a page (limit=2&offset=1)', query: `${range}&limit=2&offset=1`, filter: (r) => isConfigAction(r), page: { limit: 2, offset: 1 } },
  ],
};

const sortByJson = <T>(rows: T[]): T[] => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

function expectedUserActions(rows: TableRow[]): Array<Record<string, unknown>> {
  const groups = new Map<string, { date: string; module: number; action: number; count: number }>();
  for (const r of rows) {
    const k = `${r.created.slice(0, 7)}|${r.module}|${r.action}`;
    const g = groups.get(k);
    if (!g) groups.set(k, { date: r.created, module: r.module, action: r.action, count: r.count });
    else {
      g.count += r.count;
      if (r.created < g.date) g.date = r.created;
    }
  }
  return [...groups.values()].map((g) => ({ ...g, tenant: A, aggregationLevel: 2 }));
}

function expectedAggregated(rows: TableRow[], aggs: Variant['aggregations'] = []): Array<Record<string, unknown>> {
  const groups = new Map<string, Record<string, unknown>>();
  for (const r of rows) {
    const keys = aggs.map((a) => r[a]);
    const k = JSON.stringify([r.module, r.action, ...keys]);
    const g = groups.get(k);
    if (!g) groups.set(k, { module: r.module, action: r.action, tenant: A, count: r.count, aggregationLevel: r.level, ...Object.fromEntries(aggs.map((a, i) => [a, keys[i]])) });
    else {
      g.count = (g.count as number) + r.count;
      g.aggregationLevel = Math.max(g.aggregationLevel as number, r.level);
    }
  }
  return [...groups.values()];
}

function expectedConfigurations(rows: TableRow[]): Array<Record<string, unknown>> {
  return rows.map((r) => {
    const snap = r.actionId ? A_SNAPSHOTS[r.actionId] : undefined;
    return {
      link: r.actionId ? `${BASE}?id=${r.actionId}${r.actionLabel ? `&configuratorId=${r.actionLabel}` : ''}` : '',
      thumbnail: snap?.thumbnail ?? null,
      created: r.created,
      action: CONFIG_ACTION_NAMES[r.action],
      actionParameter: r.actionParameter,
      count: r.count,
      aggregationLevel: LEVEL_NAMES[r.level],
      userEmail: r.level === 0 && r.userId === 'u-a' ? A_EMAIL : null,
      partList: CARRIES_PART_LIST.has(r.action) ? (snap?.partList ?? null) : null,
      planCombinedIds: null,
    };
  });
}

/** The CSV record of an expected JSON row (the CSV is the JSON with "" for null and JSON text for objects). */
function csvRecord(row: Record<string, unknown>): Record<string, string | number> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : (v as string | number)]),
  );
}

/** Configurations order: action name (binary), then created descending (ties: the later-inserted row first). */
function configurationOrder(rows: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return [...rows].sort((a, b) =>
    a.action !== b.action ? Buffer.compare(Buffer.from(String(a.action)), Buffer.from(String(b.action))) : String(b.created).localeCompare(String(a.created)),
  );
}

// ---------------------------------------------------------------------------------------------

describe('tenant isolation (OWASP API1)', () => {
  let t: TestApp;
  let bCounts: Record<string, number>;

  /** B's rows in every tenant-scoped table, and B's snapshot of conf:b-secret-1: must never move. */
  async function bState(): Promise<Record<string, number | string>> {
    // Folded first: the fold moves B's rows between summary_pending and the summary tables, which is not a change of B's data.
    await t.fold();
    const [snap] = await t.dataSource.query('SELECT thumbnail FROM configuration_snapshot WHERE tenant = ? AND configuration_id = ?', [B, 'conf:b-secret-1']);
    return {
      user_action: await count(t, 'user_action', B),
      summary_pending: await count(t, 'summary_pending', B),
      stat_day: await count(t, 'stat_day', B),
      stat_hour: await count(t, 'stat_hour', B),
      stat_day_cd: await count(t, 'stat_day_cd', B),
      stat_day_label: await count(t, 'stat_day_label', B),
      stat_day_lc: await count(t, 'stat_day_lc', B),
      stat_day_lcd: await count(t, 'stat_day_lcd', B),
      stat_day_item: await count(t, 'stat_day_item', B),
      stat_item: await count(t, 'stat_item', B),
      configuration_snapshot: await count(t, 'configuration_snapshot', B),
      thumbnail: snap.thumbnail,
    };
  }

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW });
    await putUser(t, 'u-a', A_EMAIL, true);
    await putUser(t, 'u-b', B_EMAIL, true);
    await ingestAll(t, SEED);
    expect(await count(t, 'user_action', A)).toBe(8);
    expect(await count(t, 'user_action', B)).toBe(13);
    // the same eventId in both tenants: two rows, one each
    expect(Number((await t.dataSource.query("SELECT COUNT(*) AS n FROM user_action WHERE event_id = 'evt-shared'"))[0].n)).toBe(2);
    bCounts = (await bState()) as Record<string, number>;
  }, 60_000);
  afterAll(() => t?.close());

  // -------------------------------------------------------------------------------------------
  // A's tokens on B's id: 403, nothing written

  interface Caller {
    name: string;
    headers: () => Record<string, string>;
  }
  const claims = (c: Record<string, unknown>) => () => tokenWith(t, c);
  const CALLERS: Caller[] = [
    { name: 'TENANT_STATISTICS and the ingest scope for A only', headers: () => t.auth([A], { ingest: true }) },
    { name: 'TENANT_STATISTICS for A, TENANT_ADMIN for B, no ingest scope', headers: claims({ rights: { [A]: [TS], [B]: ['TENANT_ADMIN'] } }) },
    { name: 'rights for B only as TENANT_ADMIN (a non-TENANT_STATISTICS right)', headers: claims({ rights: { [B]: ['TENANT_ADMIN', 'TENANT_STATISTICS_READ'] } }) },
    { name: 'rights for B as tenant_statistics (other case)', headers: claims({ rights: { [A]: [TS], [B]: ['tenant_statistics'] } }) },
    { name: 'rights for B as "TENANT_STATISTICS " (trailing space)', headers: claims({ rights: { [B]: ['TENANT_STATISTICS '] } }) },
    { name: 'TENANT_STATISTICS under "07002", "7002.0", " 7002", "+7002" + ingest', headers: claims({ rights: { '07002': [TS], '7002.0': [TS], ' 7002': [TS], '+7002': [TS] }, scope: 'statistics:ingest' }) },
    { name: 'an empty right list for B + ingest', headers: claims({ rights: { [A]: [TS], [B]: [] }, scope: 'statistics:ingest' }) },
    { name: 'the ingest scope alone, no rights', headers: () => t.auth([], { ingest: true }) },
  ];

  interface Target {
    name: string;
    run: (headers: Record<string, string>, tenant: number) => Promise<Reply>;
    post?: boolean;
  }
  let attack = 0;
  const TARGETS: Target[] = [
    ...(['useractions', 'userActionsAggregated', 'configurations'] as Route[]).flatMap((route): Target[] =>
      (['json', 'csv'] as const).map((format) => ({
        name: `GET ${route} (${format})`,
        run: (headers, tenant) => call(t, 'GET', `${API}/tenants/${tenant}/${route}?${range}`, { headers: { ...headers, Accept: format === 'csv' ? 'text/csv' : 'application/json' } }),
      })),
    ),
    ...(['json', 'csv'] as const).map((format) => ({
      name: `GET userActionsSeries (${format})`,
      run: (headers: Record<string, string>, tenant: number) =>
        call(t, 'GET', `${API}/tenants/${tenant}/userActionsSeries?${range}&interval=month&compare=previousYear`, { headers: { ...headers, Accept: format === 'csv' ? 'text/csv' : 'application/json' } }),
    })),
    {
      name: 'POST useractions',
      post: true,
      run: (headers, tenant) =>
        call(t, 'POST', `${API}/tenants/${tenant}/useractions`, {
          headers,
          body: {
            userActions: [
              { eventId: `evt-attack-${++attack}`, module: 3, action: 2, created: '2026-03-19T10:00:00.000Z', actionId: 'conf:b-secret-1', configuration: { thumbnail: 'https://attacker.example/x.png' } },
              { eventId: 'evt-b-1', module: 3, action: 2, created: '2026-03-19T10:00:00.000Z' },
            ],
          },
        }),
    },
  ];

  describe.each(CALLERS)('a token with $name', (caller) => {
    it.each(TARGETS)("calling tenant B's $name → 403, nothing of B answered or written", async (target) => {
      const res = await target.run(caller.headers(), B);
      expectSafe(res);
      expect(res.status).toBe(403);
      expect(res.headers['content-disposition']).toBeUndefined();
      for (const m of B_MARKERS) expect(res.text.toLowerCase()).not.toContain(m.toLowerCase());
      expect(await bState()).toEqual(bCounts);
    });
  });

  it.each(TARGETS.filter((x) => !x.post))("a token with rights for A only under another right name (TENANT_ADMIN) reading A's own $name → 403", async (target) => {
    const res = await target.run(tokenWith(t, { rights: { [A]: ['TENANT_ADMIN'] } }), A);
    expectSafe(res);
    expect(res.status).toBe(403);
  });

  it.each([
    ['?id=7002 on A’s path', `${API}/tenants/${A}/useractions?id=${B}`, 400],
    ['?tenant=7002 on A’s path', `${API}/tenants/${A}/configurations?tenant=${B}`, 400],
    ['tenants[]=7002 on A’s path', `${API}/tenants/${A}/userActionsAggregated?tenants[]=${B}`, 400],
    ['B’s id with a leading zero', `${API}/tenants/0${B}/useractions`, 400],
    ['B’s id with a dot path to A', `${API}/tenants/${B}%2F..%2F${A}/useractions`, 400],
    ['A’s id, then /../B', `${API}/tenants/${A}/..%2F${B}/useractions`, 404],
    ['B’s id as 7002.0', `${API}/tenants/${B}.0/configurations`, 400],
    ['B’s id in hex', `${API}/tenants/0x1b5a/configurations`, 400],
  ])('A’s token with %s → %d, nothing of B', async (_what, path, status) => {
    const res = await call(t, 'GET', path, { headers: t.auth([A]) });
    expectSafe(res, [path]);
    expect(res.status).toBe(status);
    for (const m of B_MARKERS) expect(res.text.toLowerCase()).not.toContain(m.toLowerCase());
  });

  // -------------------------------------------------------------------------------------------
  // A's answers: exactly A's data, nothing of B

  function expectNothingOfB(res: Reply): void {
    const text = res.text.toLowerCase();
    for (const m of B_MARKERS) expect(text).not.toContain(m.toLowerCase());
    expect(res.text).not.toContain('https://b-secret.example/shared.png');
  }

  function expectAnswer(route: Route, v: Variant, phase: Phase, format: 'json' | 'csv', res: Reply): void {
    expectSafe(res);
    expect(res.status).toBe(200);
    expectNothingOfB(res);
    const rows = tableA(phase).filter(v.filter);
    if (route === 'useractions') {
      const expected = expectedUserActions(rows);
      if (format === 'json') {
        for (const r of res.body.userActions) expect(r.tenant).toBe(A);
        expect(sortByJson(res.body.userActions)).toEqual(sortByJson(expected));
        expect(res.body.meta.total).toBe(expected.length);
      } else {
        const { records } = parseCsv(res.text);
        for (const r of records) expect(r.tenant).toBe(A);
        const csv = expected.map((e) => ({ module: e.module, action: e.action, tenant: A, count: e.count, month: Number(String(e.date).slice(5, 7)), year: Number(String(e.date).slice(0, 4)) }));
        expect(sortByJson(records)).toEqual(sortByJson(csv));
      }
    } else if (route === 'userActionsAggregated') {
      const expected = expectedAggregated(rows, v.aggregations);
      if (format === 'json') {
        for (const r of res.body.userActions) {
          expect(r.tenant).toBe(A);
          if (v.aggregations) expect(B_ONLY_COUNTRIES).not.toContain(r.country);
        }
        expect(sortByJson(res.body.userActions)).toEqual(sortByJson(expected));
      } else {
        const { records } = parseCsv(res.text);
        for (const r of records) expect(r.tenant).toBe(A);
        expect(sortByJson(records)).toEqual(sortByJson(expected.map(csvRecord)));
      }
    } else {
      const all = configurationOrder(expectedConfigurations(rows));
      if (format === 'json') {
        const page = v.page ? all.slice(v.page.offset, v.page.offset + v.page.limit) : all;
        expect(res.body.meta.total).toBe(all.length);
        expect(sortByJson(res.body.tenantConfigurationStatistics)).toEqual(sortByJson(page));
        for (const r of res.body.tenantConfigurationStatistics) expect([A_EMAIL, null]).toContain(r.userEmail);
      } else {
        const { records } = parseCsv(res.text);
        expect(sortByJson(records)).toEqual(sortByJson(all.map(csvRecord)));
      }
    }
    // A's totals: the sum of count is exactly what was seeded for A under this filter
    const total = rows.reduce((s, r) => s + r.count, 0);
    const answered =
      format === 'json'
        ? (route === 'configurations' ? (v.page ? [] : res.body.tenantConfigurationStatistics) : res.body.userActions).reduce((s: number, r: { count: number }) => s + r.count, 0)
        : parseCsv(res.text).records.reduce((s, r) => s + Number(r.count), 0);
    if (!(route === 'configurations' && format === 'json' && v.page)) expect(answered).toBe(total);
  }

  const MATRIX = (['useractions', 'userActionsAggregated', 'configurations'] as Route[]).flatMap((route) =>
    VARIANTS[route].flatMap((v) => (['json', 'csv'] as const).map((format) => ({ route, variant: v.name, format, v }))),
  );

  describe.each(['before rollup', 'after rollup'] as Phase[])('%s', (phase) => {
    beforeAll(async () => {
      if (phase === 'after rollup') {
        const summary: RollupSummary = await t.app.get(RollupService).run({ asOf: NOW });
        cut = { daily: new Date(summary.dailyCutoff), monthly: new Date(summary.monthlyCutoff) };
        // the pass really rolled rows of both tenants to daily and monthly
        expect(summary.rowsRead).toBeGreaterThan(0);
        for (const tenant of [A, B]) {
          for (const level of [1, 2]) {
            const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM user_action WHERE tenant = ? AND aggregation_level = ?', [tenant, level]);
            expect([tenant, level, Number(n) > 0]).toEqual([tenant, level, true]);
          }
        }
        expect(await count(t, 'user_action', A)).toBe(tableA(phase).length);
        bCounts = (await bState()) as Record<string, number>;
      }
    });

    it.each(MATRIX)("tenant A's $route ($variant, $format): A's rows only, totals exactly as seeded for A", async ({ route, format, v }) => {
      const res = await call(t, 'GET', `${API}/tenants/${A}/${route}${v.query ? `?${v.query}` : ''}`, {
        headers: { ...t.auth([A]), Accept: format === 'csv' ? 'text/csv' : 'application/json' },
      });
      expect(res.type).toBe(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
      expectAnswer(route, v, phase, format, res);
    });

    it("a token for both tenants reading A still gets A's rows only", async () => {
      const res = await call(t, 'GET', `${API}/tenants/${A}/configurations?${range}`, { headers: t.auth([A, B]) });
      expectAnswer('configurations', VARIANTS.configurations[0], phase, 'json', res);
    });

    it('B’s own answers are untouched by everything A did (control: B sees its own 13 events)', async () => {
      const res = await call(t, 'GET', `${API}/tenants/${B}/useractions`, { headers: t.auth([B]) });
      expect(res.status).toBe(200);
      expect(res.body.userActions.reduce((s: number, r: { count: number }) => s + r.count, 0)).toBe(13);
      const conf = await call(t, 'GET', `${API}/tenants/${B}/configurations?${range}`, { headers: t.auth([B]) });
      expect(conf.text).toContain('https://b-secret.example/shared.png');
      expect(conf.text).not.toContain('https://a.example/');
      expect(await bState()).toEqual(bCounts);
    });
  });
});
