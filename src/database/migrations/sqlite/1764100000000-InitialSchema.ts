import { MigrationInterface, QueryRunner } from 'typeorm';
import { seedCatalogStatements } from '../../catalog-seed';

/**
 * SQLite schema, the same tables as the MySQL migration. Differences: INTEGER PRIMARY KEY for the
 * row id (SQLite has no BIGINT autoincrement) and instants stored as UTC text
 * `YYYY-MM-DD HH:MM:SS.SSS`, which TypeORM writes for Date parameters and which sorts correctly.
 */
export class InitialSchema1764100000000 implements MigrationInterface {
  name = 'InitialSchema1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE user_action (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant INTEGER NOT NULL,
        module INTEGER NOT NULL,
        action INTEGER NOT NULL,
        created DATETIME NOT NULL,
        aggregation_level INTEGER NOT NULL DEFAULT 0,
        count INTEGER NOT NULL DEFAULT 1,
        country VARCHAR(2) NULL,
        device VARCHAR(32) NULL,
        action_label VARCHAR(255) NULL,
        action_id VARCHAR(255) NULL,
        action_parameter VARCHAR(1024) NULL,
        user_id VARCHAR(255) NULL,
        event_id VARCHAR(64) NULL
      )`);
    await q.query('CREATE UNIQUE INDEX uq_user_action_event ON user_action (tenant, event_id)');
    await q.query('CREATE INDEX ix_user_action_tenant_created ON user_action (tenant, created)');
    await q.query('CREATE INDEX ix_user_action_tenant_module_action_created ON user_action (tenant, module, action, created)');
    await q.query('CREATE INDEX ix_user_action_level_created ON user_action (aggregation_level, created)');
    await q.query(`
      CREATE TABLE configuration_snapshot (
        tenant INTEGER NOT NULL,
        configuration_id VARCHAR(255) NOT NULL,
        thumbnail VARCHAR(2048) NULL,
        part_list TEXT NULL,
        plan_combined_ids TEXT NULL,
        updated DATETIME NOT NULL,
        PRIMARY KEY (tenant, configuration_id)
      )`);
    await q.query(`
      CREATE TABLE directory_user (
        user_id VARCHAR(255) NOT NULL PRIMARY KEY,
        email VARCHAR(320) NULL,
        statistics_consent BOOLEAN NOT NULL DEFAULT 0,
        updated DATETIME NOT NULL
      )`);
    await q.query('CREATE TABLE catalog_module (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL)');
    await q.query(`
      CREATE TABLE catalog_action (
        module INTEGER NOT NULL,
        action INTEGER NOT NULL,
        name VARCHAR(128) NOT NULL,
        configuration_action BOOLEAN NOT NULL DEFAULT 0,
        carries_part_list BOOLEAN NOT NULL DEFAULT 0,
        PRIMARY KEY (module, action)
      )`);
    for (const [sql, params] of seedCatalogStatements()) await q.query(sql, params);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['catalog_action', 'catalog_module', 'directory_user', 'configuration_snapshot', 'user_action']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
