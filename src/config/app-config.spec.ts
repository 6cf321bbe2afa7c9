import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig, loadMigrationTarget, loadSchemaCheckUrl, loadSqlSnapshotUrl } from './app-config';

/** Runs loadConfig and returns the ConfigError it throws (fails the test when it throws nothing or something else). */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`loadConfig(${JSON.stringify(env)}) did not throw`);
}

function expectRejected(env: Record<string, string>, variable: string): void {
  const err = configError(env);
  expect(err.variable).toBe(variable);
  expect(err.message).toContain(variable);
}

const rsaPublicPem = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
}).publicKey;

const ecPublicPem = generateKeyPairSync('ec', {
  namedCurve: 'P-256',
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
}).publicKey;

const STRONG_SECRET = 'a-production-secret-with-more-than-32-characters';

describe('loadConfig', () => {
  describe('defaults (empty environment)', () => {
    const config = loadConfig({});

    it('runs in development on port 3000 with the embedded SQLite file', () => {
      expect(config.nodeEnv).toBe('development');
      expect(config.port).toBe(3000);
      expect(config.database).toEqual({ type: 'sqlite', path: './data/statistics.sqlite' });
    });

    it('verifies HS256 with the development secret and checks no issuer or audience', () => {
      expect(config.jwt).toEqual({
        key: DEVELOPMENT_JWT_SECRET,
        algorithms: ['HS256'],
        usesDevelopmentSecret: true,
        issuer: undefined,
        audience: undefined,
      });
    });

    it('uses the documented defaults for links, calendar, rollup, logging and limits', () => {
      expect(config.configurationLinkBase).toBe('https://www.roomle.com/t/cp/');
      expect(config.timeZone).toBe('UTC');
      expect(config.rollup).toEqual({ dailyAfterDays: 30, monthlyAfterDays: 180, cron: '0 7 * * * *', enabled: true });
      expect(config.logLevel).toBe('info');
      expect(config.bodyLimit).toBe('2mb');
    });

    it('treats blank variables as unset', () => {
      const blank = loadConfig({ PORT: '  ', DATABASE_URL: '', STATISTICS_TIME_ZONE: ' ', LOG_LEVEL: '' });
      expect(blank.port).toBe(3000);
      expect(blank.database).toEqual({ type: 'sqlite', path: './data/statistics.sqlite' });
      expect(blank.timeZone).toBe('UTC');
      expect(blank.logLevel).toBe('info');
    });
  });

  describe('valid values are taken', () => {
    it('reads every variable', () => {
      const config = loadConfig({
        NODE_ENV: 'production',
        PORT: '8080',
        DATABASE_URL: 'mysql://user:pass@db.internal:3306/statistics',
        JWT_SECRET: STRONG_SECRET,
        JWT_ISSUER: 'https://auth.example.com',
        JWT_AUDIENCE: 'statistics',
        CONFIGURATION_LINK_BASE: 'https://shop.example.com/configure/',
        STATISTICS_TIME_ZONE: 'Europe/Vienna',
        ROLLUP_DAILY_AFTER_DAYS: '7',
        ROLLUP_MONTHLY_AFTER_DAYS: '60',
        ROLLUP_CRON: '0 */5 * * * *',
        ROLLUP_ENABLED: 'false',
        LOG_LEVEL: 'WARN',
        BODY_LIMIT: '512kb',
      });
      expect(config.nodeEnv).toBe('production');
      expect(config.port).toBe(8080);
      expect(config.database).toMatchObject({ type: 'mysql', url: 'mysql://user:pass@db.internal:3306/statistics', readUrls: [] });
      expect(config.jwt).toEqual({
        key: STRONG_SECRET,
        algorithms: ['HS256'],
        usesDevelopmentSecret: false,
        issuer: 'https://auth.example.com',
        audience: 'statistics',
      });
      expect(config.configurationLinkBase).toBe('https://shop.example.com/configure/');
      expect(config.timeZone).toBe('Europe/Vienna');
      expect(config.rollup).toEqual({ dailyAfterDays: 7, monthlyAfterDays: 60, cron: '0 */5 * * * *', enabled: false });
      expect(config.logLevel).toBe('warn');
      expect(config.bodyLimit).toBe('512kb');
    });

    it('takes SQLITE_PATH when DATABASE_URL is absent', () => {
      expect(loadConfig({ SQLITE_PATH: '/tmp/x.sqlite' }).database).toEqual({ type: 'sqlite', path: '/tmp/x.sqlite' });
    });

    it('takes an RSA public key for RS256/ES256 (also with escaped newlines, as in a one-line .env)', () => {
      const config = loadConfig({ JWT_PUBLIC_KEY: rsaPublicPem.replace(/\n/g, '\\n') });
      expect(config.jwt.key.trim()).toBe(rsaPublicPem.trim());
      expect(config.jwt.algorithms).toEqual(['RS256', 'ES256']);
      expect(config.jwt.usesDevelopmentSecret).toBe(false);
    });

    it('takes an EC public key', () => {
      expect(loadConfig({ JWT_PUBLIC_KEY: ecPublicPem }).jwt.key).toBe(ecPublicPem.trim());
    });

    it('accepts a 5-field cron expression', () => {
      expect(loadConfig({ ROLLUP_CRON: '*/10 * * * *' }).rollup.cron).toBe('*/10 * * * *');
    });

    it('accepts the boundary values of the numeric variables', () => {
      expect(loadConfig({ PORT: '0' }).port).toBe(0);
      expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
      expect(loadConfig({ ROLLUP_DAILY_AFTER_DAYS: '1', ROLLUP_MONTHLY_AFTER_DAYS: '2' }).rollup).toMatchObject({
        dailyAfterDays: 1,
        monthlyAfterDays: 2,
      });
    });
  });

  describe('reliability settings', () => {
    it('defaults: 5 s connect, 30 s statement and request timeouts, 8 exports of which 2 per tenant, no replicas', () => {
      const config = loadConfig({ DATABASE_URL: 'mysql://user@primary:3306/statistics' });
      expect(config.database).toEqual({
        type: 'mysql',
        url: 'mysql://user@primary:3306/statistics',
        readUrls: [],
        connectTimeoutMs: 5000,
        queryTimeoutMs: 30000,
      });
      expect(config.http).toEqual({ requestTimeoutMs: 30000, headersTimeoutMs: 20000 });
      expect(config.exports).toEqual({ maxConcurrent: 8, maxConcurrentPerTenant: 2 });
      expect(config.cacheMaxAgeSeconds).toBe(300);
    });

    it('reads a comma-separated replica list, ignoring blanks and spaces', () => {
      const config = loadConfig({
        DATABASE_URL: 'mysql://user@primary:3306/statistics',
        DATABASE_READ_URLS: ' mysql://user@replica-1:3306/statistics, ,mysql://user@replica-2:3306/statistics ',
        DATABASE_CONNECT_TIMEOUT_MS: '2000',
        DATABASE_QUERY_TIMEOUT_MS: '3000',
        REQUEST_TIMEOUT_MS: '5000',
        EXPORT_MAX_CONCURRENT: '4',
        EXPORT_MAX_CONCURRENT_PER_TENANT: '1',
        CACHE_MAX_AGE_SECONDS: '0',
      });
      expect(config.database).toEqual({
        type: 'mysql',
        url: 'mysql://user@primary:3306/statistics',
        readUrls: ['mysql://user@replica-1:3306/statistics', 'mysql://user@replica-2:3306/statistics'],
        connectTimeoutMs: 2000,
        queryTimeoutMs: 3000,
      });
      expect(config.http).toEqual({ requestTimeoutMs: 5000, headersTimeoutMs: 5000 });
      expect(config.exports).toEqual({ maxConcurrent: 4, maxConcurrentPerTenant: 1 });
      expect(config.cacheMaxAgeSeconds).toBe(0);
    });
  });

  describe('metrics', () => {
    it('serves /metrics by default; METRICS_ENABLED=false switches it off', () => {
      expect(loadConfig({}).metrics).toEqual({ enabled: true });
      expect(loadConfig({ METRICS_ENABLED: 'false' }).metrics).toEqual({ enabled: false });
      expect(loadConfig({ METRICS_ENABLED: 'true' }).metrics).toEqual({ enabled: true });
    });
  });

  describe('an invalid variable throws ConfigError naming it', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '-1'],
      ['PORT', '65536'],
      ['PORT', '80.5'],
      ['DATABASE_URL', 'not a url'],
      ['DATABASE_URL', 'postgres://user@host:5432/statistics'],
      ['DATABASE_URL', 'mysql://user@host:3306/'],
      ['STATISTICS_TIME_ZONE', 'Mars/Olympus_Mons'],
      ['STATISTICS_TIME_ZONE', 'CEST+99'],
      ['ROLLUP_DAILY_AFTER_DAYS', '0'],
      ['ROLLUP_DAILY_AFTER_DAYS', 'thirty'],
      ['ROLLUP_MONTHLY_AFTER_DAYS', '-5'],
      ['ROLLUP_CRON', 'every hour'],
      ['ROLLUP_CRON', '* * * * * * *'],
      ['ROLLUP_CRON', '0 7 * * 99'],
      ['ROLLUP_CRON', '61 * * * *'],
      ['ROLLUP_ENABLED', 'maybe'],
      ['LOG_LEVEL', 'loud'],
      ['BODY_LIMIT', '2 gigabytes'],
      ['BODY_LIMIT', '10gb'],
      ['BODY_LIMIT', 'mb'],
      ['CONFIGURATION_LINK_BASE', 'ftp://files.example.com/'],
      ['CONFIGURATION_LINK_BASE', 'no url at all'],
      ['JWT_PUBLIC_KEY', 'garbage'],
      ['JWT_PUBLIC_KEY', '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----'],
      ['REQUEST_TIMEOUT_MS', '0'],
      ['REQUEST_TIMEOUT_MS', '5s'],
      ['EXPORT_MAX_CONCURRENT', '0'],
      ['EXPORT_MAX_CONCURRENT_PER_TENANT', 'two'],
      ['METRICS_ENABLED', 'sometimes'],
      ['CACHE_MAX_AGE_SECONDS', '-1'],
      ['CACHE_MAX_AGE_SECONDS', '5m'],
      ['CACHE_MAX_AGE_SECONDS', '31536001'],
    ])('%s=%j', (variable, value) => {
      expectRejected({ [variable]: value }, variable);
    });

    it.each([
      ['DATABASE_CONNECT_TIMEOUT_MS', '10'],
      ['DATABASE_CONNECT_TIMEOUT_MS', 'soon'],
      ['DATABASE_QUERY_TIMEOUT_MS', '-1'],
      ['DATABASE_READ_URLS', 'postgres://replica:5432/statistics'],
      ['DATABASE_READ_URLS', 'mysql://replica-1:3306/statistics,not a url'],
    ])('%s=%j (with DATABASE_URL)', (variable, value) => {
      expectRejected({ DATABASE_URL: 'mysql://user@primary:3306/statistics', [variable]: value }, variable);
    });

    it('DATABASE_READ_URLS without DATABASE_URL (SQLite has no replicas)', () => {
      expectRejected({ DATABASE_READ_URLS: 'mysql://user@replica:3306/statistics' }, 'DATABASE_READ_URLS');
    });

    it('EXPORT_MAX_CONCURRENT_PER_TENANT above EXPORT_MAX_CONCURRENT', () => {
      expectRejected({ EXPORT_MAX_CONCURRENT: '2', EXPORT_MAX_CONCURRENT_PER_TENANT: '3' }, 'EXPORT_MAX_CONCURRENT_PER_TENANT');
    });

    it('ROLLUP_MONTHLY_AFTER_DAYS not greater than ROLLUP_DAILY_AFTER_DAYS', () => {
      expectRejected({ ROLLUP_DAILY_AFTER_DAYS: '30', ROLLUP_MONTHLY_AFTER_DAYS: '30' }, 'ROLLUP_MONTHLY_AFTER_DAYS');
      expectRejected({ ROLLUP_MONTHLY_AFTER_DAYS: '20' }, 'ROLLUP_MONTHLY_AFTER_DAYS');
    });

    it('JWT_PUBLIC_KEY with PEM armour around something that is no key', () => {
      expectRejected({ JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----' }, 'JWT_PUBLIC_KEY');
    });

    it('JWT_PUBLIC_KEY of a key type neither RS256 nor ES256 can use (Ed25519)', () => {
      const ed = generateKeyPairSync('ed25519', {
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      }).publicKey;
      expectRejected({ JWT_PUBLIC_KEY: ed }, 'JWT_PUBLIC_KEY');
    });

    it('both JWT_SECRET and JWT_PUBLIC_KEY', () => {
      const err = configError({ JWT_SECRET: STRONG_SECRET, JWT_PUBLIC_KEY: rsaPublicPem });
      expect(err.variable).toBe('JWT_SECRET');
      expect(err.message).toContain('JWT_SECRET');
      expect(err.message).toContain('JWT_PUBLIC_KEY');
    });

    it('the message starts with a fixed prefix operators can grep for', () => {
      expect(configError({ PORT: 'abc' }).message).toBe('Invalid configuration: PORT must be a whole number, got "abc"');
    });
  });

  describe('JWT_JWKS_URL (keys from the gateway\'s JWKS)', () => {
    const URL_ = 'https://gateway.example.com/.well-known/jwks.json';

    it('takes the URL with the default cache age (10 min), cooldown (30 s) and timeout (5 s); RS256/ES256 only', () => {
      expect(loadConfig({ JWT_JWKS_URL: URL_, JWT_ISSUER: 'https://gateway.example.com/' }).jwt).toEqual({
        key: '',
        algorithms: ['RS256', 'ES256'],
        usesDevelopmentSecret: false,
        issuer: 'https://gateway.example.com/',
        audience: undefined,
        jwks: { url: URL_, cacheMaxAgeMs: 600_000, cooldownMs: 30_000, timeoutMs: 5000 },
      });
    });

    it('takes http:// (a gateway inside the cluster) and the tuning variables', () => {
      const config = loadConfig({ JWT_JWKS_URL: 'http://gateway:8080/jwks', JWT_JWKS_CACHE_MAX_AGE_MS: '60000', JWT_JWKS_COOLDOWN_MS: '0', JWT_JWKS_TIMEOUT_MS: '1500' });
      expect(config.jwt.jwks).toEqual({ url: 'http://gateway:8080/jwks', cacheMaxAgeMs: 60_000, cooldownMs: 0, timeoutMs: 1500 });
    });

    it('is a key source production accepts', () => {
      const config = loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: URL_ });
      expect(config.jwt.jwks?.url).toBe(URL_);
      expect(config.jwt.usesDevelopmentSecret).toBe(false);
    });

    it.each([
      ['JWT_SECRET', { JWT_SECRET: STRONG_SECRET }],
      ['JWT_PUBLIC_KEY', { JWT_PUBLIC_KEY: rsaPublicPem }],
    ])('together with %s → ConfigError naming both', (other, env) => {
      const err = configError({ JWT_JWKS_URL: URL_, ...env });
      expect(err.variable).toBe('JWT_JWKS_URL');
      expect(err.message).toContain('JWT_JWKS_URL');
      expect(err.message).toContain(other);
    });

    it.each([
      ['JWT_JWKS_URL', 'not a url'],
      ['JWT_JWKS_URL', 'gateway.example.com/jwks'],
      ['JWT_JWKS_URL', 'ftp://gateway.example.com/jwks'],
      ['JWT_JWKS_URL', 'file:///etc/jwks.json'],
      ['JWT_JWKS_URL', 'https://user:secret@gateway.example.com/jwks'],
    ])('%s=%j', (variable, value) => {
      expectRejected({ [variable]: value }, variable);
    });

    it.each([
      ['JWT_JWKS_CACHE_MAX_AGE_MS', '999'],
      ['JWT_JWKS_CACHE_MAX_AGE_MS', '10m'],
      ['JWT_JWKS_COOLDOWN_MS', '-1'],
      ['JWT_JWKS_COOLDOWN_MS', '3600001'],
      ['JWT_JWKS_TIMEOUT_MS', '99'],
      ['JWT_JWKS_TIMEOUT_MS', 'soon'],
    ])('%s=%j (with JWT_JWKS_URL)', (variable, value) => {
      expectRejected({ JWT_JWKS_URL: URL_, [variable]: value }, variable);
    });

    it('the message for production without any key names all three sources', () => {
      const err = configError({ NODE_ENV: 'production' });
      for (const v of ['JWT_SECRET', 'JWT_PUBLIC_KEY', 'JWT_JWKS_URL']) expect(err.message).toContain(v);
    });
  });

  describe('CORS_ORIGINS', () => {
    it('is empty by default (no CORS)', () => {
      expect(loadConfig({}).corsOrigins).toEqual([]);
      expect(loadConfig({ CORS_ORIGINS: ' , ' }).corsOrigins).toEqual([]);
    });

    it('takes comma-separated exact origins, trimmed, without repeats, ports kept', () => {
      expect(loadConfig({ CORS_ORIGINS: 'https://admin.example.com, http://localhost:5173,https://admin.example.com,,https://shop.example.com:8443,http://[::1]:8080' }).corsOrigins).toEqual([
        'https://admin.example.com',
        'http://localhost:5173',
        'https://shop.example.com:8443',
        'http://[::1]:8080',
      ]);
    });

    it.each([
      '*',
      'null',
      'admin.example.com',
      'https://admin.example.com/',
      'https://admin.example.com/app',
      'https://admin.example.com?x=1',
      'https://Admin.Example.com',
      'https://admin.example.com:443',
      'https://user@admin.example.com',
      'ftp://files.example.com',
      'https://admin.example.com https://shop.example.com',
      'https://ok.example.com,https://*.example.com',
    ])('refuses %j naming CORS_ORIGINS', (value) => {
      expectRejected({ CORS_ORIGINS: value }, 'CORS_ORIGINS');
    });

    it('says what the origin would be', () => {
      expect(configError({ CORS_ORIGINS: 'https://admin.example.com/' }).message).toContain('"https://admin.example.com"');
    });
  });

  describe('NODE_ENV=production', () => {
    it('refuses to start without a key', () => {
      expectRejected({ NODE_ENV: 'production' }, 'JWT_SECRET');
    });

    it('refuses the documented development secret', () => {
      expectRejected({ NODE_ENV: 'production', JWT_SECRET: DEVELOPMENT_JWT_SECRET }, 'JWT_SECRET');
    });

    it('refuses a secret shorter than 32 characters', () => {
      expectRejected({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(31) }, 'JWT_SECRET');
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).jwt.key).toBe('x'.repeat(32));
    });

    it('starts with a public key', () => {
      const config = loadConfig({ NODE_ENV: 'production', JWT_PUBLIC_KEY: rsaPublicPem });
      expect(config.jwt.algorithms).toEqual(['RS256', 'ES256']);
      expect(config.jwt.usesDevelopmentSecret).toBe(false);
    });

    it('outside production, the development secret and short secrets are allowed', () => {
      expect(loadConfig({ JWT_SECRET: DEVELOPMENT_JWT_SECRET }).jwt.usesDevelopmentSecret).toBe(true);
      expect(loadConfig({ JWT_SECRET: 'short' }).jwt).toMatchObject({ key: 'short', usesDevelopmentSecret: false });
    });
  });
});

