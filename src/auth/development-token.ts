import { sign } from 'jsonwebtoken';
import { AppConfig } from '../config/app-config';
import { INGEST_SCOPE, TENANT_STATISTICS } from './principal';

/**
 * A token signed with the development secret, for `npm start`, `npm run token` and tests.
 * Refuses to sign with any other key, so it can never mint production tokens.
 */
export function developmentToken(
  config: AppConfig,
  opts: { tenants: number[]; ingest?: boolean; sub?: string; expiresInSeconds?: number },
): string {
  if (!config.jwt.usesDevelopmentSecret) throw new Error('development tokens need the development JWT secret');
  const rights = Object.fromEntries(opts.tenants.map((t) => [String(t), [TENANT_STATISTICS]]));
  return sign(
    { rights, ...(opts.ingest ? { scope: INGEST_SCOPE } : {}) },
    config.jwt.key,
    {
      algorithm: 'HS256',
      subject: opts.sub ?? 'developer',
      expiresIn: opts.expiresInSeconds ?? 12 * 3600,
      ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
      ...(config.jwt.audience ? { audience: config.jwt.audience } : {}),
    },
  );
}
