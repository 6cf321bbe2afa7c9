import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { EntityManager } from 'typeorm';
import { Database } from '../../database/database.service';
import { summaryRows } from '../../summary/summary-sql';
import { GenerateSql, SqlArg } from '../../database/generate-sql';
import { toBool, toInstant, toInt, toStringOrNull } from '../../database/values';

/** The rows of a filter's pairs, by pair (`module:action`). */
export type RowsByPair = Map<string, number>;

/** The key of a (module, action) pair in a {@link RowsByPair}. */
export const pairKey = (module: number, action: number): string => `${module}:${action}`;

/** Which rows, without a time span: the tenant's of the given pairs, optionally of one configurator. */
export type PairsFilter = Omit<ConfigurationRowsFilter, 'from' | 'to'>;

/** A `user_action` id as the driver returns it (a number, or a string for a BIGINT beyond 2^53): passed back as it came. */
export type RowId = number | string;

/** A catalog action flagged as a configuration action. */
export interface ConfigurationAction {
  module: number;
  action: number;
  name: string;
  carriesPartList: boolean;
}

/** Which rows: the tenant's in [from, to) of the given (module, action) pairs, optionally of one configurator. */
export interface ConfigurationRowsFilter {
  tenant: number;
  from: Date;
  to: Date;
  /** At least one. */
  pairs: ReadonlyArray<{ module: number; action: number }>;
  configuratorId?: string;
}

/** One row of a configuration action with its snapshot and the consented e-mail of its user. */
export interface ConfigurationRecord {
  /** As text (a map key). */
  id: string;
  module: number;
  action: number;
  actionId: string | null;
  actionLabel: string | null;
  created: Date;
  actionParameter: string | null;
  count: number;
  aggregationLevel: number;
  thumbnail: string | null;
  /** Stored JSON text. */
  partList: string | null;
  /** Stored JSON text. */
  planCombinedIds: string | null;
  email: string | null;
}

const ROW_COLUMNS = `ua.id AS id, ua.module AS module, ua.action AS action, ua.action_id AS actionId, ua.action_label AS actionLabel,
  ua.created AS created, ua.action_parameter AS actionParameter, ua.count AS count, ua.aggregation_level AS aggregationLevel,
  cs.thumbnail AS thumbnail, cs.part_list AS partList, cs.plan_combined_ids AS planCombinedIds, du.email AS email`;
const ROW_JOINS = `LEFT JOIN configuration_snapshot cs ON cs.tenant = ua.tenant AND cs.configuration_id = ua.action_id
  LEFT JOIN directory_user du ON du.user_id = ua.user_id AND ua.aggregation_level = 0 AND du.statistics_consent = 1`;

function byPair(rows: Array<Record<string, unknown>>): RowsByPair {
  return new Map(rows.map((r) => [pairKey(toInt(r.module), toInt(r.action)), toInt(r.n)]));
}

/** A driver row of {@link ROW_COLUMNS} as a {@link ConfigurationRecord}. */
export function toConfigurationRecord(r: Record<string, unknown>): ConfigurationRecord {
  return {
    id: String(r.id),
    module: toInt(r.module),
    action: toInt(r.action),
    actionId: toStringOrNull(r.actionId),
    actionLabel: toStringOrNull(r.actionLabel),
    created: toInstant(r.created),
    actionParameter: toStringOrNull(r.actionParameter),
    count: toInt(r.count),
    aggregationLevel: toInt(r.aggregationLevel),
    thumbnail: toStringOrNull(r.thumbnail),
    partList: toStringOrNull(r.partList),
    planCombinedIds: toStringOrNull(r.planCombinedIds),
    email: toStringOrNull(r.email),
  };
}

const FILTER: ConfigurationRowsFilter = {
  tenant: 7,
  from: new Date('2026-04-20T12:00:00.000Z'),
  to: new Date('2026-05-20T12:00:00.000Z'),
  pairs: [{ module: 3, action: 2 }],
};
const ONE_CONFIGURATOR: ConfigurationRowsFilter = { ...FILTER, configuratorId: 'sofa-configurator' };
const TWO_PAIRS: ConfigurationRowsFilter = { ...FILTER, pairs: [{ module: 3, action: 2 }, { module: 4, action: 2 }], configuratorId: 'sofa-configurator' };

