import { toInstant, toInt } from '../../src/database/values';
import { TestApp } from '../support/test-app';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const DAY_MS = 86_400_000;
const URL = '/v2/statistics/tenants/1/useractions';

type Event = Record<string, unknown>;
const ev = (eventId: string, extra: Event = {}): Event => ({ eventId, module: 3, action: 1, created: '2026-03-10T11:00:00.000Z', ...extra });
const iso = (ms: number) => new Date(ms).toISOString();

function expectBadRequest(res: { status: number; body: Record<string, unknown> }): string {
  expect(res.status).toBe(400);
  expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'statusCode']);
  expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  return res.body.message as string;
}

describe('ingestion: POST tenants/:id/useractions', () => {
  let t: TestApp;
  let ingest: { Authorization: string };

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW });
    ingest = t.auth([1, 2], { ingest: true });
  });
  beforeEach(() => t.reset());
  afterAll(() => t.close());

  const post = (body: unknown, tenant = 1) =>
    t.http
      .post(`/v2/statistics/tenants/${tenant}/useractions`)
      .set(ingest)
      .send(body as object);
  const rowCount = async (where = '1 = 1', params: unknown[] = []): Promise<number> => {
    const [{ n }] = await t.dataSource.query(`SELECT COUNT(*) AS n FROM user_action WHERE ${where}`, params);
    return toInt(n);
  };
  const storedEventIds = async (tenant = 1): Promise<string[]> =>
    (await t.dataSource.query('SELECT event_id AS e FROM user_action WHERE tenant = ? ORDER BY event_id', [tenant])).map(
      (r: { e: string }) => r.e,
    );

  describe('idempotency', () => {
    it('counts an eventId repeated inside one batch as a duplicate', async () => {
      await post({ userActions: [ev('a'), ev('b'), ev('a'), ev('c'), ev('a')] }).expect(202, { accepted: 3, duplicates: 2 });
      expect(await storedEventIds()).toEqual(['a', 'b', 'c']);
    });

    it('keeps the first of the repeated events inside a batch', async () => {
      await post({ userActions: [ev('a', { action: 4 }), ev('a', { action: 5 })] }).expect(202, { accepted: 1, duplicates: 1 });
      const rows = await t.dataSource.query('SELECT action FROM user_action');
      expect(rows.map((r: { action: unknown }) => toInt(r.action))).toEqual([4]);
    });

    it('counts eventIds stored by an earlier batch as duplicates', async () => {
      await post({ userActions: [ev('a'), ev('b')] }).expect(202, { accepted: 2, duplicates: 0 });
      await post({ userActions: [ev('b'), ev('c'), ev('d'), ev('a')] }).expect(202, { accepted: 2, duplicates: 2 });
      await post({ userActions: [ev('a'), ev('b'), ev('c'), ev('d')] }).expect(202, { accepted: 0, duplicates: 4 });
      expect(await rowCount()).toBe(4);
    });

    it('does not overwrite a stored event when its eventId is re-sent with other content', async () => {
      await post({ userActions: [ev('a', { country: 'AT' })] }).expect(202, { accepted: 1, duplicates: 0 });
      await post({ userActions: [ev('a', { country: 'DE', action: 2 })] }).expect(202, { accepted: 0, duplicates: 1 });
      const rows = await t.dataSource.query('SELECT action, country FROM user_action');
      expect(rows.map((r: { action: unknown; country: string }) => [toInt(r.action), r.country])).toEqual([[1, 'AT']]);
    });

    it('scopes eventIds per tenant: the same id is stored once for each tenant', async () => {
      await post({ userActions: [ev('shared')] }, 1).expect(202, { accepted: 1, duplicates: 0 });
      await post({ userActions: [ev('shared')] }, 2).expect(202, { accepted: 1, duplicates: 0 });
      expect(await rowCount('event_id = ?', ['shared'])).toBe(2);
      expect(await storedEventIds(2)).toEqual(['shared']);
    });

    it('treats eventIds case-sensitively', async () => {
      await post({ userActions: [ev('Event'), ev('event'), ev('EVENT')] }).expect(202, { accepted: 3, duplicates: 0 });
      expect(await rowCount()).toBe(3);
    });

    it.each([5, 300])('stores a batch of %i events re-sent 10 times in parallel exactly once', async (size) => {
      const batch = { userActions: Array.from({ length: size }, (_, i) => ev(`par-${i}`)) };
      const results = await Promise.all(Array.from({ length: 10 }, () => post(batch)));
      expect(results.map((r) => r.status)).toEqual(Array(10).fill(202));
      expect(results.reduce((sum, r) => sum + r.body.accepted, 0)).toBe(size);
      expect(results.reduce((sum, r) => sum + r.body.duplicates, 0)).toBe(9 * size);
      for (const r of results) expect(r.body.accepted + r.body.duplicates).toBe(size);
      expect(await rowCount()).toBe(size);
    });

    it('stores overlapping batches sent in parallel exactly once per eventId', async () => {
      // 10 batches: each holds the 5 shared events (in a different order) plus one of its own.
      const shared = [0, 1, 2, 3, 4].map((i) => ev(`shared-${i}`));
      const batches = Array.from({ length: 10 }, (_, b) => ({
        userActions: [...shared.slice(b % 5), ev(`own-${b}`), ...shared.slice(0, b % 5)],
      }));
      const results = await Promise.all(batches.map((body) => post(body)));
      expect(results.map((r) => r.status)).toEqual(Array(10).fill(202));
      expect(results.reduce((sum, r) => sum + r.body.accepted, 0)).toBe(15);
      expect(results.reduce((sum, r) => sum + r.body.duplicates, 0)).toBe(45);
      expect(await rowCount()).toBe(15);
    });
  });

  describe('all-or-nothing validation', () => {
    it('stores nothing when one event is invalid, and names its index and field', async () => {
      const res = await post({ userActions: [ev('a'), ev('b'), ev('c', { module: '3' }), ev('d')] });
      expect(expectBadRequest(res)).toBe('userActions[2].module must be an integer');
      expect(await rowCount()).toBe(0);
      // The valid events were not stored or burned: re-sending them without the bad one stores all three.
      await post({ userActions: [ev('a'), ev('b'), ev('d')] }).expect(202, { accepted: 3, duplicates: 0 });
    });

    it('stores nothing when the last of 1000 events is invalid', async () => {
      const events = Array.from({ length: 1000 }, (_, i) => ev(`e-${i}`));
      events[999] = ev('e-999', { country: 'aut' });
      expect(expectBadRequest(await post({ userActions: events }))).toContain('userActions[999].country');
      expect(await rowCount()).toBe(0);
    });

    it.each([
      ['module as a string', { module: '3' }, 'userActions[0].module must be an integer'],
      ['module as a fraction', { module: 1.5 }, 'userActions[0].module must be an integer'],
      ['a negative action', { action: -1 }, 'userActions[0].action must be at least 0'],
      ['action beyond INT', { action: 2147483648 }, 'userActions[0].action must be at most 2147483647'],
      ['created without zone', { created: '2026-03-10T11:00:00' }, 'userActions[0].created must be an ISO 8601 instant'],
      ['created date-only', { created: '2026-03-10' }, 'userActions[0].created must be an ISO 8601 instant'],
      ['created impossible', { created: '2026-02-30T11:00:00Z' }, 'userActions[0].created must be an ISO 8601 instant'],
      ['created as epoch ms', { created: 1773140400000 }, 'userActions[0].created must be an ISO 8601 instant'],
      ['country in lower case', { country: 'at' }, 'userActions[0].country must be an ISO 3166-1 alpha-2'],
      ['country of three letters', { country: 'AUT' }, 'userActions[0].country must be an ISO 3166-1 alpha-2'],
      ['country "aut"', { country: 'aut' }, 'userActions[0].country must be an ISO 3166-1 alpha-2'],
      ['device too long', { device: 'd'.repeat(33) }, 'userActions[0].device must be at most 32 characters long'],
      ['actionParameter as a number', { actionParameter: 5 }, 'userActions[0].actionParameter must be a string'],
      ['an empty userId', { userId: '' }, 'userActions[0].userId must be at least 1 characters long'],
      ['an empty eventId', { eventId: '' }, 'userActions[0].eventId must be at least 1 characters long'],
      ['an eventId of 65 characters', { eventId: 'x'.repeat(65) }, 'userActions[0].eventId must be at most 64 characters long'],
      ['an eventId as a number', { eventId: 7 }, 'userActions[0].eventId must be a string'],
      ['an unknown field', { foo: 1 }, 'userActions[0].foo: property foo should not exist'],
      ['configuration as a string', { actionId: 'conf:1', configuration: 'x' }, 'userActions[0].configuration'],
      ['partList as a list', { actionId: 'conf:1', configuration: { partList: [1] } }, 'userActions[0].configuration.partList must be a JSON object'],
      ['an unknown configuration field', { actionId: 'conf:1', configuration: { foo: 1 } }, 'userActions[0].configuration.foo: property foo should not exist'],
      ['configuration without actionId', { configuration: { thumbnail: 'https://x/y.jpg' } }, 'userActions[0].configuration needs userActions[0].actionId'],
    ])('rejects %s (400 naming the field)', async (_what, change, message) => {
      const res = await post({ userActions: [{ ...ev('bad'), ...change }] });
      expect(expectBadRequest(res)).toContain(message);
      expect(await rowCount()).toBe(0);
    });

    it.each([
      ['eventId', 'userActions[1].eventId'],
      ['module', 'userActions[1].module'],
      ['action', 'userActions[1].action'],
      ['created', 'userActions[1].created'],
    ])('rejects an event without %s', async (field, named) => {
      const second = ev('second');
      delete second[field];
      expect(expectBadRequest(await post({ userActions: [ev('first'), second] }))).toContain(named);
      expect(await rowCount()).toBe(0);
    });

    it('accepts null for the optional fields', async () => {
      const nulls = { country: null, device: null, actionLabel: null, actionId: null, actionParameter: null, userId: null };
      await post({ userActions: [ev('n', nulls)] }).expect(202, { accepted: 1, duplicates: 0 });
    });

    it('rejects an unknown top-level field', async () => {
      expect(expectBadRequest(await post({ userActions: [ev('a')], tenant: 2 }))).toBe('tenant: property tenant should not exist');
      expect(await rowCount()).toBe(0);
    });

    it('rejects an eventId ending in a space (MySQL would treat it as the id without the space)', async () => {
      expect(expectBadRequest(await post({ userActions: [ev('x'), ev('x ')] }))).toBe('userActions[1].eventId must not end with a space');
      expect(await rowCount()).toBe(0);
    });
  });

  describe('batch size', () => {
    it('rejects 0 events', async () => {
      expect(expectBadRequest(await post({ userActions: [] }))).toBe('userActions must hold 1 to 1000 events');
    });

    it('rejects 1001 events and stores none', async () => {
      const events = Array.from({ length: 1001 }, (_, i) => ev(`e-${i}`));
      expect(expectBadRequest(await post({ userActions: events }))).toBe('userActions must hold 1 to 1000 events');
      expect(await rowCount()).toBe(0);
    });

    it('accepts exactly 1000 events', async () => {
      const events = Array.from({ length: 1000 }, (_, i) => ev(`e-${i}`, { action: i % 7 }));
      await post({ userActions: events }).expect(202, { accepted: 1000, duplicates: 0 });
      expect(await rowCount()).toBe(1000);
      expect(await rowCount('action = ?', [6])).toBe(142);
    });

    it('rejects userActions that is not a list', async () => {
      expect(expectBadRequest(await post({ userActions: ev('a') }))).toContain('userActions');
    });

    it('rejects an element that is not an object, naming its index', async () => {
      expect(expectBadRequest(await post({ userActions: [ev('a'), 'b'] }))).toContain('userActions[1]');
      expect(await rowCount()).toBe(0);
    });

    it('rejects a body without events', async () => {
      expect(expectBadRequest(await post({}))).toBe('body must hold userActions (1 to 1000 events) or userAction (one event)');
    });
  });

  describe('age window (now = 2026-03-10T12:00:00.000Z, ROLLUP_DAILY_AFTER_DAYS = 30)', () => {
    const oldest = NOW.getTime() - 30 * DAY_MS;
    const latest = NOW.getTime() + 5 * 60_000;

    it('accepts an event exactly 30 days old and one exactly 5 minutes ahead', async () => {
      await post({ userActions: [ev('old', { created: iso(oldest) }), ev('ahead', { created: iso(latest) })] }).expect(202, {
        accepted: 2,
        duplicates: 0,
      });
    });

    it('rejects an event older than 30 days, naming the field, and stores nothing', async () => {
      const res = await post({ userActions: [ev('ok'), ev('old', { created: iso(oldest - 1) })] });
      expect(expectBadRequest(res)).toBe(
        'userActions[1].created is older than 30 days (ROLLUP_DAILY_AFTER_DAYS); such events can no longer be accepted',
      );
      expect(await rowCount()).toBe(0);
    });

    it('rejects an event more than 5 minutes in the future, naming the field', async () => {
      const res = await post({ userActions: [ev('ahead', { created: iso(latest + 1) }), ev('ok')] });
      expect(expectBadRequest(res)).toBe('userActions[0].created is more than 5 minutes in the future');
      expect(await rowCount()).toBe(0);
    });

    it('judges the window by the zone-aware instant, not the wall-clock text', async () => {
      // 12:04 at +00:00 is within 5 minutes; 12:04 at -01:00 is 13:04Z, an hour ahead.
      await post({ userActions: [ev('in', { created: '2026-03-10T12:04:00+00:00' })] }).expect(202);
      const res = await post({ userActions: [ev('out', { created: '2026-03-10T12:04:00-01:00' })] });
      expect(expectBadRequest(res)).toBe('userActions[0].created is more than 5 minutes in the future');
    });

    it('moves with the clock', async () => {
      t.clock.set(new Date('2026-04-20T00:00:00.000Z'));
      try {
        const res = await post({ userActions: [ev('then', { created: '2026-03-10T11:00:00.000Z' })] });
        expect(expectBadRequest(res)).toContain('userActions[0].created is older than 30 days');
        await post({ userActions: [ev('now', { created: '2026-04-19T23:59:59.999Z' })] }).expect(202, { accepted: 1, duplicates: 0 });
      } finally {
        t.clock.set(NOW);
      }
    });
  });

  describe('the single-event shape { userAction }', () => {
    it('stores one event', async () => {
      await post({ userAction: ev('single', { country: 'AT' }) }).expect(202, { accepted: 1, duplicates: 0 });
      await post({ userAction: ev('single', { country: 'AT' }) }).expect(202, { accepted: 0, duplicates: 1 });
      expect(await storedEventIds()).toEqual(['single']);
    });

    it('names the field without an index', async () => {
      expect(expectBadRequest(await post({ userAction: ev('s', { action: 'x' }) }))).toBe('userAction.action must be an integer');
      const old = iso(NOW.getTime() - 31 * DAY_MS);
      expect(expectBadRequest(await post({ userAction: ev('s', { created: old }) }))).toContain('userAction.created is older than 30 days');
      expect(await rowCount()).toBe(0);
    });

    it('rejects a list in userAction', async () => {
      expect(expectBadRequest(await post({ userAction: [ev('s')] }))).toBe('userAction must be an event object');
    });

    it('rejects both shapes at once and stores nothing', async () => {
      const res = await post({ userActions: [ev('a')], userAction: ev('b') });
      expect(expectBadRequest(res)).toBe('body must hold either userActions or userAction, not both');
      expect(await rowCount()).toBe(0);
    });
  });

  describe('request body format', () => {
    it('answers malformed JSON with a 400 JSON error', async () => {
      const res = await t.http.post(URL).set(ingest).set('Content-Type', 'application/json').send('{"userActions": [');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Request body is not valid JSON' });
    });

    it('answers a JSON body that is not an object (null) with a 400 JSON error', async () => {
      const res = await t.http.post(URL).set(ingest).set('Content-Type', 'application/json').send('null');
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Request body is not valid JSON' });
    });
  });

  describe('stored values', () => {
    it('stores every field of the event, real time with count 1', async () => {
      await post({
        userActions: [
          ev('full', {
            module: 3,
            action: 2,
            created: '2026-03-09T08:15:30.250Z',
            country: 'AT',
            device: 'desktop',
            actionLabel: 'shop-configurator',
            actionId: 'conf:igu:ration1',
            actionParameter: 'param "quoted" ünïcödé',
            userId: 'user-7',
          }),
        ],
      }).expect(202, { accepted: 1, duplicates: 0 });
      const [row] = await t.dataSource.query(
        `SELECT tenant, module, action, created, aggregation_level AS level, count, country, device,
                action_label AS label, action_id AS actionId, action_parameter AS parameter, user_id AS userId, event_id AS eventId
           FROM user_action`,
      );
      expect({
        ...row,
        tenant: toInt(row.tenant),
        module: toInt(row.module),
        action: toInt(row.action),
        level: toInt(row.level),
        count: toInt(row.count),
        created: toInstant(row.created).toISOString(),
      }).toEqual({
        tenant: 1,
        module: 3,
        action: 2,
        created: '2026-03-09T08:15:30.250Z',
        level: 0,
        count: 1,
        country: 'AT',
        device: 'desktop',
        label: 'shop-configurator',
        actionId: 'conf:igu:ration1',
        parameter: 'param "quoted" ünïcödé',
        userId: 'user-7',
        eventId: 'full',
      });
    });

    it('stores absent optional fields as NULL', async () => {
      await post({ userActions: [ev('bare')] }).expect(202);
      const [row] = await t.dataSource.query(
        'SELECT country, device, action_label AS l, action_id AS i, action_parameter AS p, user_id AS u FROM user_action',
      );
      expect(row).toEqual({ country: null, device: null, l: null, i: null, p: null, u: null });
    });

    it.each([
      ['2026-03-10T11:00:00.123+01:00', '2026-03-10T10:00:00.123Z'],
      ['2026-03-10T05:00:00.123-05:00', '2026-03-10T10:00:00.123Z'],
      ['2026-03-10T10:00:00.123456Z', '2026-03-10T10:00:00.123Z'],
      ['2026-03-10T00:30:00.999+01:00', '2026-03-09T23:30:00.999Z'],
    ])('stores %s as the exact UTC instant %s', async (created, utc) => {
      await post({ userActions: [ev('instant', { created })] }).expect(202);
      const [row] = await t.dataSource.query('SELECT created FROM user_action WHERE event_id = ?', ['instant']);
      expect(toInstant(row.created).toISOString()).toBe(utc);
    });
  });

  describe('configuration snapshots', () => {
    const snapshotRows = async () =>
      (
        await t.dataSource.query(
          `SELECT tenant, configuration_id AS id, thumbnail, part_list AS partList, plan_combined_ids AS plan, updated
             FROM configuration_snapshot ORDER BY tenant, configuration_id`,
        )
      ).map((r: Record<string, unknown>) => ({
        tenant: toInt(r.tenant),
        id: r.id,
        thumbnail: r.thumbnail,
        partList: r.partList === null ? null : JSON.parse(String(r.partList)),
        plan: r.plan === null ? null : JSON.parse(String(r.plan)),
        updated: toInstant(r.updated).toISOString(),
      }));

    const partList = { originPart: { articleNr: 'article1', count: 1, extras: [1, 2.5, { nested: true }], note: null } };

    it('stores thumbnail, part list and plan ids of the configuration an action saved', async () => {
      await post({
        userActions: [
          ev('save', {
            action: 2,
            actionId: 'conf:igu:ration1',
            created: '2026-03-10T09:00:00.000Z',
            configuration: { thumbnail: 'https://url.to.perspective/image1.jpg', partList, planCombinedIds: ['catalog:item:1', 'catalog:item:2'] },
          }),
        ],
      }).expect(202, { accepted: 1, duplicates: 0 });
      expect(await snapshotRows()).toEqual([
        {
          tenant: 1,
          id: 'conf:igu:ration1',
          thumbnail: 'https://url.to.perspective/image1.jpg',
          partList,
          plan: ['catalog:item:1', 'catalog:item:2'],
          updated: '2026-03-10T09:00:00.000Z',
        },
      ]);
    });

    it('upserts: a later save updates what it sends and keeps the rest; an older one changes nothing', async () => {
      const save = (eventId: string, created: string, configuration: Event) =>
        post({ userActions: [ev(eventId, { action: 2, actionId: 'conf:1', created, configuration })] }).expect(202, { accepted: 1, duplicates: 0 });
      await save('s1', '2026-03-10T09:00:00.000Z', { thumbnail: 'https://img/1.jpg', partList: { v: 1 } });
      await save('s2', '2026-03-10T10:00:00.000Z', { thumbnail: 'https://img/2.jpg' });
      await save('s3', '2026-03-10T08:00:00.000Z', { thumbnail: 'https://img/old.jpg', partList: { v: 0 } });
      expect(await snapshotRows()).toEqual([
        { tenant: 1, id: 'conf:1', thumbnail: 'https://img/2.jpg', partList: { v: 1 }, plan: null, updated: '2026-03-10T10:00:00.000Z' },
      ]);
    });

    it('keeps the latest snapshot when one batch saves the same configuration twice, whatever the order', async () => {
      await post({
        userActions: [
          ev('late', { action: 2, actionId: 'conf:1', created: '2026-03-10T10:00:00.000Z', configuration: { thumbnail: 'https://img/late.jpg' } }),
          ev('early', { action: 2, actionId: 'conf:1', created: '2026-03-10T09:00:00.000Z', configuration: { thumbnail: 'https://img/early.jpg' } }),
        ],
      }).expect(202, { accepted: 2, duplicates: 0 });
      expect((await snapshotRows()).map((r: { thumbnail: string }) => r.thumbnail)).toEqual(['https://img/late.jpg']);
    });

    it('keeps snapshots per tenant', async () => {
      const body = (thumbnail: string) => ({ userActions: [ev('s', { action: 2, actionId: 'conf:1', configuration: { thumbnail } })] });
      await post(body('https://img/t1.jpg'), 1).expect(202);
      await post(body('https://img/t2.jpg'), 2).expect(202);
      expect((await snapshotRows()).map((r: { tenant: number; thumbnail: string }) => [r.tenant, r.thumbnail])).toEqual([
        [1, 'https://img/t1.jpg'],
        [2, 'https://img/t2.jpg'],
      ]);
    });

    it('does not touch the snapshot when the saving event is a duplicate', async () => {
      const body = (thumbnail: string) => ({ userActions: [ev('s', { action: 2, actionId: 'conf:1', configuration: { thumbnail } })] });
      await post(body('https://img/first.jpg')).expect(202, { accepted: 1, duplicates: 0 });
      await post(body('https://img/second.jpg')).expect(202, { accepted: 0, duplicates: 1 });
      expect((await snapshotRows()).map((r: { thumbnail: string }) => r.thumbnail)).toEqual(['https://img/first.jpg']);
    });

    it('stores no snapshot when the batch is rejected', async () => {
      const res = await post({
        userActions: [ev('s', { action: 2, actionId: 'conf:1', configuration: { thumbnail: 'https://img/x.jpg' } }), ev('bad', { module: -1 })],
      });
      expect(expectBadRequest(res)).toBe('userActions[1].module must be at least 0');
      expect(await snapshotRows()).toEqual([]);
    });
  });
});

