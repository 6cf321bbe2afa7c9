import { KeyObject } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, errors, JSONWebKeySet, JWK } from 'jose';
import { Logger } from 'pino';
import { Clock } from '../common/clock';
import { JwksConfig } from '../config/app-config';

/** The algorithms a JWKS key may verify: fixed by its type, as with JWT_PUBLIC_KEY (RSA → RS256, EC P-256 → ES256). */
export const JWKS_ALGORITHMS = ['RS256', 'ES256'] as const;

/** The largest key set accepted (a gateway publishes a handful of keys: a few kB). */
const MAX_JWKS_BYTES = 1_000_000;

/** Why no key was given for a token; always a 401, never a 5xx. */
export class JwksKeyError extends Error {}

interface KeySet {
  keys: JWK[];
  /** jose's selection (kid, kty/crv for the alg, `alg`, `use`, `key_ops`) and import of one key set. */
  select: ReturnType<typeof createLocalJWKSet>;
  /** Imported keys by `alg kid`, so a request never converts a key twice. */
  imported: Map<string, KeyObject>;
  fetchedAt: number;
}

/**
 * The gateway's signing keys from JWT_JWKS_URL.
 *
 * - The token's `kid` picks the key; a token without `kid` gets none.
 * - The set is cached; once older than `cacheMaxAgeMs` the next token fetches it again (a key the
 *   gateway removed stops working then).
 * - A `kid` that is not in the set triggers a fetch (a rotated key works without a restart), but
 *   there is at most one fetch per `cooldownMs` — successful or not, started by any token — and
 *   concurrent tokens share one fetch, so a flood of unknown kids never floods the JWKS server.
 * - A failed fetch (down, timeout, non-200, not a key set) keeps the cached set in use and is
 *   logged; tokens with kids it holds keep working, others get 401.
 *
 * jose's createRemoteJWKSet is not used for the fetching because its cooldown only follows a
 * successful fetch (an outage would send every unknown-kid token to the JWKS server) and a set
 * past its max age is unusable while the server is down; jose does the key selection and import.
 * Times come from the injected {@link Clock}, so tests move time instead of sleeping.
 */
export class JwksKeyStore {
  private set?: KeySet;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private pending?: Promise<void>;
  /** Fetches started (successful or not); for tests and logs. */
  fetches = 0;
  /** Counts the key sets fetched: a token verified against one set is not vouched for by a later one. */
  generation = 0;

  constructor(
    private readonly config: JwksConfig,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The verification key for a compact JWS; throws {@link JwksKeyError} when there is none. */
  async keyForToken(token: string): Promise<KeyObject> {
    let header: { alg?: unknown; kid?: unknown };
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new JwksKeyError('jwt malformed');
    }
    const { alg, kid } = header;
    if (typeof alg !== 'string' || !(JWKS_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new JwksKeyError(`invalid algorithm (only ${JWKS_ALGORITHMS.join(', ')} are accepted)`);
    }
    if (typeof kid !== 'string' || kid === '') throw new JwksKeyError('the token header has no "kid" naming its key');

    const now = this.clock.now().getTime();
    const due = !this.set || now - this.set.fetchedAt >= this.config.cacheMaxAgeMs;
    if (due || !this.holds(kid)) await this.refresh(now);
    const set = this.set;
    if (!set) throw new JwksKeyError('the signing keys are unavailable');
    if (!this.holds(kid)) throw new JwksKeyError('no signing key matches the token\'s "kid"');

    const cacheKey = `${alg} ${kid}`;
    const known = set.imported.get(cacheKey);
    if (known) return known;
    let key: KeyObject;
    try {
      key = KeyObject.from(await set.select({ alg, kid }));
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey) throw new JwksKeyError(`the key named by "kid" is not a ${alg} key`);
      if (err instanceof errors.JWKSMultipleMatchingKeys) throw new JwksKeyError('the key set holds several keys with the token\'s "kid"');
      this.log.warn({ err, kid }, 'JWKS key could not be imported');
      throw new JwksKeyError('the key named by "kid" is unusable');
    }
    set.imported.set(cacheKey, key);
    return key;
  }

  /**
   * Whether the current set may be used without asking the JWKS server (held, and younger than its
   * max age): only then may a token verified against it pass without a verification
   * (JwtStrategy's verified tokens); otherwise every token goes through {@link keyForToken}.
   */
  fresh(): boolean {
    return !!this.set && this.clock.now().getTime() - this.set.fetchedAt < this.config.cacheMaxAgeMs;
  }

  private holds(kid: string): boolean {
    return this.set?.keys.some((k) => k.kid === kid) ?? false;
  }

  /** Fetches the set unless a fetch is under way (joined) or one started less than the cooldown ago. */
  private refresh(now: number): Promise<void> {
    if (this.pending) return this.pending;
    if (now - this.lastAttempt < this.config.cooldownMs) return Promise.resolve();
    this.lastAttempt = now;
    this.fetches++;
    this.pending = this.fetchSet()
      .then((keys) => {
        this.set = { keys: keys.keys, select: createLocalJWKSet(keys), imported: new Map(), fetchedAt: this.clock.now().getTime() };
        this.generation++;
        this.log.info({ keys: keys.keys.length }, 'JWKS fetched');
      })
      .catch((err: Error) => {
        const cause = (err.cause as { code?: string } | undefined)?.code;
        this.log.warn({ reason: cause ? `${err.message} (${cause})` : err.message, url: this.config.url, cachedKeys: this.set?.keys.length ?? 0 }, 'JWKS fetch failed; the cached keys stay in use');
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  private async fetchSet(): Promise<JSONWebKeySet> {
    const res = await fetch(this.config.url, {
      headers: { accept: 'application/jwk-set+json, application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(this.config.timeoutMs),
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`JWKS answered ${res.status}`);
    }
    if (Number(res.headers.get('content-length') ?? 0) > MAX_JWKS_BYTES) {
      await res.body?.cancel();
      throw new Error(`JWKS larger than ${MAX_JWKS_BYTES} bytes`);
    }
    const text = await res.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error(`JWKS larger than ${MAX_JWKS_BYTES} bytes`);
    const json = JSON.parse(text) as JSONWebKeySet;
    createLocalJWKSet(json); // throws on anything that is not a key set
    return json;
  }
}
