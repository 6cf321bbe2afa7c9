import { Principal } from './principal';

interface Entry {
  principal: Principal;
  /** What vouched for the verification (the JWKS key set's generation; 0 for a configured key). */
  tag: number;
  /** When the entry stops answering (ms since the epoch): the token's expiry or the entry's TTL, whichever is first. */
  until: number;
}

/**
 * The principals of tokens verified in the last `ttlMs` (a bounded map, oldest evicted first), so a
 * dashboard's repeated token is not verified again on every request: the signature check and
 * claim parsing were 8.6 % of the service's CPU under bench D (docs/performance.md, "Verified
 * tokens"). Keyed by the whole token text, signature included: a token that differs in any
 * character is a miss and is verified in full. An entry never outlives its token: it ends at the
 * token's `exp` plus the clock tolerance jsonwebtoken allows, as a fresh verification would; and
 * at most `ttlMs` after it was verified. With a JWKS, entries carry the key set's generation
 * (`tag`): a new set, or one past its max age, verifies every token again, so a withdrawn key
 * stops being honoured exactly as without this cache.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly toleranceSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string, tag = 0): Principal | undefined {
    const e = this.entries.get(token);
    if (!e) return undefined;
    if (this.now() >= e.until || e.tag !== tag) {
      this.entries.delete(token);
      return undefined;
    }
    return e.principal;
  }

  /** Records a token that has just passed verification; `exp` is its claim (seconds), if any. */
  set(token: string, principal: Principal, exp: unknown, tag = 0): void {
    if (this.max <= 0) return;
    const now = this.now();
    const expiry = typeof exp === 'number' && Number.isFinite(exp) ? (exp + this.toleranceSeconds) * 1000 : Infinity;
    const until = Math.min(expiry, now + this.ttlMs);
    if (until <= now) return;
    this.entries.delete(token);
    this.entries.set(token, { principal, until, tag });
    // A Map iterates in insertion order: the first key is the oldest entry.
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}
