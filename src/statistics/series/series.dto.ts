import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EnumField } from '../../common/field.decorators';
import { INTERVALS, type Interval, WEEK_STARTS, type WeekStart } from '../../common/calendar';
import { AggregatedQueryDto } from '../aggregated/aggregated.dto';

export const COMPARE_MODES = ['previousPeriod', 'previousYear'] as const;
export type CompareMode = (typeof COMPARE_MODES)[number];

/** At most this many buckets per answer (each side of a comparison). */
export const MAX_BUCKETS = 1000;

/** userActionsSeries: the filters, aggregations and top N of userActionsAggregated, plus buckets and a comparison. */
export class SeriesQueryDto extends AggregatedQueryDto {
  @EnumField(INTERVALS, {
    optional: true,
    default: 'day',
    description:
      'Bucket size, in STATISTICS_TIME_ZONE: local hours (real hours: 23 or 25 on a daylight-saving day), days, weeks (see `weekStart`) or months. ' +
      `Hours reach back ROLLUP_DAILY_AFTER_DAYS, days and weeks ROLLUP_MONTHLY_AFTER_DAYS (else 400 naming the earliest from); at most ${MAX_BUCKETS} buckets.`,
  })
  interval?: Interval;

  @EnumField(WEEK_STARTS, { optional: true, default: 'monday', description: 'First day of a week bucket: `monday` (ISO weeks, labelled `2026-W23`) or `sunday` (labelled with the date of its Sunday)' })
  weekStart?: WeekStart;

  @EnumField(COMPARE_MODES, {
    optional: true,
    example: 'previousPeriod',
    description:
      'Adds a comparison: `previousPeriod` (the same length directly before `from`; whole calendar months compare with as many whole months) or ' +
      '`previousYear` (the same local dates a year earlier; 29 February → 28 February). Each series gets `comparison` and `change`.',
  })
  compare?: CompareMode;
}

export class SeriesBucketDto {
  @ApiProperty({ format: 'date-time', example: '2026-05-31T22:00:00.000Z', description: "The bucket's start instant (its local start), which identifies it; the counts cover only its part inside [from, to)" })
  start: string;
  @ApiProperty({ example: '2026-06-01', description: 'Its local start: `2026-06-01T14` (hour), `2026-06-01` (day), `2026-W23` (ISO week; the Sunday with weekStart=sunday), `2026-06` (month)' })
  label: string;
  @ApiProperty({ example: false, description: 'Cut by from/to, or not ended at serverTime (running or to come)' })
  partial: boolean;
}

export class SeriesComparisonCountsDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 120, description: 'Sum over the comparison range' }) total: number;
  @ApiProperty({ type: 'integer', isArray: true, example: [30, 30, 30, 30], description: '`counts[i]` belongs to `meta.comparison.buckets[i]`' }) counts: number[];
}

export class SeriesChangeDto {
  @ApiProperty({ type: 'integer', example: 12, description: 'total − comparison.total' }) delta: number;
  @ApiProperty({ type: Number, nullable: true, example: 10, description: 'delta in percent of comparison.total, one decimal; null when the comparison total is 0' })
  pct: number | null;
}

export class SeriesDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 3 }) module: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 1 }) action: number;
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 }) tenant: number;
  @ApiPropertyOptional({ example: 'AT', nullable: true, type: String, description: 'Only with aggregations[]=country' }) country?: string | null;
  @ApiPropertyOptional({ example: 'desktop', nullable: true, type: String, description: 'Only with aggregations[]=device' }) device?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Only with aggregations[]=actionLabel' }) actionLabel?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Only with aggregations[]=actionId' }) actionId?: string | null;
  @ApiProperty({ type: 'integer', minimum: 0, example: 132, description: 'Sum over [from, to): the count userActionsAggregated gives this group' }) total: number;
  @ApiProperty({ type: 'integer', isArray: true, example: [40, 0, 52, 40], description: '`counts[i]` belongs to `meta.buckets[i]` (0 for a bucket without rows)' }) counts: number[];
  @ApiPropertyOptional({ type: SeriesComparisonCountsDto, description: 'Only with compare' }) comparison?: SeriesComparisonCountsDto;
  @ApiPropertyOptional({ type: SeriesChangeDto, description: 'Only with compare' }) change?: SeriesChangeDto;
}

export class SeriesOtherDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 5, description: 'How many series were left out (meta.total minus the series shown)' }) groups: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 12, description: 'Their sum over [from, to)' }) total: number;
  @ApiProperty({ type: 'integer', isArray: true, example: [3, 0, 5, 4], description: 'Their sum per bucket: with the series shown, every bucket adds up to the unlimited answer' }) counts: number[];
  @ApiPropertyOptional({ type: SeriesComparisonCountsDto, description: 'Only with compare: their sums over the comparison' }) comparison?: SeriesComparisonCountsDto;
}

export class SeriesComparisonMetaDto {
  @ApiProperty({ enum: COMPARE_MODES, example: 'previousPeriod' }) mode: CompareMode;
  @ApiProperty({ format: 'date-time', example: '2026-05-27T22:00:00.000Z', description: 'Start of the comparison range (inclusive)' }) from: string;
  @ApiProperty({ format: 'date-time', example: '2026-05-31T22:00:00.000Z', description: 'End of the comparison range (exclusive)' }) to: string;
  @ApiProperty({ type: [SeriesBucketDto], description: 'Its buckets, paired with meta.buckets by position (the longer side’s last ones have no partner)' }) buckets: SeriesBucketDto[];
}

export class SeriesMetaDto {
  @ApiProperty({ enum: INTERVALS, example: 'day' }) interval: Interval;
  @ApiProperty({ example: 'Europe/Vienna', description: 'STATISTICS_TIME_ZONE: the zone of the buckets and labels' }) timeZone: string;
  @ApiProperty({ enum: WEEK_STARTS, example: 'monday' }) weekStart: WeekStart;
  @ApiProperty({ format: 'date-time', example: '2026-05-31T22:00:00.000Z', description: 'The range, resolved (default: the current month)' }) from: string;
  @ApiProperty({ format: 'date-time', example: '2026-06-04T22:00:00.000Z' }) to: string;
  @ApiProperty({ type: [SeriesBucketDto] }) buckets: SeriesBucketDto[];
  @ApiPropertyOptional({ type: SeriesComparisonMetaDto, description: 'Only with compare' }) comparison?: SeriesComparisonMetaDto;
  @ApiProperty({ type: 'integer', minimum: 0, example: 1, description: 'Number of series before offset and limit' }) total: number;
  @ApiProperty({ format: 'date-time', example: '2026-06-05T08:55:20.421Z', description: 'The server clock when it answered' }) serverTime: string;
  @ApiPropertyOptional({ type: SeriesOtherDto, description: 'Only with other=true: the series left out, summed per bucket' }) other?: SeriesOtherDto;
}

export class SeriesResponseDto {
  @ApiProperty({ type: [SeriesDto] }) series: SeriesDto[];
  @ApiProperty({ type: SeriesMetaDto }) meta: SeriesMetaDto;
}
