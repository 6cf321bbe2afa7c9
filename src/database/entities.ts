import { EntitySchema, EntitySchemaColumnOptions } from 'typeorm';

/**
 * The schema as TypeORM sees it, one table definition per dialect. The schema itself is owned by
 * the hand-written migrations in ./migrations/<dialect>/; these definitions match them column
 * for column (type, length, precision, nullability, default, indexes), so that
 * `migration:generate` on a freshly migrated database produces nothing — `npm run schema:check`
 * proves it on both dialects (see docs/database.md). Reads and writes go through query builders.
 *
 * The dialects need different column types for the same value (MySQL `BIGINT` and `DATETIME(3)`,
 * SQLite `INTEGER` and `DATETIME` text), which one decorated class cannot express; hence
 * `EntitySchema`s built for the dialect of the data source. The classes below are their targets
 * (query builders name them: `.from(UserActionEntity, 'ua')`) and document the row shapes.
 */

export type Dialect = 'mysql' | 'sqlite';

/** Aggregation levels of a user-action row. */
export enum AggregationLevel {
  RealTime = 0,
  Daily = 1,
  Monthly = 2,
}

export class UserActionEntity {
  id: string;
  tenant: number;
  module: number;
  action: number;
  created: Date;
  aggregationLevel: AggregationLevel;
  count: number;
  country: string | null;
  device: string | null;
  actionLabel: string | null;
  actionId: string | null;
  actionParameter: string | null;
  userId: string | null;
  eventId: string | null;
  /** Aggregated rows only: hash of the kept keys, unique per (tenant, level, period). */
  rollupKey: string | null;
}

export class RollupLeaseEntity {
  name: string;
  holder: string | null;
  expiresAt: Date | null;
}

export class ConfigurationSnapshotEntity {
  tenant: number;
  configurationId: string;
  thumbnail: string | null;
  partList: string | null;
  planCombinedIds: string | null;
  updated: Date;
}

export class DirectoryUserEntity {
  userId: string;
  email: string | null;
  statisticsConsent: boolean;
  updated: Date;
}

export class CatalogModuleEntity {
  id: number;
  name: string;
}

export class CatalogActionEntity {
  module: number;
  action: number;
  name: string;
  configurationAction: boolean;
  carriesPartList: boolean;
}

/** Summary of one (tenant, local day, module, action, level); see src/summary/summary.service.ts. */
export class StatDayEntity {
  tenant: number;
  day: Date;
  module: number;
  action: number;
  aggregationLevel: AggregationLevel;
  count: number;
  minCreated: Date;
}

/** Summary of one (tenant, local day, key of module, action, level, country, device). */
export class StatDayCdEntity {
  tenant: number;
  day: Date;
  k: string;
  module: number;
  action: number;
  aggregationLevel: AggregationLevel;
  country: string | null;
  device: string | null;
  count: number;
}

/** Summary of one (tenant, local day, key of module, action, level, action label). */
export class StatDayLabelEntity {
  tenant: number;
  day: Date;
  k: string;
  module: number;
  action: number;
  aggregationLevel: AggregationLevel;
  actionLabel: string | null;
  count: number;
}

/** Summary of one (tenant, local day, key of module, action, level, action label, country). */
export class StatDayLcEntity {
  tenant: number;
  day: Date;
  k: string;
  module: number;
  action: number;
  aggregationLevel: AggregationLevel;
  actionLabel: string | null;
  country: string | null;
  count: number;
}

/** Summary of one (tenant, local day, key of module, action, level, action label, country, device). */
export class StatDayLcdEntity {
  tenant: number;
  day: Date;
  k: string;
  module: number;
  action: number;
  aggregationLevel: AggregationLevel;
  actionLabel: string | null;
  country: string | null;
  device: string | null;
  count: number;
}

/** A summary delta committed by ingestion and not folded yet (src/summary/fold.service.ts). */
export class SummaryPendingEntity {
  id: number;
  tenant: number;
  day: Date;
  hour: Date;
  module: number;
  action: number;
  aggregationLevel: AggregationLevel;
  country: string | null;
  device: string | null;
  actionLabel: string | null;
  actionId: string | null;
  count: number;
  minCreated: Date;
  /** When ingestion committed it (its clock): the fold's lag is measured from here. */
  queued: Date;
}

