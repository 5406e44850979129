import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { BadRequestError, ClusterMap, ConflictError, NotFoundError, UnavailableError } from '@mcos/common';
import { HybridClock } from '../clock/hybrid-clock';
import { isTimestamp } from '../clock/timestamp';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { AgentIdentity } from '../config/agent-identity';
import { parseRange } from '../http/object-http';
import type { IndexEntry } from '../index/index-entry';
import { ObjectIndexRepository } from '../index/object-index.repository';
import type { HeldVersion } from '../peers/peer-client';
import { versionFromHeaders, versionToHeaders } from '../peers/peer-protocol';
import { LocalReplicaTarget } from '../replicas/local-replica.target';
import { parseKey } from '../storage/object-key';
import type { ReplicaVersion, ReplicaWriteResult } from '../storage/replica-version';
import { hashThrough } from '../streams/hash-through';
import { Md5Worker } from '../streams/md5-worker';

/**
 * The HTTP side of the peer API: reads keys, versions and ranges from the
 * raw request and answers from this agent's own replica (LocalReplicaTarget)
 * and index. The wire format is peers/peer-protocol.ts, shared with the
 * PeerClient that calls it.
 */
@Injectable()
export class PeerHttpAdapter {
  constructor(
    private readonly local: LocalReplicaTarget,
    private readonly index: ObjectIndexRepository,
    private readonly map: ClusterMapService,
    private readonly clock: HybridClock,
    private readonly identity: AgentIdentity,
    private readonly md5: Md5Worker,
  ) {}

  async write(key: string, req: Request): Promise<ReplicaWriteResult> {
    checkKey(key);
    let version: ReplicaVersion;
    try {
      version = versionFromHeaders(req.headers);
    } catch (err) {
      throw new BadRequestError(`bad replica headers: ${(err as Error).message}`);
    }
    if (!isTimestamp(version.timestamp)) throw new BadRequestError('bad replica timestamp');
    this.clock.observe(version.timestamp);
    const length = req.headers['content-length'];
    const sent = { ...version, size: length === undefined ? undefined : Number(length) };
    // With the MD5 worker on, a large replica is hashed there, beside the thread that writes it,
    // and the driver records that digest; otherwise the driver hashes what it writes.
    const hashed = !version.deleted && this.md5.wanted(sent.size) ? hashThrough(req, this.md5.open()) : undefined;
    let result: ReplicaWriteResult;
    try {
      result = hashed ? await this.local.write(key, sent, hashed.body, hashed.digest) : await this.local.write(key, sent, req);
    } catch (err) {
      hashed?.body.destroy(); // releases the hash if the write failed before reading the body
      throw err;
    }
    if (result.applied && version.etag && !version.deleted && version.etag !== result.held.etag) {
      // A replica pushed with a known MD5 arrived different: do not keep it.
      await this.local.drop(key, result.held.timestamp);
      throw new ConflictError(`replica of ${key} arrived with MD5 ${result.held.etag}, expected ${version.etag}`);
    }
    return result;
  }

  async read(key: string, req: Request, res: Response): Promise<void> {
    checkKey(key);
    const range = parseRange(req.headers.range);
    const got = await this.local.read(key, range && !('suffix' in range) ? range : undefined);
    if (!got) throw new NotFoundError(`no replica of ${key} here`);
    for (const [k, v] of Object.entries(versionToHeaders(got.version))) res.setHeader(k, v);
    if (got.range) res.status(206).setHeader('content-range', `bytes ${got.range.start}-${got.range.end}/${got.version.size}`);
    await pipeline(got.body, res).catch(() => res.destroy());
  }

  async stat(key: string): Promise<ReplicaVersion> {
    checkKey(key);
    const v = await this.local.stat(key);
    if (!v) throw new NotFoundError(`no replica of ${key} here`);
    return v;
  }

  /** Batch lookup for the replicator: one call per peer and batch instead of one per key. */
  versions(keys: unknown): Record<string, HeldVersion | null> {
    if (!Array.isArray(keys) || keys.length > MAX_VERSION_BATCH || !keys.every((k) => typeof k === 'string')) {
      throw new BadRequestError(`keys must be an array of at most ${MAX_VERSION_BATCH} strings`);
    }
    const out: Record<string, HeldVersion | null> = {};
    for (const key of keys as string[]) {
      const e = this.index.get(key);
      out[key] = e ? { timestamp: e.timestamp, deleted: e.deleted, etag: e.etag } : null;
    }
    return out;
  }

  async drop(key: string, timestamp: string): Promise<{ dropped: true }> {
    checkKey(key);
    if (!isTimestamp(timestamp)) throw new BadRequestError('timestamp must be an MCOS timestamp');
    if (!(await this.local.drop(key, timestamp))) throw new ConflictError(`this agent does not hold version ${timestamp} of ${key}`);
    return { dropped: true };
  }

  listObjects(q: Record<string, string>): IndexEntry[] {
    const { account, container } = q;
    if (!account || !container) throw new BadRequestError('account and container are required');
    return this.index.listObjects(account, container, { prefix: q.prefix, marker: q.marker, limit: limitOf(q.limit) });
  }

  listContainers(q: Record<string, string>): IndexEntry[] {
    if (!q.account) throw new BadRequestError('account is required');
    return this.index.listContainers(q.account, { prefix: q.prefix, marker: q.marker, limit: limitOf(q.limit) });
  }

  ping(): { name: string; clusterMapVersion: number } {
    return { name: this.identity.name, clusterMapVersion: this.map.version };
  }

  clusterMap(): ClusterMap {
    const map = this.map.current;
    if (!map) throw new UnavailableError('this agent holds no cluster map yet');
    return map;
  }
}

const MAX_VERSION_BATCH = 1000;

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || !parseKey(key)) throw new BadRequestError('key must be an MCOS object or container key');
}

function limitOf(raw: string | undefined): number {
  const n = raw === undefined ? 1000 : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new BadRequestError('limit must be an integer from 1 to 10000');
  return n;
}
