import { Injectable } from '@nestjs/common';
import { finished } from 'node:stream/promises';
import { EntityManager } from 'typeorm';
import { Calendar } from '../../common/calendar';
import { Database } from '../../database/database.service';
import { GenerateSql } from '../../database/generate-sql';
import { toInstant, toInt, toStringOrNull } from '../../database/values';
import type { Span } from '../../summary/range-plan';
import { itemSummaryRows, summaryRows } from '../../summary/summary-sql';
import { NO_ITEM, SummaryRepository } from '../../summary/summary.repository';
import { Aggregation } from './aggregated.dto';

/** Column behind each allowed aggregation (a fixed map: user input never reaches SQL). */
const COLUMN: Record<Aggregation, string> = {
  country: 'country',
  device: 'device',
  actionLabel: 'action_label',
  actionId: 'action_id',
};

/** Aggregations the keyed summary tables can answer (any combination of them). */
export const SUMMARISED: ReadonlySet<Aggregation> = new Set(['country', 'device', 'actionLabel']);

/** `aggregations=actionId` alone: answered from the per-item summary `stat_day_item` (with its item dictionary). */
export function byItem(aggregations: readonly Aggregation[]): boolean {
  return aggregations.length === 1 && aggregations[0] === 'actionId';
}

/**
 * Whether the summaries answer whole days of these aggregations: any combination of
 * {@link SUMMARISED}, or actionId alone ({@link byItem}). Every other combination with actionId
 * is summed from `user_action` over the whole range.
 */
export function summarised(aggregations: readonly Aggregation[]): boolean {
  return byItem(aggregations) || aggregations.every((a) => SUMMARISED.has(a));
}

/**
 * The summary table that answers whole days for a set of {@link SUMMARISED} aggregations: the
 * smallest whose dimensions cover them (`stat_day_label` holds far fewer rows than `stat_day_lc`,
 * which holds far fewer than `stat_day_lcd`).
 */
export function summaryTable(aggregations: readonly Aggregation[]): 'stat_day' | 'stat_day_cd' | 'stat_day_label' | 'stat_day_lc' | 'stat_day_lcd' {
  if (aggregations.length === 0) return 'stat_day';
  const label = aggregations.includes('actionLabel');
  const device = aggregations.includes('device');
  const located = device || aggregations.includes('country');
  if (!label) return 'stat_day_cd';
  if (!located) return 'stat_day_label';
  // Configurator × country without device: a third of stat_day_lcd's rows (scenario L).
  return device ? 'stat_day_lcd' : 'stat_day_lc';
}

export interface AggregatedFilter {
  module?: number;
  /** Only together with module (the service checks). */
  actions?: readonly number[];
  /**
   * Only these items (null: no actionId) — the series' page of top items; only with
   * `aggregations=actionId` read from the summaries.
   */
  items?: ReadonlyArray<string | null>;
}

/**
 * One part of an answer: whole local days from the summaries (the table {@link summaryTable}
 * picks — only {@link SUMMARISED} aggregations), whole local hours from `stat_hour` (no
 * aggregations), or a span of `user_action`.
 */
export interface AggregatedPart {
  source: 'days' | 'hours' | 'raw';
  span: Span;
  /** A raw part within one local day: that day (a by-day read files its rows under it). */
  day?: Span;
}

/**
 * A partial local day at an edge of the range: `span` inside the whole `day`. When the tenant has
 * no row in the rest of the day, its rows in `span` are all its rows of the day, so the summary
 * day answers it exactly (a `days` part); otherwise the raw rows of `span` do. (An edge whose rest
 * is the shorter part is planned as a {@link DayLessRest} instead.)
 */
export interface AggregatedEdge {
  source: 'edge';
  span: Span;
  day: Span;
}

/**
 * An edge read as its whole summary day less the raw rows of the rest of that day, per group and
 * aggregation level (the summaries are keyed by level and hold exactly the day's rows of each, so
 * every difference is the edge's own rows of that level: exact, never below zero).
 */
