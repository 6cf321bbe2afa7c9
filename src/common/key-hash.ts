import { createHash } from 'node:crypto';

/**
 * The 32-character key of a combination of column values: the first 128 bits of the SHA-256 of
 * their JSON. It is stored — `user_action.rollup_key` (rollup) and `stat_day_cd.k`, `stat_day_label.k`, `stat_day_lcd.k` (summaries) —
 * so the encoding must never change.
 */
export function keyHash(values: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(values)).digest('hex').slice(0, 32);
}
