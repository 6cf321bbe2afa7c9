import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Calendar } from '../common/calendar';
import { keyHash } from '../common/key-hash';
import { ConfigError } from '../config/app-config';
import { Bucket } from '../database/data-version';
import { DataVersionRepository } from '../database/data-version.repository';
import { Database } from '../database/database.service';
import { toInstant, toInt } from '../database/values';

/** A change to the totals of one (tenant, local day, module, action, level, country, device). */
export interface SummaryDelta {
  day: Date;
  module: number;
  action: number;
  level: number;
  country: string | null;
  device: string | null;
  count: number;
  /** Earliest `created` among the rows added (ignored for negative deltas). */
  minCreated: Date;
}

const UPSERT_ROWS = 1000;

/**
 * Summary tables (Rick James' "summary tables"): per tenant and local day of STATISTICS_TIME_ZONE,
 * - `stat_day`    (module, action, level) → count, earliest created
 * - `stat_day_cd` (module, action, level, country, device) → count
 * kept in step with `user_action` inside the same transactions that change it (ingestion adds,
 * rollup moves counts between levels and days). The read routes sum a few hundred summary rows
 * instead of millions of user actions. Counts are exact: a summary row is a plain sum of
 * `user_action.count` over its key; rows that reach zero are deleted.
 */
@Injectable()
export class SummaryService {
  private readonly logger = new Logger(SummaryService.name);

  constructor(
    private readonly db: Database,
    private readonly versions: DataVersionRepository,
    readonly calendar: Calendar,
  ) {}

  static cdKey(d: Pick<SummaryDelta, 'module' | 'action' | 'level' | 'country' | 'device'>): string {
    return keyHash([d.module, d.action, d.level, d.country, d.device]);
  }

