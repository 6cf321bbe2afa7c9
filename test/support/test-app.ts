import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { FixedClock } from '../../src/common/clock';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { seedCatalogStatements } from '../../src/database/catalog-seed';
import { FoldScheduler } from '../../src/summary/fold.scheduler';
import { FOLD_LEASE_TTL_MS, FoldService } from '../../src/summary/fold.service';
import { PendingRepository } from '../../src/summary/pending.repository';
import { bearer, tokenFor, TokenOptions } from './client-core';

/** Which database this jest run targets: `TEST_DB=mysql` (with TEST_DATABASE_URL) or SQLite. */
export const TEST_DIALECT: 'mysql' | 'sqlite' = process.env.TEST_DB === 'mysql' ? 'mysql' : 'sqlite';

// summary_pending before the summary tables: a fold running meanwhile has committed when its rows are deleted.
const TABLES = ['user_action', 'summary_pending', 'stat_day', 'stat_hour', 'stat_day_cd', 'stat_day_label', 'stat_day_lc', 'stat_day_lcd', 'stat_day_item', 'stat_item', 'configuration_snapshot', 'directory_user', 'catalog_action', 'catalog_module', 'rollup_closure'];

/**
 * The MySQL database of this jest worker: `<TEST_DATABASE_URL's db>_w<worker>`, created when
 * missing. Refuses any database whose name lacks "test".
 */
async function mysqlWorkerUrl(): Promise<string> {
  const raw = process.env.TEST_DATABASE_URL;
  if (!raw) throw new Error('TEST_DB=mysql needs TEST_DATABASE_URL (mysql://root@127.0.0.1:3306/statistics_test)');
  const url = new URL(raw);
  const base = url.pathname.replace(/^\//, '');
  if (!base.includes('test')) throw new Error(`refusing to run tests against database "${base}": its name must contain "test"`);
  const name = `${base}_w${process.env.JEST_WORKER_ID ?? '1'}`;
  const admin = await createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  });
  await admin.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  // A worker database outlives each app: empty it before the next app starts, so the app records
  // its own STATISTICS_TIME_ZONE for the (empty) summaries instead of finding another's.
  const [tables] = await admin.query(
    "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? AND table_name IN ('user_action', 'summary_pending', 'stat_day', 'stat_hour', 'stat_day_cd', 'stat_day_label', 'stat_day_lc', 'stat_day_lcd', 'stat_day_item', 'stat_item', 'summary_meta')",
    [name],
  );
  for (const { t } of tables as Array<{ t: string }>) await admin.query(`DELETE FROM \`${name}\`.\`${t}\``);
  await admin.end();
  url.pathname = `/${name}`;
  return url.toString();
}

export interface TestAppOptions {
  /**
   * Extra environment variables for loadConfig (e.g. STATISTICS_TIME_ZONE). A DATABASE_URL here is
   * used as it is instead of the worker's test database.
   */
  env?: Record<string, string>;
  /** The controlled "now" (default: the real now). */
  now?: Date;
}

export class TestApp {
  private constructor(
    readonly app: NestExpressApplication,
    readonly config: AppConfig,
    readonly clock: FixedClock,
    private readonly sqliteFile?: string,
  ) {}

  static async create(opts: TestAppOptions = {}): Promise<TestApp> {
    let sqliteFile: string | undefined;
    const env: Record<string, string> = { LOG_LEVEL: 'silent', ROLLUP_ENABLED: 'false', ...opts.env };
    if (opts.env?.DATABASE_URL) {
      // A test that brings its own server (outage, replica tests) uses its URL as it is.
    } else if (TEST_DIALECT === 'mysql') env.DATABASE_URL = await mysqlWorkerUrl();
    else {
      sqliteFile = join(tmpdir(), `statistics-test-${process.pid}-${randomBytes(4).toString('hex')}.sqlite`);
      env.SQLITE_PATH = sqliteFile;
    }
    const config = loadConfig(env);
    const clock = new FixedClock(opts.now ?? new Date());
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.register(config, clock)] }).compile();
    const app = moduleRef.createNestApplication<NestExpressApplication>({ bufferLogs: true });
    configureApp(app);
    await app.init();
    const testApp = new TestApp(app, config, clock, sqliteFile);
    await testApp.reset();
    return testApp;
  }

  get http() {
    return request(this.app.getHttpServer());
  }

  get dataSource(): DataSource {
    return this.app.get(DataSource);
  }

  /**
   * Empties every table, frees the leases and restores the seed catalog. The leases: a MySQL
   * test database serves every spec of its jest worker, and a service process an earlier spec
   * killed (the crash suites) never released its fold or rollup lease — this spec's folds and
   * passes would wait out its TTL.
   */
  async reset(): Promise<void> {
    for (const t of TABLES) await this.dataSource.query(`DELETE FROM ${t}`);
    await this.dataSource.query('UPDATE rollup_lease SET holder = NULL, expires_at = NULL');
    for (const [sql, params] of seedCatalogStatements()) await this.dataSource.query(sql, params);
  }

  /**
   * Folds every pending summary delta now (after any fold the scheduler is running): for tests
   * that look at the summary tables themselves. Answers never need it (reads add what is pending).
   * Where another replica of the test holds the fold lease (the several-folders spec), that
   * replica's folder drains the rows: this waits until the backlog is empty or the lease comes
   * free, and fails only when neither happens within the lease's TTL and a margin.
   */
  async fold(): Promise<void> {
    await this.app.get(FoldScheduler).idle();
    const fold = this.app.get(FoldService);
    const pending = this.app.get(PendingRepository);
    const deadline = Date.now() + FOLD_LEASE_TTL_MS + 30_000;
    while ((await pending.backlog()).rows > 0) {
      if ((await fold.drain()) > 0) continue;
      if (Date.now() > deadline) {
        const lease = await fold.lease.current();
        throw new Error(`fold: pending rows left but nothing folded (the fold lease: ${JSON.stringify(lease)}; this app is ${fold.lease.holder})`);
      }
      // Held by another replica (or its claimed rows still locked): let its fold commit.
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** A development token: TENANT_STATISTICS on `tenants`, and the ingest scope when asked. */
  token(tenants: number[], opts: TokenOptions = {}): string {
    return tokenFor(this.config, tenants, opts);
  }

  auth(tenants: number[], opts: TokenOptions = {}): { Authorization: string } {
    return bearer(this.config, tenants, opts);
  }

  async close(): Promise<void> {
    await this.app.close();
    if (this.sqliteFile) for (const suffix of ['', '-wal', '-shm']) rmSync(this.sqliteFile + suffix, { force: true });
  }
}
