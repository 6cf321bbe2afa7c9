import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource, QueryRunner } from 'typeorm';
import { binaryCollation } from './migrations/mysql/collation';

/**
 * Migrations run exactly once however many processes start at the same moment (a rollout of
 * several replicas, on one server or on a Galera cluster).
 *
 * TypeORM's migrator alone races: every process reads the `migrations` table, finds the same
 * migrations pending and runs them, and all but one fail ("Table 'user_action' already exists"),
 * or two run the same non-transactional ALTER. `GET_LOCK()` would serialise them on one server, but
 * Galera does not support it (a lock taken on one node means nothing on another) and a proxy may
 * send two statements of one client to different sessions. So the lock is a row:
 *
 * - `schema_lock` (outside TypeORM's `migrations` table, created with `CREATE TABLE IF NOT EXISTS`
 *   because it must exist before the first migration), one row `name = 'migrations'` inserted
 *   with `INSERT IGNORE`.
 * - A process with pending migrations takes it with a conditional `UPDATE` (free, expired, or its
 *   own), re-reads what is pending, runs it, and frees the row. While it runs, it renews the
 *   lease every {@link MigrationLockOptions.renewMs}; a holder that died (SIGKILL mid-migration)
 *   loses it after {@link MigrationLockOptions.leaseMs} and a waiter takes over.
 * - The others poll: they are done as soon as nothing is pending any more (the holder's migrations
 *   are recorded), and take the lock themselves when it is free or expired and something is still
 *   pending (the holder failed or died).
 *
 * On Galera two nodes may both think they updated the row; certification lets one commit and
 * fails the other with 1213 (or re-runs the autocommit statement, which then changes nothing):
 * a failed take is "not taken", and the loop goes on. Expiry times come from the processes'
 * clocks (as the rollup lease's do); a skew of seconds between hosts only shortens or lengthens
 * a dead holder's lease by that much.
 */

export const MIGRATION_LOCK_TABLE = 'schema_lock';
const LOCK_NAME = 'migrations';

export interface MigrationLockOptions {
  /** How long a taken lock is valid without renewal (default 60 s). */
  leaseMs?: number;
  /** How often the holder renews it while its migrations run (default 10 s). */
  renewMs?: number;
  /** How often a waiter looks again (default 250 ms, with up to as much random jitter). */
  pollMs?: number;
  /** Who takes the lock (default `<host>:<pid>:<random>`). */
  holder?: string;
  /** Gives up waiting after this long (default: never; a Kubernetes start-up probe bounds it). */
  waitMs?: number;
}

export interface MigrationLockOutcome {
  /** Names of the migrations this process ran (empty when none were pending or another process ran them). */
  ran: string[];
  /** Milliseconds from the first look at the lock until this process took it or found nothing pending (0 when nothing was pending at first). */
  waitedMs: number;
  /** Holders seen while waiting. */
  waitedFor: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Names of the data source's migrations that the database has not recorded as executed. */
export async function pendingMigrations(ds: DataSource): Promise<string[]> {
  const all = ds.migrations.map((m) => (m as { name?: string }).name ?? m.constructor.name);
  const runner = ds.createQueryRunner();
  try {
    if (!(await runner.hasTable('migrations'))) return all;
    const rows: Array<{ name: string }> = await runner.query('SELECT name FROM migrations');
    const done = new Set(rows.map((r) => r.name));
    return all.filter((n) => !done.has(n));
  } finally {
    await runner.release();
  }
}

function errorCode(err: unknown): string | undefined {
  const e = err as { driverError?: { code?: string }; code?: string };
  return e?.driverError?.code ?? e?.code;
}

/** Galera certification failure / deadlock / lock wait: someone else changed the row at the same time. */
function isConflict(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'SQLITE_BUSY';
}

async function ensureLockRow(ds: DataSource): Promise<void> {
  const runner = ds.createQueryRunner();
  try {
    if (ds.options.type === 'mysql') {
      const collation = await binaryCollation(runner);
      await runner.query(
        `CREATE TABLE IF NOT EXISTS ${MIGRATION_LOCK_TABLE} (` +
          'name VARCHAR(32) NOT NULL, holder VARCHAR(200) NULL, expires_at BIGINT NULL, PRIMARY KEY (name)' +
          `) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`,
      );
    } else {
      await runner.query(
        `CREATE TABLE IF NOT EXISTS ${MIGRATION_LOCK_TABLE} (name VARCHAR(32) NOT NULL PRIMARY KEY, holder VARCHAR(200) NULL, expires_at BIGINT NULL)`,
      );
    }
    const ignore = ds.options.type === 'mysql' ? 'INSERT IGNORE' : 'INSERT OR IGNORE';
    for (let attempt = 1; ; attempt++) {
      try {
        await runner.query(`${ignore} INTO ${MIGRATION_LOCK_TABLE} (name, holder, expires_at) VALUES (?, NULL, NULL)`, [LOCK_NAME]);
        return;
      } catch (err) {
        // Two nodes inserting the row at once: one of them fails certification; the row is there.
        if (!isConflict(err) || attempt >= 5) throw err;
      }
    }
  } finally {
    await runner.release();
  }
}

async function update(runner: QueryRunner, sql: string, params: unknown[]): Promise<number> {
  const res = await runner.query(sql, params, true);
  return (res as { affected?: number }).affected ?? 0;
}

/** One attempt to take the lock: true when `holder` holds it now. */
async function take(ds: DataSource, holder: string, leaseMs: number): Promise<boolean> {
  const runner = ds.createQueryRunner();
  try {
    const now = Date.now();
    return (
      (await update(
        runner,
        `UPDATE ${MIGRATION_LOCK_TABLE} SET holder = ?, expires_at = ? WHERE name = ? AND (holder IS NULL OR expires_at IS NULL OR expires_at < ? OR holder = ?)`,
        [holder, now + leaseMs, LOCK_NAME, now, holder],
      )) > 0
    );
  } catch (err) {
    if (isConflict(err)) return false;
    throw err;
  } finally {
    await runner.release();
  }
}

async function currentHolder(ds: DataSource): Promise<string | null> {
  const rows: Array<{ holder: string | null }> = await ds.query(`SELECT holder FROM ${MIGRATION_LOCK_TABLE} WHERE name = ?`, [LOCK_NAME]);
  return rows[0]?.holder ?? null;
}

async function renew(ds: DataSource, holder: string, leaseMs: number): Promise<boolean> {
  const runner = ds.createQueryRunner();
  try {
    return (await update(runner, `UPDATE ${MIGRATION_LOCK_TABLE} SET expires_at = ? WHERE name = ? AND holder = ?`, [Date.now() + leaseMs, LOCK_NAME, holder])) > 0;
  } finally {
    await runner.release();
  }
}

async function release(ds: DataSource, holder: string): Promise<void> {
  const runner = ds.createQueryRunner();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await runner.query(`UPDATE ${MIGRATION_LOCK_TABLE} SET holder = NULL, expires_at = NULL WHERE name = ? AND holder = ?`, [LOCK_NAME, holder]);
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 5) throw err;
      }
    }
  } finally {
    await runner.release();
  }
}

