import { Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { Readable } from 'node:stream';
import { DataSource, EntityManager, QueryFailedError, QueryRunner } from 'typeorm';
import { Metrics } from '../metrics/metrics.service';
import { mysqlPoolStats } from './data-source-options';
import { Dialect, DialectSql } from './dialect';
import { isDatabaseUnavailable, retryDelayMs, transactionRetryOf } from './errors';
import { destroyMysqlConnection, pipeMysqlRows, ROW_BATCH, streamSqliteRows } from './row-streams';

export type { Dialect } from './dialect';

/** A Galera node's state as the readiness probe sees it ({@link Database.galeraState}). */
export interface GaleraState {
  ready: string;
  clusterStatus: string;
  localState: number;
  localStateComment: string;
  /** Ready, Primary and Synced: the node takes writes. */
  synced: boolean;
}

/** Whether a database error is a unique-key violation (both dialects). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { driverError?: { code?: string } })?.driverError?.code ?? (err as { code?: string })?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Access to the database for every service. It hides the two dialects' differences that matter
 * for correctness:
 * - SQLite runs on a single shared connection, so units of work (a read, a transaction) are
 *   serialised here; otherwise one request's queries could run inside another's transaction.
 * - MySQL transactions that lose a deadlock, fail Galera certification, meet a node that is not
 *   ready or lose their connection are retried whole (errors.ts, `retryDelayMs`).
 * - Large results are streamed: mysql2's row stream on a dedicated pooled connection, or a
 *   second read-only SQLite connection (WAL gives it a consistent snapshot).
 * - With read replicas (DATABASE_READ_URLS), the read API ({@link snapshot}, {@link streamSql})
 *   runs on a replica and falls back to the primary when no replica answers; everything else
 *   ({@link read}, {@link transaction}) runs on the primary and sees its own writes.
 * - A statement that got no answer in time (DATABASE_QUERY_TIMEOUT_MS) leaves its connection in
 *   an unknown state: the connection is destroyed, never returned to the pool.
 */
@Injectable()
export class Database implements OnApplicationShutdown {
  readonly dialect: Dialect;
  /** The dialect's SQL pieces (upserts, instant parameters, placeholders) for the repositories. */
  readonly sql: DialectSql;
  /** Whether the read API has replicas to use. */
  readonly hasReplicas: boolean;
  private readonly logger = new Logger(Database.name);
  private tail: Promise<unknown> = Promise.resolve();
  /** SQLite units of work queued or running on the single connection (one runs, the rest wait). */
  private sqliteUnits = 0;

  /** DATABASE_QUERY_TIMEOUT_MS when statements are bounded (the service), else undefined (CLIs). */
  private readonly statementTimeoutMs: number | undefined;

  constructor(
    readonly dataSource: DataSource,
    @Optional() private readonly metrics?: Metrics,
  ) {
    this.dialect = dataSource.options.type === 'mysql' ? 'mysql' : 'sqlite';
    this.sql = new DialectSql(this.dialect);
    this.hasReplicas = dataSource.options.type === 'mysql' && !!dataSource.options.replication;
    const o = dataSource.options as { enableQueryTimeout?: boolean; maxQueryExecutionTime?: number };
    this.statementTimeoutMs = o.enableQueryTimeout ? o.maxQueryExecutionTime : undefined;
  }

  /**
   * Runs `work` on one connection of the primary ('master') or a replica ('slave') and gives the
   * connection back — or destroys it when a statement timed out or the connection broke.
   */
  private async onConnection<T>(mode: 'master' | 'slave', work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner(mode);
    try {
      return await work(runner);
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        destroyMysqlConnection((runner as unknown as { databaseConnection?: Parameters<typeof destroyMysqlConnection>[0] }).databaseConnection);
      }
      throw err;
    } finally {
      await runner.release().catch(() => undefined);
    }
  }

  /**
   * Read-only work for the read API: on a replica when there are any, else on the primary. When
   * no replica can be reached (or one breaks mid-read) the work runs again on the primary — it
   * only reads, so running it twice is harmless.
   */
  private async onReplica<T>(work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    if (!this.hasReplicas) return this.onConnection('master', work);
    try {
      return await this.onConnection('slave', work);
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      this.logger.warn(`no read replica answered (${(err as { code?: string }).code ?? (err as Error).message}); reading from the primary`);
      this.metrics?.replicaFallbacks.inc({ kind: 'read' });
      return this.onConnection('master', work);
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.dialect !== 'sqlite') return work();
    this.sqliteUnits++;
    const run = this.tail.then(work, work).finally(() => this.sqliteUnits--);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Connections in use and callers waiting for one, per pool (the metrics). SQLite has one shared
   * connection: in use while a unit of work runs on it, the others wait; exports read on their
   * own read-only connections and are not counted.
   */
  poolStats(): Array<{ pool: string; inUse: number; waiting: number }> {
    if (this.dialect === 'sqlite') return [{ pool: 'sqlite', inUse: Math.min(this.sqliteUnits, 1), waiting: Math.max(this.sqliteUnits - 1, 0) }];
    return mysqlPoolStats(this.dataSource);
  }

  /** A read outside a transaction, on the primary (sees this service's own writes). */
  read<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (this.dialect === 'sqlite') return this.exclusive(() => work(this.dataSource.manager));
    return this.onConnection('master', (runner) => work(runner.manager));
  }

  /**
   * The read API's reads — on a replica when DATABASE_READ_URLS is set. Several statements that
   * must see one consistent state (summary rows plus the raw rows of the edge days) run in one
   * REPEATABLE READ transaction on MySQL (a single snapshot); SQLite has its serialised connection.
   */
  snapshot<T>(work: (em: EntityManager) => Promise<T>, statements = 2): Promise<T> {
    if (this.dialect === 'sqlite') return this.read(work);
    // One statement is its own snapshot: skip the transaction's round trips.
    return this.onReplica((runner) => (statements < 2 ? work(runner.manager) : this.inTransaction(runner, 'REPEATABLE READ', work)));
  }

  /** `work` in one transaction on `runner`: committed, or rolled back when it throws. */
  private async inTransaction<T>(runner: QueryRunner, level: 'READ COMMITTED' | 'REPEATABLE READ', work: (em: EntityManager) => Promise<T>): Promise<T> {
    await runner.startTransaction(level);
    try {
      const result = await work(runner.manager);
      await runner.commitTransaction();
      return result;
    } catch (err) {
      // A dead or timed-out connection cannot roll back; the server does when it drops it.
      if (runner.isTransactionActive && !isDatabaseUnavailable(err)) await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    }
  }

  /**
   * A read-write transaction on the primary, run again whole when MySQL picks it as a deadlock
   * victim, Galera fails it at certification (1213), a lock wait times out (1205), the node is not
   * ready (1047) or the connection breaks — also during COMMIT, whose outcome the client then does
   * not know: `work` must be harmless to run again after a commit (ingestion is idempotent on
   * (tenant, eventId); every other writer sets values or re-reads what it changes). A conflict that
   * outlives its retries becomes a 503 with Retry-After (http/error-body.ts), never a 500.
   */
  async transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    let lost = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.exclusive(() => (this.dialect === 'mysql' ? this.mysqlTransaction(work) : this.sqliteImmediate(work)));
      } catch (err) {
        const wait = this.dialect === 'mysql' ? retryDelayMs(err, attempt, lost) : undefined;
        if (wait === undefined) throw err;
        const kind = transactionRetryOf(err);
        if (kind === 'lost') lost++;
        const d = ((err as QueryFailedError).driverError ?? err) as { code?: string; errno?: number } | undefined;
        this.logger.warn(`transaction retried after ${d?.code ?? 'error'} (${d?.errno ?? '-'}, ${kind}; attempt ${attempt}, next in ${Math.round(wait)} ms)`);
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private mysqlTransaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.onConnection('master', (runner) => this.inTransaction(runner, 'READ COMMITTED', work));
  }


  /**
   * SQLite write transaction that takes the write lock up front (BEGIN IMMEDIATE, waiting up to
   * the busy timeout). A deferred transaction that reads first and writes later fails with
   * SQLITE_BUSY_SNAPSHOT when another process (the rollup CLI) committed in between.
   */
  private async sqliteImmediate<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.query('BEGIN IMMEDIATE');
    try {
      const result = await work(runner.manager);
      await runner.query('COMMIT');
      return result;
    } catch (err) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** `SELECT 1` — used by the readiness probe. */
  async ping(): Promise<void> {
    await this.read((em) => em.query('SELECT 1'));
  }

  /**
   * The readiness probe's look at the primary: throws when it does not answer; on a MariaDB
   * Galera node (`wsrep_on=ON`) also says whether the node can take writes — `wsrep_ready=ON`,
   * `wsrep_cluster_status=Primary` and `wsrep_local_state=4` (Synced). A node outside the primary
   * component still answers `SHOW` (and nothing else: 1047), so this is asked with `SHOW`.
   * Undefined on SQLite, MySQL and a MariaDB that is not a Galera node.
   */
  async galeraState(): Promise<GaleraState | undefined> {
    if (this.dialect === 'sqlite') {
      await this.ping();
      return undefined;
    }
    return this.read(async (em) => {
      const on: Array<{ Value: string }> = await em.query("SHOW GLOBAL VARIABLES LIKE 'wsrep_on'");
      if (on[0]?.Value !== 'ON') return undefined;
      const rows: Array<{ Variable_name: string; Value: string }> = await em.query(
        "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_cluster_status', 'wsrep_local_state', 'wsrep_local_state_comment')",
      );
      const v = Object.fromEntries(rows.map((r) => [r.Variable_name.toLowerCase(), r.Value]));
      const state: GaleraState = {
        ready: v.wsrep_ready ?? '',
        clusterStatus: v.wsrep_cluster_status ?? '',
        localState: Number(v.wsrep_local_state),
        localStateComment: v.wsrep_local_state_comment ?? '',
        synced: false,
      };
      state.synced = state.ready === 'ON' && state.clusterStatus === 'Primary' && state.localState === 4;
      return state;
    });
  }

  /**
   * Streams the raw rows of a parameterised statement (`?` placeholders; `sql.instant()` for
   * instants), object mode, one row per chunk. Destroying the stream stops the query and
   * frees its connection.
   */
  streamSql(sql: string, params: unknown[]): Readable {
    // Streams bypass TypeORM's query runners: tell its logger here (the SQL snapshots record it).
    this.dataSource.logger.logQuery(sql, params);
    return this.dialect === 'mysql' ? this.streamMysql(sql, params) : streamSqliteRows((this.dataSource.options as { database: string }).database, sql, params);
  }

  private streamMysql(sql: string, params: unknown[]): Readable {
    const out = new Readable({ objectMode: true, highWaterMark: ROW_BATCH, read() {} });
    const open = (mode: 'master' | 'slave') =>
      pipeMysqlRows(this.dataSource.createQueryRunner(mode), sql, params, out, this.statementTimeoutMs, (err) => {
        // No replica answered before the first row: the export runs on the primary instead.
        if (mode === 'slave' && isDatabaseUnavailable(err)) {
          this.logger.warn(`no read replica answered (${(err as { code?: string }).code ?? err.message}); exporting from the primary`);
          this.metrics?.replicaFallbacks.inc({ kind: 'export' });
          open('master');
        } else out.destroy(err);
      });
    open(this.hasReplicas ? 'slave' : 'master');
    return out;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.tail.catch(() => undefined);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
