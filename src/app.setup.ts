import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'pino';
import { parse as parseQuery } from 'qs';
import { corsOptions, varyOnOrigin } from './common/cors';
import { compressionMiddleware } from './common/compression';
import { jsonDepthGuard } from './common/json-depth';
import { PinoNestLogger, requestLogger } from './common/logging';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { ROOT_LOGGER } from './config/core.module';
import { AllExceptionsFilter } from './http/all-exceptions.filter';
import { bodyParserErrors } from './http/error-body';
import { methodNotAllowed } from './http/method-not-allowed';
import { applyServerTimeouts, requestDeadline } from './http/request-deadline';
import { installMetrics } from './metrics/http-metrics';
import { buildOpenApiDocument } from './openapi/openapi-document';
import { swaggerUiOptions } from './openapi/swagger-ui';
import { cacheHeaderFixups } from './statistics/output/http-cache';

export const API_PREFIX = 'v2/statistics';

/**
 * Everything that makes the HTTP surface what the contract says. Called by main.ts and by
 * every e2e test, so tests exercise exactly what production serves.
 */
export function configureApp(app: NestExpressApplication): INestApplication {
  const config = app.get(AppConfig);
  const root = app.get<Logger>(ROOT_LOGGER);
  app.useLogger(new PinoNestLogger(root));
  app.disable('x-powered-by');
  // Express 5's default "simple" parser does not turn actions[]=1 into an array; qs does (the
  // "extended" parser), here with explicit limits.
  app.set('query parser', (query: string) => parseQuery(query, { arrayLimit: 200, depth: 2, parameterLimit: 500 }));
  app.use(requestLogger(root));
  app.use(requestDeadline(config.http.requestTimeoutMs));
  // Prometheus: times every request from here on; GET /metrics outside the prefix.
  installMetrics(app, API_PREFIX);
  applyServerTimeouts(app.getHttpServer(), config);
  // CORS_ORIGINS empty (the default): no CORS headers at all.
  if (config.corsOrigins.length > 0) {
    app.use(varyOnOrigin);
    app.enableCors(corsOptions(config.corsOrigins));
  }
  // The read routes' ETag/Cache-Control fix-ups run after compression picked the encoding, so
  // they are registered first (the last one registered sees the headers first).
  app.use(cacheHeaderFixups);
  app.use(compressionMiddleware());
  // A known path with a wrong method → 405 + Allow (from the router's routes), before any body is
  // read; after CORS, so a cross-origin 405 carries the CORS headers.
  app.use(methodNotAllowed(app.getHttpAdapter().getInstance()));
  app.useBodyParser('json', { limit: config.bodyLimit });
  // Deeply nested bodies (class-transformer and JSON.stringify recurse per level) → 400, not a stack overflow.
  app.use(jsonDepthGuard);
  // Body-parser errors (413, malformed JSON) never reach Nest's filters: answer them here, as JSON.
  app.use(bodyParserErrors);
  app.setGlobalPrefix(API_PREFIX);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();

  SwaggerModule.setup(`${API_PREFIX}/docs`, app, buildOpenApiDocument(app), swaggerUiOptions(API_PREFIX));
  return app;
}