export interface DayLessRest {
  source: 'dayLessRest';
  day: Span;
  rest: Span;
}

/** A planned part of an answer (AggregatedService plans them, {@link AggregatedRepository.sums} reads them). */
export type AnswerPart = AggregatedPart | AggregatedEdge | DayLessRest;

/** The sum of one group over all parts: {@link AggregatedRepository.sums} returns one per group. */
export interface AggregatedSum {
  module: number;
  action: number;
  /** The group's values of the aggregations, in their order (NULL: not sent). */
  keys: Array<string | null>;
  count: number;
  aggregationLevel: number;
}

/** The sum of one group over the parts of one local day: {@link AggregatedRepository.daySums}. */
export interface DaySum extends AggregatedSum {
  /** The local day's start. */
  day: Date;
}

/** One group's sums per slot (bucket), `count` their total: {@link AggregatedRepository.slotSums}. */
export interface SlotSums extends AggregatedSum {
  counts: number[];
}

/**
 * One sum per group (and day, by day): the sums of the same group added up, its level the highest;
 * the groups in the order they first appear. Merged in place (the sums are the read's own
 * objects). Groups are found through nested maps keyed by the values themselves — day, module,
 * action, then each key — not by a string made per sum: a per-item answer merges 240,000 groups,
 * and a JSON key each was ≈ 150 ms of its CPU (docs/performance.md, "Items").
 */
function mergeSums<T extends AggregatedSum>(sums: readonly T[]): T[] {
  type Tree = Map<unknown, Tree | T>;
  const root: Tree = new Map();
  const merged: T[] = [];
  for (const sum of sums) {
    const day = (sum as Partial<DaySum>).day;
    let node = root;
    let key: unknown = day ? day.getTime() : null;
    for (let i = 0; i < 2 + sum.keys.length; i++) {
      let next = node.get(key) as Tree | undefined;
      if (!next) node.set(key, (next = new Map()));
      node = next;
      key = i === 0 ? sum.module : i === 1 ? sum.action : sum.keys[i - 2];
    }
    const g = node.get(key) as T | undefined;
    if (!g) {
      node.set(key, sum);
      merged.push(sum);
    } else {
      g.count += sum.count;
      g.aggregationLevel = Math.max(g.aggregationLevel, sum.aggregationLevel);
    }
  }
  return merged;
}

const DAY = (s: string) => new Date(`${s}T00:00:00.000Z`);
const EDGES: Array<AggregatedPart | AggregatedEdge> = [
  { source: 'days', span: { from: DAY('2026-03-02'), to: DAY('2026-03-05') } },
  { source: 'raw', span: { from: new Date('2026-03-01T10:00:00.000Z'), to: DAY('2026-03-02') } },
  { source: 'raw', span: { from: DAY('2026-03-05'), to: new Date('2026-03-05T06:30:00.000Z') } },
];

const BY_DAY: AnswerPart[] = [
  { source: 'days', span: { from: DAY('2026-03-02'), to: DAY('2026-03-05') } },
  { source: 'raw', span: { from: new Date('2026-03-01T10:00:00.000Z'), to: DAY('2026-03-02') }, day: { from: DAY('2026-03-01'), to: DAY('2026-03-02') } },
  { source: 'dayLessRest', day: { from: DAY('2026-03-05'), to: DAY('2026-03-06') }, rest: { from: new Date('2026-03-05T20:00:00.000Z'), to: DAY('2026-03-06') } },
];

/** The SQL of `userActionsAggregated` (and of `userActionsSeries`' day, week and month buckets): sums per (module, action[, aggregations]) of planned parts. */
@Injectable()
export class AggregatedRepository {
  constructor(
    private readonly db: Database,
    private readonly calendar: Calendar,
    private readonly summaries: SummaryRepository,
  ) {}

