import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DateTime } from 'luxon';
import { loadConfig } from '../../src/config/app-config';
import { DEMO_TENANT } from '../../src/demo/demo-data.service';
import { API, ingestPath, readPath, Route, userPath } from '../support/client-core';
import { ServiceProcess, stopAllServices } from '../support/service-process';

/**
 * Issue 22 item 4: the exports as a real spreadsheet reads them. The compiled service runs as
 * `npm start` runs it (`--demo`, fresh SQLite file; STATISTICS_TIME_ZONE=Europe/Vienna), gets a
 * German user and a formula-looking parameter through the API, and each read route's XLSX and
 * Excel-safe CSV (`csvBom=true&csvDelimiter=semicolon`) are converted by headless LibreOffice
 * (Debian's `libreoffice-calc`): XLSX → CSV (cells as shown) and → flat ODS (cell types), the CSV
 * → CSV with the `;` separator a German user picks. Every cell LibreOffice read is compared with
 * the JSON answer of the same question.
 *
 * Run with `npm run test:spreadsheet` (builds first). Prints what LibreOffice read.
 */

const SOFFICE = '/usr/bin/soffice';
const ZONE = 'Europe/Vienna';
/** LibreOffice's CSV export: `,`, `"`, UTF-8, from line 1, cells as shown, quote all text. */
const CSV_OUT = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,true,true';
/** LibreOffice's CSV import as a German user sets it: `;`, `"`, UTF-8, from line 1. */
const CSV_IN_SEMICOLON = 'Text - txt - csv (StarCalc):59,34,76,1';

interface OdsCell {
  type: string | undefined;
  value: string | undefined;
  text: string;
}

/** The cells of the first table of a flat ODS file (repeated columns expanded; trailing empties dropped). */
function odsCells(fods: string): OdsCell[][] {
  const table = /<table:table [^>]*>([\s\S]*?)<\/table:table>/.exec(fods)?.[1] ?? '';
  const rows: OdsCell[][] = [];
  for (const rowMatch of table.matchAll(/<table:table-row[^>]*?(?:\/>|>([\s\S]*?)<\/table:table-row>)/g)) {
    const cells: OdsCell[] = [];
    for (const c of (rowMatch[1] ?? '').matchAll(/<table:table-cell([^>]*?)(?:\/>|>([\s\S]*?)<\/table:table-cell>)/g)) {
      const attrs = c[1];
      const repeat = Math.min(Number(/table:number-columns-repeated="(\d+)"/.exec(attrs)?.[1] ?? 1), 64);
      const type = /office:value-type="([^"]+)"/.exec(attrs)?.[1];
      const value = /office:(?:date-)?value="([^"]+)"/.exec(attrs)?.[1];
      const text = [...(c[2] ?? '').matchAll(/<text:p>([\s\S]*?)<\/text:p>/g)]
        .map((p) => p[1].replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&'))
        .join('\n');
      for (let i = 0; i < repeat; i++) cells.push({ type, value, text });
    }
    while (cells.length && cells[cells.length - 1].type === undefined) cells.pop();
    if (cells.length) rows.push(cells);
  }
  return rows;
}

/** The wall clock of an instant in ZONE as LibreOffice shows `yyyy-mm-dd hh:mm:ss` (seconds cut, as it does). */
const shown = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toFormat('yyyy-MM-dd HH:mm:ss');

function soffice(profile: string, outDir: string, convertTo: string, files: string[], infilter?: string): void {
  const args = [`-env:UserInstallation=file://${profile}`, '--headless', ...(infilter ? [`--infilter=${infilter}`] : []), '--convert-to', convertTo, '--outdir', outDir, ...files];
  const r = spawnSync(SOFFICE, args, { encoding: 'utf8', timeout: 170_000 });
  if (r.status !== 0) throw new Error(`soffice ${args.join(' ')} → ${r.status}: ${r.stderr}`);
}

