import 'reflect-metadata';
import { jest } from '@jest/globals';
import type { Request } from 'express';
import { sign } from 'jsonwebtoken';
import { loadConfig } from '../config/app-config';
import { JwtStrategy } from './jwt.strategy';
import { Principal } from './principal';
import { VerifiedTokens } from './verified-tokens';

const P: Principal = { sub: 'a', rights: { '1': ['TENANT_STATISTICS'] }, scopes: [] };

describe('VerifiedTokens', () => {
  let now = 1_000_000_000_000;
  const clock = () => now;

  it('answers a recorded token until its exp plus the tolerance, then forgets it', () => {
    const v = new VerifiedTokens(10, 60_000, 5, clock);
    const exp = now / 1000 + 10;
    v.set('t', P, exp);
    expect(v.get('t')).toBe(P);
    now += 14_999;
    expect(v.get('t')).toBe(P);
    now += 1; // exp + 5 s: jsonwebtoken now says "jwt expired"
    expect(v.get('t')).toBeUndefined();
    expect(v.size).toBe(0);
  });

  it('answers for at most its TTL, however far the exp (a withdrawn key stops being honoured)', () => {
    const v = new VerifiedTokens(10, 60_000, 5, clock);
    v.set('t', P, now / 1000 + 3600);
    v.set('no-exp', P, undefined);
    now += 59_999;
    expect([v.get('t'), v.get('no-exp')]).toEqual([P, P]);
    now += 1;
    expect([v.get('t'), v.get('no-exp')]).toEqual([undefined, undefined]);
  });

  it('misses on any other text (a changed signature is another token) and keeps at most max, the oldest leaving first', () => {
    const v = new VerifiedTokens(2, 60_000, 5, clock);
    v.set('a.b.c', P, undefined);
    expect(v.get('a.b.C')).toBeUndefined();
    v.set('d.e.f', P, undefined);
    v.set('g.h.i', P, undefined);
    expect([v.get('a.b.c'), v.get('d.e.f'), v.get('g.h.i')]).toEqual([undefined, P, P]);
    expect(v.size).toBe(2);
  });

  it('answers only under the tag it was verified with (a JWKS key set fetched since verifies again)', () => {
    const v = new VerifiedTokens(10, 60_000, 5, clock);
    v.set('t', P, undefined, 3);
    expect(v.get('t', 3)).toBe(P);
    expect(v.get('t', 4)).toBeUndefined();
    expect(v.get('t', 3)).toBeUndefined();
  });

  it('records nothing already expired, and nothing with max 0', () => {
    const v = new VerifiedTokens(10, 60_000, 5, clock);
    v.set('t', P, now / 1000 - 6);
    expect(v.get('t')).toBeUndefined();
    const off = new VerifiedTokens(0, 60_000, 5, clock);
    off.set('t', P, undefined);
    expect(off.get('t')).toBeUndefined();
  });
});

describe('JwtStrategy: a token verified once passes again without verification', () => {
  const secret = 'a-test-secret-of-enough-length-0123456789';
  const config = loadConfig({ JWT_SECRET: secret });
  const token = sign({ sub: 'u', rights: { '7': ['TENANT_STATISTICS'] } }, secret, {
    algorithm: 'HS256',
    expiresIn: 600,
    ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
    ...(config.jwt.audience ? { audience: config.jwt.audience as string } : {}),
  });
  const req = (t: string) => ({ headers: { authorization: `Bearer ${t}` } }) as unknown as Request;

  /** What passport's middleware does: an object made from the strategy, with its outcomes. */
  function run(strategy: JwtStrategy, r: Request): Promise<{ user?: Principal; fail?: unknown; error?: unknown }> {
    return new Promise((resolve) => {
      const s = Object.create(strategy) as JwtStrategy & Record<string, unknown>;
      s.success = (user: Principal) => resolve({ user });
      s.fail = (fail: unknown) => resolve({ fail });
      s.error = (error: unknown) => resolve({ error });
      s.authenticate(r, {});
    });
  }

  it('verifies the first time, remembers the principal, and answers the second from memory (frozen)', async () => {
    const strategy = new JwtStrategy(config);
    const first = await run(strategy, req(token));
    expect(first.user).toEqual({ sub: 'u', rights: { '7': ['TENANT_STATISTICS'] }, scopes: [] });
    expect(strategy.verified.size).toBe(1);
    const verify = jest.spyOn(Object.getPrototypeOf(JwtStrategy.prototype), 'authenticate');
    const second = await run(strategy, req(token));
    expect(verify).not.toHaveBeenCalled();
    verify.mockRestore();
    expect(second.user).toBe(first.user);
    expect(Object.isFrozen(second.user) && Object.isFrozen(second.user!.rights['7'])).toBe(true);
  });

  it('verifies a token with a changed signature in full, and refuses it', async () => {
    const strategy = new JwtStrategy(config);
    await run(strategy, req(token));
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    const out = await run(strategy, req(forged));
    expect(out.user).toBeUndefined();
    expect(String(out.fail)).toMatch(/invalid signature/);
  });
});
