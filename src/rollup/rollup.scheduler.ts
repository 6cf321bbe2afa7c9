import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CronJob } from 'cron';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { RollupService } from './rollup.service';

/** Runs the rollup pass on ROLLUP_CRON inside the service (unless ROLLUP_ENABLED=false). */
@Injectable()
export class RollupScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RollupScheduler.name);
  private job?: CronJob;
  private running?: Promise<unknown>;
  private readonly stop = new AbortController();

  constructor(
    private readonly rollup: RollupService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.rollup.enabled) {
      this.logger.log('in-service rollup schedule is off (ROLLUP_ENABLED=false)');
      return;
    }
    this.job = CronJob.from({ cronTime: this.config.rollup.cron, onTick: () => void this.tick(), start: true, timeZone: 'UTC' });
    this.logger.log(`rollup scheduled: ${this.config.rollup.cron} (UTC)`);
  }

  /** One scheduled pass; overlapping ticks in this process are skipped, other replicas are kept out by the lease. */
  async tick(): Promise<void> {
    if (this.running) {
      this.logger.warn('previous rollup pass still running; tick skipped');
      return;
    }
    this.running = this.rollup
      .run({ asOf: this.clock.now(), signal: this.stop.signal })
      .then((summary) => this.logger.log({ summary }, summary.skipped ? `rollup skipped: ${summary.skipped}` : 'rollup pass done'))
      .catch((err) => this.logger.error({ err }, 'rollup pass failed; the next pass continues where it stopped'))
      .finally(() => (this.running = undefined));
    await this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.job?.stop();
    this.stop.abort();
    await this.running;
  }
}
