import { BadRequestException, NotAcceptableException } from '@nestjs/common';
import type { CsvOptions } from './csv';
import { XLSX_MEDIA_TYPE } from './xlsx';

/** The values `?format=` accepts, in the order the OpenAPI document and the 400 message list them. */
export const FORMAT_PARAM_VALUES = ['csv', 'json', 'xlsx'] as const;

export type OutputFormat = (typeof FORMAT_PARAM_VALUES)[number];

/** `?csvBom=`: a UTF-8 byte-order mark before the CSV (default false). */
export const CSV_BOM_VALUES = ['true', 'false'] as const;
/** `?csvDelimiter=`: the CSV field separator, `comma` (default, the contract) or `semicolon`. */
export const CSV_DELIMITER_VALUES = ['comma', 'semicolon'] as const;

const [XLSX_TYPE, XLSX_SUB] = XLSX_MEDIA_TYPE.split('/');

const OFFERS: Array<{ format: OutputFormat; type: string; sub: string }> = [
  { format: 'json', type: 'application', sub: 'json' },
  { format: 'csv', type: 'text', sub: 'csv' },
  { format: 'xlsx', type: XLSX_TYPE, sub: XLSX_SUB },
];

/**
 * The one check of `?format=` (the query DTOs only declare it, for the document and the
 * unknown-parameter check): it runs in the OutputInterceptor, before any pipe.
 * `?format=csv|json|xlsx` wins; otherwise the Accept header: the acceptable offer with the highest
 * q (then the most specific match, then JSON, CSV, XLSX in that order). No Accept, `*\/*` → JSON;
 * nothing acceptable → 406.
 */
export function negotiateFormat(accept: string | undefined, format: unknown): OutputFormat {
  if (format !== undefined) {
    if ((FORMAT_PARAM_VALUES as readonly unknown[]).includes(format)) return format as OutputFormat;
    throw new BadRequestException(`format must be one of: ${FORMAT_PARAM_VALUES.join(', ')}`);
  }
  if (!accept || !accept.trim()) return 'json';
  let best: { format: OutputFormat; q: number; specificity: number; order: number } | undefined;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().split(';').map((s) => s.trim().toLowerCase());
    if (!range) continue;
    const [type, sub] = range.split('/');
    let q = 1;
    for (const p of params) {
      const m = /^q=([0-9.]+)$/.exec(p);
      if (m) q = Number(m[1]);
    }
    if (!(q > 0)) continue;
    OFFERS.forEach((offer, order) => {
      const specificity = type === offer.type && sub === offer.sub ? 2 : type === offer.type && sub === '*' ? 1 : type === '*' && sub === '*' ? 0 : -1;
      if (specificity < 0) return;
      if (!best || q > best.q || (q === best.q && (specificity > best.specificity || (specificity === best.specificity && order < best.order)))) {
        best = { format: offer.format, q, specificity, order };
      }
    });
  }
  if (!best) throw new NotAcceptableException(`Accept allows none of application/json, text/csv, ${XLSX_MEDIA_TYPE} (or use ?format=csv|json|xlsx)`);
  return best.format;
}

/**
 * `?csvBom=` and `?csvDelimiter=`, checked like `format` (in the interceptor, before any pipe;
 * a bad value is a 400 naming the parameter). Accepted with every format, used by CSV only.
 */
export function csvOptions(query: Record<string, unknown>): CsvOptions {
  const pick = <V extends string>(name: string, values: readonly V[], fallback: V): V => {
    const v = query[name];
    if (v === undefined) return fallback;
    if ((values as readonly unknown[]).includes(v)) return v as V;
    throw new BadRequestException(`${name} must be one of: ${values.join(', ')}`);
  };
  return {
    bom: pick('csvBom', CSV_BOM_VALUES, 'false') === 'true',
    delimiter: pick('csvDelimiter', CSV_DELIMITER_VALUES, 'comma') === 'semicolon' ? ';' : ',',
  };
}
