import { STATUS_CODES } from 'node:http';
import type { Test } from 'supertest';
import { TestApp } from '../support/test-app';

/** Helpers shared by the security suites (test/security). */

export { API } from '../support/client-core';
export const INT32_MAX = 2147483647;

/** A response read as text whatever its type (CSV, JSON, empty), with the JSON parsed when it is JSON. */
export interface Reply {
  status: number;
  type: string | undefined;
  headers: Record<string, string>;
  text: string;
  body: any;
}

export interface CallOptions {
  headers?: Record<string, string | string[]>;
  /** A JSON value (serialised by superagent), or raw bytes / text sent as they are. */
  body?: unknown;
  raw?: Buffer | string;
  contentType?: string;
}

/**
 * One request through supertest; never throws on a status, never hangs (20 s deadline), and
 * `Connection: close` so no keep-alive socket outlives the suite.
 */
export async function call(t: TestApp, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, opts: CallOptions = {}): Promise<Reply> {
  let req: Test;
  switch (method) {
    case 'GET':
      req = t.http.get(path);
      break;
    case 'POST':
      req = t.http.post(path);
      break;
    case 'PUT':
      req = t.http.put(path);
      break;
    default:
      req = t.http.delete(path);
  }
  req = req.set('Connection', 'close').timeout({ deadline: 20_000 });
  for (const [k, v] of Object.entries(opts.headers ?? {})) req = req.set(k, v as string);
  if (opts.raw !== undefined) {
    req = req
      .set('Content-Type', opts.contentType ?? 'application/json')
      .serialize((b: unknown) => b as string)
      .send(opts.raw as unknown as string);
  } else if (opts.body !== undefined) {
    req = req.send(opts.body as object);
  }
  const res = await req.buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
    r.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
  });
  const text = typeof res.body === 'string' ? res.body : (res.text ?? '');
  const type = res.headers['content-type'];
  let body: unknown = undefined;
  if (type?.startsWith('application/json') && text) body = JSON.parse(text);
  return { status: res.status, type, headers: res.headers as Record<string, string>, text, body };
}

/**
 * What an error body may never contain: SQL, driver codes and messages, stack traces. Applied to
 * error bodies only (data may legitimately hold such words), after removing the caller's own
 * input where a message echoes it (an unknown parameter's name, a 404's path).
 */
export const LEAKS: RegExp[] = [
  /\bselect\b/i,
  /\binsert\b/i,
  /\bupdate\s+\w+\s+set\b/i,
  /\bdelete\s+from\b/i,
  /\bsql/i,
  /mysql|mariadb|innodb/i,
  /\bER_[A-Z_]+/,
  /sqlite/i,
  /syntax/i,
  /QueryFailedError|TypeORMError|EntityNotFound/,
  /\bstack\b/i,
  /\n\s+at\s/,
  /node_modules|\.ts:\d+/,
];

export function withoutInputs(text: string, inputs: string[]): string {
  let out = text;
  for (const i of [...inputs].sort((a, b) => b.length - a.length)) if (i) out = out.split(i).join('');
  return out;
}

/**
 * Every answer of every fuzz case: no 5xx; an error is exactly `{ statusCode, error, message }`
 * as JSON (except Node's own 431 for oversized headers, which has no body); no SQL, driver
 * message or stack in it; nothing was planted on Object.prototype.
 */
export function expectSafe(res: Reply, inputs: string[] = []): void {
  if (res.status >= 500) throw new Error(`answered ${res.status}: ${res.text.slice(0, 500)}`);
  if (res.status >= 400 && res.status !== 431) {
    expect(res.type).toBe('application/json; charset=utf-8');
    expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'statusCode']);
    expect(res.body.statusCode).toBe(res.status);
    expect(res.body.error).toBe(STATUS_CODES[res.status]);
    expect(typeof res.body.message).toBe('string');
    const message = withoutInputs(res.body.message, inputs);
    for (const re of LEAKS) if (re.test(message)) throw new Error(`error message matches ${re}: ${JSON.stringify(res.body.message)}`);
  }
  expect(({} as Record<string, unknown>).pwned).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'pwned')).toBe(false);
}

/** The message names `name` as a whole word (`action` is not satisfied by `actions` or `actionId`). */
export function names(message: string, name: string): boolean {
  const word = /[A-Za-z0-9_]/;
  for (let i = message.indexOf(name); i >= 0; i = message.indexOf(name, i + 1)) {
    const end = i + name.length;
    const okBefore = i === 0 || !word.test(message[i - 1]) || !word.test(name[0]);
    const okAfter = end >= message.length || !word.test(message[end]) || !word.test(name[name.length - 1]);
    if (okBefore && okAfter) return true;
  }
  return false;
}

export function expectNames(res: Reply, status: number, ...anyOf: string[]): void {
  expect(res.status).toBe(status);
  const message = String(res.body?.message);
  if (!anyOf.some((n) => names(message, n))) throw new Error(`message ${JSON.stringify(message)} names none of ${JSON.stringify(anyOf)}`);
}

/** Rows of `table` (optionally of one tenant), counted. */
export async function count(t: TestApp, table: string, tenant?: number): Promise<number> {
  const [r] = await t.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}${tenant === undefined ? '' : ' WHERE tenant = ?'}`, tenant === undefined ? [] : [tenant]);
  return Number(r.n);
}

/** Every user table of the test database (both dialects). */
export async function allTables(t: TestApp): Promise<string[]> {
  const rows: Array<{ name: string }> =
    t.config.database.type === 'mysql'
      ? await t.dataSource.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()')
      : await t.dataSource.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  return rows.map((r) => r.name).sort();
}

/** Every row of every table, as one JSON text per table (dates and buffers made readable). */
export async function dumpDatabase(t: TestApp): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of await allTables(t)) {
    // The fold's and the rollup's lease: runtime state, renewed by the folder every FOLD_INTERVAL_MS
    // whatever a request did (its expiry differs between any two dumps); it holds no user's data.
    if (table === 'rollup_lease') continue;
    const rows: unknown[] = await t.dataSource.query(`SELECT * FROM ${table}`);
    out[table] = JSON.stringify(rows, (_k, v) => (v && typeof v === 'object' && v.type === 'Buffer' ? Buffer.from(v.data).toString('utf8') : v));
  }
  return out;
}

/** A JWT-style base64url segment of any JSON value. */
export const b64url = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export const bearer = (token: string): { Authorization: string } => ({ Authorization: `Bearer ${token}` });

/** A 401 in the service's error shape that leaks nothing; returns its message. */
export function expect401(res: Reply): string {
  expectSafe(res);
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.any(String) });
  return res.body.message;
}
