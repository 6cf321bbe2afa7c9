import { createHmac, generateKeyPairSync } from 'node:crypto';
import { sign, SignOptions } from 'jsonwebtoken';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config/app-config';
import { TestApp } from '../support/test-app';
import { rsaKeyPair } from '../support/fixtures';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const MODULES = '/v2/statistics/modules';
const INGEST = (tenant: string | number) => `/v2/statistics/tenants/${tenant}/useractions`;
const ONE_EVENT = { userActions: [{ eventId: 'auth-1', module: 3, action: 1, created: '2026-03-10T11:00:00.000Z' }] };
const INGEST_CLAIMS = { rights: { '1': ['TENANT_STATISTICS'] }, scope: 'statistics:ingest' };

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** Real-time seconds: jsonwebtoken checks exp/nbf against the wall clock, not the app's test clock. */
const nowSeconds = () => Math.floor(Date.now() / 1000);

function hs256(payload: object, secret = DEVELOPMENT_JWT_SECRET, opts: SignOptions = {}): string {
  return sign(payload, secret, { algorithm: 'HS256', ...('exp' in payload ? {} : { expiresIn: 600 }), ...opts });
}

/** A token signed by hand with HMAC-SHA256 over any key material (sign() refuses a PEM as an HMAC secret). */
function handHs256(payload: object, key: string): string {
  const unsigned = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ exp: nowSeconds() + 600, ...payload })}`;
  return `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
}

function bearer(token: string) {
  return { Authorization: `Bearer ${token}` };
}

/** Every error answer is exactly `{ statusCode, error, message }`, as JSON. */
function expectError(res: { status: number; body: unknown; headers: Record<string, string> }, status: number, error: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body as object).sort()).toEqual(['error', 'message', 'statusCode']);
  const body = res.body as { statusCode: number; error: string; message: unknown };
  expect(body.statusCode).toBe(status);
  expect(body.error).toBe(error);
  expect(typeof body.message).toBe('string');
  return body.message as string;
}

