// `npm run test:galera`: compiles the service, forms a 3-node MariaDB Galera cluster on loopback
// with haproxy in front (test/support/galera-cluster.ts), runs the cluster suites
// (test/cluster/*.cluster-spec.ts, one after the other) against it, and tears it down — also when
// the suites fail or this process is interrupted. Needs mariadb-server, galera-4, rsync and
// haproxy (Debian packages; .ci/run installs them) and root (the nodes run as `mysql`).
// Extra arguments go to jest, e.g. `npm run test:galera -- -t failover`.
import { spawn, spawnSync } from 'node:child_process';
import { GaleraCluster } from '../test/support/galera-cluster';

async function main(): Promise<number> {
  const started = Date.now();
  console.log('=== compiling the service (dist/): the cluster suites run the real process ===');
  const build = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (build.status !== 0) return 1;

  console.log('=== forming a 3-node Galera cluster on loopback ===');
  const cluster = await GaleraCluster.form((line) => console.log(line));
  const stop = () => {
    cluster.teardown();
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    console.log(`cluster folder ${cluster.desc.dir}; nodes on ${cluster.desc.nodes.map((d) => d.port).join(', ')}; haproxy writer ${cluster.desc.writerPort}, reader ${cluster.desc.readerPort}`);
    // Not spawnSync: this process must keep reaping the nodes a suite kills and answering signals.
    const jest = spawn(
      process.execPath,
      [
        '--experimental-vm-modules',
        '--no-warnings=ExperimentalWarning',
        'node_modules/jest/bin/jest.js',
        '--runInBand',
        // A suite that fails while a node it restarted is still starting leaves that child alive:
        // jest would wait for it and this process for jest (seen under heavy load, 2026-12-06).
        // Exit when the suites are done; the teardown below stops whatever is left.
        '--forceExit',
        '--testRegex',
        'test/cluster/.*\\.cluster-spec\\.ts$',
        ...process.argv.slice(2),
      ],
      { stdio: 'inherit', env: { ...process.env, TEST_DB: 'mysql', GALERA_CLUSTER: JSON.stringify(cluster.desc) } },
    );
    return await new Promise<number>((res) => jest.once('exit', (code) => res(code ?? 1)));
  } finally {
    cluster.teardown();
    console.log(`=== Galera cluster torn down; test:galera took ${Math.round((Date.now() - started) / 1000)} s ===`);
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
