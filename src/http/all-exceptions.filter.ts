import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { Request, Response } from 'express';
import { replyError, toErrorBody } from './error-body';
import { timedOut } from './request-deadline';

/** Nest's global filter: everything a handler, guard, pipe or interceptor throws becomes an error body (./error-body.ts). */
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
