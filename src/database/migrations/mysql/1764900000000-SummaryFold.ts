import { MigrationInterface, QueryRunner } from 'typeorm';
import { binaryCollation } from './collation';

/**
 * The summaries' fold (src/summary/fold.service.ts, docs/performance.md "The fold"):
 * - `summary_pending`: the deltas ingestion commits with its rows, one per summary key of a batch
 *   (local day and hour, module, action, level, country, device, label, item), until the folder
 *   moves them into the summary tables. Every read adds them to the summaries it reads.
 * - `stat_hour`: per tenant and local hour (module, action, level) → count, written by the fold
 *   only (the base of per-hour series and of the leading edge day of a range).
 * - `stat_day_lc`: per tenant and local day (module, action, level, configurator, country) →
 *   count — configurator × country without device (scenario L), written by the fold only;
 * - the fold's lease row in `rollup_lease`.
 * `stat_hour` and `stat_day_lc` are built from `user_action` like every summary table: the migration forgets the
 * zone the summaries were built in, so the next start rebuilds them (SummaryService.ensureZone).
 */
export class SummaryFold1764900000000 implements MigrationInterface {
  name = 'SummaryFold1764900000000';

  async up(q: QueryRunner): Promise<void> {
    const collation = await binaryCollation(q);
    await q.query(`
      CREATE TABLE summary_pending (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        tenant BIGINT NOT NULL,
        day DATETIME(3) NOT NULL,
        hour DATETIME(3) NOT NULL,
        module INT NOT NULL,
        action INT NOT NULL,
        aggregation_level TINYINT NOT NULL,
        country VARCHAR(2) NULL,
        device VARCHAR(32) NULL,
        action_label VARCHAR(255) NULL,
        action_id VARCHAR(255) NULL,
        count BIGINT NOT NULL,
        min_created DATETIME(3) NOT NULL,
        queued DATETIME(3) NOT NULL,
        PRIMARY KEY (id),
        INDEX ix_summary_pending_tenant_day (tenant, day)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
    await q.query(`
      CREATE TABLE stat_hour (
        tenant BIGINT NOT NULL,
        hour DATETIME(3) NOT NULL,
        module INT NOT NULL,
        action INT NOT NULL,
        aggregation_level TINYINT NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (tenant, hour, module, action, aggregation_level)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
    await q.query(`
      CREATE TABLE stat_day_lc (
        tenant BIGINT NOT NULL,
        day DATETIME(3) NOT NULL,
        k CHAR(32) NOT NULL,
        module INT NOT NULL,
        action INT NOT NULL,
        aggregation_level TINYINT NOT NULL,
        action_label VARCHAR(255) NULL,
        country VARCHAR(2) NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (tenant, day, k)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
    await q.query(`INSERT INTO rollup_lease (name, holder, expires_at) VALUES ('fold', NULL, NULL)`);
    await q.query("DELETE FROM summary_meta WHERE name = 'time_zone'");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM rollup_lease WHERE name = 'fold'`);
    for (const t of ['stat_day_lc', 'stat_hour', 'summary_pending']) await q.query(`DROP TABLE ${t}`);
  }
}
