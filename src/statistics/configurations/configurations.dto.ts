import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { InstantField, IntArrayField, IntField, StringField } from '../../common/field.decorators';
import { OutputQueryDto } from '../statistics-query.dto';
import { MetaDto } from '../user-actions/user-actions.dto';

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10000;

export class ConfigurationsQueryDto extends OutputQueryDto {
  @InstantField({ optional: true, description: 'Start (inclusive). With `to` missing or this missing: the last 30 days up to now.' })
  from?: Date;

  @InstantField({ optional: true, description: 'End (exclusive)' })
  to?: Date;

  @StringField({ optional: true, maxLength: 255, description: 'Only actions of this configurator (actionLabel)' })
  configuratorId?: string;

  @IntArrayField({ optional: true, description: 'Only these action ids: `actions[]=2&actions[]=302`' })
  actions?: number[];

  @IntField({ optional: true, fromQuery: true, min: 1, max: MAX_LIMIT, description: `JSON page size (default ${DEFAULT_LIMIT}); CSV returns every match` })
  limit?: number;

  @IntField({ optional: true, fromQuery: true, min: 0, max: 1_000_000_000, description: 'JSON page offset (default 0)' })
  offset?: number;
}

export class ConfigurationStatisticDto {
  @ApiProperty({ example: 'https://www.roomle.com/t/cp/?id=conf:igu:ration1&configuratorId=shop' }) link: string;
  @ApiProperty({ nullable: true, type: String, example: 'https://url.to.perspective/image1.jpg' }) thumbnail: string | null;
  @ApiProperty({ example: '2021-09-21T12:17:59.968Z' }) created: string;
  @ApiProperty({ example: 'Save', description: 'Catalog name of the action' }) action: string;
  @ApiProperty({ nullable: true, type: String }) actionParameter: string | null;
  @ApiProperty({ example: 1 }) count: number;
  @ApiProperty({ enum: ['real time', 'daily', 'monthly'] }) aggregationLevel: string;
  @ApiProperty({ nullable: true, type: String, description: 'Only for real-time rows of users with statisticsConsent' }) userEmail: string | null;
  @ApiProperty({ nullable: true, type: Object, description: 'Only for actions that carry a part list' }) partList: unknown;
  @ApiPropertyOptional({ nullable: true, type: [String] }) planCombinedIds: unknown;
}

export class ConfigurationsResponseDto {
  @ApiProperty({ type: [ConfigurationStatisticDto] }) tenantConfigurationStatistics: ConfigurationStatisticDto[];
  @ApiProperty({ type: MetaDto }) meta: MetaDto;
}
