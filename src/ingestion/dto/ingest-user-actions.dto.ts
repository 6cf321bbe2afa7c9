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
import { ClosedSchema } from '../../openapi/api-docs.decorators';
import { EXAMPLE_CREATED, EXAMPLE_EVENT_IDS } from '../../openapi/swagger-ui';
import { MaxCodePoints } from './code-points';

export const MAX_BATCH = 1000;

@ClosedSchema()
export class ConfigurationSnapshotDto {
  @MaxCodePoints(2048)
  @StringField({ optional: true, maxLength: 2048, description: 'Perspective image URL', example: 'https://example.com/perspective/conf-demo-0042.jpg' })
  thumbnail?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Part list: any JSON object (exported for actions that carry a part list)',
    example: { originPart: { articleNr: 'article-7', count: 1 } },
  })
  @IsOptional()
  @IsObject({ message: '$property must be a JSON object' })
  partList?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', maxLength: 255 },
    maxItems: 1000,
    description: 'Combined item ids of a plan (up to 1000, each up to 255 characters)',
    example: ['catalog:item:12', 'catalog:item:40'],
  })
  @IsOptional()
  @IsArray({ message: '$property must be a list of strings' })
  @ArrayMaxSize(1000, { message: '$property may hold at most 1000 ids' })
  @IsString({ each: true, message: '$property must be a list of strings' })
  @MaxCodePoints(255, { each: true, message: '$property entries must be at most 255 characters long' })
  @MaxLength(255, { each: true, message: '$property entries must be at most 255 characters long' })
  planCombinedIds?: string[];
}

@ClosedSchema()
export class UserActionEventDto {
  // MySQL's PAD SPACE collations compare 'id ' equal to 'id' while SQLite does not; refuse the ambiguity.
  // (Listed above StringField so that its checks, which run first, report wrong types and lengths.)
  @Matches(/[^ ]$/, { message: '$property must not end with a space' })
  @MaxCodePoints(64)
  @StringField({
    minLength: 1,
    maxLength: 64,
    description: 'Client-chosen id, unique per tenant (a UUID, say; must not end with a space); re-sending it stores nothing again',
    example: EXAMPLE_EVENT_IDS[0],
  })
  eventId: string;

  @IntField({ description: 'Module id (see GET modules; the demo catalog has module 3)', example: 3 })
  module: number;

  @IntField({ description: 'Action id within the module (see GET modules)', example: 1 })
  action: number;

  @InstantField({
    description: 'When it happened, ISO 8601 with zone: not older than ROLLUP_DAILY_AFTER_DAYS (30), at most 5 minutes ahead',
    example: EXAMPLE_CREATED,
  })
  created: Date;

  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-2 country code in capitals', pattern: '^[A-Z]{2}$', example: 'AT' })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: '$property must be an ISO 3166-1 alpha-2 code in capitals, e.g. AT' })
  country?: string;

  @MaxCodePoints(32)
  @StringField({ optional: true, maxLength: 32, description: 'Device class', example: 'desktop' })
  device?: string;

  @MaxCodePoints(255)
  @StringField({ optional: true, maxLength: 255, description: 'The configuratorId (configurations filters on it)', example: 'sofa-configurator' })
  actionLabel?: string;

  @MaxCodePoints(255)
  @StringField({ optional: true, maxLength: 255, description: 'Item or configuration id (the configuration link is built from it)', example: 'conf:demo:0042' })
  actionId?: string;

  @MaxCodePoints(1024)
  @StringField({ optional: true, maxLength: 1024, description: 'Free-form detail of the action', example: 'color=oak' })
  actionParameter?: string;

  @MaxCodePoints(255)
  @StringField({
    optional: true,
    minLength: 1,
    maxLength: 255,
    description: 'Pseudonymous user id; its e-mail (PUT users/{userId}) is exported while the user consents',
    example: 'demo-user-consenting',
  })
  userId?: string;

  @ApiPropertyOptional({ type: ConfigurationSnapshotDto, description: 'Snapshot of the configuration the action concerns (needs actionId)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConfigurationSnapshotDto)
  configuration?: ConfigurationSnapshotDto;
}

/**
 * What IngestBodyPipe validates: either shape (exactly one of the two, checked by the service).
 * The document describes the body as `oneOf` {@link IngestBatchDto} and {@link IngestSingleDto}.
 */
export class IngestUserActionsDto {
  @IsOptional()
  @IsArray({ message: '$property must be a list of events' })
  @ArrayMinSize(1, { message: `$property must hold 1 to ${MAX_BATCH} events` })
  @ArrayMaxSize(MAX_BATCH, { message: `$property must hold 1 to ${MAX_BATCH} events` })
  @ValidateNested({ each: true })
  @Type(() => UserActionEventDto)
  userActions?: UserActionEventDto[];

  @IsOptional()
  @IsObject({ message: '$property must be an event object' })
  @ValidateNested()
  @Type(() => UserActionEventDto)
  userAction?: UserActionEventDto;
}

/** The body with a batch: `{ "userActions": [ … ] }` (documentation only). */
@ClosedSchema()
export class IngestBatchDto {
  @ApiProperty({ type: [UserActionEventDto], minItems: 1, maxItems: MAX_BATCH, description: `1 to ${MAX_BATCH} events, stored all or nothing` })
  userActions: UserActionEventDto[];
}

/** The body with one event: `{ "userAction": { … } }`, the platform SDK's shape (documentation only). */
@ClosedSchema()
export class IngestSingleDto {
  @ApiProperty({ type: UserActionEventDto, description: 'One event' })
  userAction: UserActionEventDto;
}

export class IngestResultDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 2, description: 'Events stored now' })
  accepted: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 0, description: 'Events whose eventId was already stored (or repeated in the batch)' })
  duplicates: number;
}
