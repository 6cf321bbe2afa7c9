import { DialectSql } from '../database/dialect';

/** The summary tables a read can name, each with the time column its rows are bucketed by. */
export const SUMMARY_TIME_COLUMN = {
  stat_day: 'day',
  stat_day_cd: 'day',
  stat_day_label: 'day',
  stat_day_lc: 'day',
  stat_day_lcd: 'day',
  stat_hour: 'hour',
} as const;

export type SummaryTableName = keyof typeof SUMMARY_TIME_COLUMN;

/**
 * The one way to read a summary table: its rows plus the pending deltas of the same range
 * (`summary_pending`, not folded yet), as two SELECTs joined by UNION ALL — in one statement,
 * so one consistent snapshot. Every pending row carries every summary table's columns (day,
 * hour, module, action, level, country, device, action label) and a positive count, so the
 * same select list, conditions and grouping apply to both; each side groups its own rows (the
 * summary side keeps its index plans) and the caller adds the two sides' sums up, in SQL
 * (an outer GROUP BY over `AS s`) or in the service.
 *
 * `select` and `where` name only those shared columns (unqualified, or qualified by `alias`,
 * which both sides get); `groupBy` may be empty. `params` are the parameters of `where`, once:
 * they are repeated for the pending side.
 */
export function summaryRows(
  table: SummaryTableName,
  select: string,
  where: readonly string[],
  params: readonly unknown[],
  groupBy: readonly string[] = [],
  alias = '',
): { sql: string; params: unknown[] } {
  const tail = `${alias ? `${alias} ` : ''}WHERE ${where.join(' AND ')}${groupBy.length ? ` GROUP BY ${groupBy.join(', ')}` : ''}`;
  return {
    sql: `SELECT ${select} FROM ${table} ${tail} UNION ALL SELECT ${select} FROM summary_pending ${tail}`,
    params: [...params, ...params],
  };
}

/**
 * {@link summaryRows} for `aggregations=actionId` (AggregatedRepository): the per-item summary
 * `stat_day_item` grouped by (module, action, item number[, day][, level]) in a derived table —
 * integers, so the grouping stays in memory — and only then joined to the item dictionary for
 * each group's `actionId` (item 0, no dictionary row: NULL); UNION ALL the pending rows of the
 * same range grouped by their `action_id` (few: the fold drains them within seconds). One
 * statement, one snapshot. The summary side's columns come in the order of `pendingSelect`:
 * `edge, module, action[, slot, day], actionId, count, aggregationLevel`.
 *
 * `slot`: undefined (not by day), 0 (grouped by `day`) or the number of the one local day the
 * part lies in; `byLevel`: grouped by level too (one side of a day less its rest). `summary`:
 * the conditions on `stat_day_item` (items by number); `pending`: the select list, conditions
 * and grouping of the pending side (items by `action_id`). `unnamed`: the summary side gives each
 * group's item number (`item`, its name NULL) instead of joining the dictionary; the pending side's
 * select list has the `item` column (NULL) too.
 */
export function itemSummaryRows(
  edge: number,
  slot: number | undefined,
  byLevel: boolean,
  summary: { where: readonly string[]; params: readonly unknown[] },
  pending: { select: string; where: readonly string[]; params: readonly unknown[]; groupBy: readonly string[] },
  unnamed = false,
): { sql: string; params: unknown[] } {
  const group = ['module', 'action', 'item', ...(slot === 0 ? ['day'] : []), ...(byLevel ? ['aggregation_level'] : [])];
  const level = byLevel ? 'aggregation_level AS aggregationLevel' : 'MAX(aggregation_level) AS aggregationLevel';
  const slotCols = slot === 0 ? '0 AS slot, g.day, ' : slot !== undefined ? `${Number(slot)} AS slot, NULL AS day, ` : '';
  const grouped = `SELECT ${group.filter((c) => c !== 'aggregation_level').join(', ')}, SUM(count) AS count, ${level} FROM stat_day_item WHERE ${summary.where.join(' AND ')} GROUP BY ${group.join(', ')}`;
  const named = unnamed
    ? `SELECT ${Number(edge)} AS edge, g.module, g.action, ${slotCols}g.item AS item, NULL AS actionId, g.count, g.aggregationLevel FROM (${grouped}) g`
    : `SELECT ${Number(edge)} AS edge, g.module, g.action, ${slotCols}i.action_id AS actionId, g.count, g.aggregationLevel FROM (${grouped}) g LEFT JOIN stat_item i ON i.id = g.item`;
  const queued = `SELECT ${pending.select} FROM summary_pending WHERE ${pending.where.join(' AND ')} GROUP BY ${pending.groupBy.join(', ')}`;
  return { sql: `${named} UNION ALL ${queued}`, params: [...summary.params, ...pending.params] };
}

/** `day >= ? AND day < ?` (or `hour`) for a span of a summary table, with its parameters. */
export function timeRange(sql: DialectSql, table: SummaryTableName, from: Date | undefined, to: Date | undefined): { where: string[]; params: unknown[] } {
  const column = SUMMARY_TIME_COLUMN[table];
  const where: string[] = [];
  const params: unknown[] = [];
  if (from) {
    where.push(`${column} >= ?`);
    params.push(sql.instant(from));
  }
  if (to) {
    where.push(`${column} < ?`);
    params.push(sql.instant(to));
  }
  return { where, params };
}
