import { BadRequestException, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Calendar } from '../../common/calendar';
import { Clock } from '../../common/clock';
import { Database } from '../../database/database.service';
import { AggregationLevel } from '../../database/entities';
import { toInstant, toInt } from '../../database/values';
import { planRange, Span } from '../../summary/range-plan';
import { checkRange } from '../statistics-query.dto';
import { MonthlyUserActionDto, MonthlyUserActionsResponseDto, UserActionsQueryDto } from './user-actions.dto';

export interface MonthlyRow extends MonthlyUserActionDto {
  month: number;
  year: number;
}

/**
 * Monthly totals per (month, module, action), months taken in STATISTICS_TIME_ZONE. Whole days
 * come from the `stat_day` summary; the partial days at the edges of `from`/`to` from
 * `user_action` (each edge lies inside one day, so inside one month).
 */
@Injectable()
export class UserActionsService {

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly calendar: Calendar,
  ) {}

  /** Whole days [days.from, days.to) (either end open) plus partial-day edges. */
  private plan(from?: Date, to?: Date): { days: { from?: Date; to?: Date } | null; raw: Span[] } {
    if (from && to) {
      const p = planRange(this.calendar, from, to);
      return { days: p.days ?? null, raw: p.raw };
    }
    const raw: Span[] = [];
    let dayFrom: Date | undefined;
    let dayTo: Date | undefined;
    if (from) {
      dayFrom = this.calendar.startOfDay(from);
      if (dayFrom.getTime() < from.getTime()) {
        const next = this.calendar.addDays(dayFrom, 1);
        raw.push({ from, to: next });
        dayFrom = next;
      }
    }
    if (to) {
      dayTo = this.calendar.startOfDay(to);
      if (dayTo.getTime() < to.getTime()) raw.push({ from: dayTo, to });
    }
    return { days: { from: dayFrom, to: dayTo }, raw };
  }

  async monthly(tenant: number, q: UserActionsQueryDto): Promise<MonthlyRow[]> {
    if (q.action !== undefined && q.module === undefined) throw new BadRequestException('action is only allowed together with module');
    if (q.from && q.to) checkRange(q.from, q.to);
    const plan = this.plan(q.from, q.to);
    const filter = () => {
      const where: string[] = ['tenant = ?'];
      const params: unknown[] = [tenant];
      if (q.module !== undefined) {
        where.push(`module = ?`);
        params.push(q.module);
      }
      if (q.action !== undefined) {
        where.push(`action = ?`);
        params.push(q.action);
      }
      return { where, params };
    };
    const groups = new Map<string, { month: Date; module: number; action: number; count: number; date: Date }>();
    const add = (month: Date, module: number, action: number, count: number, date: Date) => {
      const key = `${month.getTime()}|${module}|${action}`;
      const g = groups.get(key);
      if (!g) groups.set(key, { month, module, action, count, date });
      else {
        g.count += count;
        if (date < g.date) g.date = date;
      }
    };
    await this.db.snapshot(async (em: EntityManager) => {
      if (plan.days) {
        const { where, params } = filter();
        if (plan.days.from) {
          where.push('day >= ?');
          params.push(this.db.instantParam(plan.days.from));
        }
        if (plan.days.to) {
          where.push('day < ?');
          params.push(this.db.instantParam(plan.days.to));
        }
        const rows: Array<Record<string, unknown>> = await em.query(
          `SELECT day, module, action, SUM(count) AS count, MIN(min_created) AS date FROM stat_day WHERE ${where.join(' AND ')} GROUP BY day, module, action`,
          params,
        );
        for (const r of rows) add(this.calendar.startOfMonth(toInstant(r.day)), toInt(r.module), toInt(r.action), toInt(r.count), toInstant(r.date));
      }
      for (const span of plan.raw) {
        const { where, params } = filter();
        where.push('created >= ?', 'created < ?');
        params.push(this.db.instantParam(span.from), this.db.instantParam(span.to));
        const rows: Array<Record<string, unknown>> = await em.query(
          `SELECT module, action, SUM(count) AS count, MIN(created) AS date FROM user_action WHERE ${where.join(' AND ')} GROUP BY module, action`,
          params,
        );
        const month = this.calendar.startOfMonth(span.from);
        for (const r of rows) add(month, toInt(r.module), toInt(r.action), toInt(r.count), toInstant(r.date));
      }
    }, (plan.days ? 1 : 0) + plan.raw.length);
    return [...groups.values()]
      .map((g): MonthlyRow => {
        const { month, year } = this.calendar.monthYear(g.month);
        return {
          date: g.date.toISOString(),
          module: g.module,
          action: g.action,
          tenant,
          count: g.count,
          aggregationLevel: AggregationLevel.Monthly,
          month,
          year,
        };
      })
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.module - b.module || a.action - b.action));
  }

  toJson(rows: MonthlyRow[]): MonthlyUserActionsResponseDto {
    return {
      userActions: rows.map(({ date, module, action, tenant, count, aggregationLevel }) => ({ date, module, action, tenant, count, aggregationLevel })),
      meta: { total: rows.length, serverTime: this.clock.now().toISOString() },
    };
  }
}
