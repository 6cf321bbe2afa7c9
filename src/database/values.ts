/**
 * The one place driver values become API values. mysql2 may return SUM() and BIGINT as strings,
 * SQLite returns DATETIME columns as `YYYY-MM-DD HH:MM:SS.SSS` text (UTC) and booleans as 0/1.
 */
export function toInt(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : Number(String(value));
  if (!Number.isSafeInteger(n)) throw new Error(`database returned a non-integer where an integer was expected: ${String(value)}`);
  return n;
}

export function toInstant(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'string') {
    const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value) ? `${value.replace(' ', 'T')}Z` : value;
    const d = new Date(iso);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new Error(`database returned an unreadable instant: ${String(value)}`);
}

export function toBool(value: unknown): boolean {
  return value === true || value === 1 || value === '1';
}

export function toStringOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
