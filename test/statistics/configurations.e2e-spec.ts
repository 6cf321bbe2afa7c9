import {
  API,
  csvText,
  eraseUser,
  EventSpec,
  expectError,
  getCsv,
  getJson,
  ingest,
  parseCsv,
  putCatalogAction,
  putUser,
} from '../support/fixtures';
import { TestApp } from '../support/test-app';

/** GET tenants/:id/configurations — spec §4 and its field table. */

const NOW = new Date('2026-03-20T12:00:00.000Z');
const BASE = 'https://www.roomle.com/t/cp/';
const HEADER = '"link","thumbnail","created","action","actionParameter","count","aggregationLevel","userEmail","partList","planCombinedIds"';
const FIELDS = ['link', 'thumbnail', 'created', 'action', 'actionParameter', 'count', 'aggregationLevel', 'userEmail', 'partList', 'planCombinedIds'];

interface Row {
  link: string;
  thumbnail: string | null;
  created: string;
  action: string;
  actionParameter: string | null;
  count: number;
  aggregationLevel: string;
  userEmail: string | null;
  partList: unknown;
  planCombinedIds: unknown;
}

/** An expected JSON row: a real-time row of count 1 unless told otherwise. */
const conf = (r: Pick<Row, 'link' | 'created' | 'action'> & Partial<Row>): Row => ({
  thumbnail: null,
  actionParameter: null,
  count: 1,
  aggregationLevel: 'real time',
  userEmail: null,
  partList: null,
  planCombinedIds: null,
  ...r,
});

const CSV_FORMULA = /^[=+\-@\t\r]/;

/** What the CSV row of a JSON row must be (after a CSV parse): empty cells for absent values, JSON text for objects. */
function csvRecordOf(j: Row): Record<string, string | number> {
  const text = (v: string | null) => (v === null ? '' : CSV_FORMULA.test(v) ? `'${v}` : v);
  return {
    link: text(j.link),
    thumbnail: text(j.thumbnail),
    created: j.created,
    action: text(j.action),
    actionParameter: text(j.actionParameter),
    count: j.count,
    aggregationLevel: j.aggregationLevel,
    userEmail: text(j.userEmail),
    partList: j.partList === null ? '' : JSON.stringify(j.partList),
    planCombinedIds: j.planCombinedIds === null ? '' : JSON.stringify(j.planCombinedIds),
  };
}

/** JSON (all rows in one page) and CSV of the same query agree row for row. */
async function expectCsvAgrees(t: TestApp, tenant: number, query: string): Promise<Row[]> {
  const json = await getJson(t, tenant, 'configurations', `limit=10000${query ? `&${query}` : ''}`).expect(200);
  const csv = await getCsv(t, tenant, 'configurations', query).expect(200);
  const text = csvText(csv);
  expect(text.split('\n')[0]).toBe(HEADER);
  const { header, records } = parseCsv(text);
  expect(header).toEqual(FIELDS);
  expect(records).toEqual(json.body.tenantConfigurationStatistics.map(csvRecordOf));
  expect(records.length).toBe(json.body.meta.total);
  return json.body.tenantConfigurationStatistics;
}

const PART = (articleNr: string, count = 1) => ({ originPart: { articleNr, count } });
const PLAN_IDS = ['catalog:item:1', 'catalog:item:2'];

