import { CallHandler, createParamDecorator, ExecutionContext, Injectable, Logger, NestInterceptor, StreamableFile } from '@nestjs/common';
import { Request, Response } from 'express';
import { Readable } from 'node:stream';
import { mergeMap, Observable } from 'rxjs';
import { tenantIdOf } from '../../auth/tenant-id';
import { streamFlusher } from '../../common/compression';
import { replyError, toErrorBody } from '../../http/error-body';
import { timedOut } from '../../http/request-deadline';
import { AppConfig } from '../../config/app-config';
import { Metrics } from '../../metrics/metrics.service';
import { CsvOptions, CsvResult, CsvStreamObserver } from './csv';
import { EXPORT_RETRY_AFTER_SECONDS, ExportLimiter } from './export-limiter';
import { csvOptions, negotiateFormat, OutputFormat } from './negotiate';
import { XLSX_MEDIA_TYPE } from './xlsx';

type NegotiatedRequest = Request & { outputFormat?: OutputFormat; csvOptions?: CsvOptions; id?: string };

/**
 * JSON/CSV/XLSX negotiation for the read routes, in one place: decides the format (and the CSV
 * options) before the handler runs (406 when nothing is acceptable, 400 for a bad `format`,
 * `csvBom` or `csvDelimiter`), and streams a {@link CsvResult} as a CSV or XLSX download. An XLSX
 * whose known row count exceeds a worksheet is refused with 400 before any byte.
 */
@Injectable()
export class OutputInterceptor implements NestInterceptor {
  private readonly logger = new Logger('CsvExport');

  private readonly observer: CsvStreamObserver;

  constructor(
    private readonly limiter: ExportLimiter,
    metrics: Metrics,
    private readonly config: AppConfig,
  ) {
    this.observer = { rows: (n) => metrics.exportRows.inc(n), bytes: (n) => metrics.exportBytes.inc(n) };
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<NegotiatedRequest>();
    const res = http.getResponse<Response>();
    const query = req.query as Record<string, unknown>;
    req.outputFormat = negotiateFormat(req.headers.accept, query.format);
    req.csvOptions = csvOptions(query);
    res.vary('Accept');
    return next.handle().pipe(
      mergeMap(async (result) => {
        if (!(result instanceof CsvResult)) return result;
        // The deadline already answered 503: do not start a stream nobody reads.
        if (timedOut(res)) return undefined;
        const format = req.outputFormat === 'xlsx' ? 'xlsx' : 'csv';
        if (format === 'xlsx') {
          try {
            result.checkXlsx();
          } catch (err) {
            if (result.rows instanceof Readable) result.rows.destroy();
            throw err;
          }
        }
        const type = format === 'xlsx' ? XLSX_MEDIA_TYPE : 'text/csv; charset=utf-8';
        const disposition = `attachment; filename="${result.filenameFor(format)}"`;
        const options = req.csvOptions;
        const toStream = (onError: (err: Error) => void, onChunk?: () => void) =>
          format === 'xlsx'
            ? result.toXlsx(this.config.timeZone, onError, this.observer, onChunk)
            : result.toStream(onError, this.observer, onChunk, options);
        if (req.method === 'HEAD') {
          // Headers only: no export slot, no query (a row stream not read yet has not started one).
          if (result.rows instanceof Readable) result.rows.destroy();
          res.setHeader('Content-Type', type);
          res.setHeader('Content-Disposition', disposition);
          return undefined;
        }
        let release: () => void;
        try {
          // The tenant id the AccessGuard parsed (the same number the handler got from @TenantId()).
          release = this.limiter.acquire(tenantIdOf(req));
        } catch (err) {
          res.setHeader('Retry-After', String(EXPORT_RETRY_AFTER_SECONDS));
          throw err;
        }
        res.once('close', release);
        const onError = (err: Error) => this.logger.error({ requestId: req.id, err, format }, 'Export failed');
        if (!(result.rows instanceof Readable)) {
          // An answer already in memory is sent with its length: compression then leaves a small one (< 1 kB) as it is.
          const chunks: Buffer[] = [];
          for await (const chunk of toStream(onError)) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
          const body = Buffer.concat(chunks);
          return new StreamableFile(body, { type, disposition, length: body.length });
        }
        const flusher = streamFlusher(res);
        res.once('close', flusher.stop);
        const stream = toStream(onError, flusher.onChunk);
        const requestId = String(req.id ?? '-');
        // The client went away: destroy the pipeline, which stops the query and frees its connection.
        res.once('close', () => {
          if (!stream.readableEnded) stream.destroy();
        });
        const file = new StreamableFile(stream, { type, disposition });
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
