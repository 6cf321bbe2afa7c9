import { csvText, EventSpec, expectError, getCsv, getJson, ingest, parseCsv } from '../support/fixtures';
import { TestApp } from '../support/test-app';

/** GET tenants/:id/useractions — monthly groups per (month, module, action), spec §4. */

const NOW = new Date('2026-04-15T12:00:00.000Z');
const HEADER = '"module","action","tenant","count","month","year"';

/**
 * Tenant 1 over January–March 2026 (UTC). Expected groups, ordered by date, module, action:
 *   Jan: 5/9 ×1 (01-01T00:00), 3/2 ×1 (01-03), 3/1 ×2 (01-05, 01-20), 4/1 ×1 (01-31T23:59:59.999)
 *   Feb: 3/1 ×3 (02-01T00:00 ×1, 02-10 ×2), 4/1 ×1 (02-10)
 *   Mar: 3/2, 4/1, 4/3 — all at the same instant, so module then action decide.
 */
const FIXTURE: EventSpec[] = [
  { module: 3, action: 1, created: '2026-01-05T10:00:00.000Z' },
  { module: 3, action: 1, created: '2026-01-20T08:00:00.000Z' },
  { module: 3, action: 2, created: '2026-01-03T09:00:00.000Z' },
  { module: 4, action: 1, created: '2026-01-31T23:59:59.999Z' },
  { module: 5, action: 9, created: '2026-01-01T00:00:00.000Z' },
  { module: 3, action: 1, created: '2026-02-01T00:00:00.000Z' },
  { module: 3, action: 1, created: '2026-02-10T12:00:00.000Z' },
  { module: 3, action: 1, created: '2026-02-10T12:00:00.000Z' },
  { module: 4, action: 1, created: '2026-02-10T12:00:00.000Z' },
  { module: 4, action: 3, created: '2026-03-15T10:00:00.000Z' },
  { module: 3, action: 2, created: '2026-03-15T10:00:00.000Z' },
  { module: 4, action: 1, created: '2026-03-15T10:00:00.000Z' },
];

const row = (date: string, module: number, action: number, count: number) => ({ date, module, action, tenant: 1, count, aggregationLevel: 2 });

const ALL = [
  row('2026-01-01T00:00:00.000Z', 5, 9, 1),
  row('2026-01-03T09:00:00.000Z', 3, 2, 1),
  row('2026-01-05T10:00:00.000Z', 3, 1, 2),
  row('2026-01-31T23:59:59.999Z', 4, 1, 1),
  row('2026-02-01T00:00:00.000Z', 3, 1, 3),
  row('2026-02-10T12:00:00.000Z', 4, 1, 1),
  row('2026-03-15T10:00:00.000Z', 3, 2, 1),
  row('2026-03-15T10:00:00.000Z', 4, 1, 1),
  row('2026-03-15T10:00:00.000Z', 4, 3, 1),
];
/** The CSV month of each entry of ALL, in order. */
const ALL_MONTHS = [1, 1, 1, 1, 2, 2, 3, 3, 3];

