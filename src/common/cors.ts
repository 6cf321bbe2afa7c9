import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';
import { NextFunction, Request, Response } from 'express';

/** What a browser page on an allowed origin may send and read (see docs/api.md, CORS). */
export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'];
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'If-None-Match', 'X-Request-Id'];
export const CORS_EXPOSED_HEADERS = ['Content-Disposition', 'ETag', 'Retry-After', 'X-Request-Id'];
/** How long a browser may reuse a preflight answer (Chromium caps it at 2 h). */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * The `cors` middleware for an allow-list of exact origins. A request from any other origin (or
 * without `Origin`) gets no Access-Control-* header at all and goes on as if CORS were off: a
 * preflight from a foreign origin is not answered by CORS and reaches the router (404, as every
 * OPTIONS request without CORS). Bearer tokens, no cookies: no credentials.
 */
export function corsOptions(origins: string[]): CorsOptions {
  const allowed = new Set(origins);
  return {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    methods: CORS_METHODS,
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    credentials: false,
    maxAge: CORS_MAX_AGE_SECONDS,
    preflightContinue: false,
    optionsSuccessStatus: 204,
  };
}

/**
 * `Vary: Origin` on every answer once CORS is on (the `cors` middleware only adds it to answers for
 * allowed origins), so a cache never hands an answer made for one origin to another.
 */
export function varyOnOrigin(_req: Request, res: Response, next: NextFunction): void {
  res.vary('Origin');
  next();
}
