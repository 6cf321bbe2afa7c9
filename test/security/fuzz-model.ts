import fc from 'fast-check';
import { DateTime } from 'luxon';
import { parseInstant } from '../../src/common/field.decorators';
import { parseCsv, Route } from '../support/fixtures';
import { INT32_MAX, Reply } from './support';

/**
 * The model of the fuzz suite (./fuzz.e2e-spec.ts): the fixed "now" and tenants, hostile values,
 * the fast-check generators of query parameters, event fields and body mutations, and the oracle
 * of what the contract and docs/api.md allow for each (valid, invalid, or either); plus the
 * tally of planned and run cases. The spec holds only the describe/it blocks.
 */

export const NOW = new Date('2026-03-20T12:00:00.000Z');
export const DAY_MS = 86_400_000;
export const TENANT = 1;
export const OTHER = 2;
/** Every value tenant 2 stores carries this; no answer for tenant 1 may contain it. */
export const SECRET = 'tenant-two-secret';
export const AGGREGATIONS = ['country', 'device', 'actionLabel', 'actionId'];
export const ROUTES: Route[] = ['useractions', 'userActionsAggregated', 'configurations'];
export const RANGE_FROM = '2026-01-01T00:00:00.000Z';
export const RANGE_TO = '2026-04-01T00:00:00.000Z';
export const FORMULA = /^[=+\-@\t\r]/;
export const HUGE = 'x'.repeat(100_000);
export const HUGE_WIDE = '€'.repeat(50_000);

/** Per fuzz test: well above its usual run time, so a slow database shows as slow, not as a failure. */
export const FUZZ_TIMEOUT = 150_000;

/**
 * How many fuzz cases were planned and how many ran: every fc.assert run and every hand-picked
 * case counts, and the suite's last test checks that every planned case ran.
 */
export class FuzzTally {
  cases = 0;
  planned = 0;

  /** fc.assert with a fixed seed; every run counts as one fuzz case. */
  async fuzz<T>(seed: number, numRuns: number, arb: fc.Arbitrary<T>, check: (v: T) => Promise<void>): Promise<void> {
    this.planned += numRuns;
    await fc.assert(
      fc.asyncProperty(arb, async (v) => {
        this.cases++;
        await check(v);
      }),
      // A failure still reports its (partly shrunk) counterexample when shrinking runs long.
      { seed, numRuns, interruptAfterTimeLimit: 100_000, markInterruptAsFailure: true },
    );
  }

  /** Hand-picked cases (it.each tables) count as fuzz cases too: planned when the table is defined. */
  table<T>(rows: T[]): T[] {
    this.planned += rows.length;
    return rows;
  }
}

/** Node answers 431 itself when the request line and headers exceed 16 KiB (its max header size). */
export const URL_LIMIT = 16_384;
export function expectUrlSize(url: string, res: Reply): boolean {
  if (url.length > URL_LIMIT) {
    expect(res.status).toBe(431);
    return true;
  }
  if (res.status === 431) expect(url.length).toBeGreaterThan(URL_LIMIT - 1500);
  return res.status === 431;
}

// ---------------------------------------------------------------------------------------------
// Hostile values

export const SQLI = [
  "' OR 1=1 --",
  "' OR '1'='1",
  '1; DROP TABLE user_action',
  '1; DROP TABLE user_action; --',
  'country) --',
  'country, (SELECT email FROM directory_user) --',
  "' UNION SELECT email, 1, 1 FROM directory_user --",
  '" OR ""="',
  "shop' --",
  "%' OR '%'='",
  '1) OR (1=1',
  "'; DELETE FROM directory_user; --",
  "1' AND SLEEP(5) --",
  "' AND 1=(SELECT COUNT(*) FROM sqlite_master) --",
  '\\',
  "'",
  '`',
  '--',
  '/*',
];
export const FORMULAS = ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1', '=HYPERLINK("https://evil.example","x")', "=cmd|' /C calc'!A0", '-2+3'];
export const ODD = [
  '',
  ' ',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9'.repeat(30),
  '-1',
  '2147483648',
  '1.5',
  '0x10',
  'true',
  '[]',
  '{}',
  '%00',
  '\u0000',
  '\u202e',
  '\ufeff',
  'A\u0300',
  'a\uFE0F',
  '😀',
  '\r\n',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  '__proto__',
  'constructor',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 3, arbitrary: fc.constantFrom(...SQLI) },
  { weight: 2, arbitrary: fc.constantFrom(...FORMULAS) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD) },
);

