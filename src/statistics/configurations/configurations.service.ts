import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { EntityManager } from 'typeorm';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { Database } from '../../database/database.service';
import { AggregationLevel } from '../../database/entities';
import { toBool, toInstant, toInt, toStringOrNull } from '../../database/values';
import { checkRange } from '../statistics-query.dto';
import { ConfigurationsQueryDto, ConfigurationsResponseDto, ConfigurationStatisticDto, DEFAULT_LIMIT } from './configurations.dto';

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

const ROW_COLUMNS = `ua.id AS id, ua.module AS module, ua.action AS action, ua.action_id AS actionId, ua.action_label AS actionLabel,
  ua.created AS created, ua.action_parameter AS actionParameter, ua.count AS count, ua.aggregation_level AS aggregationLevel,
  cs.thumbnail AS thumbnail, cs.part_list AS partList, cs.plan_combined_ids AS planCombinedIds, du.email AS email`;
const ROW_JOINS = `LEFT JOIN configuration_snapshot cs ON cs.tenant = ua.tenant AND cs.configuration_id = ua.action_id
  LEFT JOIN directory_user du ON du.user_id = ua.user_id AND ua.aggregation_level = 0 AND du.statistics_consent = 1`;

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

  private async nameGroups(em: EntityManager, q: ConfigurationsQueryDto): Promise<NameGroup[]> {
    const params: unknown[] = [1];
    let sql = 'SELECT module, action, name, carries_part_list AS carriesPartList FROM catalog_action WHERE configuration_action = ?';
    if (q.actions?.length) {
      sql += ` AND action IN (${q.actions.map(() => '?').join(', ')})`;
      params.push(...q.actions);
    }
    const rows: Array<Record<string, unknown>> = await em.query(sql, params);
    const byName = new Map<string, NameGroup>();
    for (const r of rows) {
      const name = String(r.name);
      if (!byName.has(name)) byName.set(name, { name, pairs: [] });
      byName.get(name)!.pairs.push({ module: toInt(r.module), action: toInt(r.action), carriesPartList: toBool(r.carriesPartList) });
    }
    // Binary order, as ORDER BY name under the binary collations of both databases.
    return [...byName.values()].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  }

  /** WHERE clause for one name group's rows of the tenant in [from, to). */
  private where(tenant: number, q: ConfigurationsQueryDto, from: Date, to: Date, group: NameGroup): { sql: string; params: unknown[] } {
    const params: unknown[] = [tenant, this.db.instantParam(from), this.db.instantParam(to)];
    const pairs = group.pairs.map((p) => {
      params.push(p.module, p.action);
      return '(ua.module = ? AND ua.action = ?)';
    });
    let sql = `ua.tenant = ? AND ua.created >= ? AND ua.created < ? AND ${pairs.length === 1 ? pairs[0] : `(${pairs.join(' OR ')})`}`;
    if (q.configuratorId !== undefined) {
      sql += ' AND ua.action_label = ?';
      params.push(q.configuratorId);
    }
    return { sql, params };
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

  private toRow(r: Record<string, unknown>, group: NameGroup): ConfigurationRow {
    const module = toInt(r.module);
    const action = toInt(r.action);
    const carries = group.pairs.find((p) => p.module === module && p.action === action)?.carriesPartList ?? false;
    const partListText = carries ? (toStringOrNull(r.partList) ?? '') : '';
    const planCombinedIdsText = toStringOrNull(r.planCombinedIds) ?? '';
    return {
      link: this.link(toStringOrNull(r.actionId), toStringOrNull(r.actionLabel)),
      thumbnail: toStringOrNull(r.thumbnail),
      created: toInstant(r.created).toISOString(),
      action: group.name,
      actionParameter: toStringOrNull(r.actionParameter),
      count: toInt(r.count),
      aggregationLevel: LEVEL_NAMES[toInt(r.aggregationLevel)] ?? String(r.aggregationLevel),
      userEmail: toStringOrNull(r.email),
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
      const groups = await this.nameGroups(em, q);
      const counted: Array<{ group: NameGroup; where: { sql: string; params: unknown[] }; n: number }> = [];
      for (const group of groups) {
        const where = this.where(tenant, q, from, to, group);
        const [{ n }] = await em.query(`SELECT COUNT(*) AS n FROM user_action ua WHERE ${where.sql}`, where.params);
        counted.push({ group, where, n: toInt(n) });
        total += toInt(n);
      }
      for (const { group, where, n } of counted) {
        if (remaining === 0) break;
        if (offset >= n) {
          offset -= n;
          continue;
        }
        // Covering index walk for the page's ids, then their rows.
        const ids: Array<{ id: unknown }> = await em.query(
          `SELECT ua.id AS id FROM user_action ua WHERE ${where.sql} ORDER BY ua.created DESC, ua.id DESC LIMIT ? OFFSET ?`,
          [...where.params, remaining, offset],
        );
        offset = 0;
        if (ids.length === 0) continue;
        const rows: Array<Record<string, unknown>> = await em.query(
          `SELECT ${ROW_COLUMNS} FROM user_action ua ${ROW_JOINS} WHERE ua.id IN (${ids.map(() => '?').join(', ')})`,
          ids.map((r) => r.id),
        );
        const byId = new Map(rows.map((r) => [String(r.id), r]));
        for (const { id } of ids) {
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
        groups ??= await this.db.snapshot((em) => this.nameGroups(em, q), 1);
        if (index >= groups.length) {
          out.push(null);
          return;
        }
        if (out.destroyed) return;
        const group = groups[index++];
        const where = this.where(tenant, q, from, to, group);
        const source = this.db.streamSql(
          `SELECT ${ROW_COLUMNS} FROM user_action ua ${ROW_JOINS} WHERE ${where.sql} ORDER BY ua.created DESC, ua.id DESC`,
          where.params,
        );
        current = source;
        opening = false;
        source.on('data', (r: Record<string, unknown>) => {
          try {
            if (!out.push(this.toRow(r, group))) source.pause();
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
