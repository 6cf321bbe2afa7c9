import { generateKeyPairSync } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { sign } from 'jsonwebtoken';
import type { Response, Test } from 'supertest';
import {
  catalogActionPath,
  clockWalkBatches,
  EventSpec,
  FixtureEvent,
  ingestBody,
  ingestPath,
  readPath,
  ReadRoute,
  userPath,
  withTenant,
} from './client-core';
import { TestApp } from './test-app';

/**
 * The support client of the e2e suites, on supertest against an in-process TestApp: data goes in
 * only through the HTTP API (ingestion with the clock walking along, user directory, catalog),
 * exactly as the platform sends it; JSON and CSV getters read it back. Paths, tokens, event
 * shapes and the batching are the transport-neutral core in ./client-core.ts.
 */

export { API, DAY_MS } from './client-core';
export type { EventSpec, FixtureEvent, ReadRoute, Route } from './client-core';

/**
 * Ingests `events` for `tenant` through `POST tenants/:id/useractions` (an event without an
 * eventId gets a fresh one) and asserts every event was accepted; the clock walks with the data
 * (see {@link ingestAll}).
 */
export async function ingest(t: TestApp, tenant: number, events: EventSpec[]): Promise<void> {
  await ingestAll(t, withTenant(tenant, events));
}

/**
 * Ingests through `POST tenants/:id/useractions` only. Ingestion takes events of the last 30 days
 * (and at most 5 minutes ahead), so the shared clock walks with the data: each batch (≤
 * `batchSize` events of one tenant spanning < 29 days) is sent while the clock sits at its newest
 * event ({@link clockWalkBatches}). The clock is restored afterwards: a fixture may span any
 * range, and the suite keeps its own "now".
 */
export async function ingestAll(t: TestApp, events: FixtureEvent[], batchSize = 1000): Promise<void> {
  const saved = t.clock.now();
  try {
    for (const batch of clockWalkBatches(events, batchSize)) {
      t.clock.set(batch.at);
      await postEvents(t, batch.tenant, batch.events);
    }
  } finally {
    t.clock.set(saved);
  }
}

/** One ingestion call at the clock's current instant; fails unless every event was stored. */
export async function postEvents(t: TestApp, tenant: number, events: FixtureEvent[]): Promise<void> {
  const res = await t.http.post(ingestPath(tenant)).set(t.auth([tenant], { ingest: true })).send(ingestBody(events));
  if (res.status !== 202 || res.body.accepted !== events.length) {
    throw new Error(`ingest of ${events.length} events for tenant ${tenant} failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/**
 * `rows` saved configurations (module 3, action 2) one second apart ending a minute before `now`,
 * item ids `<idPrefix><i>`, each with a ~2 kB thumbnail URL: enough that an unread CSV export of
 * them fills the socket buffers and stays open. `extra(i)` overrides fields per event.
 */
export function bulkConfigurationEvents(now: Date, rows: number, opts: { idPrefix?: string; extra?: (i: number) => Partial<EventSpec> } = {}): EventSpec[] {
  const events: EventSpec[] = [];
  for (let i = 0; i < rows; i++) {
    events.push({
      module: 3,
      action: 2,
      created: new Date(now.getTime() - 60_000 - i * 1000).toISOString(),
      actionId: `${opts.idPrefix ?? 'cfg-'}${i}`,
      configuration: { thumbnail: `https://cdn.example.com/thumbs/${'x'.repeat(1900)}-${i}.png` },
      ...opts.extra?.(i),
    });
  }
  return events;
}

