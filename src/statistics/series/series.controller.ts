import { Controller, Get, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Authenticated } from '../../auth/authenticated.decorator';
import { TENANT_STATISTICS } from '../../auth/principal';
import { TenantId } from '../../auth/tenant-id';
import { ApiReadRoute } from '../../openapi/api-docs.decorators';
import { CsvResult } from '../output/csv';
import { NotModified } from '../output/http-cache';
import type { OutputFormat } from '../output/negotiate';
import { OutputInterceptor, ResponseFormat } from '../output/output.interceptor';
import { ReadCache } from '../output/read-cache';
import { seriesCsv, SeriesTableRow } from './series.csv';
import { SeriesQueryDto, SeriesResponseDto } from './series.dto';
import { SeriesService } from './series.service';

/** Without aggregations and compare (these add their columns: the aggregations before `count`, then `comparisonBucketStart,comparisonCount`). */
const SAMPLE_CSV = [
  '"bucketStart","bucket","module","action","tenant","count"',
  '"2026-05-31T22:00:00.000Z","2026-06-01",3,1,1,40',
  '"2026-06-01T22:00:00.000Z","2026-06-02",3,1,1,0',
].join('\n');

@ApiTags('statistics')
@Controller('tenants/:id/userActionsSeries')
@UseInterceptors(OutputInterceptor)
export class SeriesController {
  constructor(
    private readonly service: SeriesService,
    private readonly cache: ReadCache,
  ) {}

  @Get()
  @Authenticated({ tenantRight: TENANT_STATISTICS })
  @ApiReadRoute({
    operationId: 'getUserActionsSeries',
    summary: 'Counts per time bucket (hour, day, week, month) in [from, to), with an optional comparison period',
    description:
      'The groups of userActionsAggregated (module, action, each aggregation), each split into consecutive local buckets of `interval` in ' +
      'STATISTICS_TIME_ZONE; every bucket is present (zero-filled), `counts[i]` belongs to `meta.buckets[i]`. Without from/to: the current ' +
      'calendar month. With `limit`, the series are ranked once over the whole range (`orderBy=count`: by total) and stay the same in every ' +
      'bucket and in the comparison; `other=true` adds `meta.other`, the left-out series summed per bucket. `compare` adds the counts of ' +
      'the previous period or year per series, with `change`. CSV: one row per series and bucket; the aggregations are columns before `count`, ' +
      'with compare `comparisonBucketStart,comparisonCount` follow (empty where the longer side has no partner).',
    json: SeriesResponseDto,
    jsonExample: {
      series: [
        {
          module: 3,
          action: 1,
          tenant: 1,
          actionLabel: 'sofa-configurator',
          total: 132,
          counts: [40, 0, 52, 40],
          comparison: { total: 120, counts: [30, 30, 30, 30] },
          change: { delta: 12, pct: 10 },
        },
      ],
      meta: {
        interval: 'day',
        timeZone: 'Europe/Vienna',
        weekStart: 'monday',
        from: '2026-05-31T22:00:00.000Z',
        to: '2026-06-04T22:00:00.000Z',
        buckets: [
          { start: '2026-05-31T22:00:00.000Z', label: '2026-06-01', partial: false },
          { start: '2026-06-01T22:00:00.000Z', label: '2026-06-02', partial: false },
          { start: '2026-06-02T22:00:00.000Z', label: '2026-06-03', partial: false },
          { start: '2026-06-03T22:00:00.000Z', label: '2026-06-04', partial: false },
        ],
        comparison: {
          mode: 'previousPeriod',
          from: '2026-05-27T22:00:00.000Z',
          to: '2026-05-31T22:00:00.000Z',
          buckets: [
            { start: '2026-05-27T22:00:00.000Z', label: '2026-05-28', partial: false },
            { start: '2026-05-28T22:00:00.000Z', label: '2026-05-29', partial: false },
            { start: '2026-05-29T22:00:00.000Z', label: '2026-05-30', partial: false },
            { start: '2026-05-30T22:00:00.000Z', label: '2026-05-31', partial: false },
          ],
        },
        total: 1,
        serverTime: '2026-06-05T08:55:20.421Z',
      },
    },
    csvExample: SAMPLE_CSV,
  })
  async series(
    @TenantId() tenant: number,
    @Query() query: SeriesQueryDto,
    @ResponseFormat() format: OutputFormat,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SeriesResponseDto | CsvResult<SeriesTableRow> | NotModified> {
    const plan = this.service.plan(query);
    // The ETag covers the comparison's days too, and which buckets had not ended (their `partial` flags change with time).
    const spec = {
      route: 'userActionsSeries' as const,
      tenant,
      format,
      query: { ...query, running: this.service.runningSince(plan) },
      from: plan.comparison && plan.comparison.from < plan.from ? plan.comparison.from : plan.from,
      to: plan.to,
    };
    const result = await this.cache.answer(req, res, spec, (r) => Math.max(1, r.groups.length) * Math.max(1, r.plan.buckets.length), () => this.service.series(tenant, query, plan));
    if (result instanceof NotModified) return result;
    if (format === 'json') return this.service.toJson(result, tenant);
    return seriesCsv(tenant, result);
  }
}
