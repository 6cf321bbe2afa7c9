import { CallHandler, createParamDecorator, ExecutionContext, Injectable, Logger, NestInterceptor, StreamableFile } from '@nestjs/common';
import { Request, Response } from 'express';
import { Readable } from 'node:stream';
import { map, Observable } from 'rxjs';
import { replyError, toErrorBody } from '../../common/all-exceptions.filter';
import { timedOut } from '../../common/request-deadline';
import { CsvResult } from './csv';
import { EXPORT_RETRY_AFTER_SECONDS, ExportLimiter } from './export-limiter';
import { negotiateFormat, OutputFormat } from './negotiate';

type NegotiatedRequest = Request & { outputFormat?: OutputFormat; id?: string };

/**
 * JSON/CSV negotiation for the read routes, in one place: decides the format before the handler
 * runs (406 when neither is acceptable), and streams a {@link CsvResult} as a download.
 */
@Injectable()
export class OutputInterceptor implements NestInterceptor {
  private readonly logger = new Logger('CsvExport');

  constructor(private readonly limiter: ExportLimiter) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<NegotiatedRequest>();
    const res = http.getResponse<Response>();
    req.outputFormat = negotiateFormat(req.headers.accept, (req.query as Record<string, unknown>).format);
    res.vary('Accept');
    return next.handle().pipe(
      map((result) => {
        if (!(result instanceof CsvResult)) return result;
        // The deadline already answered 503: do not start a stream nobody reads.
        if (timedOut(res)) return undefined;
        // HEAD: the download's headers only; no rows are read and no export slot is taken.
        if (req.method === 'HEAD') {
          if (result.rows instanceof Readable) result.rows.destroy();
          res.setHeader('Content-Type', 'text/csv; charset=utf-8');
          res.setHeader('Content-Disposition', `attachment; filename="${result.filename}"`);
          return undefined;
        }
        let release: () => void;
        try {
          release = this.limiter.acquire(String(req.params.id));
        } catch (err) {
          res.setHeader('Retry-After', String(EXPORT_RETRY_AFTER_SECONDS));
          throw err;
        }
        res.once('close', release);
        const onError = (err: Error) => this.logger.error({ requestId: req.id, err }, 'CSV export failed');
        const stream = result.toStream(onError);
        const requestId = String(req.id ?? '-');
        // The client went away: destroy the pipeline, which stops the query and frees its connection.
        res.once('close', () => {
          if (!stream.readableEnded) stream.destroy();
        });
        const file = new StreamableFile(stream, {
          type: 'text/csv; charset=utf-8',
          disposition: `attachment; filename="${result.filename}"`,
        });
        file.setErrorHandler((err, response) => {
          const r = response as unknown as Response;
          if (!r.headersSent && !timedOut(r)) {
            // Failed before the first byte (the export's first query: e.g. the database is away):
            // an ordinary JSON error, 503 + Retry-After when the database is unavailable.
            const { body, log } = toErrorBody(err, requestId);
            if (log) onError(err);
            replyError(r, body);
            return;
          }
          // A failure after the first bytes must not look like a complete file: break the connection.
          onError(err);
          r.destroy(err);
        });
        return file;
      }),
    );
  }
}

/** The format the interceptor negotiated: `@ResponseFormat() format: OutputFormat`. */
export const ResponseFormat = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): OutputFormat => ctx.switchToHttp().getRequest<NegotiatedRequest>().outputFormat ?? 'json',
);
