import { createHash, randomBytes } from 'node:crypto';
import { ClientRequest, IncomingMessage, ServerResponse, request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { brotliDecompressSync, createGunzip, gunzipSync } from 'node:zlib';
import { ExportLimiter } from '../../src/statistics/output/export-limiter';
import { API, bulkConfigurationEvents, ingest } from '../support/fixtures';
import { TestApp } from '../support/test-app';

// Compression of the read answers (docs/api.md, "Compression"): gzip or br when the client asks,
// JSON and CSV of at least 1 kB only, byte-exact once decompressed; a compressed CSV export still
// streams (first bytes long before its end), still waits on a client that stops reading, and is
// still cancelled when the client goes away.

const NOW = new Date('2026-05-20T12:00:00.000Z');
const ROWS = 12_000;
const RANGE = 'from=2026-05-01T00:00:00.000Z&to=2026-05-21T00:00:00.000Z';

interface Raw {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

describe('compression (gzip, br)', () => {
  let t: TestApp;
  let port: number;
  let limiter: ExportLimiter;
  /** The server side of the latest request, to watch backpressure from the server. */
  let lastServerRes: ServerResponse | undefined;

  beforeAll(async () => {
    // 2 kB per event: a batch of 1000 needs a larger body limit.
    t = await TestApp.create({ now: NOW, env: { BODY_LIMIT: '8mb' } });
    await new Promise<void>((resolve) => t.app.getHttpServer().listen(0, '127.0.0.1', resolve));
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    t.app.getHttpServer().on('request', (_req: unknown, res: ServerResponse) => (lastServerRes = res));
    limiter = t.app.get(ExportLimiter);
    // Random text compresses to about half: the export is ~24 MB as CSV, ~12 MB compressed —
    // more than the socket buffers hold, so an unread export must wait.
    const events = bulkConfigurationEvents(NOW, ROWS, {
      extra: () => ({
        actionParameter: randomBytes(500).toString('hex'),
        configuration: { thumbnail: `https://cdn.example.com/${randomBytes(450).toString('hex')}.png` },
      }),
    });
    await ingest(t, 1, events);
    await ingest(t, 2, [{ module: 3, action: 1, created: new Date(NOW.getTime() - 3_600_000).toISOString() }]);
  }, 300_000);

  afterAll(async () => {
    await t.close();
  });

  /** A GET read whole, body as received (not decompressed). */
  function get(tenant: number, path: string, headers: Record<string, string>): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: `${API}/tenants/${tenant}/${path}`, headers: { ...t.auth([tenant]), Connection: 'close', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  async function inFlight(n: number): Promise<void> {
    for (let i = 0; i < 500 && limiter.inFlight() !== n; i++) await new Promise((r) => setTimeout(r, 10));
    expect(limiter.inFlight()).toBe(n);
  }

  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  it('JSON: gzip and br when asked, byte-exact once decompressed; identity otherwise; Vary: Accept-Encoding', async () => {
    const path = `configurations?${RANGE}&limit=200`;
    const plain = await get(1, path, { 'Accept-Encoding': 'identity' });
    const none = await get(1, path, {});
    const gzip = await get(1, path, { 'Accept-Encoding': 'gzip' });
    const br = await get(1, path, { 'Accept-Encoding': 'br;q=1, gzip;q=0.5' });
    expect([plain.status, none.status, gzip.status, br.status]).toEqual([200, 200, 200, 200]);
    expect(plain.body.length).toBeGreaterThan(200 * 1900);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(none.body.equals(plain.body)).toBe(true);
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(br.headers['content-encoding']).toBe('br');
    for (const r of [plain, gzip, br]) {
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(r.headers.vary).toBe('Accept, Accept-Encoding, Authorization');
    }
    expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(gzip.body.length).toBeLessThan(plain.body.length * 0.6);
    expect(JSON.parse(plain.body.toString('utf8')).tenantConfigurationStatistics).toHaveLength(200);
  });

  it('CSV: gzip is byte-exact once decompressed; the ETag names the coding', async () => {
    const path = `configurations?${RANGE}&format=csv`;
    const plain = await get(1, path, { 'Accept-Encoding': 'identity' });
    const gzip = await get(1, path, { 'Accept-Encoding': 'gzip, deflate' });
    expect([plain.status, gzip.status]).toEqual([200, 200]);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(gzip.headers['content-disposition']).toBe(plain.headers['content-disposition']);
    const unzipped = gunzipSync(gzip.body);
    expect(sha(unzipped)).toBe(sha(plain.body));
    expect(unzipped.toString('utf8').trimEnd().split('\n')).toHaveLength(ROWS + 1);
    const tag = plain.headers.etag!;
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(gzip.headers.etag).toBe(`${tag.slice(0, -1)}-gzip"`);
    // Either copy revalidates: the gzip tag names the same data.
    const again = await get(1, path, { 'Accept-Encoding': 'gzip', 'If-None-Match': gzip.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(gzip.headers.etag);
    await inFlight(0);
  });

  it('small answers (< 1 kB) and errors are not compressed; errors stay JSON', async () => {
    const small = await get(2, 'userActionsAggregated', { 'Accept-Encoding': 'gzip' });
    expect(small.status).toBe(200);
    expect(small.body.length).toBeLessThan(1024);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.headers.vary).toBe('Accept, Accept-Encoding, Authorization');
    expect(JSON.parse(small.body.toString('utf8')).userActions).toEqual([{ module: 3, action: 1, tenant: 2, count: 1, aggregationLevel: 0 }]);
    const smallCsv = await get(2, 'userActionsAggregated?format=csv', { 'Accept-Encoding': 'gzip' });
    expect(smallCsv.headers['content-encoding']).toBeUndefined();
    expect(smallCsv.body.toString('utf8')).toBe('"module","action","tenant","count","aggregationLevel"\n3,1,2,1,0');
    const bad = await get(1, 'configurations?format=xml', { 'Accept-Encoding': 'gzip' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-encoding']).toBeUndefined();
    expect(bad.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(bad.body.toString('utf8'))).toEqual({ statusCode: 400, error: 'Bad Request', message: 'format must be one of: csv, json, xlsx' });
  });

  /** Starts a gzip CSV export; resolves at its first decompressed bytes with the client paused. */
  function startGzipExport(): Promise<{ req: ClientRequest; res: IncomingMessage; server: ServerResponse; first: string; rest: () => Promise<Buffer> }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: `${API}/tenants/1/configurations?${RANGE}&format=csv`,
          headers: { ...t.auth([1]), 'Accept-Encoding': 'gzip', Connection: 'close' },
        },
        (res) => {
          const server = lastServerRes!;
          expect(res.headers['content-encoding']).toBe('gzip');
          const gunzip = createGunzip();
          const chunks: Buffer[] = [];
          let done: Promise<Buffer> | undefined;
          res.pipe(gunzip);
          gunzip.once('data', (chunk: Buffer) => {
            chunks.push(chunk);
            // Stop reading: from here on only the socket buffers take what the server sends.
            res.unpipe(gunzip);
            res.pause();
            gunzip.pause();
            resolve({
              req,
              res,
              server,
              first: chunk.toString('utf8'),
              rest: () =>
                (done ??= new Promise<Buffer>((ok, fail) => {
                  gunzip.on('data', (c: Buffer) => chunks.push(c));
                  gunzip.on('end', () => ok(Buffer.concat(chunks)));
                  gunzip.on('error', fail);
                  gunzip.resume();
                  res.pipe(gunzip);
                })),
            });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('a compressed export streams: first bytes long before the end, then waits on a client that stops reading', async () => {
    const plain = await get(1, `configurations?${RANGE}&format=csv`, { 'Accept-Encoding': 'identity' });
    const e = await startGzipExport();
    expect(e.first.startsWith('"link","thumbnail","created","action"')).toBe(true);
    // The client reads nothing more: the server fills the socket and then waits for it to drain —
    // the export is still running (its slot is held), long before its end.
    for (let i = 0; i < 1000 && !e.server.writableNeedDrain; i++) await new Promise((r) => setTimeout(r, 10));
    expect(e.server.writableNeedDrain).toBe(true);
    expect(e.server.writableEnded).toBe(false);
    expect(limiter.inFlight('1')).toBe(1);
    // Reading on, the client gets every byte.
    const body = await e.rest();
    expect(sha(body)).toBe(sha(plain.body));
    await inFlight(0);
  });

  it('a client that goes away mid-export cancels it and frees its slot (gzip)', async () => {
    const e = await startGzipExport();
    expect(limiter.inFlight('1')).toBe(1);
    expect(e.server.writableEnded).toBe(false);
    e.req.destroy();
    await inFlight(0);
    expect(e.server.writableFinished).toBe(false);
    expect(e.server.destroyed).toBe(true);
  });
});
