import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsEmail, MaxLength } from 'class-validator';
import { StringField } from '../../common/field.decorators';
import { MaxCodePoints } from '../../ingestion/dto/code-points';
import { ClosedSchema } from '../../openapi/api-docs.decorators';

@ClosedSchema()
export class PutUserDto {
  @ApiProperty({ format: 'email', example: 'consenting.user@example.com', maxLength: 320, description: "The user's e-mail address" })
  // Decorators run bottom-up and the pipe stops at the first error: IsEmail must run first, or a
  // missing or non-string e-mail is reported as too long.
  @MaxCodePoints(320)
  @MaxLength(320, { message: '$property must be at most 320 characters long' })
  @IsEmail({}, { message: '$property must be an e-mail address' })
  email: string;

  @ApiProperty({ example: true, description: 'Whether the user agreed that tenants see their e-mail in statistics' })
  @IsBoolean({ message: '$property must be true or false' })
  statisticsConsent: boolean;
}

export class DirectoryUserDto {
  @ApiProperty({ example: 'demo-user-consenting' }) userId: string;
  @ApiProperty({ format: 'email', example: 'consenting.user@example.com' }) email: string;
  @ApiProperty({ example: true }) statisticsConsent: boolean;
}

@ClosedSchema()
export class PutCatalogActionDto {
  @MaxCodePoints(128)
  @StringField({ minLength: 1, maxLength: 128, description: 'Name of the action (the configurations route groups by it)', example: 'Demo_Example' })
  name: string;

  @ApiProperty({ example: false, description: 'The action concerns a configuration (listed by the configurations route)' })
  @IsBoolean({ message: '$property must be true or false' })
  configurationAction: boolean;

  @ApiProperty({ example: false, description: 'The action carries a part list (partList is exported)' })
  @IsBoolean({ message: '$property must be true or false' })
  carriesPartList: boolean;

  @MaxCodePoints(64)
  @StringField({
    optional: true,
    minLength: 1,
    maxLength: 64,
    description: 'Name of the module; used when the module is new (default "module <id>") or to rename it',
  })
  moduleName?: string;
}

export class CatalogActionDto {
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 2147483647, example: 2 }) action: number;
  @ApiProperty({ example: 'Save' }) name: string;
  @ApiProperty({ example: true }) configurationAction: boolean;
  @ApiProperty({ example: true }) carriesPartList: boolean;
}

export class CatalogModuleDto {
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 2147483647, example: 3 }) id: number;
  @ApiProperty({ example: 'configurator' }) name: string;
  @ApiProperty({ type: [CatalogActionDto] }) actions: CatalogActionDto[];
}

export class CatalogDto {
  @ApiProperty({ type: [CatalogModuleDto] }) modules: CatalogModuleDto[];
}

export class CatalogEntryDto extends CatalogActionDto {
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 2147483647, example: 3 }) module: number;
  @ApiProperty({ example: 'configurator' }) moduleName: string;
}
