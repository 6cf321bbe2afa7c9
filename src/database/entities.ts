import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Entities document the schema for readers and for `migration:generate`; the schema itself is
 * owned by the hand-written migrations in ./migrations/<dialect>/ and reads go through raw
 * query builders (see docs/database.md).
 */

/** Aggregation levels of a user-action row. */
export enum AggregationLevel {
  RealTime = 0,
  Daily = 1,
  Monthly = 2,
}

@Entity('user_action')
@Index('uq_user_action_event', ['tenant', 'eventId'], { unique: true })
@Index('ix_user_action_tenant_created', ['tenant', 'created'])
@Index('ix_user_action_tenant_module_action_created', ['tenant', 'module', 'action', 'created'])
@Index('ix_user_action_tenant_level_created', ['tenant', 'aggregationLevel', 'created'])
@Index('uq_user_action_rollup', ['tenant', 'aggregationLevel', 'created', 'rollupKey'], { unique: true })
export class UserActionEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;
  @Column({ type: 'bigint' })
  tenant: number;
  @Column({ type: 'int' })
  module: number;
  @Column({ type: 'int' })
  action: number;
  @Column({ type: 'datetime', precision: 3 })
  created: Date;
  @Column({ name: 'aggregation_level', type: 'tinyint', default: 0 })
  aggregationLevel: AggregationLevel;
  @Column({ type: 'int', default: 1 })
  count: number;
  @Column({ type: 'varchar', length: 2, nullable: true })
  country: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true })
  device: string | null;
  @Column({ name: 'action_label', type: 'varchar', length: 255, nullable: true })
  actionLabel: string | null;
  @Column({ name: 'action_id', type: 'varchar', length: 255, nullable: true })
  actionId: string | null;
  @Column({ name: 'action_parameter', type: 'varchar', length: 1024, nullable: true })
  actionParameter: string | null;
  @Column({ name: 'user_id', type: 'varchar', length: 255, nullable: true })
  userId: string | null;
  @Column({ name: 'event_id', type: 'varchar', length: 64, nullable: true })
  eventId: string | null;
  /** Aggregated rows only: hash of the kept keys, unique per (tenant, level, period). */
  @Column({ name: 'rollup_key', type: 'varchar', length: 32, nullable: true })
  rollupKey: string | null;
}

@Entity('rollup_lease')
export class RollupLeaseEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;
  @Column({ type: 'varchar', length: 128, nullable: true })
  holder: string | null;
  @Column({ name: 'expires_at', type: 'datetime', precision: 3, nullable: true })
  expiresAt: Date | null;
}

@Entity('configuration_snapshot')
export class ConfigurationSnapshotEntity {
  @PrimaryColumn({ type: 'bigint' })
  tenant: number;
  @PrimaryColumn({ name: 'configuration_id', type: 'varchar', length: 255 })
  configurationId: string;
  @Column({ type: 'varchar', length: 2048, nullable: true })
  thumbnail: string | null;
  @Column({ name: 'part_list', type: 'text', nullable: true })
  partList: string | null;
  @Column({ name: 'plan_combined_ids', type: 'text', nullable: true })
  planCombinedIds: string | null;
  @Column({ type: 'datetime', precision: 3 })
  updated: Date;
}

@Entity('directory_user')
export class DirectoryUserEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255 })
  userId: string;
  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;
  @Column({ name: 'statistics_consent', type: 'boolean', default: false })
  statisticsConsent: boolean;
  @Column({ type: 'datetime', precision: 3 })
  updated: Date;
}

@Entity('catalog_module')
export class CatalogModuleEntity {
  @PrimaryColumn({ type: 'int' })
  id: number;
  @Column({ type: 'varchar', length: 64 })
  name: string;
}

@Entity('catalog_action')
export class CatalogActionEntity {
  @PrimaryColumn({ type: 'int' })
  module: number;
  @PrimaryColumn({ type: 'int' })
  action: number;
  @Column({ type: 'varchar', length: 128 })
  name: string;
  @Column({ name: 'configuration_action', type: 'boolean', default: false })
  configurationAction: boolean;
  @Column({ name: 'carries_part_list', type: 'boolean', default: false })
  carriesPartList: boolean;
}

/** Change counters behind the read API's ETags (src/database/data-version.ts). */
@Entity('data_version')
export class DataVersionEntity {
  @PrimaryColumn({ type: 'bigint' })
  tenant: number;
  /** UTC day number of `created` (≥ 0), or a special bucket (< 0, see `Bucket`). */
  @PrimaryColumn({ type: 'int' })
  bucket: number;
  @Column({ type: 'bigint', default: 0 })
  version: number;
}

/** Per tenant: rows created before `closed_before` are at their final level (docs/api.md, HTTP caching). */
@Entity('rollup_closure')
export class RollupClosureEntity {
  @PrimaryColumn({ type: 'bigint' })
  tenant: number;
  @Column({ name: 'closed_before', type: 'datetime', precision: 3 })
  closedBefore: Date;
}

export const ENTITIES = [
  UserActionEntity,
  ConfigurationSnapshotEntity,
  DirectoryUserEntity,
  CatalogModuleEntity,
  CatalogActionEntity,
  RollupLeaseEntity,
  DataVersionEntity,
  RollupClosureEntity,
];
