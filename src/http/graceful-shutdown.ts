import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Server } from 'node:http';

/** After this long, connections still open at shutdown are closed whatever they are doing. */
export const SHUTDOWN_GRACE_MS = 20_000;

/**
 * Drains keep-alive connections on shutdown. Node's `server.close()` (what Nest calls) closes the
 * connections that are idle at that moment, but a connection whose response was still being sent
 * stays open after it finishes, until the keep-alive timeout (65 s) — a SIGTERM during a request
 * would keep the process alive for a minute. Here, from the start of the shutdown: every response
 * says `Connection: close`, connections are closed as soon as they turn idle, and after
 * {@link SHUTDOWN_GRACE_MS} whatever is left (a stalled export) is closed.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  beforeApplicationShutdown(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server?.listening) return;
    drainConnections(server);
  }
}

/** Starts draining `server`'s connections; the timers stop when the server has closed. */
export function drainConnections(server: Server, graceMs = SHUTDOWN_GRACE_MS): void {
  // Before the application's own handler, which may answer synchronously.
  server.prependListener('request', (_req, res) => res.setHeader('Connection', 'close'));
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  const all = setTimeout(() => server.closeAllConnections(), graceMs);
  idle.unref();
  all.unref();
  server.once('close', () => {
    clearInterval(idle);
    clearTimeout(all);
  });
}
