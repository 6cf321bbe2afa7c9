import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Clock, SystemClock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { CoreModule } from '../config/core.module';
import { DatabaseModule } from '../database/database.module';
import { DirectoryRepository } from '../directory/directory.repository';
import { DirectoryService } from '../directory/directory.service';
import { IngestionService } from '../ingestion/ingestion.service';
import { UserActionRepository } from '../ingestion/user-action.repository';
import { RollupLeaseRepository } from '../rollup/rollup-lease.repository';
import { RollupRepository } from '../rollup/rollup.repository';
import { RollupService } from '../rollup/rollup.service';
import { FoldService } from '../summary/fold.service';
import { PendingRepository } from '../summary/pending.repository';
import { SummaryRepository } from '../summary/summary.repository';
import { SummaryService } from '../summary/summary.service';

export interface CliContextOptions {
  /** The clock of the services (default: the system clock); the benchmark's generator sets its own. */
  clock?: Clock;
  /** false: configuration and clock only, no database (the token CLI). */
  database?: boolean;
}

/**
 * What the command-line entry points (rollup, summaries:rebuild, token) and the benchmark's
 * dataset generator take from Nest's container: the same providers as the service, without
 * HTTP — no controllers, guards, rollup schedule, fold scheduler (a caller that ingests drains the
 * fold itself: FoldService.drain), nor the start-up summary check (SummaryModule's
 * ensureZone: `rollup` runs it itself, `summaries:rebuild` rebuilds instead). The database is
 * opened without the per-statement timeout: these passes run long statements on purpose.
 */
@Module({})
export class CliModule {
  static register(config: AppConfig, options: CliContextOptions = {}): DynamicModule {
    const core = CoreModule.register(config, options.clock ?? new SystemClock());
    if (options.database === false) return { module: CliModule, imports: [core] };
    const services = [
      SummaryService,
      SummaryRepository,
      PendingRepository,
      FoldService,
      RollupService,
      RollupRepository,
      RollupLeaseRepository,
      IngestionService,
      UserActionRepository,
      DirectoryService,
      DirectoryRepository,
    ];
    return {
      module: CliModule,
      imports: [core, DatabaseModule.withRole({ statementTimeout: false })],
      providers: services,
      exports: services,
    };
  }
}

/**
 * A Nest standalone application context of {@link CliModule}. Errors while opening (a database
 * that cannot be reached) are thrown to the caller, which reports them; `close()` closes the
 * database. stdout stays the caller's (the CLIs print their summaries there).
 */
export async function createCliContext(config: AppConfig, options: CliContextOptions = {}): Promise<INestApplicationContext> {
  // Silent while opening (the caller prints the one-line failure), then warnings and errors.
  const app = await NestFactory.createApplicationContext(CliModule.register(config, options), { logger: false, abortOnError: false });
  app.useLogger(['error', 'warn']);
  return app;
}
