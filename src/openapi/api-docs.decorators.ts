import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiParam, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { HeaderObject, ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { XLSX_MEDIA_TYPE } from '../statistics/output/xlsx';

/**
 * The OpenAPI side of the HTTP surface, in one place: the error body, the headers, and one
 * response-decorator set per kind of route, so that a new status or header (304 + ETag on the
 * read routes, say) is one line here and reaches every route of that kind.
 */

/** Class names whose schema gets `additionalProperties: false` (the body has no other field: 400). */
export const CLOSED_SCHEMAS = new Set<string>();

/** Marks a DTO whose unknown fields are refused with 400 (the validation pipe's forbidNonWhitelisted). */
export function ClosedSchema(): ClassDecorator {
  return (target) => {
    CLOSED_SCHEMAS.add(target.name);
  };
}

/** Every error: `{ statusCode, error, message }`, JSON whatever the Accept header. */
@ClosedSchema()
export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400, description: 'The HTTP status, repeated' })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request', description: "The status's reason phrase" })
  error: string;

  @ApiProperty({ example: 'limit must be at most 10000', description: 'What went wrong, naming the parameter or field' })
  message: string;
}

export const HEADERS = {
  /** On every answer. */
  requestId: {
    'X-Request-Id': {
      description: 'The id of this request in the service log: the X-Request-Id the caller sent (when sane), else a new one',
      required: true,
      schema: { type: 'string' },
    },
  },
  /** JSON answers of the routes other than the read routes (the catalog, health, the writes). */
  jsonEtag: {
    ETag: {
      description: 'A validator of the JSON body (Express computes one for every JSON answer); send it back as If-None-Match on a GET to get 304',
      required: false,
      schema: { type: 'string' },
    },
  },
  /** The read routes' HTTP caching (docs/api.md "HTTP caching"). */
  readCache: {
    ETag: {
      description:
        'A strong validator computed from the data behind the answer (route, tenant, query, resolved range, format, data version; `-gzip`/`-br` suffix when compressed); send it back as If-None-Match to get 304',
      required: false,
      schema: { type: 'string', example: '"3f1c2a9b7d4e5f60a1b2c3d4e5f60718"' },
    },
    'Cache-Control': {
      description: '`private, max-age=<CACHE_MAX_AGE_SECONDS>` when the range ended before the last completed rollup (a closed period), else `private, no-cache`',
      required: false,
      schema: { type: 'string', example: 'private, no-cache' },
    },
  },
  /** On error answers. */
  errorCache: {
    'Cache-Control': {
      description: '`no-store` on the read routes\' errors',
      required: false,
      schema: { type: 'string', example: 'no-store' },
    },
  },
  retryAfter: (seconds: number): Record<string, HeaderObject> => ({
    'Retry-After': {
      description: `Seconds to wait before retrying (${seconds} here)`,
      required: true,
      schema: { type: 'integer', minimum: 1, example: seconds },
    },
  }),
  csvAttachment: {
    'Content-Disposition': {
      description:
        'Only with `text/csv` or XLSX: `attachment; filename="tenant-<id>-<route>-<from>_<to>.csv"` (`.xlsx` for XLSX; instants as `2021-07-21T000000Z`)',
      required: false,
      schema: { type: 'string', example: 'attachment; filename="tenant-1-userActionsAggregated-2026-05-01T000000Z_2026-06-01T000000Z.csv"' },
    },
  },
} satisfies Record<string, Record<string, HeaderObject> | ((n: number) => Record<string, HeaderObject>)>;

export type ErrorStatus = 400 | 401 | 403 | 406 | 413 | 429 | 500 | 503;

/** What each error looks like (Swagger UI shows it under the status). */
const ERROR_EXAMPLES: Record<ErrorStatus, { statusCode: number; error: string; message: string }> = {
  400: { statusCode: 400, error: 'Bad Request', message: 'limit must be at most 10000' },
  401: { statusCode: 401, error: 'Unauthorized', message: 'Invalid or missing bearer token (No auth token)' },
  403: { statusCode: 403, error: 'Forbidden', message: 'This token lacks the right TENANT_STATISTICS for tenant 2' },
  406: {
    statusCode: 406,
    error: 'Not Acceptable',
    message: 'Accept allows none of application/json, text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet (or use ?format=csv|json|xlsx)',
  },
  413: { statusCode: 413, error: 'Payload Too Large', message: 'Request body is larger than the accepted limit (BODY_LIMIT)' },
  429: { statusCode: 429, error: 'Too Many Requests', message: 'Too many concurrent CSV exports for tenant 1: 2 running, the limit is 2 (EXPORT_MAX_CONCURRENT_PER_TENANT); retry after 10 s' },
  500: { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error (request id 6f1c…)' },
  503: { statusCode: 503, error: 'Service Unavailable', message: 'The database is unavailable; retry later' },
};

const RETRY_AFTER_SECONDS: Partial<Record<ErrorStatus, number>> = { 429: 10, 503: 5 };

/**
 * Error responses: status → what causes it on this route. All share {@link ErrorResponseDto} as
 * `application/json` (also on CSV routes: errors are never CSV), `X-Request-Id`, and
 * `Retry-After` on 429 and 503.
 */
export function ApiErrors(errors: Partial<Record<ErrorStatus, string>>): MethodDecorator & ClassDecorator {
  const decorators = Object.entries(errors).map(([code, description]) => {
    const status = Number(code) as ErrorStatus;
    const retry = RETRY_AFTER_SECONDS[status];
    const response: ResponseObject = {
      description: description ?? '',
      headers: { ...HEADERS.requestId, ...HEADERS.errorCache, ...(retry ? HEADERS.retryAfter(retry) : {}) },
      content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) }, example: ERROR_EXAMPLES[status] } },
    };
    return ApiResponse({ status, ...response });
  });
  return applyDecorators(ApiExtraModels(ErrorResponseDto), ...decorators);
}

