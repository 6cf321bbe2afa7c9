import { Global, Module, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { SummaryService } from './summary.service';

/** The summary tables; checked (and built on first start) before the service serves requests. */
@Global()
@Module({ providers: [SummaryService], exports: [SummaryService] })
export class SummaryModule implements OnModuleInit {
  constructor(
    private readonly summary: SummaryService,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.summary.ensureZone(this.config.timeZone);
  }
}
