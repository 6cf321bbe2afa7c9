import { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';

/**
 * Data-source options for the schema tools (the TypeORM CLI through `ormconfig.ts`, and
 * `npm run schema:check`): the app's options on the primary alone, with TypeORM's `mariadb`
 * type when the server is MariaDB. TypeORM reads MariaDB's information_schema correctly only
 * under that type (MariaDB reports a column without default as `'NULL'` and quotes literal
 * defaults), and would otherwise see every nullable column as changed. The service itself keeps
 * `mysql` on both servers: only the schema reading differs.
 */
export async function schemaToolOptions(config: AppConfig): Promise<DataSourceOptions> {
  const db = config.database;
  const primaryOnly = db.type === 'mysql' ? { ...config, database: { ...db, readUrls: [] } } : config;
  const options = buildDataSourceOptions(primaryOnly, { statementTimeout: false });
  if (options.type !== 'mysql') return options;
  const probe = new DataSource({ ...options, entities: [], migrations: [] });
  await probe.initialize();
  try {
    const [{ v }] = await probe.query('SELECT VERSION() AS v');
    return String(v).includes('MariaDB') ? { ...options, type: 'mariadb' } : options;
  } finally {
    await probe.destroy();
  }
}

/**
 * The statements `migration:generate` would write for this database: what the entities
 * (src/database/entities.ts) say and the database does not have. Empty when they agree.
 */
export async function pendingSchemaQueries(options: DataSourceOptions): Promise<string[]> {
  const dataSource = new DataSource({ ...options, migrationsRun: false, synchronize: false });
  await dataSource.initialize();
  try {
    const log = await dataSource.driver.createSchemaBuilder().log();
    return log.upQueries.map((q) => (q.parameters?.length ? `${q.query} -- ${JSON.stringify(q.parameters)}` : q.query));
  } finally {
    await dataSource.destroy();
  }
}
