import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { AgentHealth, ClusterMap, PinnedMapKey, RegisterServiceResponse } from '@mcos/common';
import {
  CONTROLLER_ISSUER,
  generateEd25519KeyPair,
  JOIN_TOKEN_HEADER,
  SERVICE_ASSERTION_HEADER,
  signAssertion,
  verifyAssertion,
  verifyClusterMap,
} from '@mcos/common';
import { http, HttpResult } from './http';
import { freePort } from './ports';

/**
 * A small real HTTP stand-in for an agent, living in the test process. It
 * speaks the controller->agent protocol (GET /v1/agent/health, PUT
 * /v1/agent/cluster-map) as a real agent does: its own Ed25519 identity key
 * at registration, the controller's assertion checked against the key
 * pinned at the first join, every map verified; it keeps only maps newer
 * than the one it holds, and records every version it was sent and every
 * version it applied.
 */
export class AgentDouble {
  /** Versions of every map pushed to it (or answered at registration), in arrival order. */
  readonly received: number[] = [];
  /** Versions it actually applied (each newer than the one before). */
  readonly applied: number[] = [];
  map?: ClusterMap;
  /** Its identity key (PEM); a test may replace it to play an impostor. */
  publicKey: string;
  private privateKey: KeyObject;
  /** The controller key pinned at the first join. */
  pinned?: PinnedMapKey;
  /** Reported in health; tests may change them. */
  containersByOption: Record<string, number> = {};
  indexByOption: Record<string, { objects: number; bytes: number }> = {};
  capacityTotalBytes?: number;
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly name: string,
    readonly region: string,
    readonly port: number,
  ) {
    const pair = generateEd25519KeyPair();
    this.publicKey = pair.publicKeyPem;
    this.privateKey = createPrivateKey(pair.privateKeyPem);
  }

  /** Its assertion to the controller (issuer: its name). */
  assertion(): string {
    const now = Date.now();
    return signAssertion({ iss: this.name, aud: CONTROLLER_ISSUER, iat: now, exp: now + 60_000 }, this.privateKey);
  }

  /** Headers of an agent-to-controller call. */
  authHeaders(): Record<string, string> {
    return { [SERVICE_ASSERTION_HEADER]: this.assertion() };
  }

  static async start(name: string, region: string, port?: number): Promise<AgentDouble> {
    const double = new AgentDouble(name, region, port ?? (await freePort()));
    await double.listen();
    return double;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get version(): number {
    return this.map?.version ?? 0;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** POST /v1/services/register with its key; on success pins the controller key (first join) and keeps the map. */
  async register(controllerUrl: string, joinToken: string, extra: Record<string, unknown> = {}): Promise<HttpResult<RegisterServiceResponse>> {
    const headers: Record<string, string> = { [JOIN_TOKEN_HEADER]: joinToken, ...this.authHeaders() };
    const result = await http<RegisterServiceResponse>('POST', `${controllerUrl}/v1/services/register`, {
      headers,
      body: {
        name: this.name,
        url: this.url,
        region: this.region,
        backend: 'fs',
        capacityTotalBytes: this.capacityTotalBytes,
        publicKey: this.publicKey,
        ...extra,
      },
    });
    if (result.status === 200) {
      this.pinned = verifyClusterMap(result.body.clusterMap, this.pinned);
      this.offer(result.body.clusterMap);
    }
    return result;
  }

  /** Stops answering: closes the listener and drops open connections. */
  async pause(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answers again, on the same port. */
  async resume(): Promise<void> {
    if (!this.server) await this.listen();
  }

  async stop(): Promise<void> {
    await this.pause();
  }

  /** The ring version it holds for an option (0 = none). */
  ringVersion(option: string): number {
    return this.map?.rings.find((r) => r.option === option)?.version ?? 0;
  }

  private offer(map: ClusterMap): boolean {
    this.received.push(map.version);
    if (map.version <= this.version) return false;
    this.map = map;
    this.applied.push(map.version);
    return true;
  }

  private health(): AgentHealth {
    return {
      name: this.name,
      clusterMapVersion: this.version,
      ringVersions: Object.fromEntries((this.map?.rings ?? []).map((r) => [r.option, r.version])),
      capacityTotalBytes: this.capacityTotalBytes,
      distancesMs: {},
      indexByOption: this.indexByOption,
      containersByOption: this.containersByOption,
      progress: {
        scanned: 0,
        pushed: 0,
        moved: 0,
        deleted: 0,
        corrupt: 0,
        failures: 0,
        oldestUnreplicatedMs: 0,
        remainingByOption: {},
      },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const controllerKey = this.pinned && createPublicKey(this.pinned.publicKey);
    try {
      verifyAssertion(req.headers[SERVICE_ASSERTION_HEADER], this.name, (issuer) => (issuer === CONTROLLER_ISSUER ? controllerKey : undefined), Date.now());
    } catch (error) {
      send(401, { statusCode: 401, error: 'Unauthorized', message: (error as Error).message });
      return;
    }
    if (req.method === 'GET' && req.url === '/v1/agent/health') {
      send(200, this.health());
    } else if (req.method === 'PUT' && req.url === '/v1/agent/cluster-map') {
      const map = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ClusterMap;
      try {
        this.pinned = verifyClusterMap(map, this.pinned);
      } catch (error) {
        send(401, { statusCode: 401, error: 'Unauthorized', message: (error as Error).message });
        return;
      }
      const accepted = this.offer(map);
      send(200, { accepted, version: this.version });
    } else {
      send(404, { statusCode: 404, error: 'Not Found' });
    }
  }

  private listen(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }
}
