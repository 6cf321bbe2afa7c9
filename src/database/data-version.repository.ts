import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from './database.service';
import { Fingerprint, GLOBAL_TENANT } from './data-version';
import { GenerateSql, SqlArg } from './generate-sql';
import { toInstant, toInt } from './values';

const T = new Date('2026-05-20T00:00:00.000Z');

/**
 * The read cache's state (docs/api.md, HTTP caching): `data_version` counts changes per tenant
 * and day (or special bucket), `rollup_closure` says until when a tenant's rows are final.
 * Writers bump in the transaction that makes the change; the read routes read both for their ETag
 * and Cache-Control.
 */
@Injectable()
export class DataVersionRepository {
  constructor(private readonly db: Database) {}

  /**
   * Counts a change, in the caller's transaction: each (tenant, bucket) counter goes up by one.
   * Every write that can change a read answer calls this in the transaction that makes the change,
   * so a committed answer and its counters always move together.
   */
  @GenerateSql({ params: [SqlArg.em, [{ tenant: 7, bucket: 20593 }, { tenant: 0, bucket: -1 }]] })
  async bump(em: EntityManager, rows: Array<{ tenant: number; bucket: number }>): Promise<void> {
    const keys = [...new Map(rows.map((r) => [`${r.tenant}:${r.bucket}`, r])).values()];
    if (keys.length === 0) return;
    // A stable order keeps concurrent transactions from locking the same rows in opposite orders.
    keys.sort((a, b) => a.tenant - b.tenant || a.bucket - b.bucket);
    const conflict = this.db.sql.onConflict('data_version', ['tenant', 'bucket'], { version: 'add' });
    for (let i = 0; i < keys.length; i += 500) {
      const slice = keys.slice(i, i + 500);
      await em.query(
        `INSERT INTO data_version (tenant, bucket, version) VALUES ${this.db.sql.values(slice.length, 3)} ${conflict}`,
        slice.flatMap((r) => [r.tenant, r.bucket, 1]),
      );
    }
  }

  /**
   * The data version an answer about the day buckets first..last of `tenant` depends on (see
   * `dayBucketRange`), and the tenant's closure (see {@link closure}). Counters only grow, so the sum over the range's days grows with every
   * change in one of them: equal fingerprints mean no change was committed in between. One
   * statement: one consistent read and one round trip per request of every read route.
   */
  // The days 2026-05-20 .. 2026-05-31 (dayBucketRange of [2026-05-20, 2026-06-01)).
  @GenerateSql({ params: [7, 20593, 20604], explain: true })
  async fingerprint(tenant: number, first: number, last: number): Promise<Fingerprint> {
    const rows: Array<{ tenant: unknown; bucket: unknown; version: unknown; closedBefore: unknown }> = await this.db.read((em) =>
      em.query(
        `SELECT tenant, bucket, version, NULL AS closedBefore FROM data_version WHERE tenant IN (?, ?) AND bucket < 0
         UNION ALL
         SELECT ? AS tenant, 0 AS bucket, COALESCE(SUM(version), 0) AS version, NULL AS closedBefore FROM data_version WHERE tenant = ? AND bucket >= ? AND bucket <= ?
         UNION ALL
         SELECT tenant, NULL AS bucket, NULL AS version, closed_before AS closedBefore FROM rollup_closure WHERE tenant = ?`,
        [GLOBAL_TENANT, tenant, tenant, tenant, first, last, tenant],
      ),
    );
    let days = 0;
    let closedBefore: Date | undefined;
    const specials: string[] = [];
    for (const r of rows) {
      if (r.closedBefore !== null && r.closedBefore !== undefined) closedBefore = toInstant(r.closedBefore);
      else if (toInt(r.bucket) === 0) days = toInt(r.version);
      else specials.push(`${toInt(r.tenant)}:${toInt(r.bucket)}=${toInt(r.version)}`);
    }
    specials.sort();
    return { days, specials, closedBefore };
  }

  /**
   * Records that a rollup pass has rolled every row of `tenant` created before `before` to its
   * final level (monthly): answers about ranges ending by then no longer change with time.
   */
  @GenerateSql({ params: [SqlArg.em, 7, T] })
  async recordClosure(em: EntityManager, tenant: number, before: Date): Promise<void> {
    await em.query(
      `INSERT INTO rollup_closure (tenant, closed_before) VALUES (?, ?) ${this.db.sql.onConflict('rollup_closure', ['tenant'], { closed_before: 'max' })}`,
      [tenant, this.db.sql.instant(before)],
    );
  }

  /** Until when the tenant's rows are final (see {@link recordClosure}); undefined before any pass. On a replica when there are replicas (the read routes then compute no fingerprint). */
  @GenerateSql({ params: [7] })
  async closure(tenant: number): Promise<Date | undefined> {
    // On a replica, like the read it belongs to (a lagging replica only knows an older closure: the
    // answer is then cached less, never longer).
    const rows: Array<{ closedBefore: unknown }> = await this.db.snapshot(
      (em) => em.query('SELECT closed_before AS closedBefore FROM rollup_closure WHERE tenant = ?', [tenant]),
      1,
    );
    return rows[0] ? toInstant(rows[0].closedBefore) : undefined;
  }
}
