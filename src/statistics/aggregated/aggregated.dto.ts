import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayUnique } from 'class-validator';
import { BooleanField, EnumArrayField, EnumField, InstantField, IntArrayField, IntField } from '../../common/field.decorators';
import { OutputQueryDto } from '../statistics-query.dto';

export const AGGREGATIONS = ['country', 'device', 'actionLabel', 'actionId'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export const MAX_AGGREGATED_LIMIT = 10000;
export const MAX_AGGREGATED_OFFSET = 1_000_000_000;

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

  @EnumField(['count'], {
    optional: true,
    description:
      'Order of the entries. Default: by module, action, then the aggregations in request order (null first). ' +
      '`count`: by count descending, ties in the default order.',
  })
  orderBy?: 'count';

  @IntField({
    optional: true,
    fromQuery: true,
    min: 1,
    max: MAX_AGGREGATED_LIMIT,
    description: 'At most this many entries (JSON and CSV), after `offset` (default: every entry). `meta.total` still counts every entry.',
  })
  limit?: number;

  @IntField({
    optional: true,
    fromQuery: true,
    min: 0,
    max: MAX_AGGREGATED_OFFSET,
    default: 0,
    description: 'Entries to skip before the page (a value above 0 needs `limit`; default 0)',
  })
  offset?: number;

  @BooleanField({
    optional: true,
    default: false,
    description:
      '`true` needs `limit`. Adds the sum of the entries left out (before and after the page): `meta.other` in JSON, ' +
      'a last CSV row with empty module, action and aggregation cells. Page counts + other count = the unpaged sum.',
  })
  other?: boolean;
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

/** The entries a paged answer left out (`other=true`), summed. */
export class AggregatedOtherDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 12, description: 'Sum of the counts of the entries left out (0 when none)' }) count: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 5, description: 'How many entries were left out (meta.total minus the entries shown)' }) groups: number;
  @ApiProperty({ type: 'integer', enum: [0, 1, 2], example: 0, description: 'Coarsest level among the entries left out (0 when none)' })
  aggregationLevel: number;
}

export class AggregatedMetaDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 2, description: 'Number of entries of the whole answer, before `offset` and `limit`' })
  total: number;
  @ApiProperty({ format: 'date-time', example: '2026-05-20T08:55:20.421Z', description: 'The server clock when it answered' })
  serverTime: string;
  @ApiPropertyOptional({ type: AggregatedOtherDto, description: 'Only with other=true: the entries left out by offset and limit, summed' })
  other?: AggregatedOtherDto;
}

export class AggregatedResponseDto {
  @ApiProperty({ type: [AggregatedUserActionDto] }) userActions: AggregatedUserActionDto[];
  @ApiProperty({ type: AggregatedMetaDto }) meta: AggregatedMetaDto;
}
