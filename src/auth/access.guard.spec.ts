import 'reflect-metadata';
import { BadRequestException, ExecutionContext, ForbiddenException, HttpException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { loadConfig } from '../config/app-config';
import { ACCESS_REQUIREMENT, AccessGuard, AccessRequirement, parseTenantId } from './access.guard';
import { JwtStrategy } from './jwt.strategy';
import { INGEST_SCOPE, Principal, TENANT_STATISTICS } from './principal';

describe('parseTenantId', () => {
  it.each([
    ['1', 1],
    ['42', 42],
    ['9007199254740991', 9007199254740991],
  ])('takes %j', (raw, id) => {
    expect(parseTenantId(raw)).toBe(id);
  });

  it.each(['abc', '0', '-1', '1.5', '01', '1e3', ' 1', '', '9007199254740993', '12345678901234567890'])('rejects %j naming id', (raw) => {
    expect(() => parseTenantId(raw)).toThrow(BadRequestException);
    expect(() => parseTenantId(raw)).toThrow(/^id /);
  });

  it('rejects a missing id', () => {
    expect(() => parseTenantId(undefined)).toThrow(BadRequestException);
  });
});

/** Runs AccessGuard for a handler with `need`, a principal and the path's `:id`; returns true or the thrown error. */
function guard(need: AccessRequirement | undefined, user: Principal, id?: string): true | HttpException {
  const handler = () => undefined;
  if (need) Reflect.defineMetadata(ACCESS_REQUIREMENT, need, handler);
  const context = {
    getHandler: () => handler,
    getClass: () => Object,
    switchToHttp: () => ({ getRequest: () => ({ user, params: id === undefined ? {} : { id } }) }),
  } as unknown as ExecutionContext;
  try {
    return new AccessGuard(new Reflector()).canActivate(context) as true;
  } catch (err) {
    if (err instanceof HttpException) return err;
    throw err;
  }
}

const reader: Principal = { sub: 'r', rights: { '2': [TENANT_STATISTICS], '7': ['OTHER_RIGHT'] }, scopes: [] };
const ingester: Principal = { sub: 'i', rights: { '1': [TENANT_STATISTICS] }, scopes: ['openid', INGEST_SCOPE] };

describe('AccessGuard', () => {
  it('lets any authenticated caller through a route without requirements', () => {
    expect(guard(undefined, { sub: '', rights: {}, scopes: [] })).toBe(true);
    expect(guard({}, { sub: '', rights: {}, scopes: [] })).toBe(true);
  });

  describe('tenant right', () => {
    const need = { tenantRight: TENANT_STATISTICS };
    it('allows the tenant the token holds the right for', () => {
      expect(guard(need, reader, '2')).toBe(true);
    });
    it('forbids another tenant (403)', () => {
      const err = guard(need, reader, '3');
      expect(err).toBeInstanceOf(ForbiddenException);
      expect((err as HttpException).message).toContain('TENANT_STATISTICS');
    });
    it('forbids a tenant the token holds only other rights for (403)', () => {
      expect(guard(need, reader, '7')).toBeInstanceOf(ForbiddenException);
    });
    it('does not read inherited object properties as rights', () => {
      const sneaky: Principal = { sub: 's', rights: Object.create({ '2': [TENANT_STATISTICS] }), scopes: [] };
      expect(guard(need, sneaky, '2')).toBeInstanceOf(ForbiddenException);
    });
    it('answers 400 for an invalid tenant id before looking at rights', () => {
      expect(guard(need, reader, 'abc')).toBeInstanceOf(BadRequestException);
      expect(guard(need, reader, '0')).toBeInstanceOf(BadRequestException);
    });
  });

  describe('ingest scope', () => {
    it('allows a token with the scope among others', () => {
      expect(guard({ scope: INGEST_SCOPE }, ingester)).toBe(true);
    });
    it('forbids a token without the scope (403), whatever its rights', () => {
      const err = guard({ scope: INGEST_SCOPE }, reader);
      expect(err).toBeInstanceOf(ForbiddenException);
      expect((err as HttpException).message).toContain(INGEST_SCOPE);
    });
    it('does not take a scope that merely contains the text', () => {
      expect(guard({ scope: INGEST_SCOPE }, { ...reader, scopes: ['statistics:ingest:read'] })).toBeInstanceOf(ForbiddenException);
    });
  });

  describe('scope bound to the tenant in the path', () => {
    const need = { scope: INGEST_SCOPE, tenantBound: true };
    it('allows a tenant the token names', () => {
      expect(guard(need, ingester, '1')).toBe(true);
    });
    it("forbids another tenant's id (403)", () => {
      expect(guard(need, ingester, '2')).toBeInstanceOf(ForbiddenException);
    });
    it('forbids a tenant named with an empty list of rights (403)', () => {
      expect(guard(need, { ...ingester, rights: { '1': [] } }, '1')).toBeInstanceOf(ForbiddenException);
    });
  });
});

describe('JwtStrategy.validate (claims → principal)', () => {
  const strategy = new JwtStrategy(loadConfig({}));
  const noToken = { headers: {} } as unknown as Request;

  it('maps sub, rights and the space-separated scope', () => {
    expect(strategy.validate(noToken, { sub: 42, rights: { '2': [TENANT_STATISTICS] }, scope: ' openid  statistics:ingest ' })).toEqual({
      sub: '42',
      rights: { '2': [TENANT_STATISTICS] },
      scopes: ['openid', INGEST_SCOPE],
    });
  });

  it('gives a token without rights and scope no rights and no scopes', () => {
    expect(strategy.validate(noToken, { sub: 'x' })).toEqual({ sub: 'x', rights: {}, scopes: [] });
  });

  it.each([
    ['rights is a list', { rights: [TENANT_STATISTICS] }],
    ['rights is a string', { rights: 'TENANT_STATISTICS' }],
    ['a tenant maps to a string', { rights: { '2': TENANT_STATISTICS } }],
    ['a tenant maps to non-strings', { rights: { '2': [1] } }],
    ['scope is a list', { scope: [INGEST_SCOPE] }],
  ])('rejects a token whose %s (401)', (_what, payload) => {
    expect(() => strategy.validate(noToken, payload)).toThrow(UnauthorizedException);
  });
});
