/**
 * Where a compressed CSV export's time goes, without a database: the CSV text of configurations-
 * shaped rows (as the export writes it, one chunk per row from json2csv) through Node's zlib, as
 * the `compression` middleware drives it — written per row (before issue 22) or gathered into
 * 64 KiB chunks (now), at several gzip levels / brotli qualities and window settings.
 *
 *   npx ts-node -T bench/compression-chunks.ts [--rows 200000]
 *
 * Prints rows/s, CPU µs per row and the compressed size per setting. Figures: docs/performance.md,
 * "Compression at export speed".
 */
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createBrotliCompress, createGzip } from 'node:zlib';
import { CSV_CHUNK_BYTES, csvString } from '../src/statistics/output/csv';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const ROWS = Number(arg('rows', '200000'));

/** The CSV lines of configurations-shaped rows, one string per row (what json2csv hands on). */
function lines(n: number): string[] {
  const t0 = Date.parse('2026-11-30T00:00:00Z');
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `conf:tenant${i % 7}:${(i * 2654435761) % 1e9}`;
    const cells = [
      csvString(`https://www.roomle.com/t/cp/?id=${id}&configuratorId=sofa-configurator-${i % 40}`),
      csvString(i % 3 ? `https://example.com/perspective/${id}.jpg` : ''),
      csvString(new Date(t0 - i * 1297).toISOString()),
      csvString(['Save', 'Save_Plan', 'Request_Product', 'Export'][i % 4]),
      csvString(i % 5 === 0 ? 'pdf' : ''),
      String(1 + (i % 3)),
      csvString('real time'),
      csvString(i % 4 === 0 ? `user${i % 1000}@example.com` : ''),
      csvString(i % 2 ? `{"originPart":{"articleNr":"article-${i % 500}","count":${1 + (i % 4)}}}` : ''),
      csvString(i % 9 === 0 ? `["item-${i % 77}","item-${i % 13}"]` : ''),
    ];
    out.push(`\n${cells.join(',')}`);
  }
  return out;
}

function source(text: string[], chunkBytes: number): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (chunkBytes === 0) {
        for (let k = 0; k < 64 && i < text.length; k++) this.push(text[i++]);
      } else {
        let buf = '';
        while (i < text.length && buf.length < chunkBytes) buf += text[i++];
        if (buf) this.push(buf);
      }
      if (i >= text.length) this.push(null);
    },
  });
}

async function measure(label: string, text: string[], chunkBytes: number, make: () => Transform): Promise<void> {
  let bytes = 0;
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      bytes += c.length;
      cb();
    },
  });
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  await pipeline(source(text, chunkBytes), make(), sink);
  const secs = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = (cpu.user + cpu.system) / text.length;
  console.log(`${label.padEnd(44)} ${chunkBytes ? `${chunkBytes / 1024} KiB` : 'per row'}  ${String(Math.round(text.length / secs)).padStart(8)} rows/s  ${cpuUs.toFixed(1).padStart(5)} µs CPU/row  ${(bytes / 1e6).toFixed(2)} MB`);
}

async function main(): Promise<void> {
  const text = lines(ROWS);
  const raw = text.reduce((n, l) => n + Buffer.byteLength(l), 0);
  console.log(`${ROWS} rows, ${(raw / 1e6).toFixed(1)} MB of CSV`);
  const identity = () => new PassThrough();
  await measure('identity', text, 0, identity);
  await measure('identity', text, CSV_CHUNK_BYTES, identity);
  for (const chunk of [0, 16 * 1024, CSV_CHUNK_BYTES]) {
    await measure('gzip level 6 (before)', text, chunk, () => createGzip({ level: 6 }));
  }
  for (const level of [1, 2, 3, 4]) await measure(`gzip level ${level}`, text, CSV_CHUNK_BYTES, () => createGzip({ level }));
  await measure('gzip level 1, memLevel 9', text, CSV_CHUNK_BYTES, () => createGzip({ level: 1, memLevel: 9 }));
  await measure('gzip level 2, Z_FILTERED', text, CSV_CHUNK_BYTES, () => createGzip({ level: 2, strategy: constants.Z_FILTERED }));
  const br = (quality: number, extra: Record<number, number> = {}) => () =>
    createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, ...extra } });
  await measure('br quality 4 (before)', text, 0, br(4));
  for (const q of [1, 2, 3, 4]) await measure(`br quality ${q}, text mode`, text, CSV_CHUNK_BYTES, br(q));
  await measure('br quality 3, lgwin 18', text, CSV_CHUNK_BYTES, br(3, { [constants.BROTLI_PARAM_LGWIN]: 18 }));
}

void main();
