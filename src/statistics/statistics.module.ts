import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AggregatedController } from './aggregated/aggregated.controller';
import { AggregatedRepository } from './aggregated/aggregated.repository';
import { AggregatedService } from './aggregated/aggregated.service';
import { ConfigurationsController } from './configurations/configurations.controller';
import { ConfigurationsRepository } from './configurations/configurations.repository';
import { ConfigurationsService } from './configurations/configurations.service';
import { AnswerCache } from './output/answer-cache';
import { ExportLimiter } from './output/export-limiter';
import { HttpCache } from './output/http-cache';
import { OutputInterceptor } from './output/output.interceptor';
import { UserActionsController } from './user-actions/user-actions.controller';
import { MonthlyUserActionsRepository } from './user-actions/user-actions.repository';
import { UserActionsService } from './user-actions/user-actions.service';

/** The read API: useractions, userActionsAggregated, configurations — JSON or CSV. */
@Module({
  imports: [AuthModule],
  controllers: [UserActionsController, AggregatedController, ConfigurationsController],
  providers: [
    UserActionsService,
    MonthlyUserActionsRepository,
    AggregatedService,
    AggregatedRepository,
    ConfigurationsService,
    ConfigurationsRepository,
    OutputInterceptor,
    ExportLimiter,
    AnswerCache,
    HttpCache,
  ],
})
export class StatisticsModule {}
