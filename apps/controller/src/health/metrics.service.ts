import { Injectable, OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ServiceStatus } from '@mcos/common';

const STATUSES: ServiceStatus[] = ['ACTIVE', 'DISCONNECTED', 'SHUTOFF', 'REMOVED'];

/** Prometheus metrics of this controller (own registry: no global state). */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();
  private readonly services = new Gauge({
    name: 'mcos_controller_services',
    help: 'Registered cloud services by status',
    labelNames: ['status'],
    registers: [this.registry],
  });
  private readonly mapVersion = new Gauge({
    name: 'mcos_controller_cluster_map_version',
    help: 'Current cluster map version',
    registers: [this.registry],
  });
  private readonly polls = new Counter({
    name: 'mcos_controller_polls_total',
    help: 'Agent health polls by result',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly pushes = new Counter({
    name: 'mcos_controller_map_pushes_total',
    help: 'Cluster map pushes by result (accepted, stale, failed)',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly pushFailures = new Counter({
    name: 'mcos_controller_map_push_failures_total',
    help: 'Cluster map pushes that did not reach the agent',
    registers: [this.registry],
  });

  /** Process metrics (memory, event loop, ...) only in the running app, not in unit tests. */
  onModuleInit(): void {
    collectDefaultMetrics({ register: this.registry, prefix: 'mcos_controller_' });
  }

  setServiceCounts(statuses: ServiceStatus[]): void {
    for (const status of STATUSES) this.services.set({ status }, statuses.filter((s) => s === status).length);
  }

  setMapVersion(version: number): void {
    this.mapVersion.set(version);
  }

  countPoll(result: 'ok' | 'failed'): void {
    this.polls.inc({ result });
  }

  countPush(result: 'accepted' | 'stale' | 'failed'): void {
    this.pushes.inc({ result });
    if (result === 'failed') this.pushFailures.inc();
  }

  contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
