import { BadRequestException, createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** Parses the `:id` path parameter: a positive integer, or 400 naming `id`. */
export function parseTenantId(raw: unknown): number {
  const s = String(raw ?? '');
  if (!/^[1-9]\d{0,17}$/.test(s) || !Number.isSafeInteger(Number(s))) {
    throw new BadRequestException('id (tenant id) must be a positive integer');
  }
  return Number(s);
}

/** Where the parsed tenant id of a request is kept. */
const TENANT_ID = Symbol('tenantId');

type TenantRequest = Request & { [TENANT_ID]?: number };

/**
 * The tenant of a tenant route (`tenants/:id/…`), parsed once per request: the first reader (the
 * AccessGuard, which every tenant route has) parses `:id` (400 when it is not a positive integer)
 * and keeps the number on the request; the handler (`@TenantId()`) and the CSV export limiter
 * (OutputInterceptor) read that same number.
 */
export function tenantIdOf(req: Request): number {
  const r = req as TenantRequest;
  r[TENANT_ID] ??= parseTenantId(req.params?.id);
  return r[TENANT_ID];
}

/** `@TenantId() tenant: number` — the tenant in the path, as {@link tenantIdOf} parsed it. */
export const TenantId = createParamDecorator((_: unknown, ctx: ExecutionContext): number => tenantIdOf(ctx.switchToHttp().getRequest<Request>()));
