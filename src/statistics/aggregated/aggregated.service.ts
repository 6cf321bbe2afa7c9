import { BadRequestException, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Calendar } from '../../common/calendar';
import { Clock } from '../../common/clock';
import { planRange, shorterRest, type Span } from '../../summary/range-plan';
import { checkRange } from '../statistics-query.dto';
import { AggregatedOtherDto, AggregatedQueryDto, AggregatedResponseDto, AggregatedUserActionDto, Aggregation } from './aggregated.dto';
import { AggregatedRepository, type AggregatedSum, AnswerPart, byItem, summarised } from './aggregated.repository';

export interface AggregatedResult {
  from: Date;
  to: Date;
  aggregations: Aggregation[];
  /** The entries of the answer: every group, or the page that offset and limit cut out. */
  rows: AggregatedUserActionDto[];
  /** Number of groups before offset and limit. */
  total: number;
  /** With other=true: the groups left out, summed. */
  other?: AggregatedOtherDto;
}

/** A group's values as SQL orders them: NULL first, then byte order (both databases use binary collations). */
export type SortKey = Array<Buffer | null>;

function sortKey(keys: Array<string | null>): SortKey {
  return keys.map((k) => (k === null ? null : Buffer.from(k)));
}

/** One group of the answer while it is sorted. */
interface Group {
  row: AggregatedUserActionDto;
  keys: Array<string | null>;
}

/** A group as {@link rankGroups} sorts it: module, action and the aggregations' values. */
export interface RankedGroup {
  row: { module: number; action: number };
  keys: Array<string | null>;
  /** The keys as bytes, set by the first comparison that needs them. */
  bytes?: SortKey;
}

/**
 * The order of groups — one for userActionsAggregated and the series' top N: by module, action,
 * then the aggregations in request order (NULL first, then byte order, as SQL orders them);
 * `orderBy=count` by `count` descending, ties in that order. Sorts `groups` in place.
 */
export function rankGroups<G extends RankedGroup>(groups: G[], count: (g: G) => number, orderBy?: 'count'): G[] {
  // A group's values become bytes once, when a comparison first needs them (a per-item answer
  // sorts 10⁵–10⁶ groups; by count, few comparisons get past the counts).
  const keyOf = (g: G) => (g.bytes ??= sortKey(g.keys));
  const byKey = (a: G, b: G) => a.row.module - b.row.module || a.row.action - b.row.action || compareKeys(keyOf(a), keyOf(b));
  return groups.sort(orderBy === 'count' ? (a, b) => count(b) - count(a) || byKey(a, b) : byKey);
}

/**
 * The first `upTo` groups in {@link rankGroups}' order, without ordering the rest. By count, only
 * the groups whose count reaches the `upTo`-th largest (ties included) are sorted — the top 100 of
 * 240,000 items sorts about 100 groups and makes no byte keys for the others; the order of those
 * it returns is exactly rankGroups'. In key order every group is sorted.
 */
export function rankTop<G extends RankedGroup>(groups: G[], count: (g: G) => number, orderBy: 'count' | undefined, upTo: number): G[] {
  if (upTo <= 0) return [];
  if (orderBy !== 'count') return rankGroups(groups, count, orderBy).slice(0, upTo);
  return rankGroups(reachable(groups, count, upTo), count, orderBy).slice(0, upTo);
}

/** The groups that can be among the first `upTo` by count: those whose count reaches the `upTo`-th largest (ties included). */
export function reachable<G>(groups: G[], count: (g: G) => number, upTo: number): G[] {
  if (upTo <= 0) return [];
  if (upTo >= groups.length) return groups;
  const counts = Float64Array.from(groups, count).sort();
  const threshold = counts[counts.length - upTo];
  return groups.filter((g) => count(g) >= threshold);
}

