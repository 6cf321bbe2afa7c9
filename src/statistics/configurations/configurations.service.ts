import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { EntityManager } from 'typeorm';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { Database } from '../../database/database.service';
import { AggregationLevel } from '../../database/entities';
import { checkRange } from '../statistics-query.dto';
import { ConfigurationsQueryDto, ConfigurationsResponseDto, ConfigurationStatisticDto, DEFAULT_LIMIT } from './configurations.dto';
import { Calendar } from '../../common/calendar';
import { planRange, shorterRest } from '../../summary/range-plan';
import {
  ConfigurationAction,
  ConfigurationRecord,
  ConfigurationRowsFilter,
  ConfigurationsRepository,
  pairKey,
  PairsFilter,
  RowsByPair,
  toConfigurationRecord,
} from './configurations.repository';

const DAY_MS = 86_400_000;
const LEVEL_NAMES: Record<number, string> = {
  [AggregationLevel.RealTime]: 'real time',
  [AggregationLevel.Daily]: 'daily',
  [AggregationLevel.Monthly]: 'monthly',
};

/** One exported row: JSON-ready values plus the stored JSON text for the CSV columns. */
export interface ConfigurationRow extends ConfigurationStatisticDto {
  partListText: string;
  planCombinedIdsText: string;
}

/** Catalog configuration actions sharing one name, in output order. */
interface NameGroup {
  name: string;
  pairs: Array<{ module: number; action: number; carriesPartList: boolean }>;
}

/**
 * Rows of configuration actions (catalog-flagged) with their snapshot, consented e-mail and link,
 * ordered by action name, then created and id descending.
 *
 * The order is produced without sorting the tenant's rows: the catalog (small) gives the action
 * names in order, and each name's rows are read in the order of the index
 * (tenant, module, action, created[, id]) — so a CSV export streams from its first row, and a
 * deep JSON page skips whole actions by their counts and then walks only the index (a covering
 * id query, then the page's rows by id).
 */
@Injectable()
export class ConfigurationsService {
  constructor(
    private readonly db: Database,
    private readonly repository: ConfigurationsRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly calendar: Calendar,
  ) {}

  range(q: ConfigurationsQueryDto): { from: Date; to: Date } {
    if (q.from && q.to) {
      checkRange(q.from, q.to);
      return { from: q.from, to: q.to };
    }
    const to = this.clock.now();
    return { from: new Date(to.getTime() - 30 * DAY_MS), to };
  }

  /** The catalog's configuration actions grouped by name, in output order. */
  private nameGroups(actions: ConfigurationAction[]): NameGroup[] {
    const byName = new Map<string, NameGroup>();
    for (const a of actions) {
      if (!byName.has(a.name)) byName.set(a.name, { name: a.name, pairs: [] });
      byName.get(a.name)!.pairs.push({ module: a.module, action: a.action, carriesPartList: a.carriesPartList });
    }
    // Binary order, as ORDER BY name under the binary collations of both databases.
    return [...byName.values()].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  }

  /** The rows of one name group of the tenant in [from, to). */
  private filter(tenant: number, q: ConfigurationsQueryDto, from: Date, to: Date, group: NameGroup): ConfigurationRowsFilter {
    return { tenant, from, to, pairs: group.pairs, configuratorId: q.configuratorId };
  }

  /** Query-value encoding that keeps `:`, `@` and `/` readable (RFC 3986 allows them in a query), as the platform's links do. */
  private static encode(value: string): string {
    return encodeURIComponent(value).replace(/%3A/gi, ':').replace(/%40/gi, '@').replace(/%2F/gi, '/');
  }

  link(actionId: string | null, actionLabel: string | null): string {
    if (actionId === null) return '';
    const base = this.config.configurationLinkBase;
    return `${base}?id=${ConfigurationsService.encode(actionId)}${actionLabel !== null ? `&configuratorId=${ConfigurationsService.encode(actionLabel)}` : ''}`;
  }

  private toRow(r: ConfigurationRecord, group: NameGroup): ConfigurationRow {
    const carries = group.pairs.find((p) => p.module === r.module && p.action === r.action)?.carriesPartList ?? false;
    const partListText = carries ? (r.partList ?? '') : '';
    const planCombinedIdsText = r.planCombinedIds ?? '';
    return {
      link: this.link(r.actionId, r.actionLabel),
      thumbnail: r.thumbnail,
      created: r.created.toISOString(),
      action: group.name,
      actionParameter: r.actionParameter,
      count: r.count,
      aggregationLevel: LEVEL_NAMES[r.aggregationLevel] ?? String(r.aggregationLevel),
      userEmail: r.email,
      partList: null,
      planCombinedIds: null,
      partListText,
      planCombinedIdsText,
    };
  }

