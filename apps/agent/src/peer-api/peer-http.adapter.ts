import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import {
  BadRequestError,
  ClusterMap,
  ConflictError,
  containerNameProblem,
  identifierProblem,
  lingerAfterAnswer,
  NotFoundError,
  objectNameProblem,
  PayloadTooLargeError,
  PreconditionFailedError,
  UnavailableError,
} from '@mcos/common';
import { HybridClock } from '../clock/hybrid-clock';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { AgentConfig } from '../config/agent-config';
import { AgentIdentity } from '../config/agent-identity';
import { parseRange } from '../http/object-http';
import type { IndexEntry } from '../index/index-entry';
import { ObjectIndexRepository } from '../index/object-index.repository';
import { checkObjectMetadata, limitBody } from '../objects/object-rules';
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
    private readonly config: AgentConfig,
  ) {}

  /**
   * Stores a replica sent by a peer. Everything a peer sends is checked
   * before a byte of the body is read, as at the user door: the key against
   * the naming rules, the version's timestamp against this agent's clock
   * (at most maxClockSkewMs ahead, else 400 and the clock does not move), its
   * metadata, and the size (413; counted as it streams when no length is sent).
   * @throws PreconditionFailedError (412) when this agent already holds a
   *   strictly newer version: the write did not take, and the sender must not
   *   count it (see ReplicaWriter). The same version again answers 200, applied: false.
   */
  async write(key: string, req: Request): Promise<ReplicaWriteResult> {
    checkKey(key);
    let version: ReplicaVersion;
    try {
      version = versionFromHeaders(req.headers);
    } catch (err) {
      throw new BadRequestError(`bad replica headers: ${(err as Error).message}`);
    }
    this.clock.check(version.timestamp);
    if (identifierProblem(version.option)) throw new BadRequestError('bad replica option');
    if (!version.deleted) checkObjectMetadata(version.contentType, version.userMeta);
    const length = req.headers['content-length'];
    const size = length === undefined ? undefined : Number(length);
    if (size !== undefined && size > this.config.maxObjectBytes) {
      throw new PayloadTooLargeError(`replica is ${size} bytes; the largest accepted is ${this.config.maxObjectBytes}`);
    }
    this.clock.observe(version.timestamp);
    const sent = { ...version, size };
    let tooLarge = false;
    const body =
      size === undefined
        ? limitBody(req, this.config.maxObjectBytes, () => {
            tooLarge = true;
            closeAfterAnswer(req);
          })
        : req;
    // With the MD5 worker on, a large replica is hashed there, beside the thread that writes it,
    // and the driver records that digest; otherwise the driver hashes what it writes.
    const hashed = !version.deleted && this.md5.wanted(sent.size) ? hashThrough(body, this.md5.open()) : undefined;
    let result: ReplicaWriteResult;
    try {
      result = hashed ? await this.local.write(key, sent, hashed.body, hashed.digest) : await this.local.write(key, sent, body);
    } catch (err) {
      hashed?.body.destroy(); // releases the hash if the write failed before reading the body
      // The backend reports the cut body as its own stream error; the cause is the size.
      if (tooLarge) throw new PayloadTooLargeError(`replica passed ${this.config.maxObjectBytes} bytes, the largest accepted`);
      throw err;
    }
    if (!result.applied && result.held.timestamp > version.timestamp) {
      throw new PreconditionFailedError(`this agent holds a newer version of ${key} (${result.held.timestamp}); ${version.timestamp} did not take`);
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
    this.clock.check(timestamp);
    if (!(await this.local.drop(key, timestamp))) throw new ConflictError(`this agent does not hold version ${timestamp} of ${key}`);
    return { dropped: true };
  }

  listObjects(q: Record<string, unknown>): IndexEntry[] {
    const { account, container, prefix, marker, kind } = listQuery(q, ['account', 'container'], ['prefix', 'marker', 'kind']);
    if (kind !== undefined && kind !== 'upload' && kind !== 'part') throw new BadRequestError('kind must be upload or part');
    return this.index.listObjects(account, container, { prefix, marker, limit: limitOf(q.limit), ...(kind ? { kind } : {}) });
  }

  listContainers(q: Record<string, unknown>): IndexEntry[] {
    const { account, prefix, marker } = listQuery(q, ['account'], ['prefix', 'marker']);
    return this.index.listContainers(account, { prefix, marker, limit: limitOf(q.limit) });
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

/**
 * A key from a peer must be one MCOS writes: `c/<account>/<container>` or
 * `o/<account>/<container>/<object>`, each part following the naming rules
 * the user door applies (issue 13, point 7), so a peer cannot store under a
 * name no user could address.
 */
function checkKey(key: unknown): asserts key is string {
  const parsed = typeof key === 'string' && key.length <= MAX_PEER_KEY_LENGTH ? parseKey(key) : undefined;
  if (!parsed) throw new BadRequestError('key must be an MCOS object or container key');
  const problem =
    identifierProblem(parsed.account) ??
    containerNameProblem(parsed.container) ??
    (parsed.kind === 'object' ? objectNameProblem(parsed.name) : parsed.kind === 'container' ? undefined : objectNameProblem(parsed.object));
  if (problem) throw new BadRequestError(`key ${JSON.stringify((key as string).slice(0, 200))}: a name ${problem}`);
}

/** "o/" + account + "/" + container + "/" + object name, all at their longest (in UTF-16 units, an upper bound), + "/<uploadId>/<NNNNN>" of a part key. */
const MAX_PEER_KEY_LENGTH = 2 + 63 + 1 + 256 + 1 + 1024 + 1 + 64 + 6;

/** Required and optional string parameters of a peer listing (a repeated parameter arrives as an array: 400). */
function listQuery<R extends string, O extends string>(
  q: Record<string, unknown>,
  required: R[],
  optional: O[],
): Record<R, string> & Partial<Record<O, string>> {
  const out: Record<string, string> = {};
  for (const name of [...required, ...optional]) {
    const v = q[name];
    if (v === undefined && (optional as string[]).includes(name)) continue;
    if (typeof v !== 'string' || (v === '' && (required as string[]).includes(name))) throw new BadRequestError(`${name} must be one string`);
    out[name] = v;
  }
  return out as Record<R, string> & Partial<Record<O, string>>;
}

/** A body that passed its limit leaves unread bytes behind: they linger a moment after the 413, then the connection is cut. */
function closeAfterAnswer(req: Request): void {
  if (req.res) lingerAfterAnswer(req, req.res);
}

function limitOf(raw: unknown): number {
  const n = raw === undefined ? 1000 : typeof raw === 'string' ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new BadRequestError('limit must be an integer from 1 to 10000');
  return n;
}
