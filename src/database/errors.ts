/** Driver codes that mean "the database is not reachable or did not answer" (→ 503, retry). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'POOL_NONEONLINE',
  'POOL_NOEXIST',
  'POOL_CLOSED',
  'SQLITE_BUSY',
]);

/**
 * Whether an error means the database is unavailable rather than that the statement was wrong:
 * a connection that cannot be made or was lost, a statement that got no answer in time, or a
 * fatal driver error (mysql2 marks a dead connection's errors `fatal`).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { driverError?: { code?: string; fatal?: boolean }; code?: string; fatal?: boolean } | undefined;
  const driver = e?.driverError ?? e;
  if (driver?.code && UNAVAILABLE_CODES.has(driver.code)) return true;
  return driver?.fatal === true && (!driver.code || driver.code.startsWith('PROTOCOL_'));
}
