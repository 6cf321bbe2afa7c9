import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBody, ApiOperation, ApiParam, ApiPayloadTooLargeResponse, ApiTags } from '@nestjs/swagger';
import { TenantIdPipe } from '../auth/access.guard';
import { Authenticated } from '../auth/authenticated.decorator';
import { INGEST_SCOPE } from '../auth/principal';
import { IngestResultDto, IngestUserActionsDto } from './dto/ingest-user-actions.dto';

type IngestBody = Pick<IngestUserActionsDto, 'userActions' | 'userAction'>;
import { IngestBodyPipe } from './ingest-body.pipe';
import { IngestionService } from './ingestion.service';

@ApiTags('ingestion')
@Controller('tenants/:id/useractions')
export class IngestionController {
  constructor(private readonly ingestion: IngestionService) {}

  @Post()
  @HttpCode(202)
  @Authenticated({ scope: INGEST_SCOPE, tenantBound: true })
  @ApiOperation({
    summary: 'Store user actions of a tenant (1 to 1000 per call), all-or-nothing and idempotent per eventId',
  })
  @ApiParam({ name: 'id', description: 'Tenant id', example: 1 })
  @ApiBody({ type: IngestUserActionsDto })
  @ApiAcceptedResponse({ type: IngestResultDto })
  @ApiBadRequestResponse({ description: 'An invalid event: the message names its index and field; nothing was stored' })
  @ApiPayloadTooLargeResponse({ description: 'Body larger than BODY_LIMIT' })
  // `body: IngestBody` (an interface) keeps the global ValidationPipe out: IngestBodyPipe validates.
  ingest(@Param('id', TenantIdPipe) tenant: number, @Body(IngestBodyPipe) body: IngestBody): Promise<IngestResultDto> {
    return this.ingestion.ingest(tenant, body);
  }
}
