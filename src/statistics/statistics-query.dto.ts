import { BadRequestException } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Allow } from 'class-validator';
import { FORMAT_PARAM_VALUES, type OutputFormat } from './output/negotiate';

/**
 * `?format=` is accepted by every read route. It is validated once, by the OutputInterceptor
 * (negotiateFormat, before any pipe runs: a bad value is a 400 naming `format`); here it is only
 * declared, for the OpenAPI document and so that the validation pipe does not refuse it as unknown.
 */
export class OutputQueryDto {
  @ApiPropertyOptional({ enum: FORMAT_PARAM_VALUES, description: 'Overrides the Accept header (handy for download links)' })
  @Allow()
  format?: OutputFormat;
}

/** `from` after `to` → 400 naming both. */
export function checkRange(from: Date, to: Date): void {
  if (from.getTime() > to.getTime()) throw new BadRequestException('from must not be after to');
}

/** `2021-07-21T00:00:00.000Z` → `2021-07-21T000000Z`, safe inside a file name. */
export function fileStamp(d: Date): string {
  return d.toISOString().replace(/[:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}
