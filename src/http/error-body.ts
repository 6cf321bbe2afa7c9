import { HttpException, HttpStatus } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { isDatabaseUnavailable, isRetryableConflict } from '../database/errors';

/**
 * The one shape and the one writer of every error answer (docs/api.md, "Errors"): the exception
 * filter, the request deadline, the 405 middleware, the CSV export's early failure and the
 * body-parser error handler all build their body here and send it with {@link replyError}.
 */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

/** What became of something thrown: the body to send, and whether it is worth an error log line. */
export interface MappedError {
  body: ErrorBody;
  log: boolean;
}

/** `{ statusCode, error: <reason phrase>, message }`. */
export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/** Maps anything thrown into `{ statusCode, error, message }`; SQL and stack traces never leave the process. */
export function toErrorBody(exception: unknown, requestId: string): MappedError {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const res = exception.getResponse();
    let message: string;
    if (typeof res === 'string') message = res;
    else {
      const m = (res as { message?: unknown }).message;
      message = Array.isArray(m) ? m.join('; ') : typeof m === 'string' ? m : exception.message;
    }
    return { body: errorBody(status, message), log: status >= 500 };
  }
  // body-parser and other http-errors style errors (too large, malformed JSON, bad charset)
  const e = exception as { status?: number; statusCode?: number; type?: string; expose?: boolean; code?: string };
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && e.expose !== false) {
    const message =
      e.type === 'entity.too.large'
        ? 'Request body is larger than the accepted limit (BODY_LIMIT)'
        : e.type === 'entity.parse.failed'
          ? 'Request body is not valid JSON'
          : (STATUS_CODES[status] ?? 'Bad request');
    return { body: errorBody(status, message), log: false };
  }
  if (isDatabaseUnavailable(exception)) {
    return { body: errorBody(503, `The database is unavailable; retry later (request id ${requestId})`), log: true };
  }
  if (isRetryableConflict(exception)) {
    // Concurrent writes to the same rows outlived the transaction's retries (Database.transaction):
    // nothing was stored, and the same request sent again succeeds.
    return { body: errorBody(503, `The database is busy with conflicting writes; retry later (request id ${requestId})`), log: true };
  }
  return { body: errorBody(500, `Internal server error (request id ${requestId})`), log: true };
}

/**
 * Sends an error as JSON on a response that has not started: drops headers a CSV download had
 * already set (type, attachment), and asks the client to retry when the database is away.
 */
export function replyError(res: Response, body: ErrorBody): void {
  res.removeHeader('Content-Disposition');
  res.removeHeader('Content-Type');
  if (body.statusCode === HttpStatus.SERVICE_UNAVAILABLE && !res.getHeader('Retry-After')) res.setHeader('Retry-After', '5');
  res.status(body.statusCode).type('application/json').send(JSON.stringify(body));
}

/** The request id pino-http gave the request, or `-`. */
export function requestIdOf(req: Request): string {
  return String((req as { id?: unknown }).id ?? '-');
}

/**
 * Express error middleware after the JSON body parser: its errors (413, malformed JSON) never
 * reach Nest's filters, so they are answered here, in the same shape.
 */
export function bodyParserErrors(err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  replyError(res, toErrorBody(err, requestIdOf(req)).body);
}