function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    const c = Buffer.compare(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * The parts [from, to) is read in — one plan for userActionsAggregated and userActionsSeries:
 * whole local days from the summaries; a partial edge day (within one local day) read the
 * cheapest exact way, by the raw rows it costs (counted up to `now`: rows are created up to now):
 * - `hourly` (no aggregations: `stat_hour` has module, action and level only): its whole local
 *   hours from the hourly summary, the partial hours at its ends raw — unless
 * - its summary day less the rest of the day costs fewer raw rows (a range ending now or later:
 *   the rest is all but empty), or
 * - neither applies: an edge the repository probes (from the summary when the rest is empty,
 *   else raw).
 * Not `summarised` (actionId with other aggregations): the whole range raw. A short range across midnight is one span
 * over two days: read raw (or through its whole hours when `hourly`); with `byDay` (a series:
 * every part but the summary days within one local day) it is cut at midnight and each piece
 * planned as an edge.
 */
export function planParts(calendar: Calendar, from: Date, to: Date, opts: { summarised: boolean; now: Date; byDay?: boolean; hourly?: boolean }): AnswerPart[] {
  if (!opts.summarised) return from.getTime() < to.getTime() ? [{ source: 'raw', span: { from, to } }] : [];
  const plan = planRange(calendar, from, to);
  const parts: AnswerPart[] = [];
  if (plan.days) parts.push({ source: 'days', span: plan.days });
  for (const whole of plan.raw) {
    const pieces: Span[] = [];
    if (!opts.byDay) pieces.push(whole);
    else {
      // Cut at each local midnight inside the span (a short range across midnight: one cut).
      let a = whole.from;
      for (let m = calendar.addDays(calendar.startOfDay(a), 1); m.getTime() < whole.to.getTime(); m = calendar.addDays(m, 1)) {
        pieces.push({ from: a, to: m });
        a = m;
      }
      pieces.push({ from: a, to: whole.to });
    }
    for (const span of pieces) {
      const dayFrom = calendar.startOfDay(span.from);
      const day = { from: dayFrom, to: calendar.addDays(dayFrom, 1) };
      const within = span.to.getTime() <= day.to.getTime();
      if (within && span.from.getTime() === day.from.getTime() && span.to.getTime() === day.to.getTime()) {
        parts.push({ source: 'days', span: day });
        continue;
      }
      const hours = opts.hourly ? wholeHours(calendar, span) : undefined;
      const rest = within ? shorterRest(span, day, opts.now) : undefined;
      if (hours && (!rest || rawCost(hours.head, opts.now) + rawCost(hours.tail, opts.now) < rawCost(rest, opts.now))) {
        const tag = within ? { day } : {};
        if (hours.head) parts.push({ source: 'raw', span: hours.head, ...tag });
        parts.push({ source: 'hours', span: hours.hours, ...tag });
        if (hours.tail) parts.push({ source: 'raw', span: hours.tail, ...tag });
      } else if (rest) parts.push({ source: 'dayLessRest', day, rest });
      else if (within) parts.push({ source: 'edge', span, day });
      else parts.push({ source: 'raw', span });
    }
  }
  return parts;
}

/** How much of `span` lies before `now` (rows are created up to now), in ms: what reading it raw costs. */
function rawCost(span: Span | undefined, now: Date): number {
  return span ? Math.max(0, Math.min(span.to.getTime(), now.getTime()) - span.from.getTime()) : 0;
}

/**
 * The whole local hours of `span` (the hours of `stat_hour`, keyed by Calendar.startOfHour) and
 * the partial hours before and after them; undefined when `span` holds no whole hour. Exact
 * because startOfHour never decreases and never passes its instant: with both ends hour starts
 * (fixed points of startOfHour), a row lies in [from, to) exactly when its hour key does — also
 * where a 30-minute daylight-saving change makes an hour 30 or 90 minutes long
 * (Australia/Lord_Howe).
 */
export function wholeHours(calendar: Calendar, span: Span): { head?: Span; hours: Span; tail?: Span } | undefined {
  const first = calendar.startOfHour(span.from);
  const from = first.getTime() === span.from.getTime() ? first : calendar.endOfHour(span.from);
  const to = calendar.startOfHour(span.to);
  if (from.getTime() < span.from.getTime() || from.getTime() >= to.getTime()) return undefined;
  return {
    ...(from.getTime() > span.from.getTime() ? { head: { from: span.from, to: from } } : {}),
    hours: { from, to },
    ...(span.to.getTime() > to.getTime() ? { tail: { from: to, to: span.to } } : {}),
  };
}


/**
 * Sums per (module, action[, aggregations]) in [from, to). Whole local days are read from the
 * summary tables (`stat_day`; `stat_day_cd` with country/device; `stat_day_label` with
 * actionLabel; `stat_day_lc` / `stat_day_lcd` with actionLabel and country/device;
 * `stat_day_item` with actionId alone), the partial days at the edges from `user_action` (or as
 * their summary day less the shorter rest of it), all in one consistent snapshot; actionId with
 * other aggregations is summed from `user_action` over the whole range (its rows streamed and
 * grouped by the repository).
 */
@Injectable()
export class AggregatedService {

  constructor(
    private readonly repository: AggregatedRepository,
    private readonly clock: Clock,
    private readonly calendar: Calendar,
  ) {}

  /** [from, to) of the answer: the query's, or the current month in STATISTICS_TIME_ZONE; 400 when from is after to. */
  range(q: AggregatedQueryDto): { from: Date; to: Date } {
    // Checked here, before the ETag is computed: a bad combination never gets a 304.
    // The defaults (offset=0, other=false: what Swagger UI pre-fills) change nothing and are accepted alone.
    if (q.offset !== undefined && q.offset !== 0 && q.limit === undefined) throw new BadRequestException('offset is only allowed together with limit');
    if (q.other === true && q.limit === undefined) throw new BadRequestException('other is only allowed together with limit');
    const { from, to } = q.from && q.to ? { from: q.from, to: q.to } : this.calendar.currentMonth(this.clock.now());
    checkRange(from, to);
    return { from, to };
  }

  async aggregate(tenant: number, q: AggregatedQueryDto): Promise<AggregatedResult> {
    if (q.actions && q.module === undefined) throw new BadRequestException('actions is only allowed together with module');
    const { from, to } = this.range(q);
    const aggregations = q.aggregations ?? [];
    const parts = planParts(this.calendar, from, to, { summarised: summarised(aggregations), now: this.clock.now(), hourly: aggregations.length === 0 });
    // A top N by count of items names only the groups that can reach its page (nameItems).
    const unnamed = byItem(aggregations) && q.limit !== undefined && q.orderBy === 'count';
    const filter = { module: q.module, actions: q.actions };
    const sums = unnamed ? await this.repository.unnamedItemSums(tenant, filter, parts) : await this.repository.sums(tenant, filter, aggregations, parts);
    // One sum per group (AggregatedRepository.sums); an answer row is made only for the groups that may be in it.
    const group = (s: AggregatedSum): Group & { sum: AggregatedSum } => {
      const row: AggregatedUserActionDto = { module: s.module, action: s.action, tenant, count: s.count, aggregationLevel: s.aggregationLevel };
      aggregations.forEach((a, i) => (row[a] = s.keys[i]));
      return { row, keys: s.keys, sum: s };
    };
    if (q.limit === undefined) return { from, to, aggregations, rows: rankGroups(sums.map(group), (g) => g.row.count, q.orderBy).map((g) => g.row), total: sums.length };
    // Paged after the merge: a group's count may come from summary days and raw edge days, so
    // only the merged groups can be ranked (docs/performance.md: why not in SQL). By count, only
    // the groups that can reach the page's end are made rows, named (unnamed items) and ordered.
    const offset = q.offset ?? 0;
    const upTo = offset + q.limit;
    const reach = (q.orderBy === 'count' ? reachable(sums, (s) => s.count, upTo) : sums).map(group);
    const candidates = unnamed ? await this.nameItems(tenant, reach) : reach;
    const chosen = rankTop(candidates, (g) => g.row.count, q.orderBy, upTo).slice(offset);
    const page = chosen.map((g) => g.row);
    if (!q.other) return { from, to, aggregations, rows: page, total: sums.length };
    const paged = new Set(chosen.map((g) => g.sum));
    const other: AggregatedOtherDto = { count: 0, groups: 0, aggregationLevel: 0 };
    for (const s of sums) {
      if (paged.has(s)) continue;
      other.count += s.count;
      other.groups += 1;
      other.aggregationLevel = Math.max(other.aggregationLevel, s.aggregationLevel);
    }
    return { from, to, aggregations, rows: page, total: sums.length, other };
  }

  /**
   * Names groups of {@link AggregatedRepository.unnamedItemSums} in place (their one key, and the
   * row's `actionId` where there is a row): `#0` → null, `#n` → item n's name from the dictionary,
   * `$name` → name. Returns the groups. `em`: the caller's snapshot (on SQLite a second one would
   * wait for it).
   */
  async nameItems<G extends { keys: Array<string | null>; row: object }>(tenant: number, groups: G[], em?: EntityManager): Promise<G[]> {
    const numbers = new Set<number>();
    for (const g of groups) {
      const key = g.keys[0];
      if (key?.startsWith('#') && key !== '#0') numbers.add(Number(key.slice(1)));
    }
    const names = await this.repository.itemNames(tenant, [...numbers], em);
    for (const g of groups) {
      const key = g.keys[0]!;
      const name = key === '#0' ? null : key.startsWith('#') ? names.get(Number(key.slice(1))) : key.slice(1);
      if (name === undefined) throw new Error(`item ${key} of tenant ${tenant} is not in the item dictionary`);
      g.keys[0] = name;
      if ('actionId' in g.row) (g.row as { actionId: string | null }).actionId = name;
    }
    return groups;
  }

  toJson(result: AggregatedResult): AggregatedResponseDto {
    const meta = { total: result.total, serverTime: this.clock.now().toISOString() };
    return { userActions: result.rows, meta: result.other ? { ...meta, other: result.other } : meta };
  }
}
