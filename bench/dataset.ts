// Deterministic benchmark dataset, written through the service's own ingestion path
// (IngestionService, batches of 1000, idempotent on eventId) and then compacted by the real
// rollup pass; the services come from Nest's container (src/cli/cli.module.ts). See bench/README.md.
import { INestApplicationContext } from '@nestjs/common';
import { Clock, FixedClock } from '../src/common/clock';
import { mulberry32 } from '../src/common/prng';
import { AppConfig } from '../src/config/app-config';
import { DirectoryService } from '../src/directory/directory.service';
import { UserActionEventDto } from '../src/ingestion/dto/ingest-user-actions.dto';
import { IngestionService } from '../src/ingestion/ingestion.service';
import { RollupService } from '../src/rollup/rollup.service';
import { FoldService } from '../src/summary/fold.service';
import { SummaryService } from '../src/summary/summary.service';

export const LARGE_TENANT = 1;
export const SMALL_TENANTS = 49;
const DAY = 86_400_000;

/**
 * How configuration ids and configurators are drawn: `zipf` (the bench's default, production-like:
 * a few products get most views) or `uniform` (every id as rare as every other: the worst case for
 * any per-item summary, reported with `--dataset uniform`). See bench/README.md.
 */
export type Popularity = 'zipf' | 'uniform';
export const POPULARITIES: readonly Popularity[] = ['zipf', 'uniform'];

export interface DatasetSpec {
  scale: number;
  seed: number;
  /** Absent in datasets made before the option existed: those were uniform. */
  dataset?: Popularity;
  /** "Now" of the dataset: the recent window is the 30 days before it. */
  now: Date;
}

export function datasetSize(spec: DatasetSpec) {
  return {
    largeRecent: Math.round(2_000_000 * spec.scale),
    largeHistoryPerMonth: Math.round(50_000 * spec.scale),
    historyMonths: 24,
    smallRecent: Math.round(2_000 * spec.scale),
  };
}


const COUNTRIES = 'AT DE CH IT FR NL BE LU DK SE NO FI PL CZ SK HU SI HR ES PT IE GB US CA AU NZ JP CN BR MX'.split(' ');
const DEVICES = ['desktop', 'mobile', 'tablet'];
const ACTIONS: Array<[number, number]> = [
  [1, 0.6],
  [2, 0.15],
  [4, 0.05],
  [5, 0.05],
  [302, 0.1],
  [303, 0.05],
];

export const CONFIGURATIONS = 100_000;
export const CONFIGURATORS = 20;
/** Zipf exponent of the popularity of configuration ids and of configurators (bench/README.md). */
export const ZIPF_EXPONENT = 1;

/** Cumulative Zipf(s) weights of ranks 0…n−1 (rank k has weight 1/(k+1)^s), normalised to end at 1. */
function zipfCdf(n: number, s: number): Float64Array {
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let k = 0; k < n; k++) cdf[k] = acc += 1 / Math.pow(k + 1, s);
  for (let k = 0; k < n; k++) cdf[k] /= acc;
  return cdf;
}

