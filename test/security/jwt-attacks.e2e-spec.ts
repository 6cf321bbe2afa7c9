import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { sign, SignOptions } from 'jsonwebtoken';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config/app-config';
import { TestApp } from '../support/test-app';
import { rsaKeyPair } from '../support/fixtures';
import { API, b64url, bearer, call, count, expect401, expectSafe, Reply } from './support';

/**
 * JWT attacks not covered by test/foundation/auth.e2e-spec.ts (which has: no token, garbage,
 * tampered signature and claims, `alg: none` with an empty signature, expired, nbf an hour ahead,
 * a foreign HS256 secret, rights as an array, HS256 keyed with the PEM, wrong/missing iss and aud).
 * Every rejection is a 401 JSON error that says nothing about keys or libraries; nothing is
 * written by a refused ingestion.
 */

const NOW = new Date('2026-03-10T12:00:00.000Z');
const TENANT = 1;
const READ = `${API}/tenants/${TENANT}/useractions`;
const MODULES = `${API}/modules`;
const INGEST = `${API}/tenants/${TENANT}/useractions`;
const TS = 'TENANT_STATISTICS';
const READ_CLAIMS = { rights: { [TENANT]: [TS] } };
const INGEST_CLAIMS = { rights: { [TENANT]: [TS] }, scope: 'statistics:ingest' };
/** Real-time seconds: jsonwebtoken checks exp/nbf (and the service iat) against the wall clock. */
const nowSeconds = () => Math.floor(Date.now() / 1000);

let eventSeq = 0;
const oneEvent = () => ({ userActions: [{ eventId: `jwt-${++eventSeq}`, module: 3, action: 1, created: '2026-03-10T11:00:00.000Z' }] });

function hs256(payload: object, secret: string = DEVELOPMENT_JWT_SECRET, opts: SignOptions = {}): string {
  return sign(payload, secret, { algorithm: 'HS256', ...('exp' in payload ? {} : { expiresIn: 600 }), ...opts });
}

/** A token built by hand: any header, any payload (exp added unless given), HMAC-SHA-* over any key. */
function handHmac(header: Record<string, unknown>, payload: Record<string, unknown>, key: string | Buffer, bits = 256): string {
  const unsigned = `${b64url(header)}.${b64url({ exp: nowSeconds() + 600, ...payload })}`;
  return `${unsigned}.${createHmac(`sha${bits}`, key).update(unsigned).digest('base64url')}`;
}

/** A token with a payload given as raw JSON text (duplicate or prototype keys survive), signed with the development secret. */
function rawPayloadToken(json: string, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  const unsigned = `${b64url(header)}.${Buffer.from(json).toString('base64url')}`;
  return `${unsigned}.${createHmac('sha256', DEVELOPMENT_JWT_SECRET).update(unsigned).digest('base64url')}`;
}


