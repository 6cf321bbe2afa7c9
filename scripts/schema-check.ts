// npm run schema:check [-- --dialect sqlite|mysql]
// Migrates a fresh SQLite file and a fresh MySQL/MariaDB database (SCHEMA_CHECK_DATABASE_URL,
// default mysql://root@127.0.0.1:3306/statistics_schema_test; dropped and re-created, so its
// name must contain "test"), then asks TypeORM what `migration:generate` would write. Any
// statement means the entities (src/database/entities.ts) and the migrations disagree: the
// check lists them and fails. On MySQL it also checks that every table and text column has the
// binary NO PAD collation the migrations choose (TypeORM does not compare collations).
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig, ConfigError, loadConfig, loadSchemaCheckUrl } from '../src/config/app-config';
import { openDataSource } from '../src/database/data-source-options';
import { pendingSchemaQueries, schemaToolOptions } from '../src/database/schema-tools';
import { recreateMysqlDatabase } from './scratch-database';

const BINARY_COLLATIONS = ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin'];

/** The environment of the checked database alone: nothing of the caller's DATABASE_* leaks in. */
function configFor(database: Record<string, string>): AppConfig {
  const env: Record<string, string | undefined> = { ...process.env, DATABASE_URL: undefined, DATABASE_READ_URLS: undefined, SQLITE_PATH: undefined };
  return loadConfig({ ...env, ...database });
}

async function migrateAndDiff(config: AppConfig): Promise<string[]> {
  await (await openDataSource(config, { statementTimeout: false })).destroy();
  return pendingSchemaQueries(await schemaToolOptions(config));
}

async function checkSqlite(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'schema-check-'));
  try {
    return await migrateAndDiff(configFor({ SQLITE_PATH: join(dir, 'schema-check.sqlite') }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function checkMysql(url: string): Promise<string[]> {
  const name = await recreateMysqlDatabase(url);
  const config = configFor({ DATABASE_URL: url });
  const pending = await migrateAndDiff(config);
  const db = new DataSource({ type: 'mysql', url, entities: [] });
  await db.initialize();
  try {
    const tables: { t: string; c: string }[] = await db.query(
      'SELECT TABLE_NAME AS t, TABLE_COLLATION AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> ?',
      [name, 'migrations'],
    );
    const columns: { t: string; col: string; c: string }[] = await db.query(
      'SELECT TABLE_NAME AS t, COLUMN_NAME AS col, COLLATION_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> ? AND COLLATION_NAME IS NOT NULL',
      [name, 'migrations'],
    );
    for (const { t, c } of tables) if (!BINARY_COLLATIONS.includes(c)) pending.push(`-- table ${t} has collation ${c}, expected ${BINARY_COLLATIONS.join(' or ')}`);
    for (const { t, col, c } of columns) if (!BINARY_COLLATIONS.includes(c)) pending.push(`-- column ${t}.${col} has collation ${c}, expected ${BINARY_COLLATIONS.join(' or ')}`);
  } finally {
    await db.destroy();
  }
  return pending;
}

function parseDialects(argv: string[]): ('sqlite' | 'mysql')[] {
  if (argv.length === 0) return ['sqlite', 'mysql'];
  if (argv.length === 2 && argv[0] === '--dialect' && (argv[1] === 'sqlite' || argv[1] === 'mysql')) return [argv[1]];
  console.error('usage: npm run schema:check [-- --dialect sqlite|mysql]');
  process.exit(2);
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const dialects = parseDialects(process.argv.slice(2));
  let url = '';
  try {
    if (dialects.includes('mysql')) url = loadSchemaCheckUrl(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  let failed = false;
  for (const dialect of dialects) {
    const where = dialect === 'sqlite' ? 'a fresh SQLite file' : `${new URL(url).host}/${new URL(url).pathname.slice(1)}`;
    const pending = dialect === 'sqlite' ? await checkSqlite() : await checkMysql(url);
    if (pending.length === 0) {
      console.log(`schema:check ${dialect}: entities and migrations agree (${where})`);
    } else {
      failed = true;
      console.error(`schema:check ${dialect}: entities and migrations disagree (${where}); migration:generate would write ${pending.length} statement(s):`);
      for (const q of pending) console.error(`  ${q}`);
    }
  }
  if (failed) {
    console.error('Fix src/database/entities.ts to describe what the migrations create (or add a migration for both dialects); see docs/database.md.');
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(`schema:check failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