  /** Adds the rows' counts (or removes them, with negative counts) in the caller's transaction. */
  async apply(em: EntityManager, tenant: number, deltas: SummaryDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    const day = new Map<string, { day: Date; module: number; action: number; level: number; count: number; minCreated: Date }>();
    const cd = new Map<string, SummaryDelta & { k: string }>();
    for (const d of deltas) {
      const dk = `${d.day.getTime()}|${d.module}|${d.action}|${d.level}`;
      const a = day.get(dk);
      if (a) {
        a.count += d.count;
        if (d.minCreated < a.minCreated) a.minCreated = d.minCreated;
      } else day.set(dk, { day: d.day, module: d.module, action: d.action, level: d.level, count: d.count, minCreated: d.minCreated });
      const k = SummaryService.cdKey(d);
      const ck = `${d.day.getTime()}|${k}`;
      const c = cd.get(ck);
      if (c) c.count += d.count;
      else cd.set(ck, { ...d, k });
    }
    // A stable order keeps concurrent transactions from locking the same rows in opposite orders.
    const dayRows = [...day.values()].filter((r) => r.count !== 0).sort((a, b) => a.day.getTime() - b.day.getTime() || a.module - b.module || a.action - b.action || a.level - b.level);
    const cdRows = [...cd.values()].filter((r) => r.count !== 0).sort((a, b) => a.day.getTime() - b.day.getTime() || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    const mysql = this.db.dialect === 'mysql';
    const p = (d: Date) => this.db.instantParam(d);
    // The per-day rows are the hottest (every batch of a tenant touches today's): upsert them
    // last, so their locks are held for the shortest time before commit.
    for (let i = 0; i < cdRows.length; i += UPSERT_ROWS) {
      const slice = cdRows.slice(i, i + UPSERT_ROWS);
      await em.query(
        `INSERT INTO stat_day_cd (tenant, day, k, module, action, aggregation_level, country, device, count) VALUES ${slice.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')} ` +
          (mysql ? 'ON DUPLICATE KEY UPDATE count = count + VALUES(count)' : 'ON CONFLICT (tenant, day, k) DO UPDATE SET count = stat_day_cd.count + excluded.count'),
        slice.flatMap((r) => [tenant, p(r.day), r.k, r.module, r.action, r.level, r.country, r.device, r.count]),
      );
    }
    for (let i = 0; i < dayRows.length; i += UPSERT_ROWS) {
      const slice = dayRows.slice(i, i + UPSERT_ROWS);
      await em.query(
        `INSERT INTO stat_day (tenant, day, module, action, aggregation_level, count, min_created) VALUES ${slice.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')} ` +
          (mysql
            ? 'ON DUPLICATE KEY UPDATE count = count + VALUES(count), min_created = LEAST(min_created, VALUES(min_created))'
            : 'ON CONFLICT (tenant, day, module, action, aggregation_level) DO UPDATE SET count = stat_day.count + excluded.count, min_created = MIN(stat_day.min_created, excluded.min_created)'),
        slice.flatMap((r) => [tenant, p(r.day), r.module, r.action, r.level, r.count, p(r.minCreated)]),
      );
    }
    // Rows that reached zero carry nothing: delete them (only among the days just decremented).
    const emptied = [...new Set([...dayRows, ...cdRows].filter((r) => r.count < 0).map((r) => r.day.getTime()))].map((t) => p(new Date(t)));
    for (let i = 0; i < emptied.length; i += UPSERT_ROWS) {
      const days = emptied.slice(i, i + UPSERT_ROWS);
      const inList = days.map(() => '?').join(', ');
      await em.query(`DELETE FROM stat_day WHERE tenant = ? AND day IN (${inList}) AND count = 0`, [tenant, ...days]);
      await em.query(`DELETE FROM stat_day_cd WHERE tenant = ? AND day IN (${inList}) AND count = 0`, [tenant, ...days]);
    }
  }

  /** Deltas that add `rows` (raw user-action values) at `level`. */
  deltasFor(
    rows: Array<{ created: Date; module: number; action: number; country: string | null; device: string | null; count: number }>,
    level: number,
    sign = 1,
  ): SummaryDelta[] {
    return rows.map((r) => ({
      day: this.calendar.startOfDay(r.created),
      module: r.module,
      action: r.action,
      level,
      country: r.country,
      device: r.device,
      count: sign * r.count,
      minCreated: r.created,
    }));
  }

  /**
   * Rebuilds the summaries of one tenant from `user_action` (after an upgrade or a change of
   * STATISTICS_TIME_ZONE). Runs month by month, each month in one transaction.
   */
  async rebuildTenant(tenant: number): Promise<number> {
    const bounds: Array<{ first: unknown; last: unknown }> = await this.db.read((em) =>
      em.query('SELECT MIN(created) AS first, MAX(created) AS last FROM user_action WHERE tenant = ?', [tenant]),
    );
    await this.db.transaction(async (em) => {
      await em.query('DELETE FROM stat_day WHERE tenant = ?', [tenant]);
      await em.query('DELETE FROM stat_day_cd WHERE tenant = ?', [tenant]);
      await this.versions.bump(em, [{ tenant, bucket: Bucket.Summaries }]);
    });
    if (!bounds[0] || bounds[0].first === null) return 0;
    const months = this.calendar.monthStarts(toInstant(bounds[0].first), toInstant(bounds[0].last));
    let rows = 0;
    for (let i = 0; i < months.length - 1; i++) {
      rows += await this.db.transaction(async (em) => {
        const raw: Array<Record<string, unknown>> = await em.query(
          'SELECT created, module, action, aggregation_level AS level, country, device, count FROM user_action WHERE tenant = ? AND created >= ? AND created < ?',
          [tenant, this.db.instantParam(months[i]), this.db.instantParam(months[i + 1])],
        );
        const deltas: SummaryDelta[] = raw.map((r) => {
          const created = toInstant(r.created);
          return {
            day: this.calendar.startOfDay(created),
            module: toInt(r.module),
            action: toInt(r.action),
            level: toInt(r.level),
            country: (r.country as string | null) ?? null,
            device: (r.device as string | null) ?? null,
            count: toInt(r.count),
            minCreated: created,
          };
        });
        await this.apply(em, tenant, deltas);
        await this.versions.bump(em, [{ tenant, bucket: Bucket.Summaries }]);
        return raw.length;
      });
    }
    return rows;
  }

  /**
   * At start: the summaries must have been built in the configured zone. A database without a
   * recorded zone is built now (empty: instantly); a different zone needs `npm run summaries:rebuild`.
   */
  async ensureZone(zone: string): Promise<'ok' | 'built'> {
    const meta: Array<{ value: string }> = await this.db.read((em) => em.query("SELECT value FROM summary_meta WHERE name = 'time_zone'"));
    if (meta[0]?.value === zone) return 'ok';
    if (meta[0]) {
      throw new ConfigError(
        'STATISTICS_TIME_ZONE',
        `is ${zone} but the statistics were built for ${meta[0].value}; run \`npm run summaries:rebuild\` (with the new zone) before starting, or keep the old zone`,
      );
    }
    await this.rebuildAll(zone);
    return 'built';
  }

  async rebuildAll(zone: string): Promise<number> {
    const tenants: Array<{ tenant: unknown }> = await this.db.read((em) => em.query('SELECT DISTINCT tenant FROM user_action'));
    let rows = 0;
    for (const t of tenants) {
      rows += await this.rebuildTenant(toInt(t.tenant));
      this.logger.log(`summaries rebuilt for tenant ${String(t.tenant)}`);
    }
    await this.db.transaction(async (em) => {
      await em.query("DELETE FROM summary_meta WHERE name = 'time_zone'");
      await em.query("INSERT INTO summary_meta (name, value) VALUES ('time_zone', ?)", [zone]);
    });
    return rows;
  }
}
