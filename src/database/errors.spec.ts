import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './errors';

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
