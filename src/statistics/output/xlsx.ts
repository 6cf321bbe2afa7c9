import { BadRequestException } from '@nestjs/common';
import { IANAZone } from 'luxon';
import { pipeline, Readable, Transform } from 'node:stream';
import { constants as zlibConstants, crc32, createDeflateRaw, deflateRawSync } from 'node:zlib';

/**
 * XLSX (SpreadsheetML in a ZIP) written as a stream, by hand: one worksheet whose XML is produced
 * row by row, deflated as it goes and framed as a ZIP entry with a data descriptor, so memory stays
 * flat whatever the row count (like the CSV). Chosen over exceljs's streaming WorkbookWriter after
 * measuring both on the configurations export's rows (docs/performance.md, "XLSX"): same file
 * structure, several times the rows/s at a fraction of the memory.
 *
 * What a route gets: the header row frozen, bold on a grey fill, with an auto-filter; column widths
 * from the data (arrays) or from each column's `width` (streams); cells typed by the column's
 * `type` — `number` (counts, ids), `instant` (a real date-time cell in the statistics time zone,
 * named in the header: `created (Europe/Vienna)`), `text` (an inline string: never run as a
 * formula, so `=SUM(A1)` stays text without the CSV's apostrophe).
 */

/** Content-Type of an XLSX answer. */
export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A worksheet holds at most this many rows, the header row included (Excel and LibreOffice alike). */
export const XLSX_MAX_ROWS = 1_048_576;

/** Excel's limit for the text of one cell; a longer text is cut (docs/api.md says so). */
export const XLSX_MAX_CELL_CHARS = 32_767;

/** The sheet XML is handed to the compressor in chunks of about this size (each write has a fixed cost). */
const CHUNK_CHARS = 64 * 1024;

/** deflate level of the sheet: level 1 already packs the repetitive XML ~10×, at a fraction of level 6's CPU. */
const DEFLATE_LEVEL = 1;

/** How a column's cells are typed. Without one: numbers as number cells, everything else as text. */
export type CellType = 'text' | 'number' | 'instant';

/** A column as the sheet reads it (a CsvColumn is one). */
export interface SheetColumn<T> {
  label: string;
  value: (row: T) => string | number | null | undefined;
  type?: CellType;
  width?: number;
}

/** Told how much an export produced (the metrics), as CsvStreamObserver. */
export interface SheetObserver {
  rows(n: number): void;
  bytes(n: number): void;
}

/** A refusal before any byte: the rows do not fit one worksheet. */
export function checkSheetRows(dataRows: number): void {
  if (dataRows + 1 > XLSX_MAX_ROWS) {
    throw new BadRequestException(
      `Too many rows for an XLSX sheet: ${dataRows} rows match and a sheet holds ${XLSX_MAX_ROWS - 1} below its header ` +
        `(format=xlsx); narrow the range (from/to, filters) or ask for CSV (format=csv), which has no row limit`,
    );
  }
}

export interface XlsxOptions {
  /** The worksheet's name (at most 31 characters, none of `[]:*?/\`). */
  sheetName: string;
  /** STATISTICS_TIME_ZONE: the wall clock instant cells show, named in their header cell. */
  timeZone: string;
}

const XML_ESCAPE = /[&<>]/;
// Characters XML 1.0 cannot carry (C0 controls but tab, LF, CR; U+FFFE/FFFF; lone surrogates),
// and a literal `_xHHHH_` that a reader would take for such an escape.
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|_x[0-9A-Fa-f]{4}_/g;

