import { Module } from '@nestjs/common';
import { RollupLeaseRepository } from './rollup-lease.repository';
import { RollupRepository } from './rollup.repository';
import { RollupScheduler } from './rollup.scheduler';
import { RollupService } from './rollup.service';

@Module({
  providers: [RollupService, RollupScheduler, RollupRepository, RollupLeaseRepository],
  exports: [RollupService, RollupRepository, RollupLeaseRepository],
})
export class RollupModule {}
