import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { openDataSource } from './data-source-options';
import { Database } from './database.service';

/** Opens the database (running migrations) once per application; closed on shutdown by {@link Database}. */
@Global()
@Module({
  providers: [
    { provide: DataSource, inject: [AppConfig], useFactory: (config: AppConfig) => openDataSource(config) },
    Database,
  ],
  exports: [DataSource, Database],
})
export class DatabaseModule {}
