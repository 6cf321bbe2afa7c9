import { NestExpressApplication } from '@nestjs/platform-express';
import { Express, NextFunction, Request, Response } from 'express';
import { METHODS } from 'node:http';
import { AppConfig } from '../config/app-config';
import { MetricsCollector } from './metrics-collector';
import { Metrics, UNMATCHED_ROUTE } from './metrics.service';

/** Where Prometheus scrapes: on the service's port, outside the API prefix the gateway routes. */
export const METRICS_PATH = '/metrics';

const KNOWN_METHODS = new Set(METHODS);

interface RouteLayer {
  route?: { path?: unknown; methods?: Record<string, boolean> };
  match(path: string): unknown;
}

/**
 * The route template of a request (`/v2/statistics/tenants/:id/useractions`), never its raw path.
 * A request answered before routing (body too large, malformed JSON) gets the template of the
 * route it was sent to, found with Express's own matchers; no route → `unmatched`. Nest's 404
 * handler is a wildcard route and counts as no route.
 */
function routeTemplate(router: { stack: RouteLayer[] }, req: Request): string {
  const matched = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof matched === 'string' && !matched.includes('*')) return matched;
  const path = req.originalUrl.split('?')[0];
  const method = req.method === 'HEAD' ? 'get' : req.method.toLowerCase();
  for (const layer of router.stack) {
    const route = layer.route;
    if (!route || typeof route.path !== 'string' || route.path.includes('*') || !route.methods?.[method]) continue;
    try {
      if (layer.match(path)) return route.path;
    } catch {
      // A path Express cannot decode matches no route.
    }
  }
  return UNMATCHED_ROUTE;
}

/**
 * Prometheus metrics (unless METRICS_ENABLED=false): times every request from here on and serves
 * `GET /metrics`. Called early in configureApp(), before the body parser, so that requests the
 * parser refuses are measured too.
 */
export function installMetrics(app: NestExpressApplication, apiPrefix: string): void {
  if (!app.get(AppConfig).metrics.enabled) return;
  const metrics = app.get(Metrics);
  const collector = app.get(MetricsCollector);
  const server = app.getHttpAdapter().getInstance() as Express;
  const router = (server as unknown as { router: { stack: RouteLayer[] } }).router;
  const ingestRoute = `/${apiPrefix}/tenants/:id/useractions`;
  app.use((req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    metrics.httpInFlight.inc();
    // 'close' comes for every response: finished, failed, or abandoned by the client.
    res.once('close', () => {
      metrics.httpInFlight.dec();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const method = KNOWN_METHODS.has(req.method) ? req.method : 'OTHER';
      metrics.observeRequest(routeTemplate(router, req), method, res.statusCode, seconds, ingestRoute);
    });
    next();
  });
  server.get(METRICS_PATH, (_req: Request, res: Response, next: NextFunction) => {
    collector.scrape().then(({ contentType, body }) => {
      res.setHeader('Content-Type', contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.send(body);
    }, next);
  });
}
