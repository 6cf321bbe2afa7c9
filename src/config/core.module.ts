import { DynamicModule, Global, Module } from '@nestjs/common';
import { Logger } from 'pino';
import { Calendar } from '../common/calendar';
import { Clock } from '../common/clock';
import { createRootLogger } from '../common/logging';
import { AppConfig } from './app-config';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** Configuration, clock, the statistics calendar (STATISTICS_TIME_ZONE) and the root logger for every module. */
@Global()
@Module({})
export class CoreModule {
  static register(config: AppConfig, clock: Clock): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: Clock, useValue: clock },
        { provide: Calendar, useValue: new Calendar(config.timeZone) },
        { provide: ROOT_LOGGER, useFactory: (): Logger => createRootLogger(config.logLevel) },
      ],
      exports: [AppConfig, Clock, Calendar, ROOT_LOGGER],
    };
  }
}
