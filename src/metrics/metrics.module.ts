import { Global, Module } from '@nestjs/common';
import { RollupModule } from '../rollup/rollup.module';
import { MetricsCollector } from './metrics-collector';
import { Metrics } from './metrics.service';

/** Prometheus metrics: one registry per application (see docs/operations.md). The rollup lag comes from RollupRepository. */
@Global()
@Module({ imports: [RollupModule], providers: [Metrics, MetricsCollector], exports: [Metrics, MetricsCollector] })
export class MetricsModule {}
