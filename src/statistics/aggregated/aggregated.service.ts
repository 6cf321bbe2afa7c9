import { BadRequestException, Injectable } from '@nestjs/common';
import { Calendar } from '../../common/calendar';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { Database } from '../../database/database.service';
import { UserActionEntity } from '../../database/entities';
import { toInt, toStringOrNull } from '../../database/values';
import { checkRange } from '../statistics-query.dto';
import { AggregatedQueryDto, AggregatedResponseDto, AggregatedUserActionDto, Aggregation } from './aggregated.dto';

/** Entity property behind each allowed aggregation (a fixed map: user input never reaches SQL). */
const AGGREGATION_PROPERTY: Record<Aggregation, string> = {
  country: 'ua.country',
  device: 'ua.device',
  actionLabel: 'ua.actionLabel',
  actionId: 'ua.actionId',
};

export interface AggregatedResult {
  from: Date;
  to: Date;
  aggregations: Aggregation[];
  rows: AggregatedUserActionDto[];
}

/** Sums per (module, action[, aggregations]) in [from, to). */
@Injectable()
export class AggregatedService {
  private readonly calendar: Calendar;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.calendar = new Calendar(config.timeZone);
  }

  async aggregate(tenant: number, q: AggregatedQueryDto): Promise<AggregatedResult> {
    if (q.actions && q.module === undefined) throw new BadRequestException('actions is only allowed together with module');
    const { from, to } = q.from && q.to ? { from: q.from, to: q.to } : this.calendar.currentMonth(this.clock.now());
    checkRange(from, to);
    const aggregations = q.aggregations ?? [];
    const rows = await this.db.read((em) => {
      const qb = em
        .createQueryBuilder()
        .from(UserActionEntity, 'ua')
        .select('ua.module', 'module')
        .addSelect('ua.action', 'action')
        .addSelect('SUM(ua.count)', 'count')
        .addSelect('MAX(ua.aggregationLevel)', 'aggregationLevel')
        .where('ua.tenant = :tenant AND ua.created >= :from AND ua.created < :to', { tenant, from, to })
        .groupBy('ua.module')
        .addGroupBy('ua.action')
        .orderBy('ua.module', 'ASC')
        .addOrderBy('ua.action', 'ASC');
      if (q.module !== undefined) qb.andWhere('ua.module = :module', { module: q.module });
      if (q.actions?.length) qb.andWhere('ua.action IN (:...actions)', { actions: q.actions });
      for (const a of aggregations) {
        qb.addSelect(AGGREGATION_PROPERTY[a], a).addGroupBy(AGGREGATION_PROPERTY[a]).addOrderBy(AGGREGATION_PROPERTY[a], 'ASC');
      }
      return qb.getRawMany<Record<string, unknown>>();
    });
    return {
      from,
      to,
      aggregations,
      rows: rows.map((r) => {
        const entry: AggregatedUserActionDto = {
          module: toInt(r.module),
          action: toInt(r.action),
          tenant,
          count: toInt(r.count),
          aggregationLevel: toInt(r.aggregationLevel),
        };
        for (const a of aggregations) entry[a] = toStringOrNull(r[a]);
        return entry;
      }),
    };
  }

  toJson(result: AggregatedResult): AggregatedResponseDto {
    return { userActions: result.rows, meta: { total: result.rows.length, serverTime: this.clock.now().toISOString() } };
  }
}
