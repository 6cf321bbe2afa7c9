import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Put } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/authenticated.decorator';
import { INGEST_SCOPE } from '../auth/principal';
import { DirectoryService } from './directory.service';
import { CatalogDto, CatalogEntryDto, DirectoryUserDto, PutCatalogActionDto, PutUserDto } from './dto/directory.dto';

function userIdOf(raw: string): string {
  if (!raw || raw.length > 255) throw new BadRequestException('userId must be 1 to 255 characters long');
  return raw;
}

const idPipe = (name: string) =>
  new ParseIntPipe({ exceptionFactory: () => new BadRequestException(`${name} must be a non-negative integer`) });

function nonNegative(name: string, n: number): number {
  if (n < 0 || n > 2147483647) throw new BadRequestException(`${name} must be a non-negative integer`);
  return n;
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
  @ApiOkResponse({ type: CatalogEntryDto })
  putCatalogAction(
    @Param('module', idPipe('module')) module: number,
    @Param('action', idPipe('action')) action: number,
    @Body() body: PutCatalogActionDto,
  ): Promise<CatalogEntryDto> {
    return this.directory.putCatalogAction(nonNegative('module', module), nonNegative('action', action), body);
  }
}
