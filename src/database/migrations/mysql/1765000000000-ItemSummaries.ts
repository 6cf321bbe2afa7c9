import { MigrationInterface, QueryRunner } from 'typeorm';
import { binaryCollation } from './collation';

/**
 * The per-item summary (docs/performance.md, "The per-item summary"):
 * - `stat_item`: the item dictionary, one number per (tenant, `action_id`), never reused or
 *   deleted (item 0 stands for "no actionId" and has no row). The binary NO PAD collation keeps
 *   `'a'` and `'a '` two items, as in `user_action`.
 * - `stat_day_item`: per tenant, local day, item, module, action and level → count, written by
 *   the fold (and the rollup, rebuild) like every summary table. Per-item answers group its
 *   integers instead of `user_action`'s `VARCHAR(255)` values.
 * Built from `user_action` like every summary table: the migration forgets the zone the summaries
 * were built in, so the next start rebuilds them (SummaryService.ensureZone).
 */
export class ItemSummaries1765000000000 implements MigrationInterface {
  name = 'ItemSummaries1765000000000';

  async up(q: QueryRunner): Promise<void> {
    const collation = await binaryCollation(q);
    await q.query(`
      CREATE TABLE stat_item (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        tenant BIGINT NOT NULL,
        action_id VARCHAR(255) NOT NULL,
        PRIMARY KEY (id),
        UNIQUE INDEX uq_stat_item_tenant_action_id (tenant, action_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
    await q.query(`
      CREATE TABLE stat_day_item (
        tenant BIGINT NOT NULL,
        day DATETIME(3) NOT NULL,
        item BIGINT NOT NULL,
        module INT NOT NULL,
        action INT NOT NULL,
        aggregation_level TINYINT NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (tenant, day, item, module, action, aggregation_level)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
    await q.query("DELETE FROM summary_meta WHERE name = 'time_zone'");
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['stat_day_item', 'stat_item']) await q.query(`DROP TABLE ${t}`);
  }
}
