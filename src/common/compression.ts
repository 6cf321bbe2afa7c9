import compression from 'compression';
import type { Request, RequestHandler, Response } from 'express';

/** Answers smaller than this are sent as they are: compressing them saves less than it costs. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;
/** A streamed, compressed CSV export is flushed at least this often while rows keep coming. */
export const COMPRESSED_FLUSH_INTERVAL_MS = 1000;

const COMPRESSED_TYPES = /^(application\/json|text\/csv)\s*(;|$)/i;

/**
 * gzip or br (compression's choice by Accept-Encoding, br preferred; br at quality 4 is about as
 * cheap as gzip) for JSON and CSV answers of at least COMPRESSION_THRESHOLD_BYTES. Sets
 * `Vary: Accept-Encoding` on every JSON/CSV answer. Backpressure passes through (the
 * compressor pauses while the socket is full), and a closed response frees the compressor.
 */
export function compressionMiddleware(): RequestHandler {
  return compression({
    threshold: COMPRESSION_THRESHOLD_BYTES,
    filter: (_req: Request, res: Response) => COMPRESSED_TYPES.test(String(res.getHeader('Content-Type') ?? '')),
  }) as unknown as RequestHandler;
}

/**
 * Keeps a compressed stream moving: zlib holds output until it has a full block, so without a
 * flush a slow export would show the client nothing for a long while. The first chunk (the CSV
 * header and first rows) is flushed at once, later ones at most every COMPRESSED_FLUSH_INTERVAL_MS
 * (each flush costs a few bytes of ratio). Without compression `res.flush` is absent or a no-op.
 */
export function streamFlusher(res: Response): { onChunk: () => void; stop: () => void } {
  const flush = () => (res as Response & { flush?: () => void }).flush?.();
  let first = true;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  return {
    onChunk: () => {
      if (stopped) return;
      if (first) {
        first = false;
        // After the chunk was written on: the pipe writes it once this call returns.
        setImmediate(() => !stopped && flush());
      } else if (!timer) {
        timer = setTimeout(() => {
          timer = undefined;
          if (!stopped) flush();
        }, COMPRESSED_FLUSH_INTERVAL_MS);
        timer.unref();
      }
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
