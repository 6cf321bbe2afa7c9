// DataSource for the TypeORM CLI (migration:generate / migration:run). Built from the same
// options as the app: DATABASE_URL picks MySQL, otherwise the embedded SQLite file.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app-config';
import { buildDataSourceOptions } from './src/database/data-source-options';

export default new DataSource(buildDataSourceOptions(loadConfig(process.env)));
