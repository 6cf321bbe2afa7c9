import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { entitySchemas } from './entities';
import { runMigrationsExclusively } from './migration-lock';
import { TypeOrmNestLogger } from './typeorm-logger';
import { InitialSchema1764100000000 as MysqlInitialSchema } from './migrations/mysql/1764100000000-InitialSchema';
import { Rollup1764200000000 as MysqlRollup } from './migrations/mysql/1764200000000-Rollup';
import { Summaries1764300000000 as MysqlSummaries } from './migrations/mysql/1764300000000-Summaries';
import { SnapshotPlanIds1764400000000 as MysqlSnapshotPlanIds } from './migrations/mysql/1764400000000-SnapshotPlanIds';
import { ReadCache1764500000000 as MysqlReadCache } from './migrations/mysql/1764500000000-ReadCache';
import { LabelSummaries1764700000000 as MysqlLabelSummaries } from './migrations/mysql/1764700000000-LabelSummaries';
import { LabelIndex1764800000000 as MysqlLabelIndex } from './migrations/mysql/1764800000000-LabelIndex';
import { SummaryFold1764900000000 as MysqlSummaryFold } from './migrations/mysql/1764900000000-SummaryFold';
import { ItemSummaries1765000000000 as MysqlItemSummaries } from './migrations/mysql/1765000000000-ItemSummaries';
import { InitialSchema1764100000000 as SqliteInitialSchema } from './migrations/sqlite/1764100000000-InitialSchema';
import { Rollup1764200000000 as SqliteRollup } from './migrations/sqlite/1764200000000-Rollup';
import { Summaries1764300000000 as SqliteSummaries } from './migrations/sqlite/1764300000000-Summaries';
import { ReadCache1764500000000 as SqliteReadCache } from './migrations/sqlite/1764500000000-ReadCache';
import { QuotedRowId1764600000000 as SqliteQuotedRowId } from './migrations/sqlite/1764600000000-QuotedRowId';
import { LabelSummaries1764700000000 as SqliteLabelSummaries } from './migrations/sqlite/1764700000000-LabelSummaries';
import { LabelIndex1764800000000 as SqliteLabelIndex } from './migrations/sqlite/1764800000000-LabelIndex';
import { SummaryFold1764900000000 as SqliteSummaryFold } from './migrations/sqlite/1764900000000-SummaryFold';
import { ItemSummaries1765000000000 as SqliteItemSummaries } from './migrations/sqlite/1765000000000-ItemSummaries';

/** MySQL 8's default sql_mode; set on every connection so MariaDB behaves like MySQL 8. */
export const MYSQL8_SQL_MODE =
  'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';

export const MYSQL_MIGRATIONS = [MysqlInitialSchema, MysqlRollup, MysqlSummaries, MysqlSnapshotPlanIds, MysqlReadCache, MysqlLabelSummaries, MysqlLabelIndex, MysqlSummaryFold, MysqlItemSummaries];
export const SQLITE_MIGRATIONS = [SqliteInitialSchema, SqliteRollup, SqliteSummaries, SqliteReadCache, SqliteQuotedRowId, SqliteLabelSummaries, SqliteLabelIndex, SqliteSummaryFold, SqliteItemSummaries];

export interface DataSourceRole {
  /**
   * Bound every statement by DATABASE_QUERY_TIMEOUT_MS (the service). The command-line passes
   * (rollup, summaries:rebuild) and the benchmark run long statements on purpose and pass false.
   */
  statementTimeout: boolean;
}

/** mysql2's pool-cluster settings for read replicas: a replica that fails to connect sits out 5 s. */
const REPLICA_CLUSTER = { canRetry: true, removeNodeErrorCount: 1, restoreNodeTimeout: 5000, defaultSelector: 'RR' } as const;
/** How long the primary's pool sits out after a failed connection (see keepPrimaryOnline). */
const PRIMARY_OFFLINE_MS = 40;

/**
 * The one place data-source options are built: the Nest app, `ormconfig.ts` (TypeORM CLI),
 * the rollup CLI, the tests and the benchmark all call this.
 */
export function buildDataSourceOptions(config: AppConfig, role: DataSourceRole = { statementTimeout: true }): DataSourceOptions {
  const db = config.database;
  const common = { entities: entitySchemas(db.type), synchronize: false, migrationsRun: false, logging: false, logger: new TypeOrmNestLogger() } as const;
  if (db.type === 'mysql') {
    const connection = db.readUrls.length
      ? { replication: { master: { url: db.url }, slaves: db.readUrls.map((url) => ({ url })), ...REPLICA_CLUSTER } }
      : { url: db.url };
    return {
      ...common,
      type: 'mysql',
      ...connection,
      timezone: 'Z',
      charset: 'utf8mb4',
      migrations: MYSQL_MIGRATIONS,
      migrationsTransactionMode: 'each',
      // mysql2 fails a statement that gets no answer within the limit (a hung server, a lock
      // queue); Database then drops that connection so its pool slot is not lost.
      ...(role.statementTimeout ? { enableQueryTimeout: true, maxQueryExecutionTime: db.queryTimeoutMs } : {}),
      extra: {
        connectionLimit: 10,
        supportBigNumbers: true,
        bigNumberStrings: false,
        decimalNumbers: true,
        connectTimeout: db.connectTimeoutMs,
      },
    };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: db.path,
    migrations: SQLITE_MIGRATIONS,
    migrationsTransactionMode: 'each',
    enableWAL: db.path !== ':memory:',
    timeout: 10000,
  };
}

