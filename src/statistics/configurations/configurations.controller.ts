import { Controller, Get, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { TenantId } from '../../auth/tenant-id';
import { Authenticated } from '../../auth/authenticated.decorator';
import { TENANT_STATISTICS } from '../../auth/principal';
import type { Request, Response } from 'express';
import { ApiReadRoute } from '../../openapi/api-docs.decorators';
import { CsvResult } from '../output/csv';
import { HttpCache, NotModified } from '../output/http-cache';
import type { OutputFormat } from '../output/negotiate';
import { OutputInterceptor, ResponseFormat } from '../output/output.interceptor';
import { configurationsCsv } from './configurations.csv';
import { ConfigurationsQueryDto, ConfigurationsResponseDto } from './configurations.dto';
import { ConfigurationRow, ConfigurationsService } from './configurations.service';

const SAMPLE_CSV = [
  '"link","thumbnail","created","action","actionParameter","count","aggregationLevel","userEmail","partList","planCombinedIds"',
  '"https://www.roomle.com/t/cp/?id=conf:demo:0042&configuratorId=sofa-configurator","https://example.com/perspective/conf-demo-0042.jpg","2026-05-19T12:17:59.968Z","Save","",1,"real time","consenting.user@example.com","{""originPart"":{""articleNr"":""article-7"",""count"":1}}",""',
].join('\n');

@ApiTags('statistics')
@Controller('tenants/:id/configurations')
@UseInterceptors(OutputInterceptor)
export class ConfigurationsController {
  constructor(
    private readonly service: ConfigurationsService,
    private readonly cache: HttpCache,
  ) {}

  @Get()
  @Authenticated({ tenantRight: TENANT_STATISTICS })
  @ApiReadRoute({
    operationId: 'listConfigurations',
    summary: 'Configuration actions (views, saves, exports …) with links, snapshots and consented e-mails',
    description:
      'Rows of catalog actions flagged as configuration actions in [from, to) (default: the last 30 days up to now), ordered by ' +
      'action name, then created descending. JSON is paged (limit/offset, meta.total counts all matches); CSV streams every match.',
    json: ConfigurationsResponseDto,
    jsonExample: {
      tenantConfigurationStatistics: [
        {
          link: 'https://www.roomle.com/t/cp/?id=conf:demo:0042&configuratorId=sofa-configurator',
          thumbnail: 'https://example.com/perspective/conf-demo-0042.jpg',
          created: '2026-05-19T12:17:59.968Z',
          action: 'Save',
          actionParameter: null,
          count: 1,
          aggregationLevel: 'real time',
          userEmail: 'consenting.user@example.com',
          partList: { originPart: { articleNr: 'article-7', count: 1 } },
          planCombinedIds: null,
        },
      ],
      meta: { total: 1, serverTime: '2026-05-20T08:55:20.421Z' },
    },
    csvExample: SAMPLE_CSV,
  })
  async configurations(
    @TenantId() tenant: number,
    @Query() query: ConfigurationsQueryDto,
    @ResponseFormat() format: OutputFormat,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ConfigurationsResponseDto | CsvResult<ConfigurationRow> | NotModified> {
    const { from, to } = this.service.range(query);
    if (await this.cache.validate(req, res, { route: 'configurations', tenant, format, query, from, to })) return new NotModified();
    // The answer covers exactly the range its ETag names (the default range ends "now").
    const resolved = Object.assign(new ConfigurationsQueryDto(), query, { from, to });
    if (format === 'json') {
      return this.service.page(tenant, resolved);
    }
    // XLSX: counted first, so an export beyond one worksheet is refused before any byte.
    const total = format === 'xlsx' ? await this.service.count(tenant, resolved) : undefined;
    return configurationsCsv(tenant, from, to, this.service.stream(tenant, resolved).rows, total);
  }
}
