import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { EntityManager } from 'typeorm';
import { RollupLeaseRepository } from './rollup-lease.repository';

export const LEASE_NAME = 'rollup';
export const LEASE_TTL_MS = 60_000;

/**
 * One rollup runner at a time across every replica and CLI: a row in `rollup_lease` taken with a
 * conditional UPDATE (works the same on MySQL, MariaDB and SQLite). The holder renews it as the
 * first statement of every chunk's transaction, so a chunk only commits while its runner holds the
 * lease; a holder that dies simply stops renewing and the lease expires after LEASE_TTL_MS.
 * Correctness never rests on the lease alone: every chunk is one transaction.
 */
export class RollupLease {
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  /** Until when this holder's last take holds the lease (0: not held as far as we know; renewals are not counted, they may roll back). */
  private heldUntil = 0;

  constructor(
    private readonly leases: RollupLeaseRepository,
    private readonly ttlMs = LEASE_TTL_MS,
    /** The lease's row in `rollup_lease`: 'rollup', or 'fold' for the summaries' folder. */
    readonly name = LEASE_NAME,
  ) {}

  /**
   * Takes the lease when it is free, expired, or already ours. A lease visibly held by another
   * runner is answered from a plain read, without a write: on SQLite a write would first queue
   * for the write lock, which the holder takes chunk after chunk, so a runner started while
   * another held the lease could wait until that pass had ended and then run (a race the
   * concurrency test hit on a loaded machine); on MySQL it would wait for the holder's row lock.
   * The conditional UPDATE stays the arbiter when the read finds the lease takeable.
   */
  async acquire(): Promise<boolean> {
    const now = new Date();
    const cur = await this.current();
    if (cur.holder !== null && cur.holder !== this.holder && cur.expiresAt !== null && cur.expiresAt >= now) return false;
    const until = new Date(now.getTime() + this.ttlMs);
    const taken = await this.leases.take(this.name, this.holder, now, until);
    this.heldUntil = taken ? until.getTime() : 0;
    return taken;
  }

  /**
   * {@link acquire}, skipped while this holder's last take has more than half the TTL
   * left (a lease cannot be taken from its holder before it expires): the fold drains after every
   * ingestion batch, and each drain would otherwise spend a read and a write transaction on a
   * lease it already holds. Every chunk's {@link renewWithin} still checks that it does.
   */
  async acquireUnlessHeld(): Promise<boolean> {
    if (this.heldUntil - Date.now() > this.ttlMs / 2) return true;
    return this.acquire();
  }

  /**
   * Extends the lease inside the caller's transaction (false when it was lost: expired and taken by another runner). As the first
   * statement of a chunk it also takes SQLite's write lock before the chunk reads: a transaction
   * that reads first and writes later fails with SQLITE_BUSY_SNAPSHOT when another process (the
   * service, another runner) committed in between.
   */
  async renewWithin(em: EntityManager): Promise<boolean> {
    const held = await this.leases.extend(em, this.name, this.holder, new Date(Date.now() + this.ttlMs));
    // heldUntil stays the take's: a renewal's transaction may still roll back.
    if (!held) this.heldUntil = 0;
    return held;
  }

  async release(): Promise<void> {
    this.heldUntil = 0;
    await this.leases.release(this.name, this.holder);
  }

  /** Who holds the lease now, for the "skipped" message. */
  async current(): Promise<{ holder: string | null; expiresAt: Date | null }> {
    return this.leases.current(this.name);
  }
}
