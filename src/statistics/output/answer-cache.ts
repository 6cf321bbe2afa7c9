import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig } from '../../config/app-config';
import { Metrics } from '../../metrics/metrics.service';
import type { CachedRoute } from './http-cache';

interface Entry {
  value: Promise<unknown>;
  /** Answer entries held (0 while the computation runs). */
  size: number;
}

type TaggedResponse = Response & { locals: { httpCache?: { etag?: string } } };

/**
 * Answers of the read routes computed lately, keyed by their strong ETag (HttpCache.validate):
 * the tag names the data version of the answer's range, the normalized query, the format and the
 * time zone, so a repeated question about unchanged data gets the answer computed for it — and
 * any write into the range (which bumps its version) makes the next request compute afresh.
 * Concurrent identical questions share one computation. The JSON `meta.serverTime` is not part of
 * what is kept: the routes stamp it per request. Bounded by ANSWER_CACHE_ENTRIES answer rows
 * (least recently used go first); 0 switches it off. No tag (read replicas): no caching.
 * docs/api.md, "Answer cache".
 */
@Injectable()
export class AnswerCache {
  private readonly entries = new Map<string, Entry>();
  private held = 0;
  private readonly capacity: number;

  constructor(
    config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.capacity = config.answerCacheEntries;
  }

  /** The answer for the response's ETag: kept, being computed, or computed now by `compute`. */
  async answer<T>(route: CachedRoute, res: Response, size: (value: T) => number, compute: () => Promise<T>): Promise<T> {
    const etag = (res as TaggedResponse).locals?.httpCache?.etag;
    if (!etag || this.capacity === 0) {
      this.metrics.answerCache.inc({ route, outcome: 'bypass' });
      return compute();
    }
    const key = `${route}:${etag}`;
    const kept = this.entries.get(key);
    if (kept) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, kept);
      this.metrics.answerCache.inc({ route, outcome: 'hit' });
      return kept.value as Promise<T>;
    }
    this.metrics.answerCache.inc({ route, outcome: 'miss' });
    const entry: Entry = { value: compute(), size: 0 };
    this.entries.set(key, entry);
    let value: T;
    try {
      value = (await entry.value) as T;
    } catch (err) {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      throw err;
    }
    if (this.entries.get(key) === entry) {
      entry.size = Math.max(1, size(value));
      this.held += entry.size;
      if (entry.size > this.capacity / 4) this.drop(key, entry);
      for (const [k, e] of this.entries) {
        if (this.held <= this.capacity) break;
        if (e.size > 0) this.drop(k, e);
      }
    }
    return value;
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.held -= entry.size;
  }
}
