import { Calendar } from '../common/calendar';

/** A change to the totals of one (tenant, local day and hour, module, action, level, country, device, action label, item). */
export interface SummaryDelta {
  day: Date;
  /** The local hour of the rows (stat_hour); within `day`. */
  hour: Date;
  module: number;
  action: number;
  level: number;
  country: string | null;
  device: string | null;
  actionLabel: string | null;
  /** The item (`stat_day_item`, through the item dictionary). */
  actionId: string | null;
  count: number;
  /** Earliest `created` among the rows added (ignored for negative deltas). */
  minCreated: Date;
}

/** The user-action values a summary row counts: a stored row, a row about to be stored, or a rollup aggregate. */
export type SummarySource = Omit<SummaryDelta, 'day' | 'hour' | 'minCreated'> & { created: Date };

/**
 * The summary deltas that add `rows` (sign 1) or remove them (sign -1): each row counts in the
 * local day and hour (STATISTICS_TIME_ZONE) of its `created`. The one place an instant is bucketed into a
 * summary day — ingestion (new rows), rollup (rows moving between levels and days) and rebuild
 * (every stored row) all call it.
 */
export function summaryDeltas(calendar: Calendar, rows: readonly SummarySource[], sign: 1 | -1 = 1): SummaryDelta[] {
  return rows.map((r) => ({
    day: calendar.startOfDay(r.created),
    hour: calendar.startOfHour(r.created),
    module: r.module,
    action: r.action,
    level: r.level,
    country: r.country,
    device: r.device,
    actionLabel: r.actionLabel,
    actionId: r.actionId,
    count: sign * r.count,
    minCreated: r.created,
  }));
}
