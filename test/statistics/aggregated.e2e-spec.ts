import { API, csvText, EventSpec, expectError, getCsv, getJson, ingest, parseCsv } from '../support/fixtures';
import { RollupService } from '../../src/rollup/rollup.service';
import { TestApp } from '../support/test-app';

/** GET tenants/:id/userActionsAggregated — sums in [from, to), spec §4. */

const NOW = new Date('2026-03-20T12:00:00.000Z');
const MARCH = 'from=2026-03-01T00:00:00.000Z&to=2026-04-01T00:00:00.000Z';

/** Tenant 1; E1–E8 lie in March 2026 (UTC), E9 in February. */
const FIXTURE: EventSpec[] = [
  { module: 3, action: 1, created: '2026-03-01T00:00:00.000Z', country: 'AT', device: 'desktop', actionLabel: 'cfgA', actionId: 'conf:1' }, // E1
  { module: 3, action: 1, created: '2026-03-05T10:00:00.000Z', country: 'AT', device: 'mobile', actionLabel: 'cfgA', actionId: 'conf:2' }, // E2
  { module: 3, action: 1, created: '2026-03-06T10:00:00.000Z', country: 'DE', device: 'desktop', actionLabel: 'cfgB', actionId: 'conf:1' }, // E3
  { module: 3, action: 1, created: '2026-03-07T10:00:00.000Z' }, // E4: nothing known
  { module: 3, action: 2, created: '2026-03-02T10:00:00.000Z', country: 'AT', device: 'desktop', actionLabel: 'cfgA', actionId: 'conf:1' }, // E5
  { module: 3, action: 3, created: '2026-03-03T10:00:00.000Z', country: 'AT' }, // E6
  { module: 3, action: 3, created: '2026-03-10T00:00:00.000Z', country: 'DE' }, // E7
  { module: 4, action: 1, created: '2026-03-04T10:00:00.000Z', country: 'DE', device: 'tablet' }, // E8
  { module: 3, action: 1, created: '2026-02-28T23:59:59.999Z', country: 'AT' }, // E9: February
];

const sum = (module: number, action: number, count: number, extra: Record<string, string | null> = {}, tenant = 1) => ({
  module,
  action,
  tenant,
  count,
  aggregationLevel: 0,
  ...extra,
});

const MARCH_SUMS = [sum(3, 1, 4), sum(3, 2, 1), sum(3, 3, 2), sum(4, 1, 1)];