const FIXTURE: EventSpec[] = [
  // C1 Save with snapshot, consenting user, configurator cfgA
  {
    module: 3, action: 2, created: '2026-03-10T10:00:00.000Z', actionId: 'conf:igu:ration1', actionLabel: 'cfgA', userId: 'u-consent', actionParameter: 'p1',
    configuration: { thumbnail: 'https://img.example/1.jpg', partList: PART('a1') },
  },
  // C2 View of the same configuration: snapshot thumbnail, but no part list (View carries none)
  { module: 3, action: 1, created: '2026-03-11T10:00:00.000Z', actionId: 'conf:igu:ration1', actionLabel: 'cfgA', userId: 'u-consent' },
  // C3 Save by a user without consent, no configurator
  {
    module: 3, action: 2, created: '2026-03-12T10:00:00.000Z', actionId: 'conf:igu:ration2', userId: 'u-noconsent',
    configuration: { thumbnail: 'https://img.example/2.jpg', partList: PART('a2', 2) },
  },
  // C4 Save_Draft with characters that need encoding in the link
  {
    module: 3, action: 302, created: '2026-03-09T10:00:00.000Z', actionId: 'conf:a b&c?d#e/f@g=h+i', actionLabel: 'shop one/ä',
    configuration: { thumbnail: 'https://img.example/3.jpg', partList: PART('a3') },
  },
  // C5 Save_Plan with combined item ids
  {
    module: 3, action: 303, created: '2026-03-08T10:00:00.000Z', actionId: 'plan:1', actionLabel: 'cfgB',
    configuration: { thumbnail: 'https://img.example/4.jpg', partList: PART('a4'), planCombinedIds: PLAN_IDS },
  },
  // C6 3D export by a user the directory does not know
  { module: 3, action: 4, created: '2026-03-07T10:00:00.000Z', actionId: 'conf:igu:ration1', actionLabel: 'cfgB', userId: 'u-unknown' },
  // C7 Renderings
  { module: 3, action: 5, created: '2026-03-06T10:00:00.000Z', actionId: 'conf:igu:ration2', actionLabel: 'cfgA' },
  // C8 Save exactly at the start of the default range (now − 30 days), without snapshot
  { module: 3, action: 2, created: '2026-02-18T12:00:00.000Z', actionId: 'conf:old' },
  // C9 Save 1 ms before the default range
  { module: 3, action: 2, created: '2026-02-18T11:59:59.999Z', actionId: 'conf:older' },
  // C10 Save exactly at now: outside [now − 30 days, now)
  { module: 3, action: 2, created: '2026-03-20T12:00:00.000Z', actionId: 'conf:now' },
  // C11 a catalog action that is not a configuration action: never listed
  { module: 7, action: 1, created: '2026-03-10T11:00:00.000Z', actionId: 'conf:igu:ration1', actionLabel: 'cfgA' },
  // C12 an action the catalog does not know: never listed
  { module: 9, action: 2, created: '2026-03-10T12:00:00.000Z', actionId: 'conf:igu:ration1', actionLabel: 'cfgA' },
];

const C1 = conf({
  link: `${BASE}?id=conf:igu:ration1&configuratorId=cfgA`, thumbnail: 'https://img.example/1.jpg', created: '2026-03-10T10:00:00.000Z',
  action: 'Save', actionParameter: 'p1', userEmail: 'email.with@consent.com', partList: PART('a1'),
});
const C2 = conf({
  link: `${BASE}?id=conf:igu:ration1&configuratorId=cfgA`, thumbnail: 'https://img.example/1.jpg', created: '2026-03-11T10:00:00.000Z',
  action: 'View', userEmail: 'email.with@consent.com',
});
const C3 = conf({
  link: `${BASE}?id=conf:igu:ration2`, thumbnail: 'https://img.example/2.jpg', created: '2026-03-12T10:00:00.000Z', action: 'Save', partList: PART('a2', 2),
});
const C4 = conf({
  link: `${BASE}?id=conf:a%20b%26c%3Fd%23e/f@g%3Dh%2Bi&configuratorId=shop%20one/%C3%A4`, thumbnail: 'https://img.example/3.jpg',
  created: '2026-03-09T10:00:00.000Z', action: 'Save_Draft', partList: PART('a3'),
});
const C5 = conf({
  link: `${BASE}?id=plan:1&configuratorId=cfgB`, thumbnail: 'https://img.example/4.jpg', created: '2026-03-08T10:00:00.000Z',
  action: 'Save_Plan', partList: PART('a4'), planCombinedIds: PLAN_IDS,
});
const C6 = conf({
  link: `${BASE}?id=conf:igu:ration1&configuratorId=cfgB`, thumbnail: 'https://img.example/1.jpg', created: '2026-03-07T10:00:00.000Z', action: '3D export',
});
const C7 = conf({
  link: `${BASE}?id=conf:igu:ration2&configuratorId=cfgA`, thumbnail: 'https://img.example/2.jpg', created: '2026-03-06T10:00:00.000Z', action: 'Renderings',
});
const C8 = conf({ link: `${BASE}?id=conf:old`, created: '2026-02-18T12:00:00.000Z', action: 'Save' });
const C9 = conf({ link: `${BASE}?id=conf:older`, created: '2026-02-18T11:59:59.999Z', action: 'Save' });
const C10 = conf({ link: `${BASE}?id=conf:now`, created: '2026-03-20T12:00:00.000Z', action: 'Save' });

