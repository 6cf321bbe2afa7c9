import { createPublicKey } from 'node:crypto';
import { CronTime } from 'cron';
import { IANAZone } from 'luxon';

/** The secret `npm start` and `npm run token` use. Refused when NODE_ENV=production. */
export const DEVELOPMENT_JWT_SECRET = 'development-only-statistics-secret-never-use-in-production';

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

/** Keys fetched from the gateway's JSON Web Key Set (JWT_JWKS_URL); see src/auth/jwks-key-store.ts. */
export interface JwksConfig {
  url: string;
  /** A key set older than this is fetched again at the next token (JWT_JWKS_CACHE_MAX_AGE_MS). */
  cacheMaxAgeMs: number;
  /** At most one fetch per this many ms, whatever the tokens say (JWT_JWKS_COOLDOWN_MS). */
  cooldownMs: number;
  /** A fetch not answered within this many ms fails; the cached keys stay in use (JWT_JWKS_TIMEOUT_MS). */
  timeoutMs: number;
}

export type DatabaseConfig =
  | {
      type: 'mysql';
      url: string;
      /** Read replicas (DATABASE_READ_URLS); empty = every query on the primary. */
      readUrls: string[];
      connectTimeoutMs: number;
      /** Upper bound of one statement (not of a streamed export, which is bounded by the client). */
      queryTimeoutMs: number;
    }
  | { type: 'sqlite'; path: string };