describe('GET tenants/:id/userActionsAggregated', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false' } });
    await t.reset();
    await ingest(t, 1, FIXTURE);
    await ingest(t, 2, [{ module: 3, action: 1, created: '2026-03-05T10:00:00.000Z', country: 'AT' }]);
  });
  afterAll(() => t.close());

  describe('sums', () => {
    it('sums per (module, action) in [from, to)', async () => {
      const res = await getJson(t, 1, 'userActionsAggregated', MARCH).expect(200);
      expect(res.body).toEqual({ userActions: MARCH_SUMS, meta: { total: 4, serverTime: NOW.toISOString() } });
    });

    it('includes an event exactly at from and excludes one exactly at to', async () => {
      const res = await getJson(t, 1, 'userActionsAggregated', 'from=2026-03-01T00:00:00.000Z&to=2026-03-10T00:00:00.000Z').expect(200);
      expect(res.body.userActions).toEqual([sum(3, 1, 4), sum(3, 2, 1), sum(3, 3, 1), sum(4, 1, 1)]);
      const later = await getJson(t, 1, 'userActionsAggregated', 'from=2026-03-01T00:00:00.001Z&to=2026-03-10T00:00:00.001Z').expect(200);
      expect(later.body.userActions).toEqual([sum(3, 1, 3), sum(3, 2, 1), sum(3, 3, 2), sum(4, 1, 1)]);
    });

    it('spans months when asked to', async () => {
      const res = await getJson(t, 1, 'userActionsAggregated', 'from=2026-02-01T00:00:00.000Z&to=2026-03-10T00:00:00.001Z').expect(200);
      expect(res.body.userActions).toEqual([sum(3, 1, 5), sum(3, 2, 1), sum(3, 3, 2), sum(4, 1, 1)]);
    });

    it('gives an empty list for an empty range (from = to)', async () => {
      const res = await getJson(t, 1, 'userActionsAggregated', 'from=2026-03-05T10:00:00.000Z&to=2026-03-05T10:00:00.000Z').expect(200);
      expect(res.body).toEqual({ userActions: [], meta: { total: 0, serverTime: NOW.toISOString() } });
    });

    it('keeps tenants apart', async () => {
      const res = await t.http.get(`/v2/statistics/tenants/2/userActionsAggregated?${MARCH}`).set(t.auth([2])).expect(200);
      expect(res.body.userActions).toEqual([sum(3, 1, 1, {}, 2)]);
    });

    it('serves numbers as JSON numbers', async () => {
      const res = await getJson(t, 1, 'userActionsAggregated', `${MARCH}&aggregations[]=country`).expect(200);
      expect(res.body.userActions.length).toBe(7);
      for (const e of res.body.userActions) {
        for (const k of ['module', 'action', 'tenant', 'count', 'aggregationLevel']) expect(typeof e[k]).toBe('number');
      }
      expect(typeof res.body.meta.total).toBe('number');
    });

    it('refuses from after to, naming from', async () => {
      expectError(await getJson(t, 1, 'userActionsAggregated', 'from=2026-03-02T00:00:00.000Z&to=2026-03-01T00:00:00.000Z'), 400, 'from');
    });
  });

  describe('module and actions filters', () => {
    it('filters by module', async () => {
      const res = await getJson(t, 1, 'userActionsAggregated', `${MARCH}&module=3`).expect(200);
      expect(res.body.userActions).toEqual([sum(3, 1, 4), sum(3, 2, 1), sum(3, 3, 2)]);
      const other = await getJson(t, 1, 'userActionsAggregated', `${MARCH}&module=4`).expect(200);
      expect(other.body.userActions).toEqual([sum(4, 1, 1)]);
    });

    it.each([
      ['actions[]=1&actions[]=3', [sum(3, 1, 4), sum(3, 3, 2)]],
      ['actions=1&actions=3', [sum(3, 1, 4), sum(3, 3, 2)]],
      ['actions=1', [sum(3, 1, 4)]],
      ['actions[]=2', [sum(3, 2, 1)]],
      ['actions[]=99', []],
    ])('filters by module and %s', async (actions, expected) => {
      const res = await getJson(t, 1, 'userActionsAggregated', `${MARCH}&module=3&${actions}`).expect(200);
      expect(res.body.userActions).toEqual(expected);
      expect(res.body.meta.total).toBe(expected.length);
    });

    it('refuses actions without module, naming actions', async () => {
      const res = await getJson(t, 1, 'userActionsAggregated', `${MARCH}&actions[]=1`);
      expectError(res, 400, 'actions');
      expect(res.body.message).toContain('module');
    });
  });

  describe('aggregations', () => {
    it('groups by country, null when unknown', async () => {
      const res = await getJson(t, 1, 'userActionsAggregated', `${MARCH}&aggregations[]=country`).expect(200);
      expect(res.body.userActions).toEqual([
        sum(3, 1, 1, { country: null }),
        sum(3, 1, 2, { country: 'AT' }),
        sum(3, 1, 1, { country: 'DE' }),
        sum(3, 2, 1, { country: 'AT' }),
        sum(3, 3, 1, { country: 'AT' }),
        sum(3, 3, 1, { country: 'DE' }),
        sum(4, 1, 1, { country: 'DE' }),
      ]);
      expect(res.body.meta.total).toBe(7);
    });

    it('groups by device', async () => {
      const res = await getJson(t, 1, 'userActionsAggregated', `${MARCH}&aggregations[]=device`).expect(200);
      expect(res.body.userActions).toEqual([
        sum(3, 1, 1, { device: null }),
        sum(3, 1, 2, { device: 'desktop' }),
        sum(3, 1, 1, { device: 'mobile' }),
        sum(3, 2, 1, { device: 'desktop' }),
        sum(3, 3, 2, { device: null }),
        sum(4, 1, 1, { device: 'tablet' }),
      ]);
    });

    it('groups by actionLabel', async () => {
      const res = await getJson(t, 1, 'userActionsAggregated', `${MARCH}&aggregations[]=actionLabel`).expect(200);
      expect(res.body.userActions).toEqual([
        sum(3, 1, 1, { actionLabel: null }),
        sum(3, 1, 2, { actionLabel: 'cfgA' }),
        sum(3, 1, 1, { actionLabel: 'cfgB' }),
        sum(3, 2, 1, { actionLabel: 'cfgA' }),
        sum(3, 3, 2, { actionLabel: null }),
        sum(4, 1, 1, { actionLabel: null }),
      ]);
    });

    it('groups by actionId (single value without brackets accepted too)', async () => {
      const expected = [
        sum(3, 1, 1, { actionId: null }),
        sum(3, 1, 2, { actionId: 'conf:1' }),
        sum(3, 1, 1, { actionId: 'conf:2' }),
        sum(3, 2, 1, { actionId: 'conf:1' }),
        sum(3, 3, 2, { actionId: null }),
        sum(4, 1, 1, { actionId: null }),
      ];
      const res = await getJson(t, 1, 'userActionsAggregated', `${MARCH}&aggregations[]=actionId`).expect(200);
      expect(res.body.userActions).toEqual(expected);
      const plain = await getJson(t, 1, 'userActionsAggregated', `${MARCH}&aggregations=actionId`).expect(200);
      expect(plain.body.userActions).toEqual(expected);
    });

    it('orders items by the bytes of their UTF-8 text, NULL first (as SQL orders them), trailing spaces significant', async () => {
      // UTF-16 order would put U+1F600 (a surrogate pair, 0xD83D…) before U+FF21; UTF-8 bytes put it after (F0… > EF…).
      const ids = ['\u{1F600}', '\uFF21', '\u00E4', 'a ', 'a', 'Z'];
      await ingest(t, 3, [...ids.map((actionId) => ({ module: 3, action: 1, created: '2026-03-09T10:00:00.000Z', actionId })), { module: 3, action: 1, created: '2026-03-09T11:00:00.000Z' }]);
      const res = await getJson(t, 3, 'userActionsAggregated', `${MARCH}&aggregations[]=actionId`).expect(200);
      const order = [null, 'Z', 'a', 'a ', '\u00E4', '\uFF21', '\u{1F600}'];
      expect(res.body.userActions).toEqual(order.map((actionId) => sum(3, 1, 1, { actionId }, 3)));
      const csv = csvText(await getCsv(t, 3, 'userActionsAggregated', `${MARCH}&aggregations[]=actionId`).expect(200));
      expect(csv.split('\n')).toEqual(['"module","action","tenant","count","aggregationLevel","actionId"', ...order.map((v) => `3,1,3,1,0,"${v ?? ''}"`)]);
    });

    it('combines aggregations with each other and with the filters', async () => {
      const res = await getJson(t, 1, 'userActionsAggregated', `${MARCH}&aggregations[]=device&aggregations[]=country`).expect(200);
      expect(res.body.userActions).toEqual([
        sum(3, 1, 1, { device: null, country: null }),
        sum(3, 1, 1, { device: 'desktop', country: 'AT' }),
        sum(3, 1, 1, { device: 'desktop', country: 'DE' }),
        sum(3, 1, 1, { device: 'mobile', country: 'AT' }),
        sum(3, 2, 1, { device: 'desktop', country: 'AT' }),
        sum(3, 3, 1, { device: null, country: 'AT' }),
        sum(3, 3, 1, { device: null, country: 'DE' }),
        sum(4, 1, 1, { device: 'tablet', country: 'DE' }),
      ]);
      const filtered = await getJson(t, 1, 'userActionsAggregated', `${MARCH}&module=3&actions=1&aggregations=actionLabel&aggregations=country`).expect(200);
      expect(filtered.body.userActions).toEqual([
        sum(3, 1, 1, { actionLabel: null, country: null }),
        sum(3, 1, 2, { actionLabel: 'cfgA', country: 'AT' }),
        sum(3, 1, 1, { actionLabel: 'cfgB', country: 'DE' }),
      ]);
    });

    it('groups by all four', async () => {
      const res = await getJson(
        t,
        1,
        'userActionsAggregated',
        `${MARCH}&aggregations[]=country&aggregations[]=device&aggregations[]=actionLabel&aggregations[]=actionId`,
      ).expect(200);
      const all = (country: string | null, device: string | null, actionLabel: string | null, actionId: string | null) => ({ country, device, actionLabel, actionId });
      expect(res.body.userActions).toEqual([
        sum(3, 1, 1, all(null, null, null, null)),
        sum(3, 1, 1, all('AT', 'desktop', 'cfgA', 'conf:1')),
        sum(3, 1, 1, all('AT', 'mobile', 'cfgA', 'conf:2')),
        sum(3, 1, 1, all('DE', 'desktop', 'cfgB', 'conf:1')),
        sum(3, 2, 1, all('AT', 'desktop', 'cfgA', 'conf:1')),
        sum(3, 3, 1, all('AT', null, null, null)),
        sum(3, 3, 1, all('DE', null, null, null)),
        sum(4, 1, 1, all('DE', 'tablet', null, null)),
      ]);
    });

    it('refuses an unknown aggregation with a message listing the allowed ones', async () => {
      const res = await getJson(t, 1, 'userActionsAggregated', `${MARCH}&aggregations[]=foo`);
      expectError(res, 400, 'aggregations', 'country', 'device', 'actionLabel', 'actionId');
      const mixed = await getJson(t, 1, 'userActionsAggregated', `${MARCH}&aggregations[]=country&aggregations[]=userId`);
      expectError(mixed, 400, 'aggregations', 'country', 'device', 'actionLabel', 'actionId');
    });

    it('refuses the same aggregation twice, naming aggregations', async () => {
      expectError(await getJson(t, 1, 'userActionsAggregated', `${MARCH}&aggregations[]=country&aggregations[]=country`), 400, 'aggregations');
    });
  });

  describe('CSV', () => {
    it('agrees with JSON row by row, with the aggregation columns in request order', async () => {
      for (const aggs of [[], ['country'], ['device', 'country'], ['actionId', 'actionLabel', 'device', 'country']]) {
        const q = `${MARCH}${aggs.map((a) => `&aggregations[]=${a}`).join('')}`;
        const json = await getJson(t, 1, 'userActionsAggregated', q).expect(200);
        const csv = await getCsv(t, 1, 'userActionsAggregated', q).expect(200);
        const text = csvText(csv);
        const header = ['module', 'action', 'tenant', 'count', 'aggregationLevel', ...aggs];
        expect(text.split('\n')[0]).toBe(header.map((h) => `"${h}"`).join(','));
        const { records } = parseCsv(text);
        expect(records).toEqual(
          json.body.userActions.map((e: Record<string, unknown>) => Object.fromEntries(header.map((h) => [h, e[h] === null ? '' : e[h]]))),
        );
        expect(records.length).toBe(json.body.meta.total);
      }
    });

    it('writes absent values as empty cells and numbers bare', async () => {
      const csv = await getCsv(t, 1, 'userActionsAggregated', `${MARCH}&module=3&actions=3&aggregations[]=device&aggregations[]=country`).expect(200);
      expect(csvText(csv)).toBe(['"module","action","tenant","count","aggregationLevel","device","country"', '3,3,1,1,0,"","AT"', '3,3,1,1,0,"","DE"'].join('\n'));
    });

    it('neutralises formula cells and keeps quotes, commas and newlines intact', async () => {
      await ingest(t, 9, [
        { module: 3, action: 1, created: '2026-03-05T10:00:00.000Z', actionLabel: '=SUM(A1:A9)', device: '@cmd' },
        { module: 3, action: 1, created: '2026-03-06T10:00:00.000Z', actionLabel: 'a "b", c\nd', device: '-x' },
      ]);
      const q = `${MARCH}&aggregations[]=actionLabel&aggregations[]=device`;
      const json = await t.http.get(`${API}/tenants/9/userActionsAggregated?${q}`).set(t.auth([9])).expect(200);
      expect(json.body.userActions).toEqual([
        sum(3, 1, 1, { actionLabel: '=SUM(A1:A9)', device: '@cmd' }, 9),
        sum(3, 1, 1, { actionLabel: 'a "b", c\nd', device: '-x' }, 9),
      ]);
      const csv = await t.http.get(`${API}/tenants/9/userActionsAggregated?${q}`).set(t.auth([9])).set('Accept', 'text/csv').set('Connection', 'close').expect(200);
      expect(csv.text).toBe(
        ['"module","action","tenant","count","aggregationLevel","actionLabel","device"', `3,1,9,1,0,"'=SUM(A1:A9)","'@cmd"`, `3,1,9,1,0,"a ""b"", c\nd","'-x"`].join('\n'),
      );
      expect(parseCsv(csv.text).records.map((r) => [r.actionLabel, r.device])).toEqual([
        ["'=SUM(A1:A9)", "'@cmd"],
        ['a "b", c\nd', "'-x"],
      ]);
    });

    it('names tenant, route and range in the file name', async () => {
      const csv = await getCsv(t, 1, 'userActionsAggregated').expect(200);
      expect(csv.headers['content-disposition']).toBe('attachment; filename="tenant-1-userActionsAggregated-2026-03-01T000000Z_2026-04-01T000000Z.csv"');
    });
  });

  describe('default range: the current calendar month of the clock', () => {
    it('uses the current month when from and to are missing', async () => {
      const res = await getJson(t, 1, 'userActionsAggregated').expect(200);
      expect(res.body.userActions).toEqual(MARCH_SUMS);
    });

    it('uses the current month when only one bound is given', async () => {
      const onlyFrom = await getJson(t, 1, 'userActionsAggregated', 'from=2026-02-01T00:00:00.000Z').expect(200);
      expect(onlyFrom.body.userActions).toEqual(MARCH_SUMS);
      const onlyTo = await getJson(t, 1, 'userActionsAggregated', 'to=2026-03-02T00:00:00.000Z').expect(200);
      expect(onlyTo.body.userActions).toEqual(MARCH_SUMS);
    });
  });
});