/** The default range [2026-02-18T12:00Z, 2026-03-20T12:00Z), by action name, then created descending. */
const DEFAULT_ROWS = [C6, C7, C3, C1, C8, C4, C5, C2];

describe('GET tenants/:id/configurations', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false' } });
    await t.reset();
    await putCatalogAction(t, 7, 1, { name: 'Opened', configurationAction: false, carriesPartList: false });
    await putUser(t, 'u-consent', 'email.with@consent.com', true);
    await putUser(t, 'u-noconsent', 'no.consent@example.com', false);
    await ingest(t, 1, FIXTURE);
    await ingest(t, 2, [{ module: 3, action: 2, created: '2026-03-10T10:00:00.000Z', actionId: 'conf:tenant2', userId: 'u-consent' }]);
  });
  afterAll(() => t.close());

  describe('fields and ordering', () => {
    it('lists configuration actions of the last 30 days with exactly the spec fields, by action name then created descending', async () => {
      const res = await getJson(t, 1, 'configurations').expect(200);
      expect(res.body).toEqual({ tenantConfigurationStatistics: DEFAULT_ROWS, meta: { total: 8, serverTime: NOW.toISOString() } });
      for (const row of res.body.tenantConfigurationStatistics) expect(Object.keys(row)).toEqual(FIELDS);
    });

    it('serves count as a JSON number, partList as an object and planCombinedIds as an array', async () => {
      const rows: Row[] = (await getJson(t, 1, 'configurations').expect(200)).body.tenantConfigurationStatistics;
      for (const r of rows) expect(typeof r.count).toBe('number');
      expect(typeof rows.find((r) => r.action === 'Save_Draft')!.partList).toBe('object');
      expect(Array.isArray(rows.find((r) => r.action === 'Save_Plan')!.planCombinedIds)).toBe(true);
    });

    it('gives a part list only for actions that carry one (Save, Save_Draft, Save_Plan), never for View of the same configuration', async () => {
      const rows: Row[] = (await getJson(t, 1, 'configurations').expect(200)).body.tenantConfigurationStatistics;
      expect(rows.filter((r) => r.partList !== null).map((r) => r.action)).toEqual(['Save', 'Save', 'Save_Draft', 'Save_Plan']);
      expect(rows.find((r) => r.action === 'View')).toEqual(expect.objectContaining({ thumbnail: 'https://img.example/1.jpg', partList: null }));
    });

    it('keeps tenants apart', async () => {
      const res = await t.http.get(`${API}/tenants/2/configurations`).set(t.auth([2])).expect(200);
      expect(res.body.tenantConfigurationStatistics).toEqual([
        conf({ link: `${BASE}?id=conf:tenant2`, created: '2026-03-10T10:00:00.000Z', action: 'Save', userEmail: 'email.with@consent.com' }),
      ]);
    });
  });

  describe('range', () => {
    it('defaults to [now − 30 days, now) of the controlled clock', async () => {
      const res = await getJson(t, 1, 'configurations').expect(200);
      const created = res.body.tenantConfigurationStatistics.map((r: Row) => r.created);
      expect(created).toContain('2026-02-18T12:00:00.000Z');
      expect(created).not.toContain('2026-02-18T11:59:59.999Z');
      expect(created).not.toContain('2026-03-20T12:00:00.000Z');
    });

    it('follows the clock', async () => {
      t.clock.set(new Date('2026-03-20T12:00:00.001Z'));
      try {
        const res = await getJson(t, 1, 'configurations').expect(200);
        expect(res.body.tenantConfigurationStatistics).toEqual([C6, C7, C10, C3, C1, C4, C5, C2]);
        expect(res.body.meta).toEqual({ total: 8, serverTime: '2026-03-20T12:00:00.001Z' });
      } finally {
        t.clock.set(NOW);
      }
    });

    it('uses an explicit [from, to)', async () => {
      const res = await getJson(t, 1, 'configurations', 'from=2026-02-18T11:59:59.999Z&to=2026-03-20T12:00:00.001Z').expect(200);
      expect(res.body.tenantConfigurationStatistics).toEqual([C6, C7, C10, C3, C1, C8, C9, C4, C5, C2]);
      expect(res.body.meta.total).toBe(10);
      const narrow = await getJson(t, 1, 'configurations', 'from=2026-03-09T10:00:00.000Z&to=2026-03-11T10:00:00.000Z').expect(200);
      expect(narrow.body.tenantConfigurationStatistics).toEqual([C1, C4]);
    });

    it('refuses from after to, naming from', async () => {
      expectError(await getJson(t, 1, 'configurations', 'from=2026-03-02T00:00:00.000Z&to=2026-03-01T00:00:00.000Z'), 400, 'from');
    });
  });

  describe('filters', () => {
    it('filters by configuratorId (the actionLabel)', async () => {
      expect((await getJson(t, 1, 'configurations', 'configuratorId=cfgA').expect(200)).body.tenantConfigurationStatistics).toEqual([C7, C1, C2]);
      expect((await getJson(t, 1, 'configurations', 'configuratorId=cfgB').expect(200)).body.tenantConfigurationStatistics).toEqual([C6, C5]);
      const encoded = await getJson(t, 1, 'configurations', `configuratorId=${encodeURIComponent('shop one/ä')}`).expect(200);
      expect(encoded.body.tenantConfigurationStatistics).toEqual([C4]);
      const none = await getJson(t, 1, 'configurations', 'configuratorId=nobody').expect(200);
      expect(none.body).toEqual({ tenantConfigurationStatistics: [], meta: { total: 0, serverTime: NOW.toISOString() } });
    });

    it.each([
      ['actions[]=2&actions[]=302', [C3, C1, C8, C4]],
      ['actions=2&actions=302', [C3, C1, C8, C4]],
      ['actions=1', [C2]],
      ['actions[]=2', [C3, C1, C8]],
      ['actions[]=303&actions[]=4', [C6, C5]],
    ])('filters by %s', async (q, expected) => {
      const res = await getJson(t, 1, 'configurations', q).expect(200);
      expect(res.body.tenantConfigurationStatistics).toEqual(expected);
      expect(res.body.meta.total).toBe(expected.length);
    });

    it('yields nothing (not an error) for action ids that are not configuration actions', async () => {
      for (const q of ['actions[]=999', 'actions[]=3', 'actions[]=0&actions[]=7']) {
        const res = await getJson(t, 1, 'configurations', q).expect(200);
        expect(res.body).toEqual({ tenantConfigurationStatistics: [], meta: { total: 0, serverTime: NOW.toISOString() } });
      }
    });

    it('combines configuratorId and actions', async () => {
      const res = await getJson(t, 1, 'configurations', 'configuratorId=cfgA&actions[]=1&actions[]=5').expect(200);
      expect(res.body.tenantConfigurationStatistics).toEqual([C7, C2]);
    });

    it('never returns catalog actions that are not configuration actions, nor actions missing from the catalog', async () => {
      const wide = 'from=2026-01-01T00:00:00.000Z&to=2026-04-01T00:00:00.000Z';
      const rows: Row[] = (await getJson(t, 1, 'configurations', wide).expect(200)).body.tenantConfigurationStatistics;
      expect(rows.map((r) => r.action)).not.toContain('Opened');
      expect(rows.filter((r) => r.created === '2026-03-10T11:00:00.000Z' || r.created === '2026-03-10T12:00:00.000Z')).toEqual([]);
      // Flagging the module-7 action as a configuration action makes it appear: the catalog is data.
      await putCatalogAction(t, 7, 1, { name: 'Opened', configurationAction: true, carriesPartList: false });
      try {
        const after: Row[] = (await getJson(t, 1, 'configurations', wide).expect(200)).body.tenantConfigurationStatistics;
        expect(after.filter((r) => r.action === 'Opened')).toEqual([
          conf({ link: `${BASE}?id=conf:igu:ration1&configuratorId=cfgA`, thumbnail: 'https://img.example/1.jpg', created: '2026-03-10T11:00:00.000Z', action: 'Opened' }),
        ]);
      } finally {
        await putCatalogAction(t, 7, 1, { name: 'Opened', configurationAction: false, carriesPartList: false });
      }
      const again: Row[] = (await getJson(t, 1, 'configurations', wide).expect(200)).body.tenantConfigurationStatistics;
      expect(again).toEqual(rows);
    });
  });

  describe('paging', () => {
    it.each([
      ['limit=2', [C6, C7]],
      ['limit=2&offset=1', [C7, C3]],
      ['limit=3&offset=6', [C5, C2]],
      ['offset=7', [C2]],
      ['offset=100', []],
      ['limit=1&offset=7', [C2]],
      ['limit=10000', DEFAULT_ROWS],
    ])('%s pages the ordered rows, meta.total counting all matches', async (q, expected) => {
      const res = await getJson(t, 1, 'configurations', q).expect(200);
      expect(res.body).toEqual({ tenantConfigurationStatistics: expected, meta: { total: 8, serverTime: NOW.toISOString() } });
    });

    it('counts all matches of the filters in meta.total', async () => {
      const res = await getJson(t, 1, 'configurations', 'actions[]=2&limit=1').expect(200);
      expect(res.body).toEqual({ tenantConfigurationStatistics: [C3], meta: { total: 3, serverTime: NOW.toISOString() } });
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=10001', 'limit'],
      ['limit=-1', 'limit'],
      ['limit=1.5', 'limit'],
      ['limit=x', 'limit'],
      ['offset=-1', 'offset'],
      ['offset=x', 'offset'],
    ])('%s → 400 naming %s', async (q, name) => {
      expectError(await getJson(t, 1, 'configurations', q), 400, name);
    });

    it('CSV ignores paging and streams every match', async () => {
      const csv = await getCsv(t, 1, 'configurations', 'limit=1&offset=2').expect(200);
      const { records } = parseCsv(csvText(csv));
      expect(records).toEqual(DEFAULT_ROWS.map(csvRecordOf));
    });
  });

  describe('CSV', () => {
    it('agrees with JSON row for row (default range)', async () => {
      const rows = await expectCsvAgrees(t, 1, '');
      expect(rows).toEqual(DEFAULT_ROWS);
    });

    it('agrees with JSON row for row with filters and an explicit range', async () => {
      expect(await expectCsvAgrees(t, 1, 'configuratorId=cfgA')).toEqual([C7, C1, C2]);
      expect(await expectCsvAgrees(t, 1, 'actions[]=2&actions[]=303&from=2026-02-01T00:00:00.000Z&to=2026-04-01T00:00:00.000Z')).toEqual([C10, C3, C1, C8, C9, C5]);
      expect(await expectCsvAgrees(t, 1, 'actions[]=999')).toEqual([]);
    });

    it('writes the Save_Plan row with part list and combined ids as JSON text', async () => {
      const csv = await getCsv(t, 1, 'configurations', 'actions[]=303').expect(200);
      expect(csvText(csv)).toBe(
        [
          HEADER,
          '"https://www.roomle.com/t/cp/?id=plan:1&configuratorId=cfgB","https://img.example/4.jpg","2026-03-08T10:00:00.000Z","Save_Plan","",1,"real time","",' +
            '"{""originPart"":{""articleNr"":""a4"",""count"":1}}","[""catalog:item:1"",""catalog:item:2""]"',
        ].join('\n'),
      );
    });
  });
});

