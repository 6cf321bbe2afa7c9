import { BadRequestException, Injectable } from '@nestjs/common';
import { SelectQueryBuilder } from 'typeorm';
import { Calendar } from '../../common/calendar';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { Database } from '../../database/database.service';
import { AggregationLevel, UserActionEntity } from '../../database/entities';
import { toInstant, toInt } from '../../database/values';
import { checkRange } from '../statistics-query.dto';
import { MonthlyUserActionDto, MonthlyUserActionsResponseDto, UserActionsQueryDto } from './user-actions.dto';

export interface MonthlyRow extends MonthlyUserActionDto {
  month: number;
  year: number;
}

/** Monthly totals per (month, module, action), months taken in STATISTICS_TIME_ZONE. */
@Injectable()
export class UserActionsService {
  private readonly calendar: Calendar;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.calendar = new Calendar(config.timeZone);
  }

  async monthly(tenant: number, q: UserActionsQueryDto): Promise<MonthlyRow[]> {
    if (q.action !== undefined && q.module === undefined) throw new BadRequestException('action is only allowed together with module');
    if (q.from && q.to) checkRange(q.from, q.to);
    return this.db.read(async (em) => {
      const filtered = (qb: SelectQueryBuilder<any>) => {
        qb.where('ua.tenant = :tenant', { tenant });
        if (q.module !== undefined) qb.andWhere('ua.module = :module', { module: q.module });
        if (q.action !== undefined) qb.andWhere('ua.action = :action', { action: q.action });
        if (q.from) qb.andWhere('ua.created >= :from', { from: q.from });
        if (q.to) qb.andWhere('ua.created < :to', { to: q.to });
        return qb;
      };
      const bounds = await filtered(
        em.createQueryBuilder().from(UserActionEntity, 'ua').select('MIN(ua.created)', 'first').addSelect('MAX(ua.created)', 'last'),
      ).getRawOne<{ first: unknown; last: unknown }>();
      if (!bounds || bounds.first === null || bounds.first === undefined) return [];
      // Month buckets: month i holds [starts[i], starts[i+1]). The boundaries are computed here in
      // the configured zone and passed as parameters, so SQL needs no time-zone support.
      const starts = this.calendar.monthStarts(toInstant(bounds.first), toInstant(bounds.last));
      const params: Record<string, Date> = {};
      const whens = starts.slice(1, -1).map((s, i) => {
        params[`monthEnd${i}`] = s;
        return `WHEN ua.created < :monthEnd${i} THEN ${i}`;
      });
      const bucket = whens.length ? `CASE ${whens.join(' ')} ELSE ${whens.length} END` : '0';
      const rows = await filtered(
        em
          .createQueryBuilder()
          .from(UserActionEntity, 'ua')
          .select('ua.module', 'module')
          .addSelect('ua.action', 'action')
          .addSelect(bucket, 'bucket')
          .addSelect('MIN(ua.created)', 'date')
          .addSelect('SUM(ua.count)', 'count'),
      )
        .setParameters(params)
        .groupBy('ua.module')
        .addGroupBy('ua.action')
        .addGroupBy('bucket')
        .getRawMany<Record<string, unknown>>();
      return rows
        .map((r): MonthlyRow => {
          const date = toInstant(r.date);
          const { month, year } = this.calendar.monthYear(starts[toInt(r.bucket)]);
          return {
            date: date.toISOString(),
            module: toInt(r.module),
            action: toInt(r.action),
            tenant,
            count: toInt(r.count),
            aggregationLevel: AggregationLevel.Monthly,
            month,
            year,
          };
        })
        .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.module - b.module || a.action - b.action));
    });
  }

  toJson(rows: MonthlyRow[]): MonthlyUserActionsResponseDto {
    return {
      userActions: rows.map(({ date, module, action, tenant, count, aggregationLevel }) => ({ date, module, action, tenant, count, aggregationLevel })),
      meta: { total: rows.length, serverTime: this.clock.now().toISOString() },
    };
  }
}
