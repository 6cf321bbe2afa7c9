import ExcelJS from 'exceljs';
import { readSheet } from 'read-excel-file/node';
import type { Response, Test } from 'supertest';

/**
 * Reading XLSX answers back in the e2e suites, with two independent readers: exceljs (its
 * reader, not the service's writer, which is hand-written) and read-excel-file. Each returns the
 * rows as plain values: strings, numbers, Dates (a date-time cell: its wall clock as the Date's
 * UTC fields), null for an empty cell.
 */

export type XlsxValue = string | number | boolean | Date | null;

/** Buffers any response body as bytes (supertest leaves unknown types unread otherwise). */
export function binary(req: Test): Test {
  return req
    .set('Connection', 'close')
    .buffer(true)
    .parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
}

export function bodyBytes(res: Response): Buffer {
  return res.body as Buffer;
}

export interface ExcelJsSheet {
  name: string;
  rows: XlsxValue[][];
  /** Per cell: exceljs's value type (`ExcelJS.ValueType`) and formula, to prove nothing is a formula. */
  types: number[][];
  formulas: number;
  worksheet: ExcelJS.Worksheet;
}

/** The first worksheet as exceljs reads it (the bytes of a body: a Buffer, or an ArrayBuffer from fetch). */
export async function readWithExcelJs(body: Buffer | ArrayBuffer | undefined): Promise<ExcelJsSheet> {
  if (!body) throw new Error('no XLSX body');
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const wb = new ExcelJS.Workbook();
  const copy = new ArrayBuffer(bytes.length); // exceljs's typings take an ArrayBuffer (jszip reads it)
  new Uint8Array(copy).set(bytes);
  await wb.xlsx.load(copy);
  const ws = wb.worksheets[0];
  const rows: XlsxValue[][] = [];
  const types: number[][] = [];
  let formulas = 0;
  const width = ws.columnCount;
  for (let r = 1; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    const values: XlsxValue[] = [];
    const kinds: number[] = [];
    for (let c = 1; c <= width; c++) {
      const cell = row.getCell(c);
      if (cell.type === ExcelJS.ValueType.Formula || cell.formula) formulas++;
      kinds.push(cell.type);
      const v = cell.value;
      values.push(v === undefined || v === null ? null : (v as XlsxValue));
    }
    rows.push(values);
    types.push(kinds);
  }
  return { name: ws.name, rows, types, formulas, worksheet: ws };
}

/** The first worksheet as read-excel-file reads it (empty cells null). */
export async function readWithReadExcelFile(bytes: Buffer): Promise<XlsxValue[][]> {
  const data = await readSheet(bytes);
  return data.map((row) => row.map((v) => (v === undefined ? null : (v as XlsxValue))));
}
