import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ConflictError, UnavailableError } from '@mcos/common';
import { PeerRejectedError } from '../peers/peer.errors';
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
    private readonly behaviour: { fail?: boolean; delayMs?: number; holdsNewer?: string } = {},
  ) {}
  async write(_key: string, version: OutgoingVersion, body: Readable, knownMd5?: PromiseLike<string>): Promise<ReplicaWriteResult> {
    const chunks: Buffer[] = [];
    for await (const c of body) {
      if (this.behaviour.fail) throw new Error(`${this.service} is down`);
      chunks.push(c as Buffer);
    }
    if (this.behaviour.fail) throw new Error(`${this.service} is down`);
    if (this.behaviour.delayMs) await new Promise((r) => setTimeout(r, this.behaviour.delayMs));
    if (this.behaviour.holdsNewer) {
      // What LocalReplicaTarget answers when it already holds a newer version: nothing written.
      return { applied: false, held: { ...version, timestamp: this.behaviour.holdsNewer, size: 1, etag: 'newer' } as ReplicaVersion };
    }
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

describe('ReplicaWriter and writes that lose on timestamp (issue 13, point 4)', () => {
  const NEWER = '0000000000000002.000000.b';

  it('does not count a replica that holds a newer version: the write fails with 409, not success', async () => {
    const sut = new ReplicaWriter();
    const targets = [new FakeTarget('a', { holdsNewer: NEWER }), new FakeTarget('b', { holdsNewer: NEWER }), new FakeTarget('c')];
    await expect(sut.write({ key: 'k', version: version(3), body: body(Buffer.from('abc')), targets, spares: [], quorum: 2 })).rejects.toThrow(ConflictError);
  });

  it('treats a peer\'s 412 (it holds a newer version) the same way, and takes no spare for it', async () => {
    class NewerPeer extends FakeTarget {
      override async write(_k: string, _v: OutgoingVersion, b: Readable): Promise<ReplicaWriteResult> {
        b.resume();
        throw new PeerRejectedError(this.service, 412, 'holds a newer version');
      }
    }
    const spare = new FakeTarget('spare');
    const sut = new ReplicaWriter();
    const targets = [new NewerPeer('a'), new NewerPeer('b'), new FakeTarget('c')];
    await expect(sut.write({ key: 'k', version: version(3), body: body(Buffer.from('abc')), targets, spares: [spare], quorum: 2 })).rejects.toThrow(ConflictError);
    expect(spare.stored).toBeUndefined();
  });

  it('answers at the quorum when enough replicas took it, and reports the superseded one as healthy', async () => {
    const sut = new ReplicaWriter();
    const targets = [new FakeTarget('a'), new FakeTarget('b'), new FakeTarget('c', { holdsNewer: NEWER })];
    const result = await sut.write({ key: 'k', version: version(3), body: body(Buffer.from('abc')), targets, spares: [], quorum: 2 });
    const all = await result.allSettled;
    expect(all.find((o) => o.service === 'c')).toMatchObject({ ok: false, superseded: true });
    expect(all.filter((o) => o.ok).map((o) => o.service).sort()).toEqual(['a', 'b']);
  });
});