describe('auth (development secret, HS256)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW });
  });
  beforeEach(() => t.reset());
  afterAll(() => t.close());

  const get = (headers: Record<string, string> = {}) => t.http.get(MODULES).set(headers);
  const post = (headers: Record<string, string> = {}, tenant: string | number = 1) => t.http.post(INGEST(tenant)).set(headers).send(ONE_EVENT);

  describe.each([
    ['GET modules', (h?: Record<string, string>) => get(h)],
    ['POST useractions', (h?: Record<string, string>) => post(h)],
  ])('%s answers 401', (_route, call) => {
    it('without a token', async () => {
      expect(expectError(await call(), 401, 'Unauthorized')).toContain('bearer token');
    });

    it.each([
      ['a non-JWT bearer', 'Bearer abc'],
      ['three garbage segments', 'Bearer a.b.c'],
      ['an empty bearer', 'Bearer '],
      ['another scheme', `Basic ${Buffer.from('user:pass').toString('base64')}`],
    ])('with a malformed token (%s)', async (_what, header) => {
      expectError(await call({ Authorization: header }), 401, 'Unauthorized');
    });

    it('with a token whose signature was tampered with', async () => {
      const token = hs256(INGEST_CLAIMS);
      const [h, p, s] = token.split('.');
      const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
      expectError(await call(bearer(`${h}.${p}.${flipped}`)), 401, 'Unauthorized');
    });

    it('with a token whose claims were changed after signing', async () => {
      const [h, , s] = hs256({ rights: {}, scope: '' }).split('.');
      const forged = b64url({ ...INGEST_CLAIMS, exp: nowSeconds() + 600 });
      expectError(await call(bearer(`${h}.${forged}.${s}`)), 401, 'Unauthorized');
    });

    it('with an `alg: none` token', async () => {
      const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...INGEST_CLAIMS, exp: nowSeconds() + 600 })}.`;
      expectError(await call(bearer(unsigned)), 401, 'Unauthorized');
    });

    it('with an expired token', async () => {
      const expired = hs256({ ...INGEST_CLAIMS, exp: nowSeconds() - 60 });
      expect(expectError(await call(bearer(expired)), 401, 'Unauthorized')).toContain('expired');
    });

    it('with a token that is not valid yet', async () => {
      const early = hs256({ ...INGEST_CLAIMS, nbf: nowSeconds() + 3600 });
      expectError(await call(bearer(early)), 401, 'Unauthorized');
    });

    it('with an HS256 token signed with a different secret', async () => {
      expectError(await call(bearer(hs256(INGEST_CLAIMS, 'some-other-secret-of-a-different-issuer!'))), 401, 'Unauthorized');
    });

    it('with a token whose rights claim is not an object of lists', async () => {
      const message = expectError(await call(bearer(hs256({ rights: ['TENANT_STATISTICS'], scope: 'statistics:ingest' }))), 401, 'Unauthorized');
      expect(message).toContain('rights');
    });
  });

  it('GET modules answers 200 to any valid token, even one without rights or scope', async () => {
    await get(bearer(hs256({ sub: 'nobody' }))).expect(200);
    await get(t.auth([5])).expect(200);
  });

  it('POST useractions answers 202 to a token with the scope and a right on the tenant', async () => {
    await post(bearer(hs256(INGEST_CLAIMS))).expect(202, { accepted: 1, duplicates: 0 });
  });

  it('ingestion without the statistics:ingest scope → 403', async () => {
    expect(expectError(await post(t.auth([1])), 403, 'Forbidden')).toContain('statistics:ingest');
    expectError(await post(bearer(hs256({ rights: { '1': ['TENANT_STATISTICS'] }, scope: 'openid profile' }))), 403, 'Forbidden');
    const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM user_action');
    expect(Number(n)).toBe(0);
  });

  it("ingestion into another tenant's id → 403, and nothing is stored", async () => {
    expect(expectError(await post(t.auth([1], { ingest: true }), 2), 403, 'Forbidden')).toContain('tenant 2');
    const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM user_action');
    expect(Number(n)).toBe(0);
  });

  it('a token holding rights on several tenants may ingest into each of them', async () => {
    const h = t.auth([1, 2], { ingest: true });
    await post(h, 1).expect(202, { accepted: 1, duplicates: 0 });
    await post(h, 2).expect(202, { accepted: 1, duplicates: 0 });
  });

  it.each(['abc', '0', '-1', '1.5', '01'])('an invalid tenant id %j → 400 naming id', async (id) => {
    const message = expectError(await post(t.auth([1], { ingest: true }), id), 400, 'Bad Request');
    expect(message).toMatch(/^id /);
  });

  it('an invalid tenant id without a token is still 401 (identity is checked first)', async () => {
    expectError(await post({}, 'abc'), 401, 'Unauthorized');
  });
});

describe('auth with JWT_ISSUER and JWT_AUDIENCE', () => {
  let t: TestApp;
  const ISSUER = 'https://auth.example.com/';
  const AUDIENCE = 'statistics-api';
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE } });
  });
  afterAll(() => t.close());

  it('accepts the right issuer and audience (200)', async () => {
    await t.http.get(MODULES).set(bearer(hs256({}, DEVELOPMENT_JWT_SECRET, { issuer: ISSUER, audience: AUDIENCE }))).expect(200);
    await t.http.get(MODULES).set(bearer(hs256({ aud: ['other', AUDIENCE] }, DEVELOPMENT_JWT_SECRET, { issuer: ISSUER }))).expect(200);
  });

  it.each([
    ['a wrong issuer', { issuer: 'https://evil.example.com/', audience: AUDIENCE }, 'issuer'],
    ['no issuer', { audience: AUDIENCE }, 'issuer'],
    ['a wrong audience', { issuer: ISSUER, audience: 'another-api' }, 'audience'],
    ['no audience', { issuer: ISSUER }, 'audience'],
  ])('rejects %s (401)', async (_what, opts, named) => {
    const res = await t.http.get(MODULES).set(bearer(hs256({}, DEVELOPMENT_JWT_SECRET, opts as SignOptions)));
    expect(expectError(res, 401, 'Unauthorized')).toContain(named);
  });
});

describe('auth with JWT_PUBLIC_KEY (RS256 / ES256)', () => {
  const rsa = rsaKeyPair();
  const otherRsa = rsaKeyPair();
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { JWT_PUBLIC_KEY: rsa.publicKey } });
  });
  beforeEach(() => t.reset());
  afterAll(() => t.close());

  const rs256 = (payload: object, key = rsa.privateKey) => sign(payload, key, { algorithm: 'RS256', expiresIn: 600 });

  it('accepts an RS256 token signed with the matching private key (200 / 202)', async () => {
    await t.http.get(MODULES).set(bearer(rs256({ sub: 'svc' }))).expect(200);
    await t.http.post(INGEST(1)).set(bearer(rs256(INGEST_CLAIMS))).send(ONE_EVENT).expect(202, { accepted: 1, duplicates: 0 });
  });

  it('rejects an RS256 token signed with another private key (401)', async () => {
    expectError(await t.http.get(MODULES).set(bearer(rs256({}, otherRsa.privateKey))), 401, 'Unauthorized');
  });

  it('rejects an HS256 token whose HMAC secret is the PEM public key — algorithm confusion (401)', async () => {
    for (const key of [rsa.publicKey, rsa.publicKey.trim()]) {
      expectError(await t.http.get(MODULES).set(bearer(handHs256(INGEST_CLAIMS, key))), 401, 'Unauthorized');
      expectError(await t.http.post(INGEST(1)).set(bearer(handHs256(INGEST_CLAIMS, key))).send(ONE_EVENT), 401, 'Unauthorized');
    }
    const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM user_action');
    expect(Number(n)).toBe(0);
  });

  it('rejects a token signed with the development secret (401)', async () => {
    expectError(await t.http.get(MODULES).set(bearer(hs256({}))), 401, 'Unauthorized');
  });

  it('rejects an `alg: none` token (401)', async () => {
    const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ exp: nowSeconds() + 600 })}.`;
    expectError(await t.http.get(MODULES).set(bearer(unsigned)), 401, 'Unauthorized');
  });

  it('rejects an expired RS256 token (401)', async () => {
    const expired = sign({ exp: nowSeconds() - 60 }, rsa.privateKey, { algorithm: 'RS256' });
    expectError(await t.http.get(MODULES).set(bearer(expired)), 401, 'Unauthorized');
  });
});

describe('auth with an EC JWT_PUBLIC_KEY (ES256)', () => {
  const ec = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.create({ now: NOW, env: { JWT_PUBLIC_KEY: ec.publicKey } });
  });
  afterAll(() => t.close());

  it('accepts an ES256 token (200) and rejects an HS256 one keyed with the public key (401)', async () => {
    await t.http.get(MODULES).set(bearer(sign({}, ec.privateKey, { algorithm: 'ES256', expiresIn: 600 }))).expect(200);
    expectError(await t.http.get(MODULES).set(bearer(handHs256({}, ec.publicKey))), 401, 'Unauthorized');
  });
});
