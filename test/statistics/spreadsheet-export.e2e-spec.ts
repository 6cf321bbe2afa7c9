import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import { parse } from 'csv-parse/sync';
import { API, expectError, ingest, parseCsv, putCatalogAction, putUser, Route, tokenWith } from '../support/fixtures';
import { ExportLimiter } from '../../src/statistics/output/export-limiter';
import { TEST_DIALECT, TestApp } from '../support/test-app';
import { binary, bodyBytes, readWithExcelJs, readWithReadExcelFile, XlsxValue } from '../support/xlsx';

/**
 * Exports that open right in a spreadsheet (issue 22): XLSX on every read route, read back by two
 * independent readers (exceljs's reader, read-excel-file) cell by cell against the CSV and JSON of
 * the same data; the CSV options `csvBom` and `csvDelimiter`; the worksheet's row limit.
 */

const NOW = new Date('2026-03-20T12:00:00.000Z');
const ZONE = 'Europe/Vienna';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ROUTES: Route[] = ['useractions', 'userActionsAggregated', 'configurations'];
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** An instant as the wall clock of ZONE, the way a reader hands back a date-time cell (UTC fields = wall clock). */
const wall = (iso: string) => new Date(`${DateTime.fromISO(iso, { zone: ZONE }).toISO({ includeOffset: false })}Z`);

