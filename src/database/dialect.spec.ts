import { DialectSql } from './dialect';

describe('DialectSql', () => {
  const mysql = new DialectSql('mysql');
  const sqlite = new DialectSql('sqlite');

  it('writes instants as mysql2 Dates and as SQLite UTC text', () => {
    const d = new Date('2026-05-20T12:34:56.789Z');
    expect(mysql.instant(d)).toBe(d);
    expect(sqlite.instant(d)).toBe('2026-05-20 12:34:56.789');
  });

  it('builds placeholders', () => {
    expect(mysql.values(2, 3)).toBe('(?, ?, ?), (?, ?, ?)');
    expect(sqlite.list(3)).toBe('?, ?, ?');
  });

  it('upserts: every merge kind in both dialects', () => {
    const set = { count: 'add', min_created: 'min', name: 'replace', updated: 'max' } as const;
    expect(mysql.onConflict('t', ['a', 'b'], set)).toBe(
      'ON DUPLICATE KEY UPDATE count = count + VALUES(count), min_created = LEAST(min_created, VALUES(min_created)), name = VALUES(name), updated = GREATEST(updated, VALUES(updated))',
    );
    expect(sqlite.onConflict('t', ['a', 'b'], set)).toBe(
      'ON CONFLICT (a, b) DO UPDATE SET count = t.count + excluded.count, min_created = MIN(t.min_created, excluded.min_created), name = excluded.name, updated = MAX(t.updated, excluded.updated)',
    );
  });

  it('coalesceIfNewer compares with the newerBy column and needs it', () => {
    expect(mysql.onConflict('s', ['k'], { thumb: 'coalesceIfNewer', updated: 'max' }, { newerBy: 'updated' })).toBe(
      'ON DUPLICATE KEY UPDATE thumb = IF(VALUES(updated) >= updated, COALESCE(VALUES(thumb), thumb), thumb), updated = GREATEST(updated, VALUES(updated))',
    );
    expect(sqlite.onConflict('s', ['k'], { thumb: 'coalesceIfNewer' }, { newerBy: 'updated' })).toBe(
      'ON CONFLICT (k) DO UPDATE SET thumb = CASE WHEN excluded.updated >= s.updated THEN COALESCE(excluded.thumb, s.thumb) ELSE s.thumb END',
    );
    expect(() => sqlite.onConflict('s', ['k'], { thumb: 'coalesceIfNewer' })).toThrow(/newerBy/);
  });

  it('names the other small differences', () => {
    expect([mysql.insertIgnore(), sqlite.insertIgnore()]).toEqual(['INSERT IGNORE INTO', 'INSERT OR IGNORE INTO']);
    expect([mysql.forUpdate(), sqlite.forUpdate()]).toEqual([' FOR UPDATE', '']);
    expect([mysql.greatest('a', 'b'), sqlite.greatest('a', 'b')]).toEqual(['GREATEST(a, b)', 'MAX(a, b)']);
  });

  it('finds the smallest value over groups: a loose index scan on MySQL, a recursive CTE on SQLite', () => {
    expect(mysql.minOverGroups('ua', 'tenant', 'created', 'level = ?', 'oldest')).toBe(
      'SELECT MIN(created) AS oldest FROM (SELECT MIN(created) AS created FROM ua WHERE level = ? GROUP BY tenant) per_tenant',
    );
    expect(sqlite.minOverGroups('ua', 'tenant', 'created', 'level = ?', 'oldest').replace(/\s+/g, ' ')).toBe(
      'WITH RECURSIVE g(tenant) AS ( SELECT MIN(tenant) FROM ua UNION ALL SELECT (SELECT MIN(tenant) FROM ua WHERE tenant > g.tenant) FROM g WHERE g.tenant IS NOT NULL ) ' +
        'SELECT MIN((SELECT MIN(created) FROM ua WHERE tenant = g.tenant AND level = ?)) AS oldest FROM g',
    );
  });
});
