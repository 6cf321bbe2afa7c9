import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { TenantId } from '../auth/tenant-id';
import { Authenticated } from '../auth/authenticated.decorator';
import { INGEST_SCOPE } from '../auth/principal';
import { ApiErrors, ApiJsonResponse, ApiRoute, ApiTenantIdParam } from '../openapi/api-docs.decorators';
import { EXAMPLE_CREATED, EXAMPLE_EVENT_IDS } from '../openapi/swagger-ui';
import { IngestBatchDto, IngestResultDto, IngestSingleDto, IngestUserActionsDto } from './dto/ingest-user-actions.dto';
import { IngestBodyPipe } from './ingest-body.pipe';
import { IngestionService } from './ingestion.service';

type IngestBody = Pick<IngestUserActionsDto, 'userActions' | 'userAction'>;

/** Demo-catalog events (module 3: View, Save) of the demo's users and configurators. */
const EXAMPLE_VIEW = {
  eventId: EXAMPLE_EVENT_IDS[0],
  module: 3,
  action: 1,
  created: EXAMPLE_CREATED,
  country: 'AT',
  device: 'desktop',
  actionLabel: 'sofa-configurator',
  actionId: 'conf:demo:0042',
  userId: 'demo-user-consenting',
};
const EXAMPLE_SAVE = {
  eventId: EXAMPLE_EVENT_IDS[1],
  module: 3,
  action: 2,
  created: EXAMPLE_CREATED,
  country: 'DE',
  device: 'mobile',
  actionLabel: 'sofa-configurator',
  actionId: 'conf:demo:0042',
  userId: 'demo-user-consenting',
  configuration: {
    thumbnail: 'https://example.com/perspective/conf-demo-0042.jpg',
    partList: { originPart: { articleNr: 'article-7', count: 1 } },
  },
};

@ApiTags('ingestion')
@Controller('tenants/:id/useractions')
export class IngestionController {
  constructor(private readonly ingestion: IngestionService) {}

  @Post()
  @HttpCode(202)
  @Authenticated({ scope: INGEST_SCOPE, tenantBound: true })
  @ApiRoute({
    operationId: 'ingestUserActions',
    summary: 'Store user actions of a tenant (1 to 1000 per call), all-or-nothing and idempotent per eventId',
    description:
      'The body holds either `userActions` (a batch of 1 to 1000 events) or `userAction` (one event), never both. ' +
      'An invalid event is a 400 naming its index and field, and nothing of the batch is stored. Re-sending an `eventId` ' +
      '(same tenant) stores nothing and counts as a duplicate.\n\n' +
      `Swagger UI: at Execute, the examples' \`created\` (${EXAMPLE_CREATED}) is replaced by the current instant and their ` +
      '`eventId`s by fresh UUIDs, so the pre-filled body is accepted as it is; elsewhere send your own values.',
  })
  @ApiTenantIdParam()
  @ApiExtraModels(IngestBatchDto, IngestSingleDto)
  @ApiBody({
    required: true,
    description: 'Exactly one of the two shapes',
    schema: { oneOf: [{ $ref: getSchemaPath(IngestBatchDto) }, { $ref: getSchemaPath(IngestSingleDto) }] },
    examples: {
      batch: { summary: 'A batch: a view and a save with its part list', value: { userActions: [EXAMPLE_VIEW, EXAMPLE_SAVE] } },
      single: { summary: 'One event (the platform SDK shape)', value: { userAction: EXAMPLE_VIEW } },
    },
  })
  @ApiJsonResponse(202, 'Stored (accepted) or already stored (duplicates)', IngestResultDto)
  @ApiErrors({
    400: 'A bad tenant id, malformed JSON, both or neither shape, or an invalid event: the message names its index and field; nothing was stored',
    413: 'Body larger than BODY_LIMIT (default 2 MB)',
  })
  // `body: IngestBody` (an interface) keeps the global ValidationPipe out: IngestBodyPipe validates.
  ingest(@TenantId() tenant: number, @Body(IngestBodyPipe) body: IngestBody): Promise<IngestResultDto> {
    return this.ingestion.ingest(tenant, body);
  }
}
