import { Global, Module, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RollupLeaseRepository } from '../rollup/rollup-lease.repository';
import { FoldScheduler } from './fold.scheduler';
import { FoldService } from './fold.service';
import { PendingRepository } from './pending.repository';
import { SummaryRepository } from './summary.repository';
import { SummaryService } from './summary.service';

/**
 * The summary tables, their pending deltas and the fold; checked (and built on first start)
 * before the service serves requests.
 */
@Global()
@Module({
  providers: [SummaryService, SummaryRepository, PendingRepository, FoldService, FoldScheduler, RollupLeaseRepository],
  exports: [SummaryService, SummaryRepository, PendingRepository, FoldService, FoldScheduler],
})
export class SummaryModule implements OnModuleInit {
  constructor(
    private readonly summary: SummaryService,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.summary.ensureZone(this.config.timeZone);
  }
}
