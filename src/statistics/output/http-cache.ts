import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { FreshReads } from '../../common/fresh-reads';
import { AppConfig } from '../../config/app-config';
import { Bucket, dayBucketRange, Fingerprint, GLOBAL_TENANT } from '../../database/data-version';
import { DataVersionRepository } from '../../database/data-version.repository';
import { Database } from '../../database/database.service';
import type { OutputFormat } from './negotiate';

/**
 * Bump when a read route's output changes shape for the same data (a new column, another number
 * format): every ETag issued before then stops matching.
 */
export const REPRESENTATION_VERSION = 1;

export type CachedRoute = 'useractions' | 'userActionsAggregated' | 'userActionsSeries' | 'configurations';

export interface CacheSpec {
  route: CachedRoute;
  tenant: number;
  format: OutputFormat;
  /** The validated query DTO (`format` is left out: the negotiated format counts). */
  query: object;
  /** The range the answer covers, resolved (defaults applied); undefined = unbounded on that side. */
  from?: Date;
  to?: Date;
}

/** A handler's answer when the client's copy is current: sent as 304 without a body. */
export class NotModified {}

/** The special counters each route's answer depends on, besides the days of its range. */
const SPECIALS: Record<CachedRoute, Array<[number | 'tenant', number]>> = {
  useractions: [['tenant', Bucket.Summaries]],
  userActionsAggregated: [['tenant', Bucket.Summaries]],
  userActionsSeries: [['tenant', Bucket.Summaries]],
  configurations: [
    ['tenant', Bucket.Snapshots],
    [GLOBAL_TENANT, Bucket.Users],
    [GLOBAL_TENANT, Bucket.Catalog],
  ],
};

type CachedResponse = Response & { locals: { httpCache?: { etag?: string } } };

/** CSV options at their defaults: the same bytes as without them. */
const CSV_OPTION_DEFAULTS: Record<string, unknown> = { csvBom: 'false', csvDelimiter: 'comma' };

/**
 * Canonical JSON of the query: keys sorted, instants as ISO text, `format` left out (the
 * negotiated format counts), and the CSV options left out unless they change the bytes (a CSV
 * answer, a value other than the default).
 */
function canonicalQuery(query: object, format: OutputFormat): string {
  const entries = Object.entries(query as Record<string, unknown>)
    .filter(([k, v]) => k !== 'format' && v !== undefined && !(k in CSV_OPTION_DEFAULTS && (format !== 'csv' || CSV_OPTION_DEFAULTS[k] === v)))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]);
  return JSON.stringify(entries);
}

/**
 * The tag in `If-None-Match` that names this answer, if any (weak comparison, as RFC 9110 wants
 * for If-None-Match; a tag this service issued for a compressed copy, `"<tag>-gzip"`, names the
 * same data). `*` matches any.
 */
export function matchingTag(header: string | undefined, etag: string): string | undefined {
  if (!header) return undefined;
  for (const raw of header.split(',')) {
    const token = raw.trim();
    if (token === '*') return `"${etag}"`;
    const m = /^(?:W\/)?"([^"]*)"$/.exec(token);
    if (m && m[1].replace(/-(gzip|br|deflate)$/, '') === etag) return token;
  }
  return undefined;
}

/**
 * HTTP caching of the read routes (docs/api.md, "HTTP caching"): a strong ETag computed before
 * any heavy query from the data version of the answer's range (change counters bumped in the
 * transactions that change the data) and the normalized request, 304 on a matching
 * If-None-Match, and Cache-Control by whether the range is closed.
 */
@Injectable()
export class HttpCache {
  /**
   * Fingerprint reads shared by concurrent requests about the same tenant and days, each read
   * begun after every request it answers arrived (so a request still sees every write committed
   * before it): under load one statement serves the requests of a round trip instead of one each.
   */
  private readonly fingerprints = new FreshReads<Fingerprint>();

  constructor(
    private readonly db: Database,
    private readonly versions: DataVersionRepository,
    private readonly config: AppConfig,
  ) {}

