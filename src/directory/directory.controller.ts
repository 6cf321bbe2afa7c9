import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/authenticated.decorator';
import { INGEST_SCOPE } from '../auth/principal';
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
  @ApiOperation({ summary: "Store a user's e-mail and statistics consent (kept in sync by the user service)" })
  @ApiParam({ name: 'userId', description: 'The userId the configurator tracks actions with' })
  @ApiOkResponse({ type: DirectoryUserDto })
  putUser(@Param('userId') userId: string, @Body() body: PutUserDto): Promise<DirectoryUserDto> {
    return this.directory.putUser(userIdOf(userId), body);
  }

  @Delete('users/:userId')
  @HttpCode(204)
  @Authenticated({ scope: INGEST_SCOPE })
  @ApiOperation({ summary: "Erase a user: their e-mail is gone from every later export (idempotent)" })
  @ApiNoContentResponse({ description: 'Erased (or never known)' })
  async eraseUser(@Param('userId') userId: string): Promise<void> {
    await this.directory.eraseUser(userIdOf(userId));
  }

  @Get('modules')
  @Authenticated()
  @ApiOperation({ summary: 'The action catalog: modules and their actions' })
  @ApiOkResponse({ type: CatalogDto })
  catalog(): Promise<CatalogDto> {
    return this.directory.catalog();
  }

  @Put('modules/:module/actions/:action')
  @Authenticated({ scope: INGEST_SCOPE })
  @ApiOperation({ summary: 'Add or rename a catalog action' })
  @ApiParam({ name: 'module', type: Number, description: 'Module id (0 to 2147483647)' })
  @ApiParam({ name: 'action', type: Number, description: 'Action id within the module (0 to 2147483647)' })
  @ApiOkResponse({ type: CatalogEntryDto })
  putCatalogAction(@Param('module') module: string, @Param('action') action: string, @Body() body: PutCatalogActionDto): Promise<CatalogEntryDto> {
    return this.directory.putCatalogAction(catalogId('module', module), catalogId('action', action), body);
  }
}
