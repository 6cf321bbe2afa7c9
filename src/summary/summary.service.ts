import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Calendar } from '../common/calendar';
import { keyHash } from '../common/key-hash';
import { ConfigError } from '../config/app-config';
import { Bucket } from '../database/data-version';
import { DataVersionRepository } from '../database/data-version.repository';
import { Database } from '../database/database.service';
import { PendingDelta, PendingRepository, PendingSum } from './pending.repository';
import { SummaryDelta, summaryDeltas, SummarySource } from './summary-deltas';
import { KEYED_TABLES, KeyedChange, KeyedTable, NO_ITEM, StatDayChange, StatHourChange, StatItemChange, SummaryRepository } from './summary.repository';


/**
 * Summary tables (Rick James' "summary tables"): per tenant and local day of STATISTICS_TIME_ZONE,
 * - `stat_day`    (module, action, level) → count, earliest created
 * - `stat_day_cd` (module, action, level, country, device) → count
 * - `stat_day_label` (module, action, level, action label) → count
 * - `stat_day_lc` (module, action, level, action label, country) → count
 * - `stat_day_lcd` (module, action, level, action label, country, device) → count
 * - `stat_day_item` (item, module, action, level) → count, the item a number of the tenant's
 *   item dictionary `stat_item` (per-item answers group integers, not `VARCHAR(255)` values)
 * and per local hour `stat_hour` (module, action, level) → count.
 *
 * Ingestion does not write them: it commits one pending delta per summary key of its batch
 * (`summary_pending`, {@link queue}) with its rows, and the fold (fold.service.ts) moves pending
 * deltas into the tables, one claimed set per transaction. Every read adds the pending rows of
 * its range to the tables in one statement (summary-sql.ts), so answers are exact at commit. The
 * rollup moves counts between levels and days in its own transactions, after folding the
 * pending rows of the days it rewrites. Counts are exact: a summary row plus the pending rows of
 * its key are a plain sum of `user_action.count` over that key; rows that reach zero are deleted.
 */
@Injectable()
export class SummaryService {
  private readonly logger = new Logger(SummaryService.name);

  constructor(
    private readonly db: Database,
    private readonly summaries: SummaryRepository,
    private readonly pending: PendingRepository,
    private readonly versions: DataVersionRepository,
    readonly calendar: Calendar,
  ) {}

  static cdKey(d: Pick<SummaryDelta, 'module' | 'action' | 'level' | 'country' | 'device'>): string {
    return keyHash([d.module, d.action, d.level, d.country, d.device]);
  }

  /** The key hash `k` of a delta's row in one keyed summary table (stat_day_cd: {@link cdKey}). */
  static keyOf(table: KeyedTable, d: Pick<SummaryDelta, 'module' | 'action' | 'level' | 'country' | 'device' | 'actionLabel'>): string {
    switch (table) {
      case 'stat_day_cd':
        return SummaryService.cdKey(d);
      case 'stat_day_label':
        return keyHash([d.module, d.action, d.level, d.actionLabel]);
      case 'stat_day_lc':
        return keyHash([d.module, d.action, d.level, d.actionLabel, d.country]);
      case 'stat_day_lcd':
        return keyHash([d.module, d.action, d.level, d.actionLabel, d.country, d.device]);
    }
  }

  /**
   * Ingestion: the rows it stores (in the caller's transaction) become pending deltas, one per
   * summary key (local day and hour, module, action, level, country, device, label, item) of the
   * batch, committed with the rows. The fold adds them to the summary tables later; reads add
   * them until then.
   */
  async queue(em: EntityManager, tenant: number, rows: readonly SummarySource[], now: Date): Promise<void> {
    const keys = new Map<string, PendingDelta>();
    for (const r of rows) {
      const day = this.calendar.startOfDay(r.created);
      const hour = this.calendar.startOfHour(r.created);
      const id = `${hour.getTime()}|${JSON.stringify([r.module, r.action, r.level, r.country, r.device, r.actionLabel, r.actionId])}`;
      const d = keys.get(id);
      if (d) {
        d.count += r.count;
        if (r.created < d.minCreated) d.minCreated = r.created;
      } else {
        keys.set(id, { day, hour, module: r.module, action: r.action, level: r.level, country: r.country, device: r.device, actionLabel: r.actionLabel, actionId: r.actionId, count: r.count, minCreated: r.created });
      }
    }
    await this.pending.insert(em, tenant, [...keys.values()], now);
  }

  /** The fold: adds claimed pending sums (of any tenants) to the summary tables, in the caller's transaction. */
  async applyPending(em: EntityManager, sums: readonly PendingSum[]): Promise<void> {
    const byTenant = new Map<number, SummaryDelta[]>();
    for (const { tenant, ...delta } of sums) {
      const list = byTenant.get(tenant);
      if (list) list.push(delta);
      else byTenant.set(tenant, [delta]);
    }
    for (const tenant of [...byTenant.keys()].sort((a, b) => a - b)) await this.apply(em, tenant, byTenant.get(tenant)!);
  }

