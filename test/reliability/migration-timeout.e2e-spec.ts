import { createConnection, Connection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/app-config';
import { openDataSource } from '../../src/database/data-source-options';
import { TEST_DIALECT, TestApp } from '../support/test-app';

/** How many columns the migration's index has in this database (0: it is not there). */
async function labelIndexColumns(ds: DataSource): Promise<number> {
  const [{ n }] = await ds.query(
    "SELECT COUNT(*) AS n FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'user_action' AND index_name = 'ix_user_action_tenant_module_action_label_created'",
  );
  return Number(n);
}

/**
 * Migrations at start are not bound by DATABASE_QUERY_TIMEOUT_MS (the bound of every read and
 * write of the service): an index build on a large `user_action`, or an ALTER waiting for another
 * connection's metadata lock, may take longer than a read is allowed to. Here the ALTER of
 * migration 1764800000000-LabelIndex waits on a lock held by an open transaction for longer than a
 * 100 ms statement timeout — observed in the server's process list, not timed — and the start
 * completes once the lock goes. (SQLite has no statement timeout.)
 */
(TEST_DIALECT === 'mysql' ? describe : describe.skip)('migrations at start (MySQL)', () => {
  let t: TestApp;
  let blocker: Connection | undefined;

  beforeAll(async () => {
    // Its folder off: this spec drops and recreates the fold's tables under it.
    t = await TestApp.create({ env: { FOLD_ENABLED: 'false' } });
  });
  afterAll(async () => {
    await blocker?.end();
    if (t) {
      // Leave this worker's database migrated for the next spec, whatever happened above (a
      // timed-out ALTER may have finished on the server without its migration being recorded).
      const recorded = await t.dataSource.query("SELECT name FROM migrations WHERE name = 'LabelIndex1764800000000'");
      if (recorded.length === 0) {
        if ((await labelIndexColumns(t.dataSource)) > 0) await t.dataSource.query('ALTER TABLE user_action DROP INDEX ix_user_action_tenant_module_action_label_created');
      }
      await t.dataSource.runMigrations();
      await t.close();
    }
  });

  it('outlive the statement timeout: an ALTER waiting on a metadata lock finishes when the lock goes', async () => {
    // The LabelIndex migration (an ALTER of user_action) and the ones after it are undone, so the
    // next start runs the ALTER again.
    const later = ['ItemSummaries1765000000000', 'SummaryFold1764900000000'];
    const last = await t.dataSource.query(`SELECT name FROM migrations ORDER BY id DESC LIMIT ${later.length + 1}`);
    expect(last.map((r: { name: string }) => r.name)).toEqual([...later, 'LabelIndex1764800000000']);
    for (let i = 0; i <= later.length; i++) await t.dataSource.undoLastMigration();
    const url = t.config.database.type === 'mysql' ? t.config.database.url : '';
    const schema = new URL(url).pathname.slice(1);

    // An open transaction that has read user_action holds its metadata lock until it ends.
    blocker = await createConnection({ uri: url });
    await blocker.query('START TRANSACTION');
    await blocker.query('SELECT COUNT(*) FROM user_action');

    const config = loadConfig({ DATABASE_URL: url, DATABASE_QUERY_TIMEOUT_MS: '100', LOG_LEVEL: 'silent' });
    const opening = openDataSource(config);
    const outcome = opening.then(
      () => 'opened',
      (e: Error) => `failed: ${e.message}`,
    );
    // Wait until the ALTER has been waiting for a full second (ten times the timeout), or the
    // start has ended (a timed-out ALTER ends it with an error).
    let waited = false;
    while (!waited) {
      const [rows] = (await blocker.query(
        "SELECT time FROM information_schema.processlist WHERE db = ? AND info LIKE 'ALTER TABLE user_action ADD INDEX%' AND state LIKE '%metadata lock%'",
        [schema],
      )) as unknown as [Array<{ time: number }>];
      waited = rows.some((r) => Number(r.time) >= 1);
      if (!waited && (await Promise.race([outcome, new Promise((resolve) => setImmediate(() => resolve('pending')))])) !== 'pending') break;
    }
    expect(await Promise.race([outcome, Promise.resolve('pending')])).toBe('pending');
    expect(waited).toBe(true);

    await blocker.query('COMMIT');
    expect(await outcome).toBe('opened');
    const ds = await opening;
    try {
      expect(await labelIndexColumns(ds)).toBe(5); // one row per column of the index
      const applied = await ds.query(`SELECT name FROM migrations ORDER BY id DESC LIMIT ${later.length + 1}`);
      expect(applied.map((r: { name: string }) => r.name)).toEqual([...later, 'LabelIndex1764800000000']);
    } finally {
      await ds.destroy();
    }
  });
});
