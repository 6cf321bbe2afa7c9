import { MigrationInterface, QueryRunner } from 'typeorm';
import { binaryCollation } from './collation';
import { seedCatalogStatements } from '../../catalog-seed';

/** MySQL 8 / MariaDB schema. Index choices are explained in docs/database.md. */
export class InitialSchema1764100000000 implements MigrationInterface {
  name = 'InitialSchema1764100000000';

  async up(q: QueryRunner): Promise<void> {
    const collation = await binaryCollation(q);
    await q.query(`
      CREATE TABLE user_action (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        tenant BIGINT NOT NULL,
        module INT NOT NULL,
        action INT NOT NULL,
        created DATETIME(3) NOT NULL,
        aggregation_level TINYINT NOT NULL DEFAULT 0,
        count INT NOT NULL DEFAULT 1,
        country VARCHAR(2) NULL,
        device VARCHAR(32) NULL,
        action_label VARCHAR(255) NULL,
        action_id VARCHAR(255) NULL,
        action_parameter VARCHAR(1024) NULL,
        user_id VARCHAR(255) NULL,
        event_id VARCHAR(64) NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_user_action_event (tenant, event_id),
        KEY ix_user_action_tenant_created (tenant, created),
        KEY ix_user_action_tenant_module_action_created (tenant, module, action, created),
        KEY ix_user_action_level_created (aggregation_level, created)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
    await q.query(`
      CREATE TABLE configuration_snapshot (
        tenant BIGINT NOT NULL,
        configuration_id VARCHAR(255) NOT NULL,
        thumbnail VARCHAR(2048) NULL,
        part_list MEDIUMTEXT NULL,
        plan_combined_ids TEXT NULL,
        updated DATETIME(3) NOT NULL,
        PRIMARY KEY (tenant, configuration_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
    await q.query(`
      CREATE TABLE directory_user (
        user_id VARCHAR(255) NOT NULL,
        email VARCHAR(320) NULL,
        statistics_consent TINYINT(1) NOT NULL DEFAULT 0,
        updated DATETIME(3) NOT NULL,
        PRIMARY KEY (user_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
    await q.query(`
      CREATE TABLE catalog_module (
        id INT NOT NULL,
        name VARCHAR(64) NOT NULL,
        PRIMARY KEY (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
    await q.query(`
      CREATE TABLE catalog_action (
        module INT NOT NULL,
        action INT NOT NULL,
        name VARCHAR(128) NOT NULL,
        configuration_action TINYINT(1) NOT NULL DEFAULT 0,
        carries_part_list TINYINT(1) NOT NULL DEFAULT 0,
        PRIMARY KEY (module, action)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
    for (const [sql, params] of seedCatalogStatements()) await q.query(sql, params);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['catalog_action', 'catalog_module', 'directory_user', 'configuration_snapshot', 'user_action']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
