import { Injectable } from '@nestjs/common';
import { Database } from '../../database/database.service';
import { GenerateSql } from '../../database/generate-sql';
import { toInt, toStringOrNull } from '../../database/values';
import { Span } from '../../summary/range-plan';
import { Aggregation } from './aggregated.dto';

/** Column behind each allowed aggregation (a fixed map: user input never reaches SQL). */
const COLUMN: Record<Aggregation, string> = {
  country: 'country',
  device: 'device',
  actionLabel: 'action_label',
  actionId: 'action_id',
};

/** Aggregations the summary tables can answer (any combination of them); actionId is summed from `user_action`. */
export const SUMMARISED: ReadonlySet<Aggregation> = new Set(['country', 'device', 'actionLabel']);

/**
 * The summary table that answers whole days for a set of {@link SUMMARISED} aggregations: the
 * smallest whose dimensions cover them (`stat_day_label` holds far fewer rows than `stat_day_lcd`).
 */
export function summaryTable(aggregations: readonly Aggregation[]): 'stat_day' | 'stat_day_cd' | 'stat_day_label' | 'stat_day_lcd' {
  if (aggregations.length === 0) return 'stat_day';
  const label = aggregations.includes('actionLabel');
  const located = aggregations.some((a) => a === 'country' || a === 'device');
  if (!label) return 'stat_day_cd';
  return located ? 'stat_day_lcd' : 'stat_day_label';
}

export interface AggregatedFilter {
  module?: number;
  /** Only together with module (the service checks). */
  actions?: readonly number[];
}

/**
 * One part of an answer: whole local days from the summaries (the table {@link summaryTable}
 * picks — only {@link SUMMARISED} aggregations), or a span of `user_action`.
 */
export interface AggregatedPart {
  source: 'days' | 'raw';
  span: Span;
}

/** Sums of one group of one part (a group may come in several parts: the caller merges). */
export interface AggregatedSum {
  module: number;
  action: number;
  /** The group's values of the aggregations, in their order (NULL: not sent). */
  keys: Array<string | null>;
  count: number;
  aggregationLevel: number;
}

const DAY = (s: string) => new Date(`${s}T00:00:00.000Z`);
const EDGES: AggregatedPart[] = [
  { source: 'days', span: { from: DAY('2026-03-02'), to: DAY('2026-03-05') } },
  { source: 'raw', span: { from: new Date('2026-03-01T10:00:00.000Z'), to: DAY('2026-03-02') } },
  { source: 'raw', span: { from: DAY('2026-03-05'), to: new Date('2026-03-05T06:30:00.000Z') } },
];

/** The SQL of `userActionsAggregated`: sums per (module, action[, aggregations]) of planned parts. */
@Injectable()
export class AggregatedRepository {
  constructor(private readonly db: Database) {}

  /**
   * The sums of every part, in one statement (the parts joined by UNION ALL): its own consistent
   * snapshot, one round trip — this route serves every dashboard view. No parts: no statement.
   */
  @GenerateSql(
    { name: 'summary days and raw edges', params: [7, {}, [], EDGES], explain: true },
    { name: 'by country and device, module and actions', params: [7, { module: 3, actions: [1, 2] }, ['country', 'device'], EDGES], explain: true },
    { name: 'by actionLabel: summary days and raw edges', params: [7, { module: 3 }, ['actionLabel'], EDGES], explain: true },
    { name: 'by actionLabel and country', params: [7, { module: 3 }, ['actionLabel', 'country'], EDGES], explain: true },
    { name: 'by actionId: raw only', params: [7, { module: 3 }, ['actionId'], [{ source: 'raw', span: { from: DAY('2026-03-01'), to: DAY('2026-04-01') } }]], explain: true },
  )
  async sums(tenant: number, filter: AggregatedFilter, aggregations: readonly Aggregation[], parts: readonly AggregatedPart[]): Promise<AggregatedSum[]> {
    if (parts.length === 0) return [];
    const statements = parts.map((p) => this.part(tenant, filter, aggregations, p));
    const rows: Array<Record<string, unknown>> = await this.db.snapshot(
      (em) => em.query(statements.map(([sql]) => sql).join(' UNION ALL '), statements.flatMap(([, params]) => params)),
      1,
    );
    return rows.map((r) => ({
      module: toInt(r.module),
      action: toInt(r.action),
      keys: aggregations.map((a) => toStringOrNull(r[a])),
      count: toInt(r.count),
      aggregationLevel: toInt(r.aggregationLevel),
    }));
  }

  /** One part of the answer: sums of one table over one span, as a parameterised SELECT. */
  private part(tenant: number, filter: AggregatedFilter, aggregations: readonly Aggregation[], part: AggregatedPart): [string, unknown[]] {
    if (part.source === 'days' && !aggregations.every((a) => SUMMARISED.has(a))) {
      throw new Error(`the summaries cannot answer aggregations ${aggregations.join(', ')}`);
    }
    const table = part.source === 'raw' ? 'user_action' : summaryTable(aggregations);
    const timeColumn = part.source === 'raw' ? 'created' : 'day';
    const cols = aggregations.map((a) => `${COLUMN[a]} AS ${a}`);
    const groupBy = ['module', 'action', ...aggregations.map((a) => COLUMN[a])];
    const where = ['tenant = ?', `${timeColumn} >= ?`, `${timeColumn} < ?`];
    const params: unknown[] = [tenant, this.db.sql.instant(part.span.from), this.db.sql.instant(part.span.to)];
    if (filter.module !== undefined) {
      where.push('module = ?');
      params.push(filter.module);
    }
    if (filter.actions?.length) {
      where.push(`action IN (${this.db.sql.list(filter.actions.length)})`);
      params.push(...filter.actions);
    }
    return [
      `SELECT module, action, ${[...cols, 'SUM(count) AS count', 'MAX(aggregation_level) AS aggregationLevel'].join(', ')}
         FROM ${table} WHERE ${where.join(' AND ')} GROUP BY ${groupBy.join(', ')}`,
      params,
    ];
  }
}
