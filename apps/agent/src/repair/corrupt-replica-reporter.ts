import { Injectable, Logger } from '@nestjs/common';
import { AgentIdentity } from '../config/agent-identity';
import { ObjectIndexRepository } from '../index/object-index.repository';
import { Auditor } from './auditor';

/**
 * Where the read path reports a replica whose bytes do not match its ETag.
 * A corrupt local replica is repaired at once by the auditor (not at its
 * next pass); a peer's is logged, and that peer's own auditor finds it.
 */
@Injectable()
export class CorruptReplicaReporter {
  private readonly logger = new Logger(CorruptReplicaReporter.name);
  private readonly repairing = new Set<string>();

  constructor(
    private readonly identity: AgentIdentity,
    private readonly index: ObjectIndexRepository,
    private readonly auditor: Auditor,
  ) {}

  report(service: string, key: string): void {
    this.logger.error(`corrupt replica of ${key} read from ${service}`);
    if (service !== this.identity.name || this.repairing.has(key)) return;
    const entry = this.index.get(key);
    if (!entry) return;
    this.repairing.add(key);
    void this.auditor
      .repair(entry)
      .catch((err: Error) => this.logger.warn(`repair of ${key} failed: ${err.message}`))
      .finally(() => this.repairing.delete(key));
  }
}