describe('GET tenants/:id/userActionsAggregated — default month at a month boundary (UTC)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: new Date('2026-03-01T00:30:00.000Z'), env: { ROLLUP_ENABLED: 'false' } });
    await t.reset();
    await ingest(t, 1, [
      { module: 3, action: 1, created: '2026-02-01T00:00:00.000Z' },
      { module: 3, action: 1, created: '2026-02-28T23:45:00.000Z' },
      { module: 3, action: 1, created: '2026-02-28T23:59:59.999Z' },
      { module: 3, action: 1, created: '2026-03-01T00:00:00.000Z' },
      { module: 3, action: 2, created: '2026-03-01T00:10:00.000Z' },
    ]);
  });
  afterAll(() => t.close());

  it('at 2026-03-01T00:30Z counts only March', async () => {
    t.clock.set(new Date('2026-03-01T00:30:00.000Z'));
    const res = await getJson(t, 1, 'userActionsAggregated').expect(200);
    expect(res.body.userActions).toEqual([sum(3, 1, 1), sum(3, 2, 1)]);
  });

  it('a millisecond before March, it counts only February', async () => {
    t.clock.set(new Date('2026-02-28T23:59:59.999Z'));
    const res = await getJson(t, 1, 'userActionsAggregated').expect(200);
    expect(res.body.userActions).toEqual([sum(3, 1, 3)]);
  });
});

