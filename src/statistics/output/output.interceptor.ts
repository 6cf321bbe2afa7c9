import { CallHandler, createParamDecorator, ExecutionContext, Injectable, Logger, NestInterceptor, StreamableFile } from '@nestjs/common';
import { Request, Response } from 'express';
import { map, Observable } from 'rxjs';
import { CsvResult } from './csv';
import { negotiateFormat, OutputFormat } from './negotiate';

type NegotiatedRequest = Request & { outputFormat?: OutputFormat; id?: string };

/**
 * JSON/CSV negotiation for the read routes, in one place: decides the format before the handler
 * runs (406 when neither is acceptable), and streams a {@link CsvResult} as a download.
 */
@Injectable()
export class OutputInterceptor implements NestInterceptor {
  private readonly logger = new Logger('CsvExport');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<NegotiatedRequest>();
    const res = http.getResponse<Response>();
    req.outputFormat = negotiateFormat(req.headers.accept, (req.query as Record<string, unknown>).format);
    res.vary('Accept');
    return next.handle().pipe(
      map((result) => {
        if (!(result instanceof CsvResult)) return result;
        const onError = (err: Error) => this.logger.error({ requestId: req.id, err }, 'CSV export failed');
        const stream = result.toStream(onError);
        // The client went away: destroy the pipeline, which stops the query and frees its connection.
        res.once('close', () => {
          if (!stream.readableEnded) stream.destroy();
        });
        const file = new StreamableFile(stream, {
          type: 'text/csv; charset=utf-8',
          disposition: `attachment; filename="${result.filename}"`,
        });
        // A failure after the first bytes must not look like a complete file: break the connection.
        file.setErrorHandler((err, response) => {
          onError(err);
          (response as unknown as Response).destroy(err);
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
