import { DateTime } from 'luxon';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readSheet } from 'read-excel-file/node';
import { checkSheetRows, columnLetters, XLSX_MAX_CELL_CHARS, XLSX_MAX_ROWS, xlsxStream, xmlText } from './xlsx';

/** The XLSX writer's own rules, beside the e2e read-back (test/statistics/spreadsheet-export). */

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    stream,
    new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(chunks);
}

describe('xlsx writer', () => {
  it('checkSheetRows: 1,048,575 data rows fit below the header, one more is a 400 saying what to do', () => {
    expect(() => checkSheetRows(XLSX_MAX_ROWS - 1)).not.toThrow();
    expect(() => checkSheetRows(0)).not.toThrow();
    expect(() => checkSheetRows(XLSX_MAX_ROWS)).toThrow(/1048576 rows match .* narrow the range .*format=csv/);
  });

  it('columnLetters: A … Z, AA, AZ, BA, ZZ, AAA', () => {
    expect([0, 25, 26, 51, 52, 701, 702].map(columnLetters)).toEqual(['A', 'Z', 'AA', 'AZ', 'BA', 'ZZ', 'AAA']);
  });

  it('xmlText: escapes markup, writes control characters and a literal _xHHHH_ as OOXML escapes, cuts at the cell limit', () => {
    expect(xmlText('Müller & <Söhne>')).toBe('Müller &amp; &lt;Söhne&gt;');
    expect(xmlText('a\u0001b\u001Fc\td\ne')).toBe('a_x0001_b_x001F_c\td\ne');
    expect(xmlText('_x0041_')).toBe('_x005F_x0041_');
    expect(xmlText('x\uD800y')).toBe('x\uFFFDy'); // a lone surrogate
    expect(xmlText('😀')).toBe('😀');
    const long = xmlText('x'.repeat(XLSX_MAX_CELL_CHARS + 10));
    expect(long).toHaveLength(XLSX_MAX_CELL_CHARS);
    expect(long.endsWith('…')).toBe(true);
    expect(xmlText('x'.repeat(XLSX_MAX_CELL_CHARS))).toHaveLength(XLSX_MAX_CELL_CHARS);
  });

  it.each(['UTC', 'Europe/Vienna', 'America/New_York', 'Asia/Kathmandu'])(
    'instants read back as the wall clock of %s to the millisecond (DST changes, a +05:45 zone)',
    async (zone) => {
      // Every 7,919,993 ms over two years (all hours, both DST changes) plus the instants around them.
      const instants: string[] = [];
      for (let t = Date.parse('2025-01-01T00:00:00.001Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 7_919_993) instants.push(new Date(t).toISOString());
      instants.push('2026-03-29T00:59:59.999Z', '2026-03-29T01:00:00.000Z', '2026-10-25T00:59:59.999Z', '2026-10-25T01:00:00.000Z', '2026-03-10T10:00:00.123Z');
      const bytes = await bytesOf(
        xlsxStream(
          [{ label: 'created', value: (r: { c: string }) => r.c, type: 'instant' }],
          instants.map((c) => ({ c })),
          { sheetName: 't', timeZone: zone },
          (e) => {
            throw e;
          },
        ),
      );
      const rows = await readSheet(bytes);
      expect(rows[0]).toEqual([`created (${zone})`]);
      const want = instants.map((iso) => [new Date(`${DateTime.fromISO(iso, { zone }).toISO({ includeOffset: false })}Z`)]);
      expect(rows.slice(1)).toEqual(want);
    },
  );

  it('more data rows than a sheet holds: the stream fails (never a complete-looking file)', async () => {
    let i = 0;
    const rows = new Readable({
      objectMode: true,
      read() {
        for (let k = 0; k < 1024; k++) this.push(i++ < XLSX_MAX_ROWS ? { n: i } : null);
      },
    });
    const errors: Error[] = [];
    const stream = xlsxStream([{ label: 'n', value: (r: { n: number }) => r.n, type: 'number' }], rows, { sheetName: 't', timeZone: 'UTC' }, (e) => errors.push(e));
    await expect(bytesOf(stream)).rejects.toThrow(`More than ${XLSX_MAX_ROWS - 1} rows for one XLSX sheet`);
    expect(errors.map((e) => e.message)).toEqual([`More than ${XLSX_MAX_ROWS - 1} rows for one XLSX sheet: the export was stopped`]);
  }, 120_000);
});
