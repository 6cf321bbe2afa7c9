import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ApiErrors } from '../openapi/api-docs.decorators';
import { ACCESS_REQUIREMENT, AccessGuard, AccessRequirement } from './access.guard';
import { JwtAuthGuard } from './jwt-auth.guard';

/**
 * The one decorator a route needs for auth: identity (JWT), the right or scope it requires,
 * and the matching Swagger security documentation.
 */
export function Authenticated(need: AccessRequirement = {}) {
  const what = [
    need.tenantRight && `the right ${need.tenantRight} for the tenant in the path`,
    need.scope && `the scope ${need.scope}`,
    need.tenantBound && 'a right on the tenant in the path',
  ]
    .filter(Boolean)
    .join(' and ');
  return applyDecorators(
    SetMetadata(ACCESS_REQUIREMENT, need),
    UseGuards(JwtAuthGuard, AccessGuard),
    ApiBearerAuth('jwt'),
    ApiErrors({
      401: 'No token, or a bad, expired or foreign token',
      ...(what ? { 403: `The token lacks ${what}` } : {}),
    }),
  );
}
