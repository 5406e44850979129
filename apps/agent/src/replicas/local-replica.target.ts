import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ObjectBackend, ObjectNotFoundError, StoredObjectInfo } from '@mcos/backends';
import type { IndexEntry } from '../index/index-entry';
import type { ObjectIndexRepository } from '../index/object-index.repository';
import type { OutgoingVersion } from '../peers/peer-client';
import { parseKey } from '../storage/object-key';
import { KeyLock } from './key-lock';
import type { ReplicaRead, ReplicaTarget } from './replica-target';
import type { ByteRange, ReplicaVersion, ReplicaWriteResult } from './replica.types';

/** Names of the MCOS bookkeeping kept in the backend's system metadata. */
const SYS = { timestamp: 'ts', deleted: 'deleted', option: 'option' } as const;

/**
 * This agent's own backend as a replica holder. Every write goes through a
 * per-key lock and the index: a version older than (or equal to) the one held
 * is not written, so replicas converge on the newest timestamp whatever order
 * writes arrive in. The index is updated after the backend has the bytes, so
 * it never lists what the backend does not hold.
 */
export class LocalReplicaTarget implements ReplicaTarget {
  readonly isLocal = true;
  private readonly lock = new KeyLock();

  constructor(
    readonly service: string,
    private readonly backend: ObjectBackend,
    private readonly index: ObjectIndexRepository,
  ) {}

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
          systemMeta: {
            [SYS.timestamp]: version.timestamp,
            [SYS.deleted]: version.deleted ? '1' : '0',
            [SYS.option]: version.option,
          },
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
      const contentRange = got.range && `bytes ${got.range.start}-${got.range.end}/${got.info.size}`;
      return { version, body: got.body, contentRange };
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

/** Reads MCOS's bookkeeping back from what the backend stored. */
export function versionFromInfo(info: StoredObjectInfo): ReplicaVersion {
  return {
    timestamp: info.systemMeta[SYS.timestamp] ?? '',
    deleted: info.systemMeta[SYS.deleted] === '1',
    option: info.systemMeta[SYS.option] ?? '',
    size: info.size,
    etag: info.etag,
    contentType: info.contentType,
    userMeta: info.userMeta,
  };
}

/** The index row for a version of a key; undefined for keys MCOS did not write. */
export function indexEntry(key: string, v: ReplicaVersion): IndexEntry {
  const parsed = parseKey(key);
  if (!parsed) throw new Error(`not an MCOS key: ${key}`);
  return {
    key,
    kind: parsed.kind,
    account: parsed.account,
    container: parsed.container,
    name: parsed.kind === 'object' ? parsed.name : '',
    option: v.option,
    size: v.size,
    etag: v.etag,
    timestamp: v.timestamp,
    deleted: v.deleted,
    contentType: v.contentType,
  };
}
