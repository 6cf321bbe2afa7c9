import { Readable } from 'node:stream';
import { CsvResult } from '../output/csv';
import { fileStamp } from '../statistics-query.dto';
import { ConfigurationRow } from './configurations.service';

/** The CSV view of configurations: the spec's columns, rows streamed as they come. */
export function configurationsCsv(tenant: number, from: Date, to: Date, rows: Readable): CsvResult<ConfigurationRow> {
  return new CsvResult<ConfigurationRow>(
    `tenant-${tenant}-configurations-${fileStamp(from)}_${fileStamp(to)}.csv`,
    [
      { label: 'link', value: (r) => r.link },
      { label: 'thumbnail', value: (r) => r.thumbnail ?? '' },
      { label: 'created', value: (r) => r.created },
      { label: 'action', value: (r) => r.action },
      { label: 'actionParameter', value: (r) => r.actionParameter ?? '' },
      { label: 'count', value: (r) => r.count },
      { label: 'aggregationLevel', value: (r) => r.aggregationLevel },
      { label: 'userEmail', value: (r) => r.userEmail ?? '' },
      { label: 'partList', value: (r) => r.partListText },
      { label: 'planCombinedIds', value: (r) => r.planCombinedIdsText },
    ],
    rows,
  );
}
