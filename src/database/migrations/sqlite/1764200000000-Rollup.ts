import { MigrationInterface, QueryRunner } from 'typeorm';

/** SQLite twin of the MySQL Rollup migration. */
export class Rollup1764200000000 implements MigrationInterface {
  name = 'Rollup1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE user_action ADD COLUMN rollup_key VARCHAR(32) NULL');
    await q.query('DROP INDEX ix_user_action_level_created');
    await q.query('CREATE INDEX ix_user_action_tenant_level_created ON user_action (tenant, aggregation_level, created)');
    await q.query('CREATE UNIQUE INDEX uq_user_action_rollup ON user_action (tenant, aggregation_level, created, rollup_key)');
    await q.query('CREATE TABLE rollup_lease (name VARCHAR(64) NOT NULL PRIMARY KEY, holder VARCHAR(128) NULL, expires_at DATETIME NULL)');
    await q.query(`INSERT INTO rollup_lease (name, holder, expires_at) VALUES ('rollup', NULL, NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rollup_lease');
    await q.query('DROP INDEX uq_user_action_rollup');
    await q.query('DROP INDEX ix_user_action_tenant_level_created');
    await q.query('CREATE INDEX ix_user_action_level_created ON user_action (aggregation_level, created)');
    await q.query('ALTER TABLE user_action DROP COLUMN rollup_key');
  }
}