type Mysql2Pool = {
  on(event: 'connection', cb: (conn: { query(sql: string): unknown }) => void): void;
  _allConnections: { length: number };
  _freeConnections: { length: number };
  _connectionQueue: { length: number };
};

/** Every mysql2 pool of a data source: the single pool, or the primary's and each replica's. */
function mysqlPools(dataSource: DataSource): Mysql2Pool[] {
  return namedMysqlPools(dataSource).map(([, pool]) => pool);
}

/** The pools by name: `primary`, and `replica1`, `replica2`, … in DATABASE_READ_URLS order (TypeORM's SLAVE0, SLAVE1, …). */
function namedMysqlPools(dataSource: DataSource): Array<[string, Mysql2Pool]> {
  const driver = dataSource.driver as unknown as { pool?: Mysql2Pool; poolCluster?: { _nodes: Record<string, { pool: Mysql2Pool }> } };
  if (driver.pool) return [['primary', driver.pool]];
  return Object.entries(driver.poolCluster?._nodes ?? {}).map(([id, node]) => [
    id === 'MASTER' ? 'primary' : `replica${Number(id.replace(/^SLAVE/, '')) + 1}`,
    node.pool,
  ]);
}

/** Connections lent out and callers waiting for one, per mysql2 pool (from mysql2's pool internals). */
export function mysqlPoolStats(dataSource: DataSource): Array<{ pool: string; inUse: number; waiting: number }> {
  return namedMysqlPools(dataSource).map(([pool, p]) => ({
    pool,
    inUse: p._allConnections.length - p._freeConnections.length,
    waiting: p._connectionQueue.length,
  }));
}

const SESSION_SETTINGS = `SET SESSION sql_mode = '${MYSQL8_SQL_MODE}', time_zone = '+00:00'`;

/**
 * Opens the database, pins the MySQL session settings on every connection of every pool
 * (primary and replicas), and applies pending migrations (on the primary) — exactly once however
 * many processes start together: under the `schema_lock` row, the others wait for them
 * (./migration-lock.ts).
 * Used by the app module and every command-line entry point.
 */
export async function openDataSource(
  config: AppConfig,
  options: DataSourceOptions | DataSourceRole = buildDataSourceOptions(config),
): Promise<DataSource> {
  if (!('type' in options)) options = buildDataSourceOptions(config, options);
  if (options.type === 'better-sqlite3' && options.database !== ':memory:') {
    mkdirSync(dirname(options.database), { recursive: true });
  }
  const timed = options.type === 'mysql' && options.enableQueryTimeout;
  if (options.type === 'mysql' && timed) {
    // Migrations run without the statement timeout: building an index on a large user_action
    // (an online ALTER: reads and writes go on meanwhile) or waiting for another connection's
    // metadata lock may take longer than any read is allowed to.
    const migrator = await initialized({ ...options, enableQueryTimeout: false, maxQueryExecutionTime: undefined });
    try {
      await runMigrationsExclusively(migrator);
    } finally {
      await migrator.destroy();
    }
  }
  const dataSource = await initialized(options);
  if (!timed) await runMigrationsExclusively(dataSource);
  return dataSource;
}

/**
 * With read replicas, mysql2's pool cluster takes a node offline for `restoreNodeTimeout` (5 s)
 * after a failed connection — right for a replica (the next one is tried, and reads fall back to
 * the primary), wrong for the primary: there is no other node to try, so every write would be an
 * immediate 503 ("Pool does Not have online node") for 5 s. Behind a proxy that fails over to
 * another Galera node within a second, those 5 s were most of the write outage (measured: 5.7 s
 * → see docs/scaling.md). The primary's failed connections still fail their caller (and are
 * retried by Database.transaction); it sits out {@link PRIMARY_OFFLINE_MS} only.
 */
function keepPrimaryOnline(dataSource: DataSource): void {
  type Node = { id: string; _offlineUntil: number };
  const cluster = (dataSource.driver as unknown as { poolCluster?: { _increaseErrorCount?: (node: Node) => void; _restoreNodeTimeout?: number } }).poolCluster;
  if (!cluster) return;
  const increase = cluster._increaseErrorCount;
  if (typeof increase !== 'function') throw new Error('mysql2 pool cluster internals not found: the driver changed shape');
  cluster._increaseErrorCount = function (node: Node) {
    increase.call(this, node);
    // A pause shorter than Database.transaction's first retry wait (50 ms), long enough to end
    // mysql2's own immediate retry loop (canRetry) with the connection error.
    if (node.id === 'MASTER' && node._offlineUntil > 0) node._offlineUntil -= (cluster._restoreNodeTimeout ?? 0) - PRIMARY_OFFLINE_MS;
  };
}

/** An initialised data source; MySQL connections get the session settings. */
async function initialized(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource(options);
  await dataSource.initialize();
  if (options.type === 'mysql') {
    const pools = mysqlPools(dataSource);
    if (pools.length === 0) throw new Error('mysql2 pools not found: the TypeORM driver changed shape');
    // Connections created from now on get the session settings when they connect; the single
    // connection the pool opened during initialize() is the idle one the next query takes.
    for (const pool of pools) pool.on('connection', (conn) => conn.query(SESSION_SETTINGS));
    keepPrimaryOnline(dataSource);
    await dataSource.query(SESSION_SETTINGS);
  }
  return dataSource;
}
