import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DataSourceRole, openDataSource } from './data-source-options';
import { DataVersionRepository } from './data-version.repository';
import { Database } from './database.service';

/** How the data source is opened, when not as the service (see {@link DatabaseModule.withRole}). */
export const DATA_SOURCE_ROLE = Symbol('DATA_SOURCE_ROLE');

/** Opens the database (running migrations) once per application; closed on shutdown by {@link Database}. */
@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [AppConfig, { token: DATA_SOURCE_ROLE, optional: true }],
      useFactory: (config: AppConfig, role?: DataSourceRole) => openDataSource(config, role),
    },
    Database,
    DataVersionRepository,
  ],
  exports: [DataSource, Database, DataVersionRepository],
})
export class DatabaseModule {
  /** The module for the command-line entry points, e.g. without the per-statement timeout. */
  static withRole(role: DataSourceRole): DynamicModule {
    return { module: DatabaseModule, providers: [{ provide: DATA_SOURCE_ROLE, useValue: role }] };
  }
}
