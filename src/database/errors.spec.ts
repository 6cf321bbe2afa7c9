import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable, isRetryableConflict, retryDelayMs, TRANSACTION_RETRY, transactionRetryOf } from './errors';

function driverError(props: Record<string, unknown>): Error {
  return Object.assign(new Error('driver'), props);
}

describe('isDatabaseUnavailable', () => {
  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'PROTOCOL_CONNECTION_LOST',
    'PROTOCOL_SEQUENCE_TIMEOUT',
    'ER_SERVER_SHUTDOWN',
    'POOL_NONEONLINE',
    'ER_CON_COUNT_ERROR',
  ])('%s (bare and wrapped in QueryFailedError) → unavailable', (code) => {
    expect(isDatabaseUnavailable(driverError({ code }))).toBe(true);
    expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], driverError({ code })))).toBe(true);
  });

  it('a fatal driver error without a server code (a closed connection) → unavailable', () => {
    expect(isDatabaseUnavailable(driverError({ fatal: true, message: "Can't add new command when connection is in closed state" }))).toBe(true);
  });

  it.each(['ER_DUP_ENTRY', 'ER_PARSE_ERROR', 'ER_NO_SUCH_TABLE', 'SQLITE_CONSTRAINT_UNIQUE'])('%s → not unavailable (a real error)', (code) => {
    expect(isDatabaseUnavailable(new QueryFailedError('x', [], driverError({ code })))).toBe(false);
    expect(isDatabaseUnavailable(driverError({ code, fatal: true }))).toBe(false);
  });

  it('anything else → not unavailable', () => {
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    expect(isDatabaseUnavailable('text')).toBe(false);
  });
});

describe('transaction retries (Database.transaction)', () => {
  const wrapped = (code: string, extra: Record<string, unknown> = {}) => new QueryFailedError('COMMIT', [], driverError({ code, ...extra }));

  it.each([
    ['ER_LOCK_DEADLOCK', 'conflict'],
    ['ER_LOCK_WAIT_TIMEOUT', 'conflict'],
    ['ER_UNKNOWN_COM_ERROR', 'lost'],
    ['ER_ERROR_DURING_COMMIT', 'lost'],
    ['POOL_NONEONLINE', 'lost'],
    ['PROTOCOL_CONNECTION_LOST', 'lost'],
    ['ECONNRESET', 'lost'],
    ['EPIPE', 'lost'],
    ['ER_CONNECTION_KILLED', 'lost'],
    ['ER_SERVER_SHUTDOWN', 'lost'],
  ])('%s → %s (wrapped or bare)', (code, kind) => {
    expect(transactionRetryOf(wrapped(code))).toBe(kind);
    expect(transactionRetryOf(driverError({ code }))).toBe(kind);
  });

  it.each(['ECONNREFUSED', 'ETIMEDOUT', 'PROTOCOL_SEQUENCE_TIMEOUT', 'POOL_CLOSED', 'ER_CON_COUNT_ERROR', 'ER_DUP_ENTRY', 'ER_PARSE_ERROR', 'SQLITE_BUSY'])(
    '%s → not retried (unreachable, timed out, or a real error)',
    (code) => {
      expect(transactionRetryOf(wrapped(code))).toBeUndefined();
      expect(retryDelayMs(wrapped(code), 1, 0)).toBeUndefined();
    },
  );

  it('a fatal driver error without a code (a closed connection) → lost', () => {
    expect(transactionRetryOf(driverError({ fatal: true }))).toBe('lost');
    expect(transactionRetryOf(new Error('boom'))).toBeUndefined();
    expect(transactionRetryOf(undefined)).toBeUndefined();
  });

  it('conflicts are retried with short waits up to the attempt limit', () => {
    const err = wrapped('ER_LOCK_DEADLOCK');
    expect(retryDelayMs(err, 1, 0, () => 0)).toBe(10);
    expect(retryDelayMs(err, 3, 0, () => 1)).toBe(50);
    expect(retryDelayMs(err, TRANSACTION_RETRY.conflictAttempts - 1, 0, () => 0)).toBe(10 * (TRANSACTION_RETRY.conflictAttempts - 1));
    expect(retryDelayMs(err, TRANSACTION_RETRY.conflictAttempts, 0)).toBeUndefined();
  });

  it('lost connections wait longer each time, for a few seconds in all (a proxy fails over meanwhile), then give up', () => {
    const err = wrapped('PROTOCOL_CONNECTION_LOST');
    const waits = TRANSACTION_RETRY.lostWaitsMs.map((_, i) => retryDelayMs(err, i + 1, i));
    expect(waits).toEqual([...TRANSACTION_RETRY.lostWaitsMs]);
    expect(waits.reduce((a, b) => a! + b!, 0)).toBeLessThan(10_000);
    expect(retryDelayMs(err, 9, TRANSACTION_RETRY.lostWaitsMs.length)).toBeUndefined();
    // conflicts and lost connections count separately: a conflict after two lost connections still gets its retries
    expect(retryDelayMs(wrapped('ER_LOCK_DEADLOCK'), 3, 2, () => 0)).toBe(30);
  });

  it('only conflicts are "retry the request" 503s; lost connections are the unavailable 503', () => {
    expect(isRetryableConflict(wrapped('ER_LOCK_DEADLOCK'))).toBe(true);
    expect(isRetryableConflict(wrapped('ER_LOCK_WAIT_TIMEOUT'))).toBe(true);
    expect(isRetryableConflict(wrapped('PROTOCOL_CONNECTION_LOST'))).toBe(false);
    expect(isDatabaseUnavailable(wrapped('ER_UNKNOWN_COM_ERROR'))).toBe(true);
  });
});
