import { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { errorBody, replyError } from './error-body';

/**
 * What this middleware reads of Express 5's router (the `router` package 2.x): its layers, their
 * routes and `Layer#match(path)`, which has no side effect. @types/express still describes the
 * Express 4 layer (`regexp`, no `match`), hence the one cast below.
 */
interface RouteLayer {
  route?: { methods: Record<string, boolean | undefined> };
  match(path: string): unknown;
}

/** The methods a route answers, upper case; GET implies HEAD (Express answers HEAD with the GET handler). */
function routeMethods(methods: Record<string, boolean | undefined>): string[] {
  const names = Object.keys(methods).filter((m) => m !== '_all' && methods[m]);
  if (methods.get && !methods.head) names.push('head');
  return names.map((m) => m.toUpperCase());
}

function handles(methods: Record<string, boolean | undefined>, method: string): boolean {
  const m = method.toLowerCase();
  return Boolean(methods._all || methods[m] || (m === 'head' && methods.get));
}

/**
 * `405 Method Not Allowed` with an `Allow` header for a request whose path some registered route
 * matches, but none for its method (`DELETE …/tenants/1/useractions` → `Allow: GET, HEAD, POST`);
 * unknown paths fall through to the usual 404. The routes are read from the Express router at
 * request time, so every route the application registers (Nest controllers, Swagger UI) counts,
 * without a hand-kept list. OPTIONS is left alone (CORS preflight).
 *
 * `expressApp` is the Express instance (`app.getHttpAdapter().getInstance()`).
 */
export function methodNotAllowed(expressApp: Express): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'OPTIONS') return next();
    const allowed = new Set<string>();
    for (const layer of expressApp.router.stack as unknown as RouteLayer[]) {
      if (!layer.route || !layer.match(req.path)) continue;
      if (handles(layer.route.methods, req.method)) return next();
      for (const m of routeMethods(layer.route.methods)) allowed.add(m);
    }
    if (allowed.size === 0) return next();
    const allow = [...allowed].sort();
    res.setHeader('Allow', allow.join(', '));
    replyError(res, errorBody(405, `${req.method} is not allowed on ${req.path}; allowed: ${allow.join(', ')}`));
  };
}
