import { MigrationInterface, QueryRunner } from 'typeorm';
import { binaryCollation } from './collation';

/**
 * Summary tables by configurator (`action_label`) per tenant and local day (see
 * src/summary/summary.service.ts and docs/performance.md): `stat_day_label` (label alone) and
 * `stat_day_lcd` (label, country, device). The local day cannot be computed in SQL for every
 * zone, so the migration forgets the zone the summaries were built in: the next start rebuilds
 * every summary table from `user_action` (SummaryService.ensureZone), the new ones included.
 */
export class LabelSummaries1764700000000 implements MigrationInterface {
  name = 'LabelSummaries1764700000000';

  async up(q: QueryRunner): Promise<void> {
    const collation = await binaryCollation(q);
    await q.query(`
      CREATE TABLE stat_day_label (
        tenant BIGINT NOT NULL,
        day DATETIME(3) NOT NULL,
        k CHAR(32) NOT NULL,
        module INT NOT NULL,
        action INT NOT NULL,
        aggregation_level TINYINT NOT NULL,
        action_label VARCHAR(255) NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (tenant, day, k)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
    await q.query(`
      CREATE TABLE stat_day_lcd (
        tenant BIGINT NOT NULL,
        day DATETIME(3) NOT NULL,
        k CHAR(32) NOT NULL,
        module INT NOT NULL,
        action INT NOT NULL,
        aggregation_level TINYINT NOT NULL,
        action_label VARCHAR(255) NULL,
        country VARCHAR(2) NULL,
        device VARCHAR(32) NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (tenant, day, k)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
    await q.query("DELETE FROM summary_meta WHERE name = 'time_zone'");
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['stat_day_lcd', 'stat_day_label']) await q.query(`DROP TABLE ${t}`);
  }
}
