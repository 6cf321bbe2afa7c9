import { MigrationInterface, QueryRunner } from 'typeorm';

/** SQLite twin of the MySQL Summaries migration. */
export class Summaries1764300000000 implements MigrationInterface {
  name = 'Summaries1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE stat_day (
        tenant INTEGER NOT NULL,
        day DATETIME NOT NULL,
        module INTEGER NOT NULL,
        action INTEGER NOT NULL,
        aggregation_level INTEGER NOT NULL,
        count INTEGER NOT NULL,
        min_created DATETIME NOT NULL,
        PRIMARY KEY (tenant, day, module, action, aggregation_level)
      )`);
    await q.query(`
      CREATE TABLE stat_day_cd (
        tenant INTEGER NOT NULL,
        day DATETIME NOT NULL,
        k VARCHAR(32) NOT NULL,
        module INTEGER NOT NULL,
        action INTEGER NOT NULL,
        aggregation_level INTEGER NOT NULL,
        country VARCHAR(2) NULL,
        device VARCHAR(32) NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (tenant, day, k)
      )`);
    await q.query('CREATE TABLE summary_meta (name VARCHAR(64) NOT NULL PRIMARY KEY, value VARCHAR(255) NOT NULL)');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['summary_meta', 'stat_day_cd', 'stat_day']) await q.query(`DROP TABLE ${t}`);
  }
}
