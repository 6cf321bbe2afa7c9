import { MigrationInterface, QueryRunner } from 'typeorm';

/** SQLite twin of the MySQL ItemSummaries migration (the next start rebuilds the summaries). */
export class ItemSummaries1765000000000 implements MigrationInterface {
  name = 'ItemSummaries1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE stat_item (
        "id" INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant INTEGER NOT NULL,
        action_id VARCHAR(255) NOT NULL
      )`);
    await q.query('CREATE UNIQUE INDEX uq_stat_item_tenant_action_id ON stat_item (tenant, action_id)');
    await q.query(`
      CREATE TABLE stat_day_item (
        tenant INTEGER NOT NULL,
        day DATETIME NOT NULL,
        item INTEGER NOT NULL,
        module INTEGER NOT NULL,
        action INTEGER NOT NULL,
        aggregation_level INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (tenant, day, item, module, action, aggregation_level)
      )`);
    await q.query("DELETE FROM summary_meta WHERE name = 'time_zone'");
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['stat_day_item', 'stat_item']) await q.query(`DROP TABLE ${t}`);
  }
}