/**
 * The SQL of `configurations`. Rows are read per action name in the order of the index
 * (tenant, module, action, created[, id]): a count per name, a covering id query for a page,
 * the page's rows by id, or all rows of a name streamed.
 */
@Injectable()
export class ConfigurationsRepository {
  constructor(private readonly db: Database) {}

  /** The catalog's configuration actions (all, or those of the given action numbers), in the caller's snapshot. */
  @GenerateSql({ name: 'all', params: [SqlArg.em, undefined] }, { name: 'some actions', params: [SqlArg.em, [2, 302]] })
  async configurationActions(em: EntityManager, actions: readonly number[] | undefined): Promise<ConfigurationAction[]> {
    const params: unknown[] = [1];
    let sql = 'SELECT module, action, name, carries_part_list AS carriesPartList FROM catalog_action WHERE configuration_action = ?';
    if (actions?.length) {
      sql += ` AND action IN (${this.db.sql.list(actions.length)})`;
      params.push(...actions);
    }
    const rows: Array<Record<string, unknown>> = await em.query(sql, params);
    return rows.map((r) => ({ module: toInt(r.module), action: toInt(r.action), name: String(r.name), carriesPartList: toBool(r.carriesPartList) }));
  }

  /**
   * How many real-time rows of the pairs lie in the whole local days [from, to), from the
   * summaries (each real-time row has count 1, so a level-0 summary count is a row count):
   * `stat_day`, or `stat_day_label` for one configurator. In the caller's snapshot.
   */
  @GenerateSql(
    { name: 'one pair', params: [SqlArg.em, FILTER, FILTER.from, FILTER.to], explain: true },
    { name: 'two pairs, configuratorId', params: [SqlArg.em, TWO_PAIRS, FILTER.from, FILTER.to], explain: true },
  )
  async realTimeRowsOfDays(em: EntityManager, filter: PairsFilter, from: Date, to: Date): Promise<RowsByPair> {
    const table = filter.configuratorId === undefined ? 'stat_day' : 'stat_day_label';
    const where = this.pairsWhere(filter, 's');
    // The summary table and the pending rows of those days, each side grouped, then added up.
    const rows$ = summaryRows(
      table,
      's.module AS module, s.action AS action, SUM(s.count) AS n',
      ['s.tenant = ?', 's.day >= ?', 's.day < ?', 's.aggregation_level = 0', where.sql],
      [filter.tenant, this.db.sql.instant(from), this.db.sql.instant(to), ...where.params],
      ['s.module', 's.action'],
      's',
    );
    const rows: Array<Record<string, unknown>> = await em.query(`SELECT module, action, SUM(n) AS n FROM (${rows$.sql}) u GROUP BY module, action`, rows$.params);
    return byPair(rows);
  }

  /**
   * How many rolled-up (daily, monthly) rows of the pairs were created in [from, to): the
   * compacted minority, counted on the (tenant, aggregation_level, created) index. In the caller's snapshot.
   */
  @GenerateSql(
    { name: 'one pair', params: [SqlArg.em, FILTER, FILTER.from, FILTER.to], explain: true },
    { name: 'two pairs, configuratorId', params: [SqlArg.em, TWO_PAIRS, FILTER.from, FILTER.to], explain: true },
  )
  async rolledRows(em: EntityManager, filter: PairsFilter, from: Date, to: Date): Promise<RowsByPair> {
    // `+ua.module` (select, where, group by): SQLite's planner would pick the (tenant, module,
    // action, created) index to group without a sort and walk every level's rows of the span; a
    // unary plus keeps it on the level index (MySQL's and MariaDB's parsers drop a unary plus).
    const where = this.pairsWhere(filter, '+ua');
    const rows: Array<Record<string, unknown>> = await em.query(
      `SELECT +ua.module AS module, +ua.action AS action, COUNT(*) AS n FROM user_action ua
        WHERE ua.tenant = ? AND ua.aggregation_level IN (1, 2) AND ua.created >= ? AND ua.created < ? AND ${where.sql} GROUP BY +ua.module, +ua.action`,
      [filter.tenant, this.db.sql.instant(from), this.db.sql.instant(to), ...where.params],
    );
    return byPair(rows);
  }

