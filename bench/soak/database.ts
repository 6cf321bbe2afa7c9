import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config/app-config';
import type { ServiceDatabase } from '../../test/support/service-process';
import { fail, SoakOptions, TIME_ZONE } from './options';

/** The soak's database: MariaDB/MySQL at SOAK_DATABASE_URL (recreated empty), or a temporary SQLite file. */
export interface SoakDatabase {
  /** For the report: which server and database, or which file. */
  description: string;
  service: ServiceDatabase;
  /** The temporary directory of the SQLite file, removed at the end. */
  sqliteDir?: string;
}

/** Where the soak will run; refuses a MySQL database whose name lacks "soak" (it is dropped). */
export function soakDatabaseUrl(opts: SoakOptions, env: NodeJS.ProcessEnv = process.env): URL {
  const url = new URL(env.SOAK_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/statistics_soak');
  const name = url.pathname.replace(/^\//, '');
  if (!opts.sqlite && !name.includes('soak')) fail(`refusing SOAK_DATABASE_URL database "${name}": its name must contain "soak"`);
  return url;
}

export async function recreateDatabase(opts: SoakOptions, url: URL): Promise<SoakDatabase> {
  if (opts.sqlite) {
    const sqliteDir = mkdtempSync(join(tmpdir(), 'statistics-soak-'));
    const path = join(sqliteDir, 'statistics.sqlite');
    return { description: `SQLite ${path} (temporary)`, service: { type: 'sqlite', path }, sqliteDir };
  }
  const name = url.pathname.replace(/^\//, '');
  const conn = await createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  });
  const [v] = await conn.query('SELECT VERSION() AS v');
  await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await conn.end();
  return { description: `${(v as Array<{ v: string }>)[0].v} database \`${name}\` on ${url.host} (recreated empty)`, service: { type: 'mysql', url: url.toString() } };
}

export function removeSqliteDir(db: SoakDatabase | undefined): void {
  if (db?.sqliteDir) rmSync(db.sqliteDir, { recursive: true, force: true });
}

/** Environment of the service and the rollup CLI: the soak database, the development secret. */
export function serviceEnv(opts: SoakOptions, db: SoakDatabase): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(opts.port),
    LOG_LEVEL: 'warn',
    STATISTICS_TIME_ZONE: TIME_ZONE,
    ROLLUP_ENABLED: 'false',
    JWT_SECRET: DEVELOPMENT_JWT_SECRET,
    NODE_ENV: 'development',
  };
  for (const k of ['DATABASE_URL', 'SQLITE_PATH', 'JWT_PUBLIC_KEY', 'JWT_ISSUER', 'JWT_AUDIENCE', 'ROLLUP_DAILY_AFTER_DAYS', 'ROLLUP_MONTHLY_AFTER_DAYS']) delete env[k];
  if (db.service.type === 'sqlite') env.SQLITE_PATH = db.service.path;
  else env.DATABASE_URL = db.service.url;
  return env;
}

export interface DbCounts {
  tenant: number;
  rows: number;
  realtime: number;
  events: number;
  distinctEventIds: number;
}

/** Per tenant: rows, real-time rows, SUM(count) and distinct eventIds of user_action (read directly, not through the API). */
export async function dbCounts(db: SoakDatabase): Promise<DbCounts[]> {
  const sql = `SELECT tenant, COUNT(*) AS \`rows\`, SUM(CASE WHEN aggregation_level = 0 THEN 1 ELSE 0 END) AS realtime,
      SUM(count) AS events, COUNT(DISTINCT event_id) AS distinctEventIds FROM user_action GROUP BY tenant ORDER BY tenant`;
  let rows: Array<Record<string, unknown>>;
  if (db.service.type === 'sqlite') {
    const Sqlite = require('better-sqlite3');
    const conn = new Sqlite(db.service.path, { readonly: true });
    rows = conn.prepare(sql).all();
    conn.close();
  } else {
    const conn = await createConnection({ uri: db.service.url });
    [rows] = (await conn.query(sql)) as unknown as [Array<Record<string, unknown>>];
    await conn.end();
  }
  return rows.map((r) => ({ tenant: Number(r.tenant), rows: Number(r.rows), realtime: Number(r.realtime), events: Number(r.events), distinctEventIds: Number(r.distinctEventIds) }));
}
