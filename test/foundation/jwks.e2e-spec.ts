import { createHmac } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { JwksKeyStore } from '../../src/auth/jwks-key-store';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config/app-config';
import { API, b64url, bearer, call, count, expect401, expectSafe, Reply } from '../security/support';
import { gatewayKey, GatewayKey, gatewayToken, JwksServer } from '../support/jwks-server';
import { TestApp } from '../support/test-app';

/**
 * JWT_JWKS_URL: the gateway's keys from a JWKS server this suite runs on 127.0.0.1. The key store
 * takes its time from the app's clock, so cooldowns and cache ages pass by moving that clock
 * (no sleeps); JWKS requests are counted on the server.
 */

const NOW = new Date('2026-03-10T12:00:00.000Z');
const TENANT = 1;
const READ = `${API}/tenants/${TENANT}/useractions`;
const INGEST = `${API}/tenants/${TENANT}/useractions`;
const READ_CLAIMS = { sub: 'gateway-user', rights: { [TENANT]: ['TENANT_STATISTICS'] } };
const INGEST_CLAIMS = { ...READ_CLAIMS, scope: 'statistics:ingest' };
/** The defaults of JWT_JWKS_COOLDOWN_MS and JWT_JWKS_CACHE_MAX_AGE_MS. */
const COOLDOWN_MS = 30_000;
const MAX_AGE_MS = 600_000;
const nowSeconds = () => Math.floor(Date.now() / 1000);

let eventSeq = 0;
const oneEvent = () => ({ userActions: [{ eventId: `jwks-${++eventSeq}`, module: 3, action: 1, created: '2026-03-10T11:00:00.000Z' }] });

interface Setup {
  t: TestApp;
  server: JwksServer;
  get: (token: string) => Promise<Reply>;
  /** Moves the app's clock (the key store's time) forward. */
  advance: (ms: number) => void;
}

async function setUp(keys: GatewayKey[], env: Record<string, string> = {}): Promise<Setup> {
  const server = await JwksServer.start(keys);
  const t = await TestApp.create({ now: NOW, env: { JWT_JWKS_URL: server.url, ...env } });
  return {
    t,
    server,
    get: (token) => call(t, 'GET', READ, { headers: bearer(token) }),
    advance: (ms) => t.clock.set(new Date(t.clock.now().getTime() + ms)),
  };
}

async function tearDown(s: Setup | undefined): Promise<void> {
  await s?.t.close();
  await s?.server.close();
}