  /** How many rows of the pairs (any level) lie in [from, to), counted from `user_action`, in the caller's snapshot. */
  @GenerateSql(
    { name: 'one pair', params: [SqlArg.em, FILTER, FILTER.from, FILTER.to], explain: true },
    { name: 'one pair, configuratorId', params: [SqlArg.em, ONE_CONFIGURATOR, FILTER.from, FILTER.to], explain: true },
    { name: 'two pairs, configuratorId', params: [SqlArg.em, TWO_PAIRS, FILTER.from, FILTER.to], explain: true },
  )
  async rawRows(em: EntityManager, filter: PairsFilter, from: Date, to: Date): Promise<RowsByPair> {
    const where = this.where({ ...filter, from, to });
    const rows: Array<Record<string, unknown>> = await em.query(
      `SELECT ua.module AS module, ua.action AS action, COUNT(*) AS n FROM user_action ua WHERE ${where.sql} GROUP BY ua.module, ua.action`,
      where.params,
    );
    return byPair(rows);
  }

  /** The ids of `limit` matching rows after `offset`, newest first (created, then id, descending), in the caller's snapshot. */
  @GenerateSql(
    { name: 'one pair', params: [SqlArg.em, FILTER, 50, 100], explain: true },
    { name: 'one pair, configuratorId', params: [SqlArg.em, ONE_CONFIGURATOR, 50, 0], explain: true },
    { name: 'two pairs, configuratorId', params: [SqlArg.em, TWO_PAIRS, 50, 0], explain: true },
  )
  async pageIds(em: EntityManager, filter: ConfigurationRowsFilter, limit: number, offset: number): Promise<RowId[]> {
    const where = this.where(filter);
    const ids: Array<{ id: RowId }> = await em.query(
      `SELECT ua.id AS id FROM user_action ua WHERE ${where.sql} ORDER BY ua.created DESC, ua.id DESC LIMIT ? OFFSET ?`,
      [...where.params, limit, offset],
    );
    return ids.map((r) => r.id);
  }

  /** The rows of the given ids (any order), in the caller's snapshot. */
  @GenerateSql({ params: [SqlArg.em, [1, 2, 3]], explain: true })
  async rowsByIds(em: EntityManager, ids: readonly RowId[]): Promise<ConfigurationRecord[]> {
    if (ids.length === 0) return [];
    const rows: Array<Record<string, unknown>> = await em.query(`SELECT ${ROW_COLUMNS} FROM user_action ua ${ROW_JOINS} WHERE ua.id IN (${this.db.sql.list(ids.length)})`, [...ids]);
    return rows.map(toConfigurationRecord);
  }

  /**
   * Every matching row, newest first, streamed from a replica when there are any (flat memory
   * whatever the row count). The stream's rows are driver rows: read each with
   * {@link toConfigurationRecord}. Destroying the stream stops the query.
   */
  @GenerateSql(
    { name: 'one pair', params: [FILTER], explain: true },
    { name: 'one pair, configuratorId', params: [ONE_CONFIGURATOR], explain: true },
    { name: 'two pairs, configuratorId', params: [TWO_PAIRS], explain: true },
  )
  stream(filter: ConfigurationRowsFilter): Readable {
    const where = this.where(filter);
    return this.db.streamSql(`SELECT ${ROW_COLUMNS} FROM user_action ua ${ROW_JOINS} WHERE ${where.sql} ORDER BY ua.created DESC, ua.id DESC`, where.params);
  }

  /** The pairs (and configurator) condition on table alias `t` (column names fixed, every value a parameter). */
  private pairsWhere(f: PairsFilter, t: 's' | 'ua' | '+ua'): { sql: string; params: unknown[] } {
    const params: unknown[] = [];
    const pairs = f.pairs.map((p) => {
      params.push(p.module, p.action);
      return `(${t}.module = ? AND ${t}.action = ?)`;
    });
    let sql = pairs.length === 1 ? pairs[0] : `(${pairs.join(' OR ')})`;
    if (f.configuratorId !== undefined) {
      sql += ` AND ${t}.action_label = ?`;
      params.push(f.configuratorId);
    }
    return { sql, params };
  }

  /** WHERE clause for the filter's rows (column names fixed, every value a parameter). */
  private where(f: ConfigurationRowsFilter): { sql: string; params: unknown[] } {
    const pairs = this.pairsWhere(f, 'ua');
    return {
      sql: `ua.tenant = ? AND ua.created >= ? AND ua.created < ? AND ${pairs.sql}`,
      params: [f.tenant, this.db.sql.instant(f.from), this.db.sql.instant(f.to), ...pairs.params],
    };
  }
}
