import { MigrationInterface, QueryRunner } from 'typeorm';
import { binaryCollation } from './collation';

/**
 * HTTP caching of the read API (docs/api.md): `data_version` counts the changes per tenant and
 * day of `created` (and per special bucket: snapshots, rebuilt summaries; tenant 0: users,
 * catalog), bumped in the transactions that make them; `rollup_closure` records, per tenant, the
 * instant before which a completed rollup pass left every row at its final level.
 */
export class ReadCache1764500000000 implements MigrationInterface {
  name = 'ReadCache1764500000000';

  async up(q: QueryRunner): Promise<void> {
    const collation = await binaryCollation(q);
    await q.query(`
      CREATE TABLE data_version (
        tenant BIGINT NOT NULL,
        bucket INT NOT NULL,
        version BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant, bucket)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
    await q.query(`
      CREATE TABLE rollup_closure (
        tenant BIGINT NOT NULL,
        closed_before DATETIME(3) NOT NULL,
        PRIMARY KEY (tenant)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rollup_closure');
    await q.query('DROP TABLE data_version');
  }
}
