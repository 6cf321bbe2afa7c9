import { MigrationInterface, QueryRunner } from 'typeorm';
import { binaryCollation } from './collation';

/**
 * Rollup support: a key hash that makes (tenant, level, period, key) unique for aggregated rows
 * (so a late row merges into the existing aggregate), the index the rollup pass walks, and the
 * lease that keeps one runner at a time across replicas.
 */
export class Rollup1764200000000 implements MigrationInterface {
  name = 'Rollup1764200000000';

  async up(q: QueryRunner): Promise<void> {
    const collation = await binaryCollation(q);
    await q.query(`
      ALTER TABLE user_action
        ADD COLUMN rollup_key CHAR(32) NULL,
        DROP INDEX ix_user_action_level_created,
        ADD INDEX ix_user_action_tenant_level_created (tenant, aggregation_level, created),
        ADD UNIQUE INDEX uq_user_action_rollup (tenant, aggregation_level, created, rollup_key)`);
    await q.query(`
      CREATE TABLE rollup_lease (
        name VARCHAR(64) NOT NULL,
        holder VARCHAR(128) NULL,
        expires_at DATETIME(3) NULL,
        PRIMARY KEY (name)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
    await q.query(`INSERT INTO rollup_lease (name, holder, expires_at) VALUES ('rollup', NULL, NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rollup_lease');
    await q.query(`
      ALTER TABLE user_action
        DROP INDEX uq_user_action_rollup,
        DROP INDEX ix_user_action_tenant_level_created,
        ADD INDEX ix_user_action_level_created (aggregation_level, created),
        DROP COLUMN rollup_key`);
  }
}
