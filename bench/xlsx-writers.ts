/**
 * XLSX writers compared on the configurations export's rows, without a database: the service's
 * hand-written streaming SpreadsheetML writer (src/statistics/output/xlsx.ts) against exceljs's
 * streaming `stream.xlsx.WorkbookWriter` (the ecosystem's usual one), and the CSV of the same rows
 * as the yardstick. Each writer runs in a child process of its own, so its peak RSS is its own.
 *
 *   npx ts-node -T bench/xlsx-writers.ts [--rows 200000]
 *
 * Prints one line per writer: rows/s, peak RSS, file size. Figures: docs/performance.md, "XLSX".
 */
import { execFileSync } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvColumn, CsvResult } from '../src/statistics/output/csv';

interface Row {
  link: string;
  thumbnail: string | null;
  created: string;
  action: string;
  actionParameter: string | null;
  count: number;
  aggregationLevel: string;
  userEmail: string | null;
  partListText: string;
  planCombinedIdsText: string;
}

const COLUMNS: CsvColumn<Row>[] = [
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
];

/** Rows shaped like the bench dataset's configurations rows (deterministic). */
function rows(n: number): Readable {
  let i = 0;
  const t0 = Date.parse('2026-11-30T00:00:00Z');
  return new Readable({
    objectMode: true,
    read() {
      for (let k = 0; k < 256 && i < n; k++, i++) {
        const id = `conf:tenant${i % 7}:${(i * 2654435761) % 1e9}`;
        this.push({
          link: `https://www.roomle.com/t/cp/?id=${id}&configuratorId=sofa-configurator-${i % 40}`,
          thumbnail: i % 3 ? `https://example.com/perspective/${id}.jpg` : null,
          created: new Date(t0 - i * 1297).toISOString(),
          action: ['Save', 'Save_Plan', 'Request_Product', 'Export'][i % 4],
          actionParameter: i % 5 === 0 ? 'pdf' : null,
          count: 1 + (i % 3),
          aggregationLevel: 'real time',
          userEmail: i % 4 === 0 ? `user${i % 1000}@example.com` : null,
          partListText: i % 2 ? `{"originPart":{"articleNr":"article-${i % 500}","count":${1 + (i % 4)}}}` : '',
          planCombinedIdsText: i % 9 === 0 ? `["item-${i % 77}","item-${i % 13}"]` : '',
        } satisfies Row);
      }
      if (i >= n) this.push(null);
    },
  });
}

function sink(): { stream: Writable; bytes: () => number } {
  let bytes = 0;
  return {
    stream: new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        bytes += chunk.length;
        cb();
      },
    }),
    bytes: () => bytes,
  };
}

async function runOne(writer: string, n: number): Promise<void> {
  const out = sink();
  const t = performance.now();
  if (writer === 'csv') {
    await pipeline(new CsvResult('x.csv', COLUMNS, rows(n)).toStream((e) => console.error(e)), out.stream);
  } else if (writer === 'hand') {
    await pipeline(new CsvResult('tenant-1-configurations-x.csv', COLUMNS, rows(n)).toXlsx('Europe/Vienna', (e) => console.error(e)), out.stream);
  } else if (writer === 'exceljs') {
    const ExcelJS = require('exceljs') as typeof import('exceljs');
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out.stream, useStyles: true, useSharedStrings: false });
    const ws = wb.addWorksheet('configurations', { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = COLUMNS.map((c) => ({ header: c.type === 'instant' ? `${c.label} (UTC)` : c.label, key: c.label, width: c.width ?? 20, style: c.type === 'instant' ? { numFmt: 'yyyy-mm-dd hh:mm:ss' } : {} }));
    ws.getRow(1).font = { bold: true };
    for await (const r of rows(n)) {
      const values = COLUMNS.map((c) => {
        const v = c.value(r as Row);
        if (v === '' || v === null || v === undefined) return null;
        return c.type === 'instant' ? new Date(v as string) : v;
      });
      ws.addRow(values).commit();
    }
    ws.commit();
    await wb.commit();
  }
  const secs = (performance.now() - t) / 1000;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ writer, rows: n, secs, rowsPerSec: n / secs, peakRssMb: rssMb, bytes: out.bytes() }));
}

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

if (process.argv.includes('--child')) {
  void runOne(arg('writer', 'hand'), Number(arg('rows', '200000')));
} else {
  const n = arg('rows', '200000');
  for (const writer of ['csv', 'hand', 'exceljs']) {
    const line = execFileSync(process.execPath, [...process.execArgv, __filename, '--child', '--writer', writer, '--rows', n], { encoding: 'utf8' });
    const r = JSON.parse(line.trim().split('\n').pop()!);
    console.log(`${writer.padEnd(8)} ${r.rows} rows in ${r.secs.toFixed(2)} s = ${Math.round(r.rowsPerSec)} rows/s, peak RSS ${Math.round(r.peakRssMb)} MB, ${(r.bytes / 1e6).toFixed(1)} MB`);
  }
}
