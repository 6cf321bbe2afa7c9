import { performance } from 'node:perf_hooks';
import type { UserActionEventDto } from '../../src/ingestion/dto/ingest-user-actions.dto';
import { EventFactory } from '../dataset';
import type { SoakClient } from './http';
import { DAY, fail, log, SEED_CLIENTS, SEED_DAYS, SEED_EVENTS, TENANTS } from './options';

/** The events the soak sends: the seeded base dataset, and the ledger of what the service accepted (checked at the end). */

export interface Resend {
  tenant: number;
  body: unknown;
  n: number;
}

/** Real JSON body, as a client would send it (Dates → ISO strings). */
export const wire = (events: UserActionEventDto[]) => JSON.parse(JSON.stringify({ userActions: events }));

export class IngestLedger {
  private readonly factory: EventFactory;
  /** Events the service answered as accepted, per tenant. */
  readonly accepted: Record<number, number> = Object.fromEntries(TENANTS.map((t) => [t, 0]));
  readonly tally = { newBatches: 0, newEvents: 0, resentBatches: 0, resentEvents: 0 };
  /** Batches accepted during the traffic, to be sent again (≤ 40, a random one dropped beyond). */
  readonly resendPool: Resend[] = [];
  private trafficSeq = 0;

  constructor(seed: number) {
    this.factory = new EventFactory(seed);
  }

  makeEvent(tenant: number, eventId: string, created: Date): UserActionEventDto {
    const e = this.factory.event(tenant, 0, created);
    e.eventId = eventId;
    return e;
  }

  /** A fresh traffic eventId of `tenant`. */
  nextTrafficId(tenant: number): string {
    return `t${tenant}-${this.trafficSeq++}`;
  }
}

/**
 * The base dataset through `POST tenants/:id/useractions`: chronological batches of 1000 per
 * tenant, interleaved across tenants, {@link SEED_CLIENTS} clients; then a third of the users
 * that events carry get a directory entry, half of them with consent.
 */
export async function seed(client: SoakClient, ledger: IngestLedger): Promise<{ events: number; seconds: number; users: number }> {
  const now = Date.now();
  const start = now - SEED_DAYS * DAY + 3600_000;
  const end = now - 60_000;
  const perTenant = TENANTS.map((t) => ({ t, n: SEED_EVENTS[t], next: 0 }));
  const order: Array<{ t: number; from: number; n: number }> = [];
  while (perTenant.some((p) => p.next < p.n)) {
    for (const p of perTenant) {
      if (p.next >= p.n) continue;
      const n = Math.min(1000, p.n - p.next);
      order.push({ t: p.t, from: p.next, n });
      p.next += n;
    }
  }
  const total = order.reduce((a, b) => a + b.n, 0);
  const progress = { next: 0, done: 0, lastShown: 0 };
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: SEED_CLIENTS }, async () => {
      while (progress.next < order.length) {
        const b = order[progress.next++];
        const events: UserActionEventDto[] = [];
        for (let k = 0; k < b.n; k++) {
          const i = b.from + k;
          events.push(ledger.makeEvent(b.t, `s${b.t}-${i}`, new Date(Math.floor(start + ((i + 0.5) / SEED_EVENTS[b.t]) * (end - start)))));
        }
        const r = await client.request('POST', `/tenants/${b.t}/useractions`, { body: wire(events), keep: true });
        if (r.status !== 202) fail(`seeding: POST tenants/${b.t}/useractions → ${r.status} ${r.body.slice(0, 500)}`);
        const body = JSON.parse(r.body);
        if (body.accepted !== b.n || body.duplicates !== 0) fail(`seeding: expected ${b.n} accepted, got ${r.body}`);
        ledger.accepted[b.t] += body.accepted;
        progress.done += b.n;
        if (performance.now() - progress.lastShown > 2000 || progress.done === total) {
          progress.lastShown = performance.now();
          const secs = (performance.now() - t0) / 1000;
          log(`seeding ${progress.done}/${total} events (${Math.round(progress.done / secs)} ev/s)`);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  let users = 0;
  for (let u = 0; u < 1000; u += 3) {
    const r = await client.request('PUT', `/users/bench-user-${u}`, { body: { email: `soak.user.${u}@example.com`, statisticsConsent: u % 2 === 0 }, keep: true });
    if (r.status !== 200) fail(`seeding: PUT users/bench-user-${u} → ${r.status} ${r.body.slice(0, 300)}`);
    users++;
  }
  return { events: total, seconds, users };
}