  /** Adds the rows (stored in `user_action`, in the caller's transaction) to the summary tables directly: the rollup's aggregates and a rebuild. */
  async add(em: EntityManager, tenant: number, rows: readonly SummarySource[]): Promise<void> {
    await this.apply(em, tenant, summaryDeltas(this.calendar, rows));
  }

  /**
   * The rollup of part of a period, in the caller's transaction: `removed` rows (of `level`)
   * leave the summaries, `added` rows join them. First the pending deltas of `level` in the
   * removed rows' local days are folded (locked, added, deleted), so the rows being removed are
   * in the summary tables when their counts are taken out. (A concurrent fold holding some of
   * them is waited for; it commits them to the tables first.)
   */
  async move(em: EntityManager, tenant: number, level: number, removed: readonly SummarySource[], added: readonly SummarySource[]): Promise<void> {
    const days = [...new Set(removed.map((r) => this.calendar.startOfDay(r.created).getTime()))].sort((a, b) => a - b);
    if (days.length > 0) {
      const ids = await this.pending.idsOfLevel(em, tenant, level, new Date(days[0]), this.calendar.addDays(new Date(days[days.length - 1]), 1));
      if (ids.length > 0) {
        await this.applyPending(em, await this.pending.sums(em, ids));
        await this.deletePending(em, ids);
      }
    }
    await this.apply(em, tenant, [...summaryDeltas(this.calendar, removed, -1), ...summaryDeltas(this.calendar, added)]);
  }

  /**
   * The rollup of a whole period, in the caller's transaction: every `level` row of the tenant
   * created in [from, to) (local day starts) has just left `user_action`, and `added` rows join. The summary rows of
   * that level and those days, with the pending deltas of that level and those days, carried exactly those rows' counts, so they are deleted outright
   * (one range statement per table) instead of decremented key by key.
   */
  async replaceLevel(em: EntityManager, tenant: number, level: number, from: Date, to: Date, added: readonly SummarySource[]): Promise<void> {
    await this.pending.deleteLevel(em, tenant, level, from, to);
    await this.summaries.deleteLevel(em, tenant, level, from, to);
    await this.add(em, tenant, added);
  }

  /** Deletes claimed pending rows; fails (rolling the caller's transaction back) unless every one of them was still there. */
  async deletePending(em: EntityManager, ids: readonly number[]): Promise<void> {
    const deleted = await this.pending.delete(em, ids);
    if (deleted !== ids.length) throw new Error(`fold: ${ids.length} pending rows claimed but ${deleted} deleted; rolled back`);
  }

