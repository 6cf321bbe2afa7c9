import { BadRequestException, Injectable, Optional } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { Database, isUniqueViolation } from '../database/database.service';
import { Bucket, dayVersions } from '../database/data-version';
import { DataVersionRepository } from '../database/data-version.repository';
import { AggregationLevel } from '../database/entities';
import { Metrics } from '../metrics/metrics.service';
import { FoldScheduler } from '../summary/fold.scheduler';
import { SummaryService } from '../summary/summary.service';
import { IngestResultDto, IngestUserActionsDto, UserActionEventDto } from './dto/ingest-user-actions.dto';
import { SnapshotRow, UserActionRepository } from './user-action.repository';

const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;
const DAY_MS = 86_400_000;
/** Largest stored JSON text per snapshot field: MySQL MEDIUMTEXT (reachable only with a BODY_LIMIT above 16 MB). */
const SNAPSHOT_JSON_MAX_BYTES: Array<['planCombinedIds' | 'partList', number]> = [
  ['planCombinedIds', 16_777_215],
  ['partList', 16_777_215],
];

/**
 * Stores user actions all-or-nothing and exactly once per (tenant, eventId): events already
 * stored, or repeated inside the batch, count as duplicates. A concurrent retry of the same batch
 * loses the race on the unique key and is re-run, then sees the winner's rows as duplicates.
 */
@Injectable()
export class IngestionService {
  constructor(
    private readonly db: Database,
    private readonly userActions: UserActionRepository,
    private readonly versions: DataVersionRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly summary: SummaryService,
    @Optional() private readonly metrics?: Metrics,
    @Optional() private readonly fold?: FoldScheduler,
  ) {}

  async ingest(tenant: number, body: IngestUserActionsDto): Promise<IngestResultDto> {
    const { events, field } = this.eventsOf(body);
    this.checkEvents(events, field);
    const unique = new Map<string, UserActionEventDto>();
    for (const e of events) if (!unique.has(e.eventId)) unique.set(e.eventId, e);
    for (let attempt = 1; ; attempt++) {
      try {
        const accepted = await this.db.transaction((em) => this.store(em, tenant, [...unique.values()]));
        if (accepted > 0) this.fold?.wake();
        this.metrics?.eventsAccepted.inc(accepted);
        this.metrics?.eventsDuplicate.inc(events.length - accepted);
        return { accepted, duplicates: events.length - accepted };
      } catch (err) {
        if (!isUniqueViolation(err) || attempt >= 8) throw err;
      }
    }
  }

  private eventsOf(body: IngestUserActionsDto): { events: UserActionEventDto[]; field: string } {
    if (body.userActions && body.userAction) {
      throw new BadRequestException('body must hold either userActions or userAction, not both');
    }
    if (body.userActions) return { events: body.userActions, field: 'userActions' };
    if (body.userAction) return { events: [body.userAction], field: 'userAction' };
    throw new BadRequestException('body must hold userActions (1 to 1000 events) or userAction (one event)');
  }

  private checkEvents(events: UserActionEventDto[], field: string): void {
    const now = this.clock.now().getTime();
    const oldest = now - this.config.rollup.dailyAfterDays * DAY_MS;
    events.forEach((e, i) => {
      const where = field === 'userAction' ? field : `${field}[${i}]`;
      const t = e.created.getTime();
      if (t < oldest) {
        throw new BadRequestException(
          `${where}.created is older than ${this.config.rollup.dailyAfterDays} days (ROLLUP_DAILY_AFTER_DAYS); such events can no longer be accepted`,
        );
      }
      if (t > now + FUTURE_TOLERANCE_MS) {
        throw new BadRequestException(`${where}.created is more than 5 minutes in the future`);
      }
      if (e.configuration && !e.actionId) {
        throw new BadRequestException(`${where}.configuration needs ${where}.actionId (the configuration id it belongs to)`);
      }
      // The snapshot columns are MEDIUMTEXT on MySQL: a longer value would fail the INSERT (a 500).
      for (const [field, max] of SNAPSHOT_JSON_MAX_BYTES) {
        const v = e.configuration?.[field];
        if (v !== undefined && Buffer.byteLength(JSON.stringify(v)) > max) {
          throw new BadRequestException(`${where}.configuration.${field} is too large: at most ${max} bytes as JSON`);
        }
      }
    });
  }

  /** Inserts the events not stored yet, their snapshots and summary counts; returns how many were stored. */
  private async store(em: EntityManager, tenant: number, events: UserActionEventDto[]): Promise<number> {
    const existing = await this.userActions.existingEventIds(em, tenant, events.map((e) => e.eventId));
    const fresh = events.filter((e) => !existing.has(e.eventId));
    await this.userActions.insert(em, tenant, fresh);
    await this.upsertSnapshots(em, tenant, fresh);
    // The read API's ETags: the days of the new rows, and the snapshots when any came along.
    const versions = dayVersions(tenant, fresh.map((e) => e.created));
    if (fresh.some((e) => e.configuration && e.actionId)) versions.push({ tenant, bucket: Bucket.Snapshots });
    await this.versions.bump(em, versions);
    // The summary tables get the rows through the fold: here one pending delta per summary key.
    await this.summary.queue(
      em,
      tenant,
      fresh.map((e) => ({
        created: e.created,
        module: e.module,
        action: e.action,
        level: AggregationLevel.RealTime,
        country: e.country ?? null,
        device: e.device ?? null,
        actionLabel: e.actionLabel ?? null,
        actionId: e.actionId ?? null,
        count: 1,
      })),
      this.clock.now(),
    );
    return fresh.length;
  }

  /**
   * The newest snapshot per configuration id wins, field by field (a field the newer event does
   * not send keeps its value); an event older than the stored snapshot changes nothing.
   */
  private async upsertSnapshots(em: EntityManager, tenant: number, events: UserActionEventDto[]): Promise<void> {
    const latest = new Map<string, { thumbnail: string | null; partList: string | null; planCombinedIds: string | null; updated: Date }>();
    const ordered = events.filter((e) => e.configuration && e.actionId).sort((a, b) => a.created.getTime() - b.created.getTime());
    for (const e of ordered) {
      const c = e.configuration!;
      const prev = latest.get(e.actionId!);
      latest.set(e.actionId!, {
        thumbnail: c.thumbnail ?? prev?.thumbnail ?? null,
        partList: c.partList === undefined ? (prev?.partList ?? null) : JSON.stringify(c.partList),
        planCombinedIds: c.planCombinedIds === undefined ? (prev?.planCombinedIds ?? null) : JSON.stringify(c.planCombinedIds),
        updated: e.created,
      });
    }
    const rows = [...latest.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([configurationId, r]): SnapshotRow => ({ configurationId, ...r }));
    await this.userActions.upsertSnapshots(em, tenant, rows);
  }
}
