import { Logger as NestLogger } from '@nestjs/common';
import { Logger as TypeOrmLogger } from 'typeorm';

/**
 * TypeORM's messages into the service's own (pino) log at the configured LOG_LEVEL, instead of
 * TypeORM's console output. Parameters are never logged (they hold event ids, e-mails); statements
 * are this service's own parameterised SQL. Query errors are not logged here: the exception
 * filter logs them once, with the request id.
 */
export class TypeOrmNestLogger implements TypeOrmLogger {
  private readonly logger = new NestLogger('Database');

  logQuery(): void {
    /* every statement would be noise; LOG_LEVEL=trace users have the request log */
  }

  logQueryError(): void {
    /* logged by AllExceptionsFilter with the request id */
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`statement took ${time} ms (DATABASE_QUERY_TIMEOUT_MS is the limit): ${query.replace(/\s+/g, ' ').slice(0, 500)}`);
  }

  logSchemaBuild(): void {
    /* synchronize is never on */
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.debug(String(message));
  }
}
