import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../../database/database.service';
import { GenerateSql } from '../../database/generate-sql';
import { toInstant, toInt } from '../../database/values';
import type { Span } from '../../summary/range-plan';
import { summaryRows } from '../../summary/summary-sql';
import type { Aggregation } from '../aggregated/aggregated.dto';
import { type AggregatedFilter, AggregatedRepository, type AggregatedSum, type AnswerPart, type DaySum, type SlotSums } from '../aggregated/aggregated.repository';

const H = (s: string) => new Date(`2026-03-05T${s}:00.000Z`);

/**
 * The reads of userActionsSeries. Day, week and month buckets are read per local day with the
 * parts userActionsAggregated plans (one statement: the summary days and their pending rows
 * grouped by day, the edge days beside them) — the same SQL as that route. Hour buckets without
 * aggregations: the hourly summary `stat_hour` (and its pending rows) for the whole hours, the raw
 * rows of the partial hours at the edges, in one statement. Day, week and month buckets by
 * actionId alone come from the per-item summary like any day (with a limit, only the page's
 * items: SeriesService.topItems). Hour buckets with aggregations, and buckets by actionId with
 * other aggregations: the rows of the range filed under the bucket of their instant
 * (docs/performance.md, "Time series").
 */
@Injectable()
export class SeriesRepository {
  constructor(
    private readonly db: Database,
    private readonly aggregated: AggregatedRepository,
  ) {}

  daySums(tenant: number, filter: AggregatedFilter, aggregations: readonly Aggregation[], parts: readonly AnswerPart[], em?: EntityManager): Promise<DaySum[]> {
    return this.aggregated.daySums(tenant, filter, aggregations, parts, em);
  }

  /** The sums of the whole range per group (userActionsAggregated's read), in the caller's snapshot `em`. */
  sums(tenant: number, filter: AggregatedFilter, aggregations: readonly Aggregation[], parts: readonly AnswerPart[], em: EntityManager): Promise<AggregatedSum[]> {
    return this.aggregated.sums(tenant, filter, aggregations, parts, em);
  }

  /** {@link sums} by actionId alone with unnamed groups (AggregatedRepository.unnamedItemSums), in the caller's snapshot. */
  unnamedItemSums(tenant: number, filter: AggregatedFilter, parts: readonly AnswerPart[], em: EntityManager): Promise<AggregatedSum[]> {
    return this.aggregated.unnamedItemSums(tenant, filter, parts, em);
  }

  /** Several reads that must agree (a ranking and the buckets of its page), in one consistent snapshot. */
  snapshot<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.db.snapshot(work, 3);
  }

  /** Per group, its counts in `slots` buckets of `span`: `slot(t)` is the bucket of instant t (the rows of the range). */
  bucketSums(tenant: number, filter: AggregatedFilter, aggregations: readonly Aggregation[], span: Span, slots: number, slot: (t: number) => number): Promise<SlotSums[]> {
    return this.aggregated.slotSums(tenant, filter, aggregations, span, slots, slot);
  }

  /**
   * Hour buckets without aggregations: `stat_hour` plus the pending rows of the whole local hours
   * `hours` (grouped by hour), and the raw rows of each partial hour in `edges` (each within one
   * bucket, grouped per edge): one statement, one snapshot. `slot(t)`: the bucket of instant t.
   */
  @GenerateSql(
    {
      name: 'whole hours from stat_hour and its pending rows, the partial hours raw',
      params: [7, { module: 3 }, { from: H('09:00'), to: H('12:00') }, [{ from: H('08:30'), to: H('09:00') }, { from: H('12:00'), to: H('12:15') }], 5, () => 0],
      explain: true,
    },
    { name: 'whole hours only, module and actions', params: [7, { module: 3, actions: [1, 2] }, { from: H('08:00'), to: H('12:00') }, [], 4, () => 0], explain: true },
  )
  async hourSums(tenant: number, filter: AggregatedFilter, hours: Span | undefined, edges: readonly Span[], slots: number, slot: (t: number) => number): Promise<SlotSums[]> {
    const statements: string[] = [];
    const params: unknown[] = [];
    const filterWhere = (where: string[], p: unknown[]) => {
      if (filter.module !== undefined) {
        where.push('module = ?');
        p.push(filter.module);
      }
      if (filter.actions?.length) {
        where.push(`action IN (${this.db.sql.list(filter.actions.length)})`);
        p.push(...filter.actions);
      }
    };
    if (hours) {
      const where = ['tenant = ?', 'hour >= ?', 'hour < ?'];
      const p: unknown[] = [tenant, this.db.sql.instant(hours.from), this.db.sql.instant(hours.to)];
      filterWhere(where, p);
      const rows = summaryRows('stat_hour', '0 AS slot, hour AS at, module, action, SUM(count) AS count', where, p, ['hour', 'module', 'action']);
      statements.push(rows.sql);
      params.push(...rows.params);
    }
    edges.forEach((e, i) => {
      const where = ['tenant = ?', 'created >= ?', 'created < ?'];
      const p: unknown[] = [tenant, this.db.sql.instant(e.from), this.db.sql.instant(e.to)];
      filterWhere(where, p);
      // `i + 1` is a number the code counts (never input): the edge whose rows these are.
      statements.push(`SELECT ${i + 1} AS slot, NULL AS at, module, action, SUM(count) AS count FROM user_action WHERE ${where.join(' AND ')} GROUP BY module, action`);
      params.push(...p);
    });
    if (statements.length === 0) return [];
    const rows: Array<Record<string, unknown>> = await this.db.read((em) => em.query(statements.join(' UNION ALL '), params));
    const groups = new Map<string, SlotSums>();
    for (const r of rows) {
      const module = toInt(r.module);
      const action = toInt(r.action);
      const count = toInt(r.count);
      const s = toInt(r.slot);
      const at = s === 0 ? toInstant(r.at).getTime() : edges[s - 1].from.getTime();
      const id = `${module}|${action}`;
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { module, action, keys: [], count: 0, aggregationLevel: 0, counts: new Array<number>(slots).fill(0) }));
      g.counts[slot(at)] += count;
      g.count += count;
    }
    return [...groups.values()];
  }
}