/** The default holder id: host, pid and a random part (a restarted pid is another holder). */
export function migrationLockHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`.slice(0, 200);
}

/**
 * Runs the data source's pending migrations under the `schema_lock` row, or waits until the
 * process holding it has run them. Resolves once nothing is pending; rejects when a migration
 * fails (in this process) or after `waitMs`.
 */
export async function runMigrationsExclusively(ds: DataSource, opts: MigrationLockOptions = {}): Promise<MigrationLockOutcome> {
  const logger = new Logger('Migrations');
  const leaseMs = opts.leaseMs ?? 60_000;
  const renewMs = opts.renewMs ?? 10_000;
  const pollMs = opts.pollMs ?? 250;
  const holder = opts.holder ?? migrationLockHolder();
  const outcome: MigrationLockOutcome = { ran: [], waitedMs: 0, waitedFor: [] };
  if ((await pendingMigrations(ds)).length === 0) return outcome;
  await ensureLockRow(ds);
  const started = Date.now();
  for (;;) {
    if ((await pendingMigrations(ds)).length === 0) {
      outcome.waitedMs = Date.now() - started;
      break;
    }
    if (await take(ds, holder, leaseMs)) {
      outcome.waitedMs = Date.now() - started;
      try {
        // Re-read under the lock: the previous holder may have finished since the check above.
        const pending = await pendingMigrations(ds);
        if (pending.length > 0) {
          logger.log(`running ${pending.length} migration(s) under the ${MIGRATION_LOCK_TABLE} row as ${holder}: ${pending.join(', ')}`);
          let renewing = Promise.resolve();
          const timer = setInterval(() => {
            renewing = renewing
              .then(() => renew(ds, holder, leaseMs))
              .then(
                (held) => void (held || logger.error(`the ${MIGRATION_LOCK_TABLE} lease expired while migrations ran (another process may run them too)`)),
                (err: Error) => logger.warn(`could not renew the ${MIGRATION_LOCK_TABLE} lease: ${err.message}`),
              );
          }, renewMs);
          try {
            const ran = await ds.runMigrations({ transaction: 'each' });
            outcome.ran = ran.map((m) => m.name);
          } finally {
            clearInterval(timer);
            await renewing;
          }
        }
      } finally {
        await release(ds, holder);
      }
      break;
    }
    const other = await currentHolder(ds).catch(() => null);
    if (other && !outcome.waitedFor.includes(other)) {
      outcome.waitedFor.push(other);
      logger.log(`waiting for the migrations run by ${other}`);
    }
    if (opts.waitMs !== undefined && Date.now() - started > opts.waitMs) {
      throw new Error(`migrations still pending after ${opts.waitMs} ms waiting for ${other ?? 'the schema lock'}`);
    }
    await sleep(pollMs + Math.random() * pollMs);
  }
  return outcome;
}
