import type { SwaggerCustomOptions } from '@nestjs/swagger';

/**
 * Swagger UI works on the first click (docs/api.md "OpenAPI document"). The ingestion example
 * cannot be static: `created` must lie within the last ROLLUP_DAILY_AFTER_DAYS and an `eventId`
 * is stored once. The committed document carries fixed, valid example values; at Execute, Swagger
 * UI's request interceptor replaces exactly these values in the request body with the current
 * instant and a fresh UUID, so the pre-filled body is accepted (202) every time and the document
 * stays deterministic. A client copying the example elsewhere sees the note in the description.
 */
export const EXAMPLE_CREATED = '2026-01-01T00:00:00.000Z';
export const EXAMPLE_EVENT_IDS = ['0b7f3c1e-5d2a-4e8b-9c61-3f0a7d2e9b14', '9e4a2d7c-1b3f-4c5e-8a9d-6f2b0c7e1a35'] as const;

/** Where the replacement happens: swaggerOptions.requestInterceptor calls this page-level function. */
const FILL_FUNCTION = 'statisticsFillExampleBody';

/** The browser-side code: a POST to …/useractions gets `now` and fresh UUIDs for the example tokens. */
export function fillExampleScript(): string {
  return `window.${FILL_FUNCTION} = function (req) {
  if (req.method !== 'POST' || !/\\/tenants\\/[^/]+\\/useractions(\\?|$)/.test(req.url) || typeof req.body !== 'string') return req;
  var body = req.body.split(${JSON.stringify(EXAMPLE_CREATED)}).join(new Date().toISOString());
  var uuid = function () {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  };
  ${JSON.stringify(EXAMPLE_EVENT_IDS)}.forEach(function (id) { body = body.split(id).join(uuid()); });
  req.body = body;
  return req;
};`;
}

export function swaggerUiOptions(prefix: string): SwaggerCustomOptions {
  return {
    jsonDocumentUrl: `${prefix}/docs-json`,
    customJsStr: fillExampleScript(),
    swaggerOptions: {
      persistAuthorization: true,
      // Serialised with Function.prototype.toString into the page: it may only use globals.
      requestInterceptor: new Function('req', `return window.${FILL_FUNCTION} ? window.${FILL_FUNCTION}(req) : req;`),
    },
  };
}
