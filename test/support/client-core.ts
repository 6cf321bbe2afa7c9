import { API_PREFIX } from '../../src/app.setup';
import { developmentToken } from '../../src/auth/development-token';
import type { AppConfig } from '../../src/config/app-config';

/**
 * The transport-neutral core of the support client: the API prefix, the paths of the routes,
 * development tokens, event shapes and the clock-walk batching of ingestion. The in-process
 * client (./fixtures.ts, supertest on a TestApp) and the clients of the compiled service
 * (./service-process.ts, bench/soak) build on it; each adds only its transport.
 */

/** `/v2/statistics`: the global prefix main.ts and every test app set (src/app.setup.ts). */
export const API = `/${API_PREFIX}`;
export const DAY_MS = 86_400_000;

export type Route = 'useractions' | 'userActionsAggregated' | 'configurations';
/** Every read route (the fuzz and isolation models cover {@link Route}; the series has its own suites). */
export type ReadRoute = Route | 'userActionsSeries';

/** `tenants/:id/<route>[?query]`; `query` is the raw query string. */
export const readPath = (tenant: number | string, route: ReadRoute, query = ''): string => `${API}/tenants/${tenant}/${route}${query ? `?${query}` : ''}`;
export const ingestPath = (tenant: number | string): string => `${API}/tenants/${tenant}/useractions`;
export const userPath = (userId: string): string => `${API}/users/${encodeURIComponent(userId)}`;
export const catalogActionPath = (module: number, action: number): string => `${API}/modules/${module}/actions/${action}`;

export interface TokenOptions {
  ingest?: boolean;
  sub?: string;
  expiresInSeconds?: number;
}

/** A development token signed with `config` (the development secret): TENANT_STATISTICS on `tenants`, the ingest scope when asked. */
export function tokenFor(config: AppConfig, tenants: number[], opts: TokenOptions = {}): string {
  return developmentToken(config, { tenants, ...opts });
}

export function bearer(config: AppConfig, tenants: number[], opts: TokenOptions = {}): { Authorization: string } {
  return { Authorization: `Bearer ${tokenFor(config, tenants, opts)}` };
}

export interface EventSpec {
  module: number;
  action: number;
  /** ISO 8601 instant with zone. */
  created: string;
  /** Defaults to a fresh unique id. */
  eventId?: string;
  country?: string;
  device?: string;
  actionLabel?: string;
  actionId?: string;
  actionParameter?: string;
  userId?: string;
  configuration?: { thumbnail?: string; partList?: Record<string, unknown>; planCombinedIds?: string[] };
}

/** An event with its tenant and a fixed eventId (created: ISO 8601 UTC with milliseconds in generated fixtures). */
export interface FixtureEvent extends Omit<EventSpec, 'eventId'> {
  tenant: number;
  eventId: string;
}

const eventIds = { next: 0 };

/** `events` of `tenant`, each without an eventId given a fresh unique one (`ev-<n>`). */
export function withTenant(tenant: number, events: EventSpec[]): FixtureEvent[] {
  return events.map((e) => ({ ...e, tenant, eventId: e.eventId ?? `ev-${++eventIds.next}` }));
}

/** The body of `POST tenants/:id/useractions` for `events` (their tenant is in the path, not in the event). */
export function ingestBody(events: FixtureEvent[]): { userActions: Array<Omit<FixtureEvent, 'tenant'>> } {
  return { userActions: events.map(({ tenant: _tenant, ...e }) => e) };
}

export interface ClockWalkBatch {
  tenant: number;
  /** The clock's instant while this batch is sent: its newest event. */
  at: Date;
  events: FixtureEvent[];
}

/**
 * Ingestion only takes events of the last 30 days (and at most 5 minutes ahead), so a fixture of
 * any span goes in with the clock walking along: per tenant (in tenant order), chronological
 * batches of at most `batchSize` events spanning less than 29 days, each sent while the clock sits
 * at its newest event.
 */
export function clockWalkBatches(events: FixtureEvent[], batchSize = 1000): ClockWalkBatch[] {
  const byTenant = new Map<number, FixtureEvent[]>();
  for (const e of events) byTenant.set(e.tenant, [...(byTenant.get(e.tenant) ?? []), e]);
  const out: ClockWalkBatch[] = [];
  for (const [tenant, list] of [...byTenant.entries()].sort((a, b) => a[0] - b[0])) {
    const sorted = [...list].sort((a, b) => Date.parse(a.created) - Date.parse(b.created));
    for (let i = 0; i < sorted.length; ) {
      const start = Date.parse(sorted[i].created);
      const batch: FixtureEvent[] = [];
      while (i < sorted.length && batch.length < batchSize && Date.parse(sorted[i].created) - start < 29 * DAY_MS) batch.push(sorted[i++]);
      out.push({ tenant, at: new Date(Date.parse(batch[batch.length - 1].created)), events: batch });
    }
  }
  return out;
}