  /**
   * The sums of every part, in one statement (the parts joined by UNION ALL): its own consistent
   * snapshot, one round trip — this route serves every dashboard view. No parts: no statement.
   */
  @GenerateSql(
    { name: 'summary days and raw edges', params: [7, {}, [], EDGES], explain: true },
    { name: 'by country and device, module and actions', params: [7, { module: 3, actions: [1, 2] }, ['country', 'device'], EDGES], explain: true },
    { name: 'by actionLabel: summary days and raw edges', params: [7, { module: 3 }, ['actionLabel'], EDGES], explain: true },
    { name: 'by actionLabel and country', params: [7, { module: 3 }, ['actionLabel', 'country'], EDGES], explain: true },
    {
      name: 'by actionLabel: edge days read from the summary when the rest of their day is empty',
      params: [
        7,
        {},
        ['actionLabel'],
        [
          { source: 'days', span: { from: DAY('2026-03-02'), to: DAY('2026-03-05') } },
          { source: 'edge', span: { from: new Date('2026-03-01T14:00:00.000Z'), to: DAY('2026-03-02') }, day: { from: DAY('2026-03-01'), to: DAY('2026-03-02') } },
        ],
      ],
      explain: true,
    },
    {
      name: 'by actionLabel: an edge day whose rest is shorter, read as the summary day less the raw rest',
      params: [
        7,
        {},
        ['actionLabel'],
        [
          { source: 'days', span: { from: DAY('2026-03-02'), to: DAY('2026-03-05') } },
          { source: 'dayLessRest', day: { from: DAY('2026-03-01'), to: DAY('2026-03-02') }, rest: { from: DAY('2026-03-01'), to: new Date('2026-03-01T04:00:00.000Z') } },
        ],
      ],
      explain: true,
    },
    {
      name: 'edge days through their whole hours (stat_hour) and the partial hours raw',
      params: [
        7,
        { module: 3 },
        [],
        [
          { source: 'days', span: { from: DAY('2026-03-02'), to: DAY('2026-03-05') } },
          { source: 'raw', span: { from: new Date('2026-03-01T10:20:00.000Z'), to: new Date('2026-03-01T11:00:00.000Z') } },
          { source: 'hours', span: { from: new Date('2026-03-01T11:00:00.000Z'), to: DAY('2026-03-02') } },
        ],
      ],
      explain: true,
    },
    { name: 'by actionId: the per-item summary days (item numbers, named after grouping) and raw edges', params: [7, { module: 3 }, ['actionId'], EDGES], explain: true },
    { name: 'by actionId: an edge day read as its per-item summary day less the raw rest', params: [7, {}, ['actionId'], BY_DAY], explain: true },
    { name: 'by actionId and country, actions', params: [7, { module: 3, actions: [1, 2] }, ['actionId', 'country'], [{ source: 'raw', span: { from: DAY('2026-03-01'), to: DAY('2026-04-01') } }]], explain: true },
  )
  async sums(tenant: number, filter: AggregatedFilter, aggregations: readonly Aggregation[], parts: readonly AnswerPart[], em?: EntityManager): Promise<AggregatedSum[]> {
    if (parts.length === 0) return [];
    if (!summarised(aggregations)) {
      if (em) throw new Error(`aggregations ${aggregations.join(', ')} are streamed from user_action: not within a caller's snapshot`);
      return this.streamedSums(tenant, filter, aggregations, parts);
    }
    return this.read(tenant, filter, aggregations, parts, false, em);
  }

  /**
   * {@link sums} by actionId alone, its groups not named yet: each group's one key is an
   * {@link ItemKey} — `#n` for item number n of the dictionary (`#0`: no actionId), `$name` for an
   * item with pending or raw rows only (no number yet). A top N by count names only the groups
   * that can reach its page ({@link itemNames}): the dictionary join of every group, ≈ 200 ms of
   * the 240,000-item answer, is left out.
   */
  @GenerateSql({ name: 'by actionId, unnamed: item numbers only', params: [7, { module: 3 }, EDGES], explain: true })
  async unnamedItemSums(tenant: number, filter: AggregatedFilter, parts: readonly AnswerPart[], em?: EntityManager): Promise<AggregatedSum[]> {
    if (parts.length === 0) return [];
    return this.read(tenant, filter, ['actionId'], parts, false, em, true);
  }

