import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { API } from '../../test/support/client-core';
import { REQUEST_TIMEOUT_MS } from './options';

/** The soak's HTTP client of the compiled service: counts bytes and lines, keeps the body (or its head), times the answer. */

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  lines: number;
  /** The whole body when `keep`, else its first 4 KB. */
  body: string;
  ms: number;
}

export class SoakClient {
  // New connection per request: a kept-alive socket the server closes (keepAliveTimeout) just as
  // it is reused would show up as a spurious network error.
  private readonly agent = new http.Agent({ keepAlive: false });
  /** Sent as the bearer token once set. */
  token = '';

  constructor(readonly port: number) {}

  /** `path` is below the API prefix (`/health/live`, `/tenants/1/useractions`, …). */
  request(method: string, path: string, opts: { accept?: string; body?: unknown; keep?: boolean }): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const data = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
      const headers: http.OutgoingHttpHeaders = { Accept: opts.accept ?? 'application/json' };
      if (this.token) headers.Authorization = `Bearer ${this.token}`;
      if (data) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': data.length });
      const t = performance.now();
      const req = http.request({ agent: this.agent, host: '127.0.0.1', port: this.port, path: API + path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        let bytes = 0;
        let lines = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
          if (opts.keep || kept < 4096) {
            chunks.push(chunk);
            kept += chunk.length;
          }
        });
        res.on('aborted', () => reject(new Error(`${method} ${path}: response aborted after ${bytes} bytes`)));
        res.on('error', reject);
        res.on('end', () => {
          if (!res.complete) return reject(new Error(`${method} ${path}: incomplete response (${bytes} bytes)`));
          const buf = Buffer.concat(chunks);
          resolve({ status: res.statusCode!, headers: res.headers, bytes, lines, body: (opts.keep ? buf : buf.subarray(0, 4096)).toString('utf8'), ms: performance.now() - t });
        });
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.on('error', reject);
      req.end(data);
    });
  }
}
