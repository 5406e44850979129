import { Inject, Injectable } from '@nestjs/common';
import axios, { AxiosError, AxiosInstance, AxiosResponse } from 'axios';
import http from 'node:http';
import { Readable } from 'node:stream';
import { ClusterMap, SERVICE_ASSERTION_HEADER } from '@mcos/common';
import type { IndexEntry } from '../index/index-entry';
import type { ByteRange, OutgoingVersion, ReplicaRead, ReplicaVersion, ReplicaWriteResult, ServedRange } from '../storage/replica-version';
import { PeerRejectedError, PeerUnavailableError } from './peer.errors';
import { sendPeerRequest, type PeerHttpRequest, type PeerHttpResponse } from './peer-http';
import { HeaderBag, PEER_HEADERS, versionFromHeaders, versionToHeaders } from './peer-protocol';

/** Where a peer lives: its service name (for errors and logs) and base URL. */
export interface PeerRef {
  name: string;
  url: string;
}

/** DI token of the PeerClientOptions. */
export const PEER_CLIENT_OPTIONS = Symbol('PeerClientOptions');

export interface PeerClientOptions {
  /** This agent's service assertion addressed to the named peer (signed with its own key, cached by the signer). */
  assertion: (peerName: string) => string;
  /** Time to wait for a response to start; a streamed body may take longer. */
  timeoutMs: number;
  /** Connections per peer of each pool, and the idle timeout of a connection in use; defaults below. */
  pools?: PeerPools;
}

/**
 * Three pools of keep-alive connections, each capped per peer (Node's
 * maxSockets is per origin): replica reads stream to users and may be held
 * as long as a slow reader keeps reading; replica writes and control calls
 * (stats, versions, listings, ping, maps) must not wait behind them. Before
 * issue 13 one 64-socket pool served all three, and a few dozen slow readers
 * stalled every write to that peer. A connection on which no byte moves for
 * `idleTimeoutMs` is closed, so a stalled stream frees its socket.
 */
export interface PeerPools {
  readSockets: number;
  writeSockets: number;
  controlSockets: number;
  idleTimeoutMs: number;
}

const DEFAULT_POOLS: PeerPools = { readSockets: 48, writeSockets: 48, controlSockets: 16, idleTimeoutMs: 60_000 };

export interface IndexListQuery {
  account: string;
  container?: string;
  prefix?: string;
  marker?: string;
  limit: number;
  /** Objects when absent; `upload` or `part` for multipart records (index/objects only). */
  kind?: 'upload' | 'part';
}

/** What a peer's index says it holds for a key. */
export interface HeldVersion {
  timestamp: string;
  deleted: boolean;
  etag: string;
}

/**
 * The one HTTP client of the peer API. It streams bodies both ways, never
 * buffers them, adds this agent's assertion for the peer, and maps every transport failure
 * (and 5xx) to PeerUnavailableError and every other 4xx to PeerRejectedError.
 *
 * Replica bytes and stats (the per-request hot path) go over bare
 * `node:http` (`peer-http.ts`); the background and control calls (versions,
 * index listings, ping, cluster map, drops) use axios. Reads, writes and
 * control calls each have their own pool (see PeerPools).
 */
@Injectable()
export class PeerClient {
  private readonly http: AxiosInstance;
  private readonly readAgent: http.Agent;
  private readonly writeAgent: http.Agent;
  private readonly controlAgent: http.Agent;
  private readonly idleTimeoutMs: number;

  constructor(@Inject(PEER_CLIENT_OPTIONS) private readonly options: PeerClientOptions) {
    const pools = options.pools ?? DEFAULT_POOLS;
    const pool = (maxSockets: number) => new http.Agent({ keepAlive: true, maxSockets, timeout: pools.idleTimeoutMs });
    this.readAgent = pool(pools.readSockets);
    this.writeAgent = pool(pools.writeSockets);
    this.controlAgent = pool(pools.controlSockets);
    this.idleTimeoutMs = pools.idleTimeoutMs;
    this.http = axios.create({
      httpAgent: this.controlAgent,
      timeout: options.timeoutMs,
      maxRedirects: 0,
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
      validateStatus: () => true,
      // Keep axios from touching bodies: streams stay streams, JSON is parsed by us.
      transformResponse: (data: unknown) => data,
    });
  }

