import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { GenerateSql, SqlArg } from '../database/generate-sql';
import { toInt } from '../database/values';

const SELECT_CHUNK = 1000;
const INSERT_CHUNK = 1000;
const SNAPSHOT_CHUNK = 1000;

/** One accepted event, stored as a real-time row (aggregation level 0, count 1). */
export interface NewUserAction {
  eventId: string;
  module: number;
  action: number;
  created: Date;
  country?: string | null;
  device?: string | null;
  actionLabel?: string | null;
  actionId?: string | null;
  actionParameter?: string | null;
  userId?: string | null;
}

/** The merged snapshot of one configuration id, as JSON text (null: not sent). */
export interface SnapshotRow {
  configurationId: string;
  thumbnail: string | null;
  partList: string | null;
  planCombinedIds: string | null;
  /** The creation instant of the newest event that carried it. */
  updated: Date;
}

const T = new Date('2026-05-20T10:00:00.000Z');
const EVENT: NewUserAction = {
  eventId: 'e-1',
  module: 3,
  action: 2,
  created: T,
  country: 'AT',
  device: 'desktop',
  actionLabel: 'sofa-configurator',
  actionId: 'conf:1',
  actionParameter: null,
  userId: 'user-1',
};

/**
 * The raw store: `user_action` rows as ingestion writes them and the `configuration_snapshot`
 * of each configuration id. (The rollup's rewrites of `user_action` are RollupRepository's.)
 */
@Injectable()
export class UserActionRepository {
  constructor(private readonly db: Database) {}

  /** Which of `eventIds` the tenant has stored already, in the caller's transaction. */
  @GenerateSql({ params: [SqlArg.em, 7, ['e-1', 'e-2']] })
  async existingEventIds(em: EntityManager, tenant: number, eventIds: readonly string[]): Promise<Set<string>> {
    const existing = new Set<string>();
    for (let i = 0; i < eventIds.length; i += SELECT_CHUNK) {
      const ids = eventIds.slice(i, i + SELECT_CHUNK);
      const rows: Array<{ eventId: unknown }> = await em.query(
        `SELECT event_id AS eventId FROM user_action WHERE tenant = ? AND event_id IN (${this.db.sql.list(ids.length)})`,
        [tenant, ...ids],
      );
      for (const r of rows) existing.add(String(r.eventId));
    }
    return existing;
  }

  /** Inserts the events as real-time rows, in the caller's transaction (a duplicate event id fails on the unique key). */
  @GenerateSql({ params: [SqlArg.em, 7, [EVENT, { eventId: 'e-2', module: 3, action: 1, created: T }]] })
  async insert(em: EntityManager, tenant: number, events: readonly NewUserAction[]): Promise<void> {
    for (let i = 0; i < events.length; i += INSERT_CHUNK) {
      const slice = events.slice(i, i + INSERT_CHUNK);
      await em.query(
        'INSERT INTO user_action (tenant, module, action, created, aggregation_level, count, country, device, action_label, action_id, action_parameter, user_id, event_id) VALUES ' +
          slice.map(() => '(?, ?, ?, ?, 0, 1, ?, ?, ?, ?, ?, ?, ?)').join(', '),
        slice.flatMap((e) => [
          tenant,
          e.module,
          e.action,
          this.db.sql.instant(e.created),
          e.country ?? null,
          e.device ?? null,
          e.actionLabel ?? null,
          e.actionId ?? null,
          e.actionParameter ?? null,
          e.userId ?? null,
          e.eventId,
        ]),
      );
    }
  }

  /**
   * Merges the snapshots into the stored ones, in the caller's transaction, field by field: a
   * row at least as new as the stored one replaces each field it carries (NULL keeps the stored
   * value); an older row changes nothing. Callers pass the rows in a stable order (by id).
   */
  @GenerateSql({ params: [SqlArg.em, 7, [{ configurationId: 'conf:1', thumbnail: 'https://example.com/t.jpg', partList: '{"a":1}', planCombinedIds: null, updated: T }]] })
  async upsertSnapshots(em: EntityManager, tenant: number, rows: readonly SnapshotRow[]): Promise<void> {
    const conflict = this.db.sql.onConflict(
      'configuration_snapshot',
      ['tenant', 'configuration_id'],
      // `updated` last: MySQL assigns left to right, and the other columns compare with the stored value.
      { thumbnail: 'coalesceIfNewer', part_list: 'coalesceIfNewer', plan_combined_ids: 'coalesceIfNewer', updated: 'max' },
      { newerBy: 'updated' },
    );
    for (let i = 0; i < rows.length; i += SNAPSHOT_CHUNK) {
      const slice = rows.slice(i, i + SNAPSHOT_CHUNK);
      await em.query(
        `INSERT INTO configuration_snapshot (tenant, configuration_id, thumbnail, part_list, plan_combined_ids, updated) VALUES ${this.db.sql.values(slice.length, 6)} ${conflict}`,
        slice.flatMap((r) => [tenant, r.configurationId, r.thumbnail, r.partList, r.planCombinedIds, this.db.sql.instant(r.updated)]),
      );
    }
  }

  /** How many rows the tenant has (the demo seeds an empty tenant only). */
  @GenerateSql({ params: [1] })
  async countOfTenant(tenant: number): Promise<number> {
    const [{ n }]: Array<{ n: unknown }> = await this.db.read((em) => em.query('SELECT COUNT(*) AS n FROM user_action WHERE tenant = ?', [tenant]));
    return toInt(n);
  }
}
