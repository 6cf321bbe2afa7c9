import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiParam, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { Authenticated } from '../auth/authenticated.decorator';
import { INGEST_SCOPE } from '../auth/principal';
import { ApiErrors, ApiJsonResponse, ApiNotModified, ApiRoute, HEADERS } from '../openapi/api-docs.decorators';
import { DirectoryService } from './directory.service';
import { CatalogDto, CatalogEntryDto, DirectoryUserDto, PutCatalogActionDto, PutUserDto } from './dto/directory.dto';

function userIdOf(raw: string): string {
  if (!raw || raw.length > 255) throw new BadRequestException('userId must be 1 to 255 characters long');
  return raw;
}

/**
 * `:module` and `:action`: digits only, 0 to 2^31 − 1, as every integer parameter (docs/api.md).
 * ParseIntPipe alone let `0x10`, `1e3` or ` 7` through (the global pipe had already turned them
 * into numbers), so a typo wrote into another module.
 */
function catalogId(name: string, raw: string): number {
  if (!/^\d{1,10}$/.test(raw) || Number(raw) > 2147483647) throw new BadRequestException(`${name} must be a non-negative integer`);
  return Number(raw);
}

@ApiTags('directory')
@Controller()
export class DirectoryController {
  constructor(private readonly directory: DirectoryService) {}

  @Put('users/:userId')
  @Authenticated({ scope: INGEST_SCOPE })
  @ApiRoute({
    operationId: 'putUser',
    summary: "Store a user's e-mail and statistics consent (kept in sync by the user service)",
    description:
      'Creates or replaces the directory entry of `userId`. The configurations route exports the e-mail on real-time rows ' +
      'of this user while `statisticsConsent` is true.',
  })
  @ApiParam({
    name: 'userId',
    description: 'The userId the configurator tracks actions with (1 to 255 characters)',
    schema: { type: 'string', minLength: 1, maxLength: 255, example: 'demo-user-consenting' },
  })
  @ApiExtraModels(PutUserDto)
  @ApiBody({
    required: true,
    schema: { $ref: getSchemaPath(PutUserDto) },
    examples: { consenting: { summary: "The demo's consenting user, as the demo stores it", value: { email: 'consenting.user@example.com', statisticsConsent: true } } },
  })
  @ApiJsonResponse(200, 'Stored: the entry as it is now', DirectoryUserDto)
  @ApiErrors({ 400: 'A bad userId, malformed JSON, or an invalid or unknown body field (the message names it)', 413: 'Body larger than BODY_LIMIT' })
  putUser(@Param('userId') userId: string, @Body() body: PutUserDto): Promise<DirectoryUserDto> {
    return this.directory.putUser(userIdOf(userId), body);
  }

  @Delete('users/:userId')
  @HttpCode(204)
  @Authenticated({ scope: INGEST_SCOPE })
  @ApiRoute({
    operationId: 'eraseUser',
    summary: 'Erase a user: their e-mail is gone from every later export (idempotent)',
    description:
      'Deletes the directory entry (e-mail and consent) of `userId`; 204 whether or not it existed. The pseudonymous userId ' +
      'stays on real-time rows until the rollup drops it.',
  })
  @ApiParam({
    name: 'userId',
    description: 'The userId to erase (1 to 255 characters)',
    schema: { type: 'string', minLength: 1, maxLength: 255, example: 'demo-user-departed' },
  })
  @ApiResponse({ status: 204, description: 'Erased (or never known)', headers: { ...HEADERS.requestId } })
  @ApiErrors({ 400: 'A bad userId (the message names it)' })
  async eraseUser(@Param('userId') userId: string): Promise<void> {
    await this.directory.eraseUser(userIdOf(userId));
  }

  @Get('modules')
  @Authenticated()
  @ApiRoute({
    operationId: 'getCatalog',
    summary: 'The action catalog: modules and their actions',
    description: 'Every module with its actions, ordered by module id and action id; any valid token may read it.',
  })
  @ApiJsonResponse(200, 'The catalog', CatalogDto)
  @ApiNotModified()
  catalog(): Promise<CatalogDto> {
    return this.directory.catalog();
  }

  @Put('modules/:module/actions/:action')
  @Authenticated({ scope: INGEST_SCOPE })
  @ApiRoute({
    operationId: 'putCatalogAction',
    summary: 'Add or rename a catalog action',
    description:
      'Creates or replaces the action `action` of module `module`; the module is created when missing (named `moduleName`, ' +
      'default "module <id>") and renamed only when `moduleName` is given. The example adds action 900 to the demo module 3 ' +
      'and keeps every existing name (running it again changes nothing).',
  })
  @ApiParam({
    name: 'module',
    description: 'Module id, digits only (0 to 2147483647)',
    schema: { type: 'integer', minimum: 0, maximum: 2147483647, example: 3 },
  })
  @ApiParam({
    name: 'action',
    description: 'Action id within the module, digits only (0 to 2147483647)',
    schema: { type: 'integer', minimum: 0, maximum: 2147483647, example: 900 },
  })
  @ApiExtraModels(PutCatalogActionDto)
  @ApiBody({
    required: true,
    schema: { $ref: getSchemaPath(PutCatalogActionDto) },
    examples: {
      add: { summary: 'A new action; the module keeps its name', value: { name: 'Demo_Example', configurationAction: false, carriesPartList: false } },
    },
  })
  @ApiJsonResponse(200, 'Stored: the action and its module as they are now', CatalogEntryDto)
  @ApiErrors({
    400: 'A bad module or action id, malformed JSON, or an invalid or unknown body field (the message names it)',
    413: 'Body larger than BODY_LIMIT',
  })
  putCatalogAction(@Param('module') module: string, @Param('action') action: string, @Body() body: PutCatalogActionDto): Promise<CatalogEntryDto> {
    return this.directory.putCatalogAction(catalogId('module', module), catalogId('action', action), body);
  }
}
