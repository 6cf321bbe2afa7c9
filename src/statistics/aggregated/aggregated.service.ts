import { BadRequestException, Injectable } from '@nestjs/common';
import { Calendar } from '../../common/calendar';
import { Clock } from '../../common/clock';
import { planRange, shorterRest } from '../../summary/range-plan';
import { checkRange } from '../statistics-query.dto';
import { AggregatedOtherDto, AggregatedQueryDto, AggregatedResponseDto, AggregatedUserActionDto, Aggregation } from './aggregated.dto';
import { AggregatedRepository, AnswerPart, SUMMARISED } from './aggregated.repository';

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
type SortKey = Array<Buffer | null>;

function sortKey(keys: Array<string | null>): SortKey {
  return keys.map((k) => (k === null ? null : Buffer.from(k)));
}

/** One group of the answer while it is sorted. */
interface Group {
  row: AggregatedUserActionDto;
  keys: Array<string | null>;
  bytes?: SortKey;
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
 * Sums per (module, action[, aggregations]) in [from, to). Whole local days are read from the
 * summary tables (`stat_day`; `stat_day_cd` with country/device; `stat_day_label` with
 * actionLabel; `stat_day_lcd` with actionLabel and country/device), the partial days at the
 * edges from `user_action` (or as their summary day less the shorter rest of it), all in one
 * consistent snapshot; aggregations by actionId are summed
 * from `user_action` over the whole range (its rows streamed and grouped by the repository).
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
    const summarised = aggregations.every((a) => SUMMARISED.has(a));
    const plan = summarised ? planRange(this.calendar, from, to) : { raw: [{ from, to }] };
    const parts: AnswerPart[] = [];
    if (plan.days) parts.push({ source: 'days', span: plan.days });
    const now = this.clock.now();
    for (const span of plan.raw) {
      // A partial edge day (within one local day): its summary day less the rest of it when that
      // rest is shorter (counted up to now), else an edge the repository probes: from the summary
      // when the rest is empty, else raw. (A short range across midnight is one raw span over two days: read raw.)
      const from = this.calendar.startOfDay(span.from);
      const day = { from, to: this.calendar.addDays(from, 1) };
      if (!summarised || span.to.getTime() > day.to.getTime()) {
        parts.push({ source: 'raw', span });
        continue;
      }
      const rest = shorterRest(span, day, now);
      parts.push(rest ? { source: 'dayLessRest', day, rest } : { source: 'edge', span, day });
    }
    const sums = await this.repository.sums(tenant, { module: q.module, actions: q.actions }, aggregations, parts);
    // One sum per group (AggregatedRepository.sums).
    const groups: Group[] = sums.map(({ module, action, keys, count, aggregationLevel }) => {
      const row: AggregatedUserActionDto = { module, action, tenant, count, aggregationLevel };
      aggregations.forEach((a, i) => (row[a] = keys[i]));
      return { row, keys };
    });
    // A group's values become bytes once, when a comparison first needs them (a per-item answer
    // sorts 10⁵–10⁶ groups; by count, few comparisons get past the counts).
    const bytes = (g: Group) => (g.bytes ??= sortKey(g.keys));
    const byKey = (a: Group, b: Group) => a.row.module - b.row.module || a.row.action - b.row.action || compareKeys(bytes(a), bytes(b));
    const rows = groups.sort(q.orderBy === 'count' ? (a, b) => b.row.count - a.row.count || byKey(a, b) : byKey).map((g) => g.row);
    if (q.limit === undefined) return { from, to, aggregations, rows, total: rows.length };
    // Paged after the merge: a group's count may come from summary days and raw edge days, so
    // only the merged groups can be ranked (docs/performance.md: why not in SQL).
    const offset = q.offset ?? 0;
    const page = rows.slice(offset, offset + q.limit);
    if (!q.other) return { from, to, aggregations, rows: page, total: rows.length };
    const other: AggregatedOtherDto = { count: 0, groups: 0, aggregationLevel: 0 };
    rows.forEach((r, i) => {
      if (i >= offset && i < offset + q.limit!) return;
      other.count += r.count;
      other.groups += 1;
      other.aggregationLevel = Math.max(other.aggregationLevel, r.aggregationLevel);
    });
    return { from, to, aggregations, rows: page, total: rows.length, other };
  }

  toJson(result: AggregatedResult): AggregatedResponseDto {
    const meta = { total: result.total, serverTime: this.clock.now().toISOString() };
    return { userActions: result.rows, meta: result.other ? { ...meta, other: result.other } : meta };
  }
}