  /** Adds the deltas' counts (or removes them, with negative counts) in the caller's transaction. */
  async apply(em: EntityManager, tenant: number, deltas: SummaryDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    // First the deltas of one (day, module, action, level, label, country, device) are summed — a
    // string key and a map lookup per delta — then each distinct combination is hashed into the
    // rows of every table once (a rollup chunk or a batch holds many rows per combination).
    const combined = new Map<string, SummaryDelta>();
    for (const d of deltas) {
      const id = `${d.hour.getTime()}|${JSON.stringify([d.module, d.action, d.level, d.actionLabel, d.country, d.device, d.actionId])}`;
      const c = combined.get(id);
      if (c) {
        c.count += d.count;
        if (d.minCreated < c.minCreated) c.minCreated = d.minCreated;
      } else combined.set(id, { ...d });
    }
    const day = new Map<string, StatDayChange>();
    const hour = new Map<string, StatHourChange>();
    const tables = Object.keys(KEYED_TABLES) as KeyedTable[];
    const keyed = new Map<KeyedTable, Map<string, KeyedChange>>(tables.map((t) => [t, new Map()]));
    const items = await this.itemNumbers(em, tenant, combined.values());
    const item = new Map<string, StatItemChange>();
    for (const d of combined.values()) {
      const n = d.actionId === null ? NO_ITEM : items.get(d.actionId)!;
      const ik = `${d.day.getTime()}|${n}|${d.module}|${d.action}|${d.level}`;
      const it = item.get(ik);
      if (it) it.count += d.count;
      else item.set(ik, { day: d.day, item: n, module: d.module, action: d.action, level: d.level, count: d.count });
      const dk = `${d.day.getTime()}|${d.module}|${d.action}|${d.level}`;
      const a = day.get(dk);
      if (a) {
        a.count += d.count;
        if (d.minCreated < a.minCreated) a.minCreated = d.minCreated;
      } else day.set(dk, { day: d.day, module: d.module, action: d.action, level: d.level, count: d.count, minCreated: d.minCreated });
      const hk = `${d.hour.getTime()}|${d.module}|${d.action}|${d.level}`;
      const h = hour.get(hk);
      if (h) h.count += d.count;
      else hour.set(hk, { hour: d.hour, module: d.module, action: d.action, level: d.level, count: d.count });
      for (const table of tables) {
        const k = SummaryService.keyOf(table, d);
        const ck = `${d.day.getTime()}|${k}`;
        const rows = keyed.get(table)!;
        const c = rows.get(ck);
        if (c) c.count += d.count;
        else rows.set(ck, { day: d.day, k, module: d.module, action: d.action, level: d.level, country: d.country, device: d.device, actionLabel: d.actionLabel, count: d.count });
      }
    }
    // A stable order keeps concurrent transactions from locking the same rows in opposite orders.
    const dayRows = [...day.values()].filter((r) => r.count !== 0).sort((a, b) => a.day.getTime() - b.day.getTime() || a.module - b.module || a.action - b.action || a.level - b.level);
    const hourRows = [...hour.values()].filter((r) => r.count !== 0).sort((a, b) => a.hour.getTime() - b.hour.getTime() || a.module - b.module || a.action - b.action || a.level - b.level);
    const keyedRows = tables.map(
      (t) => [t, [...keyed.get(t)!.values()].filter((r) => r.count !== 0).sort((a, b) => a.day.getTime() - b.day.getTime() || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))] as const,
    );
    const itemRows = [...item.values()]
      .filter((r) => r.count !== 0)
      .sort((a, b) => a.day.getTime() - b.day.getTime() || a.item - b.item || a.module - b.module || a.action - b.action || a.level - b.level);
    await this.summaries.addItems(em, tenant, itemRows);
    // The per-day rows are the hottest (every batch of a tenant touches today's): upsert them
    // last, so their locks are held for the shortest time before commit.
    for (const [table, rows] of keyedRows) await this.summaries.addKeyed(em, table, tenant, rows);
    await this.summaries.addHour(em, tenant, hourRows);
    await this.summaries.addDay(em, tenant, dayRows);
    // Rows that reached zero carry nothing: delete them (only among the days just decremented).
    const emptied = [...combined.values()].filter((d) => d.count < 0).map((d) => d.day.getTime());
    if (emptied.length > 0) await this.summaries.deleteEmpty(em, tenant, new Date(Math.min(...emptied)), this.calendar.addDays(new Date(Math.max(...emptied)), 1));
  }

  /** The dictionary numbers of the deltas' items (adding new items to it), in the caller's transaction. */
  private async itemNumbers(em: EntityManager, tenant: number, deltas: Iterable<SummaryDelta>): Promise<Map<string, number>> {
    const names = new Set<string>();
    for (const d of deltas) if (d.actionId !== null) names.add(d.actionId);
    return names.size === 0 ? new Map() : this.summaries.itemIds(em, tenant, [...names]);
  }

  /**
   * Rebuilds the summaries of one tenant from `user_action` (after an upgrade or a change of
   * STATISTICS_TIME_ZONE). Runs month by month, each month in one transaction.
   */
  async rebuildTenant(tenant: number): Promise<number> {
    const bounds = await this.summaries.createdBounds(tenant);
    await this.db.transaction(async (em) => {
      await this.summaries.deleteTenant(em, tenant);
      await this.pending.deleteTenant(em, tenant);
      await this.versions.bump(em, [{ tenant, bucket: Bucket.Summaries }]);
    });
    if (!bounds) return 0;
    const months = this.calendar.monthStarts(bounds.first, bounds.last);
    let rows = 0;
    for (let i = 0; i < months.length - 1; i++) {
      rows += await this.db.transaction(async (em) => {
        const stored = await this.summaries.userActions(em, tenant, months[i], months[i + 1]);
        await this.add(em, tenant, stored);
        await this.versions.bump(em, [{ tenant, bucket: Bucket.Summaries }]);
        return stored.length;
      });
    }
    return rows;
  }

  /**
   * At start: the summaries must have been built in the configured zone. A database without a
   * recorded zone is built now (empty: instantly); a different zone needs `npm run summaries:rebuild`.
   */
  async ensureZone(zone: string): Promise<'ok' | 'built'> {
    const built = await this.summaries.builtZone();
    if (built === zone) return 'ok';
    if (built !== undefined) {
      throw new ConfigError(
        'STATISTICS_TIME_ZONE',
        `is ${zone} but the statistics were built for ${built}; run \`npm run summaries:rebuild\` (with the new zone) before starting, or keep the old zone`,
      );
    }
    await this.rebuildAll(zone);
    return 'built';
  }

  async rebuildAll(zone: string): Promise<number> {
    let rows = 0;
    for (const tenant of await this.summaries.tenants()) {
      rows += await this.rebuildTenant(tenant);
      this.logger.log(`summaries rebuilt for tenant ${tenant}`);
    }
    await this.db.transaction((em) => this.summaries.recordZone(em, zone));
    return rows;
  }
}