describe('GET tenants/:id/useractions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false' } });
    await t.reset();
    await ingest(t, 1, FIXTURE);
    // Another tenant's actions never show up.
    await ingest(t, 2, [
      { module: 3, action: 1, created: '2026-01-10T00:00:00.000Z' },
      { module: 3, action: 1, created: '2026-03-10T00:00:00.000Z' },
    ]);
  });
  afterAll(() => t.close());

  it('returns one entry per (month, module, action) with the earliest created as date, ordered by date, module, action', async () => {
    const res = await getJson(t, 1, 'useractions').expect(200);
    expect(res.body).toEqual({ userActions: ALL, meta: { total: 9, serverTime: NOW.toISOString() } });
  });

  it('serves numbers as JSON numbers', async () => {
    const res = await getJson(t, 1, 'useractions').expect(200);
    for (const e of res.body.userActions) {
      for (const k of ['module', 'action', 'tenant', 'count', 'aggregationLevel']) expect(typeof e[k]).toBe('number');
    }
    expect(typeof res.body.meta.total).toBe('number');
  });

  it('keeps tenants apart', async () => {
    const res = await t.http.get('/v2/statistics/tenants/2/useractions').set(t.auth([2])).expect(200);
    expect(res.body.userActions).toEqual([
      { date: '2026-01-10T00:00:00.000Z', module: 3, action: 1, tenant: 2, count: 1, aggregationLevel: 2 },
      { date: '2026-03-10T00:00:00.000Z', module: 3, action: 1, tenant: 2, count: 1, aggregationLevel: 2 },
    ]);
    const empty = await t.http.get('/v2/statistics/tenants/3/useractions').set(t.auth([3])).expect(200);
    expect(empty.body).toEqual({ userActions: [], meta: { total: 0, serverTime: NOW.toISOString() } });
  });

  it('filters by module', async () => {
    const res = await getJson(t, 1, 'useractions', 'module=4').expect(200);
    expect(res.body.userActions).toEqual([
      row('2026-01-31T23:59:59.999Z', 4, 1, 1),
      row('2026-02-10T12:00:00.000Z', 4, 1, 1),
      row('2026-03-15T10:00:00.000Z', 4, 1, 1),
      row('2026-03-15T10:00:00.000Z', 4, 3, 1),
    ]);
    expect(res.body.meta.total).toBe(4);
  });

  it('filters by module and action', async () => {
    const res = await getJson(t, 1, 'useractions', 'module=3&action=1').expect(200);
    expect(res.body.userActions).toEqual([row('2026-01-05T10:00:00.000Z', 3, 1, 2), row('2026-02-01T00:00:00.000Z', 3, 1, 3)]);
    const none = await getJson(t, 1, 'useractions', 'module=3&action=77').expect(200);
    expect(none.body.userActions).toEqual([]);
  });

  it('refuses action without module, naming action', async () => {
    const res = await getJson(t, 1, 'useractions', 'action=1');
    expectError(res, 400, 'action');
    expect(res.body.message).toContain('module');
  });

  it('narrows to [from, to): an event at from counts, an event at to does not', async () => {
    const res = await getJson(t, 1, 'useractions', 'from=2026-02-01T00:00:00.000Z&to=2026-03-15T10:00:00.000Z').expect(200);
    expect(res.body.userActions).toEqual([row('2026-02-01T00:00:00.000Z', 3, 1, 3), row('2026-02-10T12:00:00.000Z', 4, 1, 1)]);
    expect(res.body.meta.total).toBe(2);
  });

  it('narrows with only from, or only to', async () => {
    const from = await getJson(t, 1, 'useractions', 'from=2026-02-10T12:00:00.000Z').expect(200);
    expect(from.body.userActions).toEqual([
      row('2026-02-10T12:00:00.000Z', 3, 1, 2),
      row('2026-02-10T12:00:00.000Z', 4, 1, 1),
      ...ALL.slice(6),
    ]);
    const to = await getJson(t, 1, 'useractions', 'to=2026-01-05T10:00:00.001Z').expect(200);
    expect(to.body.userActions).toEqual([row('2026-01-01T00:00:00.000Z', 5, 9, 1), row('2026-01-03T09:00:00.000Z', 3, 2, 1), row('2026-01-05T10:00:00.000Z', 3, 1, 1)]);
  });

  it('accepts from/to with an offset and treats them as instants', async () => {
    // 2026-02-01T01:00:00+01:00 is 2026-02-01T00:00:00Z
    const res = await getJson(t, 1, 'useractions', `from=${encodeURIComponent('2026-02-01T01:00:00+01:00')}&to=${encodeURIComponent('2026-02-10T13:00:00+01:00')}`).expect(200);
    expect(res.body.userActions).toEqual([row('2026-02-01T00:00:00.000Z', 3, 1, 1)]);
  });

  it('refuses from after to, naming from', async () => {
    expectError(await getJson(t, 1, 'useractions', 'from=2026-03-01T00:00:00.000Z&to=2026-02-01T00:00:00.000Z'), 400, 'from');
  });

  it('serves the same entries as CSV, row by row, with the published header and month/year', async () => {
    const json = await getJson(t, 1, 'useractions').expect(200);
    const csv = await getCsv(t, 1, 'useractions').expect(200);
    const text = csvText(csv);
    expect(text.split('\n')[0]).toBe(HEADER);
    const { header, records } = parseCsv(text);
    expect(header).toEqual(['module', 'action', 'tenant', 'count', 'month', 'year']);
    expect(records).toHaveLength(json.body.userActions.length);
    records.forEach((r, i) => {
      const j = json.body.userActions[i];
      expect(r).toEqual({ module: j.module, action: j.action, tenant: j.tenant, count: j.count, month: ALL_MONTHS[i], year: 2026 });
    });
  });

  it('applies the filters to CSV as well', async () => {
    const csv = await getCsv(t, 1, 'useractions', 'module=3&action=1').expect(200);
    expect(csvText(csv)).toBe([HEADER, '3,1,1,2,1,2026', '3,1,1,3,2,2026'].join('\n'));
  });
});

