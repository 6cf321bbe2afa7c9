import { EntityManager } from 'typeorm';
import { Database, Dialect } from './database.service';
import { toInstant, toInt } from './values';

const DAY_MS = 86_400_000;

/** The row that counts changes of everything not bound to a day (tenant 0: the whole service). */
export const GLOBAL_TENANT = 0;

/**
 * Buckets of `data_version` below 0: changes that are not bound to the day of an event.
 * Day buckets (≥ 0) are UTC day numbers since 1970-01-01 of the rows' `created`.
 */
export const Bucket = {
  /** Per tenant: its configuration snapshots (thumbnail, part list, plan ids of any row). */
  Snapshots: -1,
  /** Per tenant: its summary tables were rebuilt (`npm run summaries:rebuild`). */
  Summaries: -2,
  /** Global: the user directory (e-mail, consent, erasure). */
  Users: -1,
  /** Global: the action catalog (names, configuration flags). */
  Catalog: -2,
} as const;

/** The day bucket of an instant; instants before 1970 share bucket 0 (the mapping stays monotone). */
export function dayBucket(d: Date): number {
  return Math.max(0, Math.floor(d.getTime() / DAY_MS));
}

/**
 * Counts a change, in the caller's transaction: each (tenant, bucket) counter goes up by one.
 * Every write that can change a read answer calls this in the transaction that makes the change,
 * so a committed answer and its counters always move together (see docs/api.md, HTTP caching).
 */
export async function bumpVersions(em: EntityManager, dialect: Dialect, rows: Array<{ tenant: number; bucket: number }>): Promise<void> {
  const keys = [...new Map(rows.map((r) => [`${r.tenant}:${r.bucket}`, r])).values()];
  if (keys.length === 0) return;
  // A stable order keeps concurrent transactions from locking the same rows in opposite orders.
  keys.sort((a, b) => a.tenant - b.tenant || a.bucket - b.bucket);
  const conflict =
    dialect === 'mysql' ? 'ON DUPLICATE KEY UPDATE version = version + 1' : 'ON CONFLICT (tenant, bucket) DO UPDATE SET version = data_version.version + 1';
  for (let i = 0; i < keys.length; i += 500) {
    const slice = keys.slice(i, i + 500);
    await em.query(
      `INSERT INTO data_version (tenant, bucket, version) VALUES ${slice.map(() => '(?, ?, 1)').join(', ')} ${conflict}`,
      slice.flatMap((r) => [r.tenant, r.bucket]),
    );
  }
}

/** The day buckets of a set of instants, for one tenant. */
export function dayVersions(tenant: number, instants: Date[]): Array<{ tenant: number; bucket: number }> {
  return [...new Set(instants.map(dayBucket))].map((bucket) => ({ tenant, bucket }));
}

export interface Fingerprint {
  /** Sum of the tenant's day counters in the range: any change in one of those days raises it. */
  days: number;
  /** The tenant's and the service's counters of the special buckets, as `tenant:bucket=version`. */
  specials: string[];
}

/**
 * The data version an answer about [from, to) of `tenant` depends on. Counters only grow, so the
 * sum over the range's days grows with every change in one of them: equal fingerprints mean no
 * change was committed in between. One statement: one consistent read.
 */
export async function readFingerprint(db: Database, tenant: number, from: Date | undefined, to: Date | undefined): Promise<Fingerprint> {
  const first = from ? dayBucket(from) : 0;
  // [from, to): the last day is the one of the last millisecond before `to`.
  const last = to ? dayBucket(new Date(to.getTime() - 1)) : 2_147_483_647;
  const rows: Array<{ tenant: unknown; bucket: unknown; version: unknown }> = await db.read((em) =>
    em.query(
      `SELECT tenant, bucket, version FROM data_version WHERE tenant IN (?, ?) AND bucket < 0
       UNION ALL
       SELECT ? AS tenant, 0 AS bucket, COALESCE(SUM(version), 0) AS version FROM data_version WHERE tenant = ? AND bucket >= ? AND bucket <= ?`,
      [GLOBAL_TENANT, tenant, tenant, tenant, first, last],
    ),
  );
  let days = 0;
  const specials: string[] = [];
  for (const r of rows) {
    if (toInt(r.bucket) === 0) days = toInt(r.version);
    else specials.push(`${toInt(r.tenant)}:${toInt(r.bucket)}=${toInt(r.version)}`);
  }
  specials.sort();
  return { days, specials };
}

/**
 * Records that a rollup pass has rolled every row of `tenant` created before `before` to its
 * final level (monthly): answers about ranges ending by then no longer change with time.
 */
export async function recordClosure(em: EntityManager, dialect: Dialect, tenant: number, before: Date | string): Promise<void> {
  await em.query(
    dialect === 'mysql'
      ? 'INSERT INTO rollup_closure (tenant, closed_before) VALUES (?, ?) ON DUPLICATE KEY UPDATE closed_before = GREATEST(closed_before, VALUES(closed_before))'
      : 'INSERT INTO rollup_closure (tenant, closed_before) VALUES (?, ?) ON CONFLICT (tenant) DO UPDATE SET closed_before = MAX(closed_before, excluded.closed_before)',
    [tenant, before],
  );
}

/** Until when the tenant's rows are final (see {@link recordClosure}); undefined before any pass. */
export async function readClosure(db: Database, tenant: number): Promise<Date | undefined> {
  // On a replica, like the read it belongs to (a lagging replica only knows an older closure: the
  // answer is then cached less, never longer).
  const rows: Array<{ closedBefore: unknown }> = await db.snapshot(
    (em) => em.query('SELECT closed_before AS closedBefore FROM rollup_closure WHERE tenant = ?', [tenant]),
    1,
  );
  return rows[0] ? toInstant(rows[0].closedBefore) : undefined;
}