describe('GET tenants/:id/userActionsAggregated — default month in Europe/Vienna', () => {
  // Vienna switches to CEST on 2026-03-29, so April starts at 2026-03-31T22:00:00Z; it switches
  // back on 2026-10-25, so November starts at 2026-10-31T23:00:00Z.
  const EVENTS: EventSpec[] = [
    { module: 3, action: 1, created: '2026-02-28T22:59:59.999Z' }, // Vienna: February
    { module: 3, action: 1, created: '2026-02-28T23:00:00.000Z' }, // Vienna: 1 March 00:00
    { module: 3, action: 1, created: '2026-03-31T21:59:59.999Z' }, // Vienna: 31 March 23:59:59.999
    { module: 3, action: 1, created: '2026-03-31T22:00:00.000Z' }, // Vienna: 1 April 00:00
    { module: 3, action: 2, created: '2026-03-31T22:15:00.000Z' }, // Vienna: 1 April 00:15
  ];

  describe('Europe/Vienna', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await TestApp.create({ now: new Date('2026-03-31T22:30:00.000Z'), env: { STATISTICS_TIME_ZONE: 'Europe/Vienna', ROLLUP_ENABLED: 'false' } });
      await t.reset();
      await ingest(t, 1, EVENTS);
    });
    afterAll(() => t.close());

    it('at 2026-03-31T22:30Z it is already April in Vienna', async () => {
      t.clock.set(new Date('2026-03-31T22:30:00.000Z'));
      const res = await getJson(t, 1, 'userActionsAggregated').expect(200);
      expect(res.body.userActions).toEqual([sum(3, 1, 1), sum(3, 2, 1)]);
      const csv = await getCsv(t, 1, 'userActionsAggregated').expect(200);
      expect(csv.headers['content-disposition']).toBe('attachment; filename="tenant-1-userActionsAggregated-2026-03-31T220000Z_2026-04-30T220000Z.csv"');
    });

    it('a millisecond before 22:00Z it is still March in Vienna (a month of 31 days minus the DST hour)', async () => {
      t.clock.set(new Date('2026-03-31T21:59:59.999Z'));
      const res = await getJson(t, 1, 'userActionsAggregated').expect(200);
      expect(res.body.userActions).toEqual([sum(3, 1, 2)]);
    });

    it('ends October at the CET midnight after the autumn change', async () => {
      t.clock.set(new Date('2026-10-31T22:40:00.000Z'));
      await ingest(t, 7, [
        { module: 3, action: 1, created: '2026-09-30T22:00:00.000Z' }, // Vienna: 1 October 00:00 (CEST)
        { module: 3, action: 1, created: '2026-10-31T22:30:00.000Z' }, // Vienna: 31 October 23:30 (CET)
      ]);
      t.clock.set(new Date('2026-10-31T22:40:00.000Z'));
      const res = await t.http.get('/v2/statistics/tenants/7/userActionsAggregated').set(t.auth([7])).expect(200);
      expect(res.body.userActions).toEqual([sum(3, 1, 2, {}, 7)]);
      t.clock.set(new Date('2026-10-31T23:00:00.000Z')); // Vienna: 1 November 00:00
      const nov = await t.http.get('/v2/statistics/tenants/7/userActionsAggregated').set(t.auth([7])).expect(200);
      expect(nov.body.userActions).toEqual([]);
    });
  });

  describe('UTC', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await TestApp.create({ now: new Date('2026-03-31T22:30:00.000Z'), env: { ROLLUP_ENABLED: 'false' } });
      await t.reset();
      await ingest(t, 1, EVENTS);
    });
    afterAll(() => t.close());

    it('at the same instant it is still March in UTC', async () => {
      const res = await getJson(t, 1, 'userActionsAggregated').expect(200);
      expect(res.body.userActions).toEqual([sum(3, 1, 2), sum(3, 2, 1)]);
    });
  });
});