describe('GET tenants/:id/configurations — the default page size and large CSV', () => {
  let t: TestApp;
  const N = 1005;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false' } });
    await t.reset();
    const base = Date.parse('2026-03-15T00:00:00.000Z');
    await ingest(
      t,
      4,
      Array.from({ length: N }, (_, i) => ({ module: 3, action: 1, created: new Date(base + i * 1000).toISOString(), actionId: `conf:${i}` })),
    );
  });
  afterAll(() => t.close());

  it('pages JSON by 1000 by default while meta.total counts all', async () => {
    const res = await getJson(t, 4, 'configurations').expect(200);
    expect(res.body.meta.total).toBe(N);
    expect(res.body.tenantConfigurationStatistics).toHaveLength(1000);
    expect(res.body.tenantConfigurationStatistics[0]).toEqual(
      conf({ link: `${BASE}?id=conf:${N - 1}`, created: new Date(Date.parse('2026-03-15T00:00:00.000Z') + (N - 1) * 1000).toISOString(), action: 'View' }),
    );
    expect(res.body.tenantConfigurationStatistics[999].link).toBe(`${BASE}?id=conf:${N - 1000}`);
    const rest = await getJson(t, 4, 'configurations', 'offset=1000').expect(200);
    expect(rest.body.tenantConfigurationStatistics.map((r: Row) => r.link)).toEqual([4, 3, 2, 1, 0].map((i) => `${BASE}?id=conf:${i}`));
  });

  it('streams every match as CSV, in the JSON order', async () => {
    const rows = await expectCsvAgrees(t, 4, '');
    expect(rows).toHaveLength(N);
  });
});

