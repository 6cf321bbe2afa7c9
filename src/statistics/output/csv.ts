import { Transform as Json2CsvTransform } from '@json2csv/node';
import { Readable, Transform, pipeline } from 'node:stream';
import { CellType, checkSheetRows, xlsxStream, XlsxOptions } from './xlsx';

/**
 * A column of an export (CSV and XLSX alike): its header label and how to read the cell from a
 * row. `type` and `width` only matter to XLSX: `instant` makes a date-time cell (the value is an
 * ISO 8601 string, a Date or epoch ms), `number` a number cell, `text` a text cell (default: by
 * the value's JS type); `width` in characters for streamed rows (rows in memory are measured).
 */
export interface CsvColumn<T> {
  label: string;
  value: (row: T) => string | number | null | undefined;
  type?: CellType;
  width?: number;
}

/** The CSV options a client may ask for (`csvBom`, `csvDelimiter`); the defaults are the contract's CSV. */
export interface CsvOptions {
  /** Start with a UTF-8 byte-order mark (EF BB BF), so Excel reads the file as UTF-8. */
  bom: boolean;
  /** The field separator: `,` (the contract) or `;` (spreadsheets in decimal-comma locales). */
  delimiter: ',' | ';';
}

export const DEFAULT_CSV_OPTIONS: CsvOptions = { bom: false, delimiter: ',' };

/**
 * A streamed CSV is handed on in chunks of about this many bytes: the compressor (and the socket)
 * pay a fixed cost per write, which per row (~250 bytes) cost compressed exports most of their speed
 * (docs/performance.md, "Compression at export speed").
 */
export const CSV_CHUNK_BYTES = 64 * 1024;
/** A partly filled chunk waits at most this long for more rows (a slow export still shows progress). */
export const CSV_CHUNK_WAIT_MS = 200;

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Spreadsheets run cells that start with = + - @ tab or CR as formulas; such a cell gets a
 * leading apostrophe (OWASP's CSV-injection advice). Strings are always double-quoted with inner
 * quotes doubled; numbers stay bare.
 */
export function csvString(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** Told how much an export produced (the metrics): data rows and bytes, in batches and at the end. */
export interface CsvStreamObserver {
  rows(n: number): void;
  bytes(n: number): void;
}

/** Rows and bytes are handed to the observer after this many rows (and when the stream ends or breaks). */
const OBSERVE_EVERY_ROWS = 256;

/**
 * What a read route returns for a download: the interceptor turns it into a streamed CSV or XLSX
 * (by the negotiated format), so a route declares its columns once — with their XLSX cell `type`
 * for numbers and instants — and gets both formats.
 */
export class CsvResult<T = any> {
  constructor(
    /** The CSV file name (`….csv`); the XLSX download is named `….xlsx`. */
    readonly filename: string,
    readonly columns: CsvColumn<T>[],
    /** Rows in output order: an array for small results, a Readable (object mode) for streams. */
    readonly rows: Iterable<T> | Readable,
    readonly options: {
      /** The XLSX sheet's name (default: the route's part of the file name, `tenant-1-<route>-…`). */
      sheetName?: string;
      /** How many rows a stream will give, when known before it starts (an XLSX beyond a sheet is refused first). */
      total?: number;
    } = {},
  ) {}

  /** The file name for a format (`.csv` or `.xlsx`). */
  filenameFor(format: 'csv' | 'xlsx'): string {
    return format === 'csv' ? this.filename : this.filename.replace(/\.csv$/, '') + '.xlsx';
  }

  /** Data rows, when known without reading them (rows in memory, or a counted stream). */
  get knownRows(): number | undefined {
    if (this.options.total !== undefined) return this.options.total;
    if (this.rows instanceof Readable) return undefined;
    return Array.isArray(this.rows) ? this.rows.length : undefined;
  }

  /** 400 before any byte when the rows are known not to fit one XLSX sheet. */
  checkXlsx(): void {
    const n = this.knownRows;
    if (n !== undefined) checkSheetRows(n);
  }

  sheetName(): string {
    return (this.options.sheetName ?? /^tenant-\d+-([A-Za-z]+)/.exec(this.filename)?.[1] ?? 'export').slice(0, 31);
  }

  /** The XLSX file as a stream (see {@link xlsxStream}); `timeZone` is the one instant cells show. */
  toXlsx(timeZone: string, onError: (err: Error) => void, observer?: CsvStreamObserver, onChunk?: () => void): Readable {
    const options: XlsxOptions = { sheetName: this.sheetName(), timeZone };
    return xlsxStream(this.columns, this.rows, options, onError, observer, onChunk);
  }

  /**
   * The CSV as a stream with backpressure. Destroying it (the client went away) destroys the
   * row source too, which stops the database query.
   */
  toStream(onError: (err: Error) => void, observer?: CsvStreamObserver, onChunk?: () => void, options: CsvOptions = DEFAULT_CSV_OPTIONS): Readable {
    const source = this.rows instanceof Readable ? this.rows : Readable.from(this.rows as Iterable<T>, { objectMode: true });
    const columns = this.columns;
    let rows = 0;
    let bytes = 0;
    const report = () => {
      if (rows > 0) observer?.rows(rows);
      if (bytes > 0) observer?.bytes(bytes);
      rows = bytes = 0;
    };
    const toRecord = new Transform({
      objectMode: true,
      transform(row: T, _enc, cb) {
        if (observer && ++rows >= OBSERVE_EVERY_ROWS) report();
        const rec: Record<string, unknown> = {};
        for (let i = 0; i < columns.length; i++) rec[i] = columns[i].value(row);
        cb(null, rec);
      },
    });
    const csv = new Json2CsvTransform(
      {
        fields: columns.map((c, i) => ({ label: c.label, value: String(i) })),
        eol: '\n',
        delimiter: options.delimiter,
        withBOM: options.bom,
        formatters: { string: csvString, header: csvString },
      },
      {},
      { objectMode: true },
    );
    const done = (err: Error | null) => {
      report();
      if (err && (err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') onError(err);
    };
    // Gathers the text into chunks of CSV_CHUNK_BYTES (the first, the header line, goes at once;
    // a partly filled one waits at most CSV_CHUNK_WAIT_MS), counts the bytes for the observer and
    // tells the caller about every chunk handed on (to flush a compressor now and then).
    let pending: string[] = [];
    let pendingBytes = 0;
    let first = true;
    let timer: NodeJS.Timeout | undefined;
    const handOn = (stream: Transform) => {
      clearTimeout(timer);
      timer = undefined;
      if (pendingBytes === 0) return;
      const text = pending.length === 1 ? pending[0] : pending.join('');
      pending = [];
      pendingBytes = 0;
      stream.push(text);
      onChunk?.();
    };
    const chunker = new Transform({
      readableObjectMode: false,
      writableObjectMode: true,
      transform(chunk: string | Buffer, _enc, cb) {
        const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
        const n = Buffer.byteLength(text);
        bytes += n;
        pending.push(text);
        pendingBytes += n;
        if (first || pendingBytes >= CSV_CHUNK_BYTES) {
          first = false;
          handOn(this);
        } else if (!timer) {
          timer = setTimeout(() => handOn(chunker), CSV_CHUNK_WAIT_MS);
          timer.unref();
        }
        cb();
      },
      flush(cb) {
        handOn(this);
        cb();
      },
      destroy(err, cb) {
        clearTimeout(timer);
        cb(err);
      },
    });
    return pipeline(source, toRecord, csv, chunker, done);
  }
}
