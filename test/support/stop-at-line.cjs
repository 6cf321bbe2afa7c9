'use strict';
// Preloaded (NODE_OPTIONS=--require) into a rollup CLI child by spawnRollupCli when a test wants it
// stopped at a progress line: right after the child writes a stderr line matching STOP_AT_LINE, it
// stops itself (SIGSTOP), before it does anything else. A stop sent by the test when it reads the
// line could come after the child had run on, even to the end of its pass, on a loaded machine.
// Writes to a pipe are synchronous on Linux, so the line has reached the test when the child stops.
const source = process.env.STOP_AT_LINE;
if (source) {
  const pattern = new RegExp(source, 'm');
  const write = process.stderr.write.bind(process.stderr);
  let stopped = false;
  process.stderr.write = (chunk, ...rest) => {
    const written = write(chunk, ...rest);
    if (!stopped && pattern.test(String(chunk))) {
      stopped = true;
      process.kill(process.pid, 'SIGSTOP');
    }
    return written;
  };
}