  /** The names of item numbers of the tenant's dictionary (numbers are never reused: any snapshot names them alike). */
  @GenerateSql({ params: [7, [1, 2]] })
  async itemNames(tenant: number, numbers: readonly number[], within?: EntityManager): Promise<Map<number, string>> {
    const names = new Map<number, string>();
    if (numbers.length === 0) return names;
    const work = async (em: EntityManager) => {
      for (let at = 0; at < numbers.length; at += 1000) {
        const slice = numbers.slice(at, at + 1000);
        const rows: Array<{ id: unknown; actionId: unknown }> = await em.query(`SELECT id, action_id AS actionId FROM stat_item WHERE tenant = ? AND id IN (${this.db.sql.list(slice.length)})`, [tenant, ...slice]);
        for (const r of rows) names.set(toInt(r.id), String(r.actionId));
      }
    };
    await (within ? work(within) : this.db.snapshot(work, Math.ceil(numbers.length / 1000)));
    return names;
  }

  /**
   * {@link sums} per local day (userActionsSeries: its day, week and month buckets are unions of
   * local days): the summary days grouped by `day` as well, every other part within one local day
   * (the planner splits them: `planParts(…, { byDay: true })`) filed under it. The same parts, the
   * same one statement; {@link SUMMARISED} aggregations only.
   */
  @GenerateSql(
    { name: 'by day: summary days and raw edges', params: [7, { module: 3 }, [], BY_DAY], explain: true },
    {
      name: 'by day: an edge day through its whole hours (stat_hour), its partial hour raw',
      params: [
        7,
        { module: 3 },
        [],
        [
          { source: 'days', span: { from: DAY('2026-03-02'), to: DAY('2026-03-05') } },
          { source: 'raw', span: { from: new Date('2026-03-01T10:20:00.000Z'), to: new Date('2026-03-01T11:00:00.000Z') }, day: { from: DAY('2026-03-01'), to: DAY('2026-03-02') } },
          { source: 'hours', span: { from: new Date('2026-03-01T11:00:00.000Z'), to: DAY('2026-03-02') }, day: { from: DAY('2026-03-01'), to: DAY('2026-03-02') } },
        ],
      ],
      explain: true,
    },
    { name: 'by day and actionLabel', params: [7, { module: 3 }, ['actionLabel'], BY_DAY], explain: true },
    { name: 'by day and actionId (series by item)', params: [7, { module: 3 }, ['actionId'], BY_DAY], explain: true },
  )
  async daySums(tenant: number, filter: AggregatedFilter, aggregations: readonly Aggregation[], parts: readonly AnswerPart[], em?: EntityManager): Promise<DaySum[]> {
    if (parts.length === 0) return [];
    if (!summarised(aggregations)) throw new Error(`the summaries cannot answer aggregations ${aggregations.join(', ')} by day`);
    return (await this.read(tenant, filter, aggregations, parts, true, em)) as DaySum[];
  }

