import { BadRequestException } from '@nestjs/common';
import type { Request } from 'express';
import { tenantIdOf } from './tenant-id';

function request(id?: string): Request {
  return { params: id === undefined ? {} : { id } } as unknown as Request;
}

describe('tenantIdOf', () => {
  it('parses :id on the first read and hands every later reader that same number', () => {
    const req = request('42');
    expect(tenantIdOf(req)).toBe(42);
    // Later readers (the handler's @TenantId(), the export limiter) do not parse the path again.
    req.params.id = 'not a number';
    expect(tenantIdOf(req)).toBe(42);
  });

  it('answers 400 naming id for a bad or missing id, and keeps nothing', () => {
    const req = request('0x10');
    expect(() => tenantIdOf(req)).toThrow(BadRequestException);
    expect(() => tenantIdOf(req)).toThrow('id (tenant id) must be a positive integer');
    req.params.id = '16';
    expect(tenantIdOf(req)).toBe(16);
    expect(() => tenantIdOf(request())).toThrow('id (tenant id) must be a positive integer');
  });
});
