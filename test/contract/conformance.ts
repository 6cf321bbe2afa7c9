import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpenAPIBackend } from 'openapi-backend';
import type { Middleware } from 'openapi-fetch';
import type { OpenAPIV3 } from 'openapi-types';
import { readWithExcelJs } from '../support/xlsx';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The committed contract, as other teams read it. */
export const OPENAPI_PATH = join(process.cwd(), 'openapi.json');

/**
 * Headers that belong to HTTP itself rather than to the API: anything else a response carries
 * must be documented for its status, or the response fails the contract.
 */
const TRANSPORT_HEADERS = new Set(['connection', 'content-encoding', 'content-length', 'content-type', 'date', 'keep-alive', 'transfer-encoding', 'vary']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * For validating responses: every object schema that lists properties and says nothing about
 * others is closed, so an undocumented field in a response fails. (The published document
 * leaves responses open, so that adding a field stays a compatible change.)
 */
function closeObjectSchemas(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(closeObjectSchemas);
  if (!isObject(node)) return;
  if (isObject(node.properties) && node.additionalProperties === undefined) node.additionalProperties = false;
  Object.values(node).forEach(closeObjectSchemas);
}

export interface Observed {
  operationId: string;
  status: number;
  mediaType: string | null;
}

/**
 * Validates every response the typed client receives against openapi.json: the operation exists,
 * the status is documented for it (no `default` fallback), the media type is one documented
 * for that status, the JSON body matches its schema (openapi-backend, i.e. Ajv), CSV starts with
 * the documented header line, documented headers are present (when required) and valid, and no
 * undocumented header appears. Records what it validated.
 */
export class Conformance {
  readonly document: OpenAPIV3.Document;
  private readonly api: OpenAPIBackend;
  readonly observed: Observed[] = [];

  constructor(path = OPENAPI_PATH) {
    const text = readFileSync(path, 'utf8');
    this.document = JSON.parse(text);
    const strict: OpenAPIV3.Document = JSON.parse(text);
    closeObjectSchemas(strict.components);
    // Formats (date-time, …) are checked too: Ajv ignores them without ajv-formats.
    this.api = new OpenAPIBackend({ definition: strict, strict: true, quick: false, validate: true, customizeAjv: (ajv) => addFormats(ajv) });
  }

  async init(): Promise<void> {
    await this.api.init();
  }

  operation(schemaPath: string, method: string): OpenAPIV3.OperationObject {
    const item = this.document.paths[schemaPath];
    const m = method.toLowerCase();
    const op = item && (m === 'get' || m === 'put' || m === 'post' || m === 'delete') ? item[m] : undefined;
    if (!op?.operationId) throw new Error(`${method} ${schemaPath} is not an operation of openapi.json`);
    return op;
  }

  /** The failures of one response; empty when it conforms. */
  async check(schemaPath: string, method: string, response: Response): Promise<string[]> {
    const op = this.operation(schemaPath, method);
    const operationId = op.operationId ?? '';
    const where = `${operationId} ${response.status}`;
    const documented = op.responses[String(response.status)];
    if (!documented) return [`${where}: status ${response.status} is not documented (documented: ${Object.keys(op.responses).join(', ')})`];
    if ('$ref' in documented) return [`${where}: response $ref not expected`];
    const errors: string[] = [];
    const body = await response.clone().text();
    const contentType = response.headers.get('content-type');
    const mediaType = contentType ? contentType.split(';')[0].trim().toLowerCase() : null;
    const content = documented.content ?? {};
    if (Object.keys(content).length === 0) {
      if (body !== '') errors.push(`${where}: documented without a body, got ${JSON.stringify(body.slice(0, 80))}`);
    } else if (!mediaType || !content[mediaType]) {
      errors.push(`${where}: Content-Type ${contentType} is not documented (documented: ${Object.keys(content).join(', ')})`);
    } else if (mediaType === 'application/json') {
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        errors.push(`${where}: the body is not JSON: ${body.slice(0, 80)}`);
      }
      const result = this.api.validator.validateResponse(json, operationId, response.status);
      for (const e of result.errors ?? []) errors.push(`${where}: body${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
    } else if (mediaType === 'text/csv') {
      const example = content[mediaType].example;
      const header = typeof example === 'string' ? example.split('\n')[0] : undefined;
      if (!header) errors.push(`${where}: text/csv is documented without an example header line`);
      else if (!body.split('\n')[0].startsWith(header)) errors.push(`${where}: CSV header ${body.split('\n')[0]} does not start with ${header}`);
    } else if (mediaType === XLSX_TYPE) {
      // The workbook's header row: the documented CSV header's labels (instants name their zone).
      const example = content['text/csv']?.example;
      const labels: string[] | undefined = typeof example === 'string' ? JSON.parse(`[${example.split('\n')[0]}]`) : undefined;
      const bytes = Buffer.from(await response.clone().arrayBuffer());
      if (!bytes.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) errors.push(`${where}: the XLSX body is not a ZIP file`);
      else if (!labels) errors.push(`${where}: XLSX is documented without a CSV example header line to compare with`);
      else {
        const first = (await readWithExcelJs(bytes)).rows[0]?.map((v) => String(v).replace(/ \([A-Za-z_/+-]+\)$/, '')) ?? [];
        if (JSON.stringify(first.slice(0, labels.length)) !== JSON.stringify(labels)) errors.push(`${where}: XLSX header row ${JSON.stringify(first)} does not start with ${JSON.stringify(labels)}`);
      }
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    const declared = new Map(Object.entries(documented.headers ?? {}).map(([name, h]) => [name.toLowerCase(), h]));
    for (const name of Object.keys(headers)) {
      if (!declared.has(name) && !TRANSPORT_HEADERS.has(name)) errors.push(`${where}: header ${name} is not documented`);
    }
    for (const [name, h] of declared) {
      if (!('$ref' in h) && h.required && headers[name] === undefined) errors.push(`${where}: required header ${name} is missing`);
    }
    const headerResult = this.api.validator.validateResponseHeaders(headers, operationId, { statusCode: response.status });
    for (const e of headerResult.errors ?? []) errors.push(`${where}: header${e.instancePath} ${e.message}`);
    this.observed.push({ operationId, status: response.status, mediaType });
    return errors;
  }

  /** openapi-fetch middleware: a response that breaks the contract makes the call throw. */
  middleware(): Middleware {
    return {
      onResponse: async ({ schemaPath, request, response }) => {
        const errors = await this.check(schemaPath, request.method, response);
        if (errors.length > 0) throw new Error(`response does not conform to openapi.json:\n  ${errors.join('\n  ')}`);
        return undefined;
      },
    };
  }

  /** `operationId → statuses (media types)` validated so far. */
  matrix(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const o of this.observed) {
      const set = out.get(o.operationId) ?? new Set<string>();
      set.add(o.mediaType === 'text/csv' ? `${o.status} csv` : o.mediaType === XLSX_TYPE ? `${o.status} xlsx` : String(o.status));
      out.set(o.operationId, set);
    }
    return out;
  }
}
