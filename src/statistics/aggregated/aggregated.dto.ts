import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayUnique } from 'class-validator';
import { EnumArrayField, InstantField, IntArrayField, IntField } from '../../common/field.decorators';
import { OutputQueryDto } from '../statistics-query.dto';
import { MetaDto } from '../user-actions/user-actions.dto';

export const AGGREGATIONS = ['country', 'device', 'actionLabel', 'actionId'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export class AggregatedQueryDto extends OutputQueryDto {
  @InstantField({ optional: true, description: 'Start (inclusive). With `to` missing or this missing: the current calendar month.' })
  from?: Date;

  @InstantField({ optional: true, description: 'End (exclusive)' })
  to?: Date;

  @IntField({ optional: true, fromQuery: true, description: 'Only this module', example: 3 })
  module?: number;

  @IntArrayField({ optional: true, description: 'Only these actions of `module`: `actions[]=1&actions[]=3` or `actions=1&actions=3`' })
  actions?: number[];

  @EnumArrayField(AGGREGATIONS, { optional: true, description: 'Extra group-by columns, in output order: `aggregations[]=country`' })
  @ArrayUnique({ message: 'aggregations must not name a value twice' })
  aggregations?: Aggregation[];
}

export class AggregatedUserActionDto {
  @ApiProperty({ example: 4 }) module: number;
  @ApiProperty({ example: 1 }) action: number;
  @ApiProperty({ example: 2 }) tenant: number;
  @ApiProperty({ example: 49 }) count: number;
  @ApiProperty({ example: 0, description: 'Coarsest level among the rows summed: 0 real time, 1 daily, 2 monthly' }) aggregationLevel: number;
  @ApiPropertyOptional({ example: 'AT', nullable: true, type: String }) country?: string | null;
  @ApiPropertyOptional({ example: 'desktop', nullable: true, type: String }) device?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) actionLabel?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) actionId?: string | null;
}

export class AggregatedResponseDto {
  @ApiProperty({ type: [AggregatedUserActionDto] }) userActions: AggregatedUserActionDto[];
  @ApiProperty({ type: MetaDto }) meta: MetaDto;
}
