/**
 * Shares one read among concurrent callers that ask the same question, without ever answering a
 * caller with a read that began before it asked: per key at most one read is in flight, and the
 * callers that arrive meanwhile wait for the *next* read, which starts when the one in flight
 * settles (so it began after every one of them asked). A caller thus sees every write committed
 * before it called, as if it had read alone — read-your-writes holds — at the price of at most
 * one extra round trip of waiting; under load, one read answers every caller of the key that came
 * during the previous one instead of one read each.
 *
 * A failed read fails exactly the callers that waited for it; the next caller starts afresh.
 * Callers of a key wait as long as its read does, so reads must settle: the database's reads do
 * (DATABASE_QUERY_TIMEOUT_MS bounds every statement).
 */
export class FreshReads<V> {
  private readonly keys = new Map<string, { running: boolean; next?: Waiting<V>; read?: () => Promise<V> }>();

  /** The result of a read of `key` begun after this call; `read` performs it (callers of one key pass equivalent reads). */
  get(key: string, read: () => Promise<V>): Promise<V> {
    let state = this.keys.get(key);
    if (!state) {
      state = { running: false };
      this.keys.set(key, state);
    }
    if (!state.next) state.next = new Waiting<V>();
    state.read = read;
    const mine = state.next.promise;
    if (!state.running) this.start(key, state);
    return mine;
  }

  private start(key: string, state: { running: boolean; next?: Waiting<V>; read?: () => Promise<V> }): void {
    const batch = state.next!;
    const read = state.read!;
    state.next = undefined;
    state.read = undefined;
    state.running = true;
    let result: Promise<V>;
    try {
      result = read();
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (v) => batch.resolve(v),
      (err: unknown) => batch.reject(err),
    ).finally(() => {
      state.running = false;
      if (state.next) this.start(key, state);
      else this.keys.delete(key);
    });
  }
}

class Waiting<V> {
  readonly promise: Promise<V>;
  resolve!: (v: V) => void;
  reject!: (err: unknown) => void;
  constructor() {
    this.promise = new Promise<V>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}