export const codePoints = (s: string) => [...s].length;
/** class-validator's (validator.js isLength) count: a character followed by U+FE0E/U+FE0F counts once. */
export const validatorLength = (s: string) => codePoints(s) - (s.match(/[^\uFE0F\uFE0E][\uFE0F\uFE0E]/gu) ?? []).length;
export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** What the server sees of a JSON body value: JSON.stringify's view (NaN → null, -0 → 0, …). */
export const viaJson = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
/** Keys qs drops and class-transformer treats specially: never asserted either way, only "no harm". */
export const PROTO_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------
// Query parameters of the read routes

export type Kind = 'int' | 'limit' | 'offset' | 'intList' | 'aggList' | 'instant' | 'format' | 'label';
export const PARAMS: Record<Route, Record<string, Kind>> = {
  useractions: { module: 'int', action: 'int', from: 'instant', to: 'instant', format: 'format' },
  userActionsAggregated: { module: 'int', actions: 'intList', aggregations: 'aggList', from: 'instant', to: 'instant', format: 'format' },
  configurations: { configuratorId: 'label', actions: 'intList', limit: 'limit', offset: 'offset', from: 'instant', to: 'instant', format: 'format' },
};
export const RANGES: Record<'int' | 'limit' | 'offset', [number, number]> = { int: [0, INT32_MAX], limit: [1, 10000], offset: [0, 1_000_000_000] };

/** How a client spells a parameter; what qs makes of it is {@link parsedValue}. */
export type Shape = 'scalar' | 'repeat' | 'brackets' | 'indexed' | 'nested' | 'deep';

export interface QueryParam {
  key: string;
  shape: Shape;
  values: string[];
}

export const enc = encodeURIComponent;

export function spell(p: QueryParam): string {
  const k = enc(p.key);
  switch (p.shape) {
    case 'scalar':
      return `${k}=${enc(p.values[0])}`;
    case 'repeat':
      return p.values.map((v) => `${k}=${enc(v)}`).join('&');
    case 'brackets':
      return p.values.map((v) => `${k}[]=${enc(v)}`).join('&');
    case 'indexed':
      return p.values.map((v, i) => `${k}[${i}]=${enc(v)}`).join('&');
    case 'nested':
      return `${k}[x]=${enc(p.values[0])}`;
    case 'deep':
      return `${k}[a][b][c]=${enc(p.values[0])}`;
  }
}

export function parsedValue(p: QueryParam): unknown {
  switch (p.shape) {
    case 'scalar':
      return p.values[0];
    case 'repeat':
      return p.values.length === 1 ? p.values[0] : p.values;
    case 'brackets':
    case 'indexed':
      return p.values;
    default:
      return { x: p.values[0] };
  }
}

export const intOk = (v: unknown, [min, max]: [number, number]) => typeof v === 'string' && /^-?\d{1,15}$/.test(v) && Number(v) >= min && Number(v) <= max;

/** Does the route accept this (parsed) value for a parameter of this kind? Mirrors docs/api.md "Input". */
export function acceptable(kind: Kind, v: unknown): boolean {
  const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : undefined;
  switch (kind) {
    case 'int':
    case 'limit':
    case 'offset':
      return intOk(v, RANGES[kind]);
    case 'intList':
      return list !== undefined && list.length <= 100 && list.every((e) => intOk(e, RANGES.int));
    case 'aggList':
      return list !== undefined && list.length <= 4 && new Set(list).size === list.length && list.every((e) => AGGREGATIONS.includes(e));
    case 'instant':
      return parseInstant(v) !== undefined;
    case 'format':
      return v === 'csv' || v === 'json';
    case 'label':
      return typeof v === 'string' && validatorLength(v) <= 255;
  }
}