describe('GET tenants/:id/configurations — the published sample CSV', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: new Date('2021-09-21T12:18:00.000Z'), env: { ROLLUP_ENABLED: 'false' } });
    await t.reset();
    await putUser(t, 'user-with-consent', 'email.with@consent.com', true);
    await ingest(t, 1, [
      {
        module: 3,
        action: 2,
        created: '2021-09-21T12:17:59.968Z',
        actionId: 'conf:igu:rationB1AER98B1AE98RB1E98RB1',
        userId: 'user-with-consent',
        configuration: { thumbnail: 'https://url.to.perspective/image1.jpg', partList: { originPart: { articleNr: 'article1', count: 1 } } },
      },
      { module: 3, action: 1, created: '2021-09-21T12:17:59.968Z', actionId: 'conf:igu:rationB1AER98B1AE98RB1E98RB1' },
    ]);
  });
  afterAll(() => t.close());

  it('reproduces the header and the real-time rows of spec §4 byte for byte', async () => {
    // The sample's middle row is a daily (rolled-up) row; it cannot be ingested and is covered by
    // the rollup suite. The other lines must match exactly.
    const expected = [
      '"link","thumbnail","created","action","actionParameter","count","aggregationLevel","userEmail","partList","planCombinedIds"',
      '"https://www.roomle.com/t/cp/?id=conf:igu:rationB1AER98B1AE98RB1E98RB1","https://url.to.perspective/image1.jpg","2021-09-21T12:17:59.968Z","Save","",1,"real time","email.with@consent.com","{""originPart"":{""articleNr"":""article1"",""count"":1}}",""',
      '"https://www.roomle.com/t/cp/?id=conf:igu:rationB1AER98B1AE98RB1E98RB1","https://url.to.perspective/image1.jpg","2021-09-21T12:17:59.968Z","View","",1,"real time","","",""',
    ].join('\n');
    const csv = await getCsv(t, 1, 'configurations').expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(Buffer.from(csvText(csv), 'utf8').equals(Buffer.from(expected, 'utf8'))).toBe(true);
    expect(csvText(csv)).toBe(expected);
  });
});

