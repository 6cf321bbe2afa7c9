import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/app-config';
import { buildDataSourceOptions, MYSQL_MIGRATIONS, SQLITE_MIGRATIONS } from '../../src/database/data-source-options';
import { ServiceDatabase, ServiceProcess, stopAllServices } from '../support/service-process';
import { TEST_DIALECT } from '../support/test-app';

/**
 * Several replicas of the service started at the same moment (a rollout) on a fresh database, and
 * on one a migration behind: every process becomes ready, and every migration runs exactly once
 * (the `schema_lock` row, src/database/migration-lock.ts). Without the lock, TypeORM's migrator
 * in each process finds the same migrations pending and all but one fail ("Table 'user_action'
 * already exists", exit code 1). The compiled service, three processes, on the run's dialect.
 */
const PROCESSES = 3;
const MIGRATIONS = (TEST_DIALECT === 'mysql' ? MYSQL_MIGRATIONS : SQLITE_MIGRATIONS).map((m) => new m().name!);

/** A database (MySQL: `<worker db>_race`, dropped and re-created; SQLite: a new file) nobody has migrated. */
async function freshDatabase(): Promise<{ db: ServiceDatabase; drop(): Promise<void> }> {
  if (TEST_DIALECT === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'migration-race-'));
    return { db: { type: 'sqlite', path: join(dir, 'race.sqlite') }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const url = new URL(process.env.TEST_DATABASE_URL!);
  const name = `${url.pathname.slice(1)}_w${process.env.JEST_WORKER_ID ?? '1'}_race`;
  if (!name.includes('test')) throw new Error(`refusing database "${name}": its name must contain "test"`);
  const admin = await createConnection({ uri: `${url.protocol}//${url.username ? `${url.username}@` : ''}${url.host}/` });
  await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await admin.end();
  url.pathname = `/${name}`;
  return {
    db: { type: 'mysql', url: url.toString() },
    drop: async () => {
      const c = await createConnection({ uri: `${url.protocol}//${url.username ? `${url.username}@` : ''}${url.host}/` });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

/** A data source on the database that runs no migration by itself (the test's own view). */
async function inspect(db: ServiceDatabase): Promise<DataSource> {
  const config = loadConfig(db.type === 'mysql' ? { DATABASE_URL: db.url, LOG_LEVEL: 'silent' } : { SQLITE_PATH: db.path, LOG_LEVEL: 'silent' });
  const ds = new DataSource(buildDataSourceOptions(config, { statementTimeout: false }));
  await ds.initialize();
  return ds;
}

async function recorded(ds: DataSource): Promise<string[]> {
  const rows: Array<{ name: string }> = await ds.query('SELECT name FROM migrations ORDER BY id');
  return rows.map((r) => r.name);
}

/** Starts `n` services at the same moment; resolves with each one's outcome (ready, or why not). */
async function startTogether(db: ServiceDatabase, n: number): Promise<Array<{ svc?: ServiceProcess; error?: string }>> {
  return Promise.all(
    Array.from({ length: n }, () =>
      ServiceProcess.start({ database: db, env: { LOG_LEVEL: 'info' }, readyTimeoutMs: 90_000 }).then(
        (svc) => ({ svc }),
        (err: Error) => ({ error: err.message.slice(0, 2000) }),
      ),
    ),
  );
}

/** Which processes logged that they ran migrations (pino JSON lines of the context `Migrations`). */
function runners(started: Array<{ svc?: ServiceProcess }>): number {
  return started.filter((s) => s.svc && /running \d+ migration\(s\) under the schema_lock row/.test(s.svc.stdout() + s.svc.stderr())).length;
}

describe(`migrations with several replicas starting at once (${TEST_DIALECT})`, () => {
  let fresh: { db: ServiceDatabase; drop(): Promise<void> } | undefined;
  const current = new Set<ServiceProcess>();

  afterEach(async () => {
    await Promise.all([...current].map((s) => s.stop(10_000)));
    current.clear();
    stopAllServices();
    await fresh?.drop();
    fresh = undefined;
  });

  it(`${PROCESSES} processes on a fresh database: all ready, every migration run once`, async () => {
    fresh = await freshDatabase();
    const started = await startTogether(fresh.db, PROCESSES);
    for (const s of started) if (s.svc) current.add(s.svc);
    expect(started.map((s) => s.error ?? 'ready')).toEqual(Array(PROCESSES).fill('ready'));
    expect(runners(started)).toBe(1);
    const ds = await inspect(fresh.db);
    try {
      expect(await recorded(ds)).toEqual(MIGRATIONS);
      expect(await ds.query("SELECT name, holder FROM schema_lock")).toEqual([{ name: 'migrations', holder: null }]);
    } finally {
      await ds.destroy();
    }
  }, 180_000);

  it(`${PROCESSES} processes on a database one migration behind: all ready, the migration run once`, async () => {
    fresh = await freshDatabase();
    let ds = await inspect(fresh.db);
    try {
      await ds.runMigrations({ transaction: 'each' });
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await recorded(ds)).toEqual(MIGRATIONS.slice(0, -1));
    } finally {
      await ds.destroy();
    }
    const started = await startTogether(fresh.db, PROCESSES);
    for (const s of started) if (s.svc) current.add(s.svc);
    expect(started.map((s) => s.error ?? 'ready')).toEqual(Array(PROCESSES).fill('ready'));
    expect(runners(started)).toBe(1);
    ds = await inspect(fresh.db);
    try {
      expect(await recorded(ds)).toEqual(MIGRATIONS);
      // the last migration's index is there, once
      const index =
        TEST_DIALECT === 'mysql'
          ? await ds.query(
              "SELECT COUNT(*) AS n FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'user_action' AND index_name = 'ix_user_action_tenant_module_action_label_created'",
            )
          : await ds.query("SELECT COUNT(*) AS n FROM pragma_index_info('ix_user_action_tenant_module_action_label_created')");
      expect(Number(index[0].n)).toBe(5);
    } finally {
      await ds.destroy();
    }
  }, 180_000);
});
