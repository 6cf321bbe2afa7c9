import { Controller, Get, Param, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotAcceptableResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { TenantIdPipe } from '../../auth/access.guard';
import { Authenticated } from '../../auth/authenticated.decorator';
import { TENANT_STATISTICS } from '../../auth/principal';
import type { Request, Response } from 'express';
import { CsvResult } from '../output/csv';
import { HttpCache, NotModified } from '../output/http-cache';
import type { OutputFormat } from '../output/negotiate';
import { OutputInterceptor, ResponseFormat } from '../output/output.interceptor';
import { checkRange, fileStamp } from '../statistics-query.dto';
import { MonthlyUserActionsResponseDto, UserActionsQueryDto } from './user-actions.dto';
import { MonthlyRow, UserActionsService } from './user-actions.service';

@ApiTags('statistics')
@Controller('tenants/:id/useractions')
@UseInterceptors(OutputInterceptor)
export class UserActionsController {
  constructor(
    private readonly service: UserActionsService,
    private readonly cache: HttpCache,
  ) {}

  @Get()
  @Authenticated({ tenantRight: TENANT_STATISTICS })
  @ApiOperation({
    summary: 'Monthly user actions of the tenant',
    description:
      'One entry per (month, module, action), months in STATISTICS_TIME_ZONE; `date` is the earliest `created` in that month. ' +
      'Ordered by date, module, action. CSV columns: module,action,tenant,count,month,year.',
  })
  @ApiParam({ name: 'id', description: 'Tenant id', example: 1 })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    type: MonthlyUserActionsResponseDto,
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/MonthlyUserActionsResponseDto' },
        example: {
          userActions: [{ date: '2014-12-31T23:00:00.000Z', module: 4, action: 1, tenant: 2, count: 2, aggregationLevel: 2 }],
          meta: { total: 1, serverTime: '2021-04-15T08:55:20.421Z' },
        },
      },
      'text/csv': { schema: { type: 'string' }, example: '"module","action","tenant","count","month","year"\n4,1,2,46,5,2015' },
    },
  })
  @ApiBadRequestResponse({ description: 'A bad parameter (named in the message)' })
  @ApiNotAcceptableResponse({ description: 'Accept allows neither JSON nor CSV' })
  async list(
    @Param('id', TenantIdPipe) tenant: number,
    @Query() query: UserActionsQueryDto,
    @ResponseFormat() format: OutputFormat,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MonthlyUserActionsResponseDto | CsvResult<MonthlyRow> | NotModified> {
    if (query.from && query.to) checkRange(query.from, query.to);
    const spec = { route: 'useractions' as const, tenant, format, query, from: query.from, to: query.to };
    if (await this.cache.validate(req, res, spec)) return new NotModified();
    const rows = await this.service.monthly(tenant, query);
    if (format === 'json') return this.service.toJson(rows);
    const range = query.from || query.to ? `${query.from ? fileStamp(query.from) : 'start'}_${query.to ? fileStamp(query.to) : 'now'}` : 'all';
    return new CsvResult<MonthlyRow>(
      `tenant-${tenant}-useractions-${range}.csv`,
      [
        { label: 'module', value: (r) => r.module },
        { label: 'action', value: (r) => r.action },
        { label: 'tenant', value: (r) => r.tenant },
        { label: 'count', value: (r) => r.count },
        { label: 'month', value: (r) => r.month },
        { label: 'year', value: (r) => r.year },
      ],
      rows,
    );
  }
}
