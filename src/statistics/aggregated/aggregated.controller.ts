import { Controller, Get, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { TenantId } from '../../auth/tenant-id';
import { Authenticated } from '../../auth/authenticated.decorator';
import { TENANT_STATISTICS } from '../../auth/principal';
import type { Request, Response } from 'express';
import { ApiReadRoute } from '../../openapi/api-docs.decorators';
import { CsvResult } from '../output/csv';
import { NotModified } from '../output/http-cache';
import { ReadCache } from '../output/read-cache';
import type { OutputFormat } from '../output/negotiate';
import { OutputInterceptor, ResponseFormat } from '../output/output.interceptor';
import { aggregatedCsv, AggregatedCsvRow } from './aggregated.csv';
import { AggregatedQueryDto, AggregatedResponseDto } from './aggregated.dto';
import { AggregatedService } from './aggregated.service';

@ApiTags('statistics')
@Controller('tenants/:id/userActionsAggregated')
@UseInterceptors(OutputInterceptor)
export class AggregatedController {
  constructor(
    private readonly service: AggregatedService,
    private readonly cache: ReadCache,
  ) {}

  @Get()
  @Authenticated({ tenantRight: TENANT_STATISTICS })
  @ApiReadRoute({
    operationId: 'getUserActionsAggregated',
    summary: 'Sums of user actions in [from, to)',
    description:
      'One entry per (module, action[, each aggregation]). Without from/to: the current calendar month in STATISTICS_TIME_ZONE. ' +
      'The CSV columns after aggregationLevel are the aggregations, in request order. ' +
      'With `limit` (and `offset`) only a page of the entries is sent, JSON and CSV alike; `meta.total` counts them all. ' +
      '`orderBy=count` sorts by count descending (a top N). `other=true` adds the sum of the entries left out: ' +
      '`meta.other` in JSON, a last CSV row with empty module, action and aggregation cells.',
    json: AggregatedResponseDto,
    jsonExample: {
      userActions: [
        { module: 3, action: 1, tenant: 1, count: 49, aggregationLevel: 0 },
        { module: 3, action: 2, tenant: 1, count: 7, aggregationLevel: 0 },
      ],
      meta: { total: 2, serverTime: '2026-05-20T08:55:20.421Z' },
    },
    csvExample: '"module","action","tenant","count","aggregationLevel"\n3,1,1,49,0\n3,2,1,7,0',
  })
  async aggregated(
    @TenantId() tenant: number,
    @Query() query: AggregatedQueryDto,
    @ResponseFormat() format: OutputFormat,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AggregatedResponseDto | CsvResult<AggregatedCsvRow> | NotModified> {
    const { from, to } = this.service.range(query);
    // The answer covers exactly the range its ETag names (the default range is the current month).
    const result = await this.cache.answer(
      req,
      res,
      { route: 'userActionsAggregated', tenant, format, query, from, to },
      (r) => r.rows.length,
      () => this.service.aggregate(tenant, Object.assign(new AggregatedQueryDto(), query, { from, to })),
    );
    if (result instanceof NotModified) return result;
    if (format === 'json') return this.service.toJson(result);
    return aggregatedCsv(tenant, result);
  }
}
