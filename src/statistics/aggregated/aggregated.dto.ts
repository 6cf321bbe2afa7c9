import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayUnique } from 'class-validator';
import { EnumArrayField, InstantField, IntArrayField, IntField } from '../../common/field.decorators';
import { OutputQueryDto } from '../statistics-query.dto';
import { MetaDto } from '../user-actions/user-actions.dto';

export const AGGREGATIONS = ['country', 'device', 'actionLabel', 'actionId'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export class AggregatedQueryDto extends OutputQueryDto {
  @InstantField({
    optional: true,
    description:
      'Start (inclusive), ISO 8601 with zone. When `from` or `to` is missing, both default to the current calendar month (STATISTICS_TIME_ZONE).',
  })
  from?: Date;

  @InstantField({ optional: true, description: 'End (exclusive), ISO 8601 with zone; `from` after `to` is a 400 (default: see `from`)' })
  to?: Date;

  @IntField({ optional: true, fromQuery: true, description: 'Only this module (default: every module). The demo holds module 3.' })
  module?: number;

  @IntArrayField({
    optional: true,
    description: 'Only these actions of `module` (needs `module`; default: every action): `actions[]=1&actions[]=3` or `actions=1&actions=3`',
  })
  actions?: number[];

  @EnumArrayField(AGGREGATIONS, {
    optional: true,
    description: 'Extra group-by columns, in output order, each at most once (default: none): `aggregations[]=country`',
  })
  @ArrayUnique({ message: 'aggregations must not name a value twice' })
  aggregations?: Aggregation[];
}

export class AggregatedUserActionDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 3 }) module: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 1 }) action: number;
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 }) tenant: number;
  @ApiProperty({ type: 'integer', minimum: 1, example: 49 }) count: number;
  @ApiProperty({ type: 'integer', enum: [0, 1, 2], example: 0, description: 'Coarsest level among the rows summed: 0 real time, 1 daily, 2 monthly' })
  aggregationLevel: number;
  @ApiPropertyOptional({ example: 'AT', nullable: true, type: String, description: 'Only with aggregations[]=country' }) country?: string | null;
  @ApiPropertyOptional({ example: 'desktop', nullable: true, type: String, description: 'Only with aggregations[]=device' }) device?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Only with aggregations[]=actionLabel' }) actionLabel?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Only with aggregations[]=actionId' }) actionId?: string | null;
}

export class AggregatedResponseDto {
  @ApiProperty({ type: [AggregatedUserActionDto] }) userActions: AggregatedUserActionDto[];
  @ApiProperty({ type: MetaDto }) meta: MetaDto;
}
