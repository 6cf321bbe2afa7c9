import { createHash } from 'node:crypto';
import { keyHash } from './key-hash';

describe('keyHash (stored as user_action.rollup_key and stat_day_cd.k)', () => {
  it('keeps the stored encoding: the first 32 hex characters of SHA-256 over the JSON of the values', () => {
    // Pinned values: a change here would orphan every key already stored.
    expect(keyHash([3, 1, 0, 'AT', 'mobile'])).toBe('04238af0188c3249c8063657e0b07bf8');
    expect(keyHash([3, 1, null, null, null, null, null])).toBe('7cf3c5ead4b1e69a6b48a32e0d6d823f');
  });

  it('tells apart values that differ only in type or position', () => {
    expect(new Set([keyHash([1, '2']), keyHash(['1', 2]), keyHash([2, 1]), keyHash([1, 2])]).size).toBe(4);
  });
});

describe('keyHash remembers keys it computed', () => {
  it('gives the computed key again, also once more keys than it remembers have passed', () => {
    const values = [9, 9, 'remembered'];
    const computed = createHash('sha256').update(JSON.stringify(values)).digest('hex').slice(0, 32);
    expect(keyHash(values)).toBe(computed);
    expect(keyHash([...values])).toBe(computed);
    for (let i = 0; i < 25_000; i++) keyHash([i]);
    expect(keyHash(values)).toBe(computed);
  });
});