describe('JWKS key source: keys, algorithms and claims', () => {
  const rsa = gatewayKey('rsa-2026-03', 'RS256');
  const ec = gatewayKey('ec-2026-03', 'ES256');
  const noAlg = gatewayKey('rsa-no-alg', 'RS256', {});
  const rs512 = gatewayKey('rsa-rs512-only', 'RS256', { use: 'sig', alg: 'RS512' });
  const encryption = gatewayKey('rsa-enc', 'RS256', { use: 'enc' });
  const hmacKey = 'an-hmac-key-someone-published-in-the-jwks!';
  const oct = { kty: 'oct', kid: 'hmac', k: Buffer.from(hmacKey).toString('base64url'), alg: 'HS256' };
  let s: Setup;
  beforeAll(async () => {
    s = await setUp([]);
    s.server.publish([rsa, ec, noAlg, rs512, encryption, oct]);
  });
  afterAll(() => tearDown(s));

  it('an RS256 and an ES256 token, each picked by its kid → 200, and ingestion → 202; the set is fetched once', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await s.get(gatewayToken(rsa, READ_CLAIMS))).status).toBe(200);
      expect((await s.get(gatewayToken(ec, READ_CLAIMS))).status).toBe(200);
    }
    const before = await count(s.t, 'user_action');
    const res = await call(s.t, 'POST', INGEST, { headers: bearer(gatewayToken(ec, INGEST_CLAIMS)), body: oneEvent() });
    expect(res.status).toBe(202);
    expect(await count(s.t, 'user_action')).toBe(before + 1);
    expect((await s.get(gatewayToken(noAlg, READ_CLAIMS))).status).toBe(200);
    expect(s.server.requests).toBe(1);
  });

  it('rights and scope come from the claims as with the other key sources (403 for another tenant, 403 without the scope)', async () => {
    expect((await call(s.t, 'GET', `${API}/tenants/2/useractions`, { headers: bearer(gatewayToken(rsa, READ_CLAIMS)) })).status).toBe(403);
    expect((await call(s.t, 'POST', INGEST, { headers: bearer(gatewayToken(rsa, READ_CLAIMS)), body: oneEvent() })).status).toBe(403);
  });

  it('a token without kid → 401 naming kid, even when one key would fit', async () => {
    const message = expect401(await s.get(gatewayToken(rsa, READ_CLAIMS, { kid: null })));
    expect(message).toContain('kid');
  });

  it.each([
    ['ES256 signed by an EC key, kid naming the RSA key', () => gatewayToken(ec, READ_CLAIMS, { kid: rsa.kid })],
    ['RS256 signed by the RSA key, kid naming the EC key', () => gatewayToken(rsa, READ_CLAIMS, { kid: ec.kid })],
    ['RS256 for a JWK whose alg is RS512', () => gatewayToken(rs512, READ_CLAIMS)],
    ['RS256 for a JWK whose use is enc', () => gatewayToken(encryption, READ_CLAIMS)],
    ['RS384 by the right RSA key (only RS256 for RSA)', () => gatewayToken(noAlg, READ_CLAIMS, { alg: 'RS384' })],
    ['PS256 by the right RSA key', () => gatewayToken(noAlg, READ_CLAIMS, { alg: 'PS256' })],
    ['RS256 by the RSA key with a signature over other claims', () => {
      const [h, , sig] = gatewayToken(rsa, { sub: 'x' }).split('.');
      return `${h}.${b64url({ ...INGEST_CLAIMS, exp: nowSeconds() + 600 })}.${sig}`;
    }],
  ])('%s → 401, no JWKS fetch for a kid the set holds', async (_what, token) => {
    s.advance(COOLDOWN_MS);
    const before = s.server.requests;
    expect401(await s.get(token()));
    expect(s.server.requests).toBe(before);
  });

  it.each([
    ['HS256 with the development secret and the RSA kid', () => sign(READ_CLAIMS, DEVELOPMENT_JWT_SECRET, { algorithm: 'HS256', keyid: rsa.kid, expiresIn: 600 })],
    ['HS256 keyed with the oct key the JWKS publishes', () => sign(READ_CLAIMS, hmacKey, { algorithm: 'HS256', keyid: 'hmac', expiresIn: 600 })],
    ['HS256 keyed with the RSA modulus', () => {
      const unsigned = `${b64url({ alg: 'HS256', kid: rsa.kid })}.${b64url({ ...READ_CLAIMS, exp: nowSeconds() + 600 })}`;
      return `${unsigned}.${createHmac('sha256', String(rsa.jwk.n)).update(unsigned).digest('base64url')}`;
    }],
    ['alg none with the RSA kid', () => `${b64url({ alg: 'none', kid: rsa.kid })}.${b64url({ ...READ_CLAIMS, exp: nowSeconds() + 600 })}.`],
    ['RS256 by an attacker key embedded as jwk, kid of the RSA key', () => {
      const attacker = gatewayKey(rsa.kid, 'RS256');
      return sign(READ_CLAIMS, attacker.privateKey, { algorithm: 'RS256', expiresIn: 600, header: { alg: 'RS256', kid: rsa.kid, jwk: attacker.jwk } as never });
    }],
    ['RS256 by an attacker key named by jku', () => {
      const attacker = gatewayKey('evil', 'RS256');
      return sign(READ_CLAIMS, attacker.privateKey, { algorithm: 'RS256', expiresIn: 600, header: { alg: 'RS256', kid: rsa.kid, jku: 'http://127.0.0.1:1/jwks.json' } as never });
    }],
    ['a garbage token', () => 'a.b.c'],
  ])('%s → 401', async (_what, token) => {
    expect401(await s.get(token()));
  });

  it('keeps the time checks: expired → 401, exp within the 5 s tolerance → 200, iat in the future → 401 naming iat, nbf ahead → 401', async () => {
    expect(expect401(await s.get(gatewayToken(rsa, { ...READ_CLAIMS, exp: nowSeconds() - 60 })))).toContain('expired');
    expect((await s.get(gatewayToken(rsa, { ...READ_CLAIMS, exp: nowSeconds() - 2 }))).status).toBe(200);
    expect(expect401(await s.get(gatewayToken(ec, { ...READ_CLAIMS, iat: nowSeconds() + 3600 })))).toContain('iat');
    expect401(await s.get(gatewayToken(ec, { ...READ_CLAIMS, nbf: nowSeconds() + 3600 })));
  });

  it('keeps the claim checks: rights as a list → 401 naming rights, scope as a list → 401 naming scope', async () => {
    expect(expect401(await s.get(gatewayToken(rsa, { rights: ['TENANT_STATISTICS'] })))).toContain('rights');
    expect(expect401(await s.get(gatewayToken(rsa, { ...READ_CLAIMS, scope: ['statistics:ingest'] })))).toContain('scope');
  });
});

