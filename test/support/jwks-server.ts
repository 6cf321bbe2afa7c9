import { createPublicKey, generateKeyPairSync, JsonWebKey } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { sign } from 'jsonwebtoken';

/** A signing key of the test "gateway": its private PEM and its public JWK (with kid). */
export interface GatewayKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: string;
  jwk: JsonWebKey & { kid: string; use?: string; alg?: string };
}

export function gatewayKey(kid: string, alg: 'RS256' | 'ES256', jwkExtra: Record<string, unknown> = { use: 'sig', alg }): GatewayKey {
  const pair =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })
      : generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const jwk = { ...createPublicKey(pair.publicKey).export({ format: 'jwk' }), kid, ...jwkExtra };
  return { kid, alg, privateKey: pair.privateKey, jwk };
}

/** A token signed by `key`, its kid in the header (unless `kid: null`); exp 10 minutes ahead unless given. */
export function gatewayToken(key: GatewayKey, claims: Record<string, unknown>, header: { kid?: string | null; alg?: 'RS256' | 'ES256' | 'RS384' | 'PS256' } = {}): string {
  const alg = header.alg ?? key.alg;
  const kid = header.kid === undefined ? key.kid : header.kid;
  return sign(claims, key.privateKey, {
    algorithm: alg,
    ...('exp' in claims ? {} : { expiresIn: 600 }),
    header: { alg, ...(kid === null ? {} : { kid }) } as never,
  });
}

type Mode = { kind: 'ok' } | { kind: 'status'; status: number } | { kind: 'body'; body: string } | { kind: 'hang' };

/**
 * The gateway's JWKS endpoint on 127.0.0.1 (port 0). Counts every request it receives, and lets a
 * test wait for the n-th one (no sleeps). `publish` swaps the key set; `fail`/`hang`/`garbage`
 * simulate outages; `close` takes the port away.
 */
export class JwksServer {
  requests = 0;
  private keys: object[] = [];
  private mode: Mode = { kind: 'ok' };
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  private readonly hanging = new Set<http.ServerResponse>();

  private readonly server = http.createServer((req, res) => this.handle(req, res));
  /** The JWKS URL (after {@link start}). */
  url = '';

  private constructor() {}

  static async start(keys: GatewayKey[] = []): Promise<JwksServer> {
    const self = new JwksServer();
    await new Promise<void>((resolve) => self.server.listen(0, '127.0.0.1', () => resolve()));
    self.url = `http://127.0.0.1:${(self.server.address() as AddressInfo).port}/.well-known/jwks.json`;
    self.publish(keys);
    return self;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests++;
    for (const w of this.waiters.filter((x) => this.requests >= x.n)) w.resolve();
    this.waiters = this.waiters.filter((x) => this.requests < x.n);
    res.setHeader('Connection', 'close');
    if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
    switch (this.mode.kind) {
      case 'ok':
        res.writeHead(200, { 'Content-Type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: this.keys }));
        return;
      case 'status':
        res.writeHead(this.mode.status, { 'Content-Type': 'text/plain' }).end('unavailable');
        return;
      case 'body':
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(this.mode.body);
        return;
      case 'hang':
        this.hanging.add(res);
        return;
    }
  }

  /** Serves these keys (public JWKs, or raw objects for malformed entries) from now on. */
  publish(keys: Array<GatewayKey | object>): void {
    this.keys = keys.map((k) => ('jwk' in k && 'privateKey' in k ? (k as GatewayKey).jwk : k));
    this.mode = { kind: 'ok' };
  }

  fail(status: number): void {
    this.mode = { kind: 'status', status };
  }

  garbage(body: string): void {
    this.mode = { kind: 'body', body };
  }

  /** Accepts requests and never answers them. */
  hang(): void {
    this.mode = { kind: 'hang' };
  }

  /** Resolves once the server has received `n` requests in all. */
  waitForRequests(n: number): Promise<void> {
    if (this.requests >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