  /**
   * Reads and merges the parts' sums. `within`: the caller's snapshot (several reads that must
   * agree, e.g. a series' ranking and its buckets); else one of its own.
   */
  private async read(
    tenant: number,
    filter: AggregatedFilter,
    aggregations: readonly Aggregation[],
    parts: readonly AnswerPart[],
    byDay: boolean,
    within?: EntityManager,
    unnamed = false,
  ): Promise<AggregatedSum[]> {
    if (filter.items && !byItem(aggregations)) throw new Error('an items filter needs aggregations=actionId');
    // Only an edge needs a probe (a day less its rest does not): none, and the sums are one statement without a transaction.
    const probes = parts.filter((p) => p.source === 'edge').length;
    // Raw parts are one SELECT; summary days two (the table and the pending rows); a day less its rest three.
    const selects = parts.reduce((n, p) => n + (p.source === 'dayLessRest' ? 3 : p.source === 'raw' ? 1 : 2), 0);
    // The probes and the sums see one snapshot: a row arriving in between cannot be lost or counted twice.
    // By day: each SELECT but the summary days' is tagged with its day's number here (`slot`).
    const slotDays: Date[] = [];
    const slotOf = (day: Span | undefined) => {
      if (!byDay) return undefined;
      if (!day) throw new Error('a by-day read needs every raw part within one local day');
      return slotDays.push(day.from);
    };
    const work = async (em: EntityManager): Promise<{ rows: Array<Record<string, unknown>>; numbered: Map<string, number> }> => {
      // In the same snapshot: an item numbered by a fold after this read would have its folded rows missed.
      const numbers = filter.items ? await this.itemNumbers(em, tenant, filter.items) : undefined;
      const statements: Array<[string, unknown[]]> = [];
      let edge = 0;
      for (const p of parts) {
        const part = p.source === 'edge' ? await this.resolveEdge(em, tenant, p) : p;
        if (part.source !== 'dayLessRest') {
          statements.push(this.part(tenant, filter, aggregations, part, 0, part.source === 'days' ? (byDay ? 0 : undefined) : slotOf(part.day), numbers, unnamed));
        } else {
          // Tagged by edge, grouped by level: the two SELECTs are subtracted per (group, level) below.
          edge += 1;
          const slot = slotOf(part.day);
          statements.push(this.part(tenant, filter, aggregations, { source: 'days', span: part.day }, edge, slot, numbers, unnamed));
          statements.push(this.part(tenant, filter, aggregations, { source: 'raw', span: part.rest }, edge, slot, undefined, unnamed));
        }
      }
      const rows: Array<Record<string, unknown>> = await em.query(statements.map(([sql]) => sql).join(' UNION ALL '), statements.flatMap(([, params]) => params));
      // Unnamed: the pending and raw rows' items by their dictionary numbers, where they have one.
      const numbered = unnamed ? await this.numbersOf(em, tenant, rows) : new Map<string, number>();
      return { rows, numbered };
    };
    const { rows, numbered } = within ? await work(within) : await this.db.snapshot(work, probes + 1 + (filter.items || unnamed ? 1 : 0));
    const keysOf = unnamed
      ? (r: Record<string, unknown>): Array<string | null> => {
          if (r.item !== null && r.item !== undefined) return [`#${toInt(r.item)}`];
          const name = toStringOrNull(r.actionId);
          if (name === null) return [`#${NO_ITEM}`];
          const n = numbered.get(name);
          return [n === undefined ? `$${name}` : `#${n}`];
        }
      : (r: Record<string, unknown>) => aggregations.map((a) => toStringOrNull(r[a]));
    const sums: AggregatedSum[] = [];
    const differences = new Map<string, AggregatedSum>();
    for (const r of rows) {
      const sum: AggregatedSum = {
        module: toInt(r.module),
        action: toInt(r.action),
        keys: keysOf(r),
        count: toInt(r.count),
        aggregationLevel: toInt(r.aggregationLevel),
      };
      if (byDay) {
        const slot = toInt(r.slot);
        (sum as DaySum).day = slot === 0 ? toInstant(r.day) : slotDays[slot - 1];
      }
      const edge = toInt(r.edge);
      if (edge === 0) {
        sums.push(sum);
        continue;
      }
      const id = JSON.stringify([edge, sum.aggregationLevel, sum.module, sum.action, ...sum.keys]); // one edge: one day
      const d = differences.get(id);
      if (d) d.count += sum.count;
      else differences.set(id, sum);
    }
    for (const d of differences.values()) {
      // Below zero only if a summary day disagreed with its rows: an error, never a wrong count.
      if (d.count < 0) throw new Error(`summary day holds fewer rows than user_action for module ${d.module}, action ${d.action}, level ${d.aggregationLevel}`);
      // A level whose rows all lie in the rest is not in the edge (nor is its level in the answer).
      if (d.count > 0) sums.push(d);
    }
    // Each SELECT groups its own rows; only several (summary days, raw edges, a day less its rest) can name a group (a day) twice.
    return selects === 1 ? sums : mergeSums(sums);
  }

