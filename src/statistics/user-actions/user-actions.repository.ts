import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../../database/database.service';
import { summaryRows } from '../../summary/summary-sql';
import { GenerateSql } from '../../database/generate-sql';
import { toInstant, toInt } from '../../database/values';
import { OpenSpan, Span } from '../../summary/range-plan';

export interface ModuleActionFilter {
  module?: number;
  /** Only together with module (the service checks). */
  action?: number;
}

/** Sum of one (module, action) and the earliest instant it counts. */
export interface ModuleActionSum {
  module: number;
  action: number;
  count: number;
  /** The earliest `created` (raw rows) or `min_created` (summary rows) of the sum. */
  date: Date;
}

export interface MonthlySums {
  /** Per (local day, module, action) over the plan's whole days (empty without them). */
  days: Array<ModuleActionSum & { day: Date }>;
  /** Per (module, action), one list per raw span of the plan, in the plan's order. */
  raw: ModuleActionSum[][];
}

const DAY = (s: string) => new Date(`${s}T00:00:00.000Z`);

/** The SQL of the monthly route (`useractions`): whole days from `stat_day`, partial edge days from `user_action`. */
@Injectable()
export class MonthlyUserActionsRepository {
  constructor(private readonly db: Database) {}

  /** The sums of a planned range (see planRange), all in one consistent snapshot. */
  @GenerateSql(
    {
      name: 'whole days and both edges',
      params: [7, {}, { days: { from: DAY('2026-03-02'), to: DAY('2026-03-05') }, raw: [{ from: new Date('2026-03-01T10:00:00.000Z'), to: DAY('2026-03-02') }, { from: DAY('2026-03-05'), to: new Date('2026-03-05T06:30:00.000Z') }] }],
      explain: true,
    },
    { name: 'open range, module and action', params: [7, { module: 3, action: 1 }, { days: {}, raw: [] }], explain: true },
  )
  async sums(tenant: number, filter: ModuleActionFilter, plan: { days?: OpenSpan; raw: readonly Span[] }): Promise<MonthlySums> {
    return this.db.snapshot(
      async (em: EntityManager) => {
        const days = plan.days ? await this.daySums(em, tenant, filter, plan.days) : [];
        const raw: ModuleActionSum[][] = [];
        for (const span of plan.raw) raw.push(await this.rawSums(em, tenant, filter, span));
        return { days, raw };
      },
      (plan.days ? 1 : 0) + plan.raw.length,
    );
  }

  private filter(tenant: number, filter: ModuleActionFilter): { where: string[]; params: unknown[] } {
    const where: string[] = ['tenant = ?'];
    const params: unknown[] = [tenant];
    if (filter.module !== undefined) {
      where.push('module = ?');
      params.push(filter.module);
    }
    if (filter.action !== undefined) {
      where.push('action = ?');
      params.push(filter.action);
    }
    return { where, params };
  }

  private async daySums(em: EntityManager, tenant: number, filter: ModuleActionFilter, days: OpenSpan): Promise<MonthlySums['days']> {
    const { where, params } = this.filter(tenant, filter);
    if (days.from) {
      where.push('day >= ?');
      params.push(this.db.sql.instant(days.from));
    }
    if (days.to) {
      where.push('day < ?');
      params.push(this.db.sql.instant(days.to));
    }
    // stat_day and the pending rows of those days, each side grouped, then added up.
    const rows$ = summaryRows('stat_day', 'day, module, action, SUM(count) AS count, MIN(min_created) AS first_created', where, params, ['day', 'module', 'action']);
    const rows: Array<Record<string, unknown>> = await em.query(
      `SELECT day, module, action, SUM(count) AS count, MIN(first_created) AS date FROM (${rows$.sql}) s GROUP BY day, module, action`,
      rows$.params,
    );
    return rows.map((r) => ({ day: toInstant(r.day), module: toInt(r.module), action: toInt(r.action), count: toInt(r.count), date: toInstant(r.date) }));
  }

  private async rawSums(em: EntityManager, tenant: number, filter: ModuleActionFilter, span: Span): Promise<ModuleActionSum[]> {
    const { where, params } = this.filter(tenant, filter);
    where.push('created >= ?', 'created < ?');
    params.push(this.db.sql.instant(span.from), this.db.sql.instant(span.to));
    const rows: Array<Record<string, unknown>> = await em.query(
      `SELECT module, action, SUM(count) AS count, MIN(created) AS date FROM user_action WHERE ${where.join(' AND ')} GROUP BY module, action`,
      params,
    );
    return rows.map((r) => ({ module: toInt(r.module), action: toInt(r.action), count: toInt(r.count), date: toInstant(r.date) }));
  }
}
