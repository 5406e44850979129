import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { UnavailableError } from '@mcos/common';
import type { IndexEntry } from '../index/index-entry';
import type { OutgoingVersion, ReplicaRead, ReplicaVersion, ReplicaWriteResult } from '../storage/replica-version';
import type { ReplicaTarget } from './replica-target';
import { ReplicaWriter } from './replica-writer';

/** An in-memory replica holder that can be told to fail or to be slow. */
class FakeTarget implements ReplicaTarget {
  readonly isLocal = false;
  stored?: Buffer;
  knownMd5?: string;
  constructor(
    readonly service: string,
    private readonly behaviour: { fail?: boolean; delayMs?: number } = {},
  ) {}
  async write(_key: string, version: OutgoingVersion, body: Readable, knownMd5?: PromiseLike<string>): Promise<ReplicaWriteResult> {
    const chunks: Buffer[] = [];
    for await (const c of body) {
      if (this.behaviour.fail) throw new Error(`${this.service} is down`);
      chunks.push(c as Buffer);
    }
    if (this.behaviour.fail) throw new Error(`${this.service} is down`);
    if (this.behaviour.delayMs) await new Promise((r) => setTimeout(r, this.behaviour.delayMs));
    this.stored = Buffer.concat(chunks);
    this.knownMd5 = await knownMd5;
    const etag = createHash('md5').update(this.stored).digest('hex');
    return { applied: true, held: { ...version, size: this.stored.length, etag } as ReplicaVersion };
  }
  async stat(): Promise<ReplicaVersion | undefined> {
    return undefined;
  }
  async read(): Promise<ReplicaRead | undefined> {
    return undefined;
  }
  async drop(): Promise<boolean> {
    return false;
  }
  async listObjects(): Promise<IndexEntry[]> {
    return [];
  }
  async listContainers(): Promise<IndexEntry[]> {
    return [];
  }
}

const version = (size?: number): OutgoingVersion => ({ timestamp: '0000000000000001.000000.a', deleted: false, option: 'standard', size, userMeta: {} });
const body = (buf: Buffer) => Readable.from([buf], { objectMode: false });

describe('ReplicaWriter', () => {
  const sut = new ReplicaWriter();

  it('answers at the quorum and finishes the others in the background', async () => {
    const data = Buffer.from('x'.repeat(1000));
    const targets = [new FakeTarget('a'), new FakeTarget('b'), new FakeTarget('c', { delayMs: 200 })];
    const r = await sut.write({ key: 'k', version: version(data.length), body: body(data), targets, spares: [], quorum: 2 });
    expect(r.etag).toBe(createHash('md5').update(data).digest('hex'));
    expect(r.outcomes.filter((o) => o.ok).map((o) => o.service).sort()).toEqual(['a', 'b']);
    expect(targets[2].stored).toBeUndefined();
    const all = await r.allSettled;
    expect(all.every((o) => o.ok)).toBe(true);
    expect(targets[2].stored?.equals(data)).toBe(true);
  });

  it('hands every target the MD5 it computed on the way, for large streamed bodies too', async () => {
    const data = Buffer.alloc(3 << 20, 9);
    const targets = [new FakeTarget('a'), new FakeTarget('b')];
    const r = await sut.write({ key: 'k', version: version(undefined), body: body(data), targets, spares: [], quorum: 2 });
    const md5 = createHash('md5').update(data).digest('hex');
    expect(r.etag).toBe(md5);
    expect(targets.map((t) => t.knownMd5)).toEqual([md5, md5]);
  });

  it('replaces a failed target with a spare when the body can be replayed', async () => {
    const data = Buffer.from('hello');
    const spare = new FakeTarget('spare');
    const r = await sut.write({
      key: 'k',
      version: version(data.length),
      body: body(data),
      targets: [new FakeTarget('a'), new FakeTarget('b', { fail: true }), new FakeTarget('c')],
      spares: [spare],
      quorum: 3,
    });
    expect(r.outcomes.map((o) => o.service).sort()).toEqual(['a', 'c', 'spare']);
    expect(spare.stored?.toString()).toBe('hello');
  });

  it('fails with UnavailableError when the quorum cannot be reached', async () => {
    const data = Buffer.alloc(3 << 20, 7); // too large to replay: no spare is used
    const spare = new FakeTarget('spare');
    const write = sut.write({
      key: 'k',
      version: version(undefined),
      body: body(data),
      targets: [new FakeTarget('a'), new FakeTarget('b', { fail: true }), new FakeTarget('c', { fail: true })],
      spares: [spare],
      quorum: 2,
    });
    await expect(write).rejects.toBeInstanceOf(UnavailableError);
    expect(spare.stored).toBeUndefined();
  });
});
