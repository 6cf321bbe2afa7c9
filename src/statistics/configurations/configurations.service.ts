import { Injectable } from '@nestjs/common';
import { Readable, Transform } from 'node:stream';
import { SelectQueryBuilder } from 'typeorm';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { Database } from '../../database/database.service';
import { AggregationLevel, CatalogActionEntity, ConfigurationSnapshotEntity, DirectoryUserEntity, UserActionEntity } from '../../database/entities';
import { toBool, toInstant, toInt, toStringOrNull } from '../../database/values';
import { checkRange } from '../statistics-query.dto';
import { ConfigurationsQueryDto, ConfigurationsResponseDto, ConfigurationStatisticDto, DEFAULT_LIMIT } from './configurations.dto';

const DAY_MS = 86_400_000;
const LEVEL_NAMES: Record<number, string> = {
  [AggregationLevel.RealTime]: 'real time',
  [AggregationLevel.Daily]: 'daily',
  [AggregationLevel.Monthly]: 'monthly',
};

/** One exported row: JSON-ready values plus the stored JSON text for the CSV columns. */
export interface ConfigurationRow extends ConfigurationStatisticDto {
  partListText: string;
  planCombinedIdsText: string;
}

/** Rows of configuration actions (catalog-flagged) with their snapshot, consented e-mail and link. */
@Injectable()
export class ConfigurationsService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  range(q: ConfigurationsQueryDto): { from: Date; to: Date } {
    if (q.from && q.to) {
      checkRange(q.from, q.to);
      return { from: q.from, to: q.to };
    }
    const to = this.clock.now();
    return { from: new Date(to.getTime() - 30 * DAY_MS), to };
  }

  /** The matching rows of user_action joined to the catalog (only configuration actions). */
  private matching(qb: SelectQueryBuilder<any>, tenant: number, q: ConfigurationsQueryDto, from: Date, to: Date) {
    qb.from(UserActionEntity, 'ua')
      .innerJoin(CatalogActionEntity, 'ca', 'ca.module = ua.module AND ca.action = ua.action AND ca.configurationAction = :yes', { yes: true })
      .where('ua.tenant = :tenant AND ua.created >= :from AND ua.created < :to', { tenant, from, to });
    if (q.configuratorId !== undefined) qb.andWhere('ua.actionLabel = :configuratorId', { configuratorId: q.configuratorId });
    if (q.actions?.length) qb.andWhere('ua.action IN (:...actions)', { actions: q.actions });
    return qb;
  }

  private rowsQuery(qb: SelectQueryBuilder<any>, tenant: number, q: ConfigurationsQueryDto, from: Date, to: Date) {
    return this.matching(qb, tenant, q, from, to)
      .leftJoin(ConfigurationSnapshotEntity, 'cs', 'cs.tenant = ua.tenant AND cs.configurationId = ua.actionId')
      .leftJoin(
        DirectoryUserEntity,
        'du',
        'du.userId = ua.userId AND ua.aggregationLevel = :realTime AND du.statisticsConsent = :yes',
        { realTime: AggregationLevel.RealTime },
      )
      .select('ua.id', 'id')
      .addSelect('ua.actionId', 'actionId')
      .addSelect('ua.actionLabel', 'actionLabel')
      .addSelect('ua.created', 'created')
      .addSelect('ua.actionParameter', 'actionParameter')
      .addSelect('ua.count', 'count')
      .addSelect('ua.aggregationLevel', 'aggregationLevel')
      .addSelect('ca.name', 'actionName')
      .addSelect('ca.carriesPartList', 'carriesPartList')
      .addSelect('cs.thumbnail', 'thumbnail')
      .addSelect('cs.partList', 'partList')
      .addSelect('cs.planCombinedIds', 'planCombinedIds')
      .addSelect('du.email', 'email')
      .orderBy('ca.name', 'ASC')
      .addOrderBy('ua.created', 'DESC')
      .addOrderBy('ua.id', 'DESC');
  }

  /** Query-value encoding that keeps `:`, `@` and `/` readable (RFC 3986 allows them in a query), as the platform's links do. */
  private static encode(value: string): string {
    return encodeURIComponent(value).replace(/%3A/gi, ':').replace(/%40/gi, '@').replace(/%2F/gi, '/');
  }

  link(actionId: string | null, actionLabel: string | null): string {
    if (actionId === null) return '';
    const base = this.config.configurationLinkBase;
    return `${base}?id=${ConfigurationsService.encode(actionId)}${actionLabel !== null ? `&configuratorId=${ConfigurationsService.encode(actionLabel)}` : ''}`;
  }

  private toRow(r: Record<string, unknown>): ConfigurationRow {
    const carries = toBool(r.carriesPartList);
    const partListText = carries ? (toStringOrNull(r.partList) ?? '') : '';
    const planCombinedIdsText = toStringOrNull(r.planCombinedIds) ?? '';
    return {
      link: this.link(toStringOrNull(r.actionId), toStringOrNull(r.actionLabel)),
      thumbnail: toStringOrNull(r.thumbnail),
      created: toInstant(r.created).toISOString(),
      action: String(r.actionName),
      actionParameter: toStringOrNull(r.actionParameter),
      count: toInt(r.count),
      aggregationLevel: LEVEL_NAMES[toInt(r.aggregationLevel)] ?? String(r.aggregationLevel),
      userEmail: toStringOrNull(r.email),
      partList: partListText ? JSON.parse(partListText) : null,
      planCombinedIds: planCombinedIdsText ? JSON.parse(planCombinedIdsText) : null,
      partListText,
      planCombinedIdsText,
    };
  }

  async page(tenant: number, q: ConfigurationsQueryDto): Promise<ConfigurationsResponseDto> {
    const { from, to } = this.range(q);
    return this.db.read(async (em) => {
      const countRow = await this.matching(em.createQueryBuilder(), tenant, q, from, to)
        .select('COUNT(*)', 'total')
        .getRawOne<{ total: unknown }>();
      const raw = await this.rowsQuery(em.createQueryBuilder(), tenant, q, from, to)
        .limit(q.limit ?? DEFAULT_LIMIT)
        .offset(q.offset ?? 0)
        .getRawMany<Record<string, unknown>>();
      const rows = raw.map((r) => {
        const { partListText: _p, planCombinedIdsText: _c, ...json } = this.toRow(r);
        return json;
      });
      return { tenantConfigurationStatistics: rows, meta: { total: toInt(countRow?.total ?? 0), serverTime: this.clock.now().toISOString() } };
    });
  }

  /** Every match, streamed from the database (flat memory whatever the row count). */
  stream(tenant: number, q: ConfigurationsQueryDto): { from: Date; to: Date; rows: Readable } {
    const { from, to } = this.range(q);
    const source = this.db.stream(this.rowsQuery(this.db.dataSource.createQueryBuilder(), tenant, q, from, to));
    const toRow = (r: Record<string, unknown>) => this.toRow(r);
    const rows = source.pipe(
      new Transform({
        objectMode: true,
        transform(r: Record<string, unknown>, _enc, cb) {
          try {
            cb(null, toRow(r));
          } catch (err) {
            cb(err as Error);
          }
        },
      }),
    );
    // pipe() does not propagate errors or destruction: wire both so a failing or abandoned
    // export frees its connection.
    source.on('error', (err) => rows.destroy(err));
    rows.on('close', () => source.destroy());
    return { from, to, rows };
  }
}
