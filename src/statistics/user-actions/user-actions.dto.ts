import { ApiProperty } from '@nestjs/swagger';
import { InstantField, IntField } from '../../common/field.decorators';
import { OutputQueryDto } from '../statistics-query.dto';

export class UserActionsQueryDto extends OutputQueryDto {
  @IntField({ optional: true, fromQuery: true, description: 'Only this module', example: 3 })
  module?: number;

  @IntField({ optional: true, fromQuery: true, description: 'Only this action (needs module)', example: 1 })
  action?: number;

  @InstantField({ optional: true, description: 'Only actions at or after this instant' })
  from?: Date;

  @InstantField({ optional: true, description: 'Only actions before this instant' })
  to?: Date;
}

export class MetaDto {
  @ApiProperty({ example: 1, description: 'Number of entries (all matches for paged routes)' })
  total: number;
  @ApiProperty({ example: '2021-04-15T08:55:20.421Z' })
  serverTime: string;
}

export class MonthlyUserActionDto {
  @ApiProperty({ example: '2014-12-31T23:00:00.000Z', description: 'Earliest created of the rows in that month' })
  date: string;
  @ApiProperty({ example: 4 }) module: number;
  @ApiProperty({ example: 1 }) action: number;
  @ApiProperty({ example: 2 }) tenant: number;
  @ApiProperty({ example: 2 }) count: number;
  @ApiProperty({ example: 2, description: 'Always 2 (monthly)' }) aggregationLevel: number;
}

export class MonthlyUserActionsResponseDto {
  @ApiProperty({ type: [MonthlyUserActionDto] }) userActions: MonthlyUserActionDto[];
  @ApiProperty({ type: MetaDto }) meta: MetaDto;
}
