import { BadRequestException, Injectable } from '@nestjs/common';
import { type Bucket, Calendar, INTERVALS, type Interval, SeriesCalendar, type WeekStart } from '../../common/calendar';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import type { Aggregation } from '../aggregated/aggregated.dto';
import { EntityManager } from 'typeorm';
import { type AggregatedFilter, byItem, type SlotSums, summarised as summariesAnswer } from '../aggregated/aggregated.repository';
import { AggregatedService, planParts, type RankedGroup, rankGroups, rankTop, reachable, type SortKey } from '../aggregated/aggregated.service';
import { type CompareMode, MAX_BUCKETS, type SeriesBucketDto, type SeriesDto, type SeriesOtherDto, type SeriesQueryDto, type SeriesResponseDto } from './series.dto';
import { SeriesRepository } from './series.repository';

/** The resolved question of a series: its range, buckets and comparison (SeriesService.plan). */
export interface SeriesPlan {
  from: Date;
  to: Date;
  interval: Interval;
  weekStart: WeekStart;
  buckets: Bucket[];
  comparison?: { mode: CompareMode; from: Date; to: Date; buckets: Bucket[] };
}

/** One series while the answer is built: a group of userActionsAggregated with its counts per bucket. */
export interface SeriesGroup {
  row: { module: number; action: number };
  keys: Array<string | null>;
  bytes?: SortKey;
  counts: number[];
  total: number;
  comparison?: { counts: number[]; total: number };
}

export interface SeriesResult {
  plan: SeriesPlan;
  aggregations: Aggregation[];
  /** The series of the answer: every group, or the page that offset and limit cut out. */
  groups: SeriesGroup[];
  /** Number of series before offset and limit. */
  total: number;
  /** With other=true: the series left out, summed per bucket. */
  other?: { groups: number; counts: number[]; total: number; comparison?: { counts: number[]; total: number } };
}