/** Text as the content of `<t>`: escaped, invalid characters as OOXML's `_xHHHH_`, at most Excel's cell limit. */
export function xmlText(value: string): string {
  let s = value.length > XLSX_MAX_CELL_CHARS ? `${value.slice(0, XLSX_MAX_CELL_CHARS - 1)}…` : value;
  XML_INVALID.lastIndex = 0;
  if (XML_INVALID.test(s)) {
    XML_INVALID.lastIndex = 0;
    s = s.replace(XML_INVALID, (m) => {
      if (m.length > 1) return `_x005F${m}`; // a literal _xHHHH_: escape its underscore
      const code = m.charCodeAt(0);
      if (code >= 0xd800 && code <= 0xdfff) return '\uFFFD';
      return `_x${code.toString(16).toUpperCase().padStart(4, '0')}_`;
    });
  }
  if (!XML_ESCAPE.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function xmlAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `A`, `B`, … `Z`, `AA`, … */
export function columnLetters(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

const EXCEL_EPOCH_DAYS = 25_569; // 1970-01-01 as an Excel serial day (1900 date system)
const DAY_MS = 86_400_000;
const OFFSET_BUCKET_MS = 900_000; // zones change offset on quarter hours at the finest

/** Instants as Excel serial days of the wall clock in one zone; offsets remembered per quarter hour. */
class SerialDates {
  private readonly zone: IANAZone;
  private readonly offsets = new Map<number, number>();

  constructor(zone: string) {
    this.zone = IANAZone.create(zone) as IANAZone;
  }

  serial(value: unknown): number | undefined {
    const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : typeof value === 'number' ? value : NaN;
    if (!Number.isFinite(ms)) return undefined;
    const bucket = Math.floor(ms / OFFSET_BUCKET_MS);
    let offset = this.offsets.get(bucket);
    if (offset === undefined) {
      if (this.offsets.size >= 4096) this.offsets.clear();
      offset = this.zone.offset(ms) * 60_000;
      this.offsets.set(bucket, offset);
    }
    const wallMs = ms + offset;
    // The serial nearest the wall clock that does not read back a millisecond early in a reader
    // that floors ((serial - 25569) * 86400000), as several do.
    let serial = wallMs / DAY_MS + EXCEL_EPOCH_DAYS;
    for (let i = 0; i < 4 && (serial - EXCEL_EPOCH_DAYS) * DAY_MS < wallMs; i++) serial += Number.EPSILON * serial;
    return serial;
  }
}

const NS_MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const NS_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

const CONTENT_TYPES =
  XML_DECL +
  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
  '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
  '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
  '</Types>';

const ROOT_RELS =
  XML_DECL +
  '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>' +
  '</Relationships>';

const WORKBOOK_RELS =
  XML_DECL +
  '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>' +
  '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>' +
  '</Relationships>';

/** Cell styles (cellXfs): 0 default, 1 header (bold, grey fill, bottom border), 2 date-time. */
const STYLE_HEADER = 1;
const STYLE_INSTANT = 2;
const STYLES =
  XML_DECL +
  `<styleSheet xmlns="${NS_MAIN}">` +
  '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>' +
  '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>' +
  '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>' +
  '<fill><patternFill patternType="solid"><fgColor rgb="FFD9D9D9"/><bgColor indexed="64"/></patternFill></fill></fills>' +
  '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>' +
  '<border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
  '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/>' +
  '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>' +
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
  '</styleSheet>';

function workbookXml(sheetName: string): string {
  return (
    XML_DECL +
    `<workbook xmlns="${NS_MAIN}" xmlns:r="${NS_REL}">` +
    '<bookViews><workbookView/></bookViews>' +
    `<sheets><sheet name="${xmlAttr(sheetName)}" sheetId="1" r:id="rId1"/></sheets>` +
    '</workbook>'
  );
}

/** Column widths in characters: the header and (for rows in memory) the longest value, within [6, 60]. */
function columnWidths<T>(columns: SheetColumn<T>[], labels: string[], rows: Iterable<T> | undefined): number[] {
  const widths = columns.map((c, i) => Math.max(labels[i].length, c.width ?? 0));
  if (rows) {
    let n = 0;
    for (const row of rows) {
      if (++n > 10_000) break; // a sample is enough
      columns.forEach((c, i) => {
        if (c.type === 'instant') return;
        const v = c.value(row);
        if (v !== null && v !== undefined) widths[i] = Math.max(widths[i], String(v).length);
      });
    }
  }
  return widths.map((w, i) => Math.min(60, Math.max(columns[i].type === 'instant' ? 20 : 6, w + 2)));
}

// ---- ZIP framing (PKWARE APPNOTE 4.3: local headers, data descriptor for the streamed entry, central directory)

const DOS_TIME = (() => {
  const d = new Date();
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1);
  const date = ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  return { time, date };
})();
const FLAG_UTF8 = 0x0800;
const FLAG_DESCRIPTOR = 0x0008;
const LIMIT_32 = 0xffffffff;

interface ZipEntry {
  name: Buffer;
  flags: number;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
}

function localHeader(e: ZipEntry): Buffer {
  const b = Buffer.alloc(30 + e.name.length);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(20, 4);
  b.writeUInt16LE(e.flags, 6);
  b.writeUInt16LE(8, 8); // deflate
  b.writeUInt16LE(DOS_TIME.time, 10);
  b.writeUInt16LE(DOS_TIME.date, 12);
  b.writeUInt32LE(e.crc >>> 0, 14);
  b.writeUInt32LE(e.compressed, 18);
  b.writeUInt32LE(e.size, 22);
  b.writeUInt16LE(e.name.length, 26);
  b.writeUInt16LE(0, 28);
  e.name.copy(b, 30);
  return b;
}

function dataDescriptor(e: ZipEntry): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(0x08074b50, 0);
  b.writeUInt32LE(e.crc >>> 0, 4);
  b.writeUInt32LE(e.compressed, 8);
  b.writeUInt32LE(e.size, 12);
  return b;
}

function centralDirectory(entries: ZipEntry[], offset: number): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  for (const e of entries) {
    const b = Buffer.alloc(46 + e.name.length);
    b.writeUInt32LE(0x02014b50, 0);
    b.writeUInt16LE(20, 4);
    b.writeUInt16LE(20, 6);
    b.writeUInt16LE(e.flags, 8);
    b.writeUInt16LE(8, 10);
    b.writeUInt16LE(DOS_TIME.time, 12);
    b.writeUInt16LE(DOS_TIME.date, 14);
    b.writeUInt32LE(e.crc >>> 0, 16);
    b.writeUInt32LE(e.compressed, 20);
    b.writeUInt32LE(e.size, 24);
    b.writeUInt16LE(e.name.length, 28);
    b.writeUInt32LE(e.offset, 42);
    e.name.copy(b, 46);
    parts.push(b);
    size += b.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  parts.push(end);
  return Buffer.concat(parts);
}

/** A whole small part, deflated at once. */
function smallEntry(name: string, text: string, offset: number): { entry: ZipEntry; bytes: Buffer } {
  const data = Buffer.from(text, 'utf8');
  const packed = deflateRawSync(data);
  const entry: ZipEntry = { name: Buffer.from(name), flags: FLAG_UTF8, crc: crc32(data), compressed: packed.length, size: data.length, offset };
  return { entry, bytes: Buffer.concat([localHeader(entry), packed]) };
}

const TOO_LARGE = 'The XLSX sheet grew past 4 GiB (ZIP64 is not written): ask for CSV';

/**
 * The XLSX file of `rows` as a byte stream with backpressure. Destroying it (the client went away)
 * destroys the row source, which stops the database query. More data rows than a sheet holds fail
 * the stream (callers check a known count first with {@link checkSheetRows}).
 */
export function xlsxStream<T>(
  columns: SheetColumn<T>[],
  rows: Iterable<T> | Readable,
  options: XlsxOptions,
  onError: (err: Error) => void,
  observer?: SheetObserver,
  onChunk?: () => void,
): Readable {
  const source = rows instanceof Readable ? rows : Readable.from(rows as Iterable<T>, { objectMode: true });
  const dates = new SerialDates(options.timeZone);
  const labels = columns.map((c) => (c.type === 'instant' ? `${c.label} (${options.timeZone})` : c.label));
  // Rows in an array are measured (a one-shot iterable is not read twice).
  const widths = columnWidths(columns, labels, Array.isArray(rows) ? rows : undefined);
  const letters = columns.map((_, i) => columnLetters(i));

  // The parts before the sheet, the sheet's local header (sizes in its data descriptor).
  const entries: ZipEntry[] = [];
  let offset = 0;
  const head: Buffer[] = [];
  for (const [name, text] of [
    ['[Content_Types].xml', CONTENT_TYPES],
    ['_rels/.rels', ROOT_RELS],
    ['xl/workbook.xml', workbookXml(options.sheetName)],
    ['xl/_rels/workbook.xml.rels', WORKBOOK_RELS],
    ['xl/styles.xml', STYLES],
  ] as const) {
    const { entry, bytes } = smallEntry(name, text, offset);
    entries.push(entry);
    head.push(bytes);
    offset += bytes.length;
  }
  const sheet: ZipEntry = { name: Buffer.from('xl/worksheets/sheet1.xml'), flags: FLAG_UTF8 | FLAG_DESCRIPTOR, crc: 0, compressed: 0, size: 0, offset };
  entries.push(sheet);
  head.push(localHeader(sheet));
  const headBytes = Buffer.concat(head);

  const sheetStart =
    XML_DECL +
    `<worksheet xmlns="${NS_MAIN}" xmlns:r="${NS_REL}">` +
    '<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>' +
    '<sheetFormatPr defaultRowHeight="15"/>' +
    `<cols>${widths.map((w, i) => `<col min="${i + 1}" max="${i + 1}" width="${w}" customWidth="1"/>`).join('')}</cols>` +
    '<sheetData>' +
    `<row r="1">${labels.map((l, i) => `<c r="${letters[i]}1" s="${STYLE_HEADER}" t="inlineStr"><is><t>${xmlText(l)}</t></is></c>`).join('')}</row>`;

  let rowNumber = 1;
  let dataRows = 0;
  let pendingRows = 0;
  let xmlBytes = 0;
  let buffer = sheetStart;
  const emit = (out: Transform, text: string) => {
    const data = Buffer.from(text, 'utf8');
    sheet.crc = crc32(data, sheet.crc);
    sheet.size += data.length;
    xmlBytes += data.length;
    out.push(data);
  };
  const report = () => {
    if (pendingRows > 0) observer?.rows(pendingRows);
    pendingRows = 0;
  };
  const toXml = new Transform({
    writableObjectMode: true,
    transform(row: T, _enc, cb) {
      if (++dataRows + 1 > XLSX_MAX_ROWS) {
        cb(new Error(`More than ${XLSX_MAX_ROWS - 1} rows for one XLSX sheet: the export was stopped`));
        return;
      }
      const r = String(++rowNumber);
      let xml = `<row r="${r}">`;
      for (let i = 0; i < columns.length; i++) {
        const col = columns[i];
        const v = col.value(row);
        if (v === null || v === undefined || v === '') continue;
        if (col.type === 'instant') {
          const serial = dates.serial(v);
          if (serial !== undefined) xml += `<c r="${letters[i]}${r}" s="${STYLE_INSTANT}"><v>${serial}</v></c>`;
        } else if (typeof v === 'number' || col.type === 'number') {
          const n = typeof v === 'number' ? v : Number(v);
          if (Number.isFinite(n)) xml += `<c r="${letters[i]}${r}"><v>${n}</v></c>`;
          else xml += `<c r="${letters[i]}${r}" t="inlineStr"><is><t>${xmlText(String(v))}</t></is></c>`;
        } else {
          const s = xmlText(String(v));
          const space = s.charCodeAt(0) <= 32 || s.charCodeAt(s.length - 1) <= 32 ? ' xml:space="preserve"' : '';
          xml += `<c r="${letters[i]}${r}" t="inlineStr"><is><t${space}>${s}</t></is></c>`;
        }
      }
      buffer += `${xml}</row>`;
      if (observer && ++pendingRows >= 256) report();
      if (buffer.length >= CHUNK_CHARS) {
        emit(this, buffer);
        buffer = '';
      }
      cb();
    },
    flush(cb) {
      buffer += `</sheetData><autoFilter ref="A1:${letters[letters.length - 1]}${rowNumber}"/></worksheet>`;
      emit(this, buffer);
      buffer = '';
      cb();
    },
  });
  const deflate = createDeflateRaw({ level: DEFLATE_LEVEL, memLevel: 9, strategy: zlibConstants.Z_DEFAULT_STRATEGY });
  let started = false;
  const frame = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (!started) {
        started = true;
        this.push(headBytes);
        observer?.bytes(headBytes.length);
      }
      sheet.compressed += chunk.length;
      observer?.bytes(chunk.length);
      this.push(chunk);
      onChunk?.();
      cb();
    },
    flush(cb) {
      if (!started) {
        this.push(headBytes);
        observer?.bytes(headBytes.length);
      }
      if (sheet.compressed > LIMIT_32 || sheet.size > LIMIT_32 || xmlBytes > LIMIT_32) {
        cb(new Error(TOO_LARGE));
        return;
      }
      const tail = Buffer.concat([dataDescriptor(sheet), centralDirectory(entries, headBytes.length + sheet.compressed + 16)]);
      this.push(tail);
      observer?.bytes(tail.length);
      cb();
    },
  });
  return pipeline(source, toXml, deflate, frame, (err) => {
    report();
    if (err && (err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') onError(err);
  });
}
