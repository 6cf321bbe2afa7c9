import { MigrationInterface, QueryRunner } from 'typeorm';

/** SQLite twin of the MySQL LabelSummaries migration (the next start rebuilds the summaries). */
export class LabelSummaries1764700000000 implements MigrationInterface {
  name = 'LabelSummaries1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE stat_day_label (
        tenant INTEGER NOT NULL,
        day DATETIME NOT NULL,
        k VARCHAR(32) NOT NULL,
        module INTEGER NOT NULL,
        action INTEGER NOT NULL,
        aggregation_level INTEGER NOT NULL,
        action_label VARCHAR(255) NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (tenant, day, k)
      )`);
    await q.query(`
      CREATE TABLE stat_day_lcd (
        tenant INTEGER NOT NULL,
        day DATETIME NOT NULL,
        k VARCHAR(32) NOT NULL,
        module INTEGER NOT NULL,
        action INTEGER NOT NULL,
        aggregation_level INTEGER NOT NULL,
        action_label VARCHAR(255) NULL,
        country VARCHAR(2) NULL,
        device VARCHAR(32) NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (tenant, day, k)
      )`);
    await q.query("DELETE FROM summary_meta WHERE name = 'time_zone'");
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['stat_day_lcd', 'stat_day_label']) await q.query(`DROP TABLE ${t}`);
  }
}