/** The index of the bucket holding instant `t` (buckets in order, contiguous): the last one starting at or before it. */
export function bucketIndex(starts: readonly number[], t: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const zeros = (n: number) => new Array<number>(n).fill(0);

/** A group's identity within one answer: module, action and its one key (null apart from every string). */
const itemId = (module: number, action: number, key: string | null) => `${module}|${action}|${key === null ? '-' : `+${key}`}`;

/** An item while a page of top items is chosen: its totals only. */
interface RankedItem extends RankedGroup {
  total: number;
  comparison: number;
}

/**
 * Counts per bucket (userActionsSeries): the groups of userActionsAggregated over [from, to),
 * split into local hours, days, weeks or months of STATISTICS_TIME_ZONE, with the same range
 * plan (summary days, edge days, the raw rest), the same top-N order and the same filters.
 */
@Injectable()
export class SeriesService {
  constructor(
    private readonly aggregated: AggregatedService,
    private readonly repository: SeriesRepository,
    private readonly clock: Clock,
    private readonly calendar: Calendar,
    private readonly config: AppConfig,
  ) {}

  /**
   * The range, buckets and comparison of the query, before anything is read (and before the
   * ETag): every 400 of a bad combination comes from here.
   */
  plan(q: SeriesQueryDto): SeriesPlan {
    if (q.actions && q.module === undefined) throw new BadRequestException('actions is only allowed together with module');
    const { from, to } = this.aggregated.range(q);
    const interval = q.interval ?? 'day';
    const weekStart = q.weekStart ?? 'monday';
    const sc = new SeriesCalendar(this.calendar, weekStart);
    const now = this.clock.now();
    const comparison = q.compare ? { mode: q.compare, ...(q.compare === 'previousPeriod' ? sc.previousPeriod(from, to) : sc.previousYear(from, to)) } : undefined;
    // Resolution: the finest rows the range (and its comparison) may hold after rollup.
    const earliest = sc.earliestFrom(interval, now, this.config.rollup.dailyAfterDays, this.config.rollup.monthlyAfterDays);
    if (earliest) {
      const finer = interval === 'hour' ? 'rows before it may be daily (ROLLUP_DAILY_AFTER_DAYS)' : 'rows before it may be monthly (ROLLUP_MONTHLY_AFTER_DAYS)';
      if (from.getTime() < earliest.getTime()) {
        throw new BadRequestException(`interval=${interval} can serve from ${earliest.toISOString()} on (${finer}): use a later from or a coarser interval`);
      }
      if (comparison && comparison.from.getTime() < earliest.getTime()) {
        throw new BadRequestException(
          `interval=${interval} can serve from ${earliest.toISOString()} on (${finer}), and compare=${comparison.mode} reaches back to ${comparison.from.toISOString()}: use a later from or a coarser interval`,
        );
      }
    }
    // At most MAX_BUCKETS on each side.
    const count = (i: Interval) => Math.max(sc.count(from, to, i, MAX_BUCKETS), comparison ? sc.count(comparison.from, comparison.to, i, MAX_BUCKETS) : 0);
    const n = count(interval);
    if (n > MAX_BUCKETS) {
      const coarser = INTERVALS.slice(INTERVALS.indexOf(interval) + 1).find((i) => count(i) <= MAX_BUCKETS);
      throw new BadRequestException(
        `interval=${interval} gives more than ${MAX_BUCKETS} buckets for this range${comparison ? ' or its comparison' : ''}: ` +
          (coarser ? `use interval=${coarser}, or a shorter range` : 'use a shorter range'),
      );
    }
    return {
      from,
      to,
      interval,
      weekStart,
      buckets: sc.buckets(from, to, interval, now),
      ...(comparison ? { comparison: { ...comparison, buckets: sc.buckets(comparison.from, comparison.to, interval, now) } } : {}),
    };
  }

  /** What the answer's cache key needs beyond the query: which buckets had not ended (their `partial` changes with time). */
  runningSince(plan: SeriesPlan): number[] {
    const now = this.clock.now().getTime();
    const first = (b: Bucket[]) => b.findIndex((x) => x.end.getTime() > now);
    return [first(plan.buckets), plan.comparison ? first(plan.comparison.buckets) : -1];
  }

  async series(tenant: number, q: SeriesQueryDto, plan: SeriesPlan): Promise<SeriesResult> {
    const aggregations = q.aggregations ?? [];
    const filter: AggregatedFilter = { module: q.module, actions: q.actions };
    if (q.limit !== undefined && plan.interval !== 'hour' && byItem(aggregations)) return this.repository.snapshot((em) => this.topItems(tenant, q, plan, filter, em));
    const groups = new Map<string, SeriesGroup>();
    const main = await this.read(tenant, filter, aggregations, plan.interval, plan.from, plan.to, plan.buckets);
    const cmp = plan.comparison && (await this.read(tenant, filter, aggregations, plan.interval, plan.comparison.from, plan.comparison.to, plan.comparison.buckets));
    const group = (s: { module: number; action: number; keys: Array<string | null> }) => {
      const id = JSON.stringify([s.module, s.action, ...s.keys]);
      let g = groups.get(id);
      if (!g) {
        g = { row: { module: s.module, action: s.action }, keys: s.keys, counts: new Array<number>(plan.buckets.length).fill(0), total: 0 };
        if (plan.comparison) g.comparison = { counts: new Array<number>(plan.comparison.buckets.length).fill(0), total: 0 };
        groups.set(id, g);
      }
      return g;
    };
    for (const s of main) {
      const g = group(s);
      g.counts = s.counts;
      g.total = s.count;
    }
    // The comparison's counts of the same groups; a group with rows only there is a series too (total 0).
    for (const s of cmp ?? []) group(s).comparison = { counts: s.counts, total: s.count };
    const ranked = rankGroups([...groups.values()], (g) => g.total, q.orderBy);
    if (q.limit === undefined) return { plan, aggregations, groups: ranked, total: ranked.length };
    // The top N by their total over the whole range: the same series in every bucket and in the comparison.
    const offset = q.offset ?? 0;
    const page = ranked.slice(offset, offset + q.limit);
    if (!q.other) return { plan, aggregations, groups: page, total: ranked.length };
    const other: NonNullable<SeriesResult['other']> = { groups: 0, counts: new Array<number>(plan.buckets.length).fill(0), total: 0 };
    if (plan.comparison) other.comparison = { counts: new Array<number>(plan.comparison.buckets.length).fill(0), total: 0 };
    ranked.forEach((g, i) => {
      if (i >= offset && i < offset + q.limit!) return;
      other.groups += 1;
      other.total += g.total;
      g.counts.forEach((c, b) => (other.counts[b] += c));
      if (other.comparison && g.comparison) {
        other.comparison.total += g.comparison.total;
        g.comparison.counts.forEach((c, b) => (other.comparison!.counts[b] += c));
      }
    });
    return { plan, aggregations, groups: page, total: ranked.length, other };
  }

  /**
   * A page of items (aggregations=actionId with limit; day, week and month buckets), in one
   * snapshot `em`: the items are ranked on their totals over the range — the read of
   * userActionsAggregated, one row per item, from the per-item summary — and only the page's
   * items are read per day; `other` per bucket is the range's rows per bucket (the series without
   * aggregations: a row per module, action and day) less the page's. The same answer as ranking
   * every item's per-bucket counts, without reading a row per item and day.
   */
  private async topItems(tenant: number, q: SeriesQueryDto, plan: SeriesPlan, filter: AggregatedFilter, em: EntityManager): Promise<SeriesResult> {
    const aggregations: Aggregation[] = ['actionId'];
    const now = this.clock.now();
    const items = new Map<string, RankedItem>();
    const item = (module: number, action: number, key: string | null) => {
      const id = itemId(module, action, key);
      let g = items.get(id);
      if (!g) items.set(id, (g = { row: { module, action }, keys: [key], total: 0, comparison: 0 }));
      return g;
    };
    // By count, only the items that can reach the page are named (AggregatedService.nameItems); in key order, all.
    const unnamed = q.orderBy === 'count';
    const totals = (from: Date, to: Date) => {
      const parts = planParts(this.calendar, from, to, { summarised: true, now });
      return unnamed ? this.repository.unnamedItemSums(tenant, filter, parts, em) : this.repository.sums(tenant, filter, aggregations, parts, em);
    };
    for (const s of await totals(plan.from, plan.to)) item(s.module, s.action, s.keys[0]).total = s.count;
    // An item with rows only in the comparison is a series too (total 0), as in the general case.
    if (plan.comparison) for (const s of await totals(plan.comparison.from, plan.comparison.to)) item(s.module, s.action, s.keys[0]).comparison = s.count;
    const all = [...items.values()];
    const offset = q.offset ?? 0;
    const total = (g: RankedItem) => g.total;
    const candidates = unnamed ? await this.aggregated.nameItems(tenant, reachable(all, total, offset + q.limit!), em) : all;
    const chosen = rankTop(candidates, total, q.orderBy, offset + q.limit!).slice(offset);
    const pageFilter: AggregatedFilter = { ...filter, items: [...new Set(chosen.map((g) => g.keys[0]))] };
    const perBucket = async (from: Date, to: Date, buckets: Bucket[]) =>
      new Map((await this.read(tenant, pageFilter, aggregations, plan.interval, from, to, buckets, em)).map((s) => [itemId(s.module, s.action, s.keys[0]), s]));
    const main = await perBucket(plan.from, plan.to, plan.buckets);
    const cmp = plan.comparison && (await perBucket(plan.comparison.from, plan.comparison.to, plan.comparison.buckets));
    const page: SeriesGroup[] = chosen.map((g) => {
      const id = itemId(g.row.module, g.row.action, g.keys[0]);
      const counts = main.get(id)?.counts ?? zeros(plan.buckets.length);
      // One snapshot: an item's buckets add up to its total, or the read is wrong.
      if (counts.reduce((a, b) => a + b, 0) !== g.total) throw new Error(`series: the buckets of item ${id} disagree with its total ${g.total}`);
      const out: SeriesGroup = { row: g.row, keys: g.keys, counts, total: g.total };
      if (plan.comparison) out.comparison = { counts: cmp!.get(id)?.counts ?? zeros(plan.comparison.buckets.length), total: g.comparison };
      return out;
    });
    if (!q.other) return { plan, aggregations, groups: page, total: all.length };
    // Every item's rows of a bucket are the bucket's rows: the series without aggregations, summed.
    const everyItem = async (from: Date, to: Date, buckets: Bucket[]) => {
      const counts = zeros(buckets.length);
      for (const s of await this.read(tenant, filter, [], plan.interval, from, to, buckets, em)) s.counts.forEach((c, b) => (counts[b] += c));
      return counts;
    };
    const other: NonNullable<SeriesResult['other']> = { groups: all.length - page.length, counts: await everyItem(plan.from, plan.to, plan.buckets), total: 0 };
    if (plan.comparison) other.comparison = { counts: await everyItem(plan.comparison.from, plan.comparison.to, plan.comparison.buckets), total: 0 };
    for (const g of page) {
      g.counts.forEach((c, b) => (other.counts[b] -= c));
      g.comparison?.counts.forEach((c, b) => (other.comparison!.counts[b] -= c));
    }
    const paged = new Set(chosen);
    for (const g of all) {
      if (paged.has(g)) continue;
      other.total += g.total;
      if (other.comparison) other.comparison.total += g.comparison;
    }
    return { plan, aggregations, groups: page, total: all.length, other };
  }

  /**
   * Per group of [from, to): its counts per bucket and their total. Day, week and month buckets:
   * per local day from the planned parts (summary days, edge days), each day added to its bucket.
   * Hour buckets, and any bucket by actionId: the rows of the range, each added to the bucket of
   * its instant.
   */
  private async read(
    tenant: number,
    filter: AggregatedFilter,
    aggregations: Aggregation[],
    interval: Interval,
    from: Date,
    to: Date,
    buckets: Bucket[],
    em?: EntityManager,
  ): Promise<SlotSums[]> {
    if (buckets.length === 0) return [];
    const starts = buckets.map((b) => b.start.getTime());
    const summarised = summariesAnswer(aggregations);
    const slot = (t: number) => bucketIndex(starts, t);
    if (interval === 'hour' && aggregations.length === 0) {
      // The whole hours from the hourly summary; the part of a bucket cut by from or to raw (each within its bucket).
      const whole = buckets.filter((b) => b.start.getTime() >= from.getTime() && b.end.getTime() <= to.getTime());
      const hours = whole.length ? { from: whole[0].start, to: whole[whole.length - 1].end } : undefined;
      const edges = buckets
        .filter((b) => !whole.includes(b))
        .map((b) => ({ from: new Date(Math.max(b.start.getTime(), from.getTime())), to: new Date(Math.min(b.end.getTime(), to.getTime())) }));
      return this.repository.hourSums(tenant, filter, hours, edges, buckets.length, slot);
    }
    if (em && (interval === 'hour' || !summarised)) throw new Error('series: only day, week and month buckets of the summaries are read in a caller\'s snapshot');
    if (interval === 'hour' || !summarised) return this.repository.bucketSums(tenant, filter, aggregations, { from, to }, buckets.length, slot);
    const parts = planParts(this.calendar, from, to, { summarised: true, now: this.clock.now(), byDay: true, hourly: aggregations.length === 0 });
    const groups = new Map<string, SlotSums>();
    for (const s of await this.repository.daySums(tenant, filter, aggregations, parts, em)) {
      const id = JSON.stringify([s.module, s.action, ...s.keys]);
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { ...s, count: 0, counts: new Array<number>(buckets.length).fill(0) }));
      g.counts[bucketIndex(starts, s.day.getTime())] += s.count;
      g.count += s.count;
    }
    return [...groups.values()];
  }

  toJson(result: SeriesResult, tenant: number): SeriesResponseDto {
    const { plan } = result;
    const bucket = (b: Bucket): SeriesBucketDto => ({ start: b.start.toISOString(), label: b.label, partial: b.partial });
    const series: SeriesDto[] = result.groups.map((g) => {
      const s = { module: g.row.module, action: g.row.action, tenant } as SeriesDto;
      result.aggregations.forEach((a, i) => (s[a] = g.keys[i]));
      s.total = g.total;
      s.counts = g.counts;
      if (g.comparison) {
        s.comparison = { total: g.comparison.total, counts: g.comparison.counts };
        const delta = g.total - g.comparison.total;
        s.change = { delta, pct: g.comparison.total === 0 ? null : round1((delta / g.comparison.total) * 100) };
      }
      return s;
    });
    const meta: SeriesResponseDto['meta'] = {
      interval: plan.interval,
      timeZone: this.calendar.zone,
      weekStart: plan.weekStart,
      from: plan.from.toISOString(),
      to: plan.to.toISOString(),
      buckets: plan.buckets.map(bucket),
      ...(plan.comparison
        ? { comparison: { mode: plan.comparison.mode, from: plan.comparison.from.toISOString(), to: plan.comparison.to.toISOString(), buckets: plan.comparison.buckets.map(bucket) } }
        : {}),
      total: result.total,
      serverTime: this.clock.now().toISOString(),
    };
    if (result.other) {
      const o = result.other;
      const other: SeriesOtherDto = { groups: o.groups, total: o.total, counts: o.counts };
      if (o.comparison) other.comparison = { total: o.comparison.total, counts: o.comparison.counts };
      meta.other = other;
    }
    return { series, meta };
  }
}
