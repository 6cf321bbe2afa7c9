import fc from 'fast-check';
import { parseInstant } from '../../src/common/field.decorators';
import { toInstant } from '../../src/database/values';
import { EventSpec, ingest, parseCsv, putUser, Route } from '../support/fixtures';
import { TestApp } from '../support/test-app';
import { API, call, count, expectNames, expectSafe, INT32_MAX, names } from './support';
import {
  acceptable,
  anyValue,
  codePoints,
  COLUMNS,
  configVerdict,
  decodeURIComponentSafe,
  depth,
  enc,
  escapeRegExp,
  EVENT_FIELDS,
  expectRead200,
  expectUrlSize,
  fieldVerdict,
  FORMULA,
  FUZZ_TIMEOUT,
  FuzzTally,
  hostileString,
  HUGE,
  invalidValue,
  isPlainObject,
  Mutation,
  mutationArb,
  NOW,
  OTHER,
  PARAMS,
  parsedValue,
  PROTO_KEYS,
  queryArb,
  queryVerdict,
  RANGE_FROM,
  RANGE_TO,
  ROUTES,
  SECRET,
  Shape,
  spell,
  SQLI,
  strOk,
  TENANT,
  Verdict,
  viaJson,
} from './fuzz-model';

/**
 * Property-based fuzzing of every route and method (issue 6, OWASP-style hostile input): every
 * query parameter, path parameter, the Accept header and ?format=, every body field. Each case
 * is checked against an oracle of what the contract and docs/api.md allow: 2xx only for valid
 * input (and then the stored or answered data is exactly what was sent), otherwise a 4xx JSON
 * error naming the parameter; never a 5xx, never SQL or a driver message, never a row of another
 * tenant, never a polluted Object.prototype. Seeds are fixed: a failure reproduces.
 */

const tally = new FuzzTally();