describe('LibreOffice reads the demo exports (XLSX, BOM + ";" CSV)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spreadsheet-test-'));
  const profile = join(dir, 'lo-profile');
  const sqlitePath = join(dir, 'statistics.sqlite');
  let svc: ServiceProcess;
  let token: string;
  const report: string[] = [];
  const from = new Date(Date.now() - 30 * 86_400_000).toISOString();
  const to = new Date(Date.now() + 3_600_000).toISOString();
  const QUERY: Record<Route, string> = {
    useractions: '',
    userActionsAggregated: `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&aggregations[]=actionLabel`,
    configurations: `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
  } as Record<Route, string>;
  const ROUTES = Object.keys(QUERY) as Route[];
  const files: Record<string, { json: any; xlsx: string; csv: string; csvText: string }> = {};

  const call = async (method: string, path: string, body?: unknown, accept = 'application/json') => {
    const res = await fetch(`${svc.baseUrl.replace(API, '')}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, Accept: accept, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${await res.text()}`);
    return res;
  };

  beforeAll(async () => {
    if (!existsSync(SOFFICE)) throw new Error(`${SOFFICE} is missing: apt-get install -y libreoffice-calc`);
    svc = await ServiceProcess.start({ database: loadConfig({ SQLITE_PATH: sqlitePath }).database, args: ['--demo'], env: { STATISTICS_TIME_ZONE: ZONE } });
    const lines = svc.stdout().split('\n');
    token = lines[lines.findIndex((l) => l.startsWith('Development token')) + 1];
    // A German user with consent and a parameter a spreadsheet would run as a formula.
    await call('PUT', userPath('u-mueller'), { email: 'jürgen.müller@example.com', statisticsConsent: true });
    await call('POST', ingestPath(DEMO_TENANT), {
      userActions: [
        {
          eventId: 'lo-1',
          module: 3,
          action: 2,
          created: new Date(Date.now() - 3_600_000).toISOString(),
          actionLabel: 'Sofa Größe M',
          actionId: 'conf:müller:1',
          actionParameter: '=SUM(A1)',
          userId: 'u-mueller',
          configuration: { thumbnail: 'https://example.com/bild-ü.jpg', partList: { artikel: 'Stuhl-Größe', anzahl: 2 } },
        },
      ],
    });
    for (const route of ROUTES) {
      const q = QUERY[route];
      const sep = q ? '&' : '';
      const json = await (await call('GET', readPath(DEMO_TENANT, route, `${q}${sep}${route === 'configurations' ? 'limit=10000' : ''}`))).json();
      const xlsx = join(dir, `${route}.xlsx`);
      writeFileSync(xlsx, Buffer.from(await (await call('GET', readPath(DEMO_TENANT, route, `${q}${sep}format=xlsx`))).arrayBuffer()));
      const csv = join(dir, `${route}.csv`);
      const csvBytes = Buffer.from(await (await call('GET', readPath(DEMO_TENANT, route, `${q}${sep}format=csv&csvBom=true&csvDelimiter=semicolon`))).arrayBuffer());
      writeFileSync(csv, csvBytes);
      files[route] = { json, xlsx, csv, csvText: csvBytes.subarray(3).toString('utf8') };
    }
    mkdirSync(join(dir, 'from-xlsx'));
    mkdirSync(join(dir, 'from-csv'));
    const t = Date.now();
    soffice(profile, join(dir, 'from-xlsx'), CSV_OUT, ROUTES.map((r) => files[r].xlsx));
    soffice(profile, join(dir, 'from-xlsx'), 'fods', ROUTES.map((r) => files[r].xlsx));
    soffice(profile, join(dir, 'from-csv'), CSV_OUT, ROUTES.map((r) => files[r].csv), CSV_IN_SEMICOLON);
    report.push(`LibreOffice conversions took ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }, 240_000);

  afterAll(() => {
    console.log(`What LibreOffice read:\n${report.join('\n')}\nfiles: ${dir}`);
    stopAllServices();
    rmSync(sqlitePath, { force: true });
    rmSync(profile, { recursive: true, force: true });
  });

  const readLoCsv = (file: string) => parse(readFileSync(file, 'utf8'), { relax_column_count: true }) as string[][];

  it('configurations XLSX: every cell as the JSON answer, created a date-time in Vienna, count a number, text as text (umlauts, =SUM(A1))', () => {
    const entries = files.configurations.json.tenantConfigurationStatistics as Array<Record<string, any>>;
    const csv = readLoCsv(join(dir, 'from-xlsx', 'configurations.csv'));
    const ods = odsCells(readFileSync(join(dir, 'from-xlsx', 'configurations.fods'), 'utf8'));
    expect(csv[0]).toEqual(['link', 'thumbnail', `created (${ZONE})`, 'action', 'actionParameter', 'count', 'aggregationLevel', 'userEmail', 'partList', 'planCombinedIds']);
    expect(csv.length - 1).toBe(entries.length);
    const expected = entries.map((e) => [
      e.link,
      e.thumbnail ?? '',
      shown(e.created),
      e.action,
      e.actionParameter ?? '',
      String(e.count),
      e.aggregationLevel,
      e.userEmail ?? '',
      e.partList ? JSON.stringify(e.partList) : '',
      e.planCombinedIds ? JSON.stringify(e.planCombinedIds) : '',
    ]);
    expect(csv.slice(1).map((r) => [...r, ...Array(10 - r.length).fill('')])).toEqual(expected);
    // Types as LibreOffice holds them: date, float, strings.
    ods.slice(1).forEach((row, i) => {
      expect(row[2]).toMatchObject({ type: 'date', text: shown(entries[i].created) });
      expect(row[5]).toMatchObject({ type: 'float', value: String(entries[i].count) });
      for (const c of [0, 3, 6]) expect(row[c].type).toBe('string');
    });
    const mueller = ods.find((row) => row[7]?.text === 'jürgen.müller@example.com')!;
    expect(mueller[4]).toEqual({ type: 'string', value: undefined, text: '=SUM(A1)' });
    expect(mueller[8]).toMatchObject({ type: 'string', text: '{"artikel":"Stuhl-Größe","anzahl":2}' });
    report.push(`configurations.xlsx: ${entries.length} rows; created → date (${mueller[2].value}, shown ${mueller[2].text}), count → float, "=SUM(A1)" → string, "jürgen.müller@example.com" → string`);
  });

  it('useractions and userActionsAggregated XLSX: every cell a number where the JSON has one, equal to the JSON', () => {
    const monthly = files.useractions.json.userActions as Array<Record<string, any>>;
    const uaOds = odsCells(readFileSync(join(dir, 'from-xlsx', 'useractions.fods'), 'utf8'));
    expect(uaOds[0].map((c) => c.text)).toEqual(['module', 'action', 'tenant', 'count', 'month', 'year']);
    expect(uaOds.length - 1).toBe(monthly.length);
    uaOds.slice(1).forEach((row, i) => {
      const d = DateTime.fromISO(monthly[i].date, { zone: ZONE });
      const want = [monthly[i].module, monthly[i].action, monthly[i].tenant, monthly[i].count, d.month, d.year];
      expect(row.map((c) => [c.type, Number(c.value)])).toEqual(want.map((v) => ['float', v]));
    });
    const agg = files.userActionsAggregated.json.userActions as Array<Record<string, any>>;
    const aggOds = odsCells(readFileSync(join(dir, 'from-xlsx', 'userActionsAggregated.fods'), 'utf8'));
    expect(aggOds[0].map((c) => c.text)).toEqual(['module', 'action', 'tenant', 'count', 'aggregationLevel', 'actionLabel']);
    const pad = (row: OdsCell[]) => [...row, ...Array<OdsCell>(Math.max(0, 6 - row.length)).fill({ type: undefined, value: undefined, text: '' })];
    expect(aggOds.slice(1).map((row) => pad(row).map((c) => (c.type === 'float' ? Number(c.value) : c.type === 'string' ? c.text : null)))).toEqual(
      agg.map((e) => [e.module, e.action, e.tenant, e.count, e.aggregationLevel, e.actionLabel ?? null]),
    );
    expect(aggOds.some((row) => row[5]?.text === 'Sofa Größe M')).toBe(true);
    report.push(`useractions.xlsx: ${monthly.length} rows, every cell float; userActionsAggregated.xlsx: ${agg.length} rows, counts float, "Sofa Größe M" string`);
  });

  it.each(['useractions', 'userActionsAggregated', 'configurations'] as Route[])(
    '%s CSV with BOM and ";": LibreOffice reads the same cells as the service wrote (umlauts intact, no BOM in the first cell)',
    (route) => {
      const written = parse(files[route].csvText, { delimiter: ';' }) as string[][];
      const read = readLoCsv(join(dir, 'from-csv', `${route}.csv`));
      expect(read.map((r) => [...r, ...Array(written[0].length - r.length).fill('')])).toEqual(written);
      expect(read[0][0]).toBe(route === 'configurations' ? 'link' : 'module'); // no BOM left in the first cell
      if (route === 'configurations') {
        expect(read.some((r) => r.includes('jürgen.müller@example.com'))).toBe(true);
        // The CSV's formula guard: LibreOffice keeps the apostrophe-prefixed text as text.
        expect(read.some((r) => r.includes("'=SUM(A1)"))).toBe(true);
      }
      report.push(`${route}.csv (BOM, ";"): ${read.length - 1} rows, ${read[0].length} columns, header ${JSON.stringify(read[0][0])}`);
    },
  );
});
