import { Global, Module, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { SummaryRepository } from './summary.repository';
import { SummaryService } from './summary.service';

/** The summary tables; checked (and built on first start) before the service serves requests. */
@Global()
@Module({ providers: [SummaryService, SummaryRepository], exports: [SummaryService, SummaryRepository] })
export class SummaryModule implements OnModuleInit {
  constructor(
    private readonly summary: SummaryService,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.summary.ensureZone(this.config.timeZone);
  }
}