  /**
   * Sums by `actionId` with other aggregations (not summarised: every part is raw; actionId alone
   * is read from the per-item summary). The rows are streamed and grouped
   * here, not by the database: a tenant's items make hundreds of thousands of groups, and
   * MariaDB's in-memory temporary table stores each group's `VARCHAR(255)` at full width, so its
   * `GROUP BY` spills to disk (docs/performance.md, "Before the per-item summary": 2,000,000 rows in
   * 243,655 groups, 15.1 s grouped by the server, 4.2–4.8 s streamed through the service). One
   * statement over all parts: one consistent read. Groups are nested maps keyed by the values
   * themselves (no key strings).
   */
  private async streamedSums(tenant: number, filter: AggregatedFilter, aggregations: readonly Aggregation[], parts: readonly AnswerPart[]): Promise<AggregatedSum[]> {
    const spans = parts.map((p) => {
      if (p.source !== 'raw') throw new Error(`the summaries cannot answer aggregations ${aggregations.join(', ')}`);
      return p.span;
    });
    return this.streamed(tenant, filter, aggregations, spans);
  }

  /**
   * The rows of `user_action` in `span`, streamed and summed per group, and per slot within the
   * group: `slot(created)` numbers the bucket (of `slots`) a row's instant falls in
   * (userActionsSeries: hour buckets until an hourly summary answers them, and every bucket by
   * actionId — docs/performance.md). The same grouping as the unbucketed per-item read, each
   * group with one array of counts (a per-item series of 10⁵ items × 31 days holds 10⁵ arrays, not
   * an object per item and day); one statement.
   */
  @GenerateSql({ name: 'rows of a span with their instants', params: [7, { module: 3 }, ['actionId'], { from: DAY('2026-03-01'), to: DAY('2026-03-08') }, 7, () => 0], explain: true })
  async slotSums(tenant: number, filter: AggregatedFilter, aggregations: readonly Aggregation[], span: Span, slots: number, slot: (created: number) => number): Promise<SlotSums[]> {
    return (await this.streamed(tenant, filter, aggregations, [span], { slots, of: slot })) as SlotSums[];
  }

  private async streamed(
    tenant: number,
    filter: AggregatedFilter,
    aggregations: readonly Aggregation[],
    spans: readonly Span[],
    bucketing?: { slots: number; of: (created: number) => number },
  ): Promise<AggregatedSum[]> {
    if (filter.items) throw new Error('an items filter needs the per-item summary');
    const where = ['tenant = ?', `(${spans.map(() => '(created >= ? AND created < ?)').join(' OR ')})`];
    const params: unknown[] = [tenant, ...spans.flatMap((s) => [this.db.sql.instant(s.from), this.db.sql.instant(s.to)])];
    this.filterWhere(filter, where, params);
    const cols = aggregations.map((a) => `${COLUMN[a]} AS ${a}`);
    if (bucketing) cols.unshift('created');
    const rows = this.db.streamSql(`SELECT module, action, ${[...cols, 'count', 'aggregation_level AS aggregationLevel'].join(', ')} FROM user_action WHERE ${where.join(' AND ')}`, params);
    type Tree = Map<unknown, Tree | AggregatedSum>;
    const root: Tree = new Map();
    const sums: AggregatedSum[] = [];
    const depth = aggregations.length + 1;
    const add = (r: Record<string, unknown>) => {
      const module = toInt(r.module);
      const action = toInt(r.action);
      const count = toInt(r.count);
      const level = toInt(r.aggregationLevel);
      // module, then action, then each aggregation's value (null included: Map keys may be null).
      let node: Tree = root;
      let key: unknown = module;
      for (let i = 0; i < depth; i++) {
        let next = node.get(key) as Tree | undefined;
        if (!next) node.set(key, (next = new Map()));
        node = next;
        key = i === 0 ? action : toStringOrNull(r[aggregations[i - 1]]);
      }
      let g = node.get(key) as AggregatedSum | undefined;
      if (g) {
        g.count += count;
        if (level > g.aggregationLevel) g.aggregationLevel = level;
      } else {
        g = { module, action, keys: aggregations.map((a) => toStringOrNull(r[a])), count, aggregationLevel: level };
        if (bucketing) (g as SlotSums).counts = new Array<number>(bucketing.slots).fill(0);
        node.set(key, g);
        sums.push(g);
      }
      if (bucketing) (g as SlotSums).counts[bucketing.of(toInstant(r.created).getTime())] += count;
    };
    // 'data' callbacks, not `for await`: no promise per row (10⁶ rows).
    rows.on('data', (r: Record<string, unknown>) => {
      try {
        add(r);
      } catch (err) {
        rows.destroy(err as Error);
      }
    });
    await finished(rows);
    return sums;
  }

