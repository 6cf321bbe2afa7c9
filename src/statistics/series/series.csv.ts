import { CsvColumn, CsvResult } from '../output/csv';
import { fileStamp } from '../statistics-query.dto';
import type { Aggregation } from '../aggregated/aggregated.dto';
import type { SeriesResult } from './series.service';

/**
 * One row of the tabular view of a series answer: one series (or, with other=true, the series left
 * out: module, action and aggregations null) in one bucket position. With a comparison of another
 * length, the longer side's last positions have no partner: the other side's cells are empty.
 */
export interface SeriesTableRow {
  bucketStart: string | null;
  bucket: string | null;
  module: number | null;
  action: number | null;
  tenant: number;
  keys: Array<string | null>;
  count: number | null;
  comparisonBucketStart?: string | null;
  comparisonCount?: number | null;
}

/**
 * The columns of the tabular view — `bucketStart,bucket,module,action,tenant,` the aggregations in
 * request order, `count`, and with compare `comparisonBucketStart,comparisonCount` — as plain
 * (label, cell) pairs that any tabular format can use; CSV and XLSX (typed cells: bucket starts as
 * date-time cells in STATISTICS_TIME_ZONE, counts and ids as numbers, labels and aggregations as text).
 */
export function seriesColumns(aggregations: readonly Aggregation[], compared: boolean): CsvColumn<SeriesTableRow>[] {
  return [
    { label: 'bucketStart', value: (r) => r.bucketStart ?? '', type: 'instant' },
    { label: 'bucket', value: (r) => r.bucket ?? '', type: 'text' },
    { label: 'module', value: (r) => r.module ?? '', type: 'number' },
    { label: 'action', value: (r) => r.action ?? '', type: 'number' },
    { label: 'tenant', value: (r) => r.tenant, type: 'number' },
    ...aggregations.map((a, i) => ({ label: a, value: (r: SeriesTableRow) => r.keys[i] ?? '', type: 'text' as const })),
    { label: 'count', value: (r) => r.count ?? '', type: 'number' },
    ...(compared
      ? [
          { label: 'comparisonBucketStart', value: (r: SeriesTableRow) => r.comparisonBucketStart ?? '', type: 'instant' as const },
          { label: 'comparisonCount', value: (r: SeriesTableRow) => r.comparisonCount ?? '', type: 'number' as const },
        ]
      : []),
  ];
}

/** The rows of the tabular view, series by series, bucket by bucket (then the left-out series' row per bucket). */
export function* seriesRows(tenant: number, result: SeriesResult): Generator<SeriesTableRow> {
  const { buckets, comparison } = result.plan;
  const positions = Math.max(buckets.length, comparison?.buckets.length ?? 0);
  const nulls = result.aggregations.map(() => null);
  const emit = function* (module: number | null, action: number | null, keys: Array<string | null>, counts: number[], cmp?: number[]) {
    for (let i = 0; i < positions; i++) {
      const b = buckets[i];
      const row: SeriesTableRow = { bucketStart: b ? b.start.toISOString() : null, bucket: b?.label ?? null, module, action, tenant, keys, count: b ? counts[i] : null };
      if (comparison) {
        const c = comparison.buckets[i];
        row.comparisonBucketStart = c ? c.start.toISOString() : null;
        row.comparisonCount = c ? cmp![i] : null;
      }
      yield row;
    }
  };
  for (const g of result.groups) yield* emit(g.row.module, g.row.action, g.keys, g.counts, g.comparison?.counts);
  if (result.other) yield* emit(null, null, nulls, result.other.counts, result.other.comparison?.counts);
}

/** The CSV view of userActionsSeries. */
export function seriesCsv(tenant: number, result: SeriesResult): CsvResult<SeriesTableRow> {
  const { plan } = result;
  return new CsvResult(
    `tenant-${tenant}-userActionsSeries-${plan.interval}-${fileStamp(plan.from)}_${fileStamp(plan.to)}.csv`,
    seriesColumns(result.aggregations, !!plan.comparison),
    seriesRows(tenant, result),
  );
}
