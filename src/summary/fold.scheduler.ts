import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { FoldService } from './fold.service';

/**
 * Runs the fold continuously inside the service (unless FOLD_ENABLED=false): woken by every
 * ingestion that stored rows, and every FOLD_INTERVAL_MS (rows committed by another replica,
 * a fold that failed). One drain at a time in this process; across replicas the fold lease
 * picks one folder. A wake-up during a drain runs one more drain after it, so a batch
 * committed just after a drain's last claim is never left waiting for the timer.
 */
@Injectable()
export class FoldScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FoldScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private failures = 0;
  private readonly stop = new AbortController();

  constructor(
    private readonly fold: FoldService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.fold.enabled) {
      this.logger.log('the fold is off on this replica (FOLD_ENABLED=false): another replica must fold');
      return;
    }
    this.timer = setInterval(() => this.wake(), this.config.fold.intervalMs);
    this.timer.unref();
    this.wake();
  }

  /** Asks for a drain now (ingestion calls it after each commit that stored rows). */
  wake(): void {
    if (!this.config.fold.enabled || this.stop.signal.aborted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => (this.running = undefined));
  }

  /** Resolves once no drain is running in this process (tests wait on it). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.fold.drain(this.stop.signal);
        this.failures = 0;
      } catch (err) {
        // The next wake-up or tick tries again; the pending rows wait (reads count them).
        this.failures++;
        if (this.failures === 1 || this.failures % 60 === 0) this.logger.error({ err }, `fold failed (${this.failures} in a row); pending rows wait for the next fold`);
        return;
      }
    } while (this.again && !this.stop.signal.aborted);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop.abort();
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.fold.lease.release().catch(() => undefined);
  }
}
