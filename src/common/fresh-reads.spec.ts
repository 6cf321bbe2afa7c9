import { FreshReads } from './fresh-reads';

/** A read whose every call is recorded and settled by the test. */
function controlledReads() {
  const calls: Array<{ key: string; resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  const fresh = new FreshReads<string>();
  const reads = {
    get: (key: string) =>
      fresh.get(
        key,
        () =>
          new Promise<string>((resolve, reject) => {
            calls.push({ key, resolve, reject });
          }),
      ),
  };
  return { calls, reads };
}

/** Lets settled promises run their callbacks. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('FreshReads', () => {
  it('starts a read at once for a caller alone and gives it the result', async () => {
    const { calls, reads } = controlledReads();
    const a = reads.get('t1');
    expect(calls.map((c) => c.key)).toEqual(['t1']);
    calls[0].resolve('v1');
    await expect(a).resolves.toBe('v1');
  });

  it('never answers a caller with a read begun before it asked: latecomers wait for the next read, which they share', async () => {
    const { calls, reads } = controlledReads();
    const first = reads.get('t1');
    // Three callers arrive while the first read is in flight: none of them may get its result.
    const late = [reads.get('t1'), reads.get('t1'), reads.get('t1')];
    expect(calls).toHaveLength(1);
    calls[0].resolve('before');
    await expect(first).resolves.toBe('before');
    await settle();
    // The next read began after all three asked; one read answers them all.
    expect(calls).toHaveLength(2);
    calls[1].resolve('after');
    await expect(Promise.all(late)).resolves.toEqual(['after', 'after', 'after']);
    await settle();
    expect(calls).toHaveLength(2);
  });

  it('reads different keys independently and concurrently', async () => {
    const { calls, reads } = controlledReads();
    const a = reads.get('t1');
    const b = reads.get('t2');
    expect(calls.map((c) => c.key)).toEqual(['t1', 't2']);
    calls[1].resolve('two');
    calls[0].resolve('one');
    await expect(Promise.all([a, b])).resolves.toEqual(['one', 'two']);
  });

  it('fails exactly the callers of a failed read; the next caller reads afresh', async () => {
    const { calls, reads } = controlledReads();
    const first = reads.get('t1');
    const waiting = reads.get('t1');
    calls[0].reject(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await settle();
    calls[1].resolve('ok');
    await expect(waiting).resolves.toBe('ok');
    await settle();
    const again = reads.get('t1');
    expect(calls).toHaveLength(3);
    calls[2].resolve('fresh');
    await expect(again).resolves.toBe('fresh');
  });

  it('turns a read that throws synchronously into a rejection of its callers and keeps working', async () => {
    let fail = true;
    const reads = new FreshReads<string>();
    const read = () => {
      if (fail) throw new Error('bad key');
      return Promise.resolve('ok');
    };
    await expect(reads.get('t1', read)).rejects.toThrow('bad key');
    fail = false;
    await expect(reads.get('t1', read)).resolves.toBe('ok');
  });
});
