import { BadRequestException, Injectable } from '@nestjs/common';
import { Calendar } from '../../common/calendar';
import { Clock } from '../../common/clock';
import { AggregationLevel } from '../../database/entities';
import { planRange } from '../../summary/range-plan';
import { checkRange } from '../statistics-query.dto';
import { MonthlyUserActionDto, MonthlyUserActionsResponseDto, UserActionsQueryDto } from './user-actions.dto';
import { MonthlyUserActionsRepository } from './user-actions.repository';

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
    private readonly repository: MonthlyUserActionsRepository,
    private readonly clock: Clock,
    private readonly calendar: Calendar,
  ) {}

  async monthly(tenant: number, q: UserActionsQueryDto): Promise<MonthlyRow[]> {
    if (q.action !== undefined && q.module === undefined) throw new BadRequestException('action is only allowed together with module');
    if (q.from && q.to) checkRange(q.from, q.to);
    // Whole days [days.from, days.to) (either end open) plus partial-day edges.
    const plan = planRange(this.calendar, q.from, q.to);
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
    const sums = await this.repository.sums(tenant, { module: q.module, action: q.action }, plan);
    for (const r of sums.days) add(this.calendar.startOfMonth(r.day), r.module, r.action, r.count, r.date);
    sums.raw.forEach((rows, i) => {
      // Each edge lies inside one day, so inside one month.
      const month = this.calendar.startOfMonth(plan.raw[i].from);
      for (const r of rows) add(month, r.module, r.action, r.count, r.date);
    });
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
