import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { Request, Response } from 'express';
import { isDatabaseUnavailable } from '../database/errors';
import { timedOut } from './request-deadline';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

/** Maps anything thrown into `{ statusCode, error, message }`; SQL and stack traces never leave the process. */
export function toErrorBody(exception: unknown, requestId: string): { body: ErrorBody; log: boolean } {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const res = exception.getResponse();
    let message: string;
    if (typeof res === 'string') message = res;
    else {
      const m = (res as { message?: unknown }).message;
      message = Array.isArray(m) ? m.join('; ') : typeof m === 'string' ? m : exception.message;
    }
    return { body: { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message }, log: status >= 500 };
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
    return { body: { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message }, log: false };
  }
  if (isDatabaseUnavailable(exception)) {
    return {
      body: { statusCode: 503, error: STATUS_CODES[503]!, message: `The database is unavailable; retry later (request id ${requestId})` },
      log: true,
    };
  }
  return {
    body: { statusCode: 500, error: STATUS_CODES[500]!, message: `Internal server error (request id ${requestId})` },
    log: true,
  };
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

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request & { id?: string }>();
    const res = ctx.getResponse<Response>();
    const requestId = String(req?.id ?? '-');
    if (timedOut(res)) {
      // REQUEST_TIMEOUT_MS already answered 503; this is the late outcome of the abandoned work.
      this.logger.warn({ requestId, err: exception }, 'request finished after its deadline had answered 503');
      return;
    }
    const { body, log } = toErrorBody(exception, requestId);
    if (log) {
      this.logger.error({ requestId, err: exception, status: body.statusCode }, 'request failed');
    }
    if (res.headersSent) {
      // A stream already started (CSV export): the only honest signal left is a broken response.
      res.destroy(exception instanceof Error ? exception : undefined);
      return;
    }
    replyError(res, body);
  }
}
