import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `plan_combined_ids` as MEDIUMTEXT: a valid event may carry 1000 plan ids of 255 characters
 * (~260 kB as JSON), more than TEXT's 65,535 bytes (found by the fuzz suite: a 500 on MySQL).
 * SQLite's TEXT has no such limit, so it has no counterpart there.
 */
export class SnapshotPlanIds1764400000000 implements MigrationInterface {
  name = 'SnapshotPlanIds1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE configuration_snapshot MODIFY plan_combined_ids MEDIUMTEXT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE configuration_snapshot MODIFY plan_combined_ids TEXT NULL');
  }
}
