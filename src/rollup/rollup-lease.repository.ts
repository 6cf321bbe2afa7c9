import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { RollupLeaseEntity } from '../database/entities';
import { GenerateSql, SqlArg } from '../database/generate-sql';
import { toInstant } from '../database/values';

const T = new Date('2026-05-20T12:00:00.000Z');
const LATER = new Date('2026-05-20T12:01:00.000Z');

/**
 * The SQL of the rollup lease (`rollup_lease`, one row per lease name): conditional UPDATEs whose
 * affected-row count says whether the caller holds the lease (the query builder reports it the
 * same way on MySQL, MariaDB and SQLite).
 */
@Injectable()
export class RollupLeaseRepository {
  constructor(private readonly db: Database) {}

  /** Who holds the lease and until when (nulls: nobody). */
  @GenerateSql({ params: ['rollup'] })
  async current(name: string): Promise<{ holder: string | null; expiresAt: Date | null }> {
    const rows: Array<{ holder: string | null; expiresAt: unknown }> = await this.db.read((em) =>
      em.query('SELECT holder, expires_at AS expiresAt FROM rollup_lease WHERE name = ?', [name]),
    );
    const row = rows[0];
    return { holder: row?.holder ?? null, expiresAt: row?.expiresAt ? toInstant(row.expiresAt) : null };
  }

  /** In its own transaction: gives the lease to `holder` until `until` when it is free, expired at `now`, or already `holder`'s. */
  @GenerateSql({ params: ['rollup', 'host:1:abcd', T, LATER] })
  async take(name: string, holder: string, now: Date, until: Date): Promise<boolean> {
    const res = await this.db.transaction((em) =>
      em
        .createQueryBuilder()
        .update(RollupLeaseEntity)
        .set({ holder, expiresAt: until })
        .where('name = :name AND (holder IS NULL OR expires_at IS NULL OR expires_at < :now OR holder = :holder)', { name, now, holder })
        .execute(),
    );
    return (res.affected ?? 0) > 0;
  }

  /** In the caller's transaction: extends `holder`'s lease until `until`; false when `holder` does not hold it. */
  @GenerateSql({ params: [SqlArg.em, 'rollup', 'host:1:abcd', LATER] })
  async extend(em: EntityManager, name: string, holder: string, until: Date): Promise<boolean> {
    const res = await em.createQueryBuilder().update(RollupLeaseEntity).set({ expiresAt: until }).where('name = :name AND holder = :holder', { name, holder }).execute();
    return (res.affected ?? 0) > 0;
  }

  /** In its own transaction: frees the lease if `holder` holds it. */
  @GenerateSql({ params: ['rollup', 'host:1:abcd'] })
  async release(name: string, holder: string): Promise<void> {
    await this.db.transaction((em) =>
      em
        .createQueryBuilder()
        .update(RollupLeaseEntity)
        .set({ holder: null, expiresAt: null })
        .where('name = :name AND (holder = :holder)', { name, holder })
        .execute(),
    );
  }
}
