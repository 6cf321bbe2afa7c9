import { Controller, Get, Param, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotAcceptableResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { TenantIdPipe } from '../../auth/access.guard';
import { Authenticated } from '../../auth/authenticated.decorator';
import { TENANT_STATISTICS } from '../../auth/principal';
import type { Request, Response } from 'express';
import { CsvColumn, CsvResult } from '../output/csv';
import { HttpCache, NotModified } from '../output/http-cache';
import type { OutputFormat } from '../output/negotiate';
import { OutputInterceptor, ResponseFormat } from '../output/output.interceptor';
import { fileStamp } from '../statistics-query.dto';
import { AggregatedQueryDto, AggregatedResponseDto, AggregatedUserActionDto } from './aggregated.dto';
import { AggregatedService } from './aggregated.service';

@ApiTags('statistics')
@Controller('tenants/:id/userActionsAggregated')
@UseInterceptors(OutputInterceptor)
export class AggregatedController {
  constructor(
    private readonly service: AggregatedService,
    private readonly cache: HttpCache,
  ) {}

  @Get()
  @Authenticated({ tenantRight: TENANT_STATISTICS })
  @ApiOperation({
    summary: 'Sums of user actions in [from, to)',
    description:
      'One entry per (module, action[, each aggregation]). Without from/to: the current calendar month in STATISTICS_TIME_ZONE. ' +
      'CSV columns: module,action,tenant,count,aggregationLevel, then the aggregations in request order.',
  })
  @ApiParam({ name: 'id', description: 'Tenant id', example: 1 })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    type: AggregatedResponseDto,
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/AggregatedResponseDto' },
        example: {
          userActions: [
            { module: 4, action: 1, tenant: 2, count: 49, aggregationLevel: 0 },
            { module: 4, action: 3, tenant: 2, count: 2, aggregationLevel: 0 },
          ],
          meta: { total: 2, serverTime: '2021-04-15T08:55:20.421Z' },
        },
      },
      'text/csv': { schema: { type: 'string' }, example: '"module","action","tenant","count","aggregationLevel"\n4,1,2,49,0\n4,3,2,2,0' },
    },
  })
  @ApiBadRequestResponse({ description: 'A bad parameter (named in the message)' })
  @ApiNotAcceptableResponse({ description: 'Accept allows neither JSON nor CSV' })
  async aggregated(
    @Param('id', TenantIdPipe) tenant: number,
    @Query() query: AggregatedQueryDto,
    @ResponseFormat() format: OutputFormat,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AggregatedResponseDto | CsvResult<AggregatedUserActionDto> | NotModified> {
    const { from, to } = this.service.range(query);
    if (await this.cache.validate(req, res, { route: 'userActionsAggregated', tenant, format, query, from, to })) return new NotModified();
    // The answer covers exactly the range its ETag names (the default range is the current month).
    const result = await this.service.aggregate(tenant, Object.assign(new AggregatedQueryDto(), query, { from, to }));
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
