import { Global, Module } from '@nestjs/common';
import { MetricsCollector } from './metrics-collector';
import { Metrics } from './metrics.service';

/** Prometheus metrics: one registry per application (see docs/operations.md). */
@Global()
@Module({ providers: [Metrics, MetricsCollector], exports: [Metrics, MetricsCollector] })
export class MetricsModule {}
