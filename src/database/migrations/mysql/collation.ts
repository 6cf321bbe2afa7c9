import { QueryRunner } from 'typeorm';

/**
 * A binary, NO PAD collation: `'a '` and `'a'` are different ids, as on SQLite. MySQL 8 calls it
 * utf8mb4_0900_bin, MariaDB utf8mb4_nopad_bin (both servers' utf8mb4_bin is PAD SPACE).
 */
export async function binaryCollation(q: QueryRunner): Promise<string> {
  const [{ v }] = await q.query('SELECT VERSION() AS v');
  return String(v).includes('MariaDB') ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin';
}
