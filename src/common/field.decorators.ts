import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDate,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { DateTime } from 'luxon';

const INT32_MAX = 2147483647;

/** Strict ISO 8601 instant with a zone: `2016-06-01T07:54:07.000Z`, `2016-06-01T09:54:07+02:00`. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** Parses a strict ISO 8601 instant with zone; `undefined` for anything else (dates without zone, Feb 30, …). */
export function parseInstant(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !INSTANT.test(value)) return undefined;
  // The common UTC forms without Luxon (it was 2.6 % of the service's CPU under bench D): taken
  // only when Date reads back exactly the text given (no Feb 30 rolled into March, no leap second).
  if (value.length === 24 || value.length === 20) {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime()) && d.toISOString() === (value.length === 24 ? value : `${value.slice(0, 19)}.000Z`)) return d;
  }
  const dt = DateTime.fromISO(value, { setZone: true });
  return dt.isValid ? dt.toJSDate() : undefined;
}

/** Query strings carry text; JSON bodies carry numbers. Accept a digit string or an integer number. */
function toInteger(value: unknown): unknown {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value)) return Number(value);
  return value;
}

interface FieldOptions {
  optional?: boolean;
  description?: string;
  example?: unknown;
  /** The value the service uses when the field is absent (documented only). */
  default?: unknown;
}

/**
 * The OpenAPI side of a field: only schema keywords reach @nestjs/swagger (options such as
 * `fromQuery`, `min` or `max` used to leak into the document's parameters, which made it invalid).
 */
function doc(opts: FieldOptions, schema: ApiPropertyOptions) {
  const { optional, description, example } = opts;
  const options: ApiPropertyOptions = {
    ...schema,
    ...(description !== undefined ? { description } : {}),
    ...(example !== undefined ? { example } : {}),
    ...(opts.default !== undefined ? { default: opts.default } : {}),
  };
  return optional ? ApiPropertyOptional(options) : ApiProperty(options);
}

/** A non-negative integer (query text or JSON number). */
export function IntField(opts: FieldOptions & { min?: number; max?: number; fromQuery?: boolean } = {}) {
  const min = opts.min ?? 0;
  const max = opts.max ?? INT32_MAX;
  return applyDecorators(
    ...(opts.fromQuery ? [Transform(({ value }) => toInteger(value))] : []),
    ...(opts.optional ? [IsOptional()] : []),
    IsInt({ message: '$property must be an integer' }),
    Min(min, { message: `$property must be at least ${min}` }),
    Max(max, { message: `$property must be at most ${max}` }),
    doc(opts, { type: 'integer', minimum: min, maximum: max }),
  );
}

/**
 * `actions[]=1&actions[]=3`, `actions=1&actions=3` and `actions=1` all become `number[]`;
 * `actions[]=x` is a 400 naming the parameter.
 */
export function IntArrayField(opts: FieldOptions & { maxItems?: number } = {}) {
  const maxItems = opts.maxItems ?? 100;
  return applyDecorators(
    Transform(({ value }) => (value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map(toInteger))),
    ...(opts.optional ? [IsOptional()] : []),
    IsArray({ message: '$property must be a list of integers' }),
    ArrayMaxSize(maxItems, { message: `$property may hold at most ${maxItems} ids` }),
    IsInt({ each: true, message: '$property must hold only non-negative integers' }),
    Min(0, { each: true, message: '$property must hold only non-negative integers' }),
    Max(INT32_MAX, { each: true, message: `$property must hold only integers up to ${INT32_MAX}` }),
    doc(opts, { type: 'integer', isArray: true, minimum: 0, maximum: INT32_MAX, maxItems }),
  );
}

/** A list of values from a fixed set; anything else is a 400 listing the allowed values. */
export function EnumArrayField(allowed: readonly string[], opts: FieldOptions = {}) {
  return applyDecorators(
    Transform(({ value }) => (value === undefined ? undefined : Array.isArray(value) ? value : [value])),
    ...(opts.optional ? [IsOptional()] : []),
    IsArray({ message: `$property must be a list of: ${allowed.join(', ')}` }),
    ArrayMaxSize(allowed.length, { message: `$property may name each of ${allowed.join(', ')} at most once` }),
    IsIn(allowed as string[], { each: true, message: `$property may only contain: ${allowed.join(', ')}` }),
    doc(opts, { enum: [...allowed], isArray: true, uniqueItems: true }),
  );
}

/** One value from a fixed set (a query parameter given once); anything else is a 400 listing the allowed values. */
export function EnumField(allowed: readonly string[], opts: FieldOptions = {}) {
  return applyDecorators(
    ...(opts.optional ? [IsOptional()] : []),
    IsIn(allowed as string[], { message: `$property must be one of: ${allowed.join(', ')}` }),
    doc(opts, { type: String, enum: [...allowed] }),
  );
}

/**
 * A query flag: exactly `true` or `false` (query text; a JSON boolean too). `1`, `yes`, an empty
 * value or a repeated parameter are a 400 naming it.
 */
export function BooleanField(opts: FieldOptions = {}) {
  return applyDecorators(
    Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value)),
    ...(opts.optional ? [IsOptional()] : []),
    IsBoolean({ message: '$property must be true or false' }),
    doc(opts, { type: Boolean }),
  );
}

/** An ISO 8601 instant with zone, parsed to a Date; date-only, zone-less or impossible dates → 400. */
export function InstantField(opts: FieldOptions = {}) {
  return applyDecorators(
    Transform(({ value }) => (value === undefined ? undefined : (parseInstant(value) ?? value))),
    ...(opts.optional ? [IsOptional()] : []),
    IsDate({ message: '$property must be an ISO 8601 instant with time zone, e.g. 2016-06-01T07:54:07.000Z' }),
    doc(opts, { type: String, format: 'date-time' }),
  );
}

/** A string of bounded length. */
export function StringField(opts: FieldOptions & { maxLength: number; minLength?: number }) {
  return applyDecorators(
    ...(opts.optional ? [IsOptional()] : []),
    IsString({ message: '$property must be a string' }),
    MinLength(opts.minLength ?? 0, { message: `$property must be at least ${opts.minLength} characters long` }),
    MaxLength(opts.maxLength, { message: `$property must be at most ${opts.maxLength} characters long` }),
    doc(opts, { type: String, maxLength: opts.maxLength, ...(opts.minLength ? { minLength: opts.minLength } : {}) }),
  );
}
