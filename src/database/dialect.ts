/**
 * The SQL that differs between MySQL/MariaDB and SQLite, in one place. Repositories build their
 * statements from these pieces and never branch on the dialect themselves.
 */
export type Dialect = 'mysql' | 'sqlite';

/**
 * How an upsert merges a column of the incoming row into the stored one:
 * - `replace`: the incoming value;
 * - `add`: stored + incoming (counters);
 * - `min` / `max`: the smaller / larger of the two;
 * - `coalesceIfNewer`: the incoming value unless it is NULL, but only when the incoming row is at
 *   least as new as the stored one by the `newerBy` column (else the stored value stays).
 */
export type Merge = 'replace' | 'add' | 'min' | 'max' | 'coalesceIfNewer';

export interface UpsertOptions {
  /** The column that orders versions of a row, for `coalesceIfNewer` (it should itself merge by `max`, listed last). */
  newerBy?: string;
}

export class DialectSql {
  constructor(readonly dialect: Dialect) {}

  /** An instant as a statement parameter: mysql2 takes a Date (the session is UTC); SQLite stores UTC text `YYYY-MM-DD HH:MM:SS.mmm`. */
  instant(d: Date): Date | string {
    return this.dialect === 'mysql' ? d : d.toISOString().replace('T', ' ').replace('Z', '');
  }

  /** `(?, ?, …), (?, ?, …)` — `rows` groups of `columns` placeholders for a multi-row VALUES. */
  values(rows: number, columns: number): string {
    const one = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
    return Array.from({ length: rows }, () => one).join(', ');
  }

  /** `?, ?, …` — `n` placeholders for an IN list. */
  list(n: number): string {
    return Array.from({ length: n }, () => '?').join(', ');
  }

  /**
   * The ending of an `INSERT INTO table (…) VALUES …` that merges into the row with the same key
   * `keys` (the table's primary or unique key): `ON DUPLICATE KEY UPDATE …` on MySQL,
   * `ON CONFLICT (keys) DO UPDATE SET …` on SQLite. `set` lists the columns to merge, in order.
   */
  onConflict(table: string, keys: readonly string[], set: Readonly<Record<string, Merge>>, options: UpsertOptions = {}): string {
    const cols = Object.entries(set);
    if (this.dialect === 'mysql') {
      const by = options.newerBy;
      const merge = ([c, m]: [string, Merge]) => {
        switch (m) {
          case 'replace':
            return `${c} = VALUES(${c})`;
          case 'add':
            return `${c} = ${c} + VALUES(${c})`;
          case 'min':
            return `${c} = LEAST(${c}, VALUES(${c}))`;
          case 'max':
            return `${c} = GREATEST(${c}, VALUES(${c}))`;
          case 'coalesceIfNewer':
            // MySQL assigns left to right: `newerBy` must come after the columns that compare with it.
            return `${c} = IF(VALUES(${requireBy(by)}) >= ${requireBy(by)}, COALESCE(VALUES(${c}), ${c}), ${c})`;
        }
      };
      return `ON DUPLICATE KEY UPDATE ${cols.map(merge).join(', ')}`;
    }
    const by = options.newerBy;
    const merge = ([c, m]: [string, Merge]) => {
      switch (m) {
        case 'replace':
          return `${c} = excluded.${c}`;
        case 'add':
          return `${c} = ${table}.${c} + excluded.${c}`;
        case 'min':
          return `${c} = MIN(${table}.${c}, excluded.${c})`;
        case 'max':
          return `${c} = MAX(${table}.${c}, excluded.${c})`;
        case 'coalesceIfNewer':
          // SQLite evaluates every SET expression on the stored row: the order does not matter.
          return `${c} = CASE WHEN excluded.${requireBy(by)} >= ${table}.${requireBy(by)} THEN COALESCE(excluded.${c}, ${table}.${c}) ELSE ${table}.${c} END`;
      }
    };
    return `ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${cols.map(merge).join(', ')}`;
  }

  /** `INSERT IGNORE INTO` / `INSERT OR IGNORE INTO`: a row whose key exists is skipped. */
  insertIgnore(): string {
    return this.dialect === 'mysql' ? 'INSERT IGNORE INTO' : 'INSERT OR IGNORE INTO';
  }

  /** ` FOR UPDATE` on MySQL (row locks for the rest of the transaction); SQLite's write transaction already excludes other writers. */
  forUpdate(): string {
    return this.dialect === 'mysql' ? ' FOR UPDATE' : '';
  }

  /**
   * ` FOR UPDATE SKIP LOCKED` on MySQL 8 / MariaDB 10.6+: locks the rows it returns and passes
   * over rows another transaction holds (an insert not committed yet, another folder's claim);
   * SQLite's write transaction already excludes other writers.
   */
  skipLocked(): string {
    return this.dialect === 'mysql' ? ' FOR UPDATE SKIP LOCKED' : '';
  }

  /**
   * On MySQL / MariaDB, a table of ids from one parameter (a JSON array of integers) to drive a
   * DELETE by primary key: `DELETE t FROM <this> AS c STRAIGHT_JOIN t ON t.id = c.id` looks each
   * id up in the primary key (EXPLAIN: eq_ref) and touches no other row. `WHERE id IN (…)` — also
   * with `ORDER BY id LIMIT n` — was run on a small table as a full scan in id order, which locks
   * (and waits for) every row it passes: an ingestion's uncommitted pending row with a lower id
   * held the fold until the statement timeout. Undefined on SQLite, whose write transaction
   * excludes other writers.
   */
  idsTable(): string | undefined {
    return this.dialect === 'mysql' ? `JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$'))` : undefined;
  }

  /**
   * `SELECT MIN(column) AS alias` over the rows of `table` matching `where` (unqualified columns,
   * `?` placeholders), found with one index seek per distinct `group` value on an index
   * (group, …where's columns, column): MySQL/MariaDB do that for a GROUP BY ("Using index for
   * group-by"); SQLite would scan the whole index, so there the groups are walked by a recursive
   * CTE (a skip scan by hand). Both statements take `where`'s parameters once.
   */
  minOverGroups(table: string, group: string, column: string, where: string, alias: string): string {
    if (this.dialect === 'mysql') {
      return `SELECT MIN(${column}) AS ${alias} FROM (SELECT MIN(${column}) AS ${column} FROM ${table} WHERE ${where} GROUP BY ${group}) per_${group}`;
    }
    return `WITH RECURSIVE g(${group}) AS (
    SELECT MIN(${group}) FROM ${table}
    UNION ALL SELECT (SELECT MIN(${group}) FROM ${table} WHERE ${group} > g.${group}) FROM g WHERE g.${group} IS NOT NULL
  )
  SELECT MIN((SELECT MIN(${column}) FROM ${table} WHERE ${group} = g.${group} AND ${where})) AS ${alias} FROM g`;
  }

  /** The greater of two expressions (`GREATEST` / two-argument `MAX`). */
  greatest(a: string, b: string): string {
    return this.dialect === 'mysql' ? `GREATEST(${a}, ${b})` : `MAX(${a}, ${b})`;
  }
}

function requireBy(by: string | undefined): string {
  if (!by) throw new Error('coalesceIfNewer needs options.newerBy');
  return by;
}
