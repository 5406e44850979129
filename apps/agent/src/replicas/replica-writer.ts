import { Inject, Injectable, Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { ConflictError, UnavailableError } from '@mcos/common';
import { PeerRejectedError } from '../peers/peer.errors';
import type { OutgoingVersion } from '../storage/replica-version';
import { fanOut } from '../streams/fan-out';
import { inlineMd5, MD5_SOURCE, type Md5Source } from '../streams/md5';
import type { ReplicaTarget } from './replica-target';

export interface ReplicaOutcome {
  service: string;
  ok: boolean;
  error?: string;
  /** The target holds a strictly newer version: it is healthy, but this write did not take there. */
  superseded?: boolean;
}

export interface QuorumWriteResult {
  etag: string;
  size: number;
  /** Outcomes known when the quorum was reached (at least `quorum` ok). */
  outcomes: ReplicaOutcome[];
  /** Settles with every target's outcome, including those after the reply. */
  allSettled: Promise<ReplicaOutcome[]>;
}

/** Bodies up to this size are held in memory so that a failed target can be retried on a spare. */
export const REPLAYABLE_BODY_BYTES = 1 << 20;

/**
 * Streams one body to several replica targets at once and resolves as soon
 * as `quorum` of them hold it durably; the rest finish in the background.
 * A target that fails is replaced by the next spare (a handoff) when the body
 * is small enough to replay; large bodies are never buffered, and the
 * replicator later brings the replicas that are missing. The MD5 is computed
 * once on the way, and each target's stored etag must match it; this agent's
 * own replica records that same digest rather than hashing the bytes twice.
 */
@Injectable()
export class ReplicaWriter {
  private readonly logger = new Logger(ReplicaWriter.name);

  constructor(@Inject(MD5_SOURCE) private readonly md5: Md5Source = inlineMd5) {}

  async write(args: {
    key: string;
    version: OutgoingVersion;
    body: Readable;
    targets: ReplicaTarget[];
    spares: ReplicaTarget[];
    quorum: number;
  }): Promise<QuorumWriteResult> {
    const { key, version, targets, quorum } = args;
    const spares = [...args.spares];
    const replay =
      version.size !== undefined && version.size <= REPLAYABLE_BODY_BYTES ? await readAll(args.body) : undefined;
    const split = fanOut(replay ? bufferStream(replay) : args.body, targets.length, { md5: this.md5(version.size) });
    // A local replica takes this digest instead of hashing the same bytes again (a spare's
    // replay carries the same bytes, so the same digest).
    const md5OfBody = split.digest.then((d) => d.md5);
    md5OfBody.catch(() => undefined);
    const outcomes: ReplicaOutcome[] = [];

    const attempt = async (target: ReplicaTarget, body: Readable, branch?: number): Promise<ReplicaOutcome> => {
      try {
        const result = await target.write(key, version, body, md5OfBody);
        // A replica that already holds a strictly newer version did not take this write. It
        // does not count towards the quorum: counting it would answer success for a version
        // that no reader will ever see, although the client's write may have started after
        // the newer one finished (a newer timestamp from a clock up to maxClockSkewMs ahead).
        // "Durable" here means "this version is stored", not "something at least as new is";
        // when too few replicas took it the client learns the truth (409) and can write again,
        // which this agent's clock, having observed the newer version, will then order after it.
        // An equal timestamp is this very version (a retry or a replication): it counts.
        if (!result.applied && result.held.timestamp > version.timestamp) throw new SupersededError(result.held.timestamp);
        const { md5 } = await split.digest;
        if (result.applied && result.held.etag !== md5 && !version.deleted) {
          throw new Error(`stored MD5 ${result.held.etag}, expected ${md5}`);
        }
        return { service: target.service, ok: true };
      } catch (err) {
        if (branch !== undefined) split.drop(branch, err as Error);
        const message = (err as Error).message;
        if (err instanceof SupersededError || (err instanceof PeerRejectedError && err.status === 412)) {
          // Healthy target, newer version there: a spare would not change what readers see.
          return { service: target.service, ok: false, superseded: true, error: message };
        }
        this.logger.warn(`write of ${key} to ${target.service} failed: ${message}`);
        const spare = replay ? spares.shift() : undefined;
        if (spare) return attempt(spare, bufferStream(replay!));
        return { service: target.service, ok: false, error: message };
      }
    };

    return new Promise<QuorumWriteResult>((resolve, reject) => {
      let ok = 0;
      let failed = 0;
      let superseded = false;
      const all = targets.map((target, i) =>
        attempt(target, split.branches[i], i).then((outcome) => {
          outcomes.push(outcome);
          if (outcome.ok && ++ok === quorum) {
            split.digest.then(({ md5, size }) => resolve({ etag: md5, size, outcomes: [...outcomes], allSettled }), reject);
          }
          if (!outcome.ok && outcome.superseded) superseded = true;
          if (!outcome.ok && targets.length - ++failed < quorum) {
            reject(
              superseded
                ? new ConflictError(`a newer version of this key was written meanwhile; this write did not take on ${quorum} replicas (${outcome.error})`)
                : new UnavailableError(`only ${ok} of the ${quorum} replicas required could be written (last error: ${outcome.error})`),
            );
          }
          return outcome;
        }),
      );
      const allSettled = Promise.all(all).then(() => [...outcomes]);
      // A body that fails on the client's side fails the write, whatever the targets say.
      split.digest.catch(reject);
    });
  }
}

/** This agent's own replica holds a newer version than the one written. */
class SupersededError extends Error {
  constructor(readonly held: string) {
    super(`a newer version (${held}) is held`);
  }
}

function bufferStream(buf: Buffer): Readable {
  return Readable.from(buf.length > 0 ? [buf] : [], { objectMode: false });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