/** `PUT users/:userId` — the user directory (e-mail + consent); fails unless it answers 200. */
export async function putUser(t: TestApp, userId: string, email: string, statisticsConsent: boolean): Promise<void> {
  const res = await t.http.put(userPath(userId)).set(t.auth([], { ingest: true })).send({ email, statisticsConsent });
  if (res.status !== 200) throw new Error(`PUT users/${userId} failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/** `DELETE users/:userId` — erasure. */
export async function eraseUser(t: TestApp, userId: string): Promise<void> {
  await t.http.delete(userPath(userId)).set(t.auth([], { ingest: true })).expect(204);
}

/** `PUT modules/:module/actions/:action` — adds or renames a catalog entry. */
export async function putCatalogAction(
  t: TestApp,
  module: number,
  action: number,
  entry: { name: string; configurationAction: boolean; carriesPartList: boolean },
): Promise<void> {
  await t.http.put(catalogActionPath(module, action)).set(t.auth([], { ingest: true })).send(entry).expect(200);
}

/** A token signed with the test app's key carrying arbitrary claims (e.g. rights without TENANT_STATISTICS). */
export function tokenWith(t: TestApp, claims: Record<string, unknown>): { Authorization: string } {
  const token = sign(claims, t.config.jwt.key, { algorithm: 'HS256', subject: 'test', expiresIn: 3600 });
  return { Authorization: `Bearer ${token}` };
}

/** GET a read route of `tenant` as JSON (no Accept header); `query` is the raw query string. */
export function getJson(t: TestApp, tenant: number, route: ReadRoute, query = ''): Test {
  return t.http.get(readPath(tenant, route, query)).set(t.auth([tenant]));
}

/**
 * GET a read route of `tenant` with `Accept: text/csv`; the body text is read by `csvText(res)`.
 * `Connection: close`: a keep-alive client socket left over from a streamed download otherwise
 * keeps the jest worker alive past its graceful-exit window (the server side closes cleanly).
 */
export function getCsv(t: TestApp, tenant: number, route: ReadRoute, query = ''): Test {
  return t.http
    .get(readPath(tenant, route, query))
    .set(t.auth([tenant]))
    .set('Accept', 'text/csv')
    .set('Connection', 'close')
    .buffer(true)
    .parse((res, cb) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => cb(null, text));
    });
}

/** The CSV text of a response (supertest keeps unknown types in `text` or, with a custom parser, in `body`). */
export function csvText(res: Response): string {
  return typeof res.body === 'string' ? res.body : res.text;
}

/**
 * Parses CSV with a real parser into records keyed by the header. Unquoted cells must be numbers
 * (the service quotes every string) and become numbers; quoted cells stay strings.
 */
export function parseCsv(text: string): { header: string[]; records: Array<Record<string, string | number>> } {
  const rows: Array<Array<string | number>> = parse(text, {
    relax_column_count: false,
    cast: (value, context) => {
      if (context.quoting) return value;
      if (/^-?\d+$/.test(value)) return Number(value);
      throw new Error(`unquoted non-number cell ${JSON.stringify(value)} at line ${context.lines}`);
    },
  });
  const [header, ...body] = rows;
  if (!header) throw new Error('CSV has no header line');
  return {
    header: header as string[],
    records: body.map((r) => Object.fromEntries(header.map((h, i) => [h as string, r[i]]))),
  };
}

/** The exact `{ statusCode, error, message }` error body (as JSON), with `message` naming each of `mentions`. */
export function expectError(res: Response, statusCode: number, ...mentions: string[]): void {
  const error = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 406: 'Not Acceptable' }[statusCode];
  expect({ status: res.status, type: res.headers['content-type'] }).toEqual({ status: statusCode, type: 'application/json; charset=utf-8' });
  expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'statusCode']);
  expect(res.body).toEqual({ statusCode, error, message: expect.any(String) });
  // each name as a whole word: `action` is not satisfied by `actions`, nor `id` by `invalid`
  for (const m of mentions) expect(res.body.message).toMatch(new RegExp(`(^|[^A-Za-z_])${m.replace(/[[\]]/g, '\\$&')}($|[^A-Za-z_])`));
}

/** A fresh 2048-bit RSA key pair as PEM strings (JWT_PUBLIC_KEY tests). */
export function rsaKeyPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}
