import * as path from 'node:path';
import { startServerChild } from './child-server';
import { freePort } from './free-port';

import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';

/** Azurite's well-known development account (published by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** A running Azurite blob service and how to reach it. */
export interface AzuriteHandle {
  /** Blob service URL, e.g. `http://127.0.0.1:PORT/devstoreaccount1`. */
  endpoint: string;
  accountName: string;
  accountKey: string;
  connectionString: string;
  containers: string[];
  port: number;
  dir: string;
  pid: number;
  /** Stops exactly this process (SIGTERM: Azurite saves its state; SIGKILL after 10 s); removes the dir if it was made here. */
  stop(): Promise<void>;
}

export interface StartAzuriteOptions {
  /** Data directory; default a fresh temp dir, removed by `stop()`. Pass the same dir (and port) to restart. */
  dir?: string;
  /** Default: a free loopback port. */
  port?: number;
  /** Containers to create if missing; default `['mcos']`. */
  containers?: string[];
}

const LAUNCHER = path.join(__dirname, 'azurite-launcher.cjs');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * Spawns Azurite's blob service on 127.0.0.1 (telemetry off, API version
 * check off) and resolves once it listens and the containers exist. The
 * child holds an IPC channel and stops if this process dies.
 */
export async function startAzurite(opts: StartAzuriteOptions = {}): Promise<AzuriteHandle> {
  const port = opts.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const containers = opts.containers ?? ['mcos'];
  const server = await startServerChild({
    name: 'Azurite',
    command: process.execPath,
    args: (dir) => [LAUNCHER, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', dir, '--silent', '--skipApiVersionCheck', '--disableTelemetry'],
    dir: opts.dir,
    tempName: 'azurite',
    ipc: true,
    startTimeoutMs: START_TIMEOUT_MS,
    stopTimeoutMs: STOP_TIMEOUT_MS,
    ready: (out) => (/successfully listens on/.test(out) ? true : undefined),
    afterReady: async () => {
      const service = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
      for (const c of containers) await service.getContainerClient(c).createIfNotExists();
    },
  });
  return {
    endpoint,
    accountName: AZURITE_ACCOUNT,
    accountKey: AZURITE_KEY,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`,
    containers,
    port,
    dir: server.dir,
    pid: server.pid,
    stop: server.stop,
  };
}