describe('GET tenants/:id/configurations — CSV injection and special characters', () => {
  let t: TestApp;
  const start = Date.parse('2026-03-01T00:00:00.000Z');
  const PARAMS = [
    '=1+1',
    '+SUM(A1)',
    '-2',
    '@SUM(A1)',
    '\tTAB',
    '\rCR',
    '=HYPERLINK("http://evil.example","click")',
    'plain text',
    'say "hi", then\nnext line',
    'a,b;c\r\nd "" e',
    ' =not at start',
    '',
  ];
  const TRICKY_THUMB = 'https://img.example/x.jpg?a="1",b=2\n';
  const TRICKY_PART = { note: 'a "quoted", value\nwith newline', list: ['x,y', '"z"'] };

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false' } });
    await t.reset();
    await ingest(
      t,
      6,
      PARAMS.map((p, i) => ({ module: 3, action: 1, created: new Date(start + i * 60_000).toISOString(), actionId: `conf:${i}`, actionParameter: p })),
    );
    await ingest(t, 6, [
      {
        module: 3, action: 2, created: '2026-03-02T00:00:00.000Z', actionId: 'conf:"tricky",one', actionLabel: 'label, with "quotes"\nand newline',
        configuration: { thumbnail: TRICKY_THUMB, partList: TRICKY_PART },
      },
    ]);
  });
  afterAll(() => t.close());

  it('keeps values unchanged in JSON', async () => {
    const rows: Row[] = (await getJson(t, 6, 'configurations').expect(200)).body.tenantConfigurationStatistics;
    const views = rows.filter((r) => r.action === 'View');
    // created descending: the last parameter first
    expect(views.map((r) => r.actionParameter)).toEqual([...PARAMS].reverse());
  });

  it('neutralises cells a spreadsheet would run as a formula with a leading apostrophe', async () => {
    const csv = await getCsv(t, 6, 'configurations', 'actions=1').expect(200);
    const text = csvText(csv);
    const { records } = parseCsv(text);
    expect(records.map((r) => r.actionParameter)).toEqual(
      [
        "'=1+1",
        "'+SUM(A1)",
        "'-2",
        "'@SUM(A1)",
        "'\tTAB",
        "'\rCR",
        '\'=HYPERLINK("http://evil.example","click")',
        'plain text',
        'say "hi", then\nnext line',
        'a,b;c\r\nd "" e',
        ' =not at start',
        '',
      ].reverse(),
    );
    expect(text).toContain('"\'=1+1"');
    expect(text).toContain('"\'=HYPERLINK(""http://evil.example"",""click"")"');
    // no cell (quoted or not) starts with a formula character
    for (const r of records) for (const v of Object.values(r)) if (typeof v === 'string') expect(v).not.toMatch(CSV_FORMULA);
  });

  it('round-trips quotes, commas and newlines through a CSV parser', async () => {
    const rows = await expectCsvAgrees(t, 6, '');
    const save = rows.find((r) => r.action === 'Save')!;
    expect(save).toEqual(
      conf({
        link: `${BASE}?id=conf:%22tricky%22%2Cone&configuratorId=label%2C%20with%20%22quotes%22%0Aand%20newline`,
        thumbnail: TRICKY_THUMB,
        created: '2026-03-02T00:00:00.000Z',
        action: 'Save',
        partList: TRICKY_PART,
      }),
    );
    const { records } = parseCsv(csvText(await getCsv(t, 6, 'configurations', 'actions=2').expect(200)));
    expect(records).toHaveLength(1);
    expect(records[0].thumbnail).toBe(TRICKY_THUMB);
    expect(JSON.parse(records[0].partList as string)).toEqual(TRICKY_PART);
  });
});

