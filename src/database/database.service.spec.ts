import { Logger } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import { toErrorBody } from '../http/error-body';
import { Database } from './database.service';
import { TRANSACTION_RETRY } from './errors';

/**
 * Database.transaction's retries, on a stand-in for a MySQL data source whose COMMIT fails as a
 * Galera node makes it fail: certification failure (1213), node not ready (1047), the connection
 * lost during COMMIT. (The real thing: test/cluster/.)
 */
function fakeMysql(commitFailures: unknown[]) {
  const seen = { begins: 0, commits: 0, rollbacks: 0, destroyed: 0, released: 0 };
  const dataSource = {
    options: { type: 'mysql' },
    createQueryRunner: () => {
      let active = false;
      return {
        manager: {},
        get isTransactionActive() {
          return active;
        },
        startTransaction: async () => {
          active = true;
          seen.begins++;
        },
        commitTransaction: async () => {
          seen.commits++;
          const failure = commitFailures.shift();
          if (failure) throw failure;
          active = false;
        },
        rollbackTransaction: async () => {
          seen.rollbacks++;
          active = false;
        },
        release: async () => {
          seen.released++;
        },
        databaseConnection: { destroy: () => seen.destroyed++ },
      };
    },
  };
  return { db: new Database(dataSource as unknown as DataSource), seen };
}

const failure = (code: string, errno: number, message = code) => new QueryFailedError('COMMIT', [], Object.assign(new Error(message), { code, errno }));
const certification = () => failure('ER_LOCK_DEADLOCK', 1213, 'Deadlock found when trying to get lock; try restarting transaction');

describe('Database.transaction retries (MySQL)', () => {
  // the retries log a warning each; keep the test output clean
  beforeAll(() => Logger.overrideLogger(['error']));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']));

  it('runs the work again whole after certification failures at COMMIT, and returns its result', async () => {
    const { db, seen } = fakeMysql([certification(), certification(), certification()]);
    let runs = 0;
    await expect(db.transaction(async () => ++runs)).resolves.toBe(4);
    expect(seen).toEqual({ begins: 4, commits: 4, rollbacks: 3, destroyed: 0, released: 4 });
  });

  it('a connection lost during COMMIT, or a node not ready (1047): the connection is dropped and the work runs again on a new one', async () => {
    const { db, seen } = fakeMysql([
      failure('PROTOCOL_CONNECTION_LOST', 0, 'Connection lost: The server closed the connection.'),
      failure('ER_UNKNOWN_COM_ERROR', 1047, 'WSREP has not yet prepared node for application use'),
    ]);
    let runs = 0;
    await expect(db.transaction(async () => ++runs)).resolves.toBe(3);
    expect(seen.destroyed).toBe(2);
    expect(seen.rollbacks).toBe(0); // a dead connection is not rolled back; the server does that
  });

  it('a conflict that outlives its retries is thrown, and answered 503 (not 500)', async () => {
    const { db, seen } = fakeMysql(Array.from({ length: 50 }, certification));
    let runs = 0;
    const err = await db.transaction(async () => ++runs).catch((e: unknown) => e);
    expect(runs).toBe(TRANSACTION_RETRY.conflictAttempts);
    expect(seen.commits).toBe(TRANSACTION_RETRY.conflictAttempts);
    expect(toErrorBody(err, 'r1').body.statusCode).toBe(503);
  });

  it('a real error (duplicate key) is not retried', async () => {
    const { db } = fakeMysql([failure('ER_DUP_ENTRY', 1062)]);
    let runs = 0;
    await expect(db.transaction(async () => ++runs)).rejects.toBeInstanceOf(QueryFailedError);
    expect(runs).toBe(1);
  });
});
