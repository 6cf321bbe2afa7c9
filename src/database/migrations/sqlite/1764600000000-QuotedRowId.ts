import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rewrites `id INTEGER PRIMARY KEY AUTOINCREMENT` in user_action's stored CREATE TABLE text as
 * `"id" …`. Nothing about the table changes (no copy: SQLite edits the schema text only), but
 * TypeORM finds the AUTOINCREMENT column only by a double-quoted name, so without this
 * `migration:generate` read the row id as not generated and wrote a migration rebuilding the
 * table. SQLite only: MySQL's schema is read from information_schema. See docs/database.md.
 */
export class QuotedRowId1764600000000 implements MigrationInterface {
  name = 'QuotedRowId1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE user_action RENAME COLUMN id TO "id"');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE user_action RENAME COLUMN "id" TO id');
  }
}