describe('GET tenants/:id/userActionsAggregated — limit, offset, orderBy=count, other', () => {
  // [from, to) cuts 1 and 20 March in half: whole days come from the summaries, the halves from
  // user_action, so with `aggregations[]=country` (or none) a group's count is merged from both.
  const RANGE = 'from=2026-03-01T12:00:00.000Z&to=2026-03-20T12:00:00.000Z';
  const TIMES = ['2026-03-01T12:00:00.000Z', '2026-03-05T10:00:00.000Z', '2026-03-20T11:59:59.999Z', '2026-03-10T00:00:00.000Z', '2026-03-01T23:59:59.999Z'];
  const COUNTRIES = ['AT', 'DE', undefined];
  /** Groups by (module, action, actionId) with known counts; actionId item:a and item:c are configurator cfgX, item:b and item:d cfgY. */
  const GROUPS: Array<[number, number, string | null, number]> = [
    [3, 1, 'item:a', 5],
    [3, 1, 'item:b', 3],
    [3, 1, 'item:c', 3],
    [3, 1, null, 3],
    [3, 2, 'item:a', 3],
    [3, 2, 'item:d', 1],
    [4, 1, null, 4],
  ];
  const LABEL: Record<string, string> = { 'item:a': 'cfgX', 'item:b': 'cfgY', 'item:c': 'cfgX', 'item:d': 'cfgY' };
  const TOTAL_COUNT = 22;
  const byItem = (module: number, action: number, actionId: string | null, count: number) => sum(module, action, count, { actionId });
  const q = (extra: string) => `${RANGE}&${extra}`;
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: new Date('2026-03-25T12:00:00.000Z'), env: { ROLLUP_ENABLED: 'false' } });
    await t.reset();
    let n = 0;
    const events: EventSpec[] = GROUPS.flatMap(([module, action, actionId, count]) =>
      Array.from({ length: count }, () => {
        const i = n++;
        return {
          module,
          action,
          created: TIMES[i % TIMES.length],
          ...(COUNTRIES[i % 3] ? { country: COUNTRIES[i % 3] } : {}),
          ...(actionId ? { actionId, actionLabel: LABEL[actionId] } : {}),
        };
      }),
    );
    // Outside [from, to): just before and at the end.
    events.push({ module: 3, action: 2, created: '2026-03-01T11:59:59.999Z', actionId: 'item:d' }, { module: 3, action: 2, created: '2026-03-20T12:00:00.000Z', actionId: 'item:d' });
    await ingest(t, 1, events);
  });
  afterAll(() => t.close());

  it('orderBy=count without limit: every group, by count descending, ties by module, action, then null before values', async () => {
    const res = await getJson(t, 1, 'userActionsAggregated', q('aggregations[]=actionId&orderBy=count')).expect(200);
    expect(res.body).toEqual({
      userActions: [
        byItem(3, 1, 'item:a', 5),
        byItem(4, 1, null, 4),
        byItem(3, 1, null, 3),
        byItem(3, 1, 'item:b', 3),
        byItem(3, 1, 'item:c', 3),
        byItem(3, 2, 'item:a', 3),
        byItem(3, 2, 'item:d', 1),
      ],
      meta: { total: 7, serverTime: '2026-03-25T12:00:00.000Z' },
    });
  });

  it('limit: the top N, meta.total counts every group, no meta.other unless asked', async () => {
    const res = await getJson(t, 1, 'userActionsAggregated', q('aggregations[]=actionId&orderBy=count&limit=3')).expect(200);
    expect(res.body).toEqual({
      userActions: [byItem(3, 1, 'item:a', 5), byItem(4, 1, null, 4), byItem(3, 1, null, 3)],
      meta: { total: 7, serverTime: '2026-03-25T12:00:00.000Z' },
    });
  });

  it('other=true: meta.other sums the groups left out, so page + other = the whole', async () => {
    const top = await getJson(t, 1, 'userActionsAggregated', q('aggregations[]=actionId&orderBy=count&limit=3&other=true')).expect(200);
    expect(top.body.meta).toEqual({ total: 7, serverTime: '2026-03-25T12:00:00.000Z', other: { count: 10, groups: 4, aggregationLevel: 0 } });
    expect(top.body.userActions.map((r: { count: number }) => r.count)).toEqual([5, 4, 3]);
    // Left out on both sides of the page: the first two and the last two.
    const middle = await getJson(t, 1, 'userActionsAggregated', q('aggregations[]=actionId&orderBy=count&limit=3&offset=2&other=true')).expect(200);
    expect(middle.body.userActions).toEqual([byItem(3, 1, null, 3), byItem(3, 1, 'item:b', 3), byItem(3, 1, 'item:c', 3)]);
    expect(middle.body.meta.other).toEqual({ count: 13, groups: 4, aggregationLevel: 0 });
    const off = await getJson(t, 1, 'userActionsAggregated', q('aggregations[]=actionId&orderBy=count&limit=5&offset=7&other=true')).expect(200);
    expect(off.body).toEqual({ userActions: [], meta: { total: 7, serverTime: '2026-03-25T12:00:00.000Z', other: { count: TOTAL_COUNT, groups: 7, aggregationLevel: 0 } } });
    const all = await getJson(t, 1, 'userActionsAggregated', q('aggregations[]=actionId&limit=10000&other=true')).expect(200);
    expect(all.body.meta.other).toEqual({ count: 0, groups: 0, aggregationLevel: 0 });
    expect(all.body.userActions.length).toBe(7);
    const none = await getJson(t, 1, 'userActionsAggregated', 'from=2026-03-05T10:00:00.000Z&to=2026-03-05T10:00:00.000Z&limit=3&other=true').expect(200);
    expect(none.body).toEqual({ userActions: [], meta: { total: 0, serverTime: '2026-03-25T12:00:00.000Z', other: { count: 0, groups: 0, aggregationLevel: 0 } } });
    const off2 = await getJson(t, 1, 'userActionsAggregated', q('aggregations[]=actionId&limit=3&other=false')).expect(200);
    expect(off2.body.meta).toEqual({ total: 7, serverTime: '2026-03-25T12:00:00.000Z' });
  });

  it('limit and offset without orderBy page the default order', async () => {
    const res = await getJson(t, 1, 'userActionsAggregated', q('aggregations[]=actionId&limit=2&offset=1')).expect(200);
    expect(res.body).toEqual({ userActions: [byItem(3, 1, 'item:a', 5), byItem(3, 1, 'item:b', 3)], meta: { total: 7, serverTime: '2026-03-25T12:00:00.000Z' } });
    const filtered = await getJson(t, 1, 'userActionsAggregated', q('module=3&actions[]=2&aggregations[]=actionId&orderBy=count&limit=1&other=true')).expect(200);
    expect(filtered.body).toEqual({
      userActions: [byItem(3, 2, 'item:a', 3)],
      meta: { total: 2, serverTime: '2026-03-25T12:00:00.000Z', other: { count: 1, groups: 1, aggregationLevel: 0 } },
    });
  });

  it('breaks ties by the aggregations in request order (actionLabel, actionId vs actionId, actionLabel)', async () => {
    const both = (module: number, action: number, actionId: string | null, count: number) =>
      sum(module, action, count, { actionLabel: actionId ? LABEL[actionId] : null, actionId });
    const labelFirst = await getJson(t, 1, 'userActionsAggregated', q('aggregations[]=actionLabel&aggregations[]=actionId&orderBy=count&limit=4&offset=2')).expect(200);
    expect(labelFirst.body.userActions).toEqual([both(3, 1, null, 3), both(3, 1, 'item:c', 3), both(3, 1, 'item:b', 3), both(3, 2, 'item:a', 3)]);
    const idFirst = await getJson(t, 1, 'userActionsAggregated', q('aggregations[]=actionId&aggregations[]=actionLabel&orderBy=count&limit=4&offset=2')).expect(200);
    expect(idFirst.body.userActions).toEqual([both(3, 1, null, 3), both(3, 1, 'item:b', 3), both(3, 1, 'item:c', 3), both(3, 2, 'item:a', 3)]);
    expect(idFirst.body.meta.total).toBe(7);
  });

  it('top configurators (actionLabel) with other', async () => {
    const res = await getJson(t, 1, 'userActionsAggregated', q('aggregations[]=actionLabel&orderBy=count&limit=2&other=true')).expect(200);
    expect(res.body).toEqual({
      userActions: [sum(3, 1, 8, { actionLabel: 'cfgX' }), sum(4, 1, 4, { actionLabel: null })],
      meta: { total: 6, serverTime: '2026-03-25T12:00:00.000Z', other: { count: 10, groups: 4, aggregationLevel: 0 } },
    });
  });

  it('merges summary days and raw edges before ordering and paging (no aggregations)', async () => {
    const res = await getJson(t, 1, 'userActionsAggregated', q('orderBy=count&limit=2&other=true')).expect(200);
    expect(res.body).toEqual({
      userActions: [sum(3, 1, 14), sum(3, 2, 4)],
      meta: { total: 3, serverTime: '2026-03-25T12:00:00.000Z', other: { count: 4, groups: 1, aggregationLevel: 0 } },
    });
  });

  it.each([[[]], [['country']], [['device', 'country']], [['actionLabel']], [['actionId']], [['country', 'actionLabel', 'actionId']]])(
    'pages of every size add up to the unpaged answer, in both orders (aggregations %j)',
    async (aggs: string[]) => {
      const a = aggs.map((x) => `&aggregations[]=${x}`).join('');
      for (const order of ['', '&orderBy=count']) {
        const full = (await getJson(t, 1, 'userActionsAggregated', `${RANGE}${a}${order}`).expect(200)).body;
        expect(full.userActions.reduce((n: number, r: { count: number }) => n + r.count, 0)).toBe(TOTAL_COUNT);
        for (const limit of [1, 2, 3]) {
          const pages: unknown[] = [];
          for (let offset = 0; offset < full.meta.total; offset += limit) {
            const page = (await getJson(t, 1, 'userActionsAggregated', `${RANGE}${a}${order}&limit=${limit}&offset=${offset}&other=true`).expect(200)).body;
            const shown = page.userActions.reduce((n: number, r: { count: number }) => n + r.count, 0);
            expect(page.meta).toEqual({
              total: full.meta.total,
              serverTime: '2026-03-25T12:00:00.000Z',
              other: { count: TOTAL_COUNT - shown, groups: full.meta.total - page.userActions.length, aggregationLevel: 0 },
            });
            pages.push(...page.userActions);
          }
          expect(pages).toEqual(full.userActions);
        }
      }
    },
  );

  it('CSV: the same page, and with other=true a last row with empty module, action and aggregation cells', async () => {
    const top = await getCsv(t, 1, 'userActionsAggregated', q('aggregations[]=actionId&orderBy=count&limit=3&other=true')).expect(200);
    expect(csvText(top)).toBe(['"module","action","tenant","count","aggregationLevel","actionId"', '3,1,1,5,0,"item:a"', '4,1,1,4,0,""', '3,1,1,3,0,""', '"","",1,10,0,""'].join('\n'));
    const page = await getCsv(t, 1, 'userActionsAggregated', q('aggregations[]=actionLabel&aggregations[]=actionId&orderBy=count&limit=2&offset=3')).expect(200);
    expect(csvText(page)).toBe(['"module","action","tenant","count","aggregationLevel","actionLabel","actionId"', '3,1,1,3,0,"cfgX","item:c"', '3,1,1,3,0,"cfgY","item:b"'].join('\n'));
    const rest = await getCsv(t, 1, 'userActionsAggregated', q('orderBy=count&limit=1&offset=1&other=true')).expect(200);
    expect(csvText(rest)).toBe(['"module","action","tenant","count","aggregationLevel"', '3,2,1,4,0', '"","",1,18,0'].join('\n'));
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=10001', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=3&offset=-1', 'offset'],
    ['limit=3&offset=x', 'offset'],
    ['limit=3&offset=1000000001', 'offset'],
    ['offset=2', 'offset'],
    ['orderBy=foo', 'orderBy'],
    ['orderBy=module', 'orderBy'],
    ['orderBy=count&orderBy=count', 'orderBy'],
    ['limit=3&other=yes', 'other'],
    ['limit=3&other=1', 'other'],
    ['other=true', 'other'],
  ])('refuses %s with a 400 naming %s', async (params, name) => {
    const res = await getJson(t, 1, 'userActionsAggregated', q(`aggregations[]=actionId&${params}`));
    expectError(res, 400, name);
  });

  it('the message of a parameter that needs limit says so', async () => {
    expect((await getJson(t, 1, 'userActionsAggregated', q('offset=2'))).body.message).toBe('offset is only allowed together with limit');
    expect((await getJson(t, 1, 'userActionsAggregated', q('other=true'))).body.message).toBe('other is only allowed together with limit');
    // The defaults alone change nothing: accepted, the complete answer.
    const full = await getJson(t, 1, 'userActionsAggregated', q('')).expect(200);
    expect((await getJson(t, 1, 'userActionsAggregated', q('offset=0&other=false')).expect(200)).body.userActions).toEqual(full.body.userActions);
  });
});