describe('spreadsheet exports: XLSX and Excel-safe CSV', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { ROLLUP_ENABLED: 'false', STATISTICS_TIME_ZONE: ZONE } });
    await t.reset();
    // A catalog name a spreadsheet would run as a formula, a consenting user with an umlaut.
    await putCatalogAction(t, 3, 5, { name: '=SUM(A1)', configurationAction: true, carriesPartList: false });
    await putUser(t, 'u-mueller', 'jürgen.müller@example.com', true);
    await ingest(t, 1, [
      {
        module: 3,
        action: 2,
        created: '2026-03-10T10:00:00.123Z',
        actionId: 'conf:Müller:1',
        actionLabel: 'sofa-Müller',
        actionParameter: '+49 30 1234',
        userId: 'u-mueller',
        country: 'AT',
        configuration: { thumbnail: 'https://example.com/bild-ü.jpg', partList: { originPart: { articleNr: 'Müller-7', count: 2 } } },
      },
      { module: 3, action: 5, created: '2026-03-12T23:30:00.000Z', actionId: 'conf:2', actionLabel: '=SUM(A1)', actionParameter: '@cmd', country: 'DE' },
      { module: 3, action: 1, created: '2026-02-25T08:15:00.000Z', actionLabel: 'sofa-Müller', country: 'DE' },
      { module: 3, action: 1, created: '2026-03-01T00:30:00.000Z', actionLabel: 'sofa-Müller', country: 'CH' },
    ]);
  });
  afterAll(() => t.close());

  const url = (route: Route, query = '') => `${API}/tenants/1/${route}${query ? `?${query}` : ''}`;
  const get = (route: Route, query = '', accept?: string) => {
    const req = binary(t.http.get(url(route, query)).set(t.auth([1])));
    return accept ? req.set('Accept', accept) : req;
  };
  const QUERY: Record<Route, string> = {
    useractions: '',
    userActionsAggregated: `from=${encodeURIComponent('2026-02-01T00:00:00+01:00')}&to=${encodeURIComponent('2026-04-01T00:00:00+02:00')}&aggregations[]=actionLabel&aggregations[]=country`,
    configurations: '',
  } as Record<Route, string>;

  /** The CSV of a route read with a real parser; numbers are numbers, quoted cells strings. */
  const csvOf = async (route: Route, extra = '') => {
    const res = await get(route, [QUERY[route], extra].filter(Boolean).join('&'), 'text/csv');
    expect(res.status).toBe(200);
    const bytes = bodyBytes(res);
    const hasBom = bytes.subarray(0, 3).equals(BOM);
    return { bytes, ...parseCsv(bytes.subarray(hasBom ? 3 : 0).toString('utf8')) };
  };

  /** The XLSX of a route (through ?format=xlsx or Accept), both readers' rows, checked to agree. */
  const xlsxOf = async (route: Route, how: 'param' | 'accept' = 'param') => {
    const res = how === 'param' ? await get(route, [QUERY[route], 'format=xlsx'].filter(Boolean).join('&')) : await get(route, QUERY[route], XLSX);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(XLSX);
    expect(res.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="tenant-1-${route}-[A-Za-z0-9_-]+\\.xlsx"$`));
    expect(res.headers['content-encoding']).toBeUndefined();
    const bytes = bodyBytes(res);
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from('PK\x03\x04', 'latin1'));
    const excel = await readWithExcelJs(bytes);
    const other = await readWithReadExcelFile(bytes);
    expect(excel.formulas).toBe(0);
    // Two independent readers see the same cells.
    expect(other).toEqual(excel.rows);
    return { res, excel, rows: excel.rows };
  };

  /** A CSV record's cells as the XLSX must hold them: '' → empty, instants → their wall clock, the rest as in the CSV. */
  const expectedCells = (header: string[], record: Record<string, string | number>, instants: string[] = []): XlsxValue[] =>
    header.map((h) => {
      const v = record[h];
      if (v === '') return null;
      if (instants.includes(h)) return wall(String(v));
      return typeof v === 'string' && v.startsWith("'") && /^'[=+\-@\t\r]/.test(v) ? v.slice(1) : v;
    });

  describe('XLSX', () => {
    it('configurations: typed cells equal the CSV row by row (instants as date-time cells in STATISTICS_TIME_ZONE), header frozen and styled', async () => {
      const csv = await csvOf('configurations');
      const { excel, rows } = await xlsxOf('configurations', 'accept');
      expect(excel.name).toBe('configurations');
      expect(rows[0]).toEqual(csv.header.map((h) => (h === 'created' ? `created (${ZONE})` : h)));
      expect(rows.slice(1)).toEqual(csv.records.map((r) => expectedCells(csv.header, r, ['created'])));
      expect(rows).toHaveLength(5);

      // The values themselves, read back: umlauts, formula-looking text kept as text (no apostrophe), numbers, a date-time.
      const byAction = new Map(rows.slice(1).map((r) => [r[3] as string, r]));
      const save = byAction.get('Save')!;
      expect(save).toEqual([
        'https://www.roomle.com/t/cp/?id=conf:M%C3%BCller:1&configuratorId=sofa-M%C3%BCller',
        'https://example.com/bild-ü.jpg',
        new Date('2026-03-10T11:00:00.123Z'), // 10:00:00.123 UTC is 11:00:00.123 in Vienna (CET)
        'Save',
        '+49 30 1234',
        1,
        'real time',
        'jürgen.müller@example.com',
        '{"originPart":{"articleNr":"Müller-7","count":2}}',
        null,
      ]);
      const formula = byAction.get('=SUM(A1)')!;
      expect(formula.slice(2, 7)).toEqual([new Date('2026-03-13T00:30:00.000Z'), '=SUM(A1)', '@cmd', 1, 'real time']);
      // exceljs's cell types: text cells are strings (never formulas), counts numbers, created a date.
      const row = rows.indexOf(formula) + 1;
      const cells = excel.worksheet.getRow(row);
      expect(cells.getCell(4).type).toBe(ExcelJS.ValueType.String);
      expect(cells.getCell(4).formula).toBeUndefined();
      expect(cells.getCell(3).type).toBe(ExcelJS.ValueType.Date);
      expect(cells.getCell(6).type).toBe(ExcelJS.ValueType.Number);

      // The header row: frozen, bold on a fill, columns wide enough for their header.
      expect(excel.worksheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      const header = excel.worksheet.getRow(1);
      for (let c = 1; c <= 10; c++) {
        expect(header.getCell(c).font?.bold).toBe(true);
        expect(header.getCell(c).fill).toMatchObject({ type: 'pattern', pattern: 'solid' });
        expect(excel.worksheet.getColumn(c).width).toBeGreaterThanOrEqual(String(rows[0][c - 1]).length);
      }
      expect(excel.worksheet.getCell('C2').numFmt).toBe('yyyy-mm-dd hh:mm:ss');
    });

    it('useractions: every cell a number, equal to the CSV and to the JSON answer', async () => {
      const csv = await csvOf('useractions');
      const { rows, excel } = await xlsxOf('useractions');
      expect(rows[0]).toEqual(['module', 'action', 'tenant', 'count', 'month', 'year']);
      expect(rows.slice(1)).toEqual(csv.records.map((r) => expectedCells(csv.header, r)));
      for (let r = 2; r <= rows.length; r++) for (let c = 1; c <= 6; c++) expect(excel.worksheet.getRow(r).getCell(c).type).toBe(ExcelJS.ValueType.Number);
      // Months in Vienna: 2026-02-25, 2026-03-01 (local), 2026-03-10, 2026-03-12 → Feb: 1 view; Mar: 1 view, 1 save, 1 '=SUM(A1)'.
      expect(rows.slice(1)).toEqual([
        [3, 1, 1, 1, 2, 2026],
        [3, 1, 1, 1, 3, 2026],
        [3, 2, 1, 1, 3, 2026],
        [3, 5, 1, 1, 3, 2026],
      ]);
      const json = await t.http.get(url('useractions')).set(t.auth([1])).expect(200);
      expect(json.body.userActions.map((e: Record<string, number>) => [e.module, e.action, e.tenant, e.count])).toEqual(rows.slice(1).map((r) => r.slice(0, 4)));
    });

    it('userActionsAggregated: counts as numbers, aggregations as text (umlauts, a formula-looking label), equal to the CSV', async () => {
      const csv = await csvOf('userActionsAggregated');
      const { rows } = await xlsxOf('userActionsAggregated', 'accept');
      expect(rows[0]).toEqual(['module', 'action', 'tenant', 'count', 'aggregationLevel', 'actionLabel', 'country']);
      expect(rows.slice(1)).toEqual(csv.records.map((r) => expectedCells(csv.header, r)));
      expect(rows.slice(1)).toEqual(
        expect.arrayContaining([
          [3, 1, 1, 1, 0, 'sofa-Müller', 'CH'],
          [3, 1, 1, 1, 0, 'sofa-Müller', 'DE'],
          [3, 2, 1, 1, 0, 'sofa-Müller', 'AT'],
          [3, 5, 1, 1, 0, '=SUM(A1)', 'DE'],
        ]),
      );
      expect(rows).toHaveLength(5);
    });

    it('userActionsAggregated with other=true: the last row has empty module, action and aggregation cells', async () => {
      const q = `${QUERY.userActionsAggregated}&limit=1&orderBy=count&other=true&format=xlsx`;
      const res = await get('userActionsAggregated', q);
      expect(res.status).toBe(200);
      const rows = (await readWithExcelJs(bodyBytes(res))).rows;
      expect(rows).toHaveLength(3);
      expect(rows[2]).toEqual([null, null, 1, 3, 0, null, null]);
      expect(await readWithReadExcelFile(bodyBytes(res))).toEqual(rows);
    });

    it('userActionsSeries: bucket starts as date-time cells in STATISTICS_TIME_ZONE, counts as numbers, labels as text, equal to the CSV (with a comparison)', async () => {
      const q = `from=${encodeURIComponent('2026-03-10T00:00:00+01:00')}&to=${encodeURIComponent('2026-03-13T00:00:00+01:00')}&interval=day&aggregations[]=actionLabel&compare=previousPeriod`;
      const seriesUrl = (extra: string) => `${API}/tenants/1/userActionsSeries?${q}&${extra}`;
      const csvRes = await binary(t.http.get(seriesUrl('format=csv')).set(t.auth([1])));
      expect(csvRes.status).toBe(200);
      const csv = parseCsv(bodyBytes(csvRes).toString('utf8'));
      const res = await binary(t.http.get(seriesUrl('format=xlsx')).set(t.auth([1])));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(XLSX);
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="tenant-1-userActionsSeries-day-[A-Za-z0-9_-]+\.xlsx"$/);
      const excel = await readWithExcelJs(bodyBytes(res));
      expect(excel.formulas).toBe(0);
      expect(await readWithReadExcelFile(bodyBytes(res))).toEqual(excel.rows);
      const instants = ['bucketStart', 'comparisonBucketStart'];
      expect(excel.rows[0]).toEqual(csv.header.map((h) => (instants.includes(h) ? `${h} (${ZONE})` : h)));
      expect(excel.rows.slice(1)).toEqual(csv.records.map((r) => expectedCells(csv.header, r, instants)));
      // 10–12 March in Vienna: the save of 10 March by sofa-Müller, compared with 7–9 March (nothing);
      // the '=SUM(A1)' event of 12 March 23:30 UTC is 00:30 on the 13th in Vienna: outside the range.
      expect(excel.rows.slice(1)).toEqual(
        expect.arrayContaining([[wall('2026-03-09T23:00:00.000Z'), '2026-03-10', 3, 2, 1, 'sofa-Müller', 1, wall('2026-03-06T23:00:00.000Z'), 0]]),
      );
      expect(excel.worksheet.getRow(2).getCell(1).type).toBe(ExcelJS.ValueType.Date);
    });

    it('an empty answer is a sheet with its header row only', async () => {
      const res = await get('configurations', `from=${encodeURIComponent('2026-03-19T00:00:00Z')}&to=${encodeURIComponent('2026-03-20T00:00:00Z')}&format=xlsx`);
      expect(res.status).toBe(200);
      const { rows } = await readWithExcelJs(bodyBytes(res));
      expect(rows).toEqual([['link', 'thumbnail', `created (${ZONE})`, 'action', 'actionParameter', 'count', 'aggregationLevel', 'userEmail', 'partList', 'planCombinedIds']]);
    });

    it.each(ROUTES)('%s: HEAD answers the XLSX headers without a body; the ETag differs from the CSV one and gives 304', async (route) => {
      const q = [QUERY[route], 'format=xlsx'].filter(Boolean).join('&');
      const head = await t.http.head(url(route, q)).set(t.auth([1]));
      expect(head.status).toBe(200);
      expect(head.headers['content-type']).toBe(XLSX);
      expect(head.headers['content-disposition']).toMatch(/\.xlsx"$/);
      if (route === 'configurations') return; // its default range ends now: no stable tag
      const res = await get(route, q);
      const csv = await get(route, QUERY[route], 'text/csv');
      expect(res.headers.etag).toBeDefined();
      expect(res.headers.etag).not.toBe(csv.headers.etag);
      const again = await t.http.get(url(route, q)).set(t.auth([1])).set('If-None-Match', res.headers.etag);
      expect(again.status).toBe(304);
    });

    it.each(ROUTES)('%s: errors stay JSON — 401, 403, 400 — when XLSX is asked for', async (route) => {
      expectError(await t.http.get(url(route, 'format=xlsx')), 401);
      expectError(await t.http.get(url(route)).set('Accept', XLSX), 401);
      expectError(await t.http.get(url(route, 'format=xlsx')).set(t.auth([2])), 403, 'TENANT_STATISTICS');
      expectError(await t.http.get(url(route, 'format=xlsx')).set(tokenWith(t, { rights: { 1: ['TENANT_ADMIN'] } })), 403, 'TENANT_STATISTICS');
      expectError(await t.http.get(url(route, 'format=xlsx&foo=1')).set(t.auth([1])), 400, 'foo');
      expectError(await t.http.get(url(route, 'format=xls')).set(t.auth([1])), 400, 'format');
    });

    it('an XLSX download is an export: refused with 429 + Retry-After when the tenant\'s export slots are taken', async () => {
      const limiter = t.app.get(ExportLimiter);
      const releases = [limiter.acquire(1), limiter.acquire(1)];
      try {
        const busy = await t.http.get(url('useractions', 'format=xlsx')).set(t.auth([1]));
        expect([busy.status, busy.headers['content-type'], busy.body.error, busy.headers['retry-after']]).toEqual([429, 'application/json; charset=utf-8', 'Too Many Requests', '10']);
        expect(busy.body.message).toContain('EXPORT_MAX_CONCURRENT_PER_TENANT');
      } finally {
        releases.forEach((r) => r());
      }
      expect((await get('useractions', 'format=xlsx')).status).toBe(200);
    });

    it('Accept negotiation: the XLSX type, with q-values; */* still JSON', async () => {
      expect((await get('useractions', '', `${XLSX}, text/csv;q=0.5`)).headers['content-type']).toBe(XLSX);
      expect((await get('useractions', '', `${XLSX};q=0.4, text/csv;q=0.5`)).headers['content-type']).toBe('text/csv; charset=utf-8');
      expect((await get('useractions', '', '*/*')).headers['content-type']).toBe('application/json; charset=utf-8');
      const refused = await t.http.get(url('useractions')).set(t.auth([1])).set('Accept', 'image/png');
      expectError(refused, 406);
      expect(refused.body.message).toContain(XLSX);
    });
  });

  describe('CSV options', () => {
    it.each(ROUTES)('%s: csvBom=true puts EF BB BF before the very same bytes; the default has none', async (route) => {
      const plain = await csvOf(route);
      expect(plain.bytes.subarray(0, 3)).not.toEqual(BOM);
      const withBom = await csvOf(route, 'csvBom=true');
      expect(withBom.bytes.subarray(0, 3)).toEqual(BOM);
      expect(withBom.bytes.subarray(3)).toEqual(plain.bytes);
      // Stated defaults give the default bytes.
      expect((await csvOf(route, 'csvBom=false&csvDelimiter=comma')).bytes).toEqual(plain.bytes);
    });

    it.each(ROUTES)('%s: csvDelimiter=semicolon separates with ";" — the same cells read back with a ";" parser', async (route) => {
      const plain = await csvOf(route);
      const semi = await get(route, [QUERY[route], 'csvDelimiter=semicolon'].filter(Boolean).join('&'), 'text/csv');
      expect(semi.status).toBe(200);
      const text = bodyBytes(semi).toString('utf8');
      expect(text.split('\n')[0]).toBe(plain.header.map((h) => `"${h}"`).join(';'));
      const cells = parse(text, { delimiter: ';' }) as string[][];
      const plainCells = parse(plain.bytes.toString('utf8')) as string[][];
      expect(cells).toEqual(plainCells);
      expect(plainCells.length).toBeGreaterThan(1);
    });

    it('both together, on the umlauts: BOM, ";" and the UTF-8 text of Müller', async () => {
      const res = await get('configurations', 'csvBom=true&csvDelimiter=semicolon', 'text/csv');
      const bytes = bodyBytes(res);
      expect(bytes.subarray(0, 3)).toEqual(BOM);
      const text = bytes.subarray(3).toString('utf8');
      expect(text).toContain('"jürgen.müller@example.com"');
      expect(text).toContain(`"'=SUM(A1)"`); // CSV still neutralises formula-looking cells
      expect(text.split('\n')[0]).toBe('"link";"thumbnail";"created";"action";"actionParameter";"count";"aggregationLevel";"userEmail";"partList";"planCombinedIds"');
    });

    it('the options are accepted (and change nothing) with JSON and XLSX', async () => {
      const json = await t.http.get(url('useractions', 'csvBom=true&csvDelimiter=semicolon')).set(t.auth([1])).expect(200);
      const plain = await t.http.get(url('useractions')).set(t.auth([1])).expect(200);
      expect(json.body.userActions).toEqual(plain.body.userActions);
      const x = await get('useractions', 'format=xlsx&csvBom=true&csvDelimiter=semicolon');
      const plainX = await get('useractions', 'format=xlsx');
      expect((await readWithExcelJs(bodyBytes(x))).rows).toEqual((await readWithExcelJs(bodyBytes(plainX))).rows);
      // The ETag follows the bytes: the options count only for CSV and only away from their defaults.
      expect(json.headers.etag).toBe(plain.headers.etag);
      expect(x.headers.etag).toBe(plainX.headers.etag);
      const csvTag = async (q: string) => (await get('useractions', q, 'text/csv')).headers.etag;
      const defaultTag = await csvTag('');
      expect(await csvTag('csvBom=false&csvDelimiter=comma')).toBe(defaultTag);
      expect(new Set([defaultTag, await csvTag('csvBom=true'), await csvTag('csvDelimiter=semicolon'), await csvTag('csvBom=true&csvDelimiter=semicolon')]).size).toBe(4);
    });

    const BAD: Array<[string, string]> = [
      ['csvBom=yes', 'csvBom'],
      ['csvBom=1', 'csvBom'],
      ['csvBom=', 'csvBom'],
      ['csvBom=TRUE', 'csvBom'],
      ['csvBom=true&csvBom=false', 'csvBom'],
      ['csvDelimiter=tab', 'csvDelimiter'],
      ['csvDelimiter=%3B', 'csvDelimiter'],
      ['csvDelimiter=', 'csvDelimiter'],
      ['csvDelimiter=comma&csvDelimiter=semicolon', 'csvDelimiter'],
    ];
    it.each(ROUTES.flatMap((r) => BAD.map(([q, p]): [Route, string, string] => [r, q, p])))('%s?%s → 400 naming %s', async (route, q, name) => {
      const res = await t.http.get(url(route, `${q}&format=csv`)).set(t.auth([1]));
      expectError(res, 400, name);
      expect(res.headers['content-disposition']).toBeUndefined();
    });
  });
});

/**
 * The worksheet limit on the real thing: 1,048,575 data rows plus the header fill a sheet, one more
 * is refused with 400 before any byte. The rows are daily-level rows written straight into
 * `user_action` (the ingestion API takes only the last 30 days' real-time events, and a million of
 * them through it would take minutes); the export counts them as it counts any rolled-up row.
 */
describe('XLSX row limit (1,048,576 rows with the header)', () => {
  let t: TestApp;
  const FROM = '2026-01-01T00:00:00.000Z';
  const TO = '2026-02-01T00:00:00.000Z';
  const LIMIT = 1_048_575;

  beforeAll(async () => {
    // A million-row INSERT and its DELETE take ~40 s each on MariaDB here: past the 30 s statement timeout.
    t = await TestApp.create({ now: NOW, env: { DATABASE_QUERY_TIMEOUT_MS: '600000' } });
    await t.reset();
    const base = Date.parse(FROM);
    // One row per millisecond-step from FROM (distinct created: the rollup key is unique per instant), Save (3, 2).
    const created = TEST_DIALECT === 'mysql' ? `TIMESTAMPADD(MICROSECOND, i * 2000, '2026-01-01 00:00:00.000')` : `strftime('%Y-%m-%d %H:%M:%f', ${base / 1000} + i * 0.002, 'unixepoch')`;
    // 128³ numbers from a 128-step recursion (the service's MySQL sessions allow 1,000 iterations).
    await t.dataSource.query(
      `INSERT INTO user_action (tenant, module, action, created, aggregation_level, count, action_id)
        WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 127),
        seq AS (SELECT a.n * 16384 + b.n * 128 + c.n AS i FROM s a CROSS JOIN s b CROSS JOIN s c)
        SELECT 1, 3, 2, ${created}, 1, 1, ${TEST_DIALECT === 'mysql' ? "CONCAT('c', i)" : "'c' || i"} FROM seq WHERE i < ${LIMIT - 1}`,
    );
  }, 600_000);
  afterAll(async () => {
    await t.reset();
    await t.close();
  }, 600_000);

  const path = `${API}/tenants/1/configurations?from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}&format=xlsx`;

  it('1,048,575 data rows fit: HEAD 200 with the XLSX headers; one more row: 400 before any byte, saying what to do', async () => {
    const mark = (n: number) => t.dataSource.query(
      `INSERT INTO user_action (tenant, module, action, created, aggregation_level, count, action_id) VALUES (1, 3, 2, ?, 1, 1, ?)`,
      [TEST_DIALECT === 'mysql' ? `2026-01-31 23:59:59.99${n}` : `2026-01-31 23:59:59.99${n}`, `extra-${n}`],
    );
    await mark(1); // LIMIT - 1 + 1 = LIMIT rows
    const head = await t.http.head(path).set(t.auth([1]));
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const json = await t.http.get(path.replace('format=xlsx', 'format=json&limit=1')).set(t.auth([1])).expect(200);
    expect(json.body.meta.total).toBe(LIMIT);

    await mark(2);
    for (const res of [await binary(t.http.get(path).set(t.auth([1]))), await t.http.head(path).set(t.auth([1]))]) {
      expect(res.status).toBe(400);
      expect(res.headers['content-disposition']).toBeUndefined();
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    }
    const refused = await t.http.get(path).set(t.auth([1]));
    expectError(refused, 400, 'format');
    expect(refused.body.message).toBe(
      'Too many rows for an XLSX sheet: 1048576 rows match and a sheet holds 1048575 below its header (format=xlsx); ' +
        'narrow the range (from/to, filters) or ask for CSV (format=csv), which has no row limit',
    );
    // The CSV of the same range is not limited (its headers, without streaming a million rows here).
    const csvHead = await t.http.head(path.replace('format=xlsx', 'format=csv')).set(t.auth([1]));
    expect(csvHead.status).toBe(200);
  }, 600_000);
});