  async putReplica(peer: PeerRef, key: string, version: OutgoingVersion, body: Readable): Promise<ReplicaWriteResult> {
    const headers: Record<string, string> = { ...this.auth(peer), ...versionToHeaders({ size: 0, etag: '', ...version }) };
    if (version.size === undefined) delete headers[PEER_HEADERS.size];
    if (version.etag === undefined) delete headers[PEER_HEADERS.etag];
    if (version.size !== undefined) headers['content-length'] = String(version.deleted ? 0 : version.size);
    headers['content-type'] ??= 'application/octet-stream';
    // No response deadline: the peer answers after the last byte is durable, however large.
    const res = await this.send(peer, this.writeAgent, { method: 'PUT', url: this.url(peer, '/v1/peer/replica', { key }), headers, body, responseTimeoutMs: 0 });
    return JSON.parse(await this.okText(peer, res)) as ReplicaWriteResult;
  }

  /** The version a peer holds, or undefined when it holds nothing for the key. */
  async statReplica(peer: PeerRef, key: string): Promise<ReplicaVersion | undefined> {
    const res = await this.send(peer, this.controlAgent, this.get(peer, '/v1/peer/replica/stat', { key }, this.auth(peer)));
    if (res.status === 404) {
      res.body.resume();
      return undefined;
    }
    return JSON.parse(await this.okText(peer, res)) as ReplicaVersion;
  }

  /** Streams a replica; undefined when the peer holds nothing for the key. */
  async getReplica(peer: PeerRef, key: string, range?: ByteRange): Promise<ReplicaRead | undefined> {
    const headers: Record<string, string> = this.auth(peer);
    if (range) headers.range = `bytes=${range.start}-${range.end ?? ''}`;
    const res = await this.send(peer, this.readAgent, this.get(peer, '/v1/peer/replica', { key }, headers));
    if (res.status === 404) {
      res.body.resume();
      return undefined;
    }
    if (res.status >= 300) await this.okText(peer, res);
    let version: ReplicaVersion;
    try {
      version = versionFromHeaders(res.headers as HeaderBag);
    } catch (err) {
      res.body.destroy();
      throw new PeerUnavailableError(peer.name, `unreadable replica headers: ${(err as Error).message}`, { cause: err });
    }
    const served = servedRange(res.headers['content-range']);
    return served ? { version, body: res.body, range: served } : { version, body: res.body };
  }

  /** Drops exactly this version of a key (a copy no longer needed there). */
  async deleteReplica(peer: PeerRef, key: string, timestamp: string): Promise<boolean> {
    const res = await this.call(peer, () =>
      this.http.delete(this.url(peer, '/v1/peer/replica', { key, timestamp }), { headers: this.auth(peer), responseType: 'text' }),
    );
    if (res.status === 404 || res.status === 409) return false;
    this.expectOk(peer, res);
    return true;
  }

  /** The version each key has on the peer (null where it holds nothing), from its index. */
  async versions(peer: PeerRef, keys: string[]): Promise<Record<string, HeldVersion | null>> {
    const res = await this.call(peer, () =>
      this.http.post(this.url(peer, '/v1/peer/replica/versions', {}), { keys }, { headers: this.auth(peer), responseType: 'text' }),
    );
    this.expectOk(peer, res);
    return JSON.parse(res.data as string) as Record<string, HeldVersion | null>;
  }

  async listObjects(peer: PeerRef, q: IndexListQuery): Promise<IndexEntry[]> {
    return this.getJson<IndexEntry[]>(peer, '/v1/peer/index/objects', q);
  }

  async listContainers(peer: PeerRef, q: IndexListQuery): Promise<IndexEntry[]> {
    return this.getJson<IndexEntry[]>(peer, '/v1/peer/index/containers', q);
  }

  /** Round trip to a peer and the cluster-map version it holds. */
  async ping(peer: PeerRef): Promise<{ rttMs: number; clusterMapVersion: number }> {
    const started = process.hrtime.bigint();
    const body = await this.getJson<{ clusterMapVersion: number }>(peer, '/v1/peer/ping', {});
    const rttMs = Number(process.hrtime.bigint() - started) / 1e6;
    return { rttMs, clusterMapVersion: body.clusterMapVersion };
  }