  /** An edge day as a summary day when the tenant has no row in the rest of it, else as its raw span. */
  private async resolveEdge(em: EntityManager, tenant: number, edge: AggregatedEdge): Promise<AggregatedPart> {
    const i = (d: Date) => this.db.sql.instant(d);
    const rest: unknown[] = await em.query(
      'SELECT 1 AS found FROM user_action WHERE tenant = ? AND ((created >= ? AND created < ?) OR (created >= ? AND created < ?)) LIMIT 1',
      [tenant, i(edge.day.from), i(edge.span.from), i(edge.span.to), i(edge.day.to)],
    );
    return rest.length === 0 ? { source: 'days', span: edge.day } : { source: 'raw', span: edge.span, day: edge.day };
  }

  /**
   * Adds the module / actions filter to a statement's conditions and parameters, and the items
   * filter by `action_id` (user_action, summary_pending) unless `byNumber` (`stat_day_item`: the
   * caller adds the items by their numbers).
   */
  private filterWhere(filter: AggregatedFilter, where: string[], params: unknown[], byNumber = false): void {
    if (filter.module !== undefined) {
      where.push('module = ?');
      params.push(filter.module);
    }
    if (filter.actions?.length) {
      where.push(`action IN (${this.db.sql.list(filter.actions.length)})`);
      params.push(...filter.actions);
    }
    if (!filter.items || byNumber) return;
    const named = filter.items.filter((i): i is string => i !== null);
    const any: string[] = [];
    if (named.length > 0) {
      any.push(`action_id IN (${this.db.sql.list(named.length)})`);
      params.push(...named);
    }
    if (filter.items.includes(null)) any.push('action_id IS NULL');
    where.push(any.length ? `(${any.join(' OR ')})` : '1 = 0');
  }

  /** The dictionary numbers of the named items among `rows` (pending and raw rows: `item` NULL), in the read's snapshot. */
  private numbersOf(em: EntityManager, tenant: number, rows: ReadonlyArray<Record<string, unknown>>): Promise<Map<string, number>> {
    const names = new Set<string>();
    for (const r of rows) if ((r.item === null || r.item === undefined) && r.actionId !== null && r.actionId !== undefined) names.add(String(r.actionId));
    return this.summaries.itemNumbers(em, tenant, [...names]);
  }

  /**
   * The dictionary numbers of the items filter (in the read's snapshot; null: item 0). An item
   * without a number has no folded row yet: only its pending and raw rows count.
   */
  private async itemNumbers(em: EntityManager, tenant: number, items: ReadonlyArray<string | null>): Promise<number[]> {
    const named = [...new Set(items.filter((i): i is string => i !== null))];
    const numbers = [...(await this.summaries.itemNumbers(em, tenant, named)).values()];
    return items.includes(null) ? [NO_ITEM, ...numbers] : numbers;
  }