export function validValue(kind: Kind): fc.Arbitrary<string> {
  switch (kind) {
    case 'int':
      return fc.oneof(fc.constantFrom('3', '7', '1', '2', '302', '0'), fc.integer({ min: 0, max: INT32_MAX }).map(String), fc.constantFrom('-0', '0003', String(INT32_MAX)));
    case 'limit':
      return fc.oneof(fc.integer({ min: 1, max: 10000 }).map(String), fc.constantFrom('1', '10000'));
    case 'offset':
      return fc.oneof(fc.integer({ min: 0, max: 5 }).map(String), fc.constantFrom('0', '1000000000'));
    case 'intList':
      return fc.oneof(fc.constantFrom('1', '2', '5', '302'), fc.integer({ min: 0, max: INT32_MAX }).map(String));
    case 'aggList':
      return fc.constantFrom(...AGGREGATIONS);
    case 'instant':
      return fc.oneof(
        fc.constantFrom(RANGE_FROM, RANGE_TO, '2026-03-01T00:00:00Z', '2026-03-15T12:00:00+01:00', '2016-06-01T07:54:07.000Z'),
        fc
          .tuple(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }), fc.constantFrom('UTC', 'UTC+5:30', 'UTC-11'))
          .map(([d, zone]) => DateTime.fromJSDate(d).setZone(zone).toISO()!),
      );
    case 'format':
      return fc.constantFrom('csv', 'json');
    case 'label':
      return fc.oneof(fc.constantFrom('shop', 'kiosk', SECRET), fc.string({ unit: 'binary', maxLength: 255 }), fc.constantFrom(...SQLI));
  }
}

export function invalidValue(kind: Kind): fc.Arbitrary<string> {
  switch (kind) {
    case 'instant':
      return fc.oneof(
        hostileString,
        fc.constantFrom(
          '2021-02-29T00:00:00Z',
          '2021-13-01T00:00:00Z',
          '2021-01-01T24:00:00Z',
          '2021-01-01T00:00:60Z',
          '2021-01-01 00:00:00Z',
          '2021-01-01T00:00:00+24:00',
          '2021-01-01T00:00:00',
          '2021-01-01',
          '+002021-01-01T00:00:00Z',
          '2021-W01-1',
          '1609459200000',
          '2021-01-01T00:00:00.0000000000Z',
          '2021-01-01t00:00:00z',
        ),
      );
    case 'label':
      return fc.oneof(fc.string({ unit: 'binary', minLength: 256, maxLength: 400 }), fc.constant('a\uFE0F'.repeat(200)));
    default:
      return hostileString;
  }
}

export const keyArb = (route: Route) =>
  fc
    .string({ minLength: 1, maxLength: 16, unit: fc.oneof(fc.constantFrom('a', 'x', '_', '-', '.', ' ', '%', '$', '0'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })) })
    .filter((k) => !/[[\]]/.test(k) && !(k in PARAMS[route]));

