import { Controller, Get, Param, Query, UseInterceptors } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { TenantIdPipe } from '../../auth/access.guard';
import { Authenticated } from '../../auth/authenticated.decorator';
import { TENANT_STATISTICS } from '../../auth/principal';
import { ApiReadRoute } from '../../openapi/api-docs.decorators';
import { CsvColumn, CsvResult } from '../output/csv';
import type { OutputFormat } from '../output/negotiate';
import { OutputInterceptor, ResponseFormat } from '../output/output.interceptor';
import { fileStamp } from '../statistics-query.dto';
import { AggregatedQueryDto, AggregatedResponseDto, AggregatedUserActionDto } from './aggregated.dto';
import { AggregatedService } from './aggregated.service';

@ApiTags('statistics')
@Controller('tenants/:id/userActionsAggregated')
@UseInterceptors(OutputInterceptor)
export class AggregatedController {
  constructor(private readonly service: AggregatedService) {}

  @Get()
  @Authenticated({ tenantRight: TENANT_STATISTICS })
  @ApiReadRoute({
    operationId: 'getUserActionsAggregated',
    summary: 'Sums of user actions in [from, to)',
    description:
      'One entry per (module, action[, each aggregation]). Without from/to: the current calendar month in STATISTICS_TIME_ZONE. ' +
      'The CSV columns after aggregationLevel are the aggregations, in request order.',
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
    @Param('id', TenantIdPipe) tenant: number,
    @Query() query: AggregatedQueryDto,
    @ResponseFormat() format: OutputFormat,
  ): Promise<AggregatedResponseDto | CsvResult<AggregatedUserActionDto>> {
    const result = await this.service.aggregate(tenant, query);
    if (format === 'json') return this.service.toJson(result);
    const columns: CsvColumn<AggregatedUserActionDto>[] = [
      { label: 'module', value: (r) => r.module },
      { label: 'action', value: (r) => r.action },
      { label: 'tenant', value: (r) => r.tenant },
      { label: 'count', value: (r) => r.count },
      { label: 'aggregationLevel', value: (r) => r.aggregationLevel },
      ...result.aggregations.map((a) => ({ label: a, value: (r: AggregatedUserActionDto) => r[a] ?? '' })),
    ];
    return new CsvResult(`tenant-${tenant}-userActionsAggregated-${fileStamp(result.from)}_${fileStamp(result.to)}.csv`, columns, result.rows);
  }
}
