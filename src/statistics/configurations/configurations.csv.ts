import { Readable } from 'node:stream';
import { CsvResult } from '../output/csv';
import { fileStamp } from '../statistics-query.dto';
import { ConfigurationRow } from './configurations.service';

/**
 * The CSV (and XLSX) view of configurations: the spec's columns, rows streamed as they come;
 * `total` (counted first for XLSX) lets an export beyond one worksheet be refused before it starts.
 */
export function configurationsCsv(tenant: number, from: Date, to: Date, rows: Readable, total?: number): CsvResult<ConfigurationRow> {
  return new CsvResult<ConfigurationRow>(
    `tenant-${tenant}-configurations-${fileStamp(from)}_${fileStamp(to)}.csv`,
    [
      { label: 'link', value: (r) => r.link, width: 60 },
      { label: 'thumbnail', value: (r) => r.thumbnail ?? '', width: 40 },
      { label: 'created', value: (r) => r.created, type: 'instant' },
      { label: 'action', value: (r) => r.action, width: 18 },
      { label: 'actionParameter', value: (r) => r.actionParameter ?? '', width: 16 },
      { label: 'count', value: (r) => r.count, type: 'number' },
      { label: 'aggregationLevel', value: (r) => r.aggregationLevel, width: 16 },
      { label: 'userEmail', value: (r) => r.userEmail ?? '', width: 28 },
      { label: 'partList', value: (r) => r.partListText, width: 40 },
      { label: 'planCombinedIds', value: (r) => r.planCombinedIdsText, width: 24 },
    ],
    rows,
    { total },
  );
}
