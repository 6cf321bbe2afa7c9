import { MigrationInterface, QueryRunner } from 'typeorm';

/** SQLite twin of the MySQL SummaryFold migration (the next start rebuilds the summaries). */
export class SummaryFold1764900000000 implements MigrationInterface {
  name = 'SummaryFold1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE summary_pending (
        "id" INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant INTEGER NOT NULL,
        day DATETIME NOT NULL,
        hour DATETIME NOT NULL,
        module INTEGER NOT NULL,
        action INTEGER NOT NULL,
        aggregation_level INTEGER NOT NULL,
        country VARCHAR(2) NULL,
        device VARCHAR(32) NULL,
        action_label VARCHAR(255) NULL,
        action_id VARCHAR(255) NULL,
        count INTEGER NOT NULL,
        min_created DATETIME NOT NULL,
        queued DATETIME NOT NULL
      )`);
    await q.query('CREATE INDEX ix_summary_pending_tenant_day ON summary_pending (tenant, day)');
    await q.query(`
      CREATE TABLE stat_hour (
        tenant INTEGER NOT NULL,
        hour DATETIME NOT NULL,
        module INTEGER NOT NULL,
        action INTEGER NOT NULL,
        aggregation_level INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (tenant, hour, module, action, aggregation_level)
      )`);
    await q.query(`
      CREATE TABLE stat_day_lc (
        tenant INTEGER NOT NULL,
        day DATETIME NOT NULL,
        k VARCHAR(32) NOT NULL,
        module INTEGER NOT NULL,
        action INTEGER NOT NULL,
        aggregation_level INTEGER NOT NULL,
        action_label VARCHAR(255) NULL,
        country VARCHAR(2) NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (tenant, day, k)
      )`);
    await q.query(`INSERT INTO rollup_lease (name, holder, expires_at) VALUES ('fold', NULL, NULL)`);
    await q.query("DELETE FROM summary_meta WHERE name = 'time_zone'");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM rollup_lease WHERE name = 'fold'`);
    await q.query('DROP TABLE stat_day_lc');
    await q.query('DROP TABLE stat_hour');
    await q.query('DROP TABLE summary_pending');
  }
}
