import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { GenerateSql, SqlArg } from '../database/generate-sql';
import { toInstant, toInt, toStringOrNull } from '../database/values';
import type { SummaryDelta, SummarySource } from './summary-deltas';

/** Rows per multi-row statement (upserts, IN lists). */
const CHUNK_ROWS = 1000;

const DAY = new Date('2026-05-19T22:00:00.000Z');
const T = new Date('2026-05-20T08:30:00.000Z');

/** A change to one `stat_day` row (a negative count decrements). */
export interface StatDayChange {
  day: Date;
  module: number;
  action: number;
  level: number;
  count: number;
  minCreated: Date;
}

/**
 * The summary tables keyed by a hash `k` of (module, action, level, their dimensions), each
 * dimension a `user_action` column: per (tenant, day, k) one count. A fixed map: the table names
 * and columns in SQL come from here only.
 */
export const KEYED_TABLES = {
  stat_day_cd: ['country', 'device'],
  stat_day_label: ['action_label'],
  stat_day_lc: ['action_label', 'country'],
  stat_day_lcd: ['action_label', 'country', 'device'],
} as const;

export type KeyedTable = keyof typeof KEYED_TABLES;

/** A change to one `stat_hour` row (a negative count decrements). */
export interface StatHourChange {
  hour: Date;
  module: number;
  action: number;
  level: number;
  count: number;
}

/** Every summary table, in the order rebuilds and deletes visit them, with the column that places a row in time. */
const SUMMARY_TABLES = [
  ['stat_day', 'day'],
  ...(Object.keys(KEYED_TABLES) as KeyedTable[]).map((t) => [t, 'day'] as const),
  ['stat_day_item', 'day'],
  ['stat_hour', 'hour'],
] as const;

/** A change to one `stat_day_item` row (a negative count decrements); `item` from {@link SummaryRepository.itemIds}. */
export interface StatItemChange {
  day: Date;
  item: number;
  module: number;
  action: number;
  level: number;
  count: number;
}

/** The item number of "no actionId" (no dictionary row). */
export const NO_ITEM = 0;

/** A change to one row of a keyed summary table; `k` is its key hash (SummaryService.keyOf). */
export type KeyedChange = Omit<SummaryDelta, 'minCreated' | 'hour' | 'actionId'> & { k: string };

const DIMENSION: Record<'country' | 'device' | 'action_label', (r: KeyedChange) => string | null> = {
  country: (r) => r.country,
  device: (r) => r.device,
  action_label: (r) => r.actionLabel,
};

/**
 * The SQL of the summary tables (`stat_day`, the {@link KEYED_TABLES}, `stat_day_item` and its
 * item dictionary `stat_item`, `stat_hour`, `summary_meta`) and the reads of
 * `user_action` that rebuild them. The writes run in the caller's transaction; callers pass rows
 * in the order they want them locked (the repository keeps it).
 */
@Injectable()
export class SummaryRepository {
  constructor(private readonly db: Database) {}