describe('fuzz (fast-check): hostile input on every route', () => {
  let t: TestApp;
  let eventSeq = 0;
  const storedEventIds = new Set<string>();
  let otherRows = 0;

  const read = (route: Route, query: string, headers: Record<string, string> = {}, tenant: string | number = TENANT) =>
    call(t, 'GET', `${API}/tenants/${tenant}/${route}${query ? `?${query}` : ''}`, { headers: { ...t.auth([TENANT]), ...headers } });
  const ingestHeaders = () => t.auth([TENANT], { ingest: true });
  const rowsOf = (tenant: number) => count(t, 'user_action', tenant);

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW });
    const seed: EventSpec[] = [
      { module: 3, action: 2, created: '2026-03-10T10:00:00.000Z', actionId: 'conf:fz-1', actionLabel: 'shop', country: 'AT', device: 'desktop', userId: 'u-fz', configuration: { thumbnail: 'https://t.example/1.png', partList: { originPart: { articleNr: 'A1', count: 1 } } } },
      { module: 3, action: 1, created: '2026-03-11T10:00:00.000Z', actionId: 'conf:fz-1', actionLabel: 'shop', country: 'DE', device: 'mobile' },
      { module: 3, action: 302, created: '2026-03-12T10:00:00.000Z', actionId: 'conf:fz-2', actionLabel: 'kiosk' },
      { module: 7, action: 5, created: '2026-03-13T10:00:00.000Z', actionLabel: 'kiosk', country: 'CH' },
      { module: 3, action: 2, created: '2026-01-20T10:00:00.000Z', actionId: 'conf:fz-3', actionLabel: 'shop' },
    ];
    await ingest(t, TENANT, seed);
    await ingest(t, OTHER, [
      { module: 3, action: 2, created: '2026-03-10T10:00:00.000Z', actionId: `conf:${SECRET}`, actionLabel: SECRET, device: 'tenant-two-device', actionParameter: SECRET, userId: `u-${SECRET}`, configuration: { thumbnail: `https://${SECRET}.example/t.png` } },
      { module: 3, action: 1, created: '2026-03-11T10:00:00.000Z', actionId: `conf:${SECRET}`, actionLabel: SECRET, country: 'JP' },
    ]);
    await putUser(t, 'u-fz', 'fz@example.com', true);
    await putUser(t, `u-${SECRET}`, `${SECRET}@example.com`, true);
    otherRows = await rowsOf(OTHER);
  }, 60_000);

  afterAll(async () => {
    console.log(`fuzz cases run: ${tally.cases} (planned ${tally.planned})`);
    await t?.close();
  });

  describe('named hostile inputs on the read routes (before any fuzzed write)', () => {
    const sqli = tally.table(SQLI.map((s) => [s] as [string]));

    it.each(sqli)('SQL injection %j as configuratorId matches nothing (JSON and CSV) and leaks nothing', async (s) => {
      tally.cases++;
      const q = `configuratorId=${enc(s)}&from=${RANGE_FROM}&to=${RANGE_TO}`;
      const json = await read('configurations', q);
      expectSafe(json, [s]);
      expectRead200('configurations', json, false);
      expect(json.body.meta.total).toBe(0);
      const csv = await read('configurations', `${q}&format=csv`);
      expectSafe(csv, [s]);
      expectRead200('configurations', csv, true);
      expect(parseCsv(csv.text).records).toEqual([]);
      // the same route without the filter still sees tenant 1's seeded configuration rows: the filter narrowed, it did not break
      expect((await read('configurations', `from=${RANGE_FROM}&to=${RANGE_TO}`)).body.meta.total).toBe(4);
    });

    const sqliLists = tally.table(SQLI.map((s) => [s] as [string]));

    it.each(sqliLists)('SQL injection %j in aggregations[], actions[], module and the tenant id → 400 naming each', async (s) => {
      tally.cases++;
      let res = await read('userActionsAggregated', `aggregations[]=${enc(s)}`);
      expectSafe(res, [s]);
      expectNames(res, 400, 'aggregations');
      expect(res.body.message).toContain('country, device, actionLabel, actionId');
      for (const route of ['userActionsAggregated', 'configurations'] as Route[]) {
        res = await read(route, `module=3&actions[]=${enc(s)}`.replace(route === 'configurations' ? 'module=3&' : '', ''));
        expectSafe(res, [s]);
        expectNames(res, 400, 'actions');
      }
      for (const route of ['useractions', 'userActionsAggregated'] as Route[]) {
        res = await read(route, `module=${enc(s)}`);
        expectSafe(res, [s]);
        expectNames(res, 400, 'module');
      }
      for (const route of ROUTES) {
        res = await read(route, '', {}, enc(s));
        expectSafe(res, [s, enc(s)]);
        expectNames(res, 400, 'id');
      }
    });

    const huge = tally.table([
      ['a 100 kB configuratorId', 'configurations', `configuratorId=${HUGE}`],
      ['a 100 kB from', 'useractions', `from=${HUGE}`],
      ['a 100 kB aggregation', 'userActionsAggregated', `aggregations[]=${HUGE}`],
      ['10,000 actions[]', 'userActionsAggregated', `module=3&${'actions[]=1&'.repeat(10_000)}`],
      ['10,000 actions=', 'configurations', 'actions=1&'.repeat(10_000)],
    ] as Array<[string, Route, string]>);

    it.each(huge)('%s on %s → a 4xx (431 from Node for an oversized request line), never a 5xx or a hang', async (_what, route, query) => {
      tally.cases++;
      const res = await read(route, query);
      expectSafe(res);
      expect([400, 414, 431]).toContain(res.status);
    });

    const many = tally.table([
      ['1,000 actions[] (beyond qs parameterLimit)', 'userActionsAggregated', `module=3&${Array.from({ length: 1000 }, (_, i) => `actions[]=${i}`).join('&')}`, 'actions'],
      ['201 indexed actions (beyond qs arrayLimit)', 'configurations', Array.from({ length: 201 }, (_, i) => `actions[${i}]=${i}`).join('&'), 'actions'],
      ['actions[300]=1', 'configurations', 'actions[300]=1', 'actions'],
      ['aggregations nested', 'userActionsAggregated', 'aggregations[a][b]=country', 'aggregations'],
      ['module=2147483648', 'useractions', 'module=2147483648', 'module'],
      ['module=99999999999999999999', 'userActionsAggregated', 'module=99999999999999999999', 'module'],
      ['limit=10001', 'configurations', 'limit=10001', 'limit'],
      ['limit=1e3', 'configurations', 'limit=1e3', 'limit'],
      ['offset=1000000001', 'configurations', 'offset=1000000001', 'offset'],
      ['offset=-0.5', 'configurations', 'offset=-0.5', 'offset'],
      ['action=-1', 'useractions', 'module=3&action=-1', 'action'],
    ] as Array<[string, Route, string, string]>);

    it.each(many)('%s → 400 naming the parameter', async (_what, route, query, param) => {
      tally.cases++;
      const res = await read(route, query);
      expectSafe(res);
      expectNames(res, 400, param);
    });

    const badUtf8 = tally.table(
      ROUTES.flatMap((route): Array<[Route, string, number, string | null]> => [
        [route, 'from=%C3%28', 400, 'from'],
        [route, 'to=%FF', 400, 'to'],
        [route, '%FF=1', 400, '%FF'],
        [route, 'format=%C3%28', 400, 'format'],
        [route, '%E2%82=1', 400, '%E2%82'],
        ...(route === 'configurations'
          ? ([
              [route, 'configuratorId=%C3%28', 200, null],
              [route, 'configuratorId=%FF%FE', 200, null],
              [route, 'actions[]=%ED%A0%80', 400, 'actions'],
            ] as Array<[Route, string, number, string | null]>)
          : ([[route, 'module=%C0%AF', 400, 'module']] as Array<[Route, string, number, string | null]>)),
      ]),
    );

    it.each(badUtf8)('%s?%s (percent-encoded invalid UTF-8) → %d', async (route, query, status, param) => {
      tally.cases++;
      const res = await read(route, query);
      expectSafe(res, [decodeURIComponentSafe(query.split('=')[0])]);
      expect(res.status).toBe(status);
      if (param) expectNames(res, 400, param);
      else expectRead200(route, res, false);
    });

    const badPath = tally.table([
      ['tenants/%C3%28/useractions', 'GET'],
      ['tenants/%FF/userActionsAggregated', 'GET'],
      ['tenants/%ED%A0%80/configurations', 'GET'],
      ['tenants/%FF/useractions', 'POST'],
      ['users/%C3%28', 'PUT'],
      ['users/%FF', 'DELETE'],
      ['modules/%FF/actions/1', 'PUT'],
      ['modules/3/actions/%C3%28', 'PUT'],
    ] as Array<[string, 'GET' | 'POST' | 'PUT' | 'DELETE']>);

    it.each(badPath)('%s (%s, invalid UTF-8 in the path) → 400 JSON', async (path, method) => {
      tally.cases++;
      const res = await call(t, method, `${API}/${path}`, {
        headers: t.auth([TENANT], { ingest: true }),
        body: path.startsWith('users') ? { email: 'a@example.com', statisticsConsent: true } : path.startsWith('modules') ? { name: 'x', configurationAction: false, carriesPartList: false } : undefined,
      });
      expectSafe(res, [path]);
      expect(res.status).toBe(400);
    });

    const pollution = tally.table(
      ROUTES.flatMap((route) =>
        ['__proto__[pwned]=1', 'constructor[prototype][pwned]=1', '__proto__.pwned=1', 'a[__proto__][pwned]=1', 'actions[__proto__][pwned]=1', 'format[__proto__]=csv', 'toString=1&hasOwnProperty=1'].map(
          (q) => [route, q] as [Route, string],
        ),
      ),
    );

    it.each(pollution)('%s?%s (prototype pollution in the query) → no pollution, 200 or 400', async (route, query) => {
      tally.cases++;
      const res = await read(route, query);
      expectSafe(res, ['__proto__', 'a', '__proto__.pwned']);
      expect([200, 400]).toContain(res.status);
      if (res.status === 200) expectRead200(route, res, false);
    });
  });

  describe('read routes: every query parameter', () => {
    it.each(ROUTES.map((r, i) => [r, i] as [Route, number]))('%s: random parameters, spellings and values → 200 exactly when valid, else 400 naming one', async (route, i) => {
      await tally.fuzz(0x5ec0100 + i, 120, queryArb(route), async (params) => {
        const query = params.map(spell).join('&');
        const res = await read(route, query);
        expectSafe(res, params.map((p) => p.key));
        if (expectUrlSize(`${API}/tenants/${TENANT}/${route}?${query}`, res)) return;
        const bad = queryVerdict(route, params);
        if (bad.length === 0) {
          const format = params.find((p) => p.key === 'format');
          expectRead200(route, res, format !== undefined && parsedValue(format) === 'csv');
          const limit = params.find((p) => p.key === 'limit');
          if (route === 'configurations' && res.type?.startsWith('application/json')) {
            expect(res.body.tenantConfigurationStatistics.length).toBeLessThanOrEqual(limit ? Number(parsedValue(limit)) : 1000);
          }
        } else {
          expect(res.status).toBe(400);
          const message = String(res.body.message);
          if (!bad.some((b) => names(message, b))) throw new Error(`400 ${JSON.stringify(message)} names none of ${JSON.stringify(bad)}`);
        }
      });
    }, FUZZ_TIMEOUT);

    it.each(ROUTES.map((r, i) => [r, i] as [Route, number]))('%s: exactly one bad parameter → 400 naming that parameter', async (route, i) => {
      const arb = fc.constantFrom(...Object.keys(PARAMS[route])).chain((key) =>
        fc.record({
          key: fc.constant(key),
          shape: fc.constantFrom<Shape>('scalar', 'scalar', 'scalar', 'nested', 'deep'),
          values: fc.array(invalidValue(PARAMS[route][key]), { minLength: 1, maxLength: 1 }),
        }),
      );
      await tally.fuzz(0x5ec0200 + i, 80, arb, async (p) => {
        const companions = (route === 'useractions' && p.key === 'action') || (route === 'userActionsAggregated' && p.key === 'actions') ? 'module=3&' : '';
        const res = await read(route, companions + spell(p));
        expectSafe(res, [p.key]);
        if (expectUrlSize(`${API}/tenants/${TENANT}/${route}?${companions}${spell(p)}`, res)) return;
        if (acceptable(PARAMS[route][p.key], parsedValue(p))) {
          expectRead200(route, res, parsedValue(p) === 'csv');
        } else {
          expectNames(res, 400, p.key);
        }
      });
    }, FUZZ_TIMEOUT);
  });

  describe('read routes: Accept and ?format=', () => {
    const headerChar = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('a', 'p', 'l', 'i', 'c', 't', 'o', 'n', 'j', 's', 'v', 'x', '/', '*', ',', ';', '=', '.', ' ', 'q', '0', '1') },
      { weight: 1, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
      { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)) },
      { weight: 1, arbitrary: fc.constant('\t') },
    );
    const mediaRange = fc
      .tuple(
        fc.constantFrom('text', 'application', '*', 'image', 'TEXT', 'Application', ''),
        fc.constantFrom('csv', 'json', '*', 'html', 'xml', 'CSV', 'json+ld', ''),
        fc.option(fc.constantFrom('1', '0', '0.5', '0.001', '1.0', '-1', 'NaN', '1e400', '', 'x', '0.9.9'), { freq: 2 }),
        fc.option(fc.constantFrom('charset=utf-8', 'level=1', 'q'), { freq: 4 }),
      )
      .map(([type, sub, q, param]) => `${type}/${sub}${param ? `;${param}` : ''}${q !== null ? `;q=${q}` : ''}`);
    const acceptArb = fc.oneof(
      fc.array(mediaRange, { minLength: 1, maxLength: 4 }).map((rs) => rs.join(', ')),
      fc.string({ unit: headerChar, maxLength: 60 }),
      fc.constantFrom('', ' ', ',', ';;;', '*/*;q=0', 'application/json;q=0, text/csv;q=0', 'text/csv' + ';q=1'.repeat(200), 'text/'.repeat(1000)),
    );

    it.each(ROUTES.map((r, i) => [r, i] as [Route, number]))('%s: any Accept → JSON, CSV or 406; ?format= always wins', async (route, i) => {
      await tally.fuzz(0x5ec0300 + i, 60, fc.tuple(acceptArb, fc.constantFrom('csv', 'json')), async ([accept, format]) => {
        const res = await read(route, `from=${RANGE_FROM}&to=${RANGE_TO}`, { Accept: accept });
        expectSafe(res);
        expect([200, 406]).toContain(res.status);
        if (res.status === 200) expectRead200(route, res, res.type === 'text/csv; charset=utf-8');
        if (accept.trim() && !/json|csv|\*/i.test(accept)) expect(res.status).toBe(406);
        if (!accept.trim()) expect(res.type).toBe('application/json; charset=utf-8');
        const forced = await read(route, `from=${RANGE_FROM}&to=${RANGE_TO}&format=${format}`, { Accept: accept });
        expectSafe(forced);
        expectRead200(route, forced, format === 'csv');
      });
    }, FUZZ_TIMEOUT);
  });

  describe('path parameters', () => {
    const idArb = fc.oneof(
      { weight: 3, arbitrary: hostileString },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 99 }).map(String) },
      { weight: 1, arbitrary: fc.constantFrom('1', '01', '1.0', '1e0', '+1', ' 1', '0', '-1', '9'.repeat(18), '9'.repeat(20), '9007199254740993', '1%00', '.', '..', '1/..', HUGE) },
    );
    /** `.` and `..` are path segments a client may resolve away (404) or send (400). */
    const idVerdict = (s: string): number => {
      if (s === '') return 404;
      if (s === '.' || s === '..') return -1;
      if (/^[1-9]\d{0,17}$/.test(s) && Number.isSafeInteger(Number(s))) return Number(s) === TENANT ? 200 : 403;
      return 400;
    };

    it.each(ROUTES.map((r, i) => [r, i] as [Route, number]))('GET tenants/:id/%s: any id → 200 for the own tenant, 403 for another, 400 naming id', async (route, i) => {
      await tally.fuzz(0x5ec0400 + i, 60, idArb, async (id) => {
        const path = `${API}/tenants/${enc(id)}/${route}`;
        const res = await call(t, 'GET', path, { headers: t.auth([TENANT]) });
        expectSafe(res, [path, id]);
        if (id.length > 10_000) return expect(res.status).toBe(431);
        const expected = idVerdict(id);
        if (expected === -1) return expect([400, 404]).toContain(res.status);
        expect(res.status).toBe(expected);
        if (expected === 400) expect(res.body.message).toMatch(/^id /);
        if (expected === 200) expectRead200(route, res, false);
      });
    }, FUZZ_TIMEOUT);

    it('POST tenants/:id/useractions: any id → 202 for the own tenant, 403 for another (nothing stored), 400 naming id', async () => {
      await tally.fuzz(0x5ec0410, 60, idArb, async (id) => {
        const before = await rowsOf(TENANT);
        const eventId = `fz-id-${++eventSeq}`;
        const path = `${API}/tenants/${enc(id)}/useractions`;
        const res = await call(t, 'POST', path, { headers: ingestHeaders(), body: { userAction: { eventId, module: 3, action: 2, created: '2026-03-19T10:00:00.000Z' } } });
        expectSafe(res, [path, id]);
        if (id.length > 10_000) return expect(res.status).toBe(431);
        const expected = idVerdict(id) === 200 ? 202 : idVerdict(id);
        if (expected === -1) return expect([400, 404]).toContain(res.status);
        expect(res.status).toBe(expected);
        if (expected === 400) expect(res.body.message).toMatch(/^id /);
        expect(await rowsOf(TENANT)).toBe(before + (expected === 202 ? 1 : 0));
        expect(await rowsOf(OTHER)).toBe(otherRows);
      });
    }, FUZZ_TIMEOUT);
  });

  describe('POST tenants/:id/useractions: every body field', () => {
    it('one field of one event set to a hostile value, removed or added → 202 and stored exactly, or 400 naming index and field with nothing stored', async () => {
      const arb = fc.record({ mutation: mutationArb, single: fc.boolean(), size: fc.integer({ min: 1, max: 3 }), at: fc.nat() });
      await tally.fuzz(0x5ec0500, 200, arb, async ({ mutation, single, size, at }) => {
        const run = ++eventSeq;
        const n = single ? 1 : size;
        const index = at % n;
        const events: Array<Record<string, unknown>> = Array.from({ length: n }, (_, j) => ({
          eventId: `fz-b-${run}-${j}`,
          module: 3,
          action: 2,
          created: '2026-03-19T10:00:00.000Z',
          actionId: `conf:fz-b-${run}`,
        }));
        const target = events[index];
        let verdict: Verdict;
        let path = single ? 'userAction' : `userActions[${index}]`;
        switch (mutation.kind) {
          case 'set':
            target[mutation.field] = mutation.value;
            verdict = fieldVerdict(mutation.field, viaJson(mutation.value));
            path += `.${mutation.field}`;
            break;
          case 'delete':
            delete target[mutation.field];
            verdict = fieldVerdict(mutation.field, undefined);
            path += `.${mutation.field}`;
            break;
          case 'config':
            target.configuration = { [mutation.field]: mutation.value };
            verdict = configVerdict(mutation.field, viaJson(mutation.value), single ? 3 : 4);
            path += `.configuration.${mutation.field}`;
            break;
          case 'configuration':
            // only null and a plain object with known fields are a configuration
            target.configuration = mutation.value;
            verdict = mutation.value === null || (isPlainObject(mutation.value) && Object.keys(mutation.value).length === 0) ? 'valid' : 'invalid';
            path += '.configuration';
            break;
          case 'unknown':
            target[mutation.key] = mutation.value;
            verdict = PROTO_KEYS.has(mutation.key) ? 'either' : 'invalid';
            // messages show digit keys as indexes: userActions[0][7]
            path += /^\d+$/.test(mutation.key) ? `[${mutation.key}]` : `.${mutation.key}`;
            break;
          default:
            events[index] = mutation.value as Record<string, unknown>;
            verdict = 'invalid';
        }
        // A value nested too deeply anywhere in the body is refused before anything else looks at it.
        const tooDeep = depth(viaJson(single ? { userAction: events[0] } : { userActions: events })) > 64;
        if (tooDeep) verdict = 'invalid';
        const body = single ? { userAction: events[0] } : { userActions: events };
        const before = await rowsOf(TENANT);
        const res = await call(t, 'POST', `${API}/tenants/${TENANT}/useractions`, { headers: ingestHeaders(), body });
        expectSafe(res, mutation.kind === 'unknown' ? [mutation.key] : []);
        if (verdict === 'valid') expect(res.status).toBe(202);
        else if (verdict === 'invalid') {
          if (res.status === 413) expect(JSON.stringify(body).length).toBeGreaterThan(2 * 1024 * 1024);
          else expect(res.status).toBe(400);
        } else expect([202, 400]).toContain(res.status);

        if (res.status === 202) {
          const ids = events.map((e) => viaJson(e.eventId) as string);
          const dup = ids.filter((id) => storedEventIds.has(id)).length;
          expect(res.body).toEqual({ accepted: n - dup, duplicates: dup });
          expect(await rowsOf(TENANT)).toBe(before + n - dup);
          const id = ids[index];
          if (!storedEventIds.has(id)) await expectStored(target, id, mutation);
          ids.forEach((i) => storedEventIds.add(i));
        } else if (res.status === 400) {
          if (!tooDeep) expectNames(res, 400, path);
          else expect(res.body.message).toMatch(/nested too deeply/);
          expect(await rowsOf(TENANT)).toBe(before);
        }
      });
    }, FUZZ_TIMEOUT);

    /** The stored row (and snapshot) hold exactly what was sent. */
    async function expectStored(sent: Record<string, unknown>, eventId: string, mutation: Mutation): Promise<void> {
      const [row] = await t.dataSource.query(
        `SELECT event_id, module, action, created, country, device, action_label, action_id, action_parameter, user_id FROM user_action WHERE tenant = ? AND event_id = ?`,
        [TENANT, eventId],
      );
      expect(row).toBeDefined();
      for (const f of EVENT_FIELDS) {
        const v = viaJson(sent[f]);
        const got = row[COLUMNS[f]];
        if (f === 'created') expect(toInstant(got).toISOString()).toBe(parseInstant(v)!.toISOString());
        else if (f === 'module' || f === 'action') expect(Number(got)).toBe(v);
        else expect(got).toBe(v ?? null);
      }
      if (mutation.kind === 'config') {
        const [snap] = await t.dataSource.query(
          'SELECT thumbnail, part_list AS partList, plan_combined_ids AS planCombinedIds FROM configuration_snapshot WHERE tenant = ? AND configuration_id = ?',
          [TENANT, sent.actionId],
        );
        const v = viaJson(mutation.value);
        const stored = snap[mutation.field];
        if (mutation.field === 'thumbnail') expect(stored).toBe(v ?? null);
        else expect(stored === null ? null : JSON.parse(stored)).toEqual(v ?? null);
      }
    }

    it('whole bodies of any JSON shape, top-level scalars and other content types → 4xx, nothing stored', async () => {
      const bodyArb = fc.oneof(
        fc.jsonValue({ maxDepth: 4 }).map((v) => ({ raw: JSON.stringify(v) ?? 'null', type: 'application/json' })),
        fc.dictionary(fc.constantFrom('userActions', 'userAction', 'events', '__proto__', 'constructor'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }).map((v) => ({ raw: JSON.stringify(v), type: 'application/json' })),
        fc.constantFrom(
          { raw: JSON.stringify({ userActions: [] }), type: 'application/json' },
          { raw: JSON.stringify({ userActions: Array.from({ length: 1001 }, (_, i) => ({ eventId: `x${i}`, module: 3, action: 1, created: '2026-03-19T10:00:00.000Z' })) }), type: 'application/json' },
          { raw: JSON.stringify({ userActions: Array.from({ length: 10_000 }, (_, i) => ({ eventId: `y${i}`, module: 3, action: 1, created: '2026-03-19T10:00:00.000Z' })) }), type: 'application/json' },
          { raw: JSON.stringify({ userActions: [{ eventId: 'both', module: 3, action: 1, created: '2026-03-19T10:00:00.000Z' }], userAction: { eventId: 'both2', module: 3, action: 1, created: '2026-03-19T10:00:00.000Z' } }), type: 'application/json' },
          { raw: `{"userActions":${'['.repeat(5000)}${']'.repeat(5000)}}`, type: 'application/json' },
          { raw: `{"userAction":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`, type: 'application/json' },
          { raw: JSON.stringify({ userAction: { eventId: 'big', module: 3, action: 1, created: '2026-03-19T10:00:00.000Z', actionParameter: 'p'.repeat(3 * 1024 * 1024) } }), type: 'application/json' },
          { raw: 'userAction[eventId]=f&userAction[module]=3', type: 'application/x-www-form-urlencoded' },
          { raw: '{"userAction":{}}', type: 'text/plain' },
          { raw: '{"userAction":{}}', type: 'application/json; charset=latin1' },
          { raw: '', type: 'application/json' },
          { raw: '{', type: 'application/json' },
          { raw: '{"userAction":{"eventId":"dup","eventId":"dup2"}}', type: 'application/json' },
          { raw: '\uFEFF{"userActions":[]}', type: 'application/json' },
        ),
      );
      await tally.fuzz(0x5ec0510, 80, bodyArb, async ({ raw, type }) => {
        const before = await rowsOf(TENANT);
        const res = await call(t, 'POST', `${API}/tenants/${TENANT}/useractions`, { headers: ingestHeaders(), raw, contentType: type });
        expectSafe(res, ['__proto__', 'constructor', 'events', 'userActions', 'userAction']);
        expect([400, 413, 415]).toContain(res.status);
        if (res.status === 413) expect(Buffer.byteLength(raw)).toBeGreaterThan(2 * 1024 * 1024);
        expect(await rowsOf(TENANT)).toBe(before);
      });
    }, FUZZ_TIMEOUT);

    it('raw bytes that are not UTF-8 (0xC3 0x28, 0xFF, surrogates, overlong forms) inside strings and between tokens → 202 with U+FFFD or 400, never 5xx', async () => {
      const bytesArb = fc.oneof(
        fc.constantFrom([0xc3, 0x28], [0xff], [0xfe, 0xff], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80]),
        fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => [...a]),
      );
      const arb = fc.record({ id: bytesArb, label: bytesArb, where: fc.constantFrom('strings', 'structure') });
      await tally.fuzz(0x5ec0520, 80, arb, async ({ id, label, where }) => {
        const run = ++eventSeq;
        const parts =
          where === 'strings'
            ? [
                Buffer.from(`{"userAction":{"eventId":"fz-u-${run}-`),
                Buffer.from(id),
                Buffer.from('","module":3,"action":2,"created":"2026-03-19T10:00:00.000Z","actionLabel":"'),
                Buffer.from(label),
                Buffer.from('"}}'),
              ]
            : [Buffer.from('{'), Buffer.from(id), Buffer.from(`"userAction":{"eventId":"fz-u-${run}","module":3,"action":2,"created":"2026-03-19T10:00:00.000Z"}`), Buffer.from(label), Buffer.from('}')];
        const raw = Buffer.concat(parts);
        let parsed: any;
        try {
          // what the server reads: the bytes decoded as UTF-8 (invalid sequences → U+FFFD), then JSON
          parsed = JSON.parse(raw.toString('utf8'));
        } catch {
          parsed = undefined;
        }
        const before = await rowsOf(TENANT);
        const res = await call(t, 'POST', `${API}/tenants/${TENANT}/useractions`, { headers: ingestHeaders(), raw });
        expectSafe(res, [raw.toString('utf8')]);
        const e = parsed?.userAction;
        const valid =
          isPlainObject(parsed) &&
          Object.keys(parsed).length === 1 &&
          isPlainObject(e) &&
          Object.keys(e).every((k) => EVENT_FIELDS.includes(k)) &&
          EVENT_FIELDS.every((f) => fieldVerdict(f, e[f]) === 'valid');
        if (parsed === undefined) {
          expect(res.status).toBe(400);
          expect(res.body.message).toBe('Request body is not valid JSON');
        } else if (valid) {
          const eventId = e.eventId as string;
          const accepted = storedEventIds.has(eventId) ? 0 : 1;
          expect(res.status).toBe(202);
          expect(res.body).toEqual({ accepted, duplicates: 1 - accepted });
          const [row] = await t.dataSource.query('SELECT event_id AS eventId, action_label AS actionLabel FROM user_action WHERE tenant = ? AND event_id = ?', [TENANT, eventId]);
          expect(row).toEqual({ eventId, actionLabel: e.actionLabel ?? null });
          storedEventIds.add(eventId);
        } else {
          expect(res.status).toBe(400);
          expect(await rowsOf(TENANT)).toBe(before);
        }
      });
    }, FUZZ_TIMEOUT);

    const pollution = tally.table([
      ['__proto__ at the root', '{"__proto__":{"pwned":true},"userAction":{"eventId":"pp-1","module":3,"action":2,"created":"2026-03-19T10:00:00.000Z"}}'],
      ['__proto__ in an event', '{"userAction":{"eventId":"pp-2","module":3,"action":2,"created":"2026-03-19T10:00:00.000Z","__proto__":{"pwned":true}}}'],
      ['constructor.prototype in an event', '{"userActions":[{"eventId":"pp-3","module":3,"action":2,"created":"2026-03-19T10:00:00.000Z","constructor":{"prototype":{"pwned":true}}}]}'],
      ['__proto__ in the configuration', '{"userAction":{"eventId":"pp-4","module":3,"action":2,"created":"2026-03-19T10:00:00.000Z","actionId":"conf:pp","configuration":{"__proto__":{"pwned":true}}}}'],
      ['__proto__ inside a part list', '{"userAction":{"eventId":"pp-5","module":3,"action":2,"created":"2026-03-19T10:00:00.000Z","actionId":"conf:pp","configuration":{"partList":{"__proto__":{"pwned":true},"constructor":{"prototype":{"pwned":true}}}}}}'],
    ]);

    it.each(pollution)('prototype pollution: %s → no pollution; 202 or 400', async (_what, raw) => {
      tally.cases++;
      const res = await call(t, 'POST', `${API}/tenants/${TENANT}/useractions`, { headers: ingestHeaders(), raw });
      expectSafe(res, ['__proto__', 'constructor']);
      expect([202, 400]).toContain(res.status);
      // the part list is data: stored and answered as sent, never applied to an object
      const answer = await read('configurations', `from=${RANGE_FROM}&to=${RANGE_TO}&limit=10000`);
      expectSafe(answer);
      expect(answer.status).toBe(200);
    });
  });

  describe('user directory: PUT and DELETE users/:userId', () => {
    const userIdArb = fc.oneof(
      { weight: 4, arbitrary: hostileString },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 255 }) },
      { weight: 1, arbitrary: fc.constantFrom('x'.repeat(255), 'x'.repeat(256), '😀'.repeat(128), '%', '_', 'u-fz ', 'U-FZ', '..', '.') },
    );
    const userIdVerdict = (id: string): number => (id === '' ? 404 : id.length <= 255 ? 200 : 400);
    const KNOWN_EMAILS = ['a@example.com', '-2+3@example.com', '=cmd@example.com', '+1@example.com', "o'hara@example.com", `${'a'.repeat(64)}@${'b'.repeat(60)}.example.com`];
    const emailArb = fc.oneof(
      fc.constantFrom(...KNOWN_EMAILS),
      fc.emailAddress(),
      hostileString,
      fc.constantFrom(HUGE, `${'a'.repeat(310)}@example.com`),
      anyValue,
    );
    const bodyArb = fc.record({
      email: fc.option(emailArb, { freq: 8 }),
      statisticsConsent: fc.option(fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: anyValue }), { freq: 8 }),
      extra: fc.option(fc.tuple(fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), fc.constantFrom('userId', 'constructor', 'updated')), anyValue), { freq: 6 }),
    });

    it('PUT users/:userId with any id and body → 200 and stored exactly, or 400 naming the field', async () => {
      await tally.fuzz(0x5ec0600, 120, fc.record({ id: userIdArb, body: bodyArb }), async ({ id, body }) => {
        const sent: Record<string, unknown> = {};
        if (body.email !== null) sent.email = body.email;
        if (body.statisticsConsent !== null) sent.statisticsConsent = body.statisticsConsent;
        if (body.extra) sent[body.extra[0]] = body.extra[1];
        const path = `${API}/users/${enc(id)}`;
        const res = await call(t, 'PUT', path, { headers: ingestHeaders(), body: sent });
        expectSafe(res, [path, id, ...(body.extra ? [body.extra[0]] : [])]);
        if (id.length > 10_000) return expect(res.status).toBe(431);
        const email = viaJson(sent.email);
        const consent = viaJson(sent.statisticsConsent);
        const bad = [
          ...(body.extra !== null && !PROTO_KEYS.has(body.extra[0]) ? [body.extra[0]] : []),
          ...(typeof consent === 'boolean' ? [] : ['statisticsConsent']),
          ...(typeof email === 'string' && codePoints(email) <= 320 && email.includes('@') ? [] : ['email']),
          ...(id.length <= 255 ? [] : ['userId']),
        ];
        if (id === '') return expect(res.status).toBe(404);
        if (res.status === 200) {
          expect(bad).toEqual([]);
          expect(res.body).toEqual({ userId: id, email, statisticsConsent: consent });
          const [row] = await t.dataSource.query('SELECT email, statistics_consent AS c FROM directory_user WHERE user_id = ?', [id]);
          expect({ email: row.email, c: Number(row.c) }).toEqual({ email, c: consent ? 1 : 0 });
        } else {
          expect(res.status).toBe(400);
          // an e-mail that merely looks like one may still fail IsEmail: then `email` is named
          if (bad.length === 0 && KNOWN_EMAILS.includes(email as string)) throw new Error(`valid PUT answered ${res.status} ${res.text}`);
          const candidates = bad.length ? bad : ['email'];
          if (!candidates.some((c) => names(res.body.message, c))) throw new Error(`${res.body.message} names none of ${candidates}`);
        }
      });
    }, FUZZ_TIMEOUT);

    it('DELETE users/:userId with any id → 204 (idempotent), 400 naming userId, or 404 for an empty id; only that user is gone', async () => {
      await tally.fuzz(0x5ec0610, 100, userIdArb, async (id) => {
        const [{ n: before }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM directory_user WHERE user_id <> ?', [id]);
        const path = `${API}/users/${enc(id)}`;
        const res = await call(t, 'DELETE', path, { headers: ingestHeaders() });
        expectSafe(res, [path, id]);
        if (id.length > 10_000) return expect(res.status).toBe(431);
        const expected = userIdVerdict(id) === 200 ? 204 : userIdVerdict(id);
        expect(res.status).toBe(expected);
        if (expected === 400) expectNames(res, 400, 'userId');
        if (expected === 204) {
          expect(res.text).toBe('');
          const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM directory_user WHERE user_id = ?', [id]);
          expect(Number(n)).toBe(0);
        }
        const [{ n: after }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM directory_user WHERE user_id <> ?', [id]);
        expect(Number(after)).toBe(Number(before));
      });
    }, FUZZ_TIMEOUT);

    const sqliUsers = tally.table(SQLI.filter((s) => s !== '').map((s) => [s] as [string]));

    it.each(sqliUsers)('SQL injection %j as userId is stored and erased as that id only', async (s) => {
      tally.cases++;
      await putUser(t, 'u-bystander', 'bystander@example.com', true);
      // (the id may exist already: the PUT fuzz above draws from the same list)
      const [{ n: others }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM directory_user WHERE user_id <> ?', [s]);
      const put = await call(t, 'PUT', `${API}/users/${enc(s)}`, { headers: ingestHeaders(), body: { email: 'sqli@example.com', statisticsConsent: true } });
      expectSafe(put, [s]);
      expect(put.status).toBe(200);
      const rows = await t.dataSource.query('SELECT user_id AS id FROM directory_user WHERE email = ?', ['sqli@example.com']);
      expect(rows).toEqual([{ id: s }]);
      const del = await call(t, 'DELETE', `${API}/users/${enc(s)}`, { headers: ingestHeaders() });
      expectSafe(del, [s]);
      expect(del.status).toBe(204);
      const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM directory_user');
      expect(Number(n)).toBe(Number(others));
      expect(await t.dataSource.query('SELECT user_id FROM directory_user WHERE user_id = ?', [s])).toEqual([]);
      expect(await t.dataSource.query('SELECT email FROM directory_user WHERE user_id = ?', ['u-bystander'])).toEqual([{ email: 'bystander@example.com' }]);
    });
  });

  describe('CSV formula cells', () => {
    const formulaString = fc
      .tuple(fc.constantFrom('=', '+', '-', '@', '\t', '\r', '', ' =', "'", '"='), fc.string({ unit: 'binary', maxLength: 20 }))
      .map(([head, rest]) => head + rest);
    const neutral = (v: string) => (FORMULA.test(v) ? `'${v}` : v);

    it('strings that reach CSV cells come out with a leading apostrophe when a spreadsheet would run them, else unchanged', async () => {
      const arb = fc.record({ label: formulaString, device: formulaString, actionId: formulaString, parameter: formulaString, thumbnail: formulaString });
      await tally.fuzz(0x5ec0900, 60, arb, async ({ label, device, actionId, parameter, thumbnail }) => {
        const run = ++eventSeq;
        const uniqueLabel = `${label}#${run}`;
        const uniqueId = `${actionId}#${run}`;
        const created = '2026-03-19T10:00:00.000Z';
        const post = await call(t, 'POST', `${API}/tenants/${TENANT}/useractions`, {
          headers: ingestHeaders(),
          body: { userAction: { eventId: `fz-csv-${run}`, module: 3, action: 2, created, actionLabel: uniqueLabel, device, actionId: uniqueId, actionParameter: parameter, configuration: { thumbnail } } },
        });
        expectSafe(post);
        expect(post.status).toBe(202);

        const q = `from=${RANGE_FROM}&to=${RANGE_TO}&configuratorId=${enc(uniqueLabel)}`;
        const csv = await read('configurations', `${q}&format=csv`);
        expectSafe(csv);
        expectRead200('configurations', csv, true);
        const { records } = parseCsv(csv.text);
        expect(records).toHaveLength(1);
        expect(records[0]).toMatchObject({ thumbnail: neutral(thumbnail), actionParameter: neutral(parameter), action: 'Save', created });
        expect(String(records[0].link)).toMatch(/^https:\/\//);
        // JSON carries the values unchanged
        const json = await read('configurations', q);
        expect(json.body.tenantConfigurationStatistics[0]).toMatchObject({ thumbnail, actionParameter: parameter });

        const agg = await read('userActionsAggregated', `module=3&actions[]=2&from=${RANGE_FROM}&to=${RANGE_TO}&aggregations[]=actionLabel&aggregations[]=device&aggregations[]=actionId&format=csv`);
        expectSafe(agg);
        expectRead200('userActionsAggregated', agg, true);
        const mine = parseCsv(agg.text).records.filter((r) => r.actionLabel === neutral(uniqueLabel));
        expect(mine).toEqual([{ module: 3, action: 2, tenant: TENANT, count: 1, aggregationLevel: 0, actionLabel: neutral(uniqueLabel), device: neutral(device), actionId: neutral(uniqueId) }]);
      });
    }, FUZZ_TIMEOUT);

    const sources = tally.table([
      ['a catalog action name', '=SUM(1+1)'],
      ['a catalog action name', '@cmd'],
      ['a consenting user\u2019s e-mail', '-2+3@example.com'],
      ['a consenting user\u2019s e-mail', '=x@example.com'],
      ['a consenting user\u2019s e-mail', '+1@example.com'],
    ]);

    it.each(sources)('%s %j is neutralised in the configurations CSV', async (what, value) => {
      tally.cases++;
      const run = ++eventSeq;
      const user = `u-formula-${run}`;
      if (what.startsWith('a catalog')) {
        const put = await call(t, 'PUT', `${API}/modules/${4000 + run}/actions/1`, { headers: ingestHeaders(), body: { name: value, configurationAction: true, carriesPartList: false } });
        expect(put.status).toBe(200);
      } else {
        await putUser(t, user, value, true);
      }
      const module = what.startsWith('a catalog') ? 4000 + run : 3;
      const post = await call(t, 'POST', `${API}/tenants/${TENANT}/useractions`, {
        headers: ingestHeaders(),
        body: { userAction: { eventId: `fz-src-${run}`, module, action: what.startsWith('a catalog') ? 1 : 2, created: '2026-03-19T11:00:00.000Z', actionId: `conf:src-${run}`, actionLabel: `src-${run}`, userId: user } },
      });
      expect(post.status).toBe(202);
      const csv = await read('configurations', `from=${RANGE_FROM}&to=${RANGE_TO}&configuratorId=src-${run}&format=csv`);
      expectRead200('configurations', csv, true);
      const { records } = parseCsv(csv.text);
      expect(records).toHaveLength(1);
      expect(records[0][what.startsWith('a catalog') ? 'action' : 'userEmail']).toBe(`'${value}`);
      expect(csv.text).not.toMatch(new RegExp(`(^|,)"${escapeRegExp(value)}`, 'm'));
    });
  });

  describe('health', () => {
    it.each([
      ['live', 0x5ec0800],
      ['ready', 0x5ec0801],
    ] as Array<[string, number]>)('GET health/%s with any query and Accept → 200 JSON, no token needed', async (which, seed) => {
      await tally.fuzz(seed, 100, fc.record({ query: queryArb('useractions'), accept: fc.constantFrom('text/csv', 'image/png', '', '*/*', 'application/json') }), async ({ query, accept }) => {
        const url = `${API}/health/${which}${query.length ? `?${query.map(spell).join('&')}` : ''}`;
        const res = await call(t, 'GET', url, { headers: { Accept: accept } });
        expectSafe(res);
        if (expectUrlSize(url, res)) return;
        expect(res.status).toBe(200);
        expect(res.body.status).toBe('ok');
        if (which === 'ready') expect(res.body.database).toBe(t.config.database.type);
      });
    });
  });

  describe('catalog: GET modules and PUT modules/:module/actions/:action', () => {
    it('GET modules with any query and Accept → 200 JSON catalog', async () => {
      await tally.fuzz(0x5ec0700, 100, fc.record({ query: queryArb('configurations'), accept: fc.oneof(fc.constantFrom('text/csv', 'image/png', '', '*/*'), hostileString.filter((s) => /^[\t\x20-\x7e]*$/.test(s))) }), async ({ query, accept }) => {
        const url = `${API}/modules${query.length ? `?${query.map(spell).join('&')}` : ''}`;
        const res = await call(t, 'GET', url, { headers: { ...t.auth([]), Accept: accept } });
        expectSafe(res);
        if (expectUrlSize(url, res)) return;
        expect(res.status).toBe(200);
        expect(res.type).toBe('application/json; charset=utf-8');
        expect(res.body.modules.find((m: { id: number }) => m.id === 3).name).toBe('configurator');
      });
    }, FUZZ_TIMEOUT);

    const idArb = fc.oneof(
      { weight: 3, arbitrary: hostileString },
      { weight: 2, arbitrary: fc.integer({ min: 1000, max: INT32_MAX }).map(String) },
      { weight: 1, arbitrary: fc.constantFrom('-0', '0001000', String(INT32_MAX), String(INT32_MAX + 1), '9'.repeat(20), '1e3', '1.5', '-1', '0x10', ' 1000', '1000 ', '0b11', HUGE) },
    );
    const idOk = (s: string) => /^\d{1,10}$/.test(s) && Number(s) <= INT32_MAX;
    const entryArb = fc.record({
      name: fc.option(fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 128 }), hostileString, fc.constant('a\uFE0F'.repeat(100)), anyValue), { freq: 8 }),
      configurationAction: fc.option(fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: anyValue }), { freq: 8 }),
      carriesPartList: fc.option(fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: anyValue }), { freq: 8 }),
      moduleName: fc.option(fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }), fc.constant(''), fc.constant('m'.repeat(65)), anyValue), { freq: 2 }),
    });

    it('PUT modules/:module/actions/:action with any ids and body → 200 and listed, or 400 naming the field', async () => {
      await tally.fuzz(0x5ec0710, 120, fc.record({ module: idArb, action: idArb, entry: entryArb }), async ({ module, action, entry }) => {
        const body: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(entry)) if (v !== null) body[k] = v;
        const path = `${API}/modules/${enc(module)}/actions/${enc(action)}`;
        const res = await call(t, 'PUT', path, { headers: ingestHeaders(), body });
        expectSafe(res, [path, module, action]);
        if (module.length > 10_000 || action.length > 10_000) return expect(res.status).toBe(431);
        if (module === '' || action === '') return expect(res.status).toBe(404);
        const name = viaJson(body.name);
        const moduleName = viaJson(body.moduleName);
        const bad = [
          ...(idOk(module) ? [] : ['module']),
          ...(idOk(action) ? [] : ['action']),
          ...(strOk(name, [1, 128]) ? [] : ['name']),
          ...(typeof viaJson(body.configurationAction) === 'boolean' ? [] : ['configurationAction']),
          ...(typeof viaJson(body.carriesPartList) === 'boolean' ? [] : ['carriesPartList']),
          ...(moduleName === undefined || moduleName === null || strOk(moduleName, [1, 64]) ? [] : ['moduleName']),
        ];
        if (bad.length === 0) {
          expect(res.status).toBe(200);
          const m = Number(module);
          const a = Number(action);
          expect(res.body).toMatchObject({ module: m, action: a, name });
          const catalog = await call(t, 'GET', `${API}/modules`, { headers: t.auth([]) });
          const listed = catalog.body.modules.find((x: { id: number }) => x.id === m)?.actions.find((x: { action: number }) => x.action === a);
          expect(listed).toEqual({ action: a, name, configurationAction: viaJson(body.configurationAction), carriesPartList: viaJson(body.carriesPartList) });
        } else {
          expect(res.status).toBe(400);
          if (!bad.some((b) => names(res.body.message, b))) throw new Error(`${res.body.message} names none of ${bad}`);
        }
      });
    }, FUZZ_TIMEOUT);
  });

  describe('regressions: inputs that answered 500 (or were wrongly accepted) before the fixes of issue 6', () => {
    const event = (extra: Record<string, unknown> = {}) => ({ eventId: `fz-r-${++eventSeq}`, module: 3, action: 2, created: '2026-03-19T10:00:00.000Z', actionId: `conf:fz-r-${eventSeq}`, ...extra });
    const fe = (n: number) => 'a\uFE0F'.repeat(n);
    const deep = (n: number) => `${'{"a":'.repeat(n)}{}${'}'.repeat(n)}`;

    const bodies = tally.table([
      ['userActions: [[]] (was a TypeError, 500)', () => JSON.stringify({ userActions: [[]] }), 'userActions[0]'],
      ['userActions: [event, [event]]', () => JSON.stringify({ userActions: [event(), [event()]] }), 'userActions[1]'],
      ['configuration: [] (was stored as an empty snapshot)', () => JSON.stringify({ userActions: [event({ configuration: [] })] }), 'userActions[0].configuration'],
      ['configuration: [{ thumbnail }]', () => JSON.stringify({ userAction: event({ configuration: [{ thumbnail: 'x' }] }) }), 'userAction.configuration'],
      ['a part list nested 5000 levels (stack overflow, 500)', () => `{"userAction":${JSON.stringify(event()).slice(0, -1)},"configuration":{"partList":${deep(5000)}}}}`, 'userAction.configuration.partList'],
      ['an unknown field nested 5000 levels', () => `{"userActions":[${JSON.stringify(event()).slice(0, -1)},"x":${deep(5000)}}]}`, 'userActions[0].x'],
      ['arrays nested 5000 levels', () => `{"userActions":${'['.repeat(5000)}${']'.repeat(5000)}}`, 'userActions[0]'],
      ...(
        [
          ['eventId', 64],
          ['device', 32],
          ['actionLabel', 255],
          ['actionId', 255],
          ['actionParameter', 1024],
          ['userId', 255],
        ] as Array<[string, number]>
      ).map(([field, max]): [string, () => string, string] => [
        `${field}: "a\\uFE0F" × ${max} (counted as ${max} characters, ${2 * max} in the column: 500 on MySQL)`,
        () => JSON.stringify({ userActions: [event({ [field]: fe(max) })] }),
        `userActions[0].${field}`,
      ]),
      ['configuration.thumbnail: "a\\uFE0F" × 2048', () => JSON.stringify({ userAction: event({ configuration: { thumbnail: fe(2048) } }) }), 'userAction.configuration.thumbnail'],
      ['planCombinedIds: ["a\\uFE0F" × 255]', () => JSON.stringify({ userAction: event({ configuration: { planCombinedIds: [fe(255)] } }) }), 'userAction.configuration.planCombinedIds'],
    ] as Array<[string, () => string, string]>);

    it.each(bodies)('POST useractions with %s → 400 naming the field, nothing stored', async (_what, body, path) => {
      tally.cases++;
      const before = await rowsOf(TENANT);
      const res = await call(t, 'POST', `${API}/tenants/${TENANT}/useractions`, { headers: ingestHeaders(), raw: body() });
      expectSafe(res, ['x']);
      expectNames(res, 400, path);
      expect(await rowsOf(TENANT)).toBe(before);
    });

    tally.planned++;
    it('1000 plan ids of 255 characters (~260 kB: overflowed MySQL TEXT with a 500) are stored intact', async () => {
      tally.cases++;
      const ids = Array.from({ length: 1000 }, (_, i) => String(i).padEnd(255, 'x'));
      const e = event({ configuration: { planCombinedIds: ids } });
      const res = await call(t, 'POST', `${API}/tenants/${TENANT}/useractions`, { headers: ingestHeaders(), raw: JSON.stringify({ userAction: e }) });
      expectSafe(res, ['x']);
      expect(res.status).toBe(202);
      const [row] = await t.dataSource.query('SELECT plan_combined_ids AS p FROM configuration_snapshot WHERE tenant = ? AND configuration_id = ?', [TENANT, e.actionId]);
      expect(JSON.parse(String(row.p))).toEqual(ids);
    });

    const directory = tally.table([
      ['PUT users/u-deep with an unknown field nested 5000 levels', 'PUT', 'users/u-deep', `{"email":"a@example.com","statisticsConsent":true,"x":${deep(5000)}}`, 'x'],
      ['PUT modules/9100/actions/1 with an unknown field nested 5000 levels', 'PUT', 'modules/9100/actions/1', `{"name":"n","configurationAction":false,"carriesPartList":false,"x":${deep(5000)}}`, 'x'],
      ['PUT modules/9100/actions/1 with name "a\\uFE0F" × 128', 'PUT', 'modules/9100/actions/1', JSON.stringify({ name: fe(128), configurationAction: false, carriesPartList: false }), 'name'],
      ['PUT modules/9100/actions/1 with moduleName "a\\uFE0F" × 64', 'PUT', 'modules/9100/actions/1', JSON.stringify({ name: 'n', moduleName: fe(64), configurationAction: false, carriesPartList: false }), 'moduleName'],
      ...['0x10', '1e3', '%207', '7%20', '-0', '+7', '0b11', '1.0'].map((m): [string, string, string, string, string] => [
        `PUT modules/${m}/actions/1 (was parsed as a number and written)`,
        'PUT',
        `modules/${m}/actions/1`,
        JSON.stringify({ name: 'n', configurationAction: false, carriesPartList: false }),
        'module',
      ]),
      ['PUT modules/9100/actions/0x1', 'PUT', 'modules/9100/actions/0x1', JSON.stringify({ name: 'n', configurationAction: false, carriesPartList: false }), 'action'],
    ] as Array<[string, 'PUT', string, string, string]>);

    it.each(directory)('%s → 400 naming the field, nothing written', async (_what, method, path, body, param) => {
      tally.cases++;
      const [{ n: before }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM catalog_action');
      const res = await call(t, method, `${API}/${path}`, { headers: ingestHeaders(), raw: body });
      expectSafe(res, ['x']);
      expectNames(res, 400, param);
      const [{ n: after }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM catalog_action');
      expect(Number(after)).toBe(Number(before));
      expect(await t.dataSource.query("SELECT user_id FROM directory_user WHERE user_id = 'u-deep'")).toEqual([]);
    });
  });

  it('never wrote into tenant 2, and every table still answers', async () => {
    expect(await rowsOf(OTHER)).toBe(otherRows);
    await t.fold();
    for (const table of ['user_action', 'configuration_snapshot', 'directory_user', 'catalog_action', 'catalog_module', 'stat_day', 'stat_hour', 'stat_day_cd', 'stat_day_label', 'stat_day_lc', 'stat_day_lcd']) {
      expect(await count(t, table)).toBeGreaterThan(0);
    }
    const [{ email }] = await t.dataSource.query('SELECT email FROM directory_user WHERE user_id = ?', [`u-${SECRET}`]);
    expect(email).toBe(`${SECRET}@example.com`);
  });

  it('fuzz cases run: every planned case ran', () => {
    console.log(`fuzz cases run: ${tally.cases}`);
    expect(tally.cases).toBe(tally.planned);
  });
});