  async page(tenant: number, q: ConfigurationsQueryDto): Promise<ConfigurationsResponseDto> {
    const { from, to } = this.range(q);
    let offset = q.offset ?? 0;
    let remaining = q.limit ?? DEFAULT_LIMIT;
    const out: ConfigurationStatisticDto[] = [];
    let total = 0;
    await this.db.snapshot(async (em) => {
      const groups = this.nameGroups(await this.repository.configurationActions(em, q.actions));
      const pairs = groups.flatMap((g) => g.pairs);
      const rows = pairs.length ? await this.rowsByPair(em, { tenant, pairs, configuratorId: q.configuratorId }, from, to) : new Map<string, number>();
      const counted: Array<{ group: NameGroup; filter: ConfigurationRowsFilter; n: number }> = [];
      for (const group of groups) {
        const n = group.pairs.reduce((sum, p) => sum + (rows.get(pairKey(p.module, p.action)) ?? 0), 0);
        counted.push({ group, filter: this.filter(tenant, q, from, to, group), n });
        total += n;
      }
      for (const { group, filter, n } of counted) {
        if (remaining === 0) break;
        if (offset >= n) {
          offset -= n;
          continue;
        }
        // Covering index walk for the page's ids, then their rows.
        const ids = await this.repository.pageIds(em, filter, remaining, offset);
        offset = 0;
        if (ids.length === 0) continue;
        const byId = new Map((await this.repository.rowsByIds(em, ids)).map((r) => [r.id, r]));
        for (const id of ids) {
          const { partListText, planCombinedIdsText, ...json } = this.toRow(byId.get(String(id))!, group);
          json.partList = partListText ? JSON.parse(partListText) : null;
          json.planCombinedIds = planCombinedIdsText ? JSON.parse(planCombinedIdsText) : null;
          out.push(json);
        }
        remaining -= ids.length;
      }
    });
    return { tenantConfigurationStatistics: out, meta: { total, serverTime: this.clock.now().toISOString() } };
  }

  /**
   * How many rows match per pair in [from, to), without reading them: whole local days from the
   * summaries (real-time rows) plus the rolled-up rows of those days on their index; a partial
   * day at an edge from `user_action` — or, when the rest of its day is the shorter part, as the
   * whole day less that rest (its part before now: the default range ends now, so its last day's
   * rest is empty). In the
   * caller's snapshot, so every part sees the same rows: nothing is lost or counted twice.
   */
  private async rowsByPair(em: EntityManager, filter: PairsFilter, from: Date, to: Date): Promise<RowsByPair> {
    const total: RowsByPair = new Map();
    const add = (part: RowsByPair, sign: 1 | -1 = 1) => {
      for (const [k, n] of part) total.set(k, (total.get(k) ?? 0) + sign * n);
    };
    const wholeDays = async (a: Date, b: Date) => {
      add(await this.repository.realTimeRowsOfDays(em, filter, a, b));
      add(await this.repository.rolledRows(em, filter, a, b));
    };
    const plan = planRange(this.calendar, from, to);
    if (plan.days) await wholeDays(plan.days.from, plan.days.to);
    for (const span of plan.raw) {
      const dayFrom = this.calendar.startOfDay(span.from);
      const dayTo = this.calendar.addDays(dayFrom, 1);
      const rest = shorterRest(span, { from: dayFrom, to: dayTo }, this.clock.now());
      if (rest) {
        await wholeDays(dayFrom, dayTo);
        add(await this.repository.rawRows(em, filter, rest.from, rest.to), -1);
      } else add(await this.repository.rawRows(em, filter, span.from, span.to));
    }
    return total;
  }

  /**
   * How many rows an export of the query gives (meta.total of a JSON page), counted as `page`
   * counts them — from the summaries, without reading the rows — so an XLSX export beyond one
   * worksheet is refused before it starts.
   */
  async count(tenant: number, q: ConfigurationsQueryDto): Promise<number> {
    const { from, to } = this.range(q);
    return this.db.snapshot(async (em) => {
      const groups = this.nameGroups(await this.repository.configurationActions(em, q.actions));
      const pairs = groups.flatMap((g) => g.pairs);
      if (!pairs.length) return 0;
      const rows = await this.rowsByPair(em, { tenant, pairs, configuratorId: q.configuratorId }, from, to);
      return pairs.reduce((sum, p) => sum + (rows.get(pairKey(p.module, p.action)) ?? 0), 0);
    });
  }

  /** Every match, streamed from the database name by name (flat memory whatever the row count). */
  stream(tenant: number, q: ConfigurationsQueryDto): { from: Date; to: Date; rows: Readable } {
    const { from, to } = this.range(q);
    let groups: NameGroup[] | undefined;
    let index = 0;
    let current: Readable | undefined;
    let opening = false;
    const rows = new Readable({
      objectMode: true,
      highWaterMark: 512,
      read: () => {
        if (current) current.resume();
        else if (!opening) void next(rows);
      },
      destroy(err, cb) {
        current?.destroy();
        cb(err);
      },
    });
    const next = async (out: Readable): Promise<void> => {
      opening = true;
      try {
        groups ??= this.nameGroups(await this.db.snapshot((em) => this.repository.configurationActions(em, q.actions), 1));
        if (index >= groups.length) {
          out.push(null);
          return;
        }
        if (out.destroyed) return;
        const group = groups[index++];
        const source = this.repository.stream(this.filter(tenant, q, from, to, group));
        current = source;
        opening = false;
        source.on('data', (r: Record<string, unknown>) => {
          try {
            if (!out.push(this.toRow(toConfigurationRecord(r), group))) source.pause();
          } catch (err) {
            out.destroy(err as Error);
          }
        });
        source.on('error', (err) => out.destroy(err));
        source.on('end', () => {
          current = undefined;
          if (!out.destroyed) void next(out);
        });
      } catch (err) {
        out.destroy(err as Error);
      }
    };
    return { from, to, rows };
  }
}
