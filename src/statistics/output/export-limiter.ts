import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { Metrics } from '../../metrics/metrics.service';

/** Seconds a client is asked to wait when every export slot is taken. */
export const EXPORT_RETRY_AFTER_SECONDS = 10;

/**
 * Guards the database against bulk exports: at most EXPORT_MAX_CONCURRENT CSV exports stream at
 * once on this replica, and at most EXPORT_MAX_CONCURRENT_PER_TENANT of them for one tenant, so
 * one tenant's finance team cannot starve the dashboards of everyone else. Beyond that: 429 with
 * Retry-After. A slot is held from the first row until the response closes (finished, failed or
 * abandoned by the client).
 */
@Injectable()
export class ExportLimiter {
  private running = 0;
  private readonly perTenant = new Map<string, number>();

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Takes a slot for `tenant` (the id @TenantId() parsed; a string form counts as the same tenant)
   * or throws 429; the returned function gives it back (once).
   */
  acquire(tenantId: number | string): () => void {
    const tenant = String(tenantId);
    const { maxConcurrent, maxConcurrentPerTenant } = this.config.exports;
    const mine = this.perTenant.get(tenant) ?? 0;
    if (mine >= maxConcurrentPerTenant) {
      this.metrics.exportsRefused.inc({ limit: 'tenant' });
      throw new HttpException(
        `Too many concurrent CSV exports for tenant ${tenant}: ${mine} running, the limit is ${maxConcurrentPerTenant} (EXPORT_MAX_CONCURRENT_PER_TENANT); retry after ${EXPORT_RETRY_AFTER_SECONDS} s`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    if (this.running >= maxConcurrent) {
      this.metrics.exportsRefused.inc({ limit: 'server' });
      throw new HttpException(
        `Too many concurrent CSV exports on this server: ${this.running} running, the limit is ${maxConcurrent} (EXPORT_MAX_CONCURRENT); retry after ${EXPORT_RETRY_AFTER_SECONDS} s`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    this.running++;
    this.perTenant.set(tenant, mine + 1);
    this.metrics.exportsActive.inc();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.metrics.exportsActive.dec();
      const left = (this.perTenant.get(tenant) ?? 1) - 1;
      if (left > 0) this.perTenant.set(tenant, left);
      else this.perTenant.delete(tenant);
    };
  }

  /** Exports streaming now: overall and for one tenant. */
  inFlight(tenant?: number | string): number {
    return tenant === undefined ? this.running : (this.perTenant.get(String(tenant)) ?? 0);
  }
}
