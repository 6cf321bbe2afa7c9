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
