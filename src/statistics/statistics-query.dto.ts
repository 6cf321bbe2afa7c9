import { BadRequestException } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

/** `?format=` is accepted by every read route; the OutputInterceptor acts on it. */
export class OutputQueryDto {
  @ApiPropertyOptional({ enum: ['csv', 'json'], description: 'Overrides the Accept header (handy for download links)' })
  @IsOptional()
  @IsIn(['csv', 'json'], { message: 'format must be one of: csv, json' })
  format?: 'csv' | 'json';
}

/** `from` after `to` → 400 naming both. */
export function checkRange(from: Date, to: Date): void {
  if (from.getTime() > to.getTime()) throw new BadRequestException('from must not be after to');
}

/** `2021-07-21T00:00:00.000Z` → `2021-07-21T000000Z`, safe inside a file name. */
export function fileStamp(d: Date): string {
  return d.toISOString().replace(/[:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}
