import { Injectable, Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { UnavailableError } from '@mcos/common';
import type { ByteRange, OutgoingVersion, ReplicaRead, ReplicaVersion } from '../storage/replica-version';
import { QuorumWriteResult, ReplicaWriter } from './replica-writer';
import { TargetRegistry } from './target-registry';

export interface WritePlan {
  /** Services that should hold the key, in preference order. */
  homes: string[];
  /** Services to use instead of homes that cannot take the write now. */
  spares: string[];
  quorum: number;
}

export interface ReadPlan {
  /** Services that may hold the key, most likely first (primaries, then previous holders, then handoffs). */
  candidates: string[];
  /** How many of the first candidates are homes: they are asked first, nearest first, before any other. */
  homes: number;
  /** How many answers to compare before trusting the newest (Rq). */
  quorum: number;
}

export type StatAnswer = { service: string; version?: ReplicaVersion; error?: string };

/**
 * Replicated reads and writes of one key over a set of services, whatever
 * the key is (object or container record): quorum writes with handoff
 * substitution, and reads that compare `quorum` answers, take the newest and
 * keep looking further (previous ring holders, handoffs) when the first
 * answers hold nothing, so a read during a migration still finds the data.
 */
@Injectable()
export class ReplicatedStore {
  private readonly logger = new Logger(ReplicatedStore.name);

  constructor(
    private readonly registry: TargetRegistry,
    private readonly writer: ReplicaWriter,
  ) {}

  async write(key: string, version: OutgoingVersion, body: Readable, plan: WritePlan): Promise<QuorumWriteResult> {
    const spares = plan.spares.filter((s) => this.registry.usable(s) && !plan.homes.includes(s));
    const chosen: string[] = [];
    for (const home of plan.homes) {
      if (this.registry.usable(home)) chosen.push(home);
      else if (spares.length > 0) chosen.push(spares.shift()!);
    }
    if (chosen.length < plan.quorum) {
      body.resume();
      throw new UnavailableError(`only ${chosen.length} services can take a write now, ${plan.quorum} are required`);
    }
    const result = await this.writer.write({
      key,
      version,
      body,
      targets: chosen.map((s) => this.registry.get(s)),
      spares: spares.map((s) => this.registry.get(s)),
      quorum: plan.quorum,
    });
    void result.allSettled.then((outcomes) => outcomes.forEach((o) => this.registry.observe(o.service, o.ok || o.superseded === true)));
    return result;
  }

  /**
   * The newest version among `quorum` answers (more if those hold nothing);
   * undefined when no service holds the key. Throws UnavailableError when
   * fewer than `quorum` services could answer at all.
   */
  async statNewest(key: string, plan: ReadPlan): Promise<{ version: ReplicaVersion; holders: string[] } | undefined> {
    const order = this.order(plan);
    const answers: StatAnswer[] = [];
    let next = 0;
    const ask = async (service: string) => {
      try {
        const version = await this.registry.get(service).stat(key);
        this.registry.observe(service, true);
        answers.push({ service, version });
      } catch (err) {
        this.registry.observe(service, false);
        answers.push({ service, error: (err as Error).message });
      }
    };
    const answered = () => answers.filter((a) => !a.error);
    // Ask `quorum` at once; then one by one until quorum answered and something was found.
    while (next < order.length && answered().length < plan.quorum) {
      const batch = order.slice(next, next + plan.quorum - answered().length);
      next += batch.length;
      await Promise.all(batch.map(ask));
    }
    while (next < order.length && !answered().some((a) => a.version)) await ask(order[next++]);
    const found = answered().filter((a) => a.version);
    if (found.length === 0) {
      if (answered().length < Math.min(plan.quorum, order.length)) {
        throw new UnavailableError(`read quorum not reached for ${key}: ${answered().length} of ${plan.quorum} answered`);
      }
      return undefined;
    }
    const newest = found.reduce((a, b) => (b.version!.timestamp > a.version!.timestamp ? b : a)).version!;
    return { version: newest, holders: found.filter((a) => a.version!.timestamp === newest.timestamp).map((a) => a.service) };
  }

  /** Opens the newest version for reading; undefined when nobody holds the key. */
  async read(key: string, plan: ReadPlan, range?: ByteRange): Promise<(ReplicaRead & { servedBy: string }) | undefined> {
    if (plan.quorum <= 1) return this.readFirst(key, this.order(plan), range);
    const newest = await this.statNewest(key, plan);
    if (!newest) return undefined;
    if (newest.version.deleted) return { version: newest.version, body: Readable.from([]), servedBy: newest.holders[0] };
    const got = await this.readFirst(key, this.registry.byDistance(newest.holders), range, newest.version.timestamp);
    // The holders changed under us (a newer write or a repair): fall back to any candidate.
    return got ?? this.readFirst(key, this.order(plan), range);
  }

  /** Homes nearest first, then the other candidates nearest first: a handoff that is close but likely empty never goes before a home. */
  private order(plan: ReadPlan): string[] {
    return [...this.registry.byDistance(plan.candidates.slice(0, plan.homes)), ...this.registry.byDistance(plan.candidates.slice(plan.homes))];
  }

  /** Every service's answer for a key (stat documents). */
  async statEach(key: string, services: string[]): Promise<StatAnswer[]> {
    return Promise.all(
      services.map(async (service) => {
        if (!this.registry.usable(service)) return { service, error: 'unreachable' };
        try {
          return { service, version: await this.registry.get(service).stat(key) };
        } catch (err) {
          this.registry.observe(service, false);
          return { service, error: (err as Error).message };
        }
      }),
    );
  }

  private async readFirst(
    key: string,
    order: string[],
    range: ByteRange | undefined,
    timestamp?: string,
  ): Promise<(ReplicaRead & { servedBy: string }) | undefined> {
    let lastError: Error | undefined;
    let answered = 0;
    for (const service of order) {
      try {
        const got = await this.registry.get(service).read(key, range);
        this.registry.observe(service, true);
        answered++;
        if (!got) continue;
        if (timestamp && got.version.timestamp < timestamp) {
          got.body.destroy();
          continue;
        }
        return { ...got, servedBy: service };
      } catch (err) {
        if (isRangeError(err)) throw err;
        this.registry.observe(service, false);
        lastError = err as Error;
        this.logger.warn(`read of ${key} from ${service} failed: ${lastError.message}`);
      }
    }
    if (answered === 0 && lastError) throw new UnavailableError(`no replica of ${key} could be read: ${lastError.message}`, { cause: lastError });
    return undefined;
  }
}

/** The range cannot be served (see ReplicaTarget.read): asking another holder would not help. */
function isRangeError(err: unknown): boolean {
  return (err as { code?: string }).code === 'INVALID_RANGE';
}
