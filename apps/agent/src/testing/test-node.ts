import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FsBackend } from '@mcos/backends';
import { AgentIdentity } from '../config/agent-identity';
import { ObjectIndexRepository } from '../index/object-index.repository';
import { LocalReplicaTarget } from '../replicas/local-replica.target';

/** One service's storage for a spec: a real fs backend and a real sqlite index in `dir`. */
export interface TestNode {
  name: string;
  identity: AgentIdentity;
  dir: string;
  backend: FsBackend;
  index: ObjectIndexRepository;
  local: LocalReplicaTarget;
}

/** Creates a node's storage under `root/<name>`; close it with closeTestNode. */
export function createTestNode(name: string, root: string, region = `region-${name}`): TestNode {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const identity = new AgentIdentity(name, region, `http://${name}.invalid`);
  const backend = new FsBackend({ root: join(dir, 'objects') });
  const index = new ObjectIndexRepository(join(dir, 'index.sqlite'));
  return { name, identity, dir, backend, index, local: new LocalReplicaTarget(identity, backend, index) };
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