/** Summary of one (tenant, local hour, module, action, level). */
export class StatHourEntity {
  tenant: number;
  hour: Date;
  module: number;
  action: number;
  aggregationLevel: AggregationLevel;
  count: number;
}

/** The item dictionary: one number per (tenant, `actionId`), the key of `stat_day_item` (item 0 is no actionId). */
export class StatItemEntity {
  id: number;
  tenant: number;
  actionId: string;
}

/** Summary of one (tenant, local day, item, module, action, level): the per-item answers' table. */
export class StatDayItemEntity {
  tenant: number;
  day: Date;
  item: number;
  module: number;
  action: number;
  aggregationLevel: AggregationLevel;
  count: number;
}

export class SummaryMetaEntity {
  name: string;
  value: string;
}

/** Change counters behind the read API's ETags (src/database/data-version.ts). */
export class DataVersionEntity {
  tenant: number;
  /** UTC day number of `created` (≥ 0), or a special bucket (< 0, see `Bucket`). */
  bucket: number;
  version: number;
}

/** Per tenant: rows created before `closed_before` are at their final level (docs/api.md, HTTP caching). */
export class RollupClosureEntity {
  tenant: number;
  closedBefore: Date;
}

type Column = EntitySchemaColumnOptions;

/** The column kinds whose type differs by dialect, as each dialect's migrations create them. */
interface ColumnKinds {
  /** Auto-increment row id (MySQL BIGINT UNSIGNED; SQLite's INTEGER PRIMARY KEY AUTOINCREMENT rowid). */
  rowId: Column;
  /** Tenant ids and summed counts (MySQL BIGINT). */
  bigint: Column;
  int: Column;
  /** Aggregation level (MySQL TINYINT). */
  tinyint: Column;
  /** A UTC instant (MySQL DATETIME(3); SQLite `YYYY-MM-DD HH:MM:SS.SSS` text in a DATETIME column). */
  instant: Column;
  /** A 32-character key hash (MySQL CHAR(32)). */
  hash: Column;
  /** Long text: part lists and plan ids (MySQL MEDIUMTEXT, see migration SnapshotPlanIds). */
  longText: Column;
}

const KINDS: Record<Dialect, ColumnKinds> = {
  mysql: {
    rowId: { type: 'bigint', unsigned: true, primary: true, generated: 'increment' },
    bigint: { type: 'bigint' },
    int: { type: 'int' },
    tinyint: { type: 'tinyint' },
    instant: { type: 'datetime', precision: 3 },
    hash: { type: 'char', length: 32 },
    longText: { type: 'mediumtext' },
  },
  sqlite: {
    // INTEGER PRIMARY KEY is SQLite's rowid: never NULL (a NULL insert takes the next id), but
    // declared without NOT NULL by the migration, which is what TypeORM reads back.
    rowId: { type: 'integer', primary: true, generated: 'increment', nullable: true },
    bigint: { type: 'integer' },
    int: { type: 'integer' },
    tinyint: { type: 'integer' },
    instant: { type: 'datetime' },
    hash: { type: 'varchar', length: 32 },
    longText: { type: 'text' },
  },
};

const varchar = (length: number, extra: Partial<Column> = {}): Column => ({ type: 'varchar', length, ...extra });
const nullable = (column: Column): Column => ({ ...column, nullable: true });
const named = (name: string, column: Column): Column => ({ ...column, name });
const primary = (column: Column): Column => ({ ...column, primary: true });