/** A configuration value that cannot be used. The message always names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
  }
}

/** Typed, validated configuration. Built once at start by {@link loadConfig}. */
export class AppConfig {
  nodeEnv: string;
  port: number;
  database: DatabaseConfig;
  jwt: {
    /** HMAC secret (HS256) or PEM public key (RS256/ES256); empty with {@link jwks}. */
    key: string;
    /** Set when the keys come from a JWKS (JWT_JWKS_URL): the token's kid picks the key. */
    jwks?: JwksConfig;
    algorithms: JwtAlgorithm[];
    issuer?: string;
    audience?: string;
    usesDevelopmentSecret: boolean;
  };
  configurationLinkBase: string;
  timeZone: string;
  rollup: { dailyAfterDays: number; monthlyAfterDays: number; cron: string; enabled: boolean };
  /** The summaries' fold (src/summary/fold.service.ts). */
  fold: {
    /** Whether this replica folds (FOLD_ENABLED); one replica at a time does, by the fold lease. */
    enabled: boolean;
    /** Pending rows claimed per fold transaction (FOLD_BATCH_ROWS). */
    batchRows: number;
    /** Time between folds when no ingestion wakes the folder (FOLD_INTERVAL_MS). */
    intervalMs: number;
    /** Tests only (FOLD_TEST_PAUSE_AT, refused in production): the fold step where a test process stops for its SIGKILL. */
    testPauseAt?: string;
  };
  logLevel: string;
  bodyLimit: string;
  http: {
    /** A request not answered by then gets 503 (REQUEST_TIMEOUT_MS); also the server's time to receive a whole request. */
    requestTimeoutMs: number;
    /** Time to receive the request headers (slow-loris guard). */
    headersTimeoutMs: number;
  };
  exports: {
    /** Concurrent CSV exports across all tenants on this replica (EXPORT_MAX_CONCURRENT). */
    maxConcurrent: number;
    /** Concurrent CSV exports of one tenant on this replica (EXPORT_MAX_CONCURRENT_PER_TENANT). */
    maxConcurrentPerTenant: number;
  };
  /** Browser origins allowed by CORS (CORS_ORIGINS); empty = no CORS headers at all. */
  corsOrigins: string[];
  /** Prometheus metrics at GET /metrics (METRICS_ENABLED). */
  metrics: { enabled: boolean };
  /** Read API answers about closed periods: `Cache-Control: private, max-age=` this (CACHE_MAX_AGE_SECONDS; 0 → no-cache). */
  cacheMaxAgeSeconds: number;
  /** Answer rows the in-process answer cache keeps (ANSWER_CACHE_ENTRIES; 0 → off). */
  answerCacheEntries: number;
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, dflt: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return dflt;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, dflt: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return dflt;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function mysqlUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be a URL like mysql://user:pass@host:3306/db');
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    throw new ConfigError(name, `must use mysql:// (got ${url.protocol}//)`);
  }
  if (url.pathname.replace(/^\//, '') === '') throw new ConfigError(name, 'must name a database (…:3306/dbname)');
  return raw;
}

/**
 * CORS_ORIGINS: comma-separated exact origins (`scheme://host[:port]`, as a browser sends them in
 * `Origin`: lower case, no default port, no path). `*` and `null` are refused: this is an allow-list.
 */
function corsOrigins(raw: string | undefined): string[] {
  const out: string[] = [];
  for (const item of (raw ?? '').split(',').map((o) => o.trim())) {
    if (item === '') continue;
    let url: URL | undefined;
    try {
      url = new URL(item);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !/^(?:[a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/.test(url.hostname)) {
      throw new ConfigError('CORS_ORIGINS', `must list origins like https://admin.example.com (scheme://host[:port]), got "${item}"`);
    }
    if (url.origin !== item) {
      throw new ConfigError('CORS_ORIGINS', `must list exact origins (lower case, no path, no default port): "${item}" would be "${url.origin}"`);
    }
    if (!out.includes(item)) out.push(item);
  }
  return out;
}

/** Reads and validates the environment. Throws {@link ConfigError} naming the first bad variable. */
/**
 * For entry points (the service, the CLIs): the configuration, or the process exits with code 1
 * and the one-line message naming the variable (`check` runs first, e.g. loadMigrationTarget).
 */
export function loadConfigOrExit(env: Env = process.env, check?: (env: Env) => void): AppConfig {
  try {
    check?.(env);
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = str(env, 'NODE_ENV') ?? 'development';
  const production = nodeEnv === 'production';
  const config = new AppConfig();
  config.nodeEnv = nodeEnv;
  config.port = int(env, 'PORT', 3000, 0, 65535);

  const dbUrl = str(env, 'DATABASE_URL');
  const readUrls = (str(env, 'DATABASE_READ_URLS') ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '')
    .map((u) => mysqlUrl('DATABASE_READ_URLS', u));
  if (dbUrl) {
    config.database = {
      type: 'mysql',
      url: mysqlUrl('DATABASE_URL', dbUrl),
      readUrls,
      connectTimeoutMs: int(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 120000),
      queryTimeoutMs: int(env, 'DATABASE_QUERY_TIMEOUT_MS', 30000, 100, 3600000),
    };
  } else {
    if (readUrls.length > 0) throw new ConfigError('DATABASE_READ_URLS', 'needs DATABASE_URL (replicas of the embedded SQLite database do not exist)');
    config.database = { type: 'sqlite', path: str(env, 'SQLITE_PATH') ?? './data/statistics.sqlite' };
  }

  const secret = str(env, 'JWT_SECRET');
  const publicKey = str(env, 'JWT_PUBLIC_KEY');
  const jwksUrl = str(env, 'JWT_JWKS_URL');
  if (secret && publicKey) throw new ConfigError('JWT_SECRET', 'and JWT_PUBLIC_KEY are both set; set exactly one');
  if (jwksUrl && (secret || publicKey)) {
    throw new ConfigError('JWT_JWKS_URL', `and ${secret ? 'JWT_SECRET' : 'JWT_PUBLIC_KEY'} are both set; set exactly one of JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL`);
  }
  if (jwksUrl) {
    let url: URL;
    try {
      url = new URL(jwksUrl);
    } catch {
      throw new ConfigError('JWT_JWKS_URL', `must be an http(s) URL of a JSON Web Key Set, got "${jwksUrl}"`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new ConfigError('JWT_JWKS_URL', `must be an http(s) URL of a JSON Web Key Set, got "${jwksUrl}"`);
    }
    if (url.username || url.password) throw new ConfigError('JWT_JWKS_URL', 'must not carry credentials (user:password@)');
    config.jwt = {
      key: '',
      algorithms: ['RS256', 'ES256'],
      usesDevelopmentSecret: false,
      jwks: {
        url: url.href,
        cacheMaxAgeMs: int(env, 'JWT_JWKS_CACHE_MAX_AGE_MS', 600_000, 1000, 86_400_000),
        cooldownMs: int(env, 'JWT_JWKS_COOLDOWN_MS', 30_000, 0, 3_600_000),
        timeoutMs: int(env, 'JWT_JWKS_TIMEOUT_MS', 5000, 100, 60_000),
      },
    };
  } else if (publicKey) {
    const pem = publicKey.replace(/\\n/g, '\n');
    if (!/-----BEGIN (RSA |EC )?PUBLIC KEY-----/.test(pem)) {
      throw new ConfigError('JWT_PUBLIC_KEY', 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)');
    }
    let keyType: string | undefined;
    try {
      keyType = createPublicKey(pem).asymmetricKeyType;
    } catch {
      throw new ConfigError('JWT_PUBLIC_KEY', 'is not a readable PEM public key');
    }
    if (keyType !== 'rsa' && keyType !== 'ec') {
      throw new ConfigError('JWT_PUBLIC_KEY', `must be an RSA or EC public key (RS256/ES256), got ${keyType ?? 'an unknown key type'}`);
    }
    config.jwt = { key: pem, algorithms: ['RS256', 'ES256'], usesDevelopmentSecret: false };
  } else if (secret) {
    if (production && secret === DEVELOPMENT_JWT_SECRET) {
      throw new ConfigError('JWT_SECRET', 'is the documented development secret; refusing to start in production');
    }
    if (production && secret.length < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 characters in production');
    config.jwt = { key: secret, algorithms: ['HS256'], usesDevelopmentSecret: secret === DEVELOPMENT_JWT_SECRET };
  } else {
    if (production) throw new ConfigError('JWT_SECRET', 'or JWT_PUBLIC_KEY or JWT_JWKS_URL must be set in production');
    config.jwt = { key: DEVELOPMENT_JWT_SECRET, algorithms: ['HS256'], usesDevelopmentSecret: true };
  }
  config.jwt.issuer = str(env, 'JWT_ISSUER');
  config.jwt.audience = str(env, 'JWT_AUDIENCE');

  const base = str(env, 'CONFIGURATION_LINK_BASE') ?? 'https://www.roomle.com/t/cp/';
  try {
    const u = new URL(base);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
  } catch {
    throw new ConfigError('CONFIGURATION_LINK_BASE', `must be an http(s) URL, got "${base}"`);
  }
  config.configurationLinkBase = base;

  const zone = str(env, 'STATISTICS_TIME_ZONE') ?? 'UTC';
  if (!IANAZone.isValidZone(zone)) throw new ConfigError('STATISTICS_TIME_ZONE', `must be an IANA time zone, got "${zone}"`);
  config.timeZone = zone;

  const daily = int(env, 'ROLLUP_DAILY_AFTER_DAYS', 30, 1, 3650);
  const monthly = int(env, 'ROLLUP_MONTHLY_AFTER_DAYS', 180, 1, 36500);
  if (monthly <= daily) throw new ConfigError('ROLLUP_MONTHLY_AFTER_DAYS', `must be greater than ROLLUP_DAILY_AFTER_DAYS (${daily})`);
  const cron = str(env, 'ROLLUP_CRON') ?? '0 7 * * * *';
  try {
    new CronTime(cron, 'UTC');
  } catch (err) {
    throw new ConfigError('ROLLUP_CRON', `must be a cron expression (5 or 6 fields), got "${cron}": ${(err as Error).message}`);
  }
  config.rollup = { dailyAfterDays: daily, monthlyAfterDays: monthly, cron, enabled: bool(env, 'ROLLUP_ENABLED', true) };
  config.fold = {
    enabled: bool(env, 'FOLD_ENABLED', true),
    batchRows: int(env, 'FOLD_BATCH_ROWS', 2000, 1, 50000),
    intervalMs: int(env, 'FOLD_INTERVAL_MS', 1000, 10, 3600000),
  };
  const pauseAt = str(env, 'FOLD_TEST_PAUSE_AT');
  if (pauseAt !== undefined) {
    if (config.nodeEnv === 'production') throw new ConfigError('FOLD_TEST_PAUSE_AT', 'is for the crash tests only and refused in production');
    if (!['claimed', 'summed', 'applied', 'deleted'].includes(pauseAt)) throw new ConfigError('FOLD_TEST_PAUSE_AT', `must be one of claimed, summed, applied, deleted, got "${pauseAt}"`);
    config.fold.testPauseAt = pauseAt;
  }

  const level = (str(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(level)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  config.logLevel = level;

  const limit = str(env, 'BODY_LIMIT') ?? '2mb';
  if (!/^\d+(b|kb|mb)$/i.test(limit)) throw new ConfigError('BODY_LIMIT', `must look like 512kb or 2mb, got "${limit}"`);
  config.bodyLimit = limit;

  const requestTimeoutMs = int(env, 'REQUEST_TIMEOUT_MS', 30000, 100, 3600000);
  config.http = { requestTimeoutMs, headersTimeoutMs: Math.min(requestTimeoutMs, 20000) };
  const maxConcurrent = int(env, 'EXPORT_MAX_CONCURRENT', 8, 1, 1000);
  const maxConcurrentPerTenant = int(env, 'EXPORT_MAX_CONCURRENT_PER_TENANT', 2, 1, 1000);
  if (maxConcurrentPerTenant > maxConcurrent) {
    throw new ConfigError('EXPORT_MAX_CONCURRENT_PER_TENANT', `must not exceed EXPORT_MAX_CONCURRENT (${maxConcurrent})`);
  }
  config.exports = { maxConcurrent, maxConcurrentPerTenant };
  config.corsOrigins = corsOrigins(str(env, 'CORS_ORIGINS'));
  config.metrics = { enabled: bool(env, 'METRICS_ENABLED', true) };
  config.cacheMaxAgeSeconds = int(env, 'CACHE_MAX_AGE_SECONDS', 300, 0, 31_536_000);
  config.answerCacheEntries = int(env, 'ANSWER_CACHE_ENTRIES', 200_000, 0, 100_000_000);
  return config;
}

/**
 * The database a migration script targets (MIGRATION_TARGET, set by each `npm run migration:*`
 * script, read by `ormconfig.ts`): the TypeORM CLI must never migrate SQLite because
 * DATABASE_URL was forgotten, nor MySQL from a `:sqlite` script.
 */
export function loadMigrationTarget(env: Env = process.env): 'mysql' | 'sqlite' {
  const target = str(env, 'MIGRATION_TARGET');
  if (target !== 'mysql' && target !== 'sqlite') {
    throw new ConfigError(
      'MIGRATION_TARGET',
      `must be mysql or sqlite, got ${target === undefined ? 'nothing' : `"${target}"`} (use npm run migration:run:mysql / :sqlite, or migration:generate:mysql / :sqlite)`,
    );
  }
  const dbUrl = str(env, 'DATABASE_URL');
  if (target === 'mysql') {
    if (!dbUrl) throw new ConfigError('DATABASE_URL', 'must be set to the MySQL/MariaDB database to migrate (mysql://user:pass@host:3306/db)');
    mysqlUrl('DATABASE_URL', dbUrl);
  } else if (dbUrl) {
    throw new ConfigError('DATABASE_URL', 'is set, but the :sqlite scripts migrate the SQLite file at SQLITE_PATH; unset it, or use the :mysql script');
  }
  return target;
}

/** The database `npm run schema:check` drops, migrates and compares (SCHEMA_CHECK_DATABASE_URL). */
export function loadSchemaCheckUrl(env: Env = process.env): string {
  return scratchMysqlUrl(env, 'SCHEMA_CHECK_DATABASE_URL', 'mysql://root@127.0.0.1:3306/statistics_schema_test');
}

/** The database `npm run sql:snapshot` drops, migrates and runs the repositories' examples on (SQL_SNAPSHOT_DATABASE_URL). */
export function loadSqlSnapshotUrl(env: Env = process.env): string {
  return scratchMysqlUrl(env, 'SQL_SNAPSHOT_DATABASE_URL', 'mysql://root@127.0.0.1:3306/statistics_sql_snapshot_test');
}

/** A MySQL URL of a database a tool drops and re-creates: its name must contain "test". */
function scratchMysqlUrl(env: Env, variable: string, fallback: string): string {
  const raw = str(env, variable) ?? fallback;
  const url = new URL(mysqlUrl(variable, raw));
  if (!url.pathname.includes('test')) {
    throw new ConfigError(variable, `must name a database containing "test" (it is dropped and re-created), got "${url.pathname.slice(1)}"`);
  }
  return raw;
}