export function paramArb(route: Route, key: string): fc.Arbitrary<QueryParam> {
  const kind = PARAMS[route][key];
  const list = kind === 'intList' || kind === 'aggList';
  const value = fc.oneof({ weight: 3, arbitrary: validValue(kind) }, { weight: 1, arbitrary: invalidValue(kind) });
  const shapes: Shape[] = list ? ['scalar', 'repeat', 'brackets', 'brackets', 'indexed', 'nested'] : ['scalar', 'scalar', 'scalar', 'scalar', 'scalar', 'repeat', 'brackets', 'indexed', 'nested', 'deep'];
  return fc.record({
    key: fc.constant(key),
    shape: fc.constantFrom(...shapes),
    values: list
      ? fc.oneof({ weight: 8, arbitrary: fc.array(value, { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: fc.array(validValue(kind), { minLength: 99, maxLength: 110 }) })
      : fc.array(value, { minLength: 1, maxLength: 3 }),
  });
}

/** A query: some of the route's parameters, maybe an unknown one. */
export function queryArb(route: Route): fc.Arbitrary<QueryParam[]> {
  const known = Object.keys(PARAMS[route]).map((k) => fc.option(paramArb(route, k), { freq: 2 }));
  const unknown = fc.option(fc.record({ key: keyArb(route), shape: fc.constant<Shape>('scalar'), values: fc.array(hostileString, { minLength: 1, maxLength: 1 }) }), { freq: 6 });
  return fc.tuple(fc.tuple(...known), unknown).map(([ps, u]) => [...ps.filter((p): p is QueryParam => p !== null), ...(u ? [u] : [])]);
}

/** Which parameters must be named in a 400 (empty: the query is fine and the answer is 200). */
export function queryVerdict(route: Route, params: QueryParam[]): string[] {
  const present = new Map<string, unknown>();
  const bad: string[] = [];
  for (const p of params) {
    if (PROTO_KEYS.has(p.key)) continue; // dropped by qs
    const v = parsedValue(p);
    present.set(p.key, v);
    const kind = PARAMS[route][p.key];
    if (!kind || !acceptable(kind, v)) bad.push(p.key);
  }
  if (bad.length) return bad;
  if (route === 'useractions' && present.has('action') && !present.has('module')) return ['action'];
  if (route === 'userActionsAggregated' && present.has('actions') && !present.has('module')) return ['actions'];
  const from = parseInstant(present.get('from'));
  const to = parseInstant(present.get('to'));
  if (from && to && from.getTime() > to.getTime()) return ['from'];
  return [];
}

/** A 200 of a read route for tenant 1: the negotiated format, well-formed, nothing of tenant 2. */
export function expectRead200(route: Route, res: Reply, csv: boolean): void {
  expect(res.status).toBe(200);
  expect(res.text).not.toContain(SECRET);
  if (csv) {
    expect(res.type).toBe('text/csv; charset=utf-8');
    const { header, records } = parseCsv(res.text);
    if (route === 'useractions') expect(header).toEqual(['module', 'action', 'tenant', 'count', 'month', 'year']);
    if (route === 'userActionsAggregated') expect(header.slice(0, 5)).toEqual(['module', 'action', 'tenant', 'count', 'aggregationLevel']);
    if (route === 'configurations') expect(header[0]).toBe('link');
    if (route !== 'configurations') for (const r of records) expect(r.tenant).toBe(TENANT);
    for (const r of records) for (const cell of Object.values(r)) if (typeof cell === 'string') expect(cell).not.toMatch(FORMULA);
  } else {
    expect(res.type).toBe('application/json; charset=utf-8');
    const rows: Array<Record<string, unknown>> = route === 'configurations' ? res.body.tenantConfigurationStatistics : res.body.userActions;
    expect(Array.isArray(rows)).toBe(true);
    expect(typeof res.body.meta.total).toBe('number');
    if (route !== 'configurations') {
      expect(res.body.meta.total).toBe(rows.length);
      for (const r of rows) expect(r.tenant).toBe(TENANT);
    } else expect(res.body.meta.total).toBeGreaterThanOrEqual(rows.length);
  }
}

// ---------------------------------------------------------------------------------------------
// POST tenants/:id/useractions: one event field mutated

export const EVENT_LIMITS: Record<string, [number, number]> = { device: [0, 32], actionLabel: [0, 255], actionId: [0, 255], actionParameter: [0, 1024], userId: [1, 255] };
export const EVENT_FIELDS = ['eventId', 'module', 'action', 'created', 'country', 'device', 'actionLabel', 'actionId', 'actionParameter', 'userId'];
export const COLUMNS: Record<string, string> = {
  eventId: 'event_id',
  module: 'module',
  action: 'action',
  created: 'created',
  country: 'country',
  device: 'device',
  actionLabel: 'action_label',
  actionId: 'action_id',
  actionParameter: 'action_parameter',
  userId: 'user_id',
};
export const OLDEST = NOW.getTime() - 30 * DAY_MS;
export const NEWEST = NOW.getTime() + 5 * 60_000;

export type Verdict = 'valid' | 'invalid' | 'either';
export const strOk = (v: unknown, [min, max]: [number, number]) => typeof v === 'string' && codePoints(v) >= min && codePoints(v) <= max;

/** Whether an event field value (as the server sees it) is acceptable: the DTO and docs/api.md. */
export function fieldVerdict(field: string, v: unknown): Verdict {
  const ok = (b: boolean): Verdict => (b ? 'valid' : 'invalid');
  switch (field) {
    case 'eventId':
      return ok(strOk(v, [1, 64]) && !(v as string).endsWith(' '));
    case 'module':
    case 'action':
      return ok(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= INT32_MAX);
    case 'created': {
      const d = parseInstant(v);
      return ok(d !== undefined && d.getTime() >= OLDEST && d.getTime() <= NEWEST);
    }
    case 'country':
      return ok(v === undefined || v === null || (typeof v === 'string' && /^[A-Z]{2}$/.test(v)));
    default:
      return ok(v === undefined || v === null || strOk(v, EVENT_LIMITS[field]));
  }
}

/** Depth of nested objects/arrays (a scalar is 0). */
export function depth(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  let d = 0;
  for (const c of Object.values(v)) d = Math.max(d, depth(c));
  return d + 1;
}

export function configVerdict(field: string, v: unknown, base: number): Verdict {
  if (v === undefined || v === null) return 'valid';
  switch (field) {
    case 'thumbnail':
      return strOk(v, [0, 2048]) ? 'valid' : 'invalid';
    case 'partList':
      // nested too deeply counts from the body's root: base levels above the part list itself
      return isPlainObject(v) && base + depth(v) <= 64 ? 'valid' : 'invalid';
    default:
      return Array.isArray(v) && v.length <= 1000 && v.every((e) => strOk(e, [0, 255])) && Buffer.byteLength(JSON.stringify(v)) <= 16_777_215 ? 'valid' : 'invalid';
  }
}

export function nest(levels: number): Record<string, unknown> {
  let v: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom(HUGE, HUGE_WIDE) },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 2 ** 31, INT32_MAX, 2 ** 53, -0, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2)) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.constant(Array.from({ length: 10_000 }, (_, i) => i)) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(JSON.parse('{"__proto__":{"pwned":true}}'), JSON.parse('{"constructor":{"prototype":{"pwned":true}}}')) },
);