  /**
   * One part of the answer: sums of one span, as parameterised SELECTs joined by UNION ALL
   * ({@link SUMMARISED} aggregations only: `sums` routes the rest to {@link streamedSums}) —
   * raw: one SELECT on `user_action`; summary days: the table {@link summaryTable} picks plus the
   * pending rows of those days ({@link summaryRows}: two SELECTs, each grouping its own rows).
   * `edge` 0: a part added as it is (each group's highest level). `edge` n > 0: one side of the
   * n-th {@link DayLessRest}, grouped by level too, its raw rest negated.
   */
  private part(
    tenant: number,
    filter: AggregatedFilter,
    aggregations: readonly Aggregation[],
    part: AggregatedPart,
    edge = 0,
    slot?: number,
    numbers?: readonly number[],
    unnamed = false,
  ): [string, unknown[]] {
    const raw = part.source === 'raw';
    if (part.source === 'hours' && aggregations.length > 0) throw new Error(`stat_hour cannot answer aggregations ${aggregations.join(', ')}`);
    const timeColumn = raw ? 'created' : part.source === 'hours' ? 'hour' : 'day';
    // Unnamed (actionId alone): every SELECT has an item number column and a name column, one of them NULL.
    const cols = unnamed ? ['NULL AS item', 'action_id AS actionId'] : aggregations.map((a) => `${COLUMN[a]} AS ${a}`);
    const groupBy = ['module', 'action', ...aggregations.map((a) => COLUMN[a])];
    // By day (a slot is given): slot 0 is the summary days, grouped by day; any other slot a part within one day.
    if (slot === 0) {
      cols.unshift('0 AS slot', 'day');
      groupBy.push('day');
    } else if (slot !== undefined) cols.unshift(`${Number(slot)} AS slot`, 'NULL AS day');
    const where = ['tenant = ?', `${timeColumn} >= ?`, `${timeColumn} < ?`];
    const params: unknown[] = [tenant, this.db.sql.instant(part.span.from), this.db.sql.instant(part.span.to)];
    this.filterWhere(filter, where, params);
    const sum = edge > 0 && raw ? '-SUM(count) AS count' : 'SUM(count) AS count';
    const level = edge > 0 ? 'aggregation_level AS aggregationLevel' : 'MAX(aggregation_level) AS aggregationLevel';
    if (edge > 0) groupBy.push('aggregation_level');
    // `edge` is a number the code counts (never input); a literal keeps the UNION's parameters in order.
    const select = `${Number(edge)} AS edge, module, action, ${[...cols, sum, level].join(', ')}`;
    if (raw) return [`SELECT ${select} FROM user_action WHERE ${where.join(' AND ')} GROUP BY ${groupBy.join(', ')}`, params];
    if (part.source === 'days' && byItem(aggregations)) {
      // The per-item summary groups item numbers; the dictionary names only the groups (after grouping).
      const byNumber = { where: ['tenant = ?', 'day >= ?', 'day < ?'], params: [tenant, this.db.sql.instant(part.span.from), this.db.sql.instant(part.span.to)] as unknown[] };
      this.filterWhere(filter, byNumber.where, byNumber.params, true);
      if (numbers) {
        // A few items: each day's rows of each item are one primary-key seek (tenant, day, item),
        // not a scan of the range's rows of every item.
        const days: unknown[] = [];
        for (let d = part.span.from; d.getTime() < part.span.to.getTime(); d = this.calendar.addDays(d, 1)) days.push(this.db.sql.instant(d));
        byNumber.where.push(`day IN (${this.db.sql.list(days.length)})`, numbers.length ? `item IN (${this.db.sql.list(numbers.length)})` : '1 = 0');
        byNumber.params.push(...days, ...numbers);
      }
      const sides = itemSummaryRows(Number(edge), slot, edge > 0, byNumber, { select, where, params, groupBy }, unnamed);
      return [sides.sql, sides.params];
    }
    const rows = summaryRows(part.source === 'hours' ? 'stat_hour' : summaryTable(aggregations), select, where, params, groupBy);
    return [rows.sql, rows.params];
  }
}
