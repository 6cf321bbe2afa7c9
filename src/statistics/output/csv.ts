import { Transform as Json2CsvTransform } from '@json2csv/node';
import { Readable, Transform, pipeline } from 'node:stream';

/** A CSV column: its header label and how to read the cell from a row. */
export interface CsvColumn<T> {
  label: string;
  value: (row: T) => string | number | null | undefined;
}

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

/** What a CSV route returns: the interceptor turns it into a streamed download. */
export class CsvResult<T = any> {
  constructor(
    readonly filename: string,
    readonly columns: CsvColumn<T>[],
    /** Rows in output order: an array for small results, a Readable (object mode) for streams. */
    readonly rows: Iterable<T> | Readable,
  ) {}

  /**
   * The CSV as a stream with backpressure. Destroying it (the client went away) destroys the
   * row source too, which stops the database query.
   */
  toStream(onError: (err: Error) => void, observer?: CsvStreamObserver, onChunk?: () => void): Readable {
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
        formatters: { string: csvString, header: csvString },
      },
      {},
      { objectMode: true },
    );
    const done = (err: Error | null) => {
      report();
      if (err && (err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') onError(err);
    };
    if (!observer && !onChunk) return pipeline(source, toRecord, csv, done);
    // Counts the bytes for the observer and tells the caller about every chunk of text (to flush a
    // compressor now and then).
    const tap = new Transform({
      objectMode: true,
      transform(chunk: string | Buffer, _enc, cb) {
        if (observer) bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
        cb(null, chunk);
        onChunk?.();
      },
    });
    return pipeline(source, toRecord, csv, tap, done);
  }
}