  /** Sets the caching headers of the answer; true when the client's copy is current (answer 304). */
  async validate(req: Request, res: Response, spec: CacheSpec): Promise<boolean> {
    const r = res as CachedResponse;
    r.locals.httpCache = {};
    // The answer depends on the format (Accept), is compressed per Accept-Encoding, and is only
    // given to a token with the tenant's right: a cache must key it by all three.
    for (const h of ['Accept', 'Accept-Encoding', 'Authorization']) res.vary(h);
    // With read replicas the version and the data may come from replicas that lag differently:
    // a tag could then name newer data than it was sent with. No ETag there (docs/api.md); the
    // closure is read like the data, from a replica.
    if (this.db.hasReplicas) {
      this.cacheControl(res, spec, spec.to && this.config.cacheMaxAgeSeconds > 0 ? await this.versions.closure(spec.tenant) : undefined);
      return false;
    }
    // Otherwise the data version and the closure come in one statement, shared by the concurrent
    // requests about the same tenant and days (each gets one begun after it arrived).
    const { first, last } = dayBucketRange(spec.from, spec.to);
    const fp = await this.fingerprints.get(`${spec.tenant}:${first}:${last}`, () => this.versions.fingerprint(spec.tenant, first, last));
    this.cacheControl(res, spec, fp.closedBefore);
    const etag = this.etag(spec, fp);
    r.locals.httpCache.etag = etag;
    res.setHeader('ETag', `"${etag}"`);
    const match = matchingTag(req.headers['if-none-match'], etag);
    if (!match) return false;
    // Express answers 304 when If-None-Match matches the ETag header (req.fresh): name the copy the client has.
    res.setHeader('ETag', match);
    return true;
  }

  /** `max-age` for an answer about a closed range (it ends by the tenant's closure), else `no-cache`. */
  private cacheControl(res: Response, spec: CacheSpec, closedBefore: Date | undefined): void {
    const closed = this.config.cacheMaxAgeSeconds > 0 && !!closedBefore && !!spec.to && spec.to.getTime() <= closedBefore.getTime();
    res.setHeader('Cache-Control', closed ? `private, max-age=${this.config.cacheMaxAgeSeconds}` : 'private, no-cache');
  }

  private etag(spec: CacheSpec, fp: Fingerprint): string {
    const wanted = new Set(SPECIALS[spec.route].map(([t, b]) => `${t === 'tenant' ? spec.tenant : t}:${b}=`));
    const specials = fp.specials.filter((s) => wanted.has(s.slice(0, s.indexOf('=') + 1)));
    const key = JSON.stringify([
      REPRESENTATION_VERSION,
      spec.route,
      spec.tenant,
      spec.format,
      canonicalQuery(spec.query, spec.format),
      spec.from?.toISOString() ?? null,
      spec.to?.toISOString() ?? null,
      this.config.timeZone,
      spec.route === 'configurations' ? this.config.configurationLinkBase : null,
      fp.days,
      specials,
    ]);
    return createHash('sha256').update(key).digest('base64url').slice(0, 32);
  }
}

/**
 * Last fix-ups of a cached route's headers, just before they are sent (registered before the
 * compression middleware, so it runs after compression chose the encoding):
 * - a compressed copy is another representation: its strong ETag gets the coding, `"<tag>-gzip"`;
 * - an error (status other than 200/304: 429, 503, a failed export) is never cached and carries no
 *   ETag (on every route: Express tags JSON errors with a weak one otherwise).
 */
export function cacheHeaderFixups(_req: Request, res: Response, next: NextFunction): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: CachedResponse, ...args: unknown[]) {
    const cache = this.locals?.httpCache;
    const status = typeof args[0] === 'number' ? args[0] : this.statusCode;
    // No error of any route carries a validator (Express would tag a JSON error with a weak ETag).
    if (status >= 400) this.removeHeader('ETag');
    if (cache) {
      if (status !== 200 && status !== 304) {
        this.removeHeader('ETag');
        this.setHeader('Cache-Control', 'no-store');
      } else if (status === 200 && cache.etag) {
        const coding = this.getHeader('Content-Encoding');
        if (coding && coding !== 'identity') this.setHeader('ETag', `"${cache.etag}-${String(coding)}"`);
      }
    }
    return (writeHead as (...a: unknown[]) => Response).apply(this, args);
  } as Response['writeHead'];
  next();
}