/** The rank whose cumulative weight first exceeds u (u uniform in [0, 1)): one draw, binary search. */
function inverse(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const cdfCache = new Map<number, Float64Array>();
function cachedCdf(n: number): Float64Array {
  let cdf = cdfCache.get(n);
  if (!cdf) cdfCache.set(n, (cdf = zipfCdf(n, ZIPF_EXPONENT)));
  return cdf;
}

/**
 * Share of all events that the `rank`-th most popular of `n` items gets (0-based rank), for the
 * README and the report (e.g. the configurator a scenario filters on).
 */
export function popularityShare(popularity: Popularity, n: number, rank: number): number {
  if (popularity === 'uniform') return 1 / n;
  const cdf = cachedCdf(n);
  return cdf[rank] - (rank > 0 ? cdf[rank - 1] : 0);
}

/**
 * Event generator: production-like cardinalities (30 countries, 3 devices, 20 configurators,
 * 100,000 configurations). `popularity` decides how configuration ids and configurators are drawn
 * (rank k = id k); either way every event takes the same number of draws, so the two datasets of
 * one seed differ only in those two fields.
 */
export class EventFactory {
  private readonly rand: () => number;
  private readonly draw: (n: number) => number;
  constructor(seed: number, popularity: Popularity = 'uniform') {
    this.rand = mulberry32(seed);
    this.draw = popularity === 'zipf' ? (n) => inverse(cachedCdf(n), this.rand()) : (n) => Math.floor(this.rand() * n);
  }
  private pick<T>(xs: T[]): T {
    return xs[Math.floor(this.rand() * xs.length)];
  }
  event(tenant: number, seq: number, created: Date): UserActionEventDto {
    const r = this.rand();
    let acc = 0;
    let action = 1;
    for (const [a, w] of ACTIONS) {
      acc += w;
      if (r < acc) {
        action = a;
        break;
      }
    }
    // Zipf-ish skew for countries: the first few dominate, as in production.
    const country = COUNTRIES[Math.min(COUNTRIES.length - 1, Math.floor(-Math.log(1 - this.rand()) * 6))];
    const conf = this.draw(CONFIGURATIONS);
    const e: UserActionEventDto = {
      eventId: `b${tenant}-${seq}`,
      module: 3,
      action,
      created,
      country,
      device: this.pick(DEVICES),
      actionLabel: `configurator-${this.draw(CONFIGURATORS)}`,
      actionId: `conf:bench:${conf}`,
    };
    if (this.rand() < 0.02) e.userId = `bench-user-${Math.floor(this.rand() * 1000)}`;
    if (action === 2 || action === 302 || action === 303) {
      e.configuration = {
        thumbnail: `https://cdn.example.com/perspective/${conf}.jpg`,
        partList: { originPart: { articleNr: `article-${conf % 977}`, count: 1 + (conf % 3) } },
        ...(action === 303 ? { planCombinedIds: [`catalog:item:${conf % 501}`, `catalog:item:${conf % 499}`] } : {}),
      };
    }
    return e;
  }
}

export interface Progress {
  (done: number, total: number): void;
}

/**
 * Writes the dataset through the services of `app`, a CLI context (`createCliContext`) made with
 * a {@link FixedClock}: ingestion's window check runs against it, set just after each batch.
 * Returns the number of events ingested.
 */
export async function generateDataset(app: INestApplicationContext, spec: DatasetSpec, progress: Progress): Promise<number> {
  const size = datasetSize(spec);
  const injected = app.get(Clock);
  if (!(injected instanceof FixedClock)) throw new Error('generateDataset needs a context made with a FixedClock');
  const clock: FixedClock = injected;
  clock.set(spec.now);
  await app.get(SummaryService).ensureZone(app.get(AppConfig).timeZone);
  const ingestion = app.get(IngestionService);
  const directory = app.get(DirectoryService);
  const fold = app.get(FoldService);
  const factory = new EventFactory(spec.seed, spec.dataset ?? 'uniform');
  const total = size.largeRecent + size.largeHistoryPerMonth * size.historyMonths + size.smallRecent * SMALL_TENANTS;
  let done = 0;
  let seq = 0;

  async function ingestSpan(tenant: number, count: number, start: number, end: number) {
    // Batches of up to 1000 events spanning at most 10 days, so the real ingestion window check
    // (30 days) always passes with the clock set just after the batch.
    const perBatch = Math.max(1, Math.min(1000, Math.floor((count * 10 * DAY) / Math.max(end - start, 1))));
    for (let i = 0; i < count; i += perBatch) {
      const n = Math.min(perBatch, count - i);
      const events: UserActionEventDto[] = [];
      for (let k = 0; k < n; k++) {
        const t = start + ((i + k + 0.5) / count) * (end - start);
        events.push(factory.event(tenant, seq++, new Date(Math.floor(t))));
      }
      clock.set(new Date(events[events.length - 1].created.getTime() + 1000));
      await ingestion.ingest(tenant, { userActions: events });
      done += n;
      progress(done, total);
      // No fold scheduler in a CLI context: the generator folds as the service would (batch by batch).
      await fold.drain();
    }
  }

  const now = spec.now.getTime();
  // 24 months of history for the large tenant (rolled up below), oldest first.
  for (let m = size.historyMonths; m >= 1; m--) {
    const end = now - 30 * DAY - (m - 1) * 30.4 * DAY;
    await ingestSpan(LARGE_TENANT, size.largeHistoryPerMonth, end - 30.4 * DAY, end);
  }
  // The last 30 days (less an hour at each end, so the window check never trips).
  const recentStart = now - 30 * DAY + 3600_000;
  await ingestSpan(LARGE_TENANT, size.largeRecent, recentStart, now - 60_000);
  for (let t = 2; t < 2 + SMALL_TENANTS; t++) await ingestSpan(t, size.smallRecent, recentStart, now - 60_000);

  await fold.drain();
  await fold.lease.release();
  clock.set(spec.now);
  for (let u = 0; u < 1000; u += 3) {
    await directory.putUser(`bench-user-${u}`, { email: `bench.user.${u}@example.com`, statisticsConsent: u % 2 === 0 });
  }
  return done;
}

/** Compacts the history with the real rollup pass, as of the dataset's now. */
export async function rollUpDataset(app: INestApplicationContext, spec: DatasetSpec, progress: (rows: number) => void) {
  return app.get(RollupService).run({ asOf: spec.now, onProgress: (p) => progress(p.rowsRead) });
}