describe('loadMigrationTarget (ormconfig.ts, the migration scripts)', () => {
  const fails = (env: Record<string, string>, variable: string, message: RegExp) => {
    let error: unknown;
    try {
      loadMigrationTarget(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(message);
  };

  it('takes mysql with a mysql:// DATABASE_URL and sqlite without one', () => {
    expect(loadMigrationTarget({ MIGRATION_TARGET: 'mysql', DATABASE_URL: 'mysql://u@h:3306/db' })).toBe('mysql');
    expect(loadMigrationTarget({ MIGRATION_TARGET: 'sqlite', SQLITE_PATH: '/tmp/x.sqlite' })).toBe('sqlite');
  });

  it('refuses a missing or unknown target', () => {
    fails({}, 'MIGRATION_TARGET', /^Invalid configuration: MIGRATION_TARGET must be mysql or sqlite, got nothing/);
    fails({ MIGRATION_TARGET: 'postgres' }, 'MIGRATION_TARGET', /got "postgres"/);
  });

  it('refuses mysql without DATABASE_URL or with a URL that is not mysql://', () => {
    fails({ MIGRATION_TARGET: 'mysql' }, 'DATABASE_URL', /^Invalid configuration: DATABASE_URL must be set to the MySQL\/MariaDB database to migrate/);
    fails({ MIGRATION_TARGET: 'mysql', DATABASE_URL: 'postgres://u@h/db' }, 'DATABASE_URL', /must use mysql:\/\/ \(got postgres:\/\/\)/);
  });

  it('refuses sqlite while DATABASE_URL is set', () => {
    fails({ MIGRATION_TARGET: 'sqlite', DATABASE_URL: 'mysql://u@h:3306/db' }, 'DATABASE_URL', /is set, but the :sqlite scripts migrate the SQLite file/);
  });
});

describe('loadSchemaCheckUrl (npm run schema:check)', () => {
  it('defaults to a local test database and takes a mysql:// URL naming a test database', () => {
    expect(loadSchemaCheckUrl({})).toBe('mysql://root@127.0.0.1:3306/statistics_schema_test');
    expect(loadSchemaCheckUrl({ SCHEMA_CHECK_DATABASE_URL: 'mysql://u@db:3307/ci_test_schema' })).toBe('mysql://u@db:3307/ci_test_schema');
  });

  it('refuses a database whose name lacks "test", and a URL that is not mysql://', () => {
    expect(() => loadSchemaCheckUrl({ SCHEMA_CHECK_DATABASE_URL: 'mysql://u@h:3306/statistics' })).toThrow(
      'Invalid configuration: SCHEMA_CHECK_DATABASE_URL must name a database containing "test" (it is dropped and re-created), got "statistics"',
    );
    expect(() => loadSchemaCheckUrl({ SCHEMA_CHECK_DATABASE_URL: 'sqlite:///tmp/x_test' })).toThrow(/SCHEMA_CHECK_DATABASE_URL must use mysql:\/\//);
  });
});

describe('loadSqlSnapshotUrl (npm run sql:snapshot)', () => {
  it('defaults to a local test database, takes a mysql:// URL naming a test database, refuses others', () => {
    expect(loadSqlSnapshotUrl({})).toBe('mysql://root@127.0.0.1:3306/statistics_sql_snapshot_test');
    expect(loadSqlSnapshotUrl({ SQL_SNAPSHOT_DATABASE_URL: 'mysql://u@db:3307/snap_test' })).toBe('mysql://u@db:3307/snap_test');
    expect(() => loadSqlSnapshotUrl({ SQL_SNAPSHOT_DATABASE_URL: 'mysql://u@h:3306/statistics' })).toThrow(
      'Invalid configuration: SQL_SNAPSHOT_DATABASE_URL must name a database containing "test" (it is dropped and re-created), got "statistics"',
    );
  });
});
