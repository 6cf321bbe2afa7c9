import { MigrationInterface, QueryRunner } from 'typeorm';
import { binaryCollation } from './collation';

/**
 * Summary tables per tenant and local day (see src/summary/summary.service.ts and docs/performance.md).
 * Existing user actions are summarised at the next start (SummaryService.ensureZone).
 */
export class Summaries1764300000000 implements MigrationInterface {
  name = 'Summaries1764300000000';

  async up(q: QueryRunner): Promise<void> {
    const collation = await binaryCollation(q);
    await q.query(`
      CREATE TABLE stat_day (
        tenant BIGINT NOT NULL,
        day DATETIME(3) NOT NULL,
        module INT NOT NULL,
        action INT NOT NULL,
        aggregation_level TINYINT NOT NULL,
        count BIGINT NOT NULL,
        min_created DATETIME(3) NOT NULL,
        PRIMARY KEY (tenant, day, module, action, aggregation_level)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
    await q.query(`
      CREATE TABLE stat_day_cd (
        tenant BIGINT NOT NULL,
        day DATETIME(3) NOT NULL,
        k CHAR(32) NOT NULL,
        module INT NOT NULL,
        action INT NOT NULL,
        aggregation_level TINYINT NOT NULL,
        country VARCHAR(2) NULL,
        device VARCHAR(32) NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (tenant, day, k)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
    await q.query(`
      CREATE TABLE summary_meta (
        name VARCHAR(64) NOT NULL,
        value VARCHAR(255) NOT NULL,
        PRIMARY KEY (name)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['summary_meta', 'stat_day_cd', 'stat_day']) await q.query(`DROP TABLE ${t}`);
  }
}