describe('GET tenants/:id/configurations — e-mail consent and erasure', () => {
  let t: TestApp;
  const EMAIL = 'yes@example.com';

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false' } });
    await t.reset();
    await putUser(t, 'u-yes', EMAIL, true);
    await putUser(t, 'u-no', 'no@example.com', false);
    await ingest(t, 8, [
      { module: 3, action: 2, created: '2026-03-10T00:00:00.000Z', actionId: 'conf:1', userId: 'u-yes' },
      { module: 3, action: 1, created: '2026-03-11T00:00:00.000Z', actionId: 'conf:1', userId: 'u-yes' },
      { module: 3, action: 2, created: '2026-03-12T00:00:00.000Z', actionId: 'conf:2', userId: 'u-no' },
      { module: 3, action: 1, created: '2026-03-13T00:00:00.000Z', actionId: 'conf:2' },
    ]);
  });
  afterAll(() => t.close());

  const emails = async (): Promise<{ json: Array<[string, string | null]>; csv: string }> => {
    const rows: Row[] = (await getJson(t, 8, 'configurations').expect(200)).body.tenantConfigurationStatistics;
    const csv = csvText(await getCsv(t, 8, 'configurations').expect(200));
    return { json: rows.map((r) => [`${r.action} ${r.created}`, r.userEmail]), csv };
  };

  it('shows the e-mail of a consenting user only, on real-time rows', async () => {
    const { json, csv } = await emails();
    expect(json).toEqual([
      ['Save 2026-03-12T00:00:00.000Z', null],
      ['Save 2026-03-10T00:00:00.000Z', EMAIL],
      ['View 2026-03-13T00:00:00.000Z', null],
      ['View 2026-03-11T00:00:00.000Z', EMAIL],
    ]);
    expect(parseCsv(csv).records.map((r) => r.userEmail)).toEqual(['', EMAIL, '', EMAIL]);
    expect(csv).not.toContain('no@example.com');
    await expectCsvAgrees(t, 8, '');
  });

  it('hides the e-mail once consent is withdrawn, and shows it again when given', async () => {
    await putUser(t, 'u-yes', EMAIL, false);
    const withdrawn = await emails();
    expect(withdrawn.json.map(([, e]) => e)).toEqual([null, null, null, null]);
    expect(withdrawn.csv).not.toContain(EMAIL);
    await putUser(t, 'u-yes', EMAIL, true);
    const given = await emails();
    expect(given.json.map(([, e]) => e)).toEqual([null, EMAIL, null, EMAIL]);
  });

  it('after DELETE users/:userId the e-mail appears nowhere, in JSON or CSV', async () => {
    await eraseUser(t, 'u-yes');
    const { json, csv } = await emails();
    expect(json.map(([, e]) => e)).toEqual([null, null, null, null]);
    expect(csv).not.toContain(EMAIL);
    const wide = 'from=2026-01-01T00:00:00.000Z&to=2026-04-01T00:00:00.000Z';
    const all = await getJson(t, 8, 'configurations', wide).expect(200);
    expect(JSON.stringify(all.body)).not.toContain(EMAIL);
    expect(csvText(await getCsv(t, 8, 'configurations', wide).expect(200))).not.toContain(EMAIL);
    // Erasing again is harmless.
    await eraseUser(t, 'u-yes');
  });
});

describe('GET tenants/:id/configurations — CONFIGURATION_LINK_BASE', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false', CONFIGURATION_LINK_BASE: 'https://shop.example/configure/' } });
    await t.reset();
    await ingest(t, 1, [{ module: 3, action: 1, created: '2026-03-10T00:00:00.000Z', actionId: 'conf:x', actionLabel: 'shop' }]);
  });
  afterAll(() => t.close());

  it('builds links on the configured base', async () => {
    const res = await getJson(t, 1, 'configurations').expect(200);
    expect(res.body.tenantConfigurationStatistics.map((r: Row) => r.link)).toEqual(['https://shop.example/configure/?id=conf:x&configuratorId=shop']);
  });
});
