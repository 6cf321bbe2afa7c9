import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { GenerateSql, SqlArg } from '../database/generate-sql';
import { toInstant, toInt, toStringOrNull } from '../database/values';
import { SummarySource } from './summary-deltas';

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

/** A change to one `stat_day_cd` row; `k` is its key hash (SummaryService.cdKey). */
export interface StatDayCdChange {
  day: Date;
  k: string;
  module: number;
  action: number;
  level: number;
  country: string | null;
  device: string | null;
  count: number;
}

/**
 * The SQL of the summary tables (`stat_day`, `stat_day_cd`, `summary_meta`) and the reads of
 * `user_action` that rebuild them. The writes run in the caller's transaction; callers pass rows
 * in the order they want them locked (the repository keeps it).
 */
@Injectable()
export class SummaryRepository {
  constructor(private readonly db: Database) {}

  /** Adds to the `stat_day_cd` rows (creating them), in chunks, in the given order. */
  @GenerateSql({ params: [SqlArg.em, 7, [{ day: DAY, k: '04238af0188c3249c8063657e0b07bf8', module: 3, action: 1, level: 0, country: 'AT', device: 'mobile', count: 2 }]] })
  async addDayCd(em: EntityManager, tenant: number, rows: readonly StatDayCdChange[]): Promise<void> {
    const conflict = this.db.sql.onConflict('stat_day_cd', ['tenant', 'day', 'k'], { count: 'add' });
    for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
      const slice = rows.slice(i, i + CHUNK_ROWS);
      await em.query(
        `INSERT INTO stat_day_cd (tenant, day, k, module, action, aggregation_level, country, device, count) VALUES ${this.db.sql.values(slice.length, 9)} ${conflict}`,
        slice.flatMap((r) => [tenant, this.db.sql.instant(r.day), r.k, r.module, r.action, r.level, r.country, r.device, r.count]),
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

  /** Deletes the rows of both tables that reached zero, among the given days. */
  @GenerateSql({ params: [SqlArg.em, 7, [DAY]] })
  async deleteEmpty(em: EntityManager, tenant: number, days: readonly Date[]): Promise<void> {
    for (let i = 0; i < days.length; i += CHUNK_ROWS) {
      const slice = days.slice(i, i + CHUNK_ROWS).map((d) => this.db.sql.instant(d));
      const inList = this.db.sql.list(slice.length);
      await em.query(`DELETE FROM stat_day WHERE tenant = ? AND day IN (${inList}) AND count = 0`, [tenant, ...slice]);
      await em.query(`DELETE FROM stat_day_cd WHERE tenant = ? AND day IN (${inList}) AND count = 0`, [tenant, ...slice]);
    }
  }

  /** Deletes every summary row of the tenant (before a rebuild). */
  @GenerateSql({ params: [SqlArg.em, 7] })
  async deleteTenant(em: EntityManager, tenant: number): Promise<void> {
    await em.query('DELETE FROM stat_day WHERE tenant = ?', [tenant]);
    await em.query('DELETE FROM stat_day_cd WHERE tenant = ?', [tenant]);
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
      'SELECT created, module, action, aggregation_level AS level, country, device, count FROM user_action WHERE tenant = ? AND created >= ? AND created < ?',
      [tenant, this.db.sql.instant(from), this.db.sql.instant(to)],
    );
    return rows.map((r) => ({
      created: toInstant(r.created),
      module: toInt(r.module),
      action: toInt(r.action),
      level: toInt(r.level),
      country: toStringOrNull(r.country),
      device: toStringOrNull(r.device),
      count: toInt(r.count),
    }));
  }

  /** The time zone the summaries were built in; undefined before the first build. */
  @GenerateSql({ params: [] })
  async builtZone(): Promise<string | undefined> {
    const rows: Array<{ value: string }> = await this.db.read((em) => em.query("SELECT value FROM summary_meta WHERE name = 'time_zone'"));
    return rows[0]?.value;
  }

  /** Records the time zone the summaries are built in (in the caller's transaction). */
  @GenerateSql({ params: [SqlArg.em, 'Europe/Vienna'] })
  async recordZone(em: EntityManager, zone: string): Promise<void> {
    await em.query("DELETE FROM summary_meta WHERE name = 'time_zone'");
    await em.query("INSERT INTO summary_meta (name, value) VALUES ('time_zone', ?)", [zone]);
  }
}
