import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import BetterSqlite3 from 'better-sqlite3';
import { Readable } from 'node:stream';
import { DataSource, EntityManager, QueryFailedError, SelectQueryBuilder } from 'typeorm';

export type Dialect = 'mysql' | 'sqlite';

const RETRYABLE_MYSQL = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

/** Whether a database error is a unique-key violation (both dialects). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { driverError?: { code?: string } })?.driverError?.code ?? (err as { code?: string })?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

function isRetryable(err: unknown): boolean {
  const code = (err as { driverError?: { code?: string } })?.driverError?.code;
  return err instanceof QueryFailedError && !!code && RETRYABLE_MYSQL.has(code);
}

/**
 * Access to the database for every service. It hides the two dialects' differences that matter
 * for correctness:
 * - SQLite runs on a single shared connection, so units of work (a read, a transaction) are
 *   serialised here; otherwise one request's queries could run inside another's transaction.
 * - MySQL transactions that lose a deadlock are retried.
 * - Large results are streamed: mysql2's row stream on a dedicated pooled connection, or a
 *   second read-only SQLite connection (WAL gives it a consistent snapshot).
 */
@Injectable()
export class Database implements OnApplicationShutdown {
  readonly dialect: Dialect;
  private readonly logger = new Logger(Database.name);
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly dataSource: DataSource) {
    this.dialect = dataSource.options.type === 'mysql' ? 'mysql' : 'sqlite';
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.dialect !== 'sqlite') return work();
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** A read outside a transaction. */
  read<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.exclusive(() => work(this.dataSource.manager));
  }

  /**
   * Several reads that must see one consistent state, e.g. summary rows plus the raw rows of the
   * edge days: on MySQL one REPEATABLE READ transaction (a single snapshot), on SQLite the
   * serialised connection.
   */
  snapshot<T>(work: (em: EntityManager) => Promise<T>, statements = 2): Promise<T> {
    // One statement is its own snapshot: skip the transaction's round trips.
    if (this.dialect === 'sqlite' || statements < 2) return this.read(work);
    return this.dataSource.transaction('REPEATABLE READ', work);
  }

  /** A read-write transaction, retried (whole) when MySQL picks it as a deadlock victim. */
  async transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.exclusive(() =>
          this.dialect === 'mysql' ? this.dataSource.transaction('READ COMMITTED', work) : this.sqliteImmediate(work),
        );
      } catch (err) {
        if (attempt >= 8 || !isRetryable(err)) throw err;
        this.logger.warn(`transaction retried after ${(err as QueryFailedError).driverError?.name} (attempt ${attempt})`);
        await new Promise((r) => setTimeout(r, 10 * attempt + Math.random() * 20));
      }
    }
  }

  /** An instant as a parameter of a raw `em.query()` (SQLite stores UTC text, mysql2 takes a Date). */
  instantParam(d: Date): Date | string {
    return this.dialect === 'mysql' ? d : d.toISOString().replace('T', ' ').replace('Z', '');
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
   * Streams the raw rows of a query builder (object mode, one row per chunk). Destroying the
   * stream stops the query and frees its connection.
   */
  stream(qb: SelectQueryBuilder<any>): Readable {
    const [sql, params] = qb.getQueryAndParameters();
    return this.streamSql(sql, params);
  }

  /** The same for a raw, parameterised statement (`?` placeholders; use {@link instantParam} for instants). */
  streamSql(sql: string, params: unknown[]): Readable {
    return this.dialect === 'mysql' ? this.streamMysql(sql, params) : this.streamSqlite(sql, params);
  }

  private streamMysql(sql: string, params: unknown[]): Readable {
    const runner = this.dataSource.createQueryRunner('slave');
    const out = new Readable({ objectMode: true, highWaterMark: 512, read() {} });
    let source: (Readable & { destroy(): void }) | undefined;
    let conn: any;
    let finished = false;
    const finish = (broken: boolean) => {
      if (finished) return;
      finished = true;
      if (broken && conn) conn.destroy();
      void runner.release().catch(() => undefined);
    };
    out._read = () => source?.resume();
    out._destroy = (err, cb) => {
      finish(true);
      cb(err);
    };
    runner
      .connect()
      .then((c) => {
        conn = c;
        if (out.destroyed) return finish(true);
        source = conn.query({ sql, values: params }).stream({ highWaterMark: 512 });
        source!.on('data', (row: unknown) => {
          if (!out.push(row)) source!.pause();
        });
        source!.on('end', () => {
          finish(false);
          out.push(null);
        });
        source!.on('error', (err: Error) => {
          finish(true);
          out.destroy(err);
        });
      })
      .catch((err) => out.destroy(err));
    return out;
  }

  private streamSqlite(sql: string, params: unknown[]): Readable {
    const file = (this.dataSource.options as { database: string }).database;
    let db: BetterSqlite3.Database | undefined;
    let rows: IterableIterator<unknown> | undefined;
    const close = () => {
      try {
        rows?.return?.();
        db?.close();
      } catch {
        /* already closed */
      }
      db = undefined;
    };
    return new Readable({
      objectMode: true,
      highWaterMark: 512,
      read() {
        try {
          if (!db) {
            db = new BetterSqlite3(file, { readonly: true, fileMustExist: true, timeout: 10000 });
            rows = db.prepare(sql).iterate(...(params as unknown[])) as IterableIterator<unknown>;
          }
          for (let i = 0; i < 512; i++) {
            const next = rows!.next();
            if (next.done) {
              close();
              this.push(null);
              return;
            }
            if (!this.push(next.value)) return;
          }
        } catch (err) {
          close();
          this.destroy(err as Error);
        }
      },
      destroy(err, cb) {
        close();
        cb(err);
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.tail.catch(() => undefined);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
