import { ApiProperty } from '@nestjs/swagger';
import { InstantField, IntArrayField, IntField, StringField } from '../../common/field.decorators';
import { OutputQueryDto } from '../statistics-query.dto';
import { MetaDto } from '../user-actions/user-actions.dto';

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10000;

export class ConfigurationsQueryDto extends OutputQueryDto {
  @InstantField({
    optional: true,
    description: 'Start (inclusive), ISO 8601 with zone. When `from` or `to` is missing, both default to the last 30 days up to now.',
  })
  from?: Date;

  @InstantField({ optional: true, description: 'End (exclusive), ISO 8601 with zone; `from` after `to` is a 400 (default: see `from`)' })
  to?: Date;

  @StringField({ optional: true, maxLength: 255, description: 'Only actions of this configurator, i.e. this actionLabel (default: every configurator)' })
  configuratorId?: string;

  @IntArrayField({ optional: true, description: 'Only these action ids of the configuration actions (default: all of them): `actions[]=2&actions[]=302`' })
  actions?: number[];

  @IntField({
    optional: true,
    fromQuery: true,
    min: 1,
    max: MAX_LIMIT,
    default: DEFAULT_LIMIT,
    description: `JSON page size (default ${DEFAULT_LIMIT}); CSV ignores it and returns every match`,
  })
  limit?: number;

  @IntField({ optional: true, fromQuery: true, min: 0, max: 1_000_000_000, default: 0, description: 'JSON page offset: entries to skip (default 0); CSV ignores it' })
  offset?: number;
}

export class ConfigurationStatisticDto {
  @ApiProperty({
    example: 'https://www.roomle.com/t/cp/?id=conf:demo:0042&configuratorId=sofa-configurator',
    description: 'CONFIGURATION_LINK_BASE?id=<actionId>[&configuratorId=<actionLabel>]; empty without an actionId',
  })
  link: string;
  @ApiProperty({ nullable: true, type: String, example: 'https://example.com/perspective/conf-demo-0042.jpg' }) thumbnail: string | null;
  @ApiProperty({ format: 'date-time', example: '2026-05-19T12:17:59.968Z' }) created: string;
  @ApiProperty({ example: 'Save', description: 'Catalog name of the action' }) action: string;
  @ApiProperty({ nullable: true, type: String }) actionParameter: string | null;
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 }) count: number;
  @ApiProperty({ enum: ['real time', 'daily', 'monthly'] }) aggregationLevel: string;
  @ApiProperty({ nullable: true, type: String, description: 'Only for real-time rows of users with statisticsConsent' }) userEmail: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The part list (a free-form JSON object), only for actions that carry one',
    example: { originPart: { articleNr: 'article-7', count: 1 } },
  })
  partList: Record<string, unknown> | null;
  @ApiProperty({ type: [String], nullable: true, description: 'Combined item ids of a plan (Save_Plan), else null', example: null })
  planCombinedIds: string[] | null;
}

export class ConfigurationsResponseDto {
  @ApiProperty({ type: [ConfigurationStatisticDto] }) tenantConfigurationStatistics: ConfigurationStatisticDto[];
  @ApiProperty({ type: MetaDto }) meta: MetaDto;
}
