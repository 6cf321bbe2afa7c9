import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { CLOSED_SCHEMAS } from './api-docs.decorators';

export const TAGS = [
  { name: 'statistics', description: 'Read routes of a tenant: JSON or CSV (needs TENANT_STATISTICS for the tenant)' },
  { name: 'ingestion', description: 'Storing user actions (needs the scope statistics:ingest and a right on the tenant)' },
  { name: 'directory', description: 'The user directory (e-mail, consent, erasure) and the action catalog' },
  { name: 'health', description: 'Liveness and readiness probes (no token)' },
];

const DESCRIPTION =
  'User-action statistics of the configurator platform. Authorize with a bearer JWT ' +
  '(`npm start` prints a development token for the demo tenant 1). Read routes need TENANT_STATISTICS for the tenant; ' +
  'write routes need the scope statistics:ingest.\n\n' +
  'Every answer carries `X-Request-Id`; every error is JSON `{ statusCode, error, message }`, the message naming the ' +
  'offending parameter or field. Unknown query parameters and body fields are refused (400).';

/** Recursively sorts object keys (arrays keep their order): the same document serialises the same way. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}

/**
 * The OpenAPI document of the service, from the controllers' and DTOs' decorators alone: used by
 * configureApp() (served at docs-json) and by `npm run openapi` (the committed openapi.json),
 * which builds the module graph in Nest's preview mode, without a database. Call it after the
 * global prefix is set.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Statistics service')
    .setDescription(DESCRIPTION)
    .setVersion('2')
    .setContact('Statistics service team', '', '')
    .addServer('/', 'This server (the paths carry the /v2/statistics prefix)')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'jwt');
  for (const tag of TAGS) builder.addTag(tag.name, tag.description);
  const document = SwaggerModule.createDocument(app, builder.build());
  const schemas = document.components?.schemas ?? {};
  for (const name of CLOSED_SCHEMAS) {
    const schema = schemas[name];
    if (schema && !('$ref' in schema)) schema.additionalProperties = false;
  }
  // Path parameters first (they name the resource), the rest in declaration order: the order does
  // not hang on whether a handler reads its path parameter with @Param() (reflected, listed first)
  // or with a custom decorator such as @TenantId() (documented by ApiParam, listed after the query).
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item)) {
      const params = (op as { parameters?: Array<{ in?: string }> } | undefined)?.parameters;
      if (!Array.isArray(params)) continue;
      const rank = (p: { in?: string }) => (p.in === 'path' ? 0 : 1);
      params.sort((a, b) => rank(a) - rank(b));
    }
  }
  // The contact's empty url and email are not URLs and addresses: leave only the name.
  document.info.contact = { name: 'Statistics service team' };
  return sortKeys(document) as OpenAPIObject;
}

/** openapi.json as committed: sorted keys, 2-space indent, trailing newline. */
export function serializeOpenApiDocument(document: OpenAPIObject): string {
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}
