import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';

import { BackendUnavailableError } from './backend.errors';
import { PROBE_KEY_PREFIX } from './backend-rules';
import type { ProbeResult } from './object-backend';

/** Big enough to see throughput rather than latency, small enough for a registration step. */
export const PROBE_BYTES = 4 * 1024 * 1024;
const PROBE_CHUNK = 256 * 1024;

/** The raw operations a driver lends to `runProbe` (they skip the reserved-key check). */
export interface ProbeOps {
  write(key: string, body: Readable, size: number): Promise<unknown>;
  read(key: string): Promise<Readable>;
  remove(key: string): Promise<void>;
}

/**
 * Writes, reads back and deletes one random object under `.mcos-probe/`,
 * timing both directions. Random bytes so that no compressing or
 * deduplicating layer flatters the numbers.
 */
export async function runProbe(ops: ProbeOps, bytes = PROBE_BYTES): Promise<ProbeResult> {
  const key = `${PROBE_KEY_PREFIX}${randomUUID()}`;
  const data = randomBytes(bytes);
  const expected = createHash('md5').update(data).digest('hex');
  const chunks = function* () {
    for (let off = 0; off < data.length; off += PROBE_CHUNK) yield data.subarray(off, off + PROBE_CHUNK);
  };
  try {
    const t0 = performance.now();
    await ops.write(key, Readable.from(chunks()), bytes);
    const t1 = performance.now();
    const md5 = createHash('md5');
    let got = 0;
    for await (const chunk of await ops.read(key)) {
      md5.update(chunk as Buffer);
      got += (chunk as Buffer).length;
    }
    const t2 = performance.now();
    if (got !== bytes || md5.digest('hex') !== expected) {
      throw new BackendUnavailableError(`probe read-back mismatch (${got} of ${bytes} bytes, or wrong MD5)`);
    }
    return { writeMBps: mbps(bytes, t1 - t0), readMBps: mbps(bytes, t2 - t1) };
  } finally {
    await ops.remove(key).catch(() => undefined);
  }
}

function mbps(bytes: number, ms: number): number {
  return Math.round((bytes / 1e6 / (Math.max(ms, 0.001) / 1000)) * 100) / 100;
}
