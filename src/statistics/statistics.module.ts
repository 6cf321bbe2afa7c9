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
import { ReadCache } from './output/read-cache';
import { SeriesController } from './series/series.controller';
import { SeriesRepository } from './series/series.repository';
import { SeriesService } from './series/series.service';
import { UserActionsController } from './user-actions/user-actions.controller';
import { MonthlyUserActionsRepository } from './user-actions/user-actions.repository';
import { UserActionsService } from './user-actions/user-actions.service';

/** The read API: useractions, userActionsAggregated, userActionsSeries, configurations — JSON or CSV. */
@Module({
  imports: [AuthModule],
  controllers: [UserActionsController, AggregatedController, SeriesController, ConfigurationsController],
  providers: [
    UserActionsService,
    MonthlyUserActionsRepository,
    AggregatedService,
    AggregatedRepository,
    SeriesService,
    SeriesRepository,
    ConfigurationsService,
    ConfigurationsRepository,
    OutputInterceptor,
    ExportLimiter,
    AnswerCache,
    HttpCache,
    ReadCache,
  ],
})
export class StatisticsModule {}
