import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FsBackend } from '@mcos/backends';
import { AgentIdentity } from '../config/agent-identity';
import { ObjectIndexRepository } from '../index/object-index.repository';
import { LocalReplicaTarget } from '../replicas/local-replica.target';

/** LocalReplicaTarget that knows which of its writes are still running (a write past the quorum finishes after the answer). */
export class TrackedLocalReplicaTarget extends LocalReplicaTarget {
  private readonly inFlight = new Set<Promise<unknown>>();

  override write(...args: Parameters<LocalReplicaTarget['write']>): ReturnType<LocalReplicaTarget['write']> {
    const p = super.write(...args);
    this.inFlight.add(p);
    const done = () => this.inFlight.delete(p);
    p.then(done, done);
    return p;
  }

  get busy(): number {
    return this.inFlight.size;
  }

  /** Resolves once no write is running. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}

/** One service's storage for a spec: a real fs backend and a real sqlite index in `dir`. */
export interface TestNode {
  name: string;
  identity: AgentIdentity;
  dir: string;
  backend: FsBackend;
  index: ObjectIndexRepository;
  local: TrackedLocalReplicaTarget;
}

/** Creates a node's storage under `root/<name>`; close it with closeTestNode. */
export function createTestNode(name: string, root: string, region = `region-${name}`): TestNode {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const identity = new AgentIdentity(name, region, `http://${name}.invalid`);
  const backend = new FsBackend({ root: join(dir, 'objects') });
  const index = new ObjectIndexRepository(join(dir, 'index.sqlite'));
  return { name, identity, dir, backend, index, local: new TrackedLocalReplicaTarget(identity, backend, index) };
}

export async function closeTestNode(node: TestNode): Promise<void> {
  node.index.close();
  await node.backend.close();
}

/** A body of known length, as a client would send it. */
export function bodyOf(data: string | Buffer): Readable {
  return Readable.from([Buffer.from(data)], { objectMode: false });
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Flips the first byte of the replica whose content starts with `content`
 * in the node's fs backend (its files hold the content first), as a bad
 * disk would: the metadata still carries the good ETag.
 */
export function corruptReplica(node: TestNode, content: Buffer): void {
  const files = readdirSync(join(node.dir, 'objects'), { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile() && f.name.endsWith('.obj'))
    .map((f) => join(f.parentPath, f.name))
    .filter((file) => readFileSync(file).subarray(0, content.length).equals(content));
  if (files.length !== 1) throw new Error(`expected one replica with that content on ${node.name}, found ${files.length}`);
  const bytes = readFileSync(files[0]);
  bytes[0] ^= 0xff;
  writeFileSync(files[0], bytes);
}