  async clusterMap(peer: PeerRef): Promise<ClusterMap> {
    return this.getJson<ClusterMap>(peer, '/v1/peer/cluster-map', {});
  }

  close(): void {
    for (const agent of [this.readAgent, this.writeAgent, this.controlAgent]) agent.destroy();
  }

  private async getJson<T>(peer: PeerRef, path: string, query: object): Promise<T> {
    const res = await this.call(peer, () =>
      this.http.get(this.url(peer, path, query as Record<string, unknown>), { headers: this.auth(peer), responseType: 'text' }),
    );
    this.expectOk(peer, res);
    return JSON.parse(res.data as string) as T;
  }

  private get(peer: PeerRef, path: string, query: Record<string, unknown>, headers: Record<string, string>): PeerHttpRequest {
    return { method: 'GET', url: this.url(peer, path, query), headers, responseTimeoutMs: this.options.timeoutMs };
  }

  /** A hot-path request; transport failures and 5xx become PeerUnavailableError. */
  private async send(peer: PeerRef, agent: http.Agent, req: PeerHttpRequest): Promise<PeerHttpResponse> {
    let res: PeerHttpResponse;
    try {
      res = await sendPeerRequest(agent, { ...req, idleTimeoutMs: this.idleTimeoutMs });
    } catch (err) {
      throw new PeerUnavailableError(peer.name, (err as { code?: string }).code ?? (err as Error).message, { cause: err });
    }
    if (res.status >= 500) {
      const text = await readSmall(res.body).catch(() => '');
      throw new PeerUnavailableError(peer.name, `HTTP ${res.status} ${text.slice(0, 200)}`);
    }
    return res;
  }

  /** The body of a 2xx answer as text; any other status becomes PeerRejectedError. */
  private async okText(peer: PeerRef, res: PeerHttpResponse): Promise<string> {
    let text: string;
    try {
      text = await readSmall(res.body, res.status < 300 ? Infinity : 4096);
    } catch (err) {
      throw new PeerUnavailableError(peer.name, `response failed: ${(err as Error).message}`, { cause: err });
    }
    this.expectOk(peer, { status: res.status, data: text });
    return text;
  }

  private auth(peer: PeerRef): Record<string, string> {
    return { [SERVICE_ASSERTION_HEADER]: this.options.assertion(peer.name) };
  }

  private url(peer: PeerRef, path: string, query: Record<string, unknown>): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
    const s = qs.toString();
    return `${peer.url}${path}${s ? `?${s}` : ''}`;
  }

  private async call<T>(peer: PeerRef, send: () => Promise<AxiosResponse<T>>): Promise<AxiosResponse<T>> {
    let res: AxiosResponse<T>;
    try {
      res = await send();
    } catch (err) {
      const e = err as AxiosError;
      throw new PeerUnavailableError(peer.name, e.code ?? e.message, { cause: err });
    }
    if (res.status >= 500) {
      const text = typeof res.data === 'string' ? res.data : await readSmall(res.data as unknown as Readable);
      throw new PeerUnavailableError(peer.name, `HTTP ${res.status} ${text.slice(0, 200)}`);
    }
    return res;
  }

  private expectOk(peer: PeerRef, res: { status: number; data: unknown }): void {
    if (res.status >= 200 && res.status < 300) return;
    throw new PeerRejectedError(peer.name, res.status, String(res.data).slice(0, 300));
  }
}

/** The served range of a `Content-Range: bytes start-end/total` answer. */
function servedRange(header: string | undefined): ServedRange | undefined {
  const m = header === undefined ? null : /^bytes (\d+)-(\d+)\//.exec(header);
  return m ? { start: Number(m[1]), end: Number(m[2]) } : undefined;
}

/** Reads a response body as text, keeping at most `keep` bytes (the rest is drained). */
async function readSmall(stream: Readable, keep = 4096): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    if (total < keep) chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return keep === Infinity ? text : text.slice(0, keep);
}
