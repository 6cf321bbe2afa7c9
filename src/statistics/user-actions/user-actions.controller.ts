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
import { checkRange } from '../statistics-query.dto';
import { userActionsCsv } from './user-actions.csv';
import { MonthlyUserActionsResponseDto, UserActionsQueryDto } from './user-actions.dto';
import { MonthlyRow, UserActionsService } from './user-actions.service';

@ApiTags('statistics')
@Controller('tenants/:id/useractions')
@UseInterceptors(OutputInterceptor)
export class UserActionsController {
  constructor(
    private readonly service: UserActionsService,
    private readonly cache: ReadCache,
  ) {}

  @Get()
  @Authenticated({ tenantRight: TENANT_STATISTICS })
  @ApiReadRoute({
    operationId: 'listUserActions',
    summary: 'Monthly user actions of the tenant',
    description:
      'One entry per (month, module, action), months in STATISTICS_TIME_ZONE; `date` is the earliest `created` in that month. ' +
      'Ordered by date, module, action. Without any parameter: every month of every module and action the tenant has.',
    json: MonthlyUserActionsResponseDto,
    jsonExample: {
      userActions: [
        { date: '2026-05-01T06:12:31.000Z', module: 3, action: 1, tenant: 1, count: 46, aggregationLevel: 2 },
        { date: '2026-05-01T07:40:02.000Z', module: 3, action: 2, tenant: 1, count: 9, aggregationLevel: 2 },
      ],
      meta: { total: 2, serverTime: '2026-05-20T08:55:20.421Z' },
    },
    csvExample: '"module","action","tenant","count","month","year"\n3,1,1,46,5,2026\n3,2,1,9,5,2026',
  })
  async list(
    @TenantId() tenant: number,
    @Query() query: UserActionsQueryDto,
    @ResponseFormat() format: OutputFormat,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MonthlyUserActionsResponseDto | CsvResult<MonthlyRow> | NotModified> {
    if (query.from && query.to) checkRange(query.from, query.to);
    const spec = { route: 'useractions' as const, tenant, format, query, from: query.from, to: query.to };
    const rows = await this.cache.answer(req, res, spec, (r) => r.length, () => this.service.monthly(tenant, query));
    if (rows instanceof NotModified) return rows;
    if (format === 'json') return this.service.toJson(rows);
    return userActionsCsv(tenant, query, rows);
  }
}
