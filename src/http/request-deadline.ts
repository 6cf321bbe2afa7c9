import { NextFunction, Request, Response } from 'express';
import { Server } from 'node:http';
import { AppConfig } from '../config/app-config';
import { errorBody, replyError, requestIdOf } from './error-body';

/** Set on a response that the deadline answered; the late handler result is then dropped quietly. */
export const TIMED_OUT = Symbol('requestTimedOut');

/**
 * No request waits longer than REQUEST_TIMEOUT_MS for its answer to start: a request whose
 * handler has not sent headers by then gets 503 with Retry-After (a hung database, a full pool).
 * The work it started finishes or fails on its own; for ingestion that is safe because a retried
 * batch is deduplicated. A CSV export that has started streaming is not cut off.
 */
export function requestDeadline(timeoutMs: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const timer = setTimeout(() => {
      if (res.headersSent || res.writableEnded) return;
      (res as unknown as Record<symbol, boolean>)[TIMED_OUT] = true;
      replyError(
        res,
        errorBody(
          503,
          `The request did not complete within ${timeoutMs} ms (REQUEST_TIMEOUT_MS); the database may be unavailable — retry later (request id ${requestIdOf(req)})`,
        ),
      );
    }, timeoutMs);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    next();
  };
}

export function timedOut(res: Response): boolean {
  return (res as unknown as Record<symbol, boolean>)[TIMED_OUT] === true;
}

/**
 * Node's own server timeouts: the whole request must arrive within REQUEST_TIMEOUT_MS and its
 * headers within 20 s (slow-loris clients), idle keep-alive sockets close after 65 s (longer than
 * common gateways' 60 s, so the gateway closes first).
 */
export function applyServerTimeouts(server: Server, config: AppConfig): void {
  server.requestTimeout = config.http.requestTimeoutMs;
  server.headersTimeout = config.http.headersTimeoutMs;
  server.keepAliveTimeout = 65_000;
  server.maxHeadersCount = 100;
}
