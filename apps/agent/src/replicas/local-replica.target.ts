import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ObjectBackend, ObjectNotFoundError } from '@mcos/backends';
import { AgentIdentity } from '../config/agent-identity';
import { indexEntry, type IndexEntry, type ListPage } from '../index/index-entry';
import { ObjectIndexRepository } from '../index/object-index.repository';
import type { ByteRange, OutgoingVersion, ReplicaRead, ReplicaVersion, ReplicaWriteResult } from '../storage/replica-version';
import { systemMetaOf, versionFromInfo } from '../storage/stored-version';
import { KeyLock } from './key-lock';
import type { ReplicaTarget } from './replica-target';

/**
 * This agent's own backend as a replica holder. Every write goes through a
 * per-key lock and the index: a version older than (or equal to) the one held
 * is not written, so replicas converge on the newest timestamp whatever order
 * writes arrive in. The index is updated after the backend has the bytes, so
 * it never lists what the backend does not hold.
 */
@Injectable()
export class LocalReplicaTarget implements ReplicaTarget {
  readonly isLocal = true;
  readonly service: string;
  private readonly lock = new KeyLock();

  constructor(
    identity: AgentIdentity,
    private readonly backend: ObjectBackend,
    private readonly index: ObjectIndexRepository,
  ) {
    this.service = identity.name;
  }

  async write(key: string, version: OutgoingVersion, body: Readable, knownMd5?: PromiseLike<string>): Promise<ReplicaWriteResult> {
    return this.lock.run(key, async () => {
      const held = this.index.get(key);
      const newer = held && held.timestamp >= version.timestamp ? await this.versionOf(key, held) : undefined;
      if (newer) {
        body.resume();
        await finished(body).catch(() => undefined);
        return { applied: false, held: newer };
      }
      const info = await this.backend.put(
        key,
        version.deleted ? Readable.from([], { objectMode: false }) : body,
        {
          contentType: version.contentType,
          userMeta: version.userMeta,
          systemMeta: systemMetaOf(version),
        },
        version.deleted ? { size: 0 } : { size: version.size, knownMd5 },
      );
      if (version.deleted) body.resume();
      const stored = versionFromInfo(info);
      this.index.upsert(indexEntry(key, stored));
      return { applied: true, held: stored };
    });
  }

  async stat(key: string): Promise<ReplicaVersion | undefined> {
    const held = this.index.get(key);
    return held ? this.versionOf(key, held) : undefined;
  }

  async read(key: string, range?: ByteRange): Promise<ReplicaRead | undefined> {
    if (!this.index.get(key)) return undefined;
    try {
      const got = await this.backend.get(key, range);
      const version = versionFromInfo(got.info);
      return got.range ? { version, body: got.body, range: { start: got.range.start, end: got.range.end } } : { version, body: got.body };
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return this.forget(key);
      throw err;
    }
  }

  async drop(key: string, timestamp: string): Promise<boolean> {
    return this.lock.run(key, async () => {
      const held = this.index.get(key);
      if (!held || held.timestamp !== timestamp) return false;
      await this.backend.delete(key);
      return this.index.removeVersion(key, timestamp);
    });
  }

  async listObjects(account: string, container: string, page: ListPage): Promise<IndexEntry[]> {
    return this.index.listObjects(account, container, page);
  }

  async listContainers(account: string, page: ListPage): Promise<IndexEntry[]> {
    return this.index.listContainers(account, page);
  }

  /** Full version (with user metadata) of what the index says is held; undefined if the backend lost it. */
  private async versionOf(key: string, held: IndexEntry): Promise<ReplicaVersion | undefined> {
    try {
      return versionFromInfo(await this.backend.head(key));
    } catch (err) {
      if (!(err instanceof ObjectNotFoundError)) throw err;
      // The index is a cache of the backend; trust the backend.
      this.index.removeVersion(key, held.timestamp);
      return undefined;
    }
  }

  private forget(key: string): undefined {
    this.index.remove(key);
    return undefined;
  }
}
