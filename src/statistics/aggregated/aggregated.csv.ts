import { CsvColumn, CsvResult } from '../output/csv';
import { fileStamp } from '../statistics-query.dto';
import { AggregatedUserActionDto } from './aggregated.dto';
import { AggregatedResult } from './aggregated.service';

/** A CSV row: an entry, or (other=true) the sum of the entries left out, without module and action. */
export type AggregatedCsvRow = Omit<AggregatedUserActionDto, 'module' | 'action'> & { module: number | null; action: number | null };

/** The CSV (and XLSX: counts and ids as numbers, aggregations as text) view of userActionsAggregated: fixed columns, then one per aggregation in request order. */
export function aggregatedCsv(tenant: number, result: AggregatedResult): CsvResult<AggregatedCsvRow> {
  const columns: CsvColumn<AggregatedCsvRow>[] = [
    { label: 'module', value: (r) => r.module ?? '', type: 'number' },
    { label: 'action', value: (r) => r.action ?? '', type: 'number' },
    { label: 'tenant', value: (r) => r.tenant, type: 'number' },
    { label: 'count', value: (r) => r.count, type: 'number' },
    { label: 'aggregationLevel', value: (r) => r.aggregationLevel, type: 'number' },
    ...result.aggregations.map((a) => ({ label: a, value: (r: AggregatedCsvRow) => r[a] ?? '', type: 'text' as const })),
  ];
  // other=true: the groups left out, as a last row with empty module, action and aggregation cells.
  const rows: AggregatedCsvRow[] = result.other
    ? [...result.rows, { module: null, action: null, tenant, count: result.other.count, aggregationLevel: result.other.aggregationLevel }]
    : result.rows;
  return new CsvResult(`tenant-${tenant}-userActionsAggregated-${fileStamp(result.from)}_${fileStamp(result.to)}.csv`, columns, rows);
}
