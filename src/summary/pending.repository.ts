import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { SummaryPendingEntity } from '../database/entities';
import { GenerateSql, SqlArg } from '../database/generate-sql';
import { toInstant, toInt, toStringOrNull } from '../database/values';

/** Rows per multi-row INSERT and ids per IN list. */
const CHUNK = 1000;

const DAY = new Date('2026-05-19T22:00:00.000Z');
const HOUR = new Date('2026-05-20T08:00:00.000Z');
const T = new Date('2026-05-20T08:30:00.000Z');

/** One pending delta: the count of a batch's rows of one summary key (local day and hour, module, action, level, dimensions). */
export interface PendingDelta {
  day: Date;
  hour: Date;
  module: number;
  action: number;
  level: number;
  country: string | null;
  device: string | null;
  actionLabel: string | null;
  actionId: string | null;
  count: number;
  minCreated: Date;
}

/** Pending deltas summed per tenant and key (what one fold applies). */
export type PendingSum = PendingDelta & { tenant: number };

/**
 * `summary_pending`: the summary deltas ingestion commits with its rows, until the fold moves
 * them into the summary tables (src/summary/fold.service.ts). Its only writer: ingestion inserts,
 * the fold claims and deletes, the rollup removes the real-time deltas of the periods it
 * replaces. Every read of a summary table adds the pending rows of its range
 * ({@link summaryRows}).
 */
@Injectable()
export class PendingRepository {
  constructor(private readonly db: Database) {}

  /** Inserts the deltas of one tenant, in the caller's (ingestion's) transaction. */
  @GenerateSql({ params: [SqlArg.em, 7, [{ day: DAY, hour: HOUR, module: 3, action: 1, level: 0, country: 'AT', device: 'mobile', actionLabel: 'sofa', actionId: 'conf:1', count: 2, minCreated: T }], T] })
  async insert(em: EntityManager, tenant: number, rows: readonly PendingDelta[], queued: Date): Promise<void> {
    const i = (d: Date) => this.db.sql.instant(d);
    const q = i(queued);
    for (let at = 0; at < rows.length; at += CHUNK) {
      const slice = rows.slice(at, at + CHUNK);
      await em.query(
        `INSERT INTO summary_pending (tenant, day, hour, module, action, aggregation_level, country, device, action_label, action_id, count, min_created, queued) VALUES ${this.db.sql.values(slice.length, 13)}`,
        slice.flatMap((r) => [tenant, i(r.day), i(r.hour), r.module, r.action, r.level, r.country, r.device, r.actionLabel, r.actionId, r.count, i(r.minCreated), q]),
      );
    }
  }

  /**
   * Claims up to `limit` pending rows, oldest ids first, in the caller's transaction: their ids,
   * locked until it ends. Rows another transaction holds (an ingestion not committed yet, the
   * rollup) are passed over, never waited for; a row committed later with a lower id is simply
   * claimed by a later fold — there is no id watermark to skip it.
   */
  @GenerateSql({ params: [SqlArg.em, 1000], explain: true })
  async claim(em: EntityManager, limit: number): Promise<number[]> {
    const rows: Array<{ id: unknown }> = await em.query(`SELECT id FROM summary_pending ORDER BY id LIMIT ?${this.db.sql.skipLocked()}`, [limit]);
    return rows.map((r) => toInt(r.id));
  }

  /** The claimed rows summed per tenant and key (in the caller's transaction). */
  @GenerateSql({ params: [SqlArg.em, [1, 2]] })
  async sums(em: EntityManager, ids: readonly number[]): Promise<PendingSum[]> {
    const out: PendingSum[] = [];
    for (let at = 0; at < ids.length; at += CHUNK) {
      const slice = ids.slice(at, at + CHUNK);
      const rows: Array<Record<string, unknown>> = await em.query(
        `SELECT tenant, day, hour, module, action, aggregation_level AS level, country, device, action_label AS actionLabel, action_id AS actionId,
                SUM(count) AS count, MIN(min_created) AS minCreated
           FROM summary_pending WHERE id IN (${this.db.sql.list(slice.length)})
          GROUP BY tenant, day, hour, module, action, aggregation_level, country, device, action_label, action_id`,
        slice,
      );
      for (const r of rows) {
        out.push({
          tenant: toInt(r.tenant),
          day: toInstant(r.day),
          hour: toInstant(r.hour),
          module: toInt(r.module),
          action: toInt(r.action),
          level: toInt(r.level),
          country: toStringOrNull(r.country),
          device: toStringOrNull(r.device),
          actionLabel: toStringOrNull(r.actionLabel),
          actionId: toStringOrNull(r.actionId),
          count: toInt(r.count),
          minCreated: toInstant(r.minCreated),
        });
      }
    }
    return out;
  }

