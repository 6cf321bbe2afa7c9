import { CsvResult } from '../output/csv';
import { fileStamp } from '../statistics-query.dto';
import { UserActionsQueryDto } from './user-actions.dto';
import { MonthlyRow } from './user-actions.service';

/** The CSV (and XLSX: number cells) view of useractions: one row per (month, module, action); the file name says the range asked. */
export function userActionsCsv(tenant: number, query: UserActionsQueryDto, rows: MonthlyRow[]): CsvResult<MonthlyRow> {
  const range = query.from || query.to ? `${query.from ? fileStamp(query.from) : 'start'}_${query.to ? fileStamp(query.to) : 'now'}` : 'all';
  return new CsvResult<MonthlyRow>(
    `tenant-${tenant}-useractions-${range}.csv`,
    [
      { label: 'module', value: (r) => r.module, type: 'number' },
      { label: 'action', value: (r) => r.action, type: 'number' },
      { label: 'tenant', value: (r) => r.tenant, type: 'number' },
      { label: 'count', value: (r) => r.count, type: 'number' },
      { label: 'month', value: (r) => r.month, type: 'number' },
      { label: 'year', value: (r) => r.year, type: 'number' },
    ],
    rows,
  );
}
