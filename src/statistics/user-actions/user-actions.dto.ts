import { ApiProperty } from '@nestjs/swagger';
import { InstantField, IntField } from '../../common/field.decorators';
import { OutputQueryDto } from '../statistics-query.dto';

export class UserActionsQueryDto extends OutputQueryDto {
  @IntField({ optional: true, fromQuery: true, description: 'Only this module (default: every module). The demo holds module 3.' })
  module?: number;

  @IntField({ optional: true, fromQuery: true, description: 'Only this action of `module` (needs `module`; default: every action)' })
  action?: number;

  @InstantField({ optional: true, description: 'Only actions at or after this instant, ISO 8601 with zone (default: no lower bound)' })
  from?: Date;

  @InstantField({ optional: true, description: 'Only actions before this instant, ISO 8601 with zone (default: no upper bound)' })
  to?: Date;
}

export class MetaDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 1, description: 'Number of entries (all matches for paged routes)' })
  total: number;
  @ApiProperty({ format: 'date-time', example: '2026-05-20T08:55:20.421Z', description: 'The server clock when it answered' })
  serverTime: string;
}

export class MonthlyUserActionDto {
  @ApiProperty({ format: 'date-time', example: '2026-05-01T06:12:31.000Z', description: 'Earliest created of the rows in that month' })
  date: string;
  @ApiProperty({ type: 'integer', minimum: 0, example: 3 }) module: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 1 }) action: number;
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 }) tenant: number;
  @ApiProperty({ type: 'integer', minimum: 1, example: 46 }) count: number;
  @ApiProperty({ type: 'integer', enum: [2], example: 2, description: 'Always 2 (monthly)' }) aggregationLevel: number;
}

export class MonthlyUserActionsResponseDto {
  @ApiProperty({ type: [MonthlyUserActionDto] }) userActions: MonthlyUserActionDto[];
  @ApiProperty({ type: MetaDto }) meta: MetaDto;
}