describe('ingestion with BODY_LIMIT=10kb', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { BODY_LIMIT: '10kb' } });
  });
  beforeEach(() => t.reset());
  afterAll(() => t.close());

  it('answers a larger body with 413 as JSON and stores nothing', async () => {
    const events = Array.from({ length: 100 }, (_, i) => ev(`big-${i}`, { actionParameter: 'p'.repeat(100) }));
    const body = JSON.stringify({ userActions: events });
    expect(Buffer.byteLength(body)).toBeGreaterThan(10 * 1024);
    const res = await t.http.post(URL).set(t.auth([1], { ingest: true })).set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Request body is larger than the accepted limit (BODY_LIMIT)',
    });
    const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM user_action');
    expect(toInt(n)).toBe(0);
  });

  it('still takes a body under the limit', async () => {
    const events = Array.from({ length: 20 }, (_, i) => ev(`small-${i}`));
    expect(Buffer.byteLength(JSON.stringify({ userActions: events }))).toBeLessThan(10 * 1024);
    await t.http.post(URL).set(t.auth([1], { ingest: true })).send({ userActions: events }).expect(202, { accepted: 20, duplicates: 0 });
  });
});

describe('ingestion with ROLLUP_DAILY_AFTER_DAYS=7', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_DAILY_AFTER_DAYS: '7' } });
  });
  beforeEach(() => t.reset());
  afterAll(() => t.close());

  it('takes the age window from the configuration', async () => {
    const post = (created: string) =>
      t.http.post(URL).set(t.auth([1], { ingest: true })).send({ userActions: [ev(created, { created })] });
    await post(iso(NOW.getTime() - 7 * DAY_MS)).expect(202, { accepted: 1, duplicates: 0 });
    const res = await post(iso(NOW.getTime() - 7 * DAY_MS - 1));
    expect(expectBadRequest(res)).toBe(
      'userActions[0].created is older than 7 days (ROLLUP_DAILY_AFTER_DAYS); such events can no longer be accepted',
    );
  });
});
