import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { Database } from '../../database/database.service';
import { AggregationLevel } from '../../database/entities';
import { checkRange } from '../statistics-query.dto';
import { ConfigurationsQueryDto, ConfigurationsResponseDto, ConfigurationStatisticDto, DEFAULT_LIMIT } from './configurations.dto';
import { ConfigurationAction, ConfigurationRecord, ConfigurationRowsFilter, ConfigurationsRepository, toConfigurationRecord } from './configurations.repository';

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
      const counted: Array<{ group: NameGroup; filter: ConfigurationRowsFilter; n: number }> = [];
      for (const group of groups) {
        const filter = this.filter(tenant, q, from, to, group);
        const n = await this.repository.count(em, filter);
        counted.push({ group, filter, n });
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
