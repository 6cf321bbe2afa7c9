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
  // 1047 on Galera: "WSREP has not yet prepared node for application use" — the node is not in the
  // primary component or not synced. Its connection is dropped, so the next one (through the
  // proxy) may reach a node that is.
  'ER_UNKNOWN_COM_ERROR',
  // 1180 at COMMIT on Galera: "Error while appending streaming replication fragment (provider
  // status: Not connected to Primary Component)" — the node lost the primary component while
  // committing (a member died and the view is changing); the transaction was rolled back.
  'ER_ERROR_DURING_COMMIT',
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

/** Deadlock victim or Galera certification failure (1213), lock wait timeout (1205). */
const CONFLICT_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

/**
 * The connection broke or its node cannot serve right now, after the server may have received the
 * statement: the transaction was rolled back — or, when it broke during COMMIT, may have committed
 * (its outcome is unknown to the client). Not in this list: a server that cannot be reached at all
 * (ECONNREFUSED, a connect timeout, the pool's own errors) and a statement that got no answer in
 * time (a hung server) — retrying those only makes the caller wait longer for the same 503.
 * POOL_NONEONLINE is in: with read replicas, the primary's pool sits out a moment after a failed
 * connection (data-source-options.ts, keepPrimaryOnline).
 */
const LOST_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ER_CONNECTION_KILLED', 'ER_SERVER_SHUTDOWN', 'ER_UNKNOWN_COM_ERROR', 'ER_ERROR_DURING_COMMIT', 'POOL_NONEONLINE']);

function driverOf(err: unknown): { code?: string; fatal?: boolean; errno?: number } | undefined {
  const e = err as { driverError?: { code?: string; fatal?: boolean }; code?: string; fatal?: boolean } | undefined;
  return e?.driverError ?? e;
}

/** Why a MySQL transaction may be run again whole, or undefined when it must not. */
export type TransactionRetry = 'conflict' | 'lost';

/**
 * - `conflict`: another transaction wrote the same rows — InnoDB chose this one as a deadlock
 *   victim, a lock wait timed out, or (Galera) it failed certification at COMMIT or was aborted
 *   by a replicated write-set (all 1213). Nothing was committed; running it again is the cure.
 * - `lost`: the connection broke (a node killed, a proxy failing over) or the node is not ready
 *   (1047, or 1180 at COMMIT while it is not in the primary component). Nothing was committed — unless it broke during COMMIT: then the retry must be
 *   harmless, which every transaction of this service is (ingestion is idempotent on
 *   (tenant, eventId); the others set values or are guarded by the rows they read).
 */
export function transactionRetryOf(err: unknown): TransactionRetry | undefined {
  const d = driverOf(err);
  if (!d) return undefined;
  if (d.code && CONFLICT_CODES.has(d.code)) return 'conflict';
  if (d.code && LOST_CODES.has(d.code)) return 'lost';
  if (d.fatal === true && (!d.code || d.code === 'PROTOCOL_CONNECTION_LOST')) return 'lost';
  return undefined;
}

/** Attempts and waits of {@link retryDelayMs}. */
export const TRANSACTION_RETRY = {
  /** Conflicts: attempts in all (each waits 10·n + 0–20 ms: they clear as soon as the other transaction commits). */
  conflictAttempts: 10,
  /** Lost connections / a node not ready: waits before the 2nd, 3rd, … attempt (a proxy marks a dead node down within ~1–2 s). */
  lostWaitsMs: [50, 250, 750, 1500, 2500],
} as const;

/**
 * How long to wait before attempt `attempt + 1` of a transaction whose attempt `attempt` (1-based)
 * failed with `err`; undefined when it must not run again (not retryable, or retries exhausted —
 * then the error is answered 503 with Retry-After, see {@link isRetryableConflict}).
 * `lostSoFar` counts earlier attempts that failed as `lost`.
 */
export function retryDelayMs(err: unknown, attempt: number, lostSoFar: number, random: () => number = Math.random): number | undefined {
  const kind = transactionRetryOf(err);
  if (kind === 'conflict') return attempt < TRANSACTION_RETRY.conflictAttempts ? 10 * attempt + random() * 20 : undefined;
  if (kind === 'lost') return TRANSACTION_RETRY.lostWaitsMs[lostSoFar];
  return undefined;
}

/** A write conflict that outlived its retries: the client should send the same request again (503, Retry-After). */
export function isRetryableConflict(err: unknown): boolean {
  const d = driverOf(err);
  return !!d?.code && CONFLICT_CODES.has(d.code);
}
