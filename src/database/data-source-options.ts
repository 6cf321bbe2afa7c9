import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ENTITIES } from './entities';
import { InitialSchema1764100000000 as MysqlInitialSchema } from './migrations/mysql/1764100000000-InitialSchema';
import { Rollup1764200000000 as MysqlRollup } from './migrations/mysql/1764200000000-Rollup';
import { Summaries1764300000000 as MysqlSummaries } from './migrations/mysql/1764300000000-Summaries';
import { InitialSchema1764100000000 as SqliteInitialSchema } from './migrations/sqlite/1764100000000-InitialSchema';
import { Rollup1764200000000 as SqliteRollup } from './migrations/sqlite/1764200000000-Rollup';
import { Summaries1764300000000 as SqliteSummaries } from './migrations/sqlite/1764300000000-Summaries';

/** MySQL 8's default sql_mode; set on every connection so MariaDB behaves like MySQL 8. */
export const MYSQL8_SQL_MODE =
  'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';

export const MYSQL_MIGRATIONS = [MysqlInitialSchema, MysqlRollup, MysqlSummaries];
export const SQLITE_MIGRATIONS = [SqliteInitialSchema, SqliteRollup, SqliteSummaries];

/**
 * The one place data-source options are built: the Nest app, `ormconfig.ts` (TypeORM CLI),
 * the rollup CLI, the tests and the benchmark all call this.
 */
export function buildDataSourceOptions(config: AppConfig): DataSourceOptions {
  const common = { entities: ENTITIES, synchronize: false, migrationsRun: false, logging: false } as const;
  if (config.database.type === 'mysql') {
    return {
      ...common,
      type: 'mysql',
      url: config.database.url,
      timezone: 'Z',
      charset: 'utf8mb4',
      migrations: MYSQL_MIGRATIONS,
      migrationsTransactionMode: 'each',
      extra: {
        connectionLimit: 10,
        supportBigNumbers: true,
        bigNumberStrings: false,
        decimalNumbers: true,
        connectTimeout: 10000,
      },
    };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: config.database.path,
    migrations: SQLITE_MIGRATIONS,
    migrationsTransactionMode: 'each',
    enableWAL: config.database.path !== ':memory:',
    timeout: 10000,
  };
}

/**
 * Opens the database, pins the MySQL session settings, and applies pending migrations.
 * Used by the app module and every command-line entry point.
 */
export async function openDataSource(config: AppConfig, options = buildDataSourceOptions(config)): Promise<DataSource> {
  if (options.type === 'better-sqlite3' && options.database !== ':memory:') {
    mkdirSync(dirname(options.database), { recursive: true });
  }
  const dataSource = new DataSource(options);
  await dataSource.initialize();
  if (options.type === 'mysql') {
    // Connections created from now on get the session settings when they connect; the single
    // connection the pool opened during initialize() is the idle one the next query takes.
    const pool = (dataSource.driver as unknown as { pool: { on(e: string, cb: (c: any) => void): void } }).pool;
    pool.on('connection', (conn) => conn.query(`SET SESSION sql_mode = '${MYSQL8_SQL_MODE}', time_zone = '+00:00'`));
    await dataSource.query(`SET SESSION sql_mode = '${MYSQL8_SQL_MODE}', time_zone = '+00:00'`);
  }
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}
