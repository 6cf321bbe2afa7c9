import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { InstantField, IntField, StringField } from '../../common/field.decorators';
import { MaxCodePoints } from './code-points';

export const MAX_BATCH = 1000;

export class ConfigurationSnapshotDto {
  @MaxCodePoints(2048)
  @StringField({ optional: true, maxLength: 2048, description: 'Perspective image URL', example: 'https://url.to.perspective/image1.jpg' })
  thumbnail?: string;

  @ApiPropertyOptional({ type: Object, description: 'Part list (a JSON document)', example: { originPart: { articleNr: 'article1', count: 1 } } })
  @IsOptional()
  @IsObject({ message: '$property must be a JSON object' })
  partList?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [String], description: 'Combined item ids of a plan' })
  @IsOptional()
  @IsArray({ message: '$property must be a list of strings' })
  @ArrayMaxSize(1000, { message: '$property may hold at most 1000 ids' })
  @IsString({ each: true, message: '$property must be a list of strings' })
  @MaxCodePoints(255, { each: true, message: '$property entries must be at most 255 characters long' })
  @MaxLength(255, { each: true, message: '$property entries must be at most 255 characters long' })
  planCombinedIds?: string[];
}

export class UserActionEventDto {
  // MySQL's PAD SPACE collations compare 'id ' equal to 'id' while SQLite does not; refuse the ambiguity.
  // (Listed above StringField so that its checks, which run first, report wrong types and lengths.)
  @Matches(/[^ ]$/, { message: '$property must not end with a space' })
  @MaxCodePoints(64)
  @StringField({ minLength: 1, maxLength: 64, description: 'Client-chosen id; re-sending it stores nothing again', example: '6f1c1f0e-2b1e-4a4e-9b3e-1d2c3b4a5f60' })
  eventId: string;

  @IntField({ description: 'Module id (see GET modules)', example: 3 })
  module: number;

  @IntField({ description: 'Action id within the module', example: 2 })
  action: number;

  @InstantField({ description: 'When it happened (not older than ROLLUP_DAILY_AFTER_DAYS, at most 5 minutes ahead)' })
  created: Date;

  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-2', example: 'AT' })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: '$property must be an ISO 3166-1 alpha-2 code in capitals, e.g. AT' })
  country?: string;

  @MaxCodePoints(32)
  @StringField({ optional: true, maxLength: 32, example: 'desktop' })
  device?: string;

  @MaxCodePoints(255)
  @StringField({ optional: true, maxLength: 255, description: 'The configuratorId', example: 'shop-configurator' })
  actionLabel?: string;

  @MaxCodePoints(255)
  @StringField({ optional: true, maxLength: 255, description: 'Item or configuration id', example: 'conf:igu:ration1' })
  actionId?: string;

  @MaxCodePoints(1024)
  @StringField({ optional: true, maxLength: 1024 })
  actionParameter?: string;

  @MaxCodePoints(255)
  @StringField({ optional: true, minLength: 1, maxLength: 255 })
  userId?: string;

  @ApiPropertyOptional({ type: ConfigurationSnapshotDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConfigurationSnapshotDto)
  configuration?: ConfigurationSnapshotDto;
}

export class IngestUserActionsDto {
  @ApiPropertyOptional({ type: [UserActionEventDto], minItems: 1, maxItems: MAX_BATCH })
  @IsOptional()
  @IsArray({ message: '$property must be a list of events' })
  @ArrayMinSize(1, { message: `$property must hold 1 to ${MAX_BATCH} events` })
  @ArrayMaxSize(MAX_BATCH, { message: `$property must hold 1 to ${MAX_BATCH} events` })
  @ValidateNested({ each: true })
  @Type(() => UserActionEventDto)
  userActions?: UserActionEventDto[];

  @ApiPropertyOptional({ type: UserActionEventDto, description: 'One event (the platform SDK shape)' })
  @IsOptional()
  @IsObject({ message: '$property must be an event object' })
  @ValidateNested()
  @Type(() => UserActionEventDto)
  userAction?: UserActionEventDto;
}

export class IngestResultDto {
  @ApiProperty({ example: 998, description: 'Events stored now' })
  accepted: number;
  @ApiProperty({ example: 2, description: 'Events whose eventId was already stored (or repeated in the batch)' })
  duplicates: number;
}