export const validCreated = fc
  .tuple(fc.integer({ min: OLDEST, max: NOW.getTime() }), fc.constantFrom('UTC', 'UTC+2', 'UTC-5:30'))
  .map(([ms, zone]) => DateTime.fromMillis(ms).setZone(zone).toISO()!);

export function fieldValueArb(field: string): fc.Arbitrary<unknown> {
  const specific: Record<string, fc.Arbitrary<unknown>> = {
    eventId: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }), fc.constant('e\uFE0F'.repeat(64))),
    module: fc.integer({ min: 0, max: INT32_MAX }),
    action: fc.integer({ min: 0, max: INT32_MAX }),
    created: fc.oneof(
      validCreated,
      fc.constantFrom(
        new Date(OLDEST).toISOString(),
        new Date(OLDEST - 1).toISOString(),
        new Date(NEWEST).toISOString(),
        new Date(NEWEST + 1).toISOString(),
        '2016-06-01T07:54:07.000Z',
        '2099-01-01T00:00:00Z',
        '2026-03-19T10:00:00',
        '2026-03-19',
        '2026-02-30T10:00:00Z',
      ),
    ),
    country: fc.oneof(fc.stringMatching(/^[A-Z]{2}$/), fc.constantFrom('at', 'AUT', 'A', 'ÄT', 'AT ')),
  };
  // 'a\uFE0F' × limit: class-validator counts limit characters, the column twice as many code points
  const byLimit = EVENT_LIMITS[field]
    ? fc.oneof(fc.string({ unit: 'binary', maxLength: EVENT_LIMITS[field][1] }), fc.constantFrom(...SQLI, ...FORMULAS, 'a\uFE0F'.repeat(EVENT_LIMITS[field][1])))
    : undefined;
  return fc.oneof({ weight: 2, arbitrary: specific[field] ?? byLimit! }, { weight: 2, arbitrary: anyValue });
}

export type Mutation =
  | { kind: 'set'; field: string; value: unknown }
  | { kind: 'delete'; field: string }
  | { kind: 'config'; field: string; value: unknown }
  | { kind: 'configuration'; value: unknown }
  | { kind: 'unknown'; key: string; value: unknown }
  | { kind: 'event'; value: unknown };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...EVENT_FIELDS).chain((field) => fieldValueArb(field).map((value): Mutation => ({ kind: 'set', field, value }))) },
  { weight: 1, arbitrary: fc.constantFrom(...EVENT_FIELDS).map((field): Mutation => ({ kind: 'delete', field })) },
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc.record({ kind: fc.constant('config' as const), field: fc.constant('thumbnail'), value: fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom('y'.repeat(2049), 'y\uFE0F'.repeat(2048)), anyValue) }),
      fc.record({
        kind: fc.constant('config' as const),
        field: fc.constant('partList'),
        value: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }), fc.constantFrom(nest(3), nest(59), nest(70), nest(2000)), anyValue),
      }),
      fc.record({
        kind: fc.constant('config' as const),
        field: fc.constant('planCombinedIds'),
        value: fc.oneof(
          fc.array(fc.string({ unit: 'binary', maxLength: 255 }), { maxLength: 20 }),
          fc.constantFrom(
            Array.from({ length: 1001 }, (_, i) => `id${i}`),
            Array.from({ length: 1000 }, (_, i) => String(i).padEnd(255, 'x')),
            ['z'.repeat(256)],
            ['z\uFE0F'.repeat(255)],
          ),
          anyValue,
        ),
      }),
    ),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('configuration' as const), value: fc.constantFrom<unknown>([], [{}], [{ thumbnail: 'x' }], 'x', 1, true, null, {}, { thumbnail: 'x', extra: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknown' as const), key: fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'tenant', 'count', 'aggregationLevel')).filter((k) => !EVENT_FIELDS.includes(k) && k !== 'configuration'), value: anyValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('event' as const), value: anyValue }) },
);

export function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
