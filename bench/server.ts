/**
 * The bench's own MariaDB server (the machine's mariadbd, its own data directory and port) unless
 * BENCH_DATABASE_URL names one: configured as a production server for this dataset would be —
 * a buffer pool that holds the working set, a redo log sized for bulk writes, durable commits —
 * instead of the distribution's defaults (a 128 MB buffer pool under a multi-GB table made the
 * direct-insert baseline swing 8× within an hour; bench/README.md). Its data directory
 * (BENCH_SERVER_DIR) outlives the run, so `--reuse` finds the dataset again.
 */
export const BENCH_SERVER_SETTINGS = [
  '--innodb-buffer-pool-size=4G',
  '--innodb-log-file-size=1G',
  '--innodb-flush-log-at-trx-commit=1',
  '--innodb-flush-method=O_DIRECT',
  '--max-allowed-packet=64M',
  '--tmp-table-size=64M',
  '--max-heap-table-size=64M',
];
export const BENCH_SERVER_DIR = process.env.BENCH_SERVER_DIR ?? '/var/tmp/statistics-bench-mariadb';
