import { mulberry32 } from '../../common/prng';
import { type RankedGroup, rankGroups, rankTop } from './aggregated.service';

type G = RankedGroup & { count: number };

/** Groups with many equal counts (ties decided by module, action, then the key's bytes; null first). */
function groups(seed: number, n: number): G[] {
  const next = mulberry32(seed);
  const names = ['a', 'a ', 'A', 'ä', 'b', null, 'conf:1', 'conf:10', 'conf:2'];
  return Array.from({ length: n }, (_, i) => ({
    row: { module: 3, action: 1 + Math.floor(next() * 2) },
    keys: [names[Math.floor(next() * names.length)] === null ? null : `${names[i % names.length] ?? 'n'}${i % 7}`],
    count: 1 + Math.floor(next() * next() * 12),
  }));
}

describe('rankTop', () => {
  const count = (g: G) => g.count;

  it.each([1, 2, 5, 17, 60, 199, 200, 250])('returns the first %i groups of the full ranking by count, ties in key order', (upTo) => {
    for (const seed of [1, 2, 3]) {
      const all = groups(seed, 200);
      const full = rankGroups([...all], count, 'count').slice(0, upTo);
      expect(rankTop([...all], count, 'count', upTo)).toEqual(full);
    }
  });

  it('in key order (no orderBy) is the full ranking cut', () => {
    const all = groups(4, 50);
    expect(rankTop([...all], count, undefined, 10)).toEqual(rankGroups([...all], count, undefined).slice(0, 10));
  });

  it('returns nothing for an empty page', () => {
    expect(rankTop(groups(5, 10), count, 'count', 0)).toEqual([]);
  });
});