/** What any route can answer besides its own statuses. */
const ALWAYS: Partial<Record<ErrorStatus, string>> = {
  500: 'An unexpected error (the message carries the request id; details are in the log only)',
  503: 'The database is unavailable, or the request did not complete within REQUEST_TIMEOUT_MS; retry later',
};

export interface RouteDocs {
  /** Stable: it names the method in generated clients. */
  operationId: string;
  summary: string;
  description: string;
  tag?: string;
}

/** Operation id, summary, description, and the errors every route can answer (500, 503). */
export function ApiRoute(docs: RouteDocs): MethodDecorator & ClassDecorator {
  const { operationId, summary, description } = docs;
  return applyDecorators(ApiOperation({ operationId, summary, description }), ApiErrors(ALWAYS));
}

/** The tenant id in the path of every tenant route (`:id`), as @TenantId() (src/auth/tenant-id.ts) parses it. */
export function ApiTenantIdParam(): MethodDecorator & ClassDecorator {
  return ApiParam({
    name: 'id',
    description: 'Tenant id (the demo of `npm start` holds tenant 1)',
    schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, example: 1 },
  });
}

export interface ReadRouteDocs extends RouteDocs {
  /** The JSON body of a 200. */
  json: Type<unknown>;
  jsonExample: unknown;
  /** The CSV header line and a row or two, exactly as the route writes them. */
  csvExample: string;
}

/**
 * Everything a read route (JSON or CSV, `?format=` or Accept) documents: 200 in both media
 * types with their headers, 304 with the caching headers, and every error it can answer.
 */
export function ApiReadRoute(docs: ReadRouteDocs): MethodDecorator & ClassDecorator {
  const csvHeader = docs.csvExample.split('\n')[0];
  return applyDecorators(
    ApiRoute({
      ...docs,
      description:
        `${docs.description}\n\n` +
        'JSON (`application/json`) by default; CSV (`text/csv`, a download) with `Accept: text/csv` or `?format=csv` ' +
        '(`csvBom=true` adds a UTF-8 byte-order mark, `csvDelimiter=semicolon` separates with `;`); XLSX (one typed worksheet, a download) ' +
        `with \`Accept: ${XLSX_MEDIA_TYPE}\` or \`?format=xlsx\`. CSV header line: \`${csvHeader}\`.`,
    }),
    ApiTenantIdParam(),
    ApiResponse({
      status: 304,
      description: 'Not modified: If-None-Match names the current ETag of this answer (JSON or CSV; no body, no query run, no export slot taken)',
      headers: { ...HEADERS.requestId, ...HEADERS.readCache },
    }),
    ApiExtraModels(docs.json),
    ApiResponse({
      status: 200,
      description:
        `The entries, as JSON, as CSV (header line \`${csvHeader}\`; strings double-quoted, numbers bare, \`\\n\` line ends) ` +
        'or as XLSX (the same columns in one worksheet: numbers as number cells, instants as date-time cells in STATISTICS_TIME_ZONE named in their header, text as text; header row frozen)',
      headers: { ...HEADERS.requestId, ...HEADERS.readCache, ...HEADERS.csvAttachment },
      content: {
        'application/json': { schema: { $ref: getSchemaPath(docs.json) }, example: docs.jsonExample },
        'text/csv': { schema: { type: 'string', description: `CSV with the header line ${csvHeader}` }, example: docs.csvExample },
        [XLSX_MEDIA_TYPE]: { schema: { type: 'string', format: 'binary', description: `An XLSX workbook, one worksheet, header row ${csvHeader}` } },
      },
    }),
    ApiErrors({
      400:
        'A bad or unknown query parameter (`format`, `csvBom`, `csvDelimiter` included), or a bad tenant id (the message names it); ' +
        'XLSX: more rows than one worksheet holds (1,048,575 below the header; narrow the range or ask for CSV)',
      406: 'The Accept header allows none of application/json, text/csv, the XLSX type (and no ?format=)',
      429: 'CSV and XLSX only: too many concurrent exports for this tenant or on this server (EXPORT_MAX_CONCURRENT_PER_TENANT, EXPORT_MAX_CONCURRENT)',
    }),
  );
}

/** GET routes: Express answers 304 (no body) when If-None-Match matches the ETag of the JSON answer. */
export function ApiNotModified(): MethodDecorator & ClassDecorator {
  return ApiResponse({
    status: 304,
    description: 'Not modified: If-None-Match names the ETag of the current JSON answer (no body)',
    headers: { ...HEADERS.requestId, ...HEADERS.jsonEtag },
  });
}

/** A JSON 2xx answer with its schema (`X-Request-Id` like every answer). */
export function ApiJsonResponse(status: 200 | 202, description: string, type: Type<unknown>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(type),
    ApiResponse({
      status,
      description,
      headers: { ...HEADERS.requestId, ...HEADERS.jsonEtag },
      content: { 'application/json': { schema: { $ref: getSchemaPath(type) } } },
    }),
  );
}