describe('JWKS key source with JWT_ISSUER and JWT_AUDIENCE', () => {
  const rsa = gatewayKey('rsa-iss', 'RS256');
  let s: Setup;
  beforeAll(async () => {
    s = await setUp([rsa], { JWT_ISSUER: 'https://gateway.example.com/', JWT_AUDIENCE: 'statistics-api' });
  });
  afterAll(() => tearDown(s));

  it('the right issuer and audience → 200; another issuer or audience → 401 naming it', async () => {
    const claims = { ...READ_CLAIMS, iss: 'https://gateway.example.com/', aud: 'statistics-api' };
    expect((await s.get(gatewayToken(rsa, claims))).status).toBe(200);
    expect(expect401(await s.get(gatewayToken(rsa, { ...claims, iss: 'https://evil.example/' })))).toContain('issuer');
    expect(expect401(await s.get(gatewayToken(rsa, { ...claims, aud: 'other-api' })))).toContain('audience');
    expect401(await s.get(gatewayToken(rsa, READ_CLAIMS)));
  });
});

describe('JWKS key source: unknown kids and refreshes', () => {
  const rsa = gatewayKey('rsa-a', 'RS256');
  let s: Setup | undefined;
  afterEach(async () => {
    await tearDown(s);
    s = undefined;
  });

  it('an unknown kid triggers one fetch; a flood of unknown kids within the cooldown fetches nothing more', async () => {
    s = await setUp([rsa]);
    expect((await s.get(gatewayToken(rsa, READ_CLAIMS))).status).toBe(200);
    expect(s.server.requests).toBe(1);

    // Within the cooldown of that first fetch: no fetch at all.
    const stranger = gatewayKey('not-published', 'RS256');
    expect401(await s.get(gatewayToken(stranger, READ_CLAIMS)));
    expect(s.server.requests).toBe(1);

    s.advance(COOLDOWN_MS);
    // 40 concurrent tokens with 40 different unknown kids: they share one fetch.
    const flood = await Promise.all(Array.from({ length: 40 }, (_, i) => s!.get(gatewayToken(stranger, READ_CLAIMS, { kid: `unknown-${i}` }))));
    for (const res of flood) expect(expect401(res)).toContain('kid');
    expect(s.server.requests).toBe(2);
    // And more of them right after: still within the cooldown.
    for (let i = 0; i < 20; i++) expect401(await s.get(gatewayToken(stranger, READ_CLAIMS, { kid: `later-${i}` })));
    expect(s.server.requests).toBe(2);
    // The known key was never disturbed.
    expect((await s.get(gatewayToken(rsa, READ_CLAIMS))).status).toBe(200);
    expect(s.server.requests).toBe(2);
    expect(s.t.app.get(JwksKeyStore).fetches).toBe(2);
  });

  it('rotation in the middle of traffic: the new kid works without a restart, the JWKS is fetched a bounded number of times, the removed key stops after the cache age', async () => {
    s = await setUp([rsa]);
    const setup = s;
    const next = gatewayKey('ec-b', 'ES256');
    const statuses: number[] = [];
    let stop = false;
    let served = 0;
    const reached: Array<{ n: number; resolve: () => void }> = [];
    const untilServed = (n: number) => new Promise<void>((resolve) => (served >= n ? resolve() : reached.push({ n, resolve })));
    // Two clients sending old-key tokens back to back until told to stop.
    const stream = async () => {
      while (!stop) {
        const res = await setup.get(gatewayToken(rsa, READ_CLAIMS));
        statuses.push(res.status);
        served++;
        for (const w of reached.filter((x) => served >= x.n)) w.resolve();
      }
    };
    const clients = [stream(), stream()];

    await untilServed(20);
    setup.server.publish([rsa, next]);
    setup.advance(COOLDOWN_MS);
    const during = served;
    expect((await setup.get(gatewayToken(next, READ_CLAIMS))).status).toBe(200);
    expect((await setup.get(gatewayToken(next, READ_CLAIMS))).status).toBe(200);
    await untilServed(during + 20);
    stop = true;
    await Promise.all(clients);

    expect(statuses.length).toBeGreaterThanOrEqual(40);
    expect(statuses.filter((st) => st !== 200)).toEqual([]);
    // The first fetch and one for the new kid, whatever the traffic.
    expect(setup.server.requests).toBe(2);

    // The gateway retires the old key; it is accepted until the cached set is older than the max age.
    setup.server.publish([next]);
    expect((await setup.get(gatewayToken(rsa, READ_CLAIMS))).status).toBe(200);
    expect(setup.server.requests).toBe(2);
    setup.advance(MAX_AGE_MS);
    expect401(await setup.get(gatewayToken(rsa, READ_CLAIMS)));
    expect((await setup.get(gatewayToken(next, READ_CLAIMS))).status).toBe(200);
    expect(setup.server.requests).toBe(3);
  });

  it('JWT_JWKS_COOLDOWN_MS and JWT_JWKS_CACHE_MAX_AGE_MS are taken', async () => {
    s = await setUp([rsa], { JWT_JWKS_COOLDOWN_MS: '1000', JWT_JWKS_CACHE_MAX_AGE_MS: '5000' });
    expect((await s.get(gatewayToken(rsa, READ_CLAIMS))).status).toBe(200);
    s.advance(999);
    expect401(await s.get(gatewayToken(rsa, READ_CLAIMS, { kid: 'unknown' })));
    expect(s.server.requests).toBe(1);
    s.advance(1);
    expect401(await s.get(gatewayToken(rsa, READ_CLAIMS, { kid: 'unknown' })));
    expect(s.server.requests).toBe(2);
    s.advance(4999);
    expect((await s.get(gatewayToken(rsa, READ_CLAIMS))).status).toBe(200);
    expect(s.server.requests).toBe(2);
    s.advance(1);
    expect((await s.get(gatewayToken(rsa, READ_CLAIMS))).status).toBe(200);
    expect(s.server.requests).toBe(3);
  });
});

