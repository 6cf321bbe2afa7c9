import BetterSqlite3 from 'better-sqlite3';
import { Readable } from 'node:stream';
import { QueryRunner } from 'typeorm';

/**
 * The two row-streaming engines behind `Database.streamSql()`: object-mode streams of raw rows
 * with backpressure, stopped (and their connection freed) when destroyed.
 */

/**
 * Drops a mysql2 connection at once, both ways. mysql2's `destroy()` only half-closes its socket
 * (`stream.end()`): a server blocked writing rows to a paused stream (an export whose client went
 * away) never reads that FIN, and keeps the statement — its transaction, read view and metadata
 * locks on every table it reads — until `net_write_timeout` (60 s by default); a migration's DDL
 * waits behind them. Destroying the socket too closes it: the server's next write fails at once
 * and it rolls the statement back.
 */
export function destroyMysqlConnection(conn: { destroy?(): void; stream?: { destroy?(): void } } | undefined): void {
  conn?.destroy?.();
  conn?.stream?.destroy?.();
}

/** Rows per batch: the streams' high-water mark and SQLite's rows per turn of the event loop. */
export const ROW_BATCH = 512;

/**
 * Feeds a mysql2 row stream of `runner`'s connection into `out` with backpressure; `connectFailed`
 * when no connection could be had. While rows are wanted the server must send one within
 * `timeoutMs` (undefined: no limit).
 */
export function pipeMysqlRows(
  runner: QueryRunner,
  sql: string,
  params: unknown[],
  out: Readable,
  timeoutMs: number | undefined,
  connectFailed: (err: Error) => void,
): void {
  let source: (Readable & { destroy(): void; pause(): void; resume(): void }) | undefined;
  let conn: any;
  let finished = false;
  // While rows are wanted, the server must send one within DATABASE_QUERY_TIMEOUT_MS (a hung
  // database mid-export); while the client is slow to read (backpressure) no clock runs.
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    if (timeoutMs === undefined || finished) return;
    idle = setTimeout(() => {
      const err = Object.assign(new Error(`No row from the database within ${timeoutMs} ms (DATABASE_QUERY_TIMEOUT_MS)`), {
        code: 'PROTOCOL_SEQUENCE_TIMEOUT',
      });
      finish(true);
      out.destroy(err);
    }, timeoutMs);
    idle.unref();
  };
  const finish = (broken: boolean) => {
    if (finished) return;
    finished = true;
    clearTimeout(idle);
    if (broken) destroyMysqlConnection(conn);
    void runner.release().catch(() => undefined);
  };
  out._read = () => {
    if (!source || finished) return;
    arm();
    source.resume();
  };
  out._destroy = (err, cb) => {
    finish(true);
    cb(err);
  };
  arm();
  runner
    .connect()
    .then((c: any) => {
      conn = c;
      if (out.destroyed) return finish(true);
      source = conn.query({ sql, values: params }).stream({ highWaterMark: ROW_BATCH });
      source!.on('data', (row: unknown) => {
        if (out.push(row)) arm();
        else {
          clearTimeout(idle);
          source!.pause();
        }
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
    .catch((err: Error) => {
      finish(false);
      if (!out.destroyed) connectFailed(err);
    });
}

export function streamSqliteRows(file: string, sql: string, params: unknown[]): Readable {
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
  let scheduled = false;
  // better-sqlite3 reads synchronously: one batch per turn of the event loop (setImmediate), so
  // a long export never holds up other requests (on loopback the socket rarely pushes back).
  const pull = (stream: Readable) => {
    try {
      if (!db) {
        db = new BetterSqlite3(file, { readonly: true, fileMustExist: true, timeout: 10000 });
        rows = db.prepare(sql).iterate(...(params as unknown[])) as IterableIterator<unknown>;
      }
      for (let i = 0; i < ROW_BATCH; i++) {
        const next = rows!.next();
        if (next.done) {
          close();
          stream.push(null);
          return;
        }
        if (!stream.push(next.value)) return;
      }
    } catch (err) {
      close();
      stream.destroy(err as Error);
    }
  };
  return new Readable({
    objectMode: true,
    highWaterMark: ROW_BATCH,
    read() {
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        if (!this.destroyed) pull(this);
      });
    },
    destroy(err, cb) {
      close();
      cb(err);
    },
  });
}
