import { DynamicModule, Module } from '@nestjs/common';
import { Clock, SystemClock } from './common/clock';
import { AppConfig } from './config/app-config';
import { CoreModule } from './config/core.module';
import { DatabaseModule } from './database/database.module';
import { DemoModule } from './demo/demo.module';
import { DirectoryModule } from './directory/directory.module';
import { HealthModule } from './health/health.module';
import { GracefulShutdown } from './http/graceful-shutdown';
import { IngestionModule } from './ingestion/ingestion.module';
import { MetricsModule } from './metrics/metrics.module';
import { RollupModule } from './rollup/rollup.module';
import { StatisticsModule } from './statistics/statistics.module';
import { SummaryModule } from './summary/summary.module';

@Module({})
export class AppModule {
  /** The whole service for a validated configuration; tests pass their own config and clock. */
  static register(config: AppConfig, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: AppModule,
      providers: [GracefulShutdown],
      imports: [CoreModule.register(config, clock), MetricsModule, DatabaseModule, SummaryModule, HealthModule, IngestionModule, DirectoryModule, StatisticsModule, RollupModule, DemoModule],
    };
  }
}
