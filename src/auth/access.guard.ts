import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Request } from 'express';
import { Principal } from './principal';
import { tenantIdOf } from './tenant-id';

export { parseTenantId } from './tenant-id';

export interface AccessRequirement {
  /** Right the token must hold in `rights[":id"]` for the tenant in the path. */
  tenantRight?: string;
  /** Scope the token must hold (space-separated `scope` claim). */
  scope?: string;
  /** With `scope`: the token must also name the path's tenant in `rights` (any right). */
  tenantBound?: boolean;
}

export const ACCESS_REQUIREMENT = 'statistics:access';

/** What the authenticated caller may touch: the tenant right and/or the scope a route needs. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const need = this.reflector.get<AccessRequirement>(ACCESS_REQUIREMENT, context.getHandler()) ?? {};
    const req = context.switchToHttp().getRequest<Request & { user: Principal }>();
    const principal = req.user;
    const tenantRights = (): string[] => {
      // Parsed here, once per request (400 naming id); @TenantId() and the export limiter read this value.
      const tenant = tenantIdOf(req);
      return Object.prototype.hasOwnProperty.call(principal.rights, String(tenant)) ? principal.rights[String(tenant)] : [];
    };
    if (need.scope && !principal.scopes.includes(need.scope)) {
      throw new ForbiddenException(`This token lacks the scope "${need.scope}"`);
    }
    if (need.tenantRight && !tenantRights().includes(need.tenantRight)) {
      throw new ForbiddenException(`This token lacks the right ${need.tenantRight} for tenant ${tenantIdOf(req)}`);
    }
    if (need.tenantBound && tenantRights().length === 0) {
      throw new ForbiddenException(`This token holds no rights for tenant ${tenantIdOf(req)}`);
    }
    return true;
  }
}
