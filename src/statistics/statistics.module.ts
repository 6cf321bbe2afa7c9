import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AggregatedController } from './aggregated/aggregated.controller';
import { AggregatedService } from './aggregated/aggregated.service';
import { ConfigurationsController } from './configurations/configurations.controller';
import { ConfigurationsService } from './configurations/configurations.service';
import { ExportLimiter } from './output/export-limiter';
import { HttpCache } from './output/http-cache';
import { OutputInterceptor } from './output/output.interceptor';
import { UserActionsController } from './user-actions/user-actions.controller';
import { UserActionsService } from './user-actions/user-actions.service';

/** The read API: useractions, userActionsAggregated, configurations — JSON or CSV. */
@Module({
  imports: [AuthModule],
  controllers: [UserActionsController, AggregatedController, ConfigurationsController],
  providers: [UserActionsService, AggregatedService, ConfigurationsService, OutputInterceptor, ExportLimiter, HttpCache],
})
export class StatisticsModule {}
