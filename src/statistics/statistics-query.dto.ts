import { BadRequestException } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Allow } from 'class-validator';
import { CSV_BOM_VALUES, CSV_DELIMITER_VALUES, FORMAT_PARAM_VALUES, type OutputFormat } from './output/negotiate';

/**
 * `?format=`, `?csvBom=` and `?csvDelimiter=` are accepted by every read route. They are validated
 * once, by the OutputInterceptor (negotiateFormat and csvOptions, before any pipe runs: a bad value
 * is a 400 naming the parameter); here they are only declared, for the OpenAPI document and so that
 * the validation pipe does not refuse them as unknown.
 */
export class OutputQueryDto {
  @ApiPropertyOptional({
    enum: FORMAT_PARAM_VALUES,
    description:
      'Overrides the Accept header (handy for download links): `json`, `csv` (text/csv) or `xlsx` ' +
      '(application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, one typed worksheet of at most 1,048,575 rows)',
  })
  @Allow()
  format?: OutputFormat;

  @ApiPropertyOptional({
    enum: CSV_BOM_VALUES,
    description: 'CSV only (default `false`): `true` starts the file with a UTF-8 byte-order mark, so Excel reads umlauts right when the file is double-clicked',
  })
  @Allow()
  csvBom?: (typeof CSV_BOM_VALUES)[number];

  @ApiPropertyOptional({
    enum: CSV_DELIMITER_VALUES,
    description: 'CSV only: the field separator, `comma` (the default) or `semicolon` (what Excel expects in decimal-comma locales such as German)',
  })
  @Allow()
  csvDelimiter?: (typeof CSV_DELIMITER_VALUES)[number];
}

/** `from` after `to` → 400 naming both. */
export function checkRange(from: Date, to: Date): void {
  if (from.getTime() > to.getTime()) throw new BadRequestException('from must not be after to');
}

/** `2021-07-21T00:00:00.000Z` → `2021-07-21T000000Z`, safe inside a file name. */
export function fileStamp(d: Date): string {
  return d.toISOString().replace(/[:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}