describe('JWT attacks (HS256, development secret)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW });
  });
  afterAll(() => t?.close());

  const get = (headers: Record<string, string | string[]>, path = READ) => call(t, 'GET', path, { headers });
  const post = async (headers: Record<string, string | string[]>, body: unknown = oneEvent(), path = INGEST): Promise<Reply & { written: number }> => {
    const before = await count(t, 'user_action');
    const res = await call(t, 'POST', path, { headers, body });
    return { ...res, written: (await count(t, 'user_action')) - before };
  };

  describe('kid header: the service has one key and never lets kid choose another', () => {
    it.each([
      ['a path', '../../dev/null'],
      ['an absolute path', '/dev/null'],
      ['SQL injection', "' UNION SELECT 'attacker-key' --"],
      ['SQL injection with a comment', "x'; DROP TABLE user_action; --"],
      ['an unknown key id', 'unknown-key-id'],
      ['a URL', 'https://evil.example/jwks.json'],
      ['an empty string', ''],
      ['a number', 7],
      ['an object', { path: '/dev/null' }],
    ])('a correctly signed token with kid = %s is accepted the same as without kid (200): kid is ignored', async (_what, kid) => {
      const token = handHmac({ alg: 'HS256', typ: 'JWT', kid }, READ_CLAIMS, DEVELOPMENT_JWT_SECRET);
      const res = await get(bearer(token));
      expectSafe(res);
      expect(res.status).toBe(200);
    });

    it.each([
      ['kid → /dev/null, signed with an empty key', '../../dev/null', ''],
      ['kid → /dev/null, signed with a NUL byte', '/dev/null', '\u0000'],
      ['kid → a file of the service, signed with its content', '../../package.json', readFileSync('package.json', 'utf8')],
      ['kid with SQL injection, signed with the value it selects', "' UNION SELECT 'attacker-key' --", 'attacker-key'],
      ['an unknown kid, signed with the kid itself', 'unknown-key-id', 'unknown-key-id'],
      ['a URL kid, signed with the attacker key it names', 'https://evil.example/jwks.json', 'evil-key-evil-key-evil-key-evil!'],
    ])('%s → 401, and a forged ingestion writes nothing', async (_what, kid, key) => {
      expect401(await get(bearer(handHmac({ alg: 'HS256', typ: 'JWT', kid }, READ_CLAIMS, key))));
      const res = await post(bearer(handHmac({ alg: 'HS256', typ: 'JWT', kid }, INGEST_CLAIMS, key)));
      expect401(res);
      expect(res.written).toBe(0);
    });

    it('jku / x5u / jwk headers pointing at an attacker key → 401 (the HS256 service only knows its secret)', async () => {
      const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const jwk = attacker.publicKey.export({ format: 'jwk' });
      for (const extra of [{ jwk }, { jku: 'https://evil.example/jwks.json' }, { x5u: 'https://evil.example/cert.pem' }]) {
        const token = sign(READ_CLAIMS, attacker.privateKey, { algorithm: 'RS256', expiresIn: 600, header: { alg: 'RS256', ...extra } as never });
        expect401(await get(bearer(token)));
        const hmac = handHmac({ alg: 'HS256', ...extra }, READ_CLAIMS, 'evil-key-evil-key-evil-key-evil!');
        expect401(await get(bearer(hmac)));
      }
    });
  });

  describe('time claims', () => {
    it.each([
      ['nbf 60 s in the future (beyond the 5 s tolerance)', () => ({ nbf: nowSeconds() + 60 })],
      ['nbf a year in the future', () => ({ nbf: nowSeconds() + 365 * 86_400 })],
      ['nbf as a string', () => ({ nbf: String(nowSeconds() - 60) })],
      ['nbf null', () => ({ nbf: null })],
      ['iat a year in the future', () => ({ iat: nowSeconds() + 365 * 86_400 })],
      ['iat 60 s in the future', () => ({ iat: nowSeconds() + 60 })],
      ['iat as a string', () => ({ iat: String(nowSeconds()) })],
      ['iat null', () => ({ iat: null })],
      ['exp as a string of a future time', () => ({ exp: String(nowSeconds() + 600) })],
      ['exp as a numeric string far ahead', () => ({ exp: '9999999999' })],
      ['exp null', () => ({ exp: null })],
      ['exp as an object', () => ({ exp: { $gt: 0 } })],
      ['exp true', () => ({ exp: true })],
      ['exp in the past beyond the tolerance', () => ({ exp: nowSeconds() - 10 })],
    ])('%s → 401 (read and ingestion)', async (_what, claims) => {
      expect401(await get(bearer(handHmac({ alg: 'HS256', typ: 'JWT' }, { ...READ_CLAIMS, ...claims() }, DEVELOPMENT_JWT_SECRET))));
      const res = await post(bearer(handHmac({ alg: 'HS256', typ: 'JWT' }, { ...INGEST_CLAIMS, ...claims() }, DEVELOPMENT_JWT_SECRET)));
      expect401(res);
      expect(res.written).toBe(0);
    });

    it.each([
      ['iat now', () => ({ iat: nowSeconds() })],
      ['iat 2 s ahead (within the 5 s clock tolerance)', () => ({ iat: nowSeconds() + 2 })],
      ['iat long ago, exp still ahead', () => ({ iat: 1_000_000_000 })],
      ['nbf 2 s ahead (within the tolerance)', () => ({ nbf: nowSeconds() + 2 })],
      ['nbf in the past', () => ({ nbf: nowSeconds() - 60 })],
    ])('control: %s → 200', async (_what, claims) => {
      const res = await get(bearer(handHmac({ alg: 'HS256', typ: 'JWT' }, { ...READ_CLAIMS, ...claims() }, DEVELOPMENT_JWT_SECRET)));
      expectSafe(res);
      expect(res.status).toBe(200);
    });

    it('the iat message names the claim', async () => {
      const message = expect401(await get(bearer(handHmac({ alg: 'HS256', typ: 'JWT' }, { ...READ_CLAIMS, iat: nowSeconds() + 86_400 }, DEVELOPMENT_JWT_SECRET))));
      expect(message).toContain('iat');
    });
  });

  describe('oversized tokens', () => {
    let port: number;
    beforeAll(async () => {
      const server: http.Server = t.app.getHttpServer();
      if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      port = (server.address() as AddressInfo).port;
    });

    /** A raw request (supertest may fail writing a 1 MB header the server already refused); 10 s deadline. */
    function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
      return new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', headers: { ...headers, Connection: 'close' } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
        req.on('error', reject);
        req.end();
      });
    }

    it.each([
      ['100 kB', 100_000],
      ['1 MB', 1_000_000],
    ])('a %s Authorization header → 431 (Node refuses the headers) or 401, never 5xx and never a hang', async (_what, size) => {
      for (const path of [READ, MODULES]) {
        const token = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${'A'.repeat(size)}.sig`;
        const res = await rawGet(path, { Authorization: `Bearer ${token}` });
        expect([401, 431]).toContain(res.status);
      }
      // the server still answers afterwards
      expect((await get(t.auth([TENANT]))).status).toBe(200);
    });

    it('a 10 kB garbage token (under the header limit) → 401 JSON', async () => {
      expect401(await get(bearer(`${b64url({ alg: 'HS256' })}.${'A'.repeat(10_000)}.${'B'.repeat(43)}`)));
    });

    it('a valid token carrying 8 kB of extra claims → 200 (size alone is no reason to refuse)', async () => {
      const res = await get(bearer(hs256({ ...READ_CLAIMS, pad: 'p'.repeat(8_000) })));
      expectSafe(res);
      expect(res.status).toBe(200);
    });
  });

  describe('a token anywhere but the Authorization header never authenticates', () => {
    it.each(['access_token', 'token', 'jwt', 'id_token', 'bearer', 'authorization'])('?%s=<valid token> → 401 (read, catalog, ingestion)', async (param) => {
      const token = hs256(INGEST_CLAIMS);
      const value = param === 'authorization' ? `Bearer ${token}` : token;
      expect401(await get({}, `${READ}?${param}=${encodeURIComponent(value)}`));
      expect401(await get({}, `${MODULES}?${param}=${encodeURIComponent(value)}`));
      const res = await post({}, oneEvent(), `${INGEST}?${param}=${encodeURIComponent(value)}`);
      expect401(res);
      expect(res.written).toBe(0);
    });

    it('a token in a cookie, in X-Access-Token / X-Auth-Token / Proxy-Authorization, or in the body → 401', async () => {
      const token = hs256(INGEST_CLAIMS);
      const placements: Array<Record<string, string>> = [
        { Cookie: `access_token=${token}; jwt=${token}` },
        { 'X-Access-Token': token },
        { 'X-Auth-Token': `Bearer ${token}` },
        { 'Proxy-Authorization': `Bearer ${token}` },
      ];
      for (const headers of placements) {
        expect401(await get(headers));
        const res = await post(headers);
        expect401(res);
        expect(res.written).toBe(0);
      }
      const res = await post({}, { ...oneEvent(), access_token: token });
      expect401(res);
      expect(res.written).toBe(0);
    });
  });

  describe('the rights claim', () => {
    it.each([
      ['a string', TS],
      ['a number', 1],
      ['true', true],
      ['a list of lists', [[TS]]],
      ['tenant → a string instead of a list', { [TENANT]: TS }],
      ['tenant → a list of numbers', { [TENANT]: [1, 2] }],
      ['tenant → nested lists', { [TENANT]: [[TS]] }],
      ['tenant → an object', { [TENANT]: { 0: TS } }],
      ['tenant → null', { [TENANT]: null }],
      ['tenant → a list holding null', { [TENANT]: [null] }],
      ['tenant → a list holding an object', { [TENANT]: [{ right: TS }] }],
    ])('rights as %s → 401 naming the claim', async (_what, rights) => {
      const message = expect401(await get(bearer(hs256({ rights }))));
      expect(message).toContain('rights');
      const res = await post(bearer(hs256({ rights, scope: 'statistics:ingest' })));
      expect401(res);
      expect(res.written).toBe(0);
    });

    it.each([
      ['"01"', { '01': [TS] }],
      ['"1.0"', { '1.0': [TS] }],
      ['" 1"', { ' 1': [TS] }],
      ['"1 "', { '1 ': [TS] }],
      ['"+1"', { '+1': [TS] }],
      ['"1e0"', { '1e0': [TS] }],
      ['"0x1"', { '0x1': [TS] }],
      ['"-1"', { '-1': [TS] }],
      ['"*"', { '*': [TS] }],
      ['"" (empty)', { '': [TS] }],
    ])('a right keyed by %s is not a right on tenant 1 → 403 (read and ingestion)', async (_what, rights) => {
      expectSafe(await get(bearer(hs256({ rights }))));
      expect((await get(bearer(hs256({ rights })))).status).toBe(403);
      const res = await post(bearer(hs256({ rights, scope: 'statistics:ingest' })));
      expectSafe(res);
      expect(res.status).toBe(403);
      expect(res.written).toBe(0);
    });

    it('the tenant id as a JSON number key (written {1: …} in JS, "1" in JSON) is the same right → 200', async () => {
      const res = await get(bearer(hs256({ rights: { 1: [TS] } })));
      expect(res.status).toBe(200);
    });

    it.each([
      ['__proto__ → the right list', `{"rights":{"__proto__":["${TS}"]},"exp":%EXP%}`],
      ['__proto__ → an object of tenants', `{"rights":{"__proto__":{"1":["${TS}"]}},"exp":%EXP%}`],
      ['constructor / hasOwnProperty / toString', `{"rights":{"constructor":["${TS}"],"hasOwnProperty":["${TS}"],"toString":["${TS}"]},"exp":%EXP%}`],
      ['a duplicate key: first tenant 1, then empty', `{"rights":{"1":["${TS}"],"1":[]},"exp":%EXP%}`],
    ])('prototype keys in rights (%s) grant nothing and pollute nothing (401 or 403)', async (_what, json) => {
      const res = await get(bearer(rawPayloadToken(json.replace('%EXP%', String(nowSeconds() + 600)))));
      expectSafe(res);
      expect([401, 403]).toContain(res.status);
    });

    it('case and spelling variants of TENANT_STATISTICS are no right → 403', async () => {
      for (const right of ['tenant_statistics', 'Tenant_Statistics', 'TENANT_STATISTICS ', ' TENANT_STATISTICS', 'TENANT-STATISTICS', 'TENANT_STATISTIC', 'TENANT_STATISTICS\u0000', '*', 'ADMIN']) {
        const res = await get(bearer(hs256({ rights: { [TENANT]: [right] } })));
        expectSafe(res);
        expect([right, res.status]).toEqual([right, 403]);
      }
    });
  });

  describe('the scope claim', () => {
    it.each([
      ['an array', ['statistics:ingest']],
      ['a number', 1],
      ['an object', { 'statistics:ingest': true }],
      ['true', true],
    ])('scope as %s → 401 naming the claim, nothing written', async (_what, scope) => {
      const res = await post(bearer(hs256({ rights: { [TENANT]: [TS] }, scope })));
      expect(expect401(res)).toContain('scope');
      expect(res.written).toBe(0);
      expect401(await get(bearer(hs256({ rights: { [TENANT]: [TS] }, scope })), MODULES));
    });

    it.each(['statistics:ingest,openid', 'statistics:ingest2', 'STATISTICS:INGEST', 'statistics:ingest\topenid', 'statistics:*', '*', 'statistics', 'ingest', 'statistics:ingest:1'])(
      'scope %j does not hold statistics:ingest → 403, nothing written',
      async (scope) => {
        const res = await post(bearer(hs256({ rights: { [TENANT]: [TS] }, scope })));
        expectSafe(res);
        expect(res.status).toBe(403);
        expect(res.written).toBe(0);
      },
    );

    it.each(['openid statistics:ingest', ' statistics:ingest ', 'statistics:ingest  profile'])('scope %j (space-separated) holds it → 202', async (scope) => {
      const res = await post(bearer(hs256({ rights: { [TENANT]: [TS] }, scope })));
      expect(res.status).toBe(202);
      expect(res.written).toBe(1);
    });
  });

  describe('the Authorization header itself', () => {
    it.each([
      ['two valid tokens', (ok: string) => [`Bearer ${ok}`, `Bearer ${ok}`]],
      ['a valid one, then garbage', (ok: string) => [`Bearer ${ok}`, 'Bearer garbage']],
      ['garbage, then a valid one', (ok: string) => ['Bearer garbage', `Bearer ${ok}`]],
      ['a foreign tenant’s token, then a valid one', (ok: string, foreign: string) => [`Bearer ${foreign}`, `Bearer ${ok}`]],
      ['a valid bearer and a Basic header', (ok: string) => [`Bearer ${ok}`, 'Basic dXNlcjpwYXNz']],
    ])('duplicate Authorization headers (%s) → 401 whatever the order, nothing written', async (_what, headers) => {
      const values = headers(hs256(INGEST_CLAIMS), hs256({ rights: { 2: [TS] }, scope: 'statistics:ingest' }));
      const message = expect401(await get({ Authorization: values }));
      expect(message).toContain('more than one Authorization header');
      const res = await post({ Authorization: values });
      expect401(res);
      expect(res.written).toBe(0);
    });

    it.each([
      ['lowercase bearer', (tok: string) => `bearer ${tok}`],
      ['uppercase BEARER', (tok: string) => `BEARER ${tok}`],
      ['several spaces', (tok: string) => `Bearer    ${tok}`],
      ['a tab', (tok: string) => `Bearer\t${tok}`],
    ])('%s is the same scheme (RFC 7235: case-insensitive, 1*SP) → 200', async (_what, header) => {
      const res = await get({ Authorization: header(t.token([TENANT])) });
      expect(res.status).toBe(200);
    });

    it.each([
      ['no space', (tok: string) => `Bearer${tok}`],
      ['another scheme', (tok: string) => `Token ${tok}`],
      ['JWT scheme', (tok: string) => `JWT ${tok}`],
      ['a colon after Bearer', (tok: string) => `Bearer: ${tok}`],
      ['a character appended', (tok: string) => `Bearer ${tok}x`],
      ['a fourth segment', (tok: string) => `Bearer ${tok}.`],
      ['the token twice, comma-separated', (tok: string) => `Bearer ${tok},${tok}`],
      ['the token percent-encoded', (tok: string) => `Bearer ${encodeURIComponent(tok).replace(/\./g, '%2E')}`],
    ])('%s → 401', async (_what, header) => {
      expect401(await get({ Authorization: header(t.token([TENANT])) }));
    });
  });

  describe('alg none and friends', () => {
    const claims = () => ({ ...INGEST_CLAIMS, exp: nowSeconds() + 600 });

    it.each([
      ['alg none without a signature segment (two segments)', () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}`],
      ['alg none with a real HS256 signature appended', () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.${hs256(INGEST_CLAIMS).split('.')[2]}`],
      ['alg None', () => `${b64url({ alg: 'None', typ: 'JWT' })}.${b64url(claims())}.`],
      ['alg NONE', () => `${b64url({ alg: 'NONE', typ: 'JWT' })}.${b64url(claims())}.`],
      ['alg nOnE', () => `${b64url({ alg: 'nOnE', typ: 'JWT' })}.${b64url(claims())}.`],
      ['no alg at all', () => `${b64url({ typ: 'JWT' })}.${b64url(claims())}.`],
      ['alg empty', () => `${b64url({ alg: '', typ: 'JWT' })}.${b64url(claims())}.`],
      ['alg none, HMAC over the empty key', () => handHmac({ alg: 'none' }, claims(), '')],
      ['alg HS256 without a signature', () => `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims())}.`],
      ['alg HS512 keyed with the right secret (only HS256 is accepted)', () => handHmac({ alg: 'HS512', typ: 'JWT' }, claims(), DEVELOPMENT_JWT_SECRET, 512)],
      ['alg HS384 keyed with the right secret', () => handHmac({ alg: 'HS384', typ: 'JWT' }, claims(), DEVELOPMENT_JWT_SECRET, 384)],
    ])('%s → 401, nothing written', async (_what, token) => {
      expect401(await get(bearer(token())));
      const res = await post(bearer(token()));
      expect401(res);
      expect(res.written).toBe(0);
    });
  });
});

describe('JWT attacks with JWT_PUBLIC_KEY (RS256): algorithm confusion', () => {
  const rsa = rsaKeyPair();
  const attacker = rsaKeyPair();
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { JWT_PUBLIC_KEY: rsa.publicKey } });
  });
  afterAll(() => t?.close());

  const get = (token: string) => call(t, 'GET', READ, { headers: bearer(token) });
  const post = async (token: string) => {
    const before = await count(t, 'user_action');
    const res = await call(t, 'POST', INGEST, { headers: bearer(token), body: oneEvent() });
    return { ...res, written: (await count(t, 'user_action')) - before };
  };
  const rs = (payload: object, alg: 'RS256' | 'RS384' | 'RS512' | 'PS256' = 'RS256', key = rsa.privateKey, header: Record<string, unknown> = {}) =>
    sign(payload, key, { algorithm: alg, expiresIn: 600, header: { alg, ...header } as never });

  it('control: RS256 with the matching key → 200 / 202, whatever kid says', async () => {
    expect((await get(rs(READ_CLAIMS))).status).toBe(200);
    expect((await get(rs(READ_CLAIMS, 'RS256', rsa.privateKey, { kid: '../../dev/null' }))).status).toBe(200);
    expect((await get(rs(READ_CLAIMS, 'RS256', rsa.privateKey, { kid: "' OR 1=1 --" }))).status).toBe(200);
    expect((await post(rs(INGEST_CLAIMS))).written).toBe(1);
  });

  const der = createPublicKey(rsa.publicKey).export({ format: 'der', type: 'spki' });
  const pemBody = rsa.publicKey.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

  it.each([
    ['HS256 keyed with the PEM', () => handHmac({ alg: 'HS256', typ: 'JWT' }, INGEST_CLAIMS, rsa.publicKey)],
    ['HS384 keyed with the PEM', () => handHmac({ alg: 'HS384', typ: 'JWT' }, INGEST_CLAIMS, rsa.publicKey, 384)],
    ['HS512 keyed with the PEM', () => handHmac({ alg: 'HS512', typ: 'JWT' }, INGEST_CLAIMS, rsa.publicKey, 512)],
    ['HS256 keyed with the PEM without its final newline', () => handHmac({ alg: 'HS256', typ: 'JWT' }, INGEST_CLAIMS, rsa.publicKey.trimEnd())],
    ['HS256 keyed with the DER bytes of the key', () => handHmac({ alg: 'HS256', typ: 'JWT' }, INGEST_CLAIMS, der)],
    ['HS256 keyed with the base64 body of the PEM', () => handHmac({ alg: 'HS256', typ: 'JWT' }, INGEST_CLAIMS, pemBody)],
    ['RS256 in the header, an HMAC over the PEM as signature', () => handHmac({ alg: 'RS256', typ: 'JWT' }, INGEST_CLAIMS, rsa.publicKey)],
    ['RS384 with the right private key (only RS256/ES256 accepted)', () => rs(INGEST_CLAIMS, 'RS384')],
    ['RS512 with the right private key', () => rs(INGEST_CLAIMS, 'RS512')],
    ['PS256 with the right private key', () => rs(INGEST_CLAIMS, 'PS256')],
    [
      'ES256 in the header over an RSA signature',
      () => {
        const unsigned = `${b64url({ alg: 'ES256', typ: 'JWT' })}.${b64url({ ...INGEST_CLAIMS, exp: nowSeconds() + 600 })}`;
        return `${unsigned}.${cryptoSign('sha256', Buffer.from(unsigned), createPrivateKey(rsa.privateKey)).toString('base64url')}`;
      },
    ],
    ['RS256 by an attacker key embedded as jwk', () => rs(INGEST_CLAIMS, 'RS256', attacker.privateKey, { jwk: createPublicKey(attacker.publicKey).export({ format: 'jwk' }) })],
    ['RS256 by an attacker key named by jku', () => rs(INGEST_CLAIMS, 'RS256', attacker.privateKey, { jku: 'https://evil.example/jwks.json', kid: 'evil' })],
    ['RS256 by an attacker key named by x5u', () => rs(INGEST_CLAIMS, 'RS256', attacker.privateKey, { x5u: 'https://evil.example/cert.pem' })],
    ['RS256 by an attacker key with x5c carrying garbage', () => rs(INGEST_CLAIMS, 'RS256', attacker.privateKey, { x5c: ['MIIB'] })],
    ['alg none', () => `${b64url({ alg: 'none' })}.${b64url({ ...INGEST_CLAIMS, exp: nowSeconds() + 600 })}.`],
    [
      'a hand-made RS256 signature over a different payload',
      () => {
        const header = b64url({ alg: 'RS256', typ: 'JWT' });
        const sig = cryptoSign('sha256', Buffer.from(`${header}.${b64url({ sub: 'x', exp: nowSeconds() + 600 })}`), createPrivateKey(rsa.privateKey)).toString('base64url');
        return `${header}.${b64url({ ...INGEST_CLAIMS, exp: nowSeconds() + 600 })}.${sig}`;
      },
    ],
  ])('%s → 401, nothing written', async (_what, token) => {
    expect401(await get(token()));
    const res = await post(token());
    expect401(res);
    expect(res.written).toBe(0);
  });
});

describe('JWT attacks with JWT_ISSUER and JWT_AUDIENCE set', () => {
  const ISSUER = 'https://auth.example.com/';
  const AUDIENCE = 'statistics-api';
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE } });
  });
  afterAll(() => t?.close());

  const token = (claims: Record<string, unknown>) => handHmac({ alg: 'HS256', typ: 'JWT' }, { ...INGEST_CLAIMS, iss: ISSUER, aud: AUDIENCE, ...claims }, DEVELOPMENT_JWT_SECRET);

  it('control: the right issuer and audience → 200 and 202', async () => {
    expect((await call(t, 'GET', READ, { headers: bearer(token({})) })).status).toBe(200);
    expect((await call(t, 'POST', INGEST, { headers: bearer(token({})), body: oneEvent() })).status).toBe(202);
  });

  it.each([
    ['iss without the trailing slash', { iss: 'https://auth.example.com' }, 'issuer'],
    ['iss in capitals', { iss: 'HTTPS://AUTH.EXAMPLE.COM/' }, 'issuer'],
    ['iss with a trailing space', { iss: `${ISSUER} ` }, 'issuer'],
    ['iss as a list holding the issuer', { iss: [ISSUER] }, 'issuer'],
    ['iss on another host with the issuer as path', { iss: `https://evil.example/${ISSUER}` }, 'issuer'],
    ['iss null', { iss: null }, 'issuer'],
    ['aud in other case', { aud: 'Statistics-API' }, 'audience'],
    ['aud with a trailing space', { aud: `${AUDIENCE} ` }, 'audience'],
    ['aud as a list without it', { aud: ['other-api', 'statistics'] }, 'audience'],
    ['aud as an empty list', { aud: [] }, 'audience'],
    ['aud as a number', { aud: 1 }, 'audience'],
    ['aud as an object', { aud: { aud: AUDIENCE } }, 'audience'],
    ['aud as a prefix', { aud: 'statistics' }, 'audience'],
  ])('%s → 401 naming the %s, nothing written', async (_what, claims, named) => {
    const res = await call(t, 'GET', READ, { headers: bearer(token(claims)) });
    expect(expect401(res)).toContain(named);
    const before = await count(t, 'user_action');
    expect401(await call(t, 'POST', INGEST, { headers: bearer(token(claims)), body: oneEvent() }));
    expect(await count(t, 'user_action')).toBe(before);
  });
});