describe('GET tenants/:id/userActionsAggregated — other after a rollup: the coarsest level left out', () => {
  const NOW = new Date('2026-09-01T00:00:00.000Z');
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false' } });
    await t.reset();
    const at = (created: string, action: number, n: number): EventSpec[] => Array.from({ length: n }, () => ({ module: 3, action, created }));
    await ingest(t, 1, [
      ...at('2026-08-20T10:00:00.000Z', 1, 5), // stays real time
      ...at('2026-07-10T10:00:00.000Z', 2, 3), // daily after the pass
      ...at('2026-01-10T10:00:00.000Z', 3, 2), // monthly after the pass
      ...at('2026-08-21T10:00:00.000Z', 4, 1), // stays real time
    ]);
    const summary = await t.app.get(RollupService).run({ asOf: NOW });
    expect([summary.monthlyCutoff]).toEqual(['2026-03-01T00:00:00.000Z']);
  });
  afterAll(() => t.close());

  // Whole days only (one part: the summaries) and with edges cut off (summaries and raw rows; rolled-up rows sit at the start of their day or month).
  it.each(['from=2026-01-01T00:00:00.000Z&to=2026-09-01T00:00:00.000Z', 'from=2025-12-31T06:00:00.000Z&to=2026-08-31T23:00:00.000Z'])('%s', async (range) => {
    const get = async (extra: string) => (await getJson(t, 1, 'userActionsAggregated', `${range}&orderBy=count&other=true&${extra}`).expect(200)).body;
    const level = (action: number, count: number, aggregationLevel: number) => ({ module: 3, action, tenant: 1, count, aggregationLevel });
    const full = (await getJson(t, 1, 'userActionsAggregated', `${range}&orderBy=count`).expect(200)).body.userActions;
    expect(full).toEqual([level(1, 5, 0), level(2, 3, 1), level(3, 2, 2), level(4, 1, 0)]);
    expect((await get('limit=2')).meta.other).toEqual({ count: 3, groups: 2, aggregationLevel: 2 });
    expect((await get('limit=2&offset=2')).meta.other).toEqual({ count: 8, groups: 2, aggregationLevel: 1 });
    const second = await get('limit=1&offset=1');
    expect(second.userActions).toEqual([level(2, 3, 1)]);
    expect(second.meta.other).toEqual({ count: 8, groups: 3, aggregationLevel: 2 });
    expect((await get('limit=3')).meta.other).toEqual({ count: 1, groups: 1, aggregationLevel: 0 });
    const csv = await getCsv(t, 1, 'userActionsAggregated', `${range}&orderBy=count&other=true&limit=2&offset=2`).expect(200);
    expect(csvText(csv)).toBe(['"module","action","tenant","count","aggregationLevel"', '3,3,1,2,2', '3,4,1,1,0', '"","",1,8,1'].join('\n'));
  });
});
