import { MigrationInterface, QueryRunner } from 'typeorm';

/** SQLite twin of the MySQL ReadCache migration. */
export class ReadCache1764500000000 implements MigrationInterface {
  name = 'ReadCache1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE data_version (
        tenant INTEGER NOT NULL,
        bucket INTEGER NOT NULL,
        version INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant, bucket)
      )`);
    await q.query(`
      CREATE TABLE rollup_closure (
        tenant INTEGER NOT NULL PRIMARY KEY,
        closed_before DATETIME NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rollup_closure');
    await q.query('DROP TABLE data_version');
  }
}
