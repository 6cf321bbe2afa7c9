import { createHash } from 'node:crypto';

/**
 * The 32-character key of a combination of column values: the first 128 bits of the SHA-256 of
 * their JSON. It is stored — `user_action.rollup_key` (rollup) and `stat_day_cd.k`, `stat_day_label.k`, `stat_day_lcd.k` (summaries) —
 * so the encoding must never change.
 */
export function keyHash(values: readonly unknown[]): string {
  const json = JSON.stringify(values);
  let key = known.get(json);
  if (key === undefined) {
    key = createHash('sha256').update(json).digest('hex').slice(0, 32);
    if (known.size >= KNOWN_KEYS) known.clear();
    known.set(json, key);
  }
  return key;
}

/**
 * Keys computed lately, by their JSON. Ingestion, the rollup and a rebuild hash every row they
 * count three or four times, mostly into the same few thousand keys (a SHA-256 costs ≈ 1.2 µs,
 * a lookup ≈ 0.1 µs); the bound keeps the memory to a few MB.
 */
const known = new Map<string, string>();
const KNOWN_KEYS = 20_000;