  /** Adds to the rows of one keyed summary table (creating them), in chunks, in the given order. */
  @GenerateSql(
    { name: 'stat_day_cd', params: [SqlArg.em, 'stat_day_cd', 7, [{ day: DAY, k: '04238af0188c3249c8063657e0b07bf8', module: 3, action: 1, level: 0, country: 'AT', device: 'mobile', actionLabel: 'sofa', count: 2 }]] },
    { name: 'stat_day_label', params: [SqlArg.em, 'stat_day_label', 7, [{ day: DAY, k: 'ae0450e79ba0bf02a2b33b4776d495ab', module: 3, action: 1, level: 0, country: 'AT', device: 'mobile', actionLabel: 'sofa', count: 2 }]] },
    { name: 'stat_day_lc', params: [SqlArg.em, 'stat_day_lc', 7, [{ day: DAY, k: 'a1280d12fbda92d37d920bcea6ee6de0', module: 3, action: 1, level: 0, country: 'AT', device: 'mobile', actionLabel: 'sofa', count: 2 }]] },
    { name: 'stat_day_lcd', params: [SqlArg.em, 'stat_day_lcd', 7, [{ day: DAY, k: '9da17aaf35d36a53613ea4433be6379c', module: 3, action: 1, level: 0, country: 'AT', device: 'mobile', actionLabel: 'sofa', count: 2 }]] },
  )
  async addKeyed(em: EntityManager, table: KeyedTable, tenant: number, rows: readonly KeyedChange[]): Promise<void> {
    const dims = KEYED_TABLES[table];
    const conflict = this.db.sql.onConflict(table, ['tenant', 'day', 'k'], { count: 'add' });
    const width = 7 + dims.length;
    for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
      const slice = rows.slice(i, i + CHUNK_ROWS);
      await em.query(
        `INSERT INTO ${table} (tenant, day, k, module, action, aggregation_level, ${dims.join(', ')}, count) VALUES ${this.db.sql.values(slice.length, width)} ${conflict}`,
        slice.flatMap((r) => [tenant, this.db.sql.instant(r.day), r.k, r.module, r.action, r.level, ...dims.map((d) => DIMENSION[d](r)), r.count]),
      );
    }
  }

  /** Adds to the `stat_day` rows (creating them; the earliest `created` is kept), in chunks, in the given order. */
  @GenerateSql({ params: [SqlArg.em, 7, [{ day: DAY, module: 3, action: 1, level: 0, count: 2, minCreated: T }]] })
  async addDay(em: EntityManager, tenant: number, rows: readonly StatDayChange[]): Promise<void> {
    const conflict = this.db.sql.onConflict('stat_day', ['tenant', 'day', 'module', 'action', 'aggregation_level'], { count: 'add', min_created: 'min' });
    for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
      const slice = rows.slice(i, i + CHUNK_ROWS);
      await em.query(
        `INSERT INTO stat_day (tenant, day, module, action, aggregation_level, count, min_created) VALUES ${this.db.sql.values(slice.length, 7)} ${conflict}`,
        slice.flatMap((r) => [tenant, this.db.sql.instant(r.day), r.module, r.action, r.level, r.count, this.db.sql.instant(r.minCreated)]),
      );
    }
  }

  /**
   * The item numbers of the tenant's `actionIds` (in the caller's transaction), adding the ones
   * the dictionary lacks: one SELECT when every item is known (the common case), else an INSERT
   * of the missing ones (IGNORE: a concurrent writer may have added one meanwhile) and a second
   * SELECT. Only missing items are inserted, so AUTO_INCREMENT values are not burnt on known ones.
   */
  @GenerateSql({ params: [SqlArg.em, 7, ['conf:1', 'conf:2']] })
  async itemIds(em: EntityManager, tenant: number, actionIds: readonly string[]): Promise<Map<string, number>> {
    const ids = await this.itemNumbers(em, tenant, actionIds);
    const missing = actionIds.filter((a) => !ids.has(a)).sort();
    if (missing.length === 0) return ids;
    for (let i = 0; i < missing.length; i += CHUNK_ROWS) {
      const slice = missing.slice(i, i + CHUNK_ROWS);
      await em.query(`${this.db.sql.insertIgnore()} stat_item (tenant, action_id) VALUES ${this.db.sql.values(slice.length, 2)}`, slice.flatMap((a) => [tenant, a]));
    }
    for (const [name, n] of await this.itemNumbers(em, tenant, missing)) ids.set(name, n);
    const lost = missing.filter((a) => !ids.has(a));
    if (lost.length > 0) throw new Error(`item dictionary: ${lost.length} items not stored (first: ${JSON.stringify(lost[0])})`);
    return ids;
  }

  /**
   * The dictionary numbers of the tenant's items that have one (in the caller's transaction or
   * snapshot): the one lookup of names in `stat_item` — the fold's {@link itemIds} and the reads
   * of per-item answers (AggregatedRepository) both use it.
   */
  @GenerateSql({ params: [SqlArg.em, 7, ['conf:1', 'conf:2']] })
  async itemNumbers(em: EntityManager, tenant: number, actionIds: readonly string[]): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    for (let i = 0; i < actionIds.length; i += CHUNK_ROWS) {
      const slice = actionIds.slice(i, i + CHUNK_ROWS);
      const rows: Array<{ id: unknown; actionId: unknown }> = await em.query(
        `SELECT id, action_id AS actionId FROM stat_item WHERE tenant = ? AND action_id IN (${this.db.sql.list(slice.length)})`,
        [tenant, ...slice],
      );
      for (const r of rows) ids.set(String(r.actionId), toInt(r.id));
    }
    return ids;
  }

  /** Adds to the `stat_day_item` rows (creating them), in chunks, in the given order. */
  @GenerateSql({ params: [SqlArg.em, 7, [{ day: DAY, item: 12, module: 3, action: 1, level: 0, count: 2 }]] })
  async addItems(em: EntityManager, tenant: number, rows: readonly StatItemChange[]): Promise<void> {
    const conflict = this.db.sql.onConflict('stat_day_item', ['tenant', 'day', 'item', 'module', 'action', 'aggregation_level'], { count: 'add' });
    for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
      const slice = rows.slice(i, i + CHUNK_ROWS);
      await em.query(
        `INSERT INTO stat_day_item (tenant, day, item, module, action, aggregation_level, count) VALUES ${this.db.sql.values(slice.length, 7)} ${conflict}`,
        slice.flatMap((r) => [tenant, this.db.sql.instant(r.day), r.item, r.module, r.action, r.level, r.count]),
      );
    }
  }

  /** Adds to the `stat_hour` rows (creating them), in chunks, in the given order. */
  @GenerateSql({ params: [SqlArg.em, 7, [{ hour: T, module: 3, action: 1, level: 0, count: 2 }]] })
  async addHour(em: EntityManager, tenant: number, rows: readonly StatHourChange[]): Promise<void> {
    const conflict = this.db.sql.onConflict('stat_hour', ['tenant', 'hour', 'module', 'action', 'aggregation_level'], { count: 'add' });
    for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
      const slice = rows.slice(i, i + CHUNK_ROWS);
      await em.query(
        `INSERT INTO stat_hour (tenant, hour, module, action, aggregation_level, count) VALUES ${this.db.sql.values(slice.length, 6)} ${conflict}`,
        slice.flatMap((r) => [tenant, this.db.sql.instant(r.hour), r.module, r.action, r.level, r.count]),
      );
    }
  }

  /**
   * Deletes the rows of every summary table that reached zero in the local days [from, to) (the
   * days just decremented; a zero row elsewhere in the span carries nothing either): one range
   * statement per table.
   */
  @GenerateSql({ params: [SqlArg.em, 7, DAY, new Date('2026-05-20T22:00:00.000Z')] })
  async deleteEmpty(em: EntityManager, tenant: number, from: Date, to: Date): Promise<void> {
    for (const [table, time] of SUMMARY_TABLES) {
      await em.query(`DELETE FROM ${table} WHERE tenant = ? AND ${time} >= ? AND ${time} < ? AND count = 0`, [tenant, this.db.sql.instant(from), this.db.sql.instant(to)]);
    }
  }

  /** Deletes the tenant's summary rows of `level` for the local days in [from, to), in every summary table. */
  @GenerateSql({ params: [SqlArg.em, 7, 0, DAY, new Date('2026-05-20T22:00:00.000Z')] })
  async deleteLevel(em: EntityManager, tenant: number, level: number, from: Date, to: Date): Promise<void> {
    for (const [table, time] of SUMMARY_TABLES) {
      await em.query(`DELETE FROM ${table} WHERE tenant = ? AND ${time} >= ? AND ${time} < ? AND aggregation_level = ?`, [
        tenant,
        this.db.sql.instant(from),
        this.db.sql.instant(to),
        level,
      ]);
    }
  }

  /** Deletes every summary row of the tenant (before a rebuild). */
  @GenerateSql({ params: [SqlArg.em, 7] })
  async deleteTenant(em: EntityManager, tenant: number): Promise<void> {
    for (const [table] of SUMMARY_TABLES) await em.query(`DELETE FROM ${table} WHERE tenant = ?`, [tenant]);
  }

  /** The tenants with user actions (the rebuild's list). */
  @GenerateSql({ params: [] })
  async tenants(): Promise<number[]> {
    const rows: Array<{ tenant: unknown }> = await this.db.read((em) => em.query('SELECT DISTINCT tenant FROM user_action'));
    return rows.map((r) => toInt(r.tenant));
  }

  /** The earliest and latest `created` of the tenant's user actions; undefined when it has none. */
  @GenerateSql({ params: [7] })
  async createdBounds(tenant: number): Promise<{ first: Date; last: Date } | undefined> {
    const rows: Array<{ first: unknown; last: unknown }> = await this.db.read((em) =>
      em.query('SELECT MIN(created) AS first, MAX(created) AS last FROM user_action WHERE tenant = ?', [tenant]),
    );
    if (!rows[0] || rows[0].first === null) return undefined;
    return { first: toInstant(rows[0].first), last: toInstant(rows[0].last) };
  }

  /** The tenant's user actions created in [from, to), as summary sources (in the caller's transaction). */
  @GenerateSql({ params: [SqlArg.em, 7, new Date('2026-04-30T22:00:00.000Z'), new Date('2026-05-31T22:00:00.000Z')] })
  async userActions(em: EntityManager, tenant: number, from: Date, to: Date): Promise<SummarySource[]> {
    const rows: Array<Record<string, unknown>> = await em.query(
      'SELECT created, module, action, aggregation_level AS level, country, device, action_label AS actionLabel, action_id AS actionId, count FROM user_action WHERE tenant = ? AND created >= ? AND created < ?',
      [tenant, this.db.sql.instant(from), this.db.sql.instant(to)],
    );
    return rows.map((r) => ({
      created: toInstant(r.created),
      module: toInt(r.module),
      action: toInt(r.action),
      level: toInt(r.level),
      country: toStringOrNull(r.country),
      device: toStringOrNull(r.device),
      actionLabel: toStringOrNull(r.actionLabel),
      actionId: toStringOrNull(r.actionId),
      count: toInt(r.count),
    }));
  }

  /** The time zone the summaries were built in; undefined before the first build. */
  @GenerateSql({ params: [] })
  async builtZone(): Promise<string | undefined> {
    const rows: Array<{ value: string }> = await this.db.read((em) => em.query("SELECT value FROM summary_meta WHERE name = 'time_zone'"));
    return rows[0]?.value;
  }

  /**
   * Records the time zone the summaries are built in (in the caller's transaction). An upsert:
   * replicas started together on a fresh database all record it at once (a DELETE then INSERT
   * failed the second one with a duplicate key).
   */
  @GenerateSql({ params: [SqlArg.em, 'Europe/Vienna'] })
  async recordZone(em: EntityManager, zone: string): Promise<void> {
    await em.query(`INSERT INTO summary_meta (name, value) VALUES ('time_zone', ?) ${this.db.sql.onConflict('summary_meta', ['name'], { value: 'replace' })}`, [zone]);
  }
}