describe('GET tenants/:id/useractions — months in STATISTICS_TIME_ZONE', () => {
  // Vienna: CET (+01:00) until 2026-03-29T01:00Z, then CEST (+02:00). So March in Vienna is
  // [2026-02-28T23:00Z, 2026-03-31T22:00Z) — a month of 31 days minus one hour.
  const EVENTS: EventSpec[] = [
    { module: 3, action: 1, created: '2026-02-28T22:30:00.000Z' }, // Vienna 28 Feb 23:30 → Feb
    { module: 3, action: 1, created: '2026-02-28T23:30:00.000Z' }, // Vienna 1 Mar 00:30 → Mar
    { module: 3, action: 1, created: '2026-03-31T21:59:59.999Z' }, // Vienna 31 Mar 23:59:59.999 (CEST) → Mar
    { module: 3, action: 1, created: '2026-03-31T22:00:00.000Z' }, // Vienna 1 Apr 00:00 → Apr
    { module: 3, action: 1, created: '2026-03-31T22:30:00.000Z' }, // Vienna 1 Apr 00:30 → Apr
  ];
  const entry = (date: string, count: number) => ({ date, module: 3, action: 1, tenant: 1, count, aggregationLevel: 2 });

  describe('Europe/Vienna', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await TestApp.create({ now: new Date('2026-04-02T00:00:00.000Z'), env: { STATISTICS_TIME_ZONE: 'Europe/Vienna', ROLLUP_ENABLED: 'false' } });
      await t.reset();
      await ingest(t, 1, EVENTS);
    });
    afterAll(() => t.close());

    it('groups by the Vienna month across the daylight-saving change', async () => {
      const res = await getJson(t, 1, 'useractions').expect(200);
      expect(res.body.userActions).toEqual([
        entry('2026-02-28T22:30:00.000Z', 1),
        entry('2026-02-28T23:30:00.000Z', 2),
        entry('2026-03-31T22:00:00.000Z', 2),
      ]);
    });

    it('labels the CSV rows with the Vienna month and year', async () => {
      const csv = await getCsv(t, 1, 'useractions').expect(200);
      expect(csvText(csv)).toBe([HEADER, '3,1,1,1,2,2026', '3,1,1,2,3,2026', '3,1,1,2,4,2026'].join('\n'));
    });

    it('labels a month that begins on the previous UTC day (January 2027 starts 2026-12-31T23:00Z)', async () => {
      t.clock.set(new Date('2026-12-31T23:10:00.000Z'));
      await ingest(t, 5, [{ module: 4, action: 1, created: '2026-12-31T23:00:00.000Z' }]);
      const res = await t.http.get('/v2/statistics/tenants/5/useractions').set(t.auth([5])).expect(200);
      expect(res.body.userActions).toEqual([{ date: '2026-12-31T23:00:00.000Z', module: 4, action: 1, tenant: 5, count: 1, aggregationLevel: 2 }]);
      const csv = await t.http.get('/v2/statistics/tenants/5/useractions').set(t.auth([5])).set('Accept', 'text/csv').expect(200);
      expect(csv.text).toBe([HEADER, '4,1,5,1,1,2027'].join('\n'));
    });
  });

  describe('UTC (the default)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await TestApp.create({ now: new Date('2026-04-02T00:00:00.000Z'), env: { ROLLUP_ENABLED: 'false' } });
      await t.reset();
      await ingest(t, 1, EVENTS);
    });
    afterAll(() => t.close());

    it('groups the same events by the UTC month', async () => {
      const res = await getJson(t, 1, 'useractions').expect(200);
      expect(res.body.userActions).toEqual([entry('2026-02-28T22:30:00.000Z', 2), entry('2026-03-31T21:59:59.999Z', 3)]);
      const csv = await getCsv(t, 1, 'useractions').expect(200);
      expect(csvText(csv)).toBe([HEADER, '3,1,1,2,2,2026', '3,1,1,3,3,2026'].join('\n'));
    });
  });
});