describe('JWKS key source: outages', () => {
  const rsa = gatewayKey('rsa-out', 'RS256');
  const ec = gatewayKey('ec-out', 'ES256');
  let s: Setup | undefined;
  afterEach(async () => {
    await tearDown(s);
    s = undefined;
  });

  it('the JWKS server gone: cached kids keep working (also past the cache age), an unknown kid → 401, never a 5xx', async () => {
    s = await setUp([rsa, ec]);
    expect((await s.get(gatewayToken(rsa, READ_CLAIMS))).status).toBe(200);
    await s.server.close();

    s.advance(COOLDOWN_MS);
    const stranger = gatewayKey('new-during-outage', 'RS256');
    expect(expect401(await s.get(gatewayToken(stranger, READ_CLAIMS)))).toContain('kid');
    expect((await s.get(gatewayToken(rsa, READ_CLAIMS))).status).toBe(200);
    expect((await s.get(gatewayToken(ec, READ_CLAIMS))).status).toBe(200);

    s.advance(MAX_AGE_MS);
    const results = await Promise.all([
      s.get(gatewayToken(rsa, READ_CLAIMS)),
      s.get(gatewayToken(ec, READ_CLAIMS)),
      s.get(gatewayToken(stranger, READ_CLAIMS)),
    ]);
    for (const res of results) expectSafe(res);
    expect(results.map((r) => r.status)).toEqual([200, 200, 401]);
    // Fetches were attempted once per cooldown at most: the first, the unknown kid, the cache age.
    expect(s.t.app.get(JwksKeyStore).fetches).toBe(3);
  });

  it.each([
    ['answers 503', (server: JwksServer) => server.fail(503)],
    ['answers 500', (server: JwksServer) => server.fail(500)],
    ['redirects', (server: JwksServer) => server.fail(302)],
    ['answers HTML', (server: JwksServer) => server.garbage('<html>maintenance</html>')],
    ['answers JSON that is no key set', (server: JwksServer) => server.garbage('{"keys":"none"}')],
  ])('the JWKS server %s: cached kids keep working, unknown kids → 401, one request per cooldown at most', async (_what, breakIt) => {
    s = await setUp([rsa]);
    expect((await s.get(gatewayToken(rsa, READ_CLAIMS))).status).toBe(200);
    breakIt(s.server);
    s.advance(MAX_AGE_MS);
    for (let i = 0; i < 10; i++) {
      expect((await s.get(gatewayToken(rsa, READ_CLAIMS))).status).toBe(200);
      expect401(await s.get(gatewayToken(ec, READ_CLAIMS, { kid: `unknown-${i}` })));
    }
    expect(s.server.requests).toBe(2);
    s.advance(COOLDOWN_MS);
    expect401(await s.get(gatewayToken(ec, READ_CLAIMS)));
    expect(s.server.requests).toBe(3);
    // Back up: the next refresh takes the new set.
    s.server.publish([rsa, ec]);
    s.advance(COOLDOWN_MS);
    expect((await s.get(gatewayToken(ec, READ_CLAIMS))).status).toBe(200);
    expect(s.server.requests).toBe(4);
  });

  it('the JWKS server down from the start: every token → 401 (keys unavailable), no 5xx, one attempt per cooldown', async () => {
    s = await setUp([rsa]);
    s.server.fail(503);
    const first = await Promise.all(Array.from({ length: 10 }, () => s!.get(gatewayToken(rsa, READ_CLAIMS))));
    for (const res of first) expect(expect401(res)).toContain('unavailable');
    expect(s.server.requests).toBe(1);
    s.server.publish([rsa]);
    expect401(await s.get(gatewayToken(rsa, READ_CLAIMS)));
    expect(s.server.requests).toBe(1);
    s.advance(COOLDOWN_MS);
    expect((await s.get(gatewayToken(rsa, READ_CLAIMS))).status).toBe(200);
    expect(s.server.requests).toBe(2);
  });

  it('a JWKS server that never answers: the fetch gives up after JWT_JWKS_TIMEOUT_MS → 401, and cached kids keep working', async () => {
    s = await setUp([rsa], { JWT_JWKS_TIMEOUT_MS: '300' });
    expect((await s.get(gatewayToken(rsa, READ_CLAIMS))).status).toBe(200);
    s.server.hang();
    s.advance(COOLDOWN_MS);
    expect401(await s.get(gatewayToken(ec, READ_CLAIMS)));
    expect(s.server.requests).toBe(2);
    expect((await s.get(gatewayToken(rsa, READ_CLAIMS))).status).toBe(200);
    expect(s.server.requests).toBe(2);
  });
});
