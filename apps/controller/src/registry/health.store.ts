import { Injectable } from '@nestjs/common';
import type { AgentHealth } from '@mcos/common';

export interface HealthReport {
  health: AgentHealth;
  receivedAt: number;
}

/**
 * What the agents said on their latest poll, and how many polls in a row
 * each has missed. Kept in memory on purpose: "has this agent reported since
 * the controller started" is itself a fact the options service relies on.
 */
@Injectable()
export class HealthStore {
  private readonly reports = new Map<string, HealthReport>();
  private readonly misses = new Map<string, number>();

  record(name: string, health: AgentHealth, receivedAt: number): void {
    this.reports.set(name, { health, receivedAt });
    this.misses.set(name, 0);
  }

  /** Counts one more missed poll; returns the consecutive misses. */
  recordMiss(name: string): number {
    const count = (this.misses.get(name) ?? 0) + 1;
    this.misses.set(name, count);
    return count;
  }

  resetMisses(name: string): void {
    this.misses.set(name, 0);
  }

  missesOf(name: string): number {
    return this.misses.get(name) ?? 0;
  }

  latest(name: string): HealthReport | undefined {
    return this.reports.get(name);
  }

  all(): ReadonlyMap<string, HealthReport> {
    return this.reports;
  }
}
