// DataSource for the TypeORM CLI (migration:generate / migration:run), built from the same
// options as the app. Each `npm run migration:*:<dialect>` script sets MIGRATION_TARGET, and
// the target must agree with the environment: `:mysql` needs a mysql:// DATABASE_URL, `:sqlite`
// refuses one. The database it will touch is printed before anything runs.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfigOrExit, loadMigrationTarget } from './src/config/app-config';
import { schemaToolOptions } from './src/database/schema-tools';

async function cliDataSource(): Promise<DataSource> {
  const config = loadConfigOrExit(process.env, loadMigrationTarget);
  const db = config.database;
  if (db.type === 'mysql') {
    const url = new URL(db.url);
    console.error(`target: MySQL/MariaDB database "${url.pathname.slice(1)}" on ${url.host}`);
  } else {
    console.error(`target: SQLite file ${db.path}`);
  }
  return new DataSource(await schemaToolOptions(config));
}

export const dataSource = cliDataSource();