  /** Deletes the claimed rows (in the caller's transaction); returns how many it deleted. */
  @GenerateSql({ params: [SqlArg.em, [1, 2]] })
  async delete(em: EntityManager, ids: readonly number[]): Promise<number> {
    let deleted = 0;
    for (let at = 0; at < ids.length; at += CHUNK) {
      const slice = ids.slice(at, at + CHUNK);
      const idsTable = this.db.sql.idsTable();
      if (idsTable) {
        // By primary key only (DialectSql.idsTable): a scan would wait for rows other transactions hold.
        const ok: { affectedRows?: number } = await em.query(`DELETE p FROM ${idsTable} AS c STRAIGHT_JOIN summary_pending AS p ON p.id = c.id`, [JSON.stringify(slice)]);
        deleted += ok.affectedRows ?? 0;
        continue;
      }
      const res = await em.createQueryBuilder().delete().from(SummaryPendingEntity).where('id IN (:...ids)', { ids: slice }).execute();
      deleted += res.affected ?? 0;
    }
    return deleted;
  }

  /**
   * The rollup of a whole period, in its transaction: the tenant's pending rows of `level` whose
   * local day lies in [from, to) are deleted — the period's summary rows of that level are
   * replaced from `user_action`, which already holds those rows (SummaryService.replaceLevel).
   */
  @GenerateSql({ params: [SqlArg.em, 7, 0, DAY, new Date('2026-05-20T22:00:00.000Z')] })
  async deleteLevel(em: EntityManager, tenant: number, level: number, from: Date, to: Date): Promise<void> {
    await em.query('DELETE FROM summary_pending WHERE tenant = ? AND day >= ? AND day < ? AND aggregation_level = ?', [
      tenant,
      this.db.sql.instant(from),
      this.db.sql.instant(to),
      level,
    ]);
  }

  /** The tenant's pending rows of `level` in the local days [from, to), locked, in the caller's transaction (the rollup folds them first). */
  @GenerateSql({ params: [SqlArg.em, 7, 0, DAY, new Date('2026-05-20T22:00:00.000Z')] })
  async idsOfLevel(em: EntityManager, tenant: number, level: number, from: Date, to: Date): Promise<number[]> {
    const rows: Array<{ id: unknown }> = await em.query(
      `SELECT id FROM summary_pending WHERE tenant = ? AND day >= ? AND day < ? AND aggregation_level = ?${this.db.sql.forUpdate()}`,
      [tenant, this.db.sql.instant(from), this.db.sql.instant(to), level],
    );
    return rows.map((r) => toInt(r.id));
  }

  /** Deletes every pending row of the tenant (a rebuild recomputes its summaries from `user_action`). */
  @GenerateSql({ params: [SqlArg.em, 7] })
  async deleteTenant(em: EntityManager, tenant: number): Promise<void> {
    await em.query('DELETE FROM summary_pending WHERE tenant = ?', [tenant]);
  }

  /** How many rows wait to be folded, and when the oldest of them was queued (null: none). */
  @GenerateSql({ params: [] })
  async backlog(): Promise<{ rows: number; oldestQueued: Date | null }> {
    const rows: Array<{ n: unknown; oldest: unknown }> = await this.db.read((em) => em.query('SELECT COUNT(*) AS n, MIN(queued) AS oldest FROM summary_pending'));
    return { rows: toInt(rows[0]?.n ?? 0), oldestQueued: rows[0]?.oldest == null ? null : toInstant(rows[0].oldest) };
  }
}
