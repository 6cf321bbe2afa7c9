import { Module } from '@nestjs/common';
import { RollupScheduler } from './rollup.scheduler';
import { RollupService } from './rollup.service';

@Module({ providers: [RollupService, RollupScheduler], exports: [RollupService] })
export class RollupModule {}