/** The entity schemas of one dialect; `buildDataSourceOptions()` passes them to the data source. */
export function entitySchemas(dialect: Dialect): EntitySchema[] {
  const k = KINDS[dialect];
  /** A keyed summary table (`stat_day_cd`, `stat_day_label`, `stat_day_lcd`): (tenant, day, k = hash of the key) → count, with its key's columns. */
  const keyedSummary = (key: Record<string, Column>): Record<string, Column> => ({
    tenant: primary(k.bigint),
    day: primary(k.instant),
    k: primary(k.hash),
    module: k.int,
    action: k.int,
    aggregationLevel: named('aggregation_level', k.tinyint),
    ...key,
    count: k.bigint,
  });
  const schemas = [
    new EntitySchema<UserActionEntity>({
      name: 'UserActionEntity',
      target: UserActionEntity,
      tableName: 'user_action',
      columns: {
        id: k.rowId,
        tenant: k.bigint,
        module: k.int,
        action: k.int,
        created: k.instant,
        aggregationLevel: named('aggregation_level', { ...k.tinyint, default: 0 }),
        count: { ...k.int, default: 1 },
        country: nullable(varchar(2)),
        device: nullable(varchar(32)),
        actionLabel: named('action_label', nullable(varchar(255))),
        actionId: named('action_id', nullable(varchar(255))),
        actionParameter: named('action_parameter', nullable(varchar(1024))),
        userId: named('user_id', nullable(varchar(255))),
        eventId: named('event_id', nullable(varchar(64))),
        rollupKey: named('rollup_key', nullable(k.hash)),
      },
      indices: [
        { name: 'uq_user_action_event', columns: ['tenant', 'eventId'], unique: true },
        { name: 'ix_user_action_tenant_created', columns: ['tenant', 'created'] },
        { name: 'ix_user_action_tenant_module_action_created', columns: ['tenant', 'module', 'action', 'created'] },
        { name: 'ix_user_action_tenant_module_action_label_created', columns: ['tenant', 'module', 'action', 'actionLabel', 'created'] },
        { name: 'ix_user_action_tenant_level_created', columns: ['tenant', 'aggregationLevel', 'created'] },
        { name: 'uq_user_action_rollup', columns: ['tenant', 'aggregationLevel', 'created', 'rollupKey'], unique: true },
      ],
    }),
    new EntitySchema<RollupLeaseEntity>({
      name: 'RollupLeaseEntity',
      target: RollupLeaseEntity,
      tableName: 'rollup_lease',
      columns: {
        name: primary(varchar(64)),
        holder: nullable(varchar(128)),
        expiresAt: named('expires_at', nullable(k.instant)),
      },
    }),
    new EntitySchema<ConfigurationSnapshotEntity>({
      name: 'ConfigurationSnapshotEntity',
      target: ConfigurationSnapshotEntity,
      tableName: 'configuration_snapshot',
      columns: {
        tenant: primary(k.bigint),
        configurationId: named('configuration_id', primary(varchar(255))),
        thumbnail: nullable(varchar(2048)),
        partList: named('part_list', nullable(k.longText)),
        planCombinedIds: named('plan_combined_ids', nullable(k.longText)),
        updated: k.instant,
      },
    }),
    new EntitySchema<DirectoryUserEntity>({
      name: 'DirectoryUserEntity',
      target: DirectoryUserEntity,
      tableName: 'directory_user',
      columns: {
        userId: named('user_id', primary(varchar(255))),
        email: nullable(varchar(320)),
        statisticsConsent: named('statistics_consent', { type: 'boolean', default: false }),
        updated: k.instant,
      },
    }),
    new EntitySchema<CatalogModuleEntity>({
      name: 'CatalogModuleEntity',
      target: CatalogModuleEntity,
      tableName: 'catalog_module',
      columns: { id: primary(k.int), name: varchar(64) },
    }),
    new EntitySchema<CatalogActionEntity>({
      name: 'CatalogActionEntity',
      target: CatalogActionEntity,
      tableName: 'catalog_action',
      columns: {
        module: primary(k.int),
        action: primary(k.int),
        name: varchar(128),
        configurationAction: named('configuration_action', { type: 'boolean', default: false }),
        carriesPartList: named('carries_part_list', { type: 'boolean', default: false }),
      },
    }),
    new EntitySchema<StatDayEntity>({
      name: 'StatDayEntity',
      target: StatDayEntity,
      tableName: 'stat_day',
      columns: {
        tenant: primary(k.bigint),
        day: primary(k.instant),
        module: primary(k.int),
        action: primary(k.int),
        aggregationLevel: named('aggregation_level', primary(k.tinyint)),
        count: k.bigint,
        minCreated: named('min_created', k.instant),
      },
    }),
    new EntitySchema<StatDayCdEntity>({
      name: 'StatDayCdEntity',
      target: StatDayCdEntity,
      tableName: 'stat_day_cd',
      columns: keyedSummary({ country: nullable(varchar(2)), device: nullable(varchar(32)) }),
    }),
    new EntitySchema<StatDayLabelEntity>({
      name: 'StatDayLabelEntity',
      target: StatDayLabelEntity,
      tableName: 'stat_day_label',
      columns: keyedSummary({ actionLabel: named('action_label', nullable(varchar(255))) }),
    }),
    new EntitySchema<StatDayLcEntity>({
      name: 'StatDayLcEntity',
      target: StatDayLcEntity,
      tableName: 'stat_day_lc',
      columns: keyedSummary({ actionLabel: named('action_label', nullable(varchar(255))), country: nullable(varchar(2)) }),
    }),
    new EntitySchema<StatDayLcdEntity>({
      name: 'StatDayLcdEntity',
      target: StatDayLcdEntity,
      tableName: 'stat_day_lcd',
      columns: keyedSummary({
        actionLabel: named('action_label', nullable(varchar(255))),
        country: nullable(varchar(2)),
        device: nullable(varchar(32)),
      }),
    }),
    new EntitySchema<SummaryPendingEntity>({
      name: 'SummaryPendingEntity',
      target: SummaryPendingEntity,
      tableName: 'summary_pending',
      columns: {
        id: k.rowId,
        tenant: k.bigint,
        day: k.instant,
        hour: k.instant,
        module: k.int,
        action: k.int,
        aggregationLevel: named('aggregation_level', k.tinyint),
        country: nullable(varchar(2)),
        device: nullable(varchar(32)),
        actionLabel: named('action_label', nullable(varchar(255))),
        actionId: named('action_id', nullable(varchar(255))),
        count: k.bigint,
        minCreated: named('min_created', k.instant),
        queued: k.instant,
      },
      indices: [{ name: 'ix_summary_pending_tenant_day', columns: ['tenant', 'day'] }],
    }),
    new EntitySchema<StatHourEntity>({
      name: 'StatHourEntity',
      target: StatHourEntity,
      tableName: 'stat_hour',
      columns: {
        tenant: primary(k.bigint),
        hour: primary(k.instant),
        module: primary(k.int),
        action: primary(k.int),
        aggregationLevel: named('aggregation_level', primary(k.tinyint)),
        count: k.bigint,
      },
    }),
    new EntitySchema<StatItemEntity>({
      name: 'StatItemEntity',
      target: StatItemEntity,
      tableName: 'stat_item',
      columns: { id: k.rowId, tenant: k.bigint, actionId: named('action_id', varchar(255)) },
      indices: [{ name: 'uq_stat_item_tenant_action_id', columns: ['tenant', 'actionId'], unique: true }],
    }),
    new EntitySchema<StatDayItemEntity>({
      name: 'StatDayItemEntity',
      target: StatDayItemEntity,
      tableName: 'stat_day_item',
      columns: {
        tenant: primary(k.bigint),
        day: primary(k.instant),
        item: primary(k.bigint),
        module: primary(k.int),
        action: primary(k.int),
        aggregationLevel: named('aggregation_level', primary(k.tinyint)),
        count: k.bigint,
      },
    }),
    new EntitySchema<SummaryMetaEntity>({
      name: 'SummaryMetaEntity',
      target: SummaryMetaEntity,
      tableName: 'summary_meta',
      columns: { name: primary(varchar(64)), value: varchar(255) },
    }),
    new EntitySchema<DataVersionEntity>({
      name: 'DataVersionEntity',
      target: DataVersionEntity,
      tableName: 'data_version',
      columns: { tenant: primary(k.bigint), bucket: primary(k.int), version: { ...k.bigint, default: 0 } },
    }),
    new EntitySchema<RollupClosureEntity>({
      name: 'RollupClosureEntity',
      target: RollupClosureEntity,
      tableName: 'rollup_closure',
      columns: { tenant: primary(k.bigint), closedBefore: named('closed_before', k.instant) },
    }),
  ];
  return schemas as EntitySchema[];
}
